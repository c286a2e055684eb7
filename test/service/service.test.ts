import { readdirSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RuleViolation } from '../../src/core/rules.ts';
import { InputError } from '../../src/service/errors.ts';
import { DEMO_ACTOR, HandoverService } from '../../src/service/service.ts';
import { StaleVersionError } from '../../src/store/repositories.ts';
import { backends } from '../support/backends.ts';
import { transferBySignatures } from '../signatures/support.ts';
import { demoScenario, loadYaml, SHARED_SCENARIOS } from '../support/scenarios.ts';

describe.each(backends)('service on $name', (backend) => {
  let svc: HandoverService;
  let cleanup: () => Promise<void>;
  const now = new Date('2022-01-12T09:00:00+06:00');

  beforeEach(async () => {
    const opened = await backend.open();
    cleanup = opened.cleanup;
    svc = new HandoverService(opened.store, () => now);
  });
  afterEach(() => cleanup());

  it('exports exactly what it imported (demo and shared scenarios)', async () => {
    const inputs = [
      demoScenario(),
      ...readdirSync(SHARED_SCENARIOS)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => loadYaml(`${SHARED_SCENARIOS}/${f}`)),
    ];
    for (const input of inputs) {
      await svc.importScenario(input, DEMO_ACTOR, { replace: true });
      expect(await svc.exportScenario(DEMO_ACTOR)).toEqual(input);
    }
  });

  it('answers how many sites were taken under protection in the last 24 hours', async () => {
    await svc.importScenario(demoScenario(), DEMO_ACTOR);
    const status = await svc.status('2022-01-10', DEMO_ACTOR);
    expect(status.last24h.takenUnderProtection).toHaveLength(5);
    expect(status.sites.total).toBe(14);
  });

  it('takes a site through joint guard to transfer, then releases its unit and withdraws the contingent', async () => {
    await svc.importScenario(demoScenario(), DEMO_ACTOR);
    const armUnits = await svc.listUnits({ contingent: 'ARM' }, DEMO_ACTOR);
    const armSites = (await svc.listSites({ contingent: armUnits[0]!.contingentId, limit: 100 }, DEMO_ACTOR))
      .items;
    expect(armSites.length).toBeGreaterThan(0);
    await expect(svc.releaseUnit(armUnits[0]!.id, { on: '2022-01-12' }, DEMO_ACTOR)).rejects.toMatchObject({
      rule: 'unit-still-guarding',
    });
    for (const site of armSites) {
      const j = await svc.startJointGuard(
        site.id,
        { agency: 'national-guard', on: '2022-01-12' },
        DEMO_ACTOR,
      );
      expect(j.state).toBe('joint_guard');
      const t = await transferBySignatures(svc, site.id, { on: '2022-01-13' });
      expect(t.state).toBe('transferred');
    }
    for (const u of armUnits) await svc.releaseUnit(u.id, { on: '2022-01-13' }, DEMO_ACTOR);
    const c = await svc.withdrawContingent('ARM', { on: '2022-01-14' }, DEMO_ACTOR);
    expect(c).toMatchObject({ state: 'withdrawn', withdrawn: '2022-01-14' });
    const audit = await svc.listAudit({ entity: 'site', entityId: armSites[0]!.id }, DEMO_ACTOR);
    expect(audit.map((e) => e.action)).toEqual([
      'site.start_joint_guard',
      'site.sign_transfer',
      'site.sign_transfer',
      'site.transfer',
    ]);
    expect(audit[0]).toMatchObject({
      actor: DEMO_ACTOR.name,
      before: { state: 'protected' },
      after: { state: 'joint_guard' },
    });
  });

  it('refuses a stale version and leaves the record unchanged', async () => {
    await svc.importScenario(demoScenario(), DEMO_ACTOR);
    const site = await svc.getSite('aksai-bakery', DEMO_ACTOR);
    await svc.updateSite(site.id, { guards: site.guards + 1 }, site.version, DEMO_ACTOR);
    await expect(svc.updateSite(site.id, { guards: 99 }, site.version, DEMO_ACTOR)).rejects.toBeInstanceOf(
      StaleVersionError,
    );
    expect((await svc.getSite(site.id, DEMO_ACTOR)).guards).toBe(site.guards + 1);
  });

  it('refuses an ineligible agency by its rule, and writes nothing', async () => {
    await svc.importScenario(demoScenario(), DEMO_ACTOR);
    const critical = (await svc.listSites({ limit: 100 }, DEMO_ACTOR)).items.find((s) => s.criticality > 3)!;
    const before = await svc.listAudit({}, DEMO_ACTOR);
    const err = await svc
      .startJointGuard(critical.id, { agency: 'police', on: '2022-01-12' }, DEMO_ACTOR)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuleViolation);
    expect((err as RuleViolation).rule).toBe('agency-eligibility');
    expect(await svc.listAudit({}, DEMO_ACTOR)).toEqual(before);
    expect((await svc.getSite(critical.id, DEMO_ACTOR)).state).toBe('protected');
  });

  it('rejects an invalid scenario whole, naming every field, and keeps the database as it was', async () => {
    await svc.importScenario(demoScenario(), DEMO_ACTOR);
    const before = await svc.exportScenario(DEMO_ACTOR);
    const bad = structuredClone(demoScenario()) as { sites: Record<string, unknown>[] };
    bad.sites[0]!['guarded_by'] = 'nobody';
    bad.sites[1]!['criticality'] = 9;
    bad.sites[2]!['colour'] = 'red';
    const err = await svc.importScenario(bad, DEMO_ACTOR, { replace: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).problems.map((p) => p.path).sort()).toEqual(
      ['sites[0].guarded_by', 'sites[1].criticality', 'sites[2].colour'].sort(),
    );
    expect(await svc.exportScenario(DEMO_ACTOR)).toEqual(before);
  });
});
