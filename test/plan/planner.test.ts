import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { earliestStarts, latestStarts, topologicalOrder } from '../../src/core/plan/analysis.ts';
import { buildTimeIndexedModel, familyCapacityRows } from '../../src/core/plan/exact.ts';
import { familyLagrangeBound } from '../../src/core/plan/lagrange.ts';
import { HighsRunner } from '../../src/core/plan/highs-runner.ts';
import { feasibilityHorizon, planHandovers } from '../../src/core/plan/planner.ts';
import { buildProblem } from '../../src/core/plan/problem.ts';
import { parseScenario } from '../../src/core/scenario/io.ts';
import type { Scenario } from '../../src/core/scenario/schema.ts';
import { twoSites, valid } from './fixtures.ts';
import { bruteForceOptimum } from './brute-force.ts';
import { checkPlan } from './checker.ts';
import { generateOperation } from '../../bench/plan.ts';
import { randomScenario, type ScenarioShape } from './generate.ts';

const shared = (name: string): Scenario => {
  const parsed = parseScenario(
    readFileSync(new URL(`../../../shared/scenarios/${name}.yaml`, import.meta.url), 'utf8'),
    'yaml',
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.scenario;
};

describe('shared scenarios with proven optima', () => {
  it('p01: gates and precedence, W=5, 4412 person-days, optimal', async () => {
    const s = shared('p01-gates-and-precedence');
    const plan = await planHandovers(s);
    expect(checkPlan(s, plan)).toEqual([]);
    expect(plan.status).toBe('optimal');
    expect(plan.objective).toEqual({ withdrawal_day: 5, force_person_days: 4412 });
    expect(plan.bound).toEqual({ withdrawal_day: 5, force_person_days: 4412 });
    expect(plan.withdrawal_date).toBe('2031-04-02');
    expect(plan.reasons.length).toBeGreaterThan(0);
  });

  it('p02: capacity bound, W=6, 10121 person-days, optimal', async () => {
    const s = shared('p02-capacity-bound');
    const plan = await planHandovers(s);
    expect(checkPlan(s, plan)).toEqual([]);
    expect(plan.status).toBe('optimal');
    expect(plan.objective).toEqual({ withdrawal_day: 6, force_person_days: 10121 });
  });

  it('p03: infeasible, explained by the final capacity', async () => {
    const s = shared('p03-infeasible-capacity');
    const plan = await planHandovers(s);
    expect(plan.status).toBe('infeasible');
    expect(plan.reasons[0]?.constraint).toBe('capacity');
    expect(plan.reasons[0]?.message).toMatch(/final capacity/);
  });
});

describe('explanations', () => {
  it('names a site no agency may take', async () => {
    const s = twoSites();
    s.sites.push({
      id: 'clinic',
      name: 'Clinic',
      sector: 'health',
      criticality: 5,
      district: 'd',
      guards: 3,
      guarded_by: 'u',
    });
    const plan = await planHandovers(valid(s));
    expect(plan.status).toBe('infeasible');
    expect(plan.reasons).toContainEqual(
      expect.objectContaining({
        constraint: 'eligibility',
        message: 'No agency may take site clinic (criticality 5, sector health).',
      }),
    );
  });

  it('names a precedence cycle', async () => {
    const s = twoSites();
    const [a, b] = s.sites;
    if (a && b) {
      a.after = ['b'];
      b.after = ['a'];
    }
    const plan = await planHandovers(valid(s));
    expect(plan.reasons).toContainEqual(expect.objectContaining({ constraint: 'precedence' }));
    expect(plan.reasons.find((r) => r.constraint === 'precedence')?.message).toMatch(/a → b → a|b → a → b/);
  });

  it('names a gate after the deadline', async () => {
    const s = twoSites();
    s.operation.deadline = '2030-01-12';
    const a = s.sites[0];
    if (a) a.not_before = '2030-01-12';
    const plan = await planHandovers(valid(s));
    expect(plan.status).toBe('infeasible');
    expect(plan.reasons).toContainEqual(expect.objectContaining({ constraint: 'deadline', sites: ['a'] }));
  });

  it('names an agency short of guards by a date', async () => {
    const s = twoSites();
    s.operation.deadline = '2030-01-11';
    const police = s.agencies[0];
    if (police)
      police.capacity = [
        { from: '2030-01-10', guards: 15 },
        { from: '2030-01-12', guards: 100 },
      ];
    const plan = await planHandovers(valid(s));
    expect(plan.status).toBe('infeasible');
    expect(plan.reasons[0]?.constraint).toBe('capacity');
    expect(plan.reasons[0]?.message).toMatch(/Police is 5 guards short from 2030-01-10/);
  });

  it('names colliding pins', async () => {
    const s = twoSites();
    for (const site of s.sites) site.pinned = { agency: 'police', start: '2030-01-10' };
    const police = s.agencies[0];
    if (police)
      police.capacity = [
        { from: '2030-01-10', guards: 15 },
        { from: '2030-01-12', guards: 100 },
      ];
    const plan = await planHandovers(valid(s));
    expect(plan.status).toBe('infeasible');
    expect(plan.reasons).toContainEqual(expect.objectContaining({ constraint: 'pin' }));
  });

  it('says what binds a feasible plan, and checks the remedy by re-planning', async () => {
    const s = twoSites();
    const police = s.agencies[0];
    if (police)
      police.capacity = [
        { from: '2030-01-10', guards: 10 },
        { from: '2030-01-13', guards: 30 },
      ];
    const plan = await planHandovers(valid(s));
    expect(checkPlan(s, plan)).toEqual([]);
    expect(plan.objective?.withdrawal_day).toBe(4);
    expect(plan.status).toBe('optimal');
    expect(plan.reasons[0]).toMatchObject({ constraint: 'capacity', agencies: ['police'] });
    expect(plan.reasons[0]?.message).toMatch(
      /Withdrawal by 2030-01-13 is impossible: Police is 10 guards short from 2030-01-12/,
    );
    expect(plan.reasons[1]?.message).toMatch(
      /Adding 10 guards to Police from 2030-01-12 gives a plan that withdraws on 2030-01-13/,
    );
  });

  it('keeps handovers already under way as they are', async () => {
    const s = twoSites();
    const a = s.sites[0];
    if (a) a.handover = { agency: 'police', state: 'joint_guard', start: '2030-01-09' };
    const plan = await planHandovers(valid(s));
    expect(plan.status).not.toBe('infeasible');
    expect(plan.handovers.find((h) => h.site === 'a')).toEqual({
      site: 'a',
      agency: 'police',
      start: '2030-01-09',
      transfer: '2030-01-10',
    });
  });
});

const tiny: ScenarioShape = { sites: 4, agencies: 2, units: 2, contingents: 2, features: 0.35, span: 3 };

describe('random scenarios', () => {
  it('every plan passes the checker and small ones match the brute-force optimum', async () => {
    let feasible = 0;
    let infeasible = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 4 }),
        async (seed, sites) => {
          const s = valid(randomScenario(seed, { ...tiny, sites }));
          const plan = await planHandovers(s, { timeLimitMs: 5000 });
          expect(checkPlan(s, plan)).toEqual([]);
          const best = bruteForceOptimum(s, 12);
          if (best) {
            feasible++;
            expect(plan.status).toBe('optimal');
            expect(plan.objective).toEqual({ withdrawal_day: best.w, force_person_days: best.pd });
          } else {
            infeasible++;
            // Nothing within 12 days; with these short spans that means nothing at all.
            expect(plan.status).toBe('infeasible');
            expect(plan.reasons.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 120, seed: 20260125 },
    );
    expect(feasible).toBeGreaterThan(20);
    expect(infeasible).toBeGreaterThan(5);
  }, 120_000);

  it('the feasibility horizon covers chains of handovers and the daily limit, all waiting for late capacity', () => {
    // Police holds no guards until 12 Jan (day 2), then 50: every site starts on day 2 or later.
    const late = (chain: boolean, limit?: number) => {
      const s = twoSites();
      s.agencies[0]!.capacity = [
        { from: '2030-01-10', guards: 0 },
        { from: '2030-01-12', guards: 50 },
      ];
      s.sites.push({ ...s.sites[1]!, id: 'c', name: 'C' });
      if (chain) {
        s.sites[1]!.after = ['a'];
        s.sites[2]!.after = ['b'];
      }
      if (limit) s.rules = { max_handovers_per_day: limit };
      const v = valid(s);
      const p = buildProblem(v);
      return {
        horizon: feasibilityHorizon(p, earliestStarts(p, topologicalOrder(p))),
        w: bruteForceOptimum(v, 12)?.w,
      };
    };
    // a → b → c, one day of joint guard each: starts on days 2, 3, 4, the last transfer on day 5. Three levels
    // from E + 1 + d = 4, one day each: 7 (without a day per level, 4 would be too early).
    expect(late(true)).toEqual({ horizon: 7, w: 5 });
    // No order, one a day: starts on days 2, 3, 4, withdrawal on day 5; one level over three days: 4 + 2 + 1.
    expect(late(false, 1)).toEqual({ horizon: 7, w: 5 });
    // No order, no limit: all three on day 2, withdrawal on day 3; the horizon 5 whatever the number of sites.
    expect(late(false)).toEqual({ horizon: 5, w: 3 });
  });

  it('without a deadline, some plan withdraws by the feasibility horizon if any plan exists (brute force beyond it)', () => {
    let checked = 0;
    let none = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 3 }), (seed, sites) => {
        const s = valid(randomScenario(seed, { ...tiny, sites, span: 6 }));
        delete s.operation.deadline;
        const p = buildProblem(s);
        const order = topologicalOrder(p);
        if (order.length < p.sites.length) return; // a precedence cycle: nothing to plan
        const horizon = feasibilityHorizon(p, earliestStarts(p, order));
        // Start days up to six past the horizon: the earliest withdrawal must lie within it.
        const best = bruteForceOptimum(s, horizon + 6);
        if (!best) {
          none++;
          return;
        }
        checked++;
        expect(best.w).toBeLessThanOrEqual(horizon);
      }),
      { numRuns: 150, seed: 20261202 },
    );
    expect(checked).toBeGreaterThan(50);
    expect(none).toBeGreaterThan(0);
  }, 120_000);

  it('plans from every stage pass the checker: heuristics alone, and refinement a few units at a time', async () => {
    let refined = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.boolean(),
        async (seed, heuristicsOnly) => {
          // Refinement runs on operations too large for the release-day proof (over 24 units).
          const s = generateOperation((heuristicsOnly ? 40 : 100) + (seed % 40), seed);
          const plan = await planHandovers(
            s,
            heuristicsOnly
              ? // no MIP: bounds from the LP or the Lagrangian relaxation alone, at random
                {
                  timeLimitMs: 1500,
                  exactColumnLimit: 0,
                  lpColumnLimit: seed % 2 ? 0 : 60_000,
                  fullMipColumnLimit: 0,
                }
              : {
                  timeLimitMs: 2500,
                  fullMipColumnLimit: 0,
                  neighbourhoodSites: 15,
                  neighbourhoodMs: 300,
                  onProgress: (p) => {
                    if (p.phase === 'refine') refined++;
                  },
                },
          );
          expect(checkPlan(s, plan)).toEqual([]);
        },
      ),
      { numRuns: 8, seed: 11 },
    );
    expect(refined).toBeGreaterThan(0);
  }, 120_000);

  it('larger random plans pass the checker', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
        const s = valid(
          randomScenario(seed, { sites: 40, agencies: 3, units: 6, contingents: 3, features: 0.15, span: 6 }),
        );
        const plan = await planHandovers(s, { timeLimitMs: 2000 });
        expect(checkPlan(s, plan)).toEqual([]);
        if (plan.status === 'infeasible') expect(plan.reasons.length).toBeGreaterThan(0);
      }),
      { numRuns: 25, seed: 7 },
    );
  }, 120_000);
});

describe('relaxations and bounds', () => {
  it('the agency-aggregated LP, its MIP and its Lagrangian bound (LP duals or any prices) never exceed the optimum', async () => {
    let checked = 0;
    const runner = new HighsRunner();
    try {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
          const s = valid(randomScenario(seed, { ...tiny, sites: 4, agencies: 3 }));
          const best = bruteForceOptimum(s, 12);
          if (!best) return;
          const p = buildProblem(s);
          const order = topologicalOrder(p);
          const es = earliestStarts(p, order);
          const ls = latestStarts(p, order, best.w);
          const m = buildTimeIndexedModel(p, es, ls, best.w, undefined, true, undefined, true);
          const lp = await runner.solve(m.model, { timeLimitMs: 10_000, mip: false, duals: true });
          expect(lp.kind).toBe('optimal');
          if (lp.kind !== 'optimal' || !lp.rowDual) return;
          checked++;
          expect(lp.objective).toBeLessThanOrEqual(best.pd + 1e-6);
          // As a MIP (the planner's proof step on small models) it stays a relaxation too.
          const compact = buildTimeIndexedModel(p, es, ls, best.w, undefined, false, undefined, true);
          const mip = await runner.solve(compact.model, { timeLimitMs: 10_000, mip: true });
          expect(mip.kind).toBe('optimal');
          if (mip.kind === 'optimal') expect(mip.bound).toBeLessThanOrEqual(best.pd + 1e-6);
          let minDay = Infinity;
          let maxDay = -Infinity;
          for (const site of p.sites) {
            minDay = Math.min(minDay, es[site.index] ?? 0);
            maxDay = Math.max(maxDay, ls[site.index] ?? 0);
          }
          const rows = familyCapacityRows(p, minDay, maxDay);
          const arcs = p.sites.flatMap((site) => site.preds.map((h) => ({ site: site.index, pred: h })));
          const dual = lp.rowDual;
          const fromLp = {
            lambda: Float64Array.from(
              rows.map((r) => {
                const row = m.familyRows.find((x) => x.mask === r.mask && x.day === r.day);
                return row ? Math.max(0, -(dual[row.row] ?? 0)) : 0;
              }),
            ),
            mu: Float64Array.from({ length: maxDay - minDay + 1 }, (_, k) => {
              const row = m.throughputRows.find((x) => x.day === k + minDay);
              return row ? Math.max(0, -(dual[row.row] ?? 0)) : 0;
            }),
            nu: Float64Array.from(
              arcs.map((q) => {
                const row = m.precedenceRows.find((x) => x.site === q.site && x.pred === q.pred);
                return row ? Math.max(0, dual[row.row] ?? 0) : 0;
              }),
            ),
          };
          let r = seed;
          const random = () => ((r = (r * 1103515245 + 12345) & 0x7fffffff) / 0x80000000) * 50;
          const arbitrary = {
            lambda: Float64Array.from(rows, () => random() / 10),
            mu: Float64Array.from({ length: maxDay - minDay + 1 }, random),
            nu: Float64Array.from(arcs, random),
          };
          for (const prices of [fromLp, arbitrary]) {
            const b = familyLagrangeBound(
              p,
              es,
              ls,
              best.w,
              rows,
              prices.lambda,
              minDay,
              prices.mu,
              arcs,
              prices.nu,
              best.pd,
              Date.now() + 20,
            );
            expect(b).toBeDefined();
            expect(b?.bound ?? Infinity).toBeLessThanOrEqual(best.pd + 1e-6);
          }
          // With the LP's own prices the bound comes within the LP's tolerances of the LP.
          const atLp = familyLagrangeBound(
            p,
            es,
            ls,
            best.w,
            rows,
            fromLp.lambda,
            minDay,
            fromLp.mu,
            arcs,
            fromLp.nu,
            best.pd,
            0,
          );
          expect(atLp?.bound ?? -Infinity).toBeGreaterThanOrEqual(
            lp.objective - 1e-4 * Math.max(1, lp.objective),
          );
        }),
        { numRuns: 40, seed: 424242 },
      );
    } finally {
      await runner.close();
    }
    expect(checked).toBeGreaterThan(10);
  }, 120_000);

  it('plans guided by the aggregated LP or by group LPs pass the checker, with bounds below the objective', async () => {
    for (const [seed, options] of [
      [5, { timeLimitMs: 4000, fullMipColumnLimit: 100 }],
      [6, { timeLimitMs: 4000, groupLpSites: 40, roundingColumnLimit: 0 }],
    ] as const) {
      const s = generateOperation(150, seed);
      const plan = await planHandovers(s, options);
      expect(checkPlan(s, plan)).toEqual([]);
      expect(plan.status).not.toBe('infeasible');
      const o = plan.objective;
      const b = plan.bound;
      expect(b?.withdrawal_day).toBeLessThanOrEqual(o?.withdrawal_day ?? -1);
      expect(b?.force_person_days).toBeLessThanOrEqual(o?.force_person_days ?? -1);
    }
  }, 60_000);
});
