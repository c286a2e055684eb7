/**
 * What the person-days goal (0.5 % of the bound in 2 s) is up against on one generated operation, by default
 * the bench's 200-site one (docs/adr/0004, "Measured and dropped"): the planner's plan; the LP bound with
 * agencies open and fixed, and how many units its release days leave fractional; HiGHS on the whole model
 * with W fixed, after a short and a long run (incumbent and bound); the agency-open MIP solved to optimality
 * (a valid bound), and whether its start days or its release days can be kept with fixed agencies.
 *
 *   npm run bench:plan-bounds              200 sites, long run 60 s (about 2.5 minutes in all)
 *   npm run bench:plan-bounds -- 200 20    sites, long run in seconds
 */
import { earliestStarts, latestStarts, topologicalOrder } from '../src/core/plan/analysis.ts';
import { buildTimeIndexedModel, type TimeIndexedModel } from '../src/core/plan/exact.ts';
import { HighsRunner, type SolveOutcome } from '../src/core/plan/highs-runner.ts';
import { planHandovers } from '../src/core/plan/planner.ts';
import { buildProblem } from '../src/core/plan/problem.ts';
import { machineInfo } from './lib/machine.ts';
import { generateOperation } from './plan.ts';

const sites = Number(process.argv[2] ?? 200);
const longMs = Number(process.argv[3] ?? 60) * 1000;
const shortMs = Math.min(10_000, longMs);

const fmt = (x: number | undefined) => (x === undefined ? '—' : Math.round(x).toLocaleString('en-US'));
const pct = (a: number, b: number) => `${(((a - b) / b) * 100).toFixed(2)} %`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function timed(
  runner: HighsRunner,
  m: TimeIndexedModel,
  mip: boolean,
  limitMs: number,
): Promise<{ out: SolveOutcome; ms: number }> {
  const t0 = performance.now();
  const out = await runner.solve(m.model, { timeLimitMs: limitMs, mip });
  return { out, ms: performance.now() - t0 };
}

const incumbent = (o: SolveOutcome) => (o.kind === 'optimal' || o.kind === 'limit' ? o.objective : undefined);
const dualBound = (o: SolveOutcome) => (o.kind === 'optimal' || o.kind === 'limit' ? o.bound : undefined);

async function main(): Promise<void> {
  const info = machineInfo();
  console.log(
    `machine: ${info.cpu}, ${info.cores} cores, ${info.memoryGiB} GiB, node ${info.node}, load ${info.loadavg.map((l) => l.toFixed(2)).join(' ')}`,
  );
  const scenario = generateOperation(sites);
  const t0 = performance.now();
  const plan = await planHandovers(scenario, { timeLimitMs: 2000 });
  const planMs = performance.now() - t0;
  if (!plan.objective || !plan.bound) throw new Error(`the planner found no plan (${plan.status})`);
  const w = plan.objective.withdrawal_day;
  const planned = plan.objective.force_person_days;
  console.log(
    `${sites} sites: the planner in ${seconds(planMs)}: W = ${w} (bound ${plan.bound.withdrawal_day}), person-days ${fmt(planned)} (bound ${fmt(plan.bound.force_person_days)}, ${pct(planned, plan.bound.force_person_days)})`,
  );

  const p = buildProblem(scenario);
  const order = topologicalOrder(p);
  const es = earliestStarts(p, order);
  const ls = latestStarts(p, order, w);
  // Long runs: HiGHS on its optimised code (the planner's short runs stay on the baseline tier).
  const runner = new HighsRunner(Date.now() + 4 * longMs + 600_000, false);
  try {
    const open = buildTimeIndexedModel(p, es, ls, w, undefined, true, undefined, true);
    const fixed = buildTimeIndexedModel(p, es, ls, w, undefined, true, undefined, false);
    const lpOpen = await timed(runner, open, false, 60_000);
    const lpFixed = await timed(runner, fixed, false, 60_000);
    let fractional = 0;
    if (lpOpen.out.kind === 'optimal')
      for (const u of p.units) {
        const z0 = open.zCol[u.index] ?? -1;
        if (z0 < 0) continue;
        for (let k = 0; k < w - (open.releaseFloor[u.index] ?? 0); k++) {
          const v = lpOpen.out.colValue[z0 + k] ?? 0;
          if (v > 1e-6 && v < 1 - 1e-6) {
            fractional++;
            break;
          }
        }
      }
    // Person-days are whole: a bound rounds up (with a margin for the simplex's tolerances).
    const up = (x: number | undefined) =>
      x === undefined ? undefined : Math.ceil(x - Math.abs(x) * 1e-6 - 1e-6);
    const lpBound = up(incumbent(lpOpen.out));
    console.log(
      `LP bound, agencies open: ${fmt(lpBound)} (${seconds(lpOpen.ms)}; ${fractional} of ${p.units.filter((u) => u.sites.length).length} units with fractional release days); agencies fixed: ${fmt(up(incumbent(lpFixed.out)))} (${seconds(lpFixed.ms)})`,
    );

    let optimum: number | undefined;
    for (const limit of [shortMs, longMs]) {
      const r = await timed(runner, fixed, true, limit);
      const inc = incumbent(r.out);
      const b = up(dualBound(r.out));
      if (r.out.kind === 'optimal') optimum = inc;
      console.log(
        `HiGHS, whole model, W fixed, ${seconds(limit)}: ` +
          (r.out.kind === 'optimal'
            ? `optimal ${fmt(inc)} after ${seconds(r.ms)}`
            : `plan ${fmt(inc)}, bound ${fmt(b)}${inc !== undefined && b !== undefined ? ` (${pct(inc, b)} apart)` : ''}`),
      );
      if (r.out.kind === 'optimal') break;
    }

    const agg = await timed(runner, open, true, longMs);
    const aggValue = incumbent(agg.out);
    console.log(
      `agency-open MIP: ${agg.out.kind === 'optimal' ? `optimal ${fmt(aggValue)}` : `plan ${fmt(aggValue)}, bound ${fmt(dualBound(agg.out))}`} in ${seconds(agg.ms)} (a bound for the whole problem)`,
    );
    const x = agg.out.kind === 'optimal' || agg.out.kind === 'limit' ? agg.out.colValue : undefined;
    if (x) {
      // Its start days, then its release days, kept in the model with fixed agencies.
      const start = new Int32Array(p.sites.length).fill(-1);
      for (let j = 0; j < open.numX; j++)
        if ((x[j] ?? 0) > 0.5) start[open.colSite[j] ?? 0] = open.colDay[j] ?? 0;
      const byStart = buildTimeIndexedModel(p, es, ls, w, undefined, true, undefined, false);
      for (let j = 0; j < byStart.numX; j++)
        if (byStart.colDay[j] !== start[byStart.colSite[j] ?? 0]) byStart.model.colUpper[j] = 0;
      const byRelease = buildTimeIndexedModel(p, es, ls, w, undefined, true, undefined, false);
      for (const u of p.units) {
        const from = open.zCol[u.index] ?? -1;
        const to = byRelease.zCol[u.index] ?? -1;
        if (from < 0 || to < 0) continue;
        for (let k = 0; k < w - (open.releaseFloor[u.index] ?? 0); k++) {
          const v = Math.round(x[from + k] ?? 0);
          byRelease.model.colLower[to + k] = v;
          byRelease.model.colUpper[to + k] = v;
        }
      }
      const s = await timed(runner, byStart, true, 20_000);
      const r = await timed(runner, byRelease, true, 20_000);
      const said = (o: SolveOutcome) =>
        o.kind === 'infeasible'
          ? 'no plan'
          : o.kind === 'failed'
            ? `failed (${o.message})`
            : `plan ${fmt(incumbent(o))}`;
      console.log(
        `with fixed agencies, its start days kept: ${said(s.out)}; its release days kept: ${said(r.out)}`,
      );
    }
    if (lpBound !== undefined) {
      console.log(
        `0.5 % of the LP bound needs a plan of at most ${fmt(Math.floor(lpBound * 1.005))}` +
          (aggValue !== undefined && agg.out.kind === 'optimal'
            ? `; 0.5 % of the agency-open optimum, at most ${fmt(Math.floor(aggValue * 1.005))}`
            : ''),
      );
      if (optimum !== undefined)
        console.log(
          `the optimum, ${fmt(optimum)}, is ${pct(optimum, lpBound)} above the LP bound: within 0.5 % of a bound needs a bound of at least ${fmt(Math.ceil(optimum / 1.005))}`,
        );
    }
  } finally {
    await runner.close();
  }
}

await main();
