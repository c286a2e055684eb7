import { addDays } from '../dates.ts';
import type { Scenario } from '../scenario/schema.ts';
import {
  earliestStarts,
  findPrecedenceCycle,
  hallShortfall,
  latestStarts,
  shortfallForW,
  topologicalOrder,
  type Shortfall,
} from './analysis.ts';
import { buildTimeIndexedModel, columnsToSchedule, countTimeIndexedColumns, scheduleToColumns } from './exact.ts';
import { evaluateSchedule, greedySchedule, type Schedule } from './greedy.ts';
import { HighsRunner } from './highs-runner.ts';
import { buildProblem, effectiveCapacity, type PlanningProblem } from './problem.ts';

export type PlanStatus = 'optimal' | 'feasible' | 'infeasible';

export interface PlanReason {
  constraint: 'eligibility' | 'capacity' | 'deadline' | 'precedence' | 'pin' | 'throughput' | 'gate' | 'search';
  message: string;
  sites?: string[];
  agencies?: string[];
  date?: string;
}

/** The plan, exactly as PRODUCT.md "Plan output" shows it. */
export interface Plan {
  version: 1;
  status: PlanStatus;
  withdrawal_date: string | null;
  objective: { withdrawal_day: number; force_person_days: number } | null;
  bound: { withdrawal_day: number; force_person_days: number } | null;
  handovers: { site: string; agency: string; start: string; transfer: string }[];
  units: { unit: string; released: string }[];
  contingents: { contingent: string; withdrawn: string }[];
  reasons: PlanReason[];
}

export interface PlanOptions {
  /** Overall budget; the plan returned is the best found, with proven bounds. Default 10 s. */
  timeLimitMs?: number;
  onProgress?: (p: { phase: string; fraction: number }) => void;
  /** Upper size of the time-indexed MIP (columns) solved exactly; default 60,000. */
  exactColumnLimit?: number;
}

/** Plans the handovers of a (valid) scenario: lexicographically least withdrawal day, then person-days. */
export async function planHandovers(scenario: Scenario, options: PlanOptions = {}): Promise<Plan> {
  const started = Date.now();
  const budget = options.timeLimitMs ?? 10_000;
  const deadlineAt = started + budget;
  const progress = (phase: string, fraction: number) => options.onProgress?.({ phase, fraction });
  const p = buildProblem(scenario);
  progress('analyse', 0);

  const structural = structuralReasons(p);
  if (structural.length) return infeasiblePlan(structural);
  const order = topologicalOrder(p);
  const es = earliestStarts(p, order);
  const early = earlyReasons(p, es);
  if (early.length) return infeasiblePlan(early);

  let w0 = 0;
  for (const s of p.sites) w0 = Math.max(w0, (es[s.index] ?? 0) + s.overlap);
  if (p.sites.length === 0) w0 = 0;

  // Proven lower bound on W from necessary conditions.
  let wLow = w0;
  const wCap = p.deadline ?? Infinity;
  let lastShortfall: Shortfall | undefined;
  const wSearchLimit = Math.min(wCap, w0 + 400 + p.sites.length);
  for (;;) {
    const sf = shortfallForW(p, es, latestStarts(p, order, wLow));
    if (!sf) break;
    lastShortfall = sf;
    if (wLow >= wSearchLimit) break;
    wLow++;
  }
  if (lastShortfall && wLow >= wSearchLimit && shortfallForW(p, es, latestStarts(p, order, wLow))) {
    return infeasiblePlan([shortfallReason(p, lastShortfall)]);
  }

  progress('construct', 0.1);
  const ctx = new Search(p, order, es);
  let best = ctx.constructive(wLow);
  if (!best) {
    // No constructive plan. Small problems get an exact verdict; others are reported as not found.
    const verdict = await exactVerdict(p, order, es, wLow, deadlineAt, options.exactColumnLimit ?? 60_000);
    if (verdict) best = verdict;
    else {
      const sf = shortfallForW(p, es, latestStarts(p, order, p.deadline ?? wLow));
      return infeasiblePlan([
        sf
          ? shortfallReason(p, sf)
          : {
              constraint: 'capacity',
              message:
                'No plan meets all constraints together: the guards cannot be packed into the agencies\' capacity with these pins, gates and limits.',
            },
      ]);
    }
  }
  let bestEval = evaluateSchedule(p, best);
  if (p.deadline !== undefined && bestEval.w > p.deadline) {
    // The constructive plan misses the deadline; only the exact stage can settle it.
    const verdict = await exactVerdict(p, order, es, wLow, deadlineAt, options.exactColumnLimit ?? 60_000);
    if (!verdict) {
      const sf = shortfallForW(p, es, latestStarts(p, order, p.deadline));
      return infeasiblePlan([
        sf
          ? shortfallReason(p, sf)
          : {
              constraint: 'deadline',
              message: `No plan found that transfers every site by the deadline ${addDays(p.start, p.deadline)}.`,
              date: addDays(p.start, p.deadline),
            },
      ]);
    }
    best = verdict;
    bestEval = evaluateSchedule(p, best);
  }

  progress('improve', 0.3);
  const improveUntil = Math.min(deadlineAt, Date.now() + Math.max(50, Math.min(budget * 0.15, 400)));
  best = ctx.improve(best, bestEval.w, improveUntil);
  bestEval = evaluateSchedule(p, best);

  // Exact stage.
  progress('exact', 0.5);
  let pdBound = simplePersonDaysBound(p, es);
  const runner = new HighsRunner();
  try {
    const limit = options.exactColumnLimit ?? 60_000;
    const alreadyProven = () => wLow === bestEval.w && pdBound >= bestEval.pd;
    for (let w = wLow; w <= bestEval.w && !alreadyProven() && Date.now() < deadlineAt - 50; w++) {
      const ls = latestStarts(p, order, w);
      const cols = countTimeIndexedColumns(p, es, ls);
      if (cols > limit) break;
      const m = buildTimeIndexedModel(p, es, ls, w);
      const incumbent = w === bestEval.w ? scheduleToColumns(m, p, best) : undefined;
      const remaining = deadlineAt - Date.now();
      const out = await runner.solve(m.model, { timeLimitMs: remaining, mip: true, solution: incumbent });
      if (out.kind === 'infeasible') {
        wLow = w + 1;
        continue;
      }
      if (out.kind === 'optimal') {
        const s = columnsToSchedule(m, p, out.colValue);
        if (verifySchedule(p, s)) {
          const e = evaluateSchedule(p, s);
          if (e.w < bestEval.w || (e.w === bestEval.w && e.pd < bestEval.pd)) {
            best = s;
            bestEval = e;
          }
          wLow = w;
          pdBound = Math.max(pdBound, Math.ceil(out.bound - 1e-6));
        }
        break;
      }
      if (out.kind === 'limit') {
        if (out.colValue) {
          const s = columnsToSchedule(m, p, out.colValue);
          if (verifySchedule(p, s)) {
            const e = evaluateSchedule(p, s);
            if (e.w < bestEval.w || (e.w === bestEval.w && e.pd < bestEval.pd)) {
              best = s;
              bestEval = e;
            }
          }
        }
        if (w === bestEval.w && out.bound !== undefined) pdBound = Math.max(pdBound, Math.ceil(out.bound - 1e-6));
      }
      break;
    }
  } finally {
    await runner.close();
  }
  if (wLow > bestEval.w) wLow = bestEval.w; // cannot happen with a correct proof; keep bounds honest
  progress('explain', 0.95);
  const proven = wLow === bestEval.w && pdBound >= bestEval.pd;
  const plan = planFromSchedule(p, best, proven ? 'optimal' : 'feasible', {
    withdrawal_day: wLow,
    force_person_days: Math.min(pdBound, bestEval.pd),
  });
  plan.reasons = bindingReasons(p, order, es, bestEval.w, ctx);
  progress('done', 1);
  return plan;
}

/** Heuristic search: constructive runs under several priority rules, then a local search on unit order. */
class Search {
  readonly unitRatioOrder: number[];
  readonly agencyPreference: number[];
  constructor(
    readonly p: PlanningProblem,
    readonly order: readonly number[],
    readonly es: Int32Array,
  ) {
    const guardsOfUnit = p.units.map((u) => u.sites.reduce((acc, f) => acc + (p.sites[f]?.guards ?? 0), 0));
    this.unitRatioOrder = p.units
      .map((u) => u.index)
      .sort((x, y) => (p.units[y]?.strength ?? 0) / Math.max(1, guardsOfUnit[y] ?? 1) - (p.units[x]?.strength ?? 0) / Math.max(1, guardsOfUnit[x] ?? 1));
    // Agencies that take fewer kinds of site first, so that the broad ones stay free for what only they take.
    const takers = p.agencies.map((a) => p.sites.filter((s) => s.eligible.includes(a.index)).length);
    this.agencyPreference = p.agencies.map((a) => a.index).sort((x, y) => (takers[x] ?? 0) - (takers[y] ?? 0));
  }

  rankFromUnitOrder(unitOrder: readonly number[], ls: Int32Array): Float64Array {
    const pos = new Float64Array(this.p.units.length);
    unitOrder.forEach((u, i) => (pos[u] = i));
    const rank = new Float64Array(this.p.sites.length);
    const n = this.p.sites.length + 1;
    for (const s of this.p.sites) rank[s.index] = (pos[s.unit] ?? 0) * n * 4 + (ls[s.index] ?? 0);
    return rank;
  }

  run(target: number, unitOrder: readonly number[], urgency: number, hold: boolean): Schedule | undefined {
    const ls = latestStarts(this.p, this.order, target);
    const rank = this.rankFromUnitOrder(unitOrder, ls);
    return greedySchedule(this.p, { latest: ls, rank, urgency, holdForUrgent: hold }, this.agencyPreference);
  }

  better(a: Schedule | undefined, b: Schedule | undefined): Schedule | undefined {
    if (!a) return b;
    if (!b) return a;
    const ea = evaluateSchedule(this.p, a);
    const eb = evaluateSchedule(this.p, b);
    if (ea.w !== eb.w) return ea.w < eb.w ? a : b;
    return ea.pd <= eb.pd ? a : b;
  }

  constructive(wLow: number): Schedule | undefined {
    let best: Schedule | undefined;
    const variants: [number, boolean][] = [
      [0, false],
      [0, true],
      [1, false],
      [2, false],
      [1e9, false],
      [1e9, true],
    ];
    for (const [urgency, hold] of variants) best = this.better(best, this.run(wLow, this.unitRatioOrder, urgency, hold));
    if (!best) return undefined;
    let w = evaluateSchedule(this.p, best).w;
    // Target each W between the lower bound and the best found, tighter targets first.
    let found: Schedule = best;
    for (let target = wLow + 1; target < w; target++) {
      for (const [urgency, hold] of variants) found = this.better(found, this.run(target, this.unitRatioOrder, urgency, hold)) ?? found;
      w = evaluateSchedule(this.p, found).w;
    }
    return found;
  }

  improve(start: Schedule, w: number, until: number): Schedule {
    let best = start;
    let bestPd = evaluateSchedule(this.p, best).pd;
    const variants: [number, boolean][] = [
      [0, false],
      [0, true],
      [1, false],
      [2, false],
    ];
    let order = [...this.unitRatioOrder];
    let bestVariant: [number, boolean] = [0, false];
    for (const v of variants) {
      const s = this.run(w, order, v[0], v[1]);
      if (!s) continue;
      const e = evaluateSchedule(this.p, s);
      if (e.w <= w && e.pd < bestPd) {
        best = s;
        bestPd = e.pd;
        bestVariant = v;
      }
    }
    const U = order.length;
    if (U < 2) return best;
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    while (Date.now() < until) {
      const i = Math.floor(random() * U);
      const j = Math.floor(random() * U);
      if (i === j) continue;
      const next = [...order];
      const [moved] = next.splice(i, 1);
      if (moved === undefined) continue;
      next.splice(j, 0, moved);
      const s = this.run(w, next, bestVariant[0], bestVariant[1]);
      if (!s) continue;
      const e = evaluateSchedule(this.p, s);
      if (e.w <= w && e.pd <= bestPd) {
        if (e.pd < bestPd) best = s;
        bestPd = e.pd;
        order = next;
      }
    }
    return best;
  }
}

async function exactVerdict(
  p: PlanningProblem,
  order: readonly number[],
  es: Int32Array,
  wLow: number,
  deadlineAt: number,
  limit: number,
): Promise<Schedule | undefined> {
  const wMax = p.deadline ?? wLow + 30;
  const runner = new HighsRunner();
  try {
    for (let w = wLow; w <= wMax && Date.now() < deadlineAt; w++) {
      const ls = latestStarts(p, order, w);
      if (countTimeIndexedColumns(p, es, ls) > limit) return undefined;
      const m = buildTimeIndexedModel(p, es, ls, w);
      const out = await runner.solve(m.model, { timeLimitMs: deadlineAt - Date.now(), mip: true });
      if (out.kind === 'infeasible') continue;
      const x = out.kind === 'optimal' ? out.colValue : out.kind === 'limit' ? out.colValue : undefined;
      if (!x) return undefined;
      const s = columnsToSchedule(m, p, x);
      return verifySchedule(p, s) ? s : undefined;
    }
  } finally {
    await runner.close();
  }
  return undefined;
}

/** Σ strength × the earliest release each unit's sites allow on their own. */
function simplePersonDaysBound(p: PlanningProblem, es: Int32Array): number {
  let pd = 0;
  for (const u of p.units) {
    if (!u.sites.length) continue;
    let r = -Infinity;
    for (const f of u.sites) r = Math.max(r, (es[f] ?? 0) + (p.sites[f]?.overlap ?? 0));
    pd += u.strength * r;
  }
  return pd;
}

/** Internal guard: every hard constraint holds (the exact stage's output is trusted only after this). */
export function verifySchedule(p: PlanningProblem, s: Schedule): boolean {
  const perDay = new Map<number, number>();
  for (const site of p.sites) {
    const t = s.start[site.index] ?? 0;
    const a = s.agency[site.index] ?? -1;
    if (!site.agencies.includes(a)) return false;
    if (site.pinnedStart !== undefined ? t !== site.pinnedStart : t < site.gate) return false;
    for (const h of site.preds) if (t < (s.start[h] ?? 0) + (p.sites[h]?.overlap ?? 0)) return false;
    if (p.deadline !== undefined && t + site.overlap > p.deadline) return false;
    perDay.set(t, (perDay.get(t) ?? 0) + 1);
  }
  for (const c of perDay.values()) if (c > p.throughput) return false;
  const days = new Set<number>([0]);
  for (const site of p.sites) days.add(Math.max(0, s.start[site.index] ?? 0));
  for (const a of p.agencies) for (const st of a.steps) if (st.day >= 0) days.add(st.day);
  for (const a of p.agencies) {
    const lastStep = a.steps.length ? (a.steps[a.steps.length - 1]?.day ?? 0) : 0;
    days.add(Math.max(0, lastStep));
    for (const t of days) {
      let used = 0;
      for (const site of p.sites) if (s.agency[site.index] === a.index && (s.start[site.index] ?? 0) <= t) used += site.guards;
      let cap = 0;
      for (const st of a.steps) if (st.day <= t) cap = st.guards;
      if (used > cap) return false;
    }
  }
  return true;
}

function planFromSchedule(
  p: PlanningProblem,
  s: Schedule,
  status: PlanStatus,
  bound: { withdrawal_day: number; force_person_days: number },
): Plan {
  const e = evaluateSchedule(p, s);
  const date = (d: number) => addDays(p.start, d);
  const handovers = p.sites.map((site) => {
    const t = s.start[site.index] ?? 0;
    return {
      site: site.id,
      agency: p.agencies[s.agency[site.index] ?? 0]?.id ?? '',
      start: date(t),
      transfer: date(t + site.overlap),
    };
  });
  const units = p.units.map((u) => ({ unit: u.id, released: date(u.sites.length ? (e.release[u.index] ?? 0) : 0) }));
  const contingents = p.contingents.map((c) => {
    let r = 0;
    let any = false;
    for (const u of c.units) {
      const ru = p.units[u]?.sites.length ? (e.release[u] ?? 0) : 0;
      r = any ? Math.max(r, ru) : ru;
      any = true;
    }
    return { contingent: c.id, withdrawn: date(r) };
  });
  return {
    version: 1,
    status,
    withdrawal_date: date(e.w),
    objective: { withdrawal_day: e.w, force_person_days: e.pd },
    bound,
    handovers,
    units,
    contingents,
    reasons: [],
  };
}

function infeasiblePlan(reasons: PlanReason[]): Plan {
  return {
    version: 1,
    status: 'infeasible',
    withdrawal_date: null,
    objective: null,
    bound: null,
    handovers: [],
    units: [],
    contingents: [],
    reasons,
  };
}

const formatDay = (p: PlanningProblem, d: number) => addDays(p.start, d);

/** Reasons visible without search: eligibility, pinned agencies, precedence cycles. */
function structuralReasons(p: PlanningProblem): PlanReason[] {
  const reasons: PlanReason[] = [];
  for (const s of p.sites) {
    if (s.eligible.length === 0)
      reasons.push({
        constraint: 'eligibility',
        message: `No agency may take site ${s.id} (criticality ${s.criticality}, sector ${s.sector}).`,
        sites: [s.id],
      });
    else if (s.pinnedAgency !== undefined && s.agencies.length === 0) {
      const a = p.agencies[s.pinnedAgency];
      reasons.push({
        constraint: 'pin',
        message: `Site ${s.id} is pinned to ${a?.name ?? '?'}, which may not take it (criticality ${s.criticality}, sector ${s.sector}).`,
        sites: [s.id],
        agencies: a ? [a.id] : [],
      });
    }
  }
  const cycle = findPrecedenceCycle(p);
  if (cycle) {
    const ids = cycle.map((f) => p.sites[f]?.id ?? '?');
    reasons.push({
      constraint: 'precedence',
      message: `The order of handovers has a cycle: ${ids.join(' → ')}.`,
      sites: [...new Set(ids)],
    });
  }
  return reasons;
}

/** Reasons from earliest starts alone: pins against gates and precedence, the deadline, pinned throughput, final capacity. */
function earlyReasons(p: PlanningProblem, es: Int32Array): PlanReason[] {
  const reasons: PlanReason[] = [];
  for (const s of p.sites) {
    if (s.pinnedStart === undefined) continue;
    if (s.pinnedStart < s.gate)
      reasons.push({
        constraint: 'pin',
        message: `Site ${s.id} is pinned to start on ${formatDay(p, s.pinnedStart)}, before its gate ${formatDay(p, s.gate)}.`,
        sites: [s.id],
        date: formatDay(p, s.pinnedStart),
      });
    for (const h of s.preds) {
      const ph = p.sites[h];
      if (ph && (es[h] ?? 0) + ph.overlap > s.pinnedStart)
        reasons.push({
          constraint: 'pin',
          message: `Site ${s.id} is pinned to start on ${formatDay(p, s.pinnedStart)}, but it must wait for ${ph.id}, which cannot transfer before ${formatDay(p, (es[h] ?? 0) + ph.overlap)}.`,
          sites: [s.id, ph.id],
          date: formatDay(p, s.pinnedStart),
        });
    }
  }
  if (p.deadline !== undefined) {
    for (const s of p.sites) {
      const T = (es[s.index] ?? 0) + s.overlap;
      if (T <= p.deadline) continue;
      const byGate = s.gate + s.overlap > p.deadline && s.pinnedStart === undefined;
      const pinned = s.pinnedStart !== undefined && s.pinnedStart + s.overlap > p.deadline;
      reasons.push({
        constraint: pinned ? 'pin' : 'deadline',
        message: pinned
          ? `Site ${s.id} is pinned to start on ${formatDay(p, s.pinnedStart ?? 0)}; its transfer on ${formatDay(p, T)} is after the deadline ${formatDay(p, p.deadline)}.`
          : byGate
            ? `The gate of site ${s.id} (${formatDay(p, s.gate)}, ${s.overlap} day(s) of joint guard) puts its transfer on ${formatDay(p, T)}, after the deadline ${formatDay(p, p.deadline)}.`
            : `Site ${s.id} cannot transfer before ${formatDay(p, T)} (it waits for ${s.preds.map((h) => p.sites[h]?.id ?? '?').join(', ')}), after the deadline ${formatDay(p, p.deadline)}.`,
        sites: [s.id],
        date: formatDay(p, p.deadline),
      });
    }
  }
  if (Number.isFinite(p.throughput)) {
    const perDay = new Map<number, string[]>();
    for (const s of p.sites)
      if (s.pinnedStart !== undefined) {
        const l = perDay.get(s.pinnedStart) ?? [];
        l.push(s.id);
        perDay.set(s.pinnedStart, l);
      }
    for (const [d, ids] of perDay)
      if (ids.length > p.throughput)
        reasons.push({
          constraint: 'pin',
          message: `${ids.length} handovers are pinned to start on ${formatDay(p, d)}, more than the ${p.throughput} a day allowed.`,
          sites: ids,
          date: formatDay(p, d),
        });
  }
  // Final capacity: every site's guards stay committed for good.
  const all = p.sites.map((s) => s.index);
  const finalCaps = p.agencies.map((a) => a.effective[a.effective.length - 1]?.guards ?? 0);
  const short = hallShortfall(p, all, finalCaps, p.agencies.length);
  if (short) {
    const names = short.agencies.map((a) => p.agencies[a]?.name ?? '?');
    const everything = short.agencies.length === p.agencies.length;
    reasons.push({
      constraint: 'capacity',
      message: everything
        ? `Agencies' final capacity (${short.supply} guards) is below the ${short.demand} guards all sites need.`
        : `The final capacity of ${names.join(', ')} (${short.supply} guards) is below the ${short.demand} guards of the sites only they may take.`,
      agencies: short.agencies.map((a) => p.agencies[a]?.id ?? '?'),
      sites: short.sites.length <= 20 ? short.sites.map((f) => p.sites[f]?.id ?? '?') : undefined,
    });
  }
  // Pinned agency and start together: the pinned guards alone must fit the capacity on their day.
  for (const a of p.agencies) {
    const pins = p.sites.filter((s) => s.pinnedAgency === a.index && s.pinnedStart !== undefined).sort((x, y) => (x.pinnedStart ?? 0) - (y.pinnedStart ?? 0));
    let acc = 0;
    for (let i = 0; i < pins.length; i++) {
      const s = pins[i];
      if (!s) continue;
      acc += s.guards;
      const d = Math.max(0, s.pinnedStart ?? 0);
      const next = pins[i + 1];
      if (next && next.pinnedStart === s.pinnedStart) continue;
      if (acc > effectiveCapacity(a, d)) {
        reasons.push({
          constraint: 'pin',
          message: `Handovers pinned to ${a.name} by ${formatDay(p, d)} need ${acc} guards; it has ${effectiveCapacity(a, d)} to commit then.`,
          agencies: [a.id],
          sites: pins.slice(0, i + 1).map((x) => x.id),
          date: formatDay(p, d),
        });
        break;
      }
    }
  }
  return reasons;
}

function shortfallReason(p: PlanningProblem, sf: Shortfall): PlanReason {
  switch (sf.kind) {
    case 'window': {
      const s = p.sites[sf.site];
      return {
        constraint: p.deadline !== undefined ? 'deadline' : 'precedence',
        message: `Site ${s?.id ?? '?'} cannot start in time: its gate, pins and predecessors leave no start day that meets the deadline${p.deadline !== undefined ? ` ${formatDay(p, p.deadline)}` : ''}.`,
        sites: s ? [s.id] : [],
      };
    }
    case 'throughput':
      return {
        constraint: 'throughput',
        message: `${sf.count} handovers must start between ${formatDay(p, sf.from)} and ${formatDay(p, sf.to)}, but at most ${p.throughput} a day allow only ${sf.limit}.`,
        date: formatDay(p, sf.from),
      };
    case 'capacity': {
      const names = sf.agencies.map((a) => p.agencies[a]?.name ?? '?');
      return {
        constraint: 'capacity',
        message: `${names.join(' and ')} ${sf.agencies.length > 1 ? 'are' : 'is'} ${sf.demand - sf.supply} guards short from ${formatDay(p, sf.day)}: the sites that must have started by then need ${sf.demand} guards, ${sf.supply} are available.`,
        agencies: sf.agencies.map((a) => p.agencies[a]?.id ?? '?'),
        date: formatDay(p, sf.day),
      };
    }
  }
}

/** What decides the withdrawal day: the bound that meets it, checked by re-solving relaxed variants. */
function bindingReasons(p: PlanningProblem, order: readonly number[], es: Int32Array, w: number, search: Search): PlanReason[] {
  const reasons: PlanReason[] = [];
  if (p.sites.length === 0) return reasons;
  // Sites whose gates and predecessors alone put their transfer on W.
  const critical = p.sites.filter((s) => (es[s.index] ?? 0) + s.overlap === w);
  if (critical.length) {
    const ids = critical.slice(0, 5).map((s) => s.id);
    reasons.push({
      constraint: critical.some((s) => s.preds.length) ? 'precedence' : 'gate',
      message: `Site${critical.length > 1 ? 's' : ''} ${ids.join(', ')}${critical.length > 5 ? ' and others' : ''} cannot transfer before ${formatDay(p, w)} whatever the capacity (gates, pins, joint-guard days and predecessors).`,
      sites: critical.map((s) => s.id),
      date: formatDay(p, w),
    });
    return reasons;
  }
  const sf = w > 0 ? shortfallForW(p, es, latestStarts(p, order, w - 1)) : undefined;
  if (sf) {
    const r = shortfallReason(p, sf);
    reasons.push({ ...r, message: `Withdrawal by ${formatDay(p, w - 1)} is impossible: ${r.message}` });
    return reasons;
  }
  // Check by re-solving: would more capacity or throughput free a day?
  if (Number.isFinite(p.throughput)) {
    const relaxed = { ...p, throughput: Infinity };
    const s = new Search(relaxed, order, es).constructive(0);
    if (s && evaluateSchedule(relaxed, s).w < w)
      reasons.push({
        constraint: 'throughput',
        message: `The limit of ${p.throughput} handovers a day holds the withdrawal to ${formatDay(p, w)}; without it a plan finishing by ${formatDay(p, evaluateSchedule(relaxed, s).w)} exists.`,
      });
  }
  reasons.push({
    constraint: 'capacity',
    message: `Agency capacity over time decides the withdrawal on ${formatDay(p, w)}.`,
    date: formatDay(p, w),
  });
  void search;
  return reasons;
}
