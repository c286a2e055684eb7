import { randomUUID } from 'node:crypto';
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
  const client = new pg.Client({
    connectionString: url,
    ...(store.schema ? { options: `-c search_path=${store.schema}` } : {}),
  });
  await client.connect();
  // Instances sharing one database but different schemas (tests) must not hear each other.
  const channel = store.schema ? `${CHANNEL}_${store.schema}` : CHANNEL;
  await client.query(`listen ${channel}`);
  client.on('notification', (n) => {
    if (!n.payload) return;
    const { from, change } = JSON.parse(n.payload) as { from: string; change: Change };
    if (from !== instance) local.deliver(change);
  });
  // Live updates from other instances stop if this connection drops; the app itself keeps working.
  client.on('error', (e) => console.error(`live updates: PostgreSQL LISTEN connection lost: ${e.message}`));
  return {
    subscribe: (listener) => local.subscribe(listener),
    publish(change) {
      local.deliver(change);
      const payload = JSON.stringify({ from: instance, change });
      void client.query('select pg_notify($1, $2)', [channel, payload]).catch(() => undefined);
    },
    async close() {
      await client.end().catch(() => undefined);
    },
  };
}
