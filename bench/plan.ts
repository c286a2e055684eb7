/**
 * Planner benchmark: generated operations of 50, 200, 1,000 and 5,000 sites (fixed seeds). For each size,
 * in a fresh child process so that peak memory is the run's own: the planner, then HiGHS alone on the
 * time-indexed model with a single weighted objective (big-M·W + person-days), with the same time limit,
 * then HiGHS alone again until it reaches the planner's objective (its objective_target), capped at ten
 * times the planner's wall time and at BENCH_PLAN_HIGHS_CAP_MS (default 60 s): "> cap" when it does not.
 *
 *   npm run bench:plan                 all sizes
 *   npm run bench:plan -- 50 200       chosen sizes
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { addDays } from '../src/core/dates.ts';
import { earliestStarts, topologicalOrder, latestStarts } from '../src/core/plan/analysis.ts';
import { buildTimeIndexedModel, countTimeIndexedColumns } from '../src/core/plan/exact.ts';
import { HighsRunner } from '../src/core/plan/highs-runner.ts';
import { planHandovers } from '../src/core/plan/planner.ts';
import { buildProblem } from '../src/core/plan/problem.ts';
import type { Scenario, ScenarioSite } from '../src/core/scenario/schema.ts';
import { validateScenario } from '../src/core/scenario/validate.ts';
import { SECTORS } from '../src/core/vocabulary.ts';
import { rng } from './lib/rng.ts';

const SIZES = [50, 200, 1000, 5000];
/** The goals' limits: 2 s up to 1,000 sites, 15 s above; BENCH_PLAN_LIMIT_MS overrides them all. */
const timeLimitMs = (n: number) => Number(process.env['BENCH_PLAN_LIMIT_MS'] ?? (n <= 1000 ? 2000 : 15000));

/** A generated operation of n sites: four agencies ramping up over a week, gates, precedence, a daily limit. */
export function generateOperation(n: number, seed = 1000 + n): Scenario {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const start = '2030-03-01';
  const unitsCount = Math.max(2, Math.round(n / 4));
  const contingentsCount = Math.max(1, Math.min(8, Math.round(unitsCount / 5)));
  const contingents = [...Array(contingentsCount).keys()].map((c) => ({
    id: `C${c + 1}`,
    nation: `Nation ${c + 1}`,
    units: [] as { id: string; name: string; strength: number }[],
  }));
  for (let u = 0; u < unitsCount; u++)
    contingents[u % contingentsCount]?.units.push({
      id: `u${u + 1}`,
      name: `Unit ${u + 1}`,
      strength: int(60, 400),
    });
  const sites: ScenarioSite[] = [];
  let total = 0;
  for (let i = 0; i < n; i++) {
    const guards = int(4, 30);
    total += guards;
    const site: ScenarioSite = {
      id: `s${i + 1}`,
      name: `Site ${i + 1}`,
      sector: SECTORS[int(0, SECTORS.length - 1)] ?? 'other',
      criticality: int(1, 5),
      district: 'Centre',
      guards,
      guarded_by: `u${int(1, unitsCount)}`,
      overlap_days: int(0, 2),
    };
    if (r() < 0.15) site.not_before = addDays(start, int(1, 4));
    if (i > 0 && r() < 0.05) site.after = [`s${int(Math.max(1, i - 50), i)}`];
    sites.push(site);
  }
  // Capacity ramps up in steps to 110 % of the total; the broad agency takes every criticality.
  const share = [0.4, 0.25, 0.2, 0.15];
  const agencies = share.map((sh, a) => {
    const final = Math.ceil(total * 1.1 * sh);
    const days = [0, 1, 3, 5];
    const fractions = [0.15, 0.4, 0.7, 1];
    return {
      id: `ag${a + 1}`,
      name: `Agency ${a + 1}`,
      capacity: days.map((d, k) => ({
        from: addDays(start, d + (a % 2)),
        guards: Math.ceil(final * (fractions[k] ?? 1)),
      })),
      ...(a === 0 ? {} : { max_criticality: a === 1 ? 4 : 3 }),
    };
  });
  const scenario: Scenario = {
    version: 1,
    operation: { name: `generated ${n}`, area: 'Benchland', start, timezone: 'UTC', languages: ['en'] },
    rules: { max_handovers_per_day: Math.ceil(n / 6) },
    force: { name: 'Force', contingents },
    agencies,
    sites,
  };
  const check = validateScenario(scenario);
  if (!check.ok) throw new Error(JSON.stringify(check.problems.slice(0, 3)));
  return check.scenario;
}

interface Row {
  sites: number;
  who: string;
  ms: number;
  peakMb: number;
  w: string;
  wBound: string;
  pd: string;
  pdBound: string;
  gap: string;
  status: string;
  /** HiGHS alone to the planner's objective: whether it got there within the cap. */
  reached?: boolean;
}

async function runPlanner(n: number): Promise<Row> {
  const scenario = generateOperation(n);
  const t0 = performance.now();
  const plan = await planHandovers(scenario, { timeLimitMs: timeLimitMs(n) });
  const ms = performance.now() - t0;
  const o = plan.objective;
  const b = plan.bound;
  return {
    sites: n,
    who: 'planner',
    ms,
    peakMb: process.resourceUsage().maxRSS / 1024,
    w: String(o?.withdrawal_day ?? '-'),
    wBound: String(b?.withdrawal_day ?? '-'),
    pd: String(o?.force_person_days ?? '-'),
    pdBound: String(b?.force_person_days ?? '-'),
    gap:
      o && b && b.withdrawal_day === o.withdrawal_day
        ? pct(o.force_person_days, b.force_person_days)
        : o
          ? 'W open'
          : '-',
    status: plan.status,
  };
}

/** HiGHS alone until its incumbent is as good as (W, person-days), or `capMs`. */
async function runHighsToTarget(n: number, w: number, pd: number, capMs: number): Promise<Row> {
  return runHighsAlone(n, { w, pd, capMs });
}

async function runHighsAlone(n: number, target?: { w: number; pd: number; capMs: number }): Promise<Row> {
  const scenario = generateOperation(n);
  const t0 = performance.now();
  const p = buildProblem(scenario);
  const order = topologicalOrder(p);
  const es = earliestStarts(p, order);
  let w0 = 0;
  for (const s of p.sites) w0 = Math.max(w0, (es[s.index] ?? 0) + s.overlap);
  // A horizon wide enough for these operations (capacity is complete by day 6).
  const horizon = Math.max(w0, 6) + 6;
  const ls = latestStarts(p, order, horizon);
  const strength = p.units.reduce((acc, u) => acc + u.strength, 0);
  const bigM = strength * (horizon + 1) + 1;
  const m = buildTimeIndexedModel(p, es, ls, horizon, bigM);
  const runner = new HighsRunner();
  const out = await runner.solve(m.model, {
    timeLimitMs: target
      ? Math.max(100, target.capMs - (performance.now() - t0))
      : Math.max(100, timeLimitMs(n) - (performance.now() - t0)),
    mip: true,
    // Stop at an incumbent as good as the planner's: bigM·W + person-days at most the planner's.
    ...(target ? { options: { objective_target: bigM * target.w + target.pd + 0.5 } } : {}),
  });
  await runner.close();
  const ms = performance.now() - t0;
  let w = '-';
  let pd = '-';
  let wBound = '-';
  let pdBound = '-';
  let gap = '-';
  const x = out.kind === 'optimal' || out.kind === 'limit' ? out.colValue : undefined;
  const wCol = m.model.numCols - 1;
  if (x) {
    const wv = Math.round(x[wCol] ?? 0);
    let pdv = 0;
    for (const u of p.units) {
      const j = m.unitCol[u.index] ?? -1;
      if (j >= 0) pdv += u.strength * Math.round(x[j] ?? 0);
    }
    w = String(wv);
    pd = String(pdv);
  }
  const bound = out.kind === 'optimal' ? out.bound : out.kind === 'limit' ? out.bound : undefined;
  if (bound !== undefined) {
    const bw = Math.floor((bound + 1e-6) / bigM);
    wBound = String(bw);
    pdBound = String(Math.max(0, Math.ceil(bound - bw * bigM - 1e-6)));
    if (x && String(bw) === w) gap = pct(Number(pd), Number(pdBound));
    else if (x) gap = 'W open';
  }
  const reached =
    target !== undefined &&
    w !== '-' &&
    (Number(w) < target.w || (Number(w) === target.w && Number(pd) <= target.pd));
  return {
    sites: n,
    who: target
      ? `HiGHS alone to the planner's objective (cap ${(target.capMs / 1000).toFixed(0)} s)`
      : `HiGHS alone (${countTimeIndexedColumns(p, es, ls)} cols)`,
    ms,
    peakMb: process.resourceUsage().maxRSS / 1024,
    w,
    wBound,
    pd,
    pdBound,
    gap,
    ...(target ? { reached } : {}),
    status: target
      ? reached
        ? 'reached'
        : 'not reached'
      : out.kind === 'optimal'
        ? 'optimal'
        : out.kind === 'limit'
          ? x
            ? 'feasible (limit)'
            : 'no solution (limit)'
          : out.kind,
  };
}

function pct(value: number, bound: number): string {
  if (bound <= 0) return value === 0 ? '0.00 %' : '-';
  return `${(((value - bound) / bound) * 100).toFixed(2)} %`;
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--one') {
    const n = Number(args[1]);
    const row =
      args[2] === 'highs'
        ? await runHighsAlone(n)
        : args[2] === 'target'
          ? await runHighsToTarget(n, Number(args[3]), Number(args[4]), Number(args[5]))
          : await runPlanner(n);
    process.stdout.write(JSON.stringify(row) + '\n');
    return;
  }
  const sizes = args.length ? args.map(Number) : SIZES;
  const cpu = os.cpus()[0];
  console.log(
    `machine: ${cpu?.model ?? 'unknown cpu'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, ${os.platform()} ${os.release()}`,
  );
  console.log(
    `time limit: ${process.env['BENCH_PLAN_LIMIT_MS'] ? `${timeLimitMs(0)} ms` : '2 s up to 1,000 sites, 15 s at 5,000'}; each run in a fresh process (peak = its max RSS)\n`,
  );
  const header = [
    'sites',
    'solver',
    'wall ms',
    'peak MiB',
    'W',
    'W bound',
    'person-days',
    'PD bound',
    'PD gap',
    'status',
  ];
  const rows: string[][] = [];
  const self = fileURLToPath(import.meta.url);
  const capLimit = Number(process.env['BENCH_PLAN_HIGHS_CAP_MS'] ?? 60_000);
  const speedups: string[] = [];
  const run = (args: string[]): Row => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', self, '--one', ...args], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    return JSON.parse(out.trim().split('\n').pop() ?? '{}') as Row;
  };
  const show = (row: Row, ms?: string) => {
    rows.push([
      String(row.sites),
      row.who,
      ms ?? row.ms.toFixed(0),
      row.peakMb.toFixed(0),
      row.w,
      row.wBound,
      row.pd,
      row.pdBound,
      row.gap,
      row.status,
    ]);
    console.log(rows[rows.length - 1]?.join(' | '));
  };
  for (const n of sizes) {
    const planner = run([String(n), 'planner']);
    show(planner);
    show(run([String(n), 'highs']));
    if (planner.w === '-') continue;
    const cap = Math.min(capLimit, Math.max(1000, planner.ms * 10));
    const target = run([String(n), 'target', planner.w, planner.pd, String(Math.round(cap))]);
    show(target, target.reached ? target.ms.toFixed(0) : `> ${cap.toFixed(0)}`);
    speedups.push(
      `${n} sites: HiGHS alone ${target.reached ? `took ${(target.ms / planner.ms).toFixed(1)}×` : `did not reach it in ${(cap / planner.ms).toFixed(1)}×`} the planner's time to reach the planner's plan`,
    );
  }
  console.log('\n| ' + header.join(' | ') + ' |');
  console.log('|' + header.map(() => '---').join('|') + '|');
  for (const r of rows) console.log('| ' + r.join(' | ') + ' |');
  console.log('\n' + speedups.join('\n'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
