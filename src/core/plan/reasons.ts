import { addDays } from '../dates.ts';
import {
  findPrecedenceCycle,
  hallShortfall,
  latestStarts,
  shortfallForW,
  type Shortfall,
} from './analysis.ts';
import { effectiveCapacity, type PlanningProblem } from './problem.ts';

/**
 * Why a scenario cannot be planned, or what decides a plan's withdrawal day: plain sentences with a
 * machine-readable `constraint` and the sites, agencies and date involved.
 */
export interface PlanReason {
  constraint:
    'eligibility' | 'capacity' | 'deadline' | 'precedence' | 'pin' | 'throughput' | 'gate' | 'search';
  message: string;
  sites?: string[];
  agencies?: string[];
  date?: string;
}

/** The exact stage proved that no plan exists, though no single necessary condition fails. */
export const PACKING_FAILS: PlanReason = {
  constraint: 'capacity',
  message:
    "No plan meets all constraints together: the guards cannot be packed into the agencies' capacity with these pins, gates and limits.",
};

/** The exact stage proved that no plan transfers every site by the deadline (day index `deadline`). */
export function deadlineMissed(p: PlanningProblem, deadline: number): PlanReason {
  return {
    constraint: 'deadline',
    message: `No plan found that transfers every site by the deadline ${formatDay(p, deadline)}.`,
    date: formatDay(p, deadline),
  };
}

/** The reason given when no plan was found but none was proven impossible either. */
export const NOT_FOUND: PlanReason = {
  constraint: 'search',
  message:
    'No plan was found within the time limit, and it is not proven that none exists: give the planner more time (--time-limit), or relax a pin, gate or limit.',
};

const formatDay = (p: PlanningProblem, d: number) => addDays(p.start, d);

/** Reasons visible without search: eligibility, pinned agencies, precedence cycles. */
export function structuralReasons(p: PlanningProblem): PlanReason[] {
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
export function earlyReasons(p: PlanningProblem, es: Int32Array): PlanReason[] {
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
    const pins = p.sites
      .filter((s) => s.pinnedAgency === a.index && s.pinnedStart !== undefined)
      .sort((x, y) => (x.pinnedStart ?? 0) - (y.pinnedStart ?? 0));
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

export function shortfallReason(p: PlanningProblem, sf: Shortfall): PlanReason {
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
export function bindingReasons(
  p: PlanningProblem,
  order: readonly number[],
  es: Int32Array,
  w: number,
  /** The withdrawal day of a quick constructive plan of a variant (Infinity when none is found by `until`). */
  quickPlanW: (q: PlanningProblem, until: number) => number,
  /** The planner's deadline: the checks end by it (or 20 ms from now, if later). */
  deadlineAt = Infinity,
): PlanReason[] {
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
  // Claims of the kind "adding N guards would save a day" are checked by building such a plan.
  const until = Math.min(
    Date.now() + Math.min(1500, 100 + p.sites.length),
    Math.max(deadlineAt - 10, Date.now() + 20),
  );
  const quickW = (q: PlanningProblem) => quickPlanW(q, Math.max(Date.now() + 20, until));
  const sf = w > 0 ? shortfallForW(p, es, latestStarts(p, order, w - 1)) : undefined;
  if (sf) {
    const r = shortfallReason(p, sf);
    reasons.push({ ...r, message: `Withdrawal by ${formatDay(p, w - 1)} is impossible: ${r.message}` });
    if (sf.kind === 'capacity') {
      const extra = sf.demand - sf.supply;
      for (const a of sf.agencies) {
        if (Date.now() > until) break;
        const wExtra = quickW(withExtraCapacity(p, a, extra, sf.day));
        if (wExtra < w) {
          reasons.push({
            constraint: 'capacity',
            message: `Adding ${extra} guards to ${p.agencies[a]?.name ?? '?'} from ${formatDay(p, sf.day)} gives a plan that withdraws on ${formatDay(p, wExtra)} (${w - wExtra} day${w - wExtra > 1 ? 's' : ''} earlier).`,
            agencies: [p.agencies[a]?.id ?? '?'],
            date: formatDay(p, sf.day),
          });
          break;
        }
      }
    }
    return reasons;
  }
  // Would more throughput or capacity free a day?
  if (Number.isFinite(p.throughput)) {
    const wRelaxed = quickW({ ...p, throughput: Infinity });
    if (wRelaxed < w)
      reasons.push({
        constraint: 'throughput',
        message: `The limit of ${p.throughput} handovers a day holds the withdrawal to ${formatDay(p, w)}; without it a plan withdrawing on ${formatDay(p, wRelaxed)} exists.`,
        date: formatDay(p, w),
      });
  }
  for (const a of p.agencies) {
    if (Date.now() > until || reasons.length > 2) break;
    const extra = Math.max(1, Math.ceil(a.finalGuards * 0.1));
    const wExtra = quickW(withExtraCapacity(p, a.index, extra, 0));
    if (wExtra < w)
      reasons.push({
        constraint: 'capacity',
        message: `${a.name}'s capacity holds the withdrawal to ${formatDay(p, w)}: ${extra} more guards from ${formatDay(p, 0)} give a plan that withdraws on ${formatDay(p, wExtra)}.`,
        agencies: [a.id],
        date: formatDay(p, w),
      });
  }
  if (reasons.length === 0)
    reasons.push({
      constraint: 'capacity',
      message: `Agency capacity over time, together with the daily limit and the sites' windows, decides the withdrawal on ${formatDay(p, w)}.`,
      date: formatDay(p, w),
    });
  return reasons;
}

/** The problem with `guards` more capacity for agency `a` from day `from` on. */
export function withExtraCapacity(
  p: PlanningProblem,
  a: number,
  guards: number,
  from: number,
): PlanningProblem {
  return {
    ...p,
    agencies: p.agencies.map((ag) => {
      if (ag.index !== a) return ag;
      const days = [...new Set([...ag.effective.map((st) => st.day), Math.max(0, from)])].sort(
        (x, y) => x - y,
      );
      const effective = days.map((d) => ({
        day: d,
        guards: effectiveCapacity(ag, d) + (d >= from ? guards : 0),
      }));
      return { ...ag, effective, finalGuards: ag.finalGuards + guards };
    }),
  };
}
