import { sql, type Kysely } from 'kysely';
import {
  AUDIT_GENESIS_HASH,
  checkAuditLink,
  checkpointSignatureValid,
  hashAuditEntry,
  type AuditBreak,
  type AuditCheckpoint,
  type AuditLink,
} from '../core/audit/chain.ts';
import type { Database } from './schema.ts';

type Db = Kysely<Database>;

/** The columns migration 0003 adds to audit_log. */
type AuditChainColumns = {
  audit_log: { prev_hash: string; hash: string };
};
const chained = (db: Db) => db.withTables<AuditChainColumns>();

/**
 * First key of the PostgreSQL advisory lock that serializes appends (the second is the schema, so schemas
 * side by side in one database do not wait for each other). Held until the caller's transaction ends.
 */
export const AUDIT_CHAIN_LOCK = 0x4155_4449; // "AUDI"

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
const parse = (s: string | null): unknown => (s === null ? null : JSON.parse(s));
const isPostgres = (db: Db) => db.getExecutor().adapter.constructor.name === 'PostgresAdapter';

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  entity: string;
  entityId: string;
  before: unknown;
  after: unknown;
}

/**
 * Takes the audit chain's turn for this transaction (PostgreSQL; SQLite writers take turns already).
 * A write transaction takes it first, before any row lock: taken only at the append, after row locks,
 * two writers could each hold what the other waits for.
 */
export async function lockAuditChain(trx: Db): Promise<void> {
  if (!isPostgres(trx) || holdsChainLock.has(trx)) return;
  await sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK}, hashtext(current_schema()))`.execute(trx);
  // Only a transaction keeps the lock past this statement; elsewhere it is gone as soon as it is taken.
  if (trx.isTransaction) holdsChainLock.add(trx);
}

/**
 * The transactions that hold the chain's lock already (a transaction object lives as long as its
 * transaction), so that an append in them does not ask again: one round trip less per write.
 */
const holdsChainLock = new WeakSet<Db>();

/**
 * Appends to the audit log, chained to the entry before; callers do it in the transaction of the change
 * itself. On PostgreSQL an advisory lock held to the end of that transaction makes appends take turns, so two
 * writers never chain to the same predecessor; SQLite has one writer at a time already.
 */
export async function appendAudit(
  db: Db,
  e: { actor: string; action: string; entity: string; entityId: string; before: unknown; after: unknown },
): Promise<void> {
  const postgres = isPostgres(db);
  // Outside a transaction the lock would be released before the insert: make one.
  if (postgres && !db.isTransaction) return db.transaction().execute((trx) => appendAudit(trx, e));
  await lockAuditChain(db);
  const { seq, prevHash } = postgres ? await chainHeadAndNextSerial(db) : await chainHeadAndNextSeq(db);
  const content = {
    seq,
    at: new Date().toISOString(),
    actor: e.actor,
    action: e.action,
    entity: e.entity,
    entityId: e.entityId,
    before: json(e.before),
    after: json(e.after),
  };
  // Written as SQL rather than built: this statement runs in every write, and building an insert of ten
  // values cost more than running it.
  await sql`insert into audit_log (seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash)
    values (${seq}, ${content.at}, ${content.actor}, ${content.action}, ${content.entity}, ${content.entityId},
      ${content.before}, ${content.after}, ${prevHash}, ${hashAuditEntry(content, prevHash)})`.execute(db);
}

/** SQLite: the last entry's hash, and the number after its seq. */
async function chainHeadAndNextSeq(db: Db): Promise<{ seq: number; prevHash: string }> {
  const { rows } = await sql<{
    seq: number;
    hash: string;
  }>`select seq, hash from audit_log order by seq desc limit 1`.execute(db);
  const last = rows[0];
  return { seq: Number(last?.seq ?? 0) + 1, prevHash: last?.hash ?? AUDIT_GENESIS_HASH };
}

/**
 * PostgreSQL: the last entry's hash, and the serial's next number taken under the lock, so that it grows in
 * chain (and commit) order; one round trip for both.
 */
async function chainHeadAndNextSerial(db: Db): Promise<{ seq: number; prevHash: string }> {
  const { rows } = await sql<{ n: string; hash: string | null }>`select
      nextval(pg_get_serial_sequence('audit_log', 'seq')) as n,
      (select hash from audit_log order by seq desc limit 1) as hash`.execute(db);
  const row = rows[0];
  if (!row) throw new Error('the audit chain head query returned no row');
  return { seq: Number(row.n), prevHash: row.hash ?? AUDIT_GENESIS_HASH };
}

export async function listAudit(
  db: Db,
  f: { entity?: string; entityId?: string; since?: string; limit?: number; afterSeq?: number } = {},
): Promise<AuditEntry[]> {
  let q = db.selectFrom('audit_log').selectAll();
  if (f.entity) q = q.where('entity', '=', f.entity);
  if (f.entityId) q = q.where('entity_id', '=', f.entityId);
  if (f.since) q = q.where('at', '>=', f.since);
  if (f.afterSeq !== undefined) q = q.where('seq', '>', f.afterSeq);
  const rows = await q
    .orderBy('seq')
    .limit(f.limit ?? 1000)
    .execute();
  return rows.map((r) => ({
    seq: Number(r.seq),
    at: r.at,
    actor: r.actor,
    action: r.action,
    entity: r.entity,
    entityId: r.entity_id,
    before: parse(r.before),
    after: parse(r.after),
  }));
}

/** Entries with their links, in chain order, a page at a time. */
export async function listAuditLinks(
  db: Db,
  f: { afterSeq?: number; limit?: number } = {},
): Promise<AuditLink[]> {
  const rows = await chained(db)
    .selectFrom('audit_log')
    .selectAll()
    .where('seq', '>', f.afterSeq ?? 0)
    .orderBy('seq')
    .limit(f.limit ?? 1000)
    .execute();
  return rows.map((r) => ({
    seq: Number(r.seq),
    at: r.at,
    actor: r.actor,
    action: r.action,
    entity: r.entity,
    entityId: r.entity_id,
    before: r.before,
    after: r.after,
    prevHash: r.prev_hash,
    hash: r.hash,
  }));
}

export type CheckpointStatus = 'matches' | 'differs' | 'missing' | 'bad-signature' | 'untrusted-key';

export interface CheckpointCheck {
  /** Where the checkpoint came from (a file name). */
  source: string;
  side: string;
  seq: number;
  status: CheckpointStatus;
  message: string;
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  /** The last entry and its stored hash; null for an empty log. */
  head: { seq: number; hash: string } | null;
  /** The first entry where the chain does not hold, or null. */
  firstBreak: AuditBreak | null;
  /** How many entries fail their check (each is checked against its stored predecessor). */
  brokenEntries: number;
  checkpoints: CheckpointCheck[];
}

/**
 * Recomputes the whole chain and holds it against the given checkpoints. A chain recomputed after a rewrite
 * is intact in itself; only a checkpoint taken before the rewrite (its hash at its seq) shows it.
 * `trustedKeys` (side → base64 SPKI public key) rejects checkpoints signed by another key than the side's.
 */
export async function verifyAuditLog(
  db: Db,
  checkpoints: readonly { source: string; checkpoint: AuditCheckpoint }[] = [],
  trustedKeys: ReadonlyMap<string, string> = new Map(),
): Promise<AuditVerification> {
  const wanted = new Map<number, string | undefined>(checkpoints.map((c) => [c.checkpoint.seq, undefined]));
  let prev: { seq: number; hash: string } | null = null;
  let entries = 0;
  let brokenEntries = 0;
  let firstBreak: AuditBreak | null = null;
  for (;;) {
    const page = await listAuditLinks(db, { afterSeq: prev?.seq ?? 0, limit: 1000 });
    for (const link of page) {
      entries++;
      const broken = checkAuditLink(prev, link);
      if (broken) {
        brokenEntries++;
        firstBreak ??= broken;
      }
      if (wanted.has(link.seq)) wanted.set(link.seq, link.hash);
      prev = { seq: link.seq, hash: link.hash };
    }
    if (page.length < 1000) break;
  }
  const checks = checkpoints.map(({ source, checkpoint: c }): CheckpointCheck => {
    const base = { source, side: c.side, seq: c.seq };
    if (!checkpointSignatureValid(c))
      return {
        ...base,
        status: 'bad-signature',
        message: 'its signature does not verify: it is not evidence',
      };
    const trusted = trustedKeys.get(c.side);
    if (trusted !== undefined && trusted !== c.public_key)
      return {
        ...base,
        status: 'untrusted-key',
        message: `it is signed with a key that is not side ${c.side}'s`,
      };
    const stored = wanted.get(c.seq);
    if (stored === undefined)
      return {
        ...base,
        status: 'missing',
        message: `the log has no entry ${c.seq}: entries the checkpoint saw were removed`,
      };
    if (stored !== c.hash)
      return {
        ...base,
        status: 'differs',
        message: `entry ${c.seq} has hash ${stored}, the checkpoint signed ${c.hash}: history up to entry ${c.seq} was rewritten`,
      };
    return {
      ...base,
      status: 'matches',
      message: `entry ${c.seq} is as side ${c.side} signed it on ${c.at}`,
    };
  });
  return {
    ok: firstBreak === null && checks.every((c) => c.status === 'matches'),
    entries,
    head: prev,
    firstBreak,
    brokenEntries,
    checkpoints: checks,
  };
}

/** The last entry, for a checkpoint. */
export async function auditHead(db: Db): Promise<{ seq: number; hash: string } | null> {
  const r = await chained(db)
    .selectFrom('audit_log')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r ? { seq: Number(r.seq), hash: r.hash } : null;
}
