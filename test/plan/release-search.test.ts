import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { earliestStarts, latestStarts, topologicalOrder } from '../../src/core/plan/analysis.ts';
import { buildTimeIndexedModel } from '../../src/core/plan/exact.ts';
import { HighsRunner } from '../../src/core/plan/highs-runner.ts';
import { buildProblem } from '../../src/core/plan/problem.ts';
import { ReleaseSearch } from '../../src/core/plan/release-search.ts';
import { parseScenario } from '../../src/core/scenario/io.ts';
import { validateScenario } from '../../src/core/scenario/validate.ts';
import { generateOperation } from '../../bench/plan.ts';
import { rng } from '../../bench/lib/rng.ts';
import { planHandovers } from '../../src/core/plan/planner.ts';
import { bruteForceOptimum } from './brute-force.ts';
import { checkPlan } from './checker.ts';
import { randomScenario } from './generate.ts';

const searchFor = (scenario: Parameters<typeof buildProblem>[0], w: number) => {
  const p = buildProblem(scenario);
  const order = topologicalOrder(p);
  return ReleaseSearch.create(p, earliestStarts(p, order), order, w);
};

describe('release-day search (the person-days bound of small operations)', () => {
  it('never bounds above the exhaustive optimum, and finds the optimum vector when nothing cheaper passes', () => {
    let compared = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 4 }), (seed, sites) => {
        const check = validateScenario(
          randomScenario(seed, { sites, agencies: 2, units: 2, contingents: 2, features: 0.5, span: 3 }),
        );
        if (!check.ok) return;
        const best = bruteForceOptimum(check.scenario, 12);
        if (!best) return;
        const rs = searchFor(check.scenario, best.w);
        if (!rs) return;
        compared++;
        // Below the optimum + 1, the cheapest vector that passes costs at most the optimum.
        const found = rs.cheapest(best.pd + 1, Date.now() + 5000);
        expect(found).not.toBe('timeout');
        expect(found).toBeDefined();
        if (found && found !== 'timeout') expect(found.cost).toBeLessThanOrEqual(best.pd);
      }),
      { numRuns: 150, seed: 20261202 },
    );
    expect(compared).toBeGreaterThan(30);
  });

  it('p02 (optimum 10,121 person-days): the bound does not exceed it', () => {
    const parsed = parseScenario(
      readFileSync(new URL('../../../shared/scenarios/p02-capacity-bound.yaml', import.meta.url), 'utf8'),
      'yaml',
    );
    if (!parsed.ok) throw new Error('p02 does not parse');
    const rs = searchFor(parsed.scenario, 6);
    const found = rs?.cheapest(10_122, Date.now() + 5000);
    expect(found).toBeDefined();
    if (found && found !== 'timeout') expect(found.cost).toBeLessThanOrEqual(10_121);
  });
});

describe('the planner with release vectors settled one by one', () => {
  it('proves the optimum of the 50-site bench operation (5,961 person-days; HiGHS alone proves the same in 5–9 s)', async () => {
    const scenario = generateOperation(50);
    const plan = await planHandovers(scenario, { timeLimitMs: 10_000 });
    expect(checkPlan(scenario, plan)).toEqual([]);
    expect(plan.status).toBe('optimal');
    expect(plan.objective).toEqual({ withdrawal_day: 6, force_person_days: 5961 });
  });
});

describe('release-vector proofs against HiGHS on the whole model', () => {
  it('a vector refused by the limit-and-capacity check has no plan even with divisible starts (its LP is infeasible)', async () => {
    const runner = new HighsRunner();
    let refused = 0;
    try {
      for (let seed = 1; seed <= 20 && refused < 40; seed++) {
        const p = buildProblem(generateOperation(40, seed));
        const order = topologicalOrder(p);
        const es = earliestStarts(p, order);
        // The lowest W at which every unit released last passes.
        let w = 0;
        let rs: ReleaseSearch | undefined;
        for (; w < 40; w++) {
          rs = ReleaseSearch.create(p, es, order, w);
          if (rs && rs.failedCheck(new Int32Array(p.units.length).fill(w)) === undefined) break;
        }
        if (!rs || w >= 40) continue;
        const random = rng(seed);
        // Walks down to where the checks bind: units, in random order, a day earlier while the other checks
        // pass; each step this check alone refuses is put to the LP.
        for (let walk = 0; walk < 5 && refused < 40; walk++) {
          const rel = new Int32Array(p.units.length).fill(w);
          for (let step = 0; step < 200 && refused < 40; step++) {
            const u = Math.floor(random() * p.units.length);
            rel[u] = (rel[u] ?? 0) - 1;
            const failed = rs.failedCheck(rel);
            if (failed === undefined) continue;
            if (failed === 'limit-and-capacity') {
              refused++;
              const m = buildTimeIndexedModel(p, es, rs.latestStarts(rel), w, undefined, false);
              const lp = await runner.solve(m.model, { timeLimitMs: 10_000, mip: false });
              expect(lp.kind).toBe('infeasible');
            }
            rel[u] = (rel[u] ?? 0) + 1;
          }
        }
      }
    } finally {
      await runner.close();
    }
    expect(refused).toBeGreaterThan(10);
  }, 120_000);

  it('on random operations of 10–30 sites, an optimal plan matches the MIP optimum and no bound exceeds it', async () => {
    const runner = new HighsRunner();
    let compared = 0;
    let proven = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 2 ** 31 - 1 }),
          fc.integer({ min: 10, max: 30 }),
          async (seed, sites) => {
            // The bench's generator (feasible by construction: gates, precedence, a daily limit, criticality
            // limits, zero to two days of joint guard), and a third with pins and deadlines (when feasible).
            const check = validateScenario(
              seed % 3 === 0
                ? randomScenario(seed, {
                    sites,
                    agencies: 3,
                    units: 5,
                    contingents: 2,
                    features: 0.3,
                    span: 4,
                  })
                : generateOperation(sites, seed),
            );
            if (!check.ok) return;
            const plan = await planHandovers(check.scenario, { timeLimitMs: 3000 });
            expect(checkPlan(check.scenario, plan)).toEqual([]);
            if (!plan.objective || !plan.bound) return;
            // The exact optimum at the plan's withdrawal day (proven minimal by the planner's W bound).
            if (plan.bound.withdrawal_day !== plan.objective.withdrawal_day) return;
            const w = plan.objective.withdrawal_day;
            const p = buildProblem(check.scenario);
            const order = topologicalOrder(p);
            const es = earliestStarts(p, order);
            const m = buildTimeIndexedModel(p, es, latestStarts(p, order, w), w, undefined, true);
            const mip = await runner.solve(m.model, { timeLimitMs: 20_000, mip: true });
            if (mip.kind !== 'optimal') return;
            compared++;
            const optimum = Math.round(mip.objective);
            expect(plan.bound.force_person_days).toBeLessThanOrEqual(optimum);
            expect(plan.objective.force_person_days).toBeGreaterThanOrEqual(optimum);
            if (plan.status === 'optimal') {
              proven++;
              expect(plan.objective.force_person_days).toBe(optimum);
            }
          },
        ),
        { numRuns: 25, seed: 20261203 },
      );
    } finally {
      await runner.close();
    }
    expect(compared).toBeGreaterThan(12);
    expect(proven).toBeGreaterThan(8);
  }, 240_000);
});
