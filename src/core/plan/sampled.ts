import { buildTimeIndexedModel } from './exact.ts';
import { LP_WITHOUT_PRESOLVE, type HighsRunner } from './highs-runner.ts';
import type { PlanningProblem, ProblemAgency, ProblemSite, ProblemUnit } from './problem.ts';

/** Prices of the agency-aggregated relaxation's rows, keyed as `familyLagrangeBound` takes them. */
export interface GroupPrices {
  /** λ per capacity row key `${mask}:${day}`. */
  capacity: Map<string, number>;
  /** μ per day. */
  throughput: Map<number, number>;
  /** ν per precedence arc key `${site}:${pred}` (original site indices). */
  precedence: Map<string, number>;
}

export interface GroupGuidance {
  /** LP mean start day per site (its latest start where its group's LP was not solved). */
  meanStart: Float64Array;
  /** 1 for the sites of a group whose LP was solved. */
  solvedSite: Uint8Array;
  /** LP release per unit. */
  release: Float64Array;
  prices: GroupPrices;
  groups: number;
  groupsSolved: number;
}

/**
 * LP guidance for operations too large for one LP in the time limit: the units are split into groups of
 * about `groupSites` sites (precedence kept within a group), each group gets its share of every agency's
 * capacity and of the daily limit, and the agency-aggregated LP of each group is solved in turn. The mean
 * start days guide list scheduling of the whole operation, and the groups' row prices (averaged) are
 * multipliers for a Lagrangian bound of the whole (valid whatever they are). Groups are solved while
 * `until` allows; a group whose LP fails keeps no guidance.
 */
export async function groupLpGuidance(
  p: PlanningProblem,
  es: Int32Array,
  ls: Int32Array,
  w: number,
  runner: HighsRunner,
  groupSites: number,
  until: number,
  /** Solve only this many groups (a sample, for prices alone). */
  maxGroups = Infinity,
): Promise<GroupGuidance | undefined> {
  const n = p.sites.length;
  // Components of units tied by precedence (union-find over units).
  const parent = p.units.map((u) => u.index);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      const px = parent[x] ?? x;
      parent[x] = parent[px] ?? px;
      x = parent[x] ?? x;
    }
    return x;
  };
  for (const s of p.sites)
    for (const h of s.preds) {
      const a = find(s.unit);
      const b = find(p.sites[h]?.unit ?? s.unit);
      if (a !== b) parent[a] = b;
    }
  const comps = new Map<number, number[]>();
  for (const u of p.units) {
    const r = find(u.index);
    const l = comps.get(r) ?? [];
    l.push(u.index);
    comps.set(r, l);
  }
  const k = Math.max(1, Math.round(n / groupSites));
  const groups: number[][] = Array.from({ length: k }, () => []);
  const load = new Float64Array(k);
  const sitesOf = (units: number[]) => units.reduce((acc, u) => acc + (p.units[u]?.sites.length ?? 0), 0);
  // Interleave components so that each group is a fair sample (no ordering by size, which would skew).
  for (const units of comps.values()) {
    let g = 0;
    for (let i = 1; i < k; i++) if ((load[i] ?? 0) < (load[g] ?? 0)) g = i;
    groups[g]?.push(...units);
    load[g] = (load[g] ?? 0) + sitesOf(units);
  }
  const totalGuards = p.sites.reduce((acc, s) => acc + s.guards, 0);
  const meanStart = Float64Array.from(ls);
  const solvedSite = new Uint8Array(n);
  const release = new Float64Array(p.units.length);
  const cap = new Map<string, { sum: number; weight: number }>();
  const thr = new Map<number, { sum: number; weight: number }>();
  const precedence = new Map<string, number>();
  // Every group's model is built and queued on the worker now, so that the worker goes from one to the
  // next while this thread does other work.
  const jobs = groups.slice(0, maxGroups).map((units) => {
    const siteList: number[] = [];
    for (const u of units) siteList.push(...(p.units[u]?.sites ?? []));
    if (!siteList.length) return undefined;
    const local = new Map(siteList.map((f, i) => [f, i]));
    const unitLocal = new Map(units.map((u, i) => [u, i]));
    const guards = siteList.reduce((acc, f) => acc + (p.sites[f]?.guards ?? 0), 0);
    const share = guards / Math.max(1, totalGuards);
    const agencies: ProblemAgency[] = p.agencies.map((a) => ({
      ...a,
      effective: a.effective.map((st) => ({ day: st.day, guards: st.guards * share })),
      finalGuards: a.finalGuards * share,
    }));
    const sites: ProblemSite[] = siteList.map((f, i) => {
      const s = p.sites[f] as ProblemSite;
      return {
        ...s,
        index: i,
        unit: unitLocal.get(s.unit) ?? 0,
        preds: s.preds.filter((h) => local.has(h)).map((h) => local.get(h) ?? 0),
        succs: s.succs.filter((g) => local.has(g)).map((g) => local.get(g) ?? 0),
      };
    });
    const unitsLocal: ProblemUnit[] = units.map((u, i) => ({
      ...(p.units[u] as ProblemUnit),
      index: i,
      sites: (p.units[u]?.sites ?? []).map((f) => local.get(f) ?? 0),
    }));
    const sub: PlanningProblem = {
      ...p,
      sites,
      agencies,
      units: unitsLocal,
      contingents: [],
      throughput: p.throughput * (siteList.length / n),
    };
    const esL = Int32Array.from(siteList.map((f) => es[f] ?? 0));
    const lsL = Int32Array.from(siteList.map((f) => ls[f] ?? 0));
    const m = buildTimeIndexedModel(sub, esL, lsL, w, undefined, true, undefined, true);
    const out = runner.solve(m.model, {
      timeLimitMs: 0,
      deadlineAt: until,
      mip: false,
      duals: true,
      options: LP_WITHOUT_PRESOLVE,
    });
    return { units, siteList, m, out };
  });
  let solved = 0;
  let solvedSites = 0;
  for (const job of jobs) {
    if (!job) continue;
    const { units, siteList, m } = job;
    const out = await job.out;
    if (out.kind !== 'optimal' || !out.rowDual) continue;
    solved++;
    solvedSites += siteList.length;
    const x = out.colValue;
    const dual = out.rowDual;
    const sum = new Float64Array(siteList.length);
    const mass = new Float64Array(siteList.length);
    for (let j = 0; j < m.numX; j++) {
      const v = x[j] ?? 0;
      if (v <= 1e-9) continue;
      const f = m.colSite[j] ?? 0;
      sum[f] = (sum[f] ?? 0) + v * (m.colDay[j] ?? 0);
      mass[f] = (mass[f] ?? 0) + v;
    }
    siteList.forEach((f, i) => {
      solvedSite[f] = 1;
      if ((mass[i] ?? 0) > 0) meanStart[f] = (sum[i] ?? 0) / (mass[i] ?? 1);
    });
    units.forEach((u, i) => (release[u] = x[m.unitCol[i] ?? -1] ?? 0));
    // Prices per guard and per handover are comparable across groups; weight them by group size.
    for (const r of m.familyRows) {
      const key = `${r.mask}:${r.day}`;
      const e = cap.get(key) ?? { sum: 0, weight: 0 };
      e.sum += Math.max(0, -(dual[r.row] ?? 0)) * siteList.length;
      e.weight += siteList.length;
      cap.set(key, e);
    }
    for (const r of m.throughputRows) {
      const e = thr.get(r.day) ?? { sum: 0, weight: 0 };
      e.sum += Math.max(0, -(dual[r.row] ?? 0)) * siteList.length;
      e.weight += siteList.length;
      thr.set(r.day, e);
    }
    for (const q of m.precedenceRows)
      precedence.set(`${siteList[q.site] ?? 0}:${siteList[q.pred] ?? 0}`, Math.max(0, dual[q.row] ?? 0));
  }
  if (!solved) return undefined;
  const avg = <K>(mp: Map<K, { sum: number; weight: number }>) =>
    new Map([...mp].map(([key, e]) => [key, e.sum / Math.max(1, solvedSites)] as [K, number]));
  return {
    meanStart,
    solvedSite,
    release,
    prices: { capacity: avg(cap), throughput: avg(thr), precedence },
    groups: jobs.filter((j) => j !== undefined).length,
    groupsSolved: solved,
  };
}
