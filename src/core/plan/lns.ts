import { buildTimeIndexedModel, columnsToSchedule, scheduleToColumns } from './exact.ts';
import type { Schedule } from './greedy.ts';
import type { HighsRunner } from './highs-runner.ts';
import type { PlanningProblem, ProblemAgency, ProblemSite, ProblemUnit } from './problem.ts';

/**
 * Large-neighbourhood search with HiGHS: free the sites of a few units, keep every other site where the
 * current plan has it, and solve the time-indexed MIP of the freed part exactly (capacity and daily limit
 * reduced by the fixed sites, windows narrowed by fixed predecessors and successors). The caller keeps
 * a result only after checking the whole plan.
 */
export async function improveUnitsWithMip(
  p: PlanningProblem,
  es: Int32Array,
  ls: Int32Array,
  w: number,
  current: Schedule,
  freeUnits: readonly number[],
  runner: HighsRunner,
  timeLimitMs: number,
  /** Time-indexed release rows (a tighter LP, larger model) instead of the compact ones. */
  strongRelease = false,
): Promise<Schedule | undefined> {
  const free = new Uint8Array(p.sites.length);
  const freeSites: number[] = [];
  for (const u of freeUnits)
    for (const f of p.units[u]?.sites ?? [])
      if (!free[f]) {
        free[f] = 1;
        freeSites.push(f);
      }
  if (!freeSites.length) return undefined;
  const local = new Map(freeSites.map((f, i) => [f, i]));

  // Fixed sites' usage per agency and day, and starts per day.
  let minDay = 0;
  let maxDay = w;
  for (const s of p.sites) minDay = Math.min(minDay, current.start[s.index] ?? 0);
  for (const a of p.agencies) for (const st of a.effective) maxDay = Math.max(maxDay, st.day);
  const offset = -minDay;
  const H = maxDay + offset + 1;
  const fixedUse = p.agencies.map(() => new Float64Array(H));
  const fixedStarts = new Map<number, number>();
  for (const s of p.sites) {
    if (free[s.index]) continue;
    const t = current.start[s.index] ?? 0;
    const a = current.agency[s.index] ?? 0;
    const use = fixedUse[a];
    if (use) for (let k = Math.max(0, t + offset); k < H; k++) use[k] = (use[k] ?? 0) + s.guards;
    fixedStarts.set(t, (fixedStarts.get(t) ?? 0) + 1);
  }
  // Residual capacity, as effective (non-decreasing) steps from day 0.
  const agencies: ProblemAgency[] = p.agencies.map((a) => {
    const residual: number[] = [];
    for (let t = 0; t <= maxDay; t++) {
      let c = 0;
      for (const st of a.effective) if (st.day <= t) c = st.guards;
      residual.push(c - (fixedUse[a.index]?.[t + offset] ?? 0));
    }
    for (let t = residual.length - 2; t >= 0; t--)
      residual[t] = Math.min(residual[t] ?? 0, residual[t + 1] ?? 0);
    const effective: { day: number; guards: number }[] = [];
    residual.forEach((g, t) => {
      if (!effective.length || effective[effective.length - 1]?.guards !== g)
        effective.push({ day: t, guards: g });
    });
    return { ...a, effective, finalGuards: residual[residual.length - 1] ?? 0 };
  });
  if (agencies.some((a) => a.effective.some((st) => st.guards < 0))) return undefined;

  const unitsLocal: ProblemUnit[] = freeUnits.map((u, i) => {
    const unit = p.units[u];
    return {
      index: i,
      id: unit?.id ?? '',
      strength: unit?.strength ?? 0,
      contingent: unit?.contingent ?? 0,
      sites: (unit?.sites ?? []).map((f) => local.get(f) ?? 0),
    };
  });
  const esL = new Int32Array(freeSites.length);
  const lsL = new Int32Array(freeSites.length);
  const sites: ProblemSite[] = freeSites.map((f, i) => {
    const s = p.sites[f];
    if (!s) throw new Error('site');
    let lo = es[f] ?? 0;
    let hi = ls[f] ?? 0;
    for (const h of s.preds)
      if (!free[h]) lo = Math.max(lo, (current.start[h] ?? 0) + (p.sites[h]?.overlap ?? 0));
    for (const g of s.succs) if (!free[g]) hi = Math.min(hi, (current.start[g] ?? 0) - s.overlap);
    esL[i] = lo;
    lsL[i] = hi;
    return {
      ...s,
      index: i,
      unit: freeUnits.indexOf(s.unit),
      preds: s.preds.filter((h) => free[h]).map((h) => local.get(h) ?? 0),
      succs: s.succs.filter((g) => free[g]).map((g) => local.get(g) ?? 0),
    };
  });
  for (let i = 0; i < freeSites.length; i++) if ((lsL[i] ?? 0) < (esL[i] ?? 0)) return undefined;
  const sub: PlanningProblem = { ...p, sites, agencies, units: unitsLocal, contingents: [] };
  const m = buildTimeIndexedModel(sub, esL, lsL, w, undefined, strongRelease, (t) =>
    Number.isFinite(p.throughput) ? p.throughput - (fixedStarts.get(t) ?? 0) : Infinity,
  );
  const incumbent: Schedule = {
    start: Int32Array.from(freeSites.map((f) => current.start[f] ?? 0)),
    agency: Int32Array.from(freeSites.map((f) => current.agency[f] ?? 0)),
  };
  const out = await runner.solve(m.model, {
    timeLimitMs,
    mip: true,
    solution: scheduleToColumns(m, sub, incumbent),
  });
  const x = out.kind === 'optimal' || out.kind === 'limit' ? out.colValue : undefined;
  if (!x) return undefined;
  const subSchedule = columnsToSchedule(m, sub, x);
  const start = Int32Array.from(current.start);
  const agency = Int32Array.from(current.agency);
  freeSites.forEach((f, i) => {
    start[f] = subSchedule.start[i] ?? 0;
    agency[f] = subSchedule.agency[i] ?? 0;
  });
  return { start, agency };
}
