import { sql } from 'kysely';
import { hashAuditEntry, AUDIT_GENESIS_HASH, type AuditLink } from '../../src/core/audit/chain.ts';
import { DEMO_ACTOR, type HandoverService } from '../../src/service/service.ts';
import { listAuditLinks } from '../../src/store/audit.ts';
import type { Store } from '../../src/store/db.ts';
import { demoScenario } from '../support/scenarios.ts';
import { transferBySignatures } from '../signatures/support.ts';

/**
 * Plays the attacker with direct database access: lifts the append-only triggers, runs `fn`, and puts them
 * back exactly as migration 0003 made them. (The unique index on prev_hash stays: the tampering must keep it.)
 */
export async function withoutAppendOnly(store: Store, fn: () => Promise<void>): Promise<void> {
  if (store.kind === 'postgres') {
    await sql`alter table audit_log disable trigger audit_log_append_only`.execute(store.db);
    try {
      await fn();
    } finally {
      await sql`alter table audit_log enable trigger audit_log_append_only`.execute(store.db);
    }
    return;
  }
  await sql`drop trigger audit_log_no_update`.execute(store.db);
  await sql`drop trigger audit_log_no_delete`.execute(store.db);
  try {
    await fn();
  } finally {
    await sql`create trigger audit_log_no_update before update on audit_log
      begin select raise(abort, 'audit_log is append-only'); end`.execute(store.db);
    await sql`create trigger audit_log_no_delete before delete on audit_log
      begin select raise(abort, 'audit_log is append-only'); end`.execute(store.db);
  }
}

export const allLinks = (store: Store) => listAuditLinks(store.db, { limit: 100_000 });

/** What an attacker who knows the format does after editing: recompute every hash from `fromSeq` on. */
export async function recomputeChain(store: Store, fromSeq: number): Promise<void> {
  const links = await allLinks(store);
  let prev = AUDIT_GENESIS_HASH;
  for (const l of links) {
    if (l.seq >= fromSeq) {
      const hash = hashAuditEntry(l, prev);
      await sql`update audit_log set prev_hash = ${prev}, hash = ${hash} where seq = ${l.seq}`.execute(
        store.db,
      );
      prev = hash;
    } else prev = l.hash;
  }
}

export async function writeRow(store: Store, l: AuditLink): Promise<void> {
  await sql`insert into audit_log (seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash)
    values (${l.seq}, ${l.at}, ${l.actor}, ${l.action}, ${l.entity}, ${l.entityId}, ${l.before}, ${l.after},
            ${l.prevHash}, ${l.hash})`.execute(store.db);
}

/** A short working day through the service: import, a handover to its end, reports, a replace; twelve entries. */
export async function serviceDay(svc: HandoverService): Promise<void> {
  await svc.importScenario(demoScenario(), DEMO_ACTOR);
  await svc.startJointGuard('water-utility', { agency: 'national-guard', on: '2022-01-12' }, DEMO_ACTOR);
  // Two signers' accounts are made, each signs, the transfer takes effect: five entries.
  await transferBySignatures(svc, 'water-utility', { on: '2022-01-13' });
  for (const date of ['2022-01-11', '2022-01-12', '2022-01-13'])
    await svc.recordFacilityOutput(
      { site: 'water-utility', date, status: 'operating', output: 90 },
      DEMO_ACTOR,
    );
  await svc.recordIncident(
    {
      at: '2022-01-12T10:00:00+06:00',
      kind: 'looting_attempt',
      severity: 2,
      site: 'substation',
      description: 'Test: "quotes", a newline\nand ünïcode',
    },
    { ...DEMO_ACTOR, name: 'officer "o\'brien"' },
  );
  await svc.importScenario(demoScenario(), DEMO_ACTOR, { replace: true });
}

/** `n` more entries, one per facility report. */
export async function moreEntries(svc: HandoverService, n: number, day = 20): Promise<void> {
  for (let i = 0; i < n; i++)
    await svc.recordFacilityOutput(
      {
        site: 'substation',
        date: `2022-01-${String(day + i).padStart(2, '0')}`,
        status: 'reduced',
        output: i,
      },
      DEMO_ACTOR,
    );
}
