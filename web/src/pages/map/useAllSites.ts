import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../../api/client.ts';
import { useLiveRefetch } from '../../api/live.ts';
import type { Page, Site } from '../../api/types.ts';

/** The API's largest page (GET /api/sites `limit` ≤ 1000). */
const PAGE = 1000;

/** Every site the user may see: the first page says how many there are, the rest are asked for at once. */
export async function fetchAllSites(signal?: AbortSignal): Promise<Site[]> {
  const first = await api.get<Page<Site>>(`/api/sites?limit=${PAGE}&offset=0`, signal);
  const offsets: number[] = [];
  for (let o = PAGE; o < first.total; o += PAGE) offsets.push(o);
  const rest = await Promise.all(
    offsets.map((o) => api.get<Page<Site>>(`/api/sites?limit=${PAGE}&offset=${o}`, signal)),
  );
  return [first, ...rest].flatMap((p) => p.items);
}

let prefetched: { at: number; sites: Promise<Site[]> } | null = null;

/**
 * Starts loading every site now (a page calls it when its code arrives, before React renders it); the
 * next useAllSites() within a few seconds takes this answer instead of asking again.
 */
export function prefetchAllSites(): void {
  const sites = fetchAllSites();
  sites.catch(() => undefined);
  prefetched = { at: Date.now(), sites };
}

function takePrefetched(): Promise<Site[]> | null {
  const p = prefetched;
  prefetched = null;
  return p && Date.now() - p.at < 5000 ? p.sites : null;
}

/** All sites, kept current by live updates (any change to a site reloads the list, at most every 150 ms). */
export function useAllSites() {
  const [sites, setSites] = useState<Site[] | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [tick, setTick] = useState(0);
  const ctrl = useRef<AbortController | null>(null);
  useEffect(() => {
    const c = new AbortController();
    ctrl.current?.abort();
    ctrl.current = c;
    (takePrefetched() ?? fetchAllSites(c.signal))
      .then((s) => {
        if (!c.signal.aborted) {
          setSites(s);
          setError(null);
        }
      })
      .catch((e: unknown) => {
        if (c.signal.aborted) return;
        setError(e instanceof ApiError ? e : new ApiError(0, 'network', String(e)));
      });
    return () => c.abort();
  }, [tick]);
  const refetch = useCallback(() => setTick((t) => t + 1), []);
  useLiveRefetch(refetch, (c) => c.entity === 'site' || c.entity === 'operation' || c.entity === 'scenario');
  return { sites, error, refetch };
}
