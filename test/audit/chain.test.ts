import { sql } from 'kysely';
import { Migrator } from 'kysely';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AUDIT_GENESIS_HASH,
  generateAuditKeyPair,
  hashAuditEntry,
  parseSigningKey,
  signAuditCheckpoint,
  type AuditCheckpoint,
} from '../../src/core/audit/chain.ts';
import { HandoverService } from '../../src/service/service.ts';
import { auditHead, verifyAuditLog } from '../../src/store/audit.ts';
import { dropSchema, isUniqueViolation, migrate, openStore, type Store } from '../../src/store/db.ts';
import { migrationProvider } from '../../src/store/migrations.ts';
import { listAudit } from '../../src/store/repositories.ts';
import { backends, POSTGRES_URL } from '../support/backends.ts';
import { allLinks, moreEntries, recomputeChain, serviceDay, withoutAppendOnly, writeRow } from './support.ts';

const ENTRIES = 12;

describe.each(backends)('tamper-evident audit log on $name', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  const kfor = parseSigningKey(generateAuditKeyPair().privateKey);
  const checkpointNow = async (side = 'kfor', key = kfor): Promise<AuditCheckpoint> => {
    const head = await auditHead(store.db);
    if (!head) throw new Error('empty log');
    return signAuditCheckpoint(head, side, new Date().toISOString(), key);
  };
  const tamper = (fn: () => Promise<void>) => withoutAppendOnly(store, fn);

  beforeEach(async () => {
    const opened = await backend.open();
    store = opened.store;
    cleanup = opened.cleanup;
    await serviceDay(new HandoverService(store));
  });
  afterEach(() => cleanup());

  it('chains every entry the service writes, from the genesis value to the head', async () => {
    const links = await allLinks(store);
    expect(links).toHaveLength(ENTRIES);
    expect(links[0]!.prevHash).toBe(AUDIT_GENESIS_HASH);
    links.forEach((l, i) => {
      if (i > 0) expect(l.prevHash).toBe(links[i - 1]!.hash);
      expect(l.hash).toBe(hashAuditEntry(l, l.prevHash));
    });
    const r = await verifyAuditLog(store.db);
    expect(r).toMatchObject({ ok: true, entries: ENTRIES, firstBreak: null, brokenEntries: 0 });
    expect(r.head).toEqual({ seq: links.at(-1)!.seq, hash: links.at(-1)!.hash });
    // The reading side is unchanged: listAudit still gives parsed values.
    const listed = await listAudit(store.db);
    expect(listed.find((e) => e.action.startsWith('incident'))?.actor).toBe('officer "o\'brien"');
  });

  it('refuses UPDATE, DELETE (and on PostgreSQL TRUNCATE) of audit entries in the database itself', async () => {
    const before = await allLinks(store);
    await expect(
      store.db.updateTable('audit_log').set({ actor: 'mallory' }).where('seq', '=', 2).execute(),
    ).rejects.toThrow(/audit_log is append-only/);
    await expect(store.db.deleteFrom('audit_log').where('seq', '=', 2).execute()).rejects.toThrow(
      /audit_log is append-only/,
    );
    await expect(store.db.deleteFrom('audit_log').execute()).rejects.toThrow(/audit_log is append-only/);
    await expect(sql`update audit_log set hash = 'x'`.execute(store.db)).rejects.toThrow(/append-only/);
    if (store.kind === 'postgres')
      await expect(sql`truncate audit_log`.execute(store.db)).rejects.toThrow(/append-only/);
    expect(await allLinks(store)).toEqual(before);
    // Appending still works.
    await moreEntries(new HandoverService(store), 2);
    expect(await verifyAuditLog(store.db)).toMatchObject({ ok: true, entries: ENTRIES + 2 });
  });

  it('points at an edited entry', async () => {
    await tamper(async () => {
      await sql`update audit_log set actor = 'someone-else' where seq = 4`.execute(store.db);
    });
    const r = await verifyAuditLog(store.db);
    expect(r.ok).toBe(false);
    expect(r.firstBreak).toMatchObject({ seq: 4, field: 'hash' });
    expect(r.brokenEntries).toBe(1);
  });

  it('points at the entry after a deleted one, and at the first entry when the start is cut off', async () => {
    await tamper(async () => {
      await sql`delete from audit_log where seq = 5`.execute(store.db);
    });
    expect((await verifyAuditLog(store.db)).firstBreak).toMatchObject({ seq: 6, field: 'prev_hash' });
    await tamper(async () => {
      await sql`delete from audit_log where seq = 1`.execute(store.db);
    });
    expect((await verifyAuditLog(store.db)).firstBreak).toMatchObject({ seq: 2, field: 'prev_hash' });
  });

  it('points at reordered entries', async () => {
    const links = await allLinks(store);
    const [a, b] = [links[2]!, links[3]!];
    await tamper(async () => {
      // Swap the contents of entries 3 and 4, each keeping its own (valid) links.
      for (const [to, from] of [
        [a, b],
        [b, a],
      ] as const)
        await sql`update audit_log set at = ${from.at}, actor = ${from.actor}, action = ${from.action},
          entity = ${from.entity}, entity_id = ${from.entityId}, before = ${from.before}, after = ${from.after}
          where seq = ${to.seq}`.execute(store.db);
    });
    expect((await verifyAuditLog(store.db)).firstBreak).toMatchObject({ seq: a.seq, field: 'hash' });
  });

  it('points past an entry inserted in the middle, even one hashed correctly', async () => {
    const links = await allLinks(store);
    const forged = {
      seq: 4,
      at: links[2]!.at,
      actor: 'mallory',
      action: 'site.transfer_authority',
      entity: 'site',
      entityId: 'national-bank',
      before: null,
      after: '{"state":"transferred"}',
    };
    const forgedHash = hashAuditEntry(forged, links[2]!.hash);
    await tamper(async () => {
      for (const l of [...links].reverse().filter((l) => l.seq > 3))
        await sql`update audit_log set seq = ${l.seq + 1} where seq = ${l.seq}`.execute(store.db);
      // The entry after must now name the forged one as its predecessor (prev_hash is unique).
      await sql`update audit_log set prev_hash = ${forgedHash} where seq = 5`.execute(store.db);
      await writeRow(store, { ...forged, prevHash: links[2]!.hash, hash: forgedHash });
    });
    const r = await verifyAuditLog(store.db);
    expect(r.entries).toBe(ENTRIES + 1);
    expect(r.firstBreak).toMatchObject({ seq: 5, field: 'hash' });
  });

  it('points at an entry appended without its link, and the database refuses a fork', async () => {
    const links = await allLinks(store);
    const head = links.at(-1)!;
    const next = { ...head, seq: head.seq + 1, actor: 'mallory' };
    // Chained to the head's predecessor: a second successor of the same entry.
    await expect(
      writeRow(store, { ...next, prevHash: head.prevHash, hash: hashAuditEntry(next, head.prevHash) }),
    ).rejects.toSatisfy(isUniqueViolation);
    await writeRow(store, { ...next, prevHash: 'f'.repeat(64), hash: hashAuditEntry(next, 'f'.repeat(64)) });
    expect((await verifyAuditLog(store.db)).firstBreak).toMatchObject({ seq: next.seq, field: 'prev_hash' });
  });

  it('a truncated tail is intact in itself, and caught by a checkpoint taken before', async () => {
    const checkpoint = await checkpointNow();
    await tamper(async () => {
      await sql`delete from audit_log where seq > ${ENTRIES - 2}`.execute(store.db);
    });
    const alone = await verifyAuditLog(store.db);
    expect(alone).toMatchObject({ ok: true, entries: ENTRIES - 2 });
    const r = await verifyAuditLog(store.db, [{ source: 'kfor.json', checkpoint }]);
    expect(r.ok).toBe(false);
    expect(r.checkpoints[0]).toMatchObject({ status: 'missing', seq: ENTRIES });
  });

  it('a rewritten and recomputed history is intact in itself, and caught by a checkpoint', async () => {
    const early = await verifyAuditLog(store.db);
    const checkpoint = await checkpointNow();
    expect((await verifyAuditLog(store.db, [{ source: 'kfor.json', checkpoint }])).ok).toBe(true);
    await tamper(async () => {
      await sql`update audit_log set actor = 'someone-else' where seq = 3`.execute(store.db);
      await recomputeChain(store, 3);
    });
    const alone = await verifyAuditLog(store.db);
    expect(alone).toMatchObject({ ok: true, entries: ENTRIES });
    expect(alone.head!.hash).not.toBe(early.head!.hash);
    const r = await verifyAuditLog(store.db, [{ source: 'kfor.json', checkpoint }]);
    expect(r.ok).toBe(false);
    expect(r.firstBreak).toBeNull();
    expect(r.checkpoints[0]).toMatchObject({ status: 'differs', seq: ENTRIES, side: 'kfor' });
    expect(r.checkpoints[0]!.message).toMatch(/rewritten/);
  });

  it('a checkpoint taken after the rewrite is no help, one taken before still is (entries added since)', async () => {
    const before = await checkpointNow();
    await moreEntries(new HandoverService(store), 3);
    expect((await verifyAuditLog(store.db, [{ source: 'a', checkpoint: before }])).ok).toBe(true);
    await tamper(async () => {
      await sql`update audit_log set after = null where seq = 2`.execute(store.db);
      await recomputeChain(store, 2);
    });
    const after = await checkpointNow('mvd', parseSigningKey(generateAuditKeyPair().privateKey));
    const r = await verifyAuditLog(store.db, [
      { source: 'a', checkpoint: before },
      { source: 'b', checkpoint: after },
    ]);
    expect(r.checkpoints.map((c) => c.status)).toEqual(['differs', 'matches']);
    expect(r.ok).toBe(false);
  });

  it('rejects a checkpoint whose signature does not verify, or that is signed by another key', async () => {
    const good = await checkpointNow();
    const links = await allLinks(store);
    // The attacker edits the checkpoint to match a rewritten log but cannot re-sign it with the side's key.
    const edited: AuditCheckpoint = { ...good, seq: links[4]!.seq, hash: links[4]!.hash };
    const garbled: AuditCheckpoint = { ...good, signature: Buffer.alloc(64).toString('base64') };
    const mallory = parseSigningKey(generateAuditKeyPair().privateKey);
    const resigned = signAuditCheckpoint(good, 'kfor', good.at, mallory);
    const r = await verifyAuditLog(
      store.db,
      [
        { source: 'edited', checkpoint: edited },
        { source: 'garbled', checkpoint: garbled },
        { source: 'resigned', checkpoint: resigned },
        { source: 'good', checkpoint: good },
      ],
      new Map([['kfor', good.public_key]]),
    );
    expect(r.checkpoints.map((c) => [c.source, c.status])).toEqual([
      ['edited', 'bad-signature'],
      ['garbled', 'bad-signature'],
      ['resigned', 'untrusted-key'],
      ['good', 'matches'],
    ]);
    expect(r.ok).toBe(false);
    expect(r.firstBreak).toBeNull();
  });
});

describe.each(backends)('migration 0003 on $name', (backend) => {
  it('chains the entries written before it, in order, then holds them', async () => {
    const schema = `t_audit_mig_${process.pid}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
    const dir = mkdtempSync(join(tmpdir(), 'handover-audit-'));
    const url = backend.name === 'postgres' ? POSTGRES_URL : `sqlite:${join(dir, 'old.db')}`;
    const store = await openStore(url, {
      migrate: false,
      ...(backend.name === 'postgres' ? { schema } : {}),
    });
    try {
      const old = new Migrator({
        db: store.db,
        provider: migrationProvider(store.kind),
        ...(store.schema ? { migrationTableSchema: store.schema } : {}),
      });
      const { error } = await old.migrateTo('0002_plans');
      expect(error).toBeUndefined();
      for (let i = 1; i <= 5; i++)
        await sql`insert into audit_log (at, actor, action, entity, entity_id, before, after)
          values (${`2022-01-0${i}T00:00:00.000Z`}, 'old', 'site.update', 'site', ${`s${i}`}, null, ${`{"n":${i}}`})`.execute(
          store.db,
        );
      await migrate(store);
      const r = await verifyAuditLog(store.db);
      expect(r).toMatchObject({ ok: true, entries: 5, head: { seq: 5 } });
      await expect(sql`delete from audit_log where seq = 1`.execute(store.db)).rejects.toThrow(/append-only/);
    } finally {
      await store.close();
      if (backend.name === 'postgres') await dropSchema(POSTGRES_URL, schema);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
