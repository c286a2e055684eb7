/**
 * The two storage engines as the benchmark needs them: fresh migrated databases for the service, and a
 * raw driver on an equally fresh, migrated database for the baselines (same tables, indexes and settings).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Migrator } from 'kysely';
import pg from 'pg';
import { dropSchema, openStore, type Store } from '../../src/store/db.ts';
import { migrationProvider } from '../../src/store/migrations.ts';
import type { SiteTable } from '../../src/store/schema.ts';
import { INCIDENT_COLUMNS, SITE_COLUMNS, siteValues } from './rows.ts';

export interface RawBaseline {
  /** What the raw figures are, in a few words. */
  readonly describe: { import: string; writes: string };
  /** Inserts the contingents, units and agencies the sites reference (not timed). */
  prepare(units: [string, string, string][], agencies: string[]): Promise<void>;
  /** Inserts the site rows in one transaction. */
  insertSites(rows: SiteTable[]): Promise<void>;
  /** Inserts one incident row in its own transaction. */
  insertIncident(values: unknown[]): Promise<void>;
  close(): Promise<void>;
}

export interface Backend {
  readonly name: 'SQLite' | 'PostgreSQL';
  readonly key: 'sqlite' | 'postgres';
  /** A fresh, migrated database. */
  fresh(label: string): Promise<Store>;
  /** A raw driver on a fresh, migrated database. */
  raw(label: string): Promise<RawBaseline>;
  /** Settings that bear on write speed, for the report. */
  settings(): Promise<string>;
  /** Removes every database this backend created. */
  dispose(): Promise<void>;
}

const placeholders = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `$${from + i}`).join(', ');

// ── SQLite ────────────────────────────────────────────────────────────────────────────────────────────────

export function sqliteBackend(): Backend {
  const dir = mkdtempSync(join(os.tmpdir(), 'handover-bench-'));
  const path = (label: string) => join(dir, `${label}.db`);
  return {
    name: 'SQLite',
    key: 'sqlite',
    fresh: (label) => openStore(`sqlite:${path(label)}`),
    async raw(label) {
      // Migrate with the service's own migrations, then talk to the file with the bare driver.
      await (await openStore(`sqlite:${path(label)}`)).close();
      const conn = new SQLite(path(label));
      conn.pragma('journal_mode = WAL');
      conn.pragma('synchronous = NORMAL');
      conn.pragma('foreign_keys = ON');
      conn.pragma('busy_timeout = 5000');
      const site = conn.prepare(
        `insert into sites (${SITE_COLUMNS.join(', ')}) values (${SITE_COLUMNS.map(() => '?').join(', ')})`,
      );
      const incident = conn.prepare(
        `insert into incidents (${INCIDENT_COLUMNS.join(', ')}) values (${INCIDENT_COLUMNS.map(() => '?').join(', ')})`,
      );
      const attest = conn.prepare(
        `insert into transfer_signatures (${ATTESTATION_COLUMNS.join(', ')}) values (${ATTESTATION_COLUMNS.map(() => '?').join(', ')})`,
      );
      const sitesTx = conn.transaction((rows: SiteTable[]) => {
        for (const v of attestations(rows)) attest.run(v);
        for (const r of rows) site.run(siteValues(r));
      });
      const incidentTx = conn.transaction((values: unknown[]) => incident.run(values));
      return {
        describe: {
          import: 'better-sqlite3, prepared INSERT per row, one transaction',
          writes: 'better-sqlite3, one prepared INSERT per transaction',
        },
        prepare(units, agencies) {
          const a = conn.prepare('insert into agencies (id, position, name) values (?, 0, ?)');
          const c = conn.prepare(
            'insert or ignore into contingents (id, position, nation, state) values (?, 0, ?, ?)',
          );
          const u = conn.prepare(
            "insert into units (id, position, contingent_id, name, strength, state) values (?, 0, ?, ?, 100, 'deployed')",
          );
          conn.transaction(() => {
            for (const [cid, uid, name] of units) {
              c.run(cid, cid, 'deployed');
              u.run(uid, cid, name);
            }
            for (const id of agencies) a.run(id, id);
          })();
          return Promise.resolve();
        },
        insertSites(rows) {
          sitesTx(rows);
          return Promise.resolve();
        },
        insertIncident(values) {
          incidentTx(values);
          return Promise.resolve();
        },
        close() {
          conn.close();
          return Promise.resolve();
        },
      };
    },
    settings: () => Promise.resolve('journal_mode=WAL, synchronous=NORMAL, foreign_keys=ON'),
    dispose() {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

/**
 * What an import writes before a site that arrives already transferred: the importer's attestation of
 * both sides (the database refuses such a site without it), so the raw baseline writes what the service does.
 */
const ATTESTATION_COLUMNS = [
  'site_id',
  'side',
  'version',
  'user_id',
  'username',
  'display_name',
  'signed_at',
  'imported',
];
function attestations(rows: readonly SiteTable[]): unknown[][] {
  const at = new Date().toISOString();
  return rows
    .filter((r) => r.state === 'transferred')
    .flatMap((r) =>
      ['outgoing', 'receiving'].map((side) => [r.id, side, r.version, null, 'bench', 'bench', at, 1]),
    );
}

// ── PostgreSQL ────────────────────────────────────────────────────────────────────────────────────────────

/** Whether PostgreSQL answers at `url`; the reason when it does not. */
export async function postgresReachable(url: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: (e as Error).message || String(e) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A fresh schema, migrated with the service's migrations. Not through openStore's own migration: that one
 * looks for Kysely's migration tables in every schema, so it fails ("kysely_migration_lock does not exist")
 * as soon as another schema of the database holds them; naming the schema to the Migrator avoids it.
 */
async function openPgSchema(url: string, schema: string): Promise<Store> {
  const store = await openStore(url, { schema, migrate: false });
  const migrator = new Migrator({
    db: store.db,
    provider: migrationProvider('postgres'),
    migrationTableSchema: schema,
  });
  const { error } = await migrator.migrateToLatest();
  if (error) {
    await store.close();
    throw error instanceof Error ? error : new Error(`migration failed: ${JSON.stringify(error)}`);
  }
  return store;
}

export function postgresBackend(url: string): Backend {
  const prefix = `bench_${process.pid}_${Date.now().toString(36)}`;
  const schemas: string[] = [];
  const schemaFor = (label: string) => {
    const s = `${prefix}_${label}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
    schemas.push(s);
    return s;
  };
  return {
    name: 'PostgreSQL',
    key: 'postgres',
    fresh: (label) => openPgSchema(url, schemaFor(label)),
    async raw(label) {
      const schema = schemaFor(label);
      await (await openPgSchema(url, schema)).close();
      const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
      await client.connect();
      const CHUNK = 500;
      return {
        describe: {
          import: `pg, ${CHUNK}-row parameterised INSERTs, one transaction`,
          writes: 'pg, BEGIN; prepared INSERT; COMMIT per row',
        },
        async prepare(units, agencies) {
          await client.query('begin');
          for (const [cid, uid, name] of units) {
            await client.query(
              "insert into contingents (id, position, nation, state) values ($1, 0, $1, 'deployed') on conflict do nothing",
              [cid],
            );
            await client.query(
              "insert into units (id, position, contingent_id, name, strength, state) values ($1, 0, $2, $3, 100, 'deployed')",
              [uid, cid, name],
            );
          }
          for (const id of agencies)
            await client.query('insert into agencies (id, position, name) values ($1, 0, $1)', [id]);
          await client.query('commit');
        },
        async insertSites(rows) {
          await client.query('begin');
          const signed = attestations(rows);
          for (let i = 0; i < signed.length; i += CHUNK) {
            const chunk = signed.slice(i, i + CHUNK);
            const w = ATTESTATION_COLUMNS.length;
            await client.query(
              `insert into transfer_signatures (${ATTESTATION_COLUMNS.join(', ')}) values ${chunk.map((_, k) => `(${placeholders(w, k * w + 1)})`).join(', ')}`,
              chunk.flat(),
            );
          }
          for (let i = 0; i < rows.length; i += CHUNK) {
            const chunk = rows.slice(i, i + CHUNK);
            const w = SITE_COLUMNS.length;
            await client.query(
              `insert into sites (${SITE_COLUMNS.join(', ')}) values ${chunk.map((_, k) => `(${placeholders(w, k * w + 1)})`).join(', ')}`,
              chunk.flatMap(siteValues),
            );
          }
          await client.query('commit');
        },
        async insertIncident(values) {
          await client.query('begin');
          await client.query({
            name: 'bench-incident',
            text: `insert into incidents (${INCIDENT_COLUMNS.join(', ')}) values (${placeholders(INCIDENT_COLUMNS.length)})`,
            values,
          });
          await client.query('commit');
        },
        close: () => client.end(),
      };
    },
    async settings() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const r = await client.query<{ v: string; s: string; f: string }>(
          "select current_setting('server_version') v, current_setting('synchronous_commit') s, current_setting('fsync') f",
        );
        const x = r.rows[0];
        return x ? `server ${x.v}, synchronous_commit=${x.s}, fsync=${x.f}` : '';
      } finally {
        await client.end();
      }
    },
    async dispose() {
      for (const s of schemas.splice(0)) await dropSchema(url, s);
    },
  };
}
