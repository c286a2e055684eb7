import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from './client.ts';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | null;
  /** True only until the first answer; a refetch keeps showing the data it replaces. */
  loading: boolean;
  refetch: () => void;
  /** Replace the data with what a write answered (no extra GET). */
  setData: (data: T) => void;
}

/** GET `path` (nothing while it is null); refetch() asks again and keeps the old data on screen meanwhile. */
export function useApi<T>(path: string | null): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  const current = useRef<AbortController | null>(null);

  useEffect(() => {
    if (path === null) {
      setLoading(false);
      return;
    }
    const ctrl = new AbortController();
    current.current?.abort();
    current.current = ctrl;
    api
      .get<T>(path, ctrl.signal)
      .then((d) => {
        if (ctrl.signal.aborted) return;
        setData(d);
        setError(null);
        setLoading(false);
      })
      .catch((e: unknown) => {
        if (ctrl.signal.aborted) return;
        setError(e instanceof ApiError ? e : new ApiError(0, 'network', String(e)));
        setLoading(false);
      });
    return () => ctrl.abort();
  }, [path, tick]);

  const refetch = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, refetch, setData };
}
