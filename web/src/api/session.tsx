import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, onUnauthorized, setCsrfToken } from './client.ts';
import type { Role, Scope, SessionView, User } from './types.ts';

export interface SessionState {
  /** undefined while the first GET /api/session is in flight; null when nobody is signed in. */
  session: SessionView | null | undefined;
  user: User | null;
  role: Role | null;
  scope: Scope | null;
  mustChangePassword: boolean;
  signIn: (username: string, password: string) => Promise<SessionView>;
  signOut: () => Promise<void>;
  changePassword: (current: string, next: string) => Promise<void>;
  refresh: () => Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<SessionView | null | undefined>(undefined);

  const adopt = useCallback((s: SessionView | null) => {
    setCsrfToken(s?.csrf_token ?? null);
    setSession(s);
  }, []);

  const refresh = useCallback(async () => {
    try {
      adopt(await api.get<SessionView>('/api/session'));
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 404)) adopt(null);
      else throw e;
    }
  }, [adopt]);

  useEffect(() => {
    refresh().catch(() => adopt(null));
    return onUnauthorized(() => adopt(null));
  }, [refresh, adopt]);

  const signIn = useCallback(
    async (username: string, password: string) => {
      const s = await api.post<SessionView>('/api/session', { username, password });
      adopt(s);
      return s;
    },
    [adopt],
  );
  const signOut = useCallback(async () => {
    try {
      await api.del('/api/session');
    } finally {
      adopt(null);
    }
  }, [adopt]);
  const changePassword = useCallback(
    async (current: string, next: string) => {
      await api.post('/api/session/password', { current_password: current, new_password: next });
      await refresh();
    },
    [refresh],
  );

  const value = useMemo<SessionState>(
    () => ({
      session,
      user: session?.user ?? null,
      role: session?.user.role ?? null,
      scope: session?.user.scope ?? null,
      mustChangePassword: session?.must_change_password ?? false,
      signIn,
      signOut,
      changePassword,
      refresh,
    }),
    [session, signIn, signOut, changePassword, refresh],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
