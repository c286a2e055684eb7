import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import type { Store } from './db.ts';

export interface Change {
  entity: string;
  id: string;
  action: string;
}

/**
 * Carries committed changes to every instance of the app, for live updates. With SQLite there is one
 * process, so changes go straight to local subscribers; with PostgreSQL each change is also sent with
 * NOTIFY and every instance LISTENs, so a user on instance B sees what was done on instance A.
 */
export interface ChangeBus {
  publish(change: Change): void;
  subscribe(listener: (change: Change) => void): () => void;
  close(): Promise<void>;
}

const CHANNEL = 'handover_changes';

/** Changes delivered within this process only (SQLite, or a test). */
export function localChangeBus(): ChangeBus & { deliver: (c: Change) => void } {
  const listeners = new Set<(c: Change) => void>();
  const deliver = (c: Change) => {
    for (const l of listeners) l(c);
  };
  return {
    deliver,
    publish: deliver,
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    close: () => Promise.resolve(),
  };
}

export async function openChangeBus(store: Store, url?: string): Promise<ChangeBus> {
  const local = localChangeBus();
  if (store.kind !== 'postgres' || !url) return local;

  const instance = randomUUID();
  // Instances sharing one database but different schemas (tests) must not hear each other.
  const channel = store.schema ? `${CHANNEL}_${store.schema}` : CHANNEL;
  let client: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  // One connection LISTENs; if it drops, it is opened again (after 1 s, then up to every 30 s), so live
  // updates from other instances resume by themselves after a database restart.
  const connect = async (delayMs: number, first = false): Promise<void> => {
    const c = new pg.Client({
      connectionString: url,
      ...(store.schema ? { options: `-c search_path=${store.schema}` } : {}),
    });
    const again = (e: Error) => {
      if (closed || client !== c) return;
      client = null;
      console.error(`live updates: PostgreSQL LISTEN connection lost (${e.message}); reconnecting`);
      const next = Math.min(30_000, delayMs * 2);
      retry = setTimeout(() => void connect(next), delayMs);
    };
    c.on('error', again);
    c.on('end', () => again(new Error('connection ended')));
    c.on('notification', (n) => {
      if (!n.payload) return;
      const { from, change } = JSON.parse(n.payload) as { from: string; change: Change };
      if (from !== instance) local.deliver(change);
    });
    client = c;
    try {
      await c.connect();
      await c.query(`listen ${channel}`);
    } catch (e) {
      if (first) throw e;
      again(e as Error);
    }
  };
  await connect(1000, true);

  return {
    subscribe: (listener) => local.subscribe(listener),
    publish(change) {
      local.deliver(change);
      const payload = JSON.stringify({ from: instance, change });
      // Sent through the store's pool: the LISTEN connection may be reconnecting.
      void sql`select pg_notify(${channel}, ${payload})`.execute(store.db).catch(() => undefined);
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}
