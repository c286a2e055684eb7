import { createContext, useContext, useEffect, type ReactNode } from 'react';
import { setOperationTimeZone } from '../i18n/format.ts';
import type { Operation } from './types.ts';
import { useApi } from './useApi.ts';
import { useLiveRefetch } from './live.ts';

const OperationContext = createContext<Operation | null>(null);

/** GET /api/operation once signed in; sets the time zone dates are shown in. */
export function OperationProvider({ children }: { children: ReactNode }) {
  const { data, refetch } = useApi<Operation>('/api/operation');
  useLiveRefetch(refetch, (c) => c.entity === 'operation');
  useEffect(() => {
    if (data) setOperationTimeZone(data.timezone);
  }, [data]);
  return <OperationContext.Provider value={data ?? null}>{children}</OperationContext.Provider>;
}

/** The operation (name, start, deadline, time zone, centre…), or null until loaded / when none is loaded. */
export function useOperation(): Operation | null {
  return useContext(OperationContext);
}
