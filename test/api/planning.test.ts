import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateOperation } from '../../bench/plan.ts';
import { buildApp, type App } from '../../src/server/app.ts';
import { DEMO_ACTOR, HandoverService } from '../../src/service/service.ts';
import { signInAsAdministrator } from '../support/auth.ts';
import { backends } from '../support/backends.ts';
import { demoScenario } from '../support/scenarios.ts';
import { checkPlan, type CheckedPlan } from '../plan/checker.ts';
import type { Scenario } from '../../src/core/scenario/schema.ts';

type Assignment = { agency: string; start: string } | null;
interface RunView {
  id: number;
  state: 'running' | 'done' | 'failed';
  progress: number;
  error: string | null;
  previous_plan: number | null;
  fewest_moves_proven: boolean | null;
  changes?: { site: string; before: Assignment; after: Assignment }[] | null;
  plan?: (CheckedPlan & { reasons: { code?: string; params?: object; message: string }[] }) | null;
}

/** The sites whose agency or start differ from plan a to plan b, computed here from their handovers. */
function movedBetween(a: CheckedPlan, b: CheckedPlan) {
  const byA = new Map(a.handovers.map((h) => [h.site, h]));
  const byB = new Map(b.handovers.map((h) => [h.site, h]));
  const at = (h: { agency: string; start: string } | undefined): Assignment =>
    h ? { agency: h.agency, start: h.start } : null;
  return [...new Set([...byA.keys(), ...byB.keys()])]
    .filter((s) => JSON.stringify(at(byA.get(s))) !== JSON.stringify(at(byB.get(s))))
    .sort()
    .map((site) => ({ site, before: at(byA.get(site)), after: at(byB.get(site)) }));
}

async function planRun(app: App, payload: object): Promise<RunView> {
  const started = await app.inject({ method: 'POST', url: '/api/plans', payload });
  expect(started.statusCode, started.body).toBe(202);
  const run = await waitForRun(app, started.json<RunView>().id);
  expect(run.state, run.error ?? '').toBe('done');
  return run;
}

async function waitForRun(app: App, id: number, timeoutMs = 90_000): Promise<RunView> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const run = (await app.inject({ method: 'GET', url: `/api/plans/${id}` })).json<RunView>();
    if (run.state !== 'running') return run;
    if (Date.now() > until) throw new Error(`plan ${id} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(backends)('planning runs on $name', (backend) => {
  let app: App;
  let svc: HandoverService;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const opened = await backend.open();
    svc = new HandoverService(opened.store, () => new Date('2022-01-11T08:00:00+06:00'));
    app = await buildApp({ service: svc });
    await signInAsAdministrator(app, opened.store);
    cleanup = async () => {
      await app.close();
      await opened.cleanup();
    };
  });
  afterEach(() => cleanup());

  it('plans the demo operation to withdraw the whole force by 19 January 2022, then adopts it', async () => {
    await svc.importScenario(demoScenario(), DEMO_ACTOR);
    const started = await app.inject({ method: 'POST', url: '/api/plans', payload: { time_limit_s: 10 } });
    expect(started.statusCode).toBe(202);
    const run = await waitForRun(app, started.json<RunView>().id);
    expect(run.state, run.error ?? '').toBe('done');
    const plan = run.plan!;
    expect(checkPlan(await svc.exportScenario(DEMO_ACTOR), plan)).toEqual([]);
    expect(plan.status).not.toBe('infeasible');
    expect(plan.withdrawal_date! <= '2022-01-19').toBe(true);
    // Every reason says which sentence it is and with what values (the web app translates them).
    expect(plan.reasons.length).toBeGreaterThan(0);
    for (const r of plan.reasons) {
      expect(r.code).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(r.params).toBeTypeOf('object');
    }
    expect(run).toMatchObject({ previous_plan: null, fewest_moves_proven: null, changes: null });

    const adopted = await app.inject({ method: 'POST', url: `/api/plans/${run.id}/adopt` });
    expect(adopted.statusCode).toBe(200);
    expect(adopted.json<{ planned: string[] }>().planned).toHaveLength(14);
    const bakery = await svc.getSite('aksai-bakery', DEMO_ACTOR);
    const planned = plan.handovers.find((h) => h.site === 'aksai-bakery')!;
    expect(bakery.handover).toMatchObject({
      state: 'planned',
      agencyId: planned.agency,
      start: planned.start,
    });
    const list = (await app.inject({ method: 'GET', url: '/api/plans' })).json<{
      items: { id: number; adopted_by: string | null }[];
    }>();
    expect(list.items[0]).toMatchObject({ id: run.id, adopted_by: 'aigerim.admin' });
  });

  it('re-plans against the adopted plan: says which handovers move and whether that is the fewest', async () => {
    await svc.importScenario(demoScenario(), DEMO_ACTOR);
    const a = await planRun(app, { time_limit_s: 5 });
    expect((await app.inject({ method: 'POST', url: `/api/plans/${a.id}/adopt` })).statusCode).toBe(200);
    // The handover that starts first may not start before two days later: it must move.
    const first = [...a.plan!.handovers].sort((x, y) => x.start.localeCompare(y.start))[0]!;
    const later = new Date(Date.parse(`${first.start}T00:00:00Z`) + 2 * 86_400_000)
      .toISOString()
      .slice(0, 10);
    const b = await planRun(app, { time_limit_s: 5, what_if: [`gate ${first.site} ${later}`] });
    expect(b.plan!.status).not.toBe('infeasible');
    expect(b.previous_plan).toBe(a.id);
    expect(typeof b.fewest_moves_proven).toBe('boolean');
    const changes = [...(b.changes ?? [])].sort((x, y) => x.site.localeCompare(y.site));
    expect(changes).toEqual(movedBetween(a.plan!, b.plan!));
    expect(changes.map((c) => c.site)).toContain(first.site);
    expect(changes.find((c) => c.site === first.site)!.after!.start >= later).toBe(true);
    // The list gives the verdict and how many moved, not the list of moves; a first plan moved nothing.
    const list = (await app.inject({ method: 'GET', url: '/api/plans' })).json<{
      items: (RunView & { changes_count: number | null })[];
    }>();
    expect(list.items.map((r) => r.id)).toEqual([b.id, a.id]);
    expect(list.items[0]).toMatchObject({
      id: b.id,
      previous_plan: a.id,
      fewest_moves_proven: b.fewest_moves_proven,
      changes_count: b.changes!.length,
    });
    expect(list.items[1]).toMatchObject({ id: a.id, previous_plan: null, changes_count: null });
    for (const item of list.items) {
      expect(item).not.toHaveProperty('changes');
      expect(item).not.toHaveProperty('plan');
    }
    // The OpenAPI document declares both.
    const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json<{
      components?: unknown;
      paths: Record<string, { get?: { responses: Record<string, unknown> } }>;
    }>();
    const declared = JSON.stringify(doc.paths['/api/plans/{id}']?.get?.responses['200']);
    expect(declared).toContain('fewest_moves_proven');
    expect(declared).toContain('changes');
    expect(JSON.stringify(doc.paths['/api/plans']?.get?.responses['200'])).toContain('changes_count');
  });

  it('plans a what-if and compares it with the plan before', async () => {
    await svc.importScenario(demoScenario(), DEMO_ACTOR);
    const a = await waitForRun(
      app,
      (await app.inject({ method: 'POST', url: '/api/plans', payload: { time_limit_s: 5 } })).json<RunView>()
        .id,
    );
    const b = await waitForRun(
      app,
      (
        await app.inject({
          method: 'POST',
          url: '/api/plans',
          payload: { time_limit_s: 5, what_if: ['deadline 2022-01-13'] },
        })
      ).json<RunView>().id,
    );
    expect(b.plan!.status).toBe('infeasible');
    expect(b.plan!.reasons.length).toBeGreaterThan(0);
    const diff = await app.inject({ method: 'GET', url: `/api/plans/compare?a=${a.id}&b=${b.id}` });
    expect(diff.statusCode).toBe(200);
    expect(diff.json()).toMatchObject({ status: { before: a.plan!.status, after: 'infeasible' } });
    const adopt = await app.inject({ method: 'POST', url: `/api/plans/${b.id}/adopt` });
    expect(adopt.statusCode).toBe(409);
    const bad = await app.inject({
      method: 'POST',
      url: '/api/plans',
      payload: { what_if: ['capacity nobody +5 from 2022-01-12'] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ problems: { path: string }[] }>().problems[0]!.path).toBe('what_if');
  });
});

describe('a long planning run does not block the server (SQLite)', () => {
  it('answers requests promptly while a 5,000-site operation is being planned', async () => {
    const opened = await backends[0]!.open();
    const svc = new HandoverService(opened.store);
    const app = await buildApp({ service: svc });
    await signInAsAdministrator(app, opened.store);
    try {
      const scenario: Scenario = generateOperation(5000);
      await svc.importScenario(scenario, DEMO_ACTOR);
      const { id } = (
        await app.inject({ method: 'POST', url: '/api/plans', payload: { time_limit_s: 15 } })
      ).json<RunView>();
      const latencies: number[] = [];
      let sawRunning = false;
      for (let i = 0; i < 20; i++) {
        const t = performance.now();
        const res = await app.inject({ method: 'GET', url: '/api/sites?limit=50' });
        latencies.push(performance.now() - t);
        expect(res.statusCode).toBe(200);
        const run = (await app.inject({ method: 'GET', url: `/api/plans/${id}` })).json<RunView>();
        if (run.state === 'running') sawRunning = true;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(sawRunning).toBe(true);
      // The run is in a worker thread: the event loop stays free (generous bound for a loaded CI machine).
      expect(Math.max(...latencies)).toBeLessThan(1000);
      const run = await waitForRun(app, id, 120_000);
      expect(run.state, run.error ?? '').toBe('done');
      expect(checkPlan(scenario, run.plan!)).toEqual([]);
    } finally {
      await app.close();
      await opened.cleanup();
    }
  }, 180_000);
});
