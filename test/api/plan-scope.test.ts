import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/core/auth/roles.ts';
import { buildApp, type App } from '../../src/server/app.ts';
import { DEMO_USERS } from '../../src/service/accounts.ts';
import { PlanningService, SCOPED_FAILURE } from '../../src/service/planning.ts';
import { DEMO_ACTOR, HandoverService } from '../../src/service/service.ts';
import * as plans from '../../src/store/plans.ts';
import type { Store } from '../../src/store/db.ts';
import { tokenFor } from '../support/auth.ts';
import { backends } from '../support/backends.ts';
import { demoScenario } from '../support/scenarios.ts';

type Assignment = { agency: string; start: string } | null;
interface RunView {
  id: number;
  state: string;
  error: string | null;
  status: string | null;
  withdrawal_date: string | null;
  request: { time_limit_s: number; what_if: string[] };
  changes?: { site: string; before: Assignment; after: Assignment }[] | null;
  plan?: {
    status: string;
    withdrawal_date: string | null;
    objective: unknown;
    bound: unknown;
    handovers: { site: string; agency: string; start: string }[];
    units: { unit: string; released: string }[];
    contingents: { contingent: string; withdrawn: string }[];
    reasons: { code?: string; sites?: string[]; agencies?: string[]; params?: Record<string, unknown> }[];
  } | null;
  names?: {
    agencies: Record<string, string>;
    units: Record<string, string>;
    contingents: Record<string, string>;
  };
}
interface VersionView {
  id: number;
  changes_count: number | null;
  request: { what_if: string[] };
  error: string | null;
}

/** Every site a reason names: its `sites`, and the site ids among its params. */
function sitesNamed(r: NonNullable<RunView['plan']>['reasons'][number]): string[] {
  const named = [...(r.sites ?? [])];
  for (const key of ['site', 'sites', 'predecessor', 'predecessors', 'cycle']) {
    const v = r.params?.[key];
    if (typeof v === 'string') named.push(v);
    else if (Array.isArray(v)) named.push(...(v as string[]));
  }
  return named;
}

/**
 * The scoped plan view through the API, on the demo operation planned and adopted by the force command:
 * each demo account reads its part of the plan, and the whole-force answer is the stored plan itself.
 */
describe.each(backends)('plans as each scope reads them, on $name', (backend) => {
  let app: App;
  let store: Store;
  let cleanup: () => Promise<void>;
  const as = new Map<string, { authorization: string }>();
  let adoptedId = 0;
  let replanId = 0;
  /** The register: each site's unit, each unit's contingent. */
  let unitOf: Map<string, string>;
  let contingentOf: Map<string, string>;

  const get = async <T>(user: string, url: string) => {
    const r = await app.inject({ method: 'GET', url, headers: as.get(user)! });
    expect(r.statusCode, `${user} GET ${url}: ${r.body}`).toBe(200);
    return { body: r.body, json: r.json<T>() };
  };
  async function waitFor(id: number): Promise<RunView> {
    for (const until = Date.now() + 60_000; Date.now() < until;) {
      const { json } = await get<RunView>('force-command', `/api/plans/${id}`);
      if (json.state !== 'running') return json;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`plan ${id} still running`);
  }
  async function run(payload: object): Promise<number> {
    const r = await app.inject({
      method: 'POST',
      url: '/api/plans',
      headers: as.get('force-command')!,
      payload,
    });
    expect(r.statusCode, r.body).toBe(202);
    const done = await waitFor(r.json<{ id: number }>().id);
    expect(done.state, done.error ?? '').toBe('done');
    return done.id;
  }

  beforeAll(async () => {
    const opened = await backend.open();
    store = opened.store;
    const svc = new HandoverService(store, () => new Date('2022-01-11T08:00:00+06:00'));
    const planning = new PlanningService(svc);
    app = await buildApp({ service: svc, planning, security: { rateLimitPerMinute: 0 } });
    cleanup = async () => {
      await app.close();
      await opened.cleanup();
    };
    await svc.importScenario(demoScenario(), DEMO_ACTOR);
    for (const u of DEMO_USERS)
      as.set(u.username, await tokenFor(store, { username: u.username, role: u.role, scope: u.scope }));
    const units = await svc.listUnits({}, DEMO_ACTOR);
    contingentOf = new Map(units.map((u) => [u.id as string, u.contingentId as string]));
    const { items } = await svc.listSites({ limit: 1000 }, DEMO_ACTOR);
    unitOf = new Map(items.map((s) => [s.id as string, s.guardedBy as string]));

    adoptedId = await run({ time_limit_s: 3 });
    const adopt = await app.inject({
      method: 'POST',
      url: `/api/plans/${adoptedId}/adopt`,
      headers: as.get('force-command')!,
    });
    expect(adopt.statusCode, adopt.body).toBe(200);
    // A re-plan against the adopted plan that holds back a site of another contingent: it moves handovers.
    replanId = await run({ time_limit_s: 3, what_if: ['gate kazakhtelecom 2022-01-16'] });
  }, 180_000);
  afterAll(() => cleanup());

  it('gives the force command the stored plan unfiltered, the same as every whole-force reader', async () => {
    for (const id of [adoptedId, replanId]) {
      const stored = (await plans.findPlan(store.db, id))!;
      const force = await get<RunView>('force-command', `/api/plans/${id}`);
      expect(force.json.plan).toEqual(stored.result);
      expect(force.json.changes).toEqual(stored.changes);
      expect(force.json.request).toEqual(stored.request);
      for (const user of ['demo-admin', 'observer'])
        expect((await get<RunView>(user, `/api/plans/${id}`)).body, user).toBe(force.body);
    }
    const stored = (await plans.findPlan(store.db, replanId))!;
    const list = (await get<{ items: VersionView[] }>('force-command', '/api/plans')).json.items;
    expect(list.find((v) => v.id === replanId)?.changes_count).toBe(stored.changes!.length);
  });

  it('gives a unit commander only its unit’s sites’ handovers, its unit, and reasons about them', async () => {
    const stored = (await plans.findPlan(store.db, adoptedId))!.result as NonNullable<RunView['plan']>;
    const { json } = await get<RunView>('arm-1-commander', `/api/plans/${adoptedId}`);
    const plan = json.plan!;
    const mine = stored.handovers.filter((h) => unitOf.get(h.site) === 'arm-1');
    expect(mine.length).toBeGreaterThan(0);
    expect(plan.handovers).toEqual(mine);
    expect(plan.units).toEqual(stored.units.filter((u) => u.unit === 'arm-1'));
    expect(plan.units).toHaveLength(1);
    // A unit commander does not see its contingent (src/core/auth/policy.ts, `visible`).
    expect(plan.contingents).toEqual([]);
    for (const r of plan.reasons)
      for (const s of sitesNamed(r)) expect(unitOf.get(s), `reason ${r.code} names ${s}`).toBe('arm-1');
    // The force-level figures are the whole force's.
    expect(plan.status).toBe(stored.status);
    expect(plan.withdrawal_date).toBe(stored.withdrawal_date);
    expect(plan.objective).toEqual(stored.objective);
    expect(plan.bound).toEqual(stored.bound);
  });

  it('gives a contingent command its units’ handovers and its own withdrawal date', async () => {
    const stored = (await plans.findPlan(store.db, adoptedId))!.result as NonNullable<RunView['plan']>;
    const plan = (await get<RunView>('arm-command', `/api/plans/${adoptedId}`)).json.plan!;
    expect(plan.handovers).toEqual(
      stored.handovers.filter((h) => contingentOf.get(unitOf.get(h.site) ?? '') === 'ARM'),
    );
    expect(plan.contingents).toEqual(stored.contingents.filter((c) => c.contingent === 'ARM'));
    expect(plan.contingents).toHaveLength(1);
  });

  it('gives an agency liaison only the handovers the plan sends to its agency', async () => {
    const stored = (await plans.findPlan(store.db, adoptedId))!.result as NonNullable<RunView['plan']>;
    const plan = (await get<RunView>('police-liaison', `/api/plans/${adoptedId}`)).json.plan!;
    const ours = stored.handovers.filter((h) => h.agency === 'police');
    expect(ours.length).toBeGreaterThan(0);
    expect(ours.length).toBeLessThan(stored.handovers.length);
    expect(plan.handovers).toEqual(ours);
    expect(plan.units).toEqual([]);
    expect(plan.contingents).toEqual([]);
    const policeSites = new Set(ours.map((h) => h.site));
    for (const r of plan.reasons) {
      for (const s of sitesNamed(r)) expect(policeSites.has(s), `reason ${r.code} names ${s}`).toBe(true);
      for (const a of r.agencies ?? []) expect(a, `reason ${r.code}`).toBe('police');
    }
  });

  it('shows moved handovers, their count and the what-if changes only within the reader’s view', async () => {
    const stored = (await plans.findPlan(store.db, replanId))!;
    expect(stored.changes!.some((c) => unitOf.get(c.site) !== 'arm-1')).toBe(true);
    for (const user of ['arm-1-commander', 'arm-command', 'police-liaison', 'bakery-operator']) {
      const { json } = await get<RunView>(user, `/api/plans/${replanId}`);
      const viewSites = new Set(json.plan!.handovers.map((h) => h.site));
      const adoptedSites = new Set(
        (await get<RunView>(user, `/api/plans/${adoptedId}`)).json.plan!.handovers.map((h) => h.site),
      );
      for (const c of json.changes!)
        expect(viewSites.has(c.site) || adoptedSites.has(c.site), `${user}: moved ${c.site}`).toBe(true);
      if (user === 'police-liaison')
        for (const c of json.changes!)
          for (const side of [c.before, c.after]) if (side) expect(side.agency).toBe('police');
      // Kazakhtelecom is the Russian airborne battalion's, out of these scopes (unless the plan gives it
      // to the police, whose liaison then reads it).
      const gate = json.plan!.handovers.some((h) => h.site === 'kazakhtelecom')
        ? ['gate kazakhtelecom 2022-01-16']
        : [];
      expect(json.request.what_if, user).toEqual(gate);
      const list = (await get<{ items: VersionView[] }>(user, '/api/plans')).json.items;
      const version = list.find((v) => v.id === replanId)!;
      expect(version.changes_count, user).toBe(json.changes!.length);
      // The list carries no plan to tell whose site it is: a what-if naming a site is left out of it.
      expect(version.request.what_if, user).toEqual([]);
    }
    const force = (await get<RunView>('force-command', `/api/plans/${replanId}`)).json;
    expect(force.request.what_if).toEqual(['gate kazakhtelecom 2022-01-16']);
    // The Russian contingent's own reading keeps the what-if that names its site.
    const rus = await tokenFor(store, {
      username: 'rus-command',
      role: 'contingent_command' satisfies Role,
      scope: { kind: 'contingent', id: 'RUS' },
    });
    const r = await app.inject({ method: 'GET', url: `/api/plans/${replanId}`, headers: rus });
    expect(r.json<RunView>().request.what_if).toEqual(['gate kazakhtelecom 2022-01-16']);
  });

  it('compares two plans within the reader’s view', async () => {
    const url = `/api/plans/compare?a=${adoptedId}&b=${replanId}`;
    const force = (
      await get<{ moved: { site: string }[]; contingents: { contingent: string }[]; withdrawal: unknown }>(
        'force-command',
        url,
      )
    ).json;
    const unit = (
      await get<{ moved: { site: string }[]; contingents: { contingent: string }[]; withdrawal: unknown }>(
        'arm-1-commander',
        url,
      )
    ).json;
    expect(unit.moved.map((m) => m.site)).toEqual(
      force.moved.filter((m) => unitOf.get(m.site) === 'arm-1').map((m) => m.site),
    );
    expect(unit.contingents).toEqual([]);
    expect(unit.withdrawal).toEqual(force.withdrawal);
    const arm = (await get<{ contingents: { contingent: string }[] }>('arm-command', url)).json;
    expect(arm.contingents.every((c) => c.contingent === 'ARM')).toBe(true);
  });

  it('names the agencies, units and contingents of each reader’s view, and nothing else', async () => {
    const bakery = (await get<RunView>('bakery-operator', `/api/plans/${adoptedId}`)).json;
    // A facility operator cannot list agencies or units: the plan names those of its own site.
    const [h] = bakery.plan!.handovers;
    expect(bakery.plan!.handovers.map((x) => x.site)).toEqual(['aksai-bakery']);
    const unit = unitOf.get('aksai-bakery')!;
    const contingent = contingentOf.get(unit)!;
    const db = store.db;
    const [agency, unitRow, contingentRow] = await Promise.all([
      db.selectFrom('agencies').select('name').where('id', '=', h!.agency).executeTakeFirstOrThrow(),
      db.selectFrom('units').select('name').where('id', '=', unit).executeTakeFirstOrThrow(),
      db.selectFrom('contingents').select('nation').where('id', '=', contingent).executeTakeFirstOrThrow(),
    ]);
    expect(bakery.names).toEqual({
      agencies: { [h!.agency]: agency.name },
      units: { [unit]: unitRow.name },
      contingents: { [contingent]: contingentRow.nation },
    });
    // A unit commander cannot read its contingent: the plan gives its nation.
    const arm1 = (await get<RunView>('arm-1-commander', `/api/plans/${adoptedId}`)).json;
    expect(arm1.names?.contingents).toEqual({ ARM: 'Armenia' });
    expect(Object.keys(arm1.names!.units)).toEqual(['arm-1']);
    expect(Object.keys(arm1.names!.agencies).sort()).toEqual(
      [...new Set(arm1.plan!.handovers.map((x) => x.agency))].sort(),
    );
    // Every reader: exactly the records its view of the plan and of the moves refers to.
    for (const user of ['arm-command', 'police-liaison', 'force-command']) {
      const { json } = await get<RunView>(user, `/api/plans/${replanId}`);
      const sides = (json.changes ?? []).flatMap((c) => [c.before, c.after]);
      const agencies = [...json.plan!.handovers, ...sides].flatMap((x) => (x ? [x.agency] : []));
      expect(Object.keys(json.names!.agencies).sort(), user).toEqual([...new Set(agencies)].sort());
      const units = new Set([
        ...json.plan!.handovers.map((x) => unitOf.get(x.site)!),
        ...(json.changes ?? []).filter((c) => c.before ?? c.after).map((c) => unitOf.get(c.site)!),
        ...json.plan!.units.map((u) => u.unit),
      ]);
      expect(Object.keys(json.names!.units).sort(), user).toEqual([...units].sort());
      const contingents = new Set([
        ...[...units].map((u) => contingentOf.get(u)!),
        ...json.plan!.contingents.map((c) => c.contingent),
      ]);
      expect(Object.keys(json.names!.contingents).sort(), user).toEqual([...contingents].sort());
    }
  });

  it('tells a scoped reader that a run failed, not the planner’s error, which may name anything', async () => {
    const id = await plans.insertPlanRun(store.db, {
      createdBy: 'force-command',
      request: { time_limit_s: 1, what_if: [] },
    });
    const error = 'site kazakhtelecom: the worker ran out of memory';
    await plans.finishPlanRun(store.db, id, { error });
    expect((await get<RunView>('force-command', `/api/plans/${id}`)).json.error).toBe(error);
    for (const user of ['arm-1-commander', 'police-liaison', 'bakery-operator']) {
      const { json } = await get<RunView>(user, `/api/plans/${id}`);
      expect(json.state, user).toBe('failed');
      expect(json.error, user).toBe(SCOPED_FAILURE);
      const listed = (await get<{ items: VersionView[] }>(user, '/api/plans')).json.items;
      expect(listed.find((v) => v.id === id)?.error, user).toBe(SCOPED_FAILURE);
    }
    const listed = (await get<{ items: VersionView[] }>('force-command', '/api/plans')).json.items;
    expect(listed.find((v) => v.id === id)?.error).toBe(error);
  });

  it('still refuses scoped readers running and adopting plans', async () => {
    for (const user of ['arm-1-commander', 'arm-command', 'police-liaison', 'bakery-operator', 'observer']) {
      const started = await app.inject({
        method: 'POST',
        url: '/api/plans',
        headers: as.get(user)!,
        payload: { time_limit_s: 1 },
      });
      expect(started.statusCode, `${user} runs`).toBe(403);
      const adopt = await app.inject({
        method: 'POST',
        url: `/api/plans/${replanId}/adopt`,
        headers: as.get(user)!,
      });
      expect(adopt.statusCode, `${user} adopts`).toBe(403);
    }
  });
});
