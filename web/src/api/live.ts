import { useEffect, useRef, useState } from 'react';
import type { Change } from './types.ts';

/**
 * Live updates: one EventSource on /api/events shared by every subscriber of the page. The browser
 * reconnects a dropped stream by itself; a stream the server refused (closed for good, e.g. after a
 * 401) is opened again with backoff. After any reconnect subscribers get a `{entity:'*'}` change, since
 * changes made while disconnected were missed and everything shown may be stale.
 */
type Listener = (c: Change) => void;
const listeners = new Set<Listener>();
let source: EventSource | null = null;
let retry: ReturnType<typeof setTimeout> | undefined;
let backoffMs = 1000;
let wasOpen = false;
const statusListeners = new Set<(connected: boolean) => void>();

const RESYNC: Change = { entity: '*', id: '*', action: 'resync' };

function emit(c: Change) {
  for (const l of [...listeners]) l(c);
}
function setConnected(connected: boolean) {
  for (const l of statusListeners) l(connected);
}

function open() {
  if (source || typeof EventSource === 'undefined') return;
  const es = new EventSource('/api/events');
  source = es;
  es.onopen = () => {
    backoffMs = 1000;
    setConnected(true);
    if (wasOpen) emit(RESYNC);
    wasOpen = true;
  };
  es.addEventListener('change', (ev) => {
    try {
      emit(JSON.parse((ev as MessageEvent<string>).data) as Change);
    } catch {
      emit(RESYNC);
    }
  });
  es.onerror = () => {
    setConnected(false);
    if (es.readyState !== EventSource.CLOSED) return; // the browser retries by itself
    es.close();
    source = null;
    if (listeners.size === 0) return;
    retry = setTimeout(open, backoffMs);
    backoffMs = Math.min(30_000, backoffMs * 2);
  };
}

function close() {
  clearTimeout(retry);
  source?.close();
  source = null;
  wasOpen = false;
}

/** Calls onChange for every committed change (and a `*` resync after a reconnect) while mounted. */
export function useLive(onChange: (c: Change) => void): void {
  const ref = useRef(onChange);
  ref.current = onChange;
  useEffect(() => {
    const l: Listener = (c) => ref.current(c);
    listeners.add(l);
    open();
    return () => {
      listeners.delete(l);
      if (listeners.size === 0) close();
    };
  }, []);
}

/**
 * Calls refetch soon after changes that concern the page (all, unless `concerns` says otherwise),
 * at most once per `delayMs`, so a burst of changes costs one request.
 */
export function useLiveRefetch(
  refetch: () => void,
  concerns: (c: Change) => boolean = () => true,
  delayMs = 150,
): void {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const refetchRef = useRef(refetch);
  refetchRef.current = refetch;
  const concernsRef = useRef(concerns);
  concernsRef.current = concerns;
  useLive((c) => {
    if (c.entity !== '*' && !concernsRef.current(c)) return;
    if (timer.current !== undefined) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      refetchRef.current();
    }, delayMs);
  });
  useEffect(() => () => clearTimeout(timer.current), []);
}

/** Whether the live stream is connected (for a status light in the header). */
export function useLiveStatus(): boolean {
  const [connected, setConnectedState] = useState(source?.readyState === 1);
  useEffect(() => {
    statusListeners.add(setConnectedState);
    return () => void statusListeners.delete(setConnectedState);
  }, []);
  return connected;
}
