import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, ApiError, query } from './client.ts';
import { useLive } from './live.ts';
import { roleMay } from './policy.ts';
import { useSession } from './session.tsx';
import type { Agency, Page, Site } from './types.ts';
import { useApi } from './useApi.ts';

/** The API pages sites at most this many at a time. */
export const SITE_PAGE = 1000;

/** Every site the user may see: the first page (handed to `onFirst` at once), then the rest in parallel. */
export async function fetchAllSites(
  signal?: AbortSignal,
  onFirst?: (first: Site[], total: number) => void,
): Promise<Site[]> {
  const first = await api.get<Page<Site>>(`/api/sites${query({ limit: SITE_PAGE, offset: 0 })}`, signal);
  if (first.total > first.items.length) onFirst?.(first.items, first.total);
  const rest: Promise<Page<Site>>[] = [];
  for (let offset = SITE_PAGE; offset < first.total; offset += SITE_PAGE)
    rest.push(api.get<Page<Site>>(`/api/sites${query({ limit: SITE_PAGE, offset })}`, signal));
  return [...first.items, ...(await Promise.all(rest)).flatMap((p) => p.items)];
}

export interface LiveSites {
  sites: Site[] | undefined;
  /** While the first load is still coming in: how many of how many sites are shown. */
  partial: { loaded: number; total: number } | null;
  error: ApiError | null;
  reload: () => void;
}

/**
 * All visible sites, kept current: a change to one site fetches just that site (or drops it when it is no
 * longer visible); a resync after a lost connection, or an import, reloads all of them.
 */
export function useLiveSites(): LiveSites {
  const [sites, setSites] = useState<Site[] | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [partial, setPartial] = useState<{ loaded: number; total: number } | null>(null);
  const [tick, setTick] = useState(0);
  const loadedOnce = useRef(false);
  const pending = useRef(new Set<string>());
  const flush = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    const ctrl = new AbortController();
    // The first time, the first page is shown while the rest arrives; a reload keeps the old rows instead.
    const onFirst = loadedOnce.current
      ? undefined
      : (first: Site[], total: number) => {
          if (ctrl.signal.aborted) return;
          setSites(first);
          setPartial({ loaded: first.length, total });
        };
    fetchAllSites(ctrl.signal, onFirst)
      .then((all) => {
        loadedOnce.current = true;
        setSites(all);
        setPartial(null);
        setError(null);
      })
      .catch((e: unknown) => {
        if (!ctrl.signal.aborted) setError(e instanceof ApiError ? e : new ApiError(0, 'network', String(e)));
      });
    return () => ctrl.abort();
  }, [tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);

  const refreshSites = useCallback(async (ids: string[]) => {
    const results = await Promise.all(
      ids.map((id) =>
        api.get<Site>(`/api/sites/${encodeURIComponent(id)}`).then(
          (s) => [id, s] as const,
          (e: unknown) => {
            if (e instanceof ApiError && e.status === 404) return [id, null] as const;
            throw e;
          },
        ),
      ),
    );
    setSites((prev) => {
      if (!prev) return prev;
      const byId = new Map(results);
      const next = prev.flatMap((s) => {
        if (!byId.has(s.id)) return [s];
        const fresh = byId.get(s.id);
        byId.delete(s.id);
        return fresh ? [fresh] : [];
      });
      for (const fresh of byId.values()) if (fresh) next.push(fresh);
      return next;
    });
  }, []);

  useLive((c) => {
    if (c.entity === '*' || c.entity === 'operation' || (c.entity === 'plan' && c.action === 'adopt')) {
      reload();
      return;
    }
    if (c.entity !== 'site') return;
    pending.current.add(c.id);
    if (flush.current !== undefined) return;
    flush.current = setTimeout(() => {
      flush.current = undefined;
      const ids = [...pending.current];
      pending.current.clear();
      // Many sites at once (an adopted plan, an import): one reload is cheaper than many requests.
      if (ids.length > 50) reload();
      else refreshSites(ids).catch(() => reload());
    }, 50);
  });
  useEffect(() => () => clearTimeout(flush.current), []);

  return { sites, partial, error, reload };
}

export interface Unit {
  id: string;
  contingent: string;
  name: string;
  strength: number;
  state: string;
}
export interface Contingent {
  id: string;
  nation: string;
  state: string;
  withdrawn: string | null;
}

/** Units, contingents and agencies by id (names for the board and the site page), kept current. */
export function useForce() {
  const { role } = useSession();
  // Only what the role may read (a liaison does not read the force's units): no request to be refused.
  const force = roleMay(role, 'force.read');
  const units = useApi<{ items: Unit[] }>(force ? '/api/units' : null);
  const contingents = useApi<{ items: Contingent[] }>(force ? '/api/contingents' : null);
  const agencies = useApi<{ items: Agency[] }>(roleMay(role, 'agency.read') ? '/api/agencies' : null);
  useLive((c) => {
    if (c.entity === 'unit' || c.entity === '*' || c.entity === 'operation') units.refetch();
    if (c.entity === 'contingent' || c.entity === '*' || c.entity === 'operation') contingents.refetch();
    if (c.entity === 'agency' || c.entity === '*' || c.entity === 'operation') agencies.refetch();
  });
  const u = units.data;
  const c = contingents.data;
  const a = agencies.data;
  return useMemo(
    () => ({
      units: new Map((u?.items ?? []).map((x) => [x.id, x])),
      contingents: new Map((c?.items ?? []).map((x) => [x.id, x])),
      agencies: new Map((a?.items ?? []).map((x) => [x.id, x])),
    }),
    [u, c, a],
  );
}
