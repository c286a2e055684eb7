import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { dropSchema, openStore, type Store } from '../../src/store/db.ts';

/**
 * The database backends the storage and API suites run against: SQLite always, PostgreSQL whenever it is
 * reachable (TEST_POSTGRES_URL, default the local server). In CI (CI=true) an unreachable PostgreSQL is a
 * failure, not a skip. Each test gets its own SQLite file or PostgreSQL schema, so suites run in parallel.
 */
export const POSTGRES_URL = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

async function postgresReachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (e) {
    return (e as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const pgProblem = await postgresReachable();
if (pgProblem) {
  if (process.env['CI'] === 'true')
    throw new Error(`PostgreSQL is required in CI but unreachable at ${POSTGRES_URL}: ${pgProblem}`);
  console.warn(
    `\n⚠ PostgreSQL unreachable at ${POSTGRES_URL} (${pgProblem}): storage and API suites run on SQLite only.\n`,
  );
}

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** A fresh, migrated, empty database; `url` is what a child process needs to open the same data. */
  open: () => Promise<{ store: Store; url: string; schema?: string; cleanup: () => Promise<void> }>;
}

let counter = 0;
const sqlite: Backend = {
  name: 'sqlite',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'handover-test-'));
    const url = `sqlite:${join(dir, 'test.db')}`;
    const store = await openStore(url);
    return {
      store,
      url,
      async cleanup() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

const postgres: Backend = {
  name: 'postgres',
  async open() {
    // Random as well: test files in worker threads of one process share its pid, and each counts from 0,
    // so two files opening a store in the same millisecond got one schema, and one's cleanup dropped it
    // under the other (seen when files ran side by side).
    const schema = `t_${process.pid}_${Date.now().toString(36)}_${counter++}_${randomBytes(4).toString('hex')}`;
    const store = await openStore(POSTGRES_URL, { schema });
    return {
      store,
      url: POSTGRES_URL,
      schema,
      async cleanup() {
        await store.close();
        await dropSchema(POSTGRES_URL, schema);
      },
    };
  },
};

export const backends: Backend[] = pgProblem ? [sqlite] : [sqlite, postgres];
console.log(`storage backends under test: ${backends.map((b) => b.name).join(', ')}`);
