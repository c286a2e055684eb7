import { dayIndex } from '../dates.ts';
import type { Scenario } from '../scenario/schema.ts';
import { comparePlans, type PlanDiff } from './diff.ts';
import { evaluateSchedule, type Schedule } from './greedy.ts';
import { planFromSchedule, planHandovers, verifySchedule, type Plan, type PlanOptions } from './planner.ts';
import { fewestChanges } from './fewest-changes.ts';
import { buildProblem } from './problem.ts';

/** A previous plan; a handover may say it has already started (then it is kept as it is). */
export interface PreviousPlan {
  status?: Plan['status'];
  withdrawal_date?: string | null;
  objective?: Plan['objective'];
  contingents?: Plan['contingents'];
  handovers: {
    site: string;
    agency: string;
    start: string;
    state?: 'planned' | 'joint_guard' | 'transferred';
  }[];
}

export interface Replan {
  plan: Plan;
  /** What changed against the previous plan. */
  changes: PlanDiff;
  /** Handovers kept because they had started (in the scenario's state or marked in the previous plan). */
  kept: string[];
  /** True when no plan as good moves fewer handovers (proven by the exact stage), false when greedy. */
  fewestProven: boolean;
}

/**
 * Re-plans after events. Handovers already under way — in joint guard or transferred, by the scenario's
 * own state or as marked in the previous plan — are kept exactly. Among plans as good as the best found
 * (same withdrawal day and person-days), it then moves as few other handovers as it can away from the
 * previous plan: each changed site is tried back in its previous agency and start, kept there when every
 * constraint still holds and neither objective gets worse; then, when the plan is proven optimal and the
 * model small enough, the time-indexed MIP finds the fewest moves exactly (`fewestChanges`), with 30 % of
 * the time limit.
 */
export async function replanHandovers(
  scenario: Scenario,
  previous: PreviousPlan,
  options: PlanOptions = {},
): Promise<Replan> {
  const started = new Map(
    previous.handovers
      .filter((h) => h.state === 'joint_guard' || h.state === 'transferred')
      .map((h) => [h.site, h]),
  );
  const kept: string[] = [];
  const pinned: Scenario = {
    ...scenario,
    sites: scenario.sites.map((s) => {
      if (s.handover && s.handover.state !== 'planned') {
        kept.push(s.id);
        return s;
      }
      const h = started.get(s.id);
      if (!h) return s;
      kept.push(s.id);
      return { ...s, pinned: { agency: h.agency, start: h.start } };
    }),
  };
  const budget = options.timeLimitMs ?? 10_000;
  const startedAt = Date.now();
  const plan = await planHandovers(pinned, { ...options, timeLimitMs: budget * 0.7 });
  // The previous plan as a plan document, for the comparison (it may carry only its handovers).
  const before: Plan = {
    version: 1,
    status: previous.status ?? 'feasible',
    withdrawal_date: previous.withdrawal_date ?? null,
    objective: previous.objective ?? null,
    bound: null,
    units: [],
    contingents: previous.contingents ?? [],
    reasons: [],
    handovers: previous.handovers.map((h) => ({
      site: h.site,
      agency: h.agency,
      start: h.start,
      transfer: h.start,
    })),
  };
  if (plan.status === 'infeasible' || !plan.objective || !plan.bound)
    return { plan, changes: comparePlans(before, plan), kept, fewestProven: false };

  const p = buildProblem(pinned);
  const siteIndex = new Map(p.sites.map((s) => [s.id, s.index]));
  const agencyIndex = new Map(p.agencies.map((a) => [a.id, a.index]));
  const schedule: Schedule = {
    start: new Int32Array(p.sites.length),
    agency: new Int32Array(p.sites.length),
  };
  for (const h of plan.handovers) {
    const i = siteIndex.get(h.site)!;
    schedule.start[i] = dayIndex(p.start, h.start);
    schedule.agency[i] = agencyIndex.get(h.agency)!;
  }
  const target = evaluateSchedule(p, schedule);
  const wanted = new Map<number, { agency: number; start: number }>();
  for (const h of previous.handovers) {
    const i = siteIndex.get(h.site);
    const a = agencyIndex.get(h.agency);
    if (i !== undefined && a !== undefined) wanted.set(i, { agency: a, start: dayIndex(p.start, h.start) });
  }
  for (let improved = true; improved;) {
    improved = false;
    for (const [i, w] of wanted) {
      if (schedule.agency[i] === w.agency && schedule.start[i] === w.start) continue;
      const [a0, s0] = [schedule.agency[i]!, schedule.start[i]!];
      schedule.agency[i] = w.agency;
      schedule.start[i] = w.start;
      const e = verifySchedule(p, schedule) ? evaluateSchedule(p, schedule) : null;
      if (e && (e.w < target.w || (e.w === target.w && e.pd <= target.pd))) improved = true;
      else {
        schedule.agency[i] = a0;
        schedule.start[i] = s0;
      }
    }
  }
  let fewestProven = false;
  let final = schedule;
  if (plan.status === 'optimal' && wanted.size) {
    const moves = (s: Schedule) => {
      let k = 0;
      for (const [i, w] of wanted) if (s.agency[i] !== w.agency || s.start[i] !== w.start) k++;
      return k;
    };
    const exact = await fewestChanges(
      p,
      target.w,
      target.pd,
      wanted,
      schedule,
      budget - (Date.now() - startedAt),
    );
    if (exact && verifySchedule(p, exact.schedule) && moves(exact.schedule) <= moves(schedule)) {
      final = exact.schedule;
      fewestProven = exact.proven;
    }
  }
  const repaired = { ...planFromSchedule(p, final, plan.status, plan.bound), reasons: plan.reasons };
  return { plan: repaired, changes: comparePlans(before, repaired), kept, fewestProven };
}
