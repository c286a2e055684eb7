import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_ACTOR, HandoverService } from '../../src/service/service.ts';
import type { Store } from '../../src/store/db.ts';
import { backends } from '../support/backends.ts';
import { demoScenario } from '../support/scenarios.ts';
import { accountFor } from './support.ts';

/**
 * The two-party rule is held by the database too: direct SQL that would make a site transferred without two
 * signatures of the two sides, by two different people, for the version being left, is refused on both
 * engines. Each refusal is checked against a control that the same statement succeeds once the signatures
 * are right, so the trigger is not merely refusing everything.
 */

const NOW = new Date('2022-01-14T06:00:00Z');
const SITE = 'aksai-bakery'; // guarded by arm-1 (contingent ARM)

describe.each(backends)('direct SQL cannot bypass the signatures on $name', (backend) => {
  let store: Store;
  let svc: HandoverService;
  let cleanup: () => Promise<void>;
  let ids: Record<
    'commander' | 'contingent' | 'force' | 'liaison' | 'otherLiaison' | 'admin' | 'otherCommander',
    string
  >;

  beforeEach(async () => {
    const opened = await backend.open();
    store = opened.store;
    cleanup = opened.cleanup;
    svc = new HandoverService(store, () => NOW);
    await svc.importScenario(demoScenario(), DEMO_ACTOR);
    const id = async (
      name: string,
      role: Parameters<typeof accountFor>[2],
      scope: Parameters<typeof accountFor>[3],
    ) => (await accountFor(store, name, role, scope)).user.id;
    ids = {
      commander: await id('arm-1-cdr', 'unit_commander', { kind: 'unit', id: 'arm-1' }),
      otherCommander: await id('kgz-1-cdr', 'unit_commander', { kind: 'unit', id: 'kgz-1' }),
      contingent: await id('arm-cmd', 'contingent_command', { kind: 'contingent', id: 'ARM' }),
      force: await id('force-hq', 'force_command', null),
      liaison: await id('ng-liaison', 'agency_liaison', { kind: 'agency', id: 'national-guard' }),
      otherLiaison: await id('police-liaison', 'agency_liaison', { kind: 'agency', id: 'police' }),
      admin: await id('root', 'administrator', null),
    };
    await svc.startJointGuard(SITE, { agency: 'national-guard', on: '2022-01-12' }, DEMO_ACTOR);
  });
  afterEach(async () => {
    await cleanup();
  });

  const version = async () =>
    Number(
      (await sql<{ version: number }>`select version from sites where id = ${SITE}`.execute(store.db))
        .rows[0]!.version,
    );
  const state = async () =>
    (await sql<{ state: string }>`select state from sites where id = ${SITE}`.execute(store.db)).rows[0]!
      .state;
  const sign = (side: 'outgoing' | 'receiving', userId: string, v: number, imported = 0) =>
    sql`insert into transfer_signatures (site_id, side, version, user_id, username, display_name, signed_at, imported)
        values (${SITE}, ${side}, ${v}, ${userId}, 'forged', 'Forged', '2022-01-14T06:00:00Z', ${imported})
        on conflict (site_id, side) do update set version = excluded.version, user_id = excluded.user_id,
          imported = excluded.imported`.execute(store.db);
  const transfer = () =>
    sql`update sites set state = 'transferred', handover_state = 'transferred', handover_transfer = '2022-01-14',
        version = version + 1 where id = ${SITE}`.execute(store.db);
  const refusedTransfer = async () => {
    await expect(transfer()).rejects.toThrow(/transfer|signature/i);
    expect(await state()).toBe('joint_guard');
  };

  it('refuses UPDATE … SET state = transferred with no signature at all', async () => {
    await refusedTransfer();
  });

  it('refuses one side only, then accepts both sides of the version being left (the control)', async () => {
    const v = await version();
    await sign('outgoing', ids.commander, v);
    await refusedTransfer();
    await sign('receiving', ids.liaison, v);
    await transfer();
    expect(await state()).toBe('transferred');
  });

  it('accepts the contingent command or the force command for the outgoing side', async () => {
    const v = await version();
    await sign('outgoing', ids.force, v);
    await sign('receiving', ids.liaison, v);
    await transfer();
    expect(await state()).toBe('transferred');
  });

  it('refuses signatures of an older version of the site', async () => {
    const v = await version();
    await sign('outgoing', ids.contingent, v - 1);
    await sign('receiving', ids.liaison, v - 1);
    await refusedTransfer();
    await sign('receiving', ids.liaison, v);
    await refusedTransfer(); // still one side old
  });

  it('refuses one person on both sides, and the wrong people on either side', async () => {
    const v = await version();
    await sign('outgoing', ids.liaison, v);
    await sign('receiving', ids.liaison, v);
    await refusedTransfer();
    for (const outgoing of [ids.admin, ids.otherCommander, ids.otherLiaison]) {
      await sign('outgoing', outgoing, v);
      await refusedTransfer();
    }
    await sign('outgoing', ids.commander, v);
    for (const receiving of [ids.otherLiaison, ids.admin, ids.force, ids.commander]) {
      await sign('receiving', receiving, v);
      await refusedTransfer();
    }
  });

  it('refuses a signer whose account was disabled', async () => {
    const v = await version();
    await sign('outgoing', ids.commander, v);
    await sign('receiving', ids.liaison, v);
    await sql`update users set disabled = 1 where id = ${ids.liaison}`.execute(store.db);
    await refusedTransfer();
  });

  it('refuses rolling the version back so that old signatures match again', async () => {
    const v = await version();
    await sign('outgoing', ids.commander, v);
    await sign('receiving', ids.liaison, v);
    await svc.updateSite(SITE, { guards: 31 }, v, DEMO_ACTOR); // voids them
    await refusedTransfer();
    await expect(sql`update sites set version = ${v} where id = ${SITE}`.execute(store.db)).rejects.toThrow(
      /version/i,
    );
    expect(await version()).toBe(v + 1);
  });

  it('refuses a site made transferred from protected, or with its agency or unit changed on the way', async () => {
    const v = await version();
    await sign('outgoing', ids.commander, v);
    await sign('receiving', ids.liaison, v);
    await expect(
      sql`update sites set state = 'transferred', handover_state = 'transferred', handover_transfer = '2022-01-14',
          handover_agency = 'police' where id = ${SITE}`.execute(store.db),
    ).rejects.toThrow(/transfer|signature/i);
    // A protected site with a planned handover, "signed" by the right people, still cannot jump to transferred.
    await svc.planHandover('kazakhtelecom', { agency: 'national-guard', start: '2022-01-15' }, DEMO_ACTOR);
    const kv = Number(
      (await sql<{ version: number }>`select version from sites where id = 'kazakhtelecom'`.execute(store.db))
        .rows[0]!.version,
    );
    await sql`insert into transfer_signatures (site_id, side, version, user_id, username, display_name, signed_at)
        values ('kazakhtelecom', 'outgoing', ${kv}, ${ids.force}, 'f', 'F', 'x'),
               ('kazakhtelecom', 'receiving', ${kv}, ${ids.liaison}, 'l', 'L', 'x')`.execute(store.db);
    await expect(
      sql`update sites set state = 'transferred', handover_state = 'transferred', handover_transfer = '2022-01-16'
          where id = 'kazakhtelecom'`.execute(store.db),
    ).rejects.toThrow(/transfer|signature/i);
  });

  it("refuses an import's attestation for a live site: only a site inserted as transferred may carry one", async () => {
    const v = await version();
    await sign('outgoing', ids.admin, v, 1);
    await sign('receiving', ids.admin, v, 1);
    await refusedTransfer();
  });

  it('refuses INSERT of a transferred site without signatures or attestation, accepts it with one', async () => {
    const insert = (id: string) =>
      sql`insert into sites (id, position, name, sector, criticality, district, guards, guarded_by, state,
            handover_agency, handover_state, handover_start, handover_transfer, version, updated_at)
          values (${id}, 99, 'Forged', 'food', 1, 'Centre', 5, 'arm-1', 'transferred',
            'police', 'transferred', '2022-01-12', '2022-01-13', 0, '2022-01-14')`.execute(store.db);
    await expect(insert('forged-1')).rejects.toThrow(/transfer|signature|attestation/i);
    await sql`insert into transfer_signatures (site_id, side, version, user_id, username, display_name, signed_at)
        values ('forged-2', 'outgoing', 0, ${ids.commander}, 'c', 'C', 'x'),
               ('forged-2', 'receiving', 0, ${ids.commander}, 'c', 'C', 'x')`.execute(store.db);
    await expect(insert('forged-2')).rejects.toThrow(/transfer|signature|attestation/i);
    await sql`insert into transfer_signatures (site_id, side, version, user_id, username, display_name, signed_at, imported)
        values ('imported-1', 'outgoing', 0, null, 'importer', 'Importer', 'x', 1),
               ('imported-1', 'receiving', 0, null, 'importer', 'Importer', 'x', 1)`.execute(store.db);
    await insert('imported-1');
    const n = await sql<{ n: number }>`select count(*) as n from sites where id like 'forged%'`.execute(
      store.db,
    );
    expect(Number(n.rows[0]!.n)).toBe(0);
  });

  it('keeps the signatures of a transferred site final', async () => {
    const v = await version();
    await sign('outgoing', ids.commander, v);
    await sign('receiving', ids.liaison, v);
    await transfer();
    await expect(
      sql`update transfer_signatures set user_id = ${ids.force} where site_id = ${SITE}`.execute(store.db),
    ).rejects.toThrow(/final/);
    await expect(
      sql`delete from transfer_signatures where site_id = ${SITE}`.execute(store.db),
    ).rejects.toThrow(/final/);
    await expect(sign('outgoing', ids.force, v + 1)).rejects.toThrow(/final/);
  });

  it('refuses a signature row without a signer unless it is an import attestation', async () => {
    await expect(
      sql`insert into transfer_signatures (site_id, side, version, user_id, username, display_name, signed_at)
          values (${SITE}, 'outgoing', 1, null, 'x', 'X', 'x')`.execute(store.db),
    ).rejects.toThrow();
  });
});
