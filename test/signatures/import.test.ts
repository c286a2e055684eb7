import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadHandoverAct } from '../../src/server/act-pdf.ts';
import { DEMO_ACTOR, HandoverService } from '../../src/service/service.ts';
import { findSignaturesOfSite, insertSignatures } from '../../src/store/signatures.ts';
import { backends } from '../support/backends.ts';
import { demoScenario } from '../support/scenarios.ts';
import { accountFor, transferBySignatures } from './support.ts';

/**
 * A scenario may carry sites transferred before it was loaded. The import attests both sides of each in the
 * importer's name, marked as imported (the database accepts a transferred site only with that attestation or
 * real signatures); the attestation is shown as such, and never counts toward a transfer made here.
 */

const NOW = new Date('2022-01-14T06:00:00Z');

/** The demo with the Aksai bakery already handed to the National Guard before the data was loaded. */
function demoWithTransfer(): unknown {
  const demo = structuredClone(demoScenario()) as { sites: { id: string; handover?: unknown }[] };
  demo.sites.find((s) => s.id === 'aksai-bakery')!.handover = {
    agency: 'national-guard',
    state: 'transferred',
    start: '2022-01-11',
    transfer: '2022-01-12',
  };
  return demo;
}

describe.each(backends)('importing transferred sites on $name', (backend) => {
  let svc: HandoverService;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const opened = await backend.open();
    cleanup = opened.cleanup;
    svc = new HandoverService(opened.store, () => NOW);
  });
  afterEach(() => cleanup());

  it("writes the importer's attestation of both sides, shown as imported and named so on the act", async () => {
    const admin = await accountFor(svc.store, 'loader', 'administrator');
    await svc.importScenario(demoWithTransfer(), admin.actor);
    const site = await svc.getSite('aksai-bakery', DEMO_ACTOR);
    expect(site.state).toBe('transferred');
    const shown = (await svc.signaturesOf([site])).get(site.id);
    expect(shown?.map((s) => [s.side, s.username, s.imported, s.version])).toEqual([
      ['outgoing', 'loader', true, site.version],
      ['receiving', 'loader', true, site.version],
    ]);
    const act = await loadHandoverAct(svc, site.id, DEMO_ACTOR, { lang: 'en', now: NOW });
    expect(act.signatures.blocks.map((b) => b.signed)).toEqual([
      expect.stringMatching(/^Entered with the scenario by Signer loader/),
      expect.stringMatching(/^Entered with the scenario by Signer loader/),
    ]);
    expect(act.records.note).toMatch(/holds no signatures of it/);
    const audit = await svc.listAudit({ entity: 'operation' }, DEMO_ACTOR);
    expect(audit.at(-1)?.after).toMatchObject({ transfers_attested: 1 });
  });

  it('replaces an operation holding transferred sites, signed or imported, and exports what it imported', async () => {
    await svc.importScenario(demoWithTransfer(), DEMO_ACTOR);
    await svc.startJointGuard('water-utility', { agency: 'national-guard', on: '2022-01-12' }, DEMO_ACTOR);
    await transferBySignatures(svc, 'water-utility', { on: '2022-01-13' });
    const exported = await svc.exportScenario(DEMO_ACTOR);
    await svc.importScenario(exported, DEMO_ACTOR, { replace: true });
    expect(await svc.exportScenario(DEMO_ACTOR)).toEqual(exported);
    // The signatures made here are gone with the replaced operation (the audit log keeps them); the
    // re-imported transfer carries the console's attestation instead.
    const held = await findSignaturesOfSite(svc.store.db, 'water-utility');
    expect(held.map((h) => [h.signature.username, h.signature.imported])).toEqual([
      [DEMO_ACTOR.name, true],
      [DEMO_ACTOR.name, true],
    ]);
  });

  it('never lets an attestation count toward a transfer made here', async () => {
    await svc.importScenario(demoScenario(), DEMO_ACTOR);
    const j = await svc.startJointGuard(
      'water-utility',
      { agency: 'national-guard', on: '2022-01-12' },
      DEMO_ACTOR,
    );
    const liaison = await accountFor(svc.store, 'ng', 'agency_liaison', {
      kind: 'agency',
      id: 'national-guard',
    });
    await svc.signTransfer('water-utility', { side: 'receiving', version: j.version }, liaison.actor);
    // Only the outgoing side is missing; an import-style attestation written for it is not a signature.
    await insertSignatures(svc.store.db, [
      {
        siteId: 'water-utility',
        signature: {
          side: 'outgoing',
          version: j.version,
          userId: null,
          username: 'x',
          displayName: 'x',
          signedAt: NOW.toISOString(),
          imported: true,
        },
      },
    ]);
    const site = await svc.getSite('water-utility', DEMO_ACTOR);
    expect(site.state).toBe('joint_guard');
    expect((await svc.signaturesOf([site])).get(site.id)?.map((s) => s.side)).toEqual(['receiving']);
  });
});
