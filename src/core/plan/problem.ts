import { dayIndex } from '../dates.ts';
import type { Scenario } from '../scenario/schema.ts';
import { MAX_CRITICALITY } from '../vocabulary.ts';

/**
 * The planning problem of PRODUCT.md ("The planning problem"), indexed for the solvers:
 * sites, agencies and units are numbered, dates are day indices from `operation.start` (day 0).
 */
export interface ProblemSite {
  readonly index: number;
  readonly id: string;
  readonly name: string;
  readonly sector: string;
  readonly criticality: number;
  readonly guards: number;
  /** d_f: days of joint guard before the transfer of authority. */
  readonly overlap: number;
  /** Earliest start allowed by `s_f ≥ 0` and `not_before` alone. */
  readonly gate: number;
  /** Agencies allowed by eligibility, narrowed to the pinned agency when there is one (may be empty). */
  readonly agencies: readonly number[];
  /** Agencies allowed by eligibility alone, for explanations. */
  readonly eligible: readonly number[];
  readonly pinnedAgency: number | undefined;
  readonly pinnedStart: number | undefined;
  readonly unit: number;
  /** Sites h with `h ∈ after_f`: `s_f ≥ s_h + d_h`. */
  readonly preds: readonly number[];
  readonly succs: readonly number[];
}

export interface ProblemAgency {
  readonly index: number;
  readonly id: string;
  readonly name: string;
  /** Capacity steps as given: the guards from `day` on (days may be negative). */
  readonly steps: readonly { readonly day: number; readonly guards: number }[];
  /**
   * Effective capacity steps for days ≥ 0, non-decreasing: commitments are kept for good, so the guards
   * usable on day t are the least capacity of any day ≥ t. Sorted by day, the first at day 0.
   */
  readonly effective: readonly { readonly day: number; readonly guards: number }[];
  /** Capacity for good (the last step), what every committed guard must finally fit in. */
  readonly finalGuards: number;
  readonly maxCriticality: number;
  readonly sectors: readonly string[] | undefined;
}

export interface ProblemUnit {
  readonly index: number;
  readonly id: string;
  readonly strength: number;
  readonly contingent: number;
  readonly sites: readonly number[];
}

export interface ProblemContingent {
  readonly index: number;
  readonly id: string;
  readonly units: readonly number[];
}

export interface PlanningProblem {
  readonly start: string;
  readonly sites: readonly ProblemSite[];
  readonly agencies: readonly ProblemAgency[];
  readonly units: readonly ProblemUnit[];
  readonly contingents: readonly ProblemContingent[];
  /** Handovers that may start on one day; Infinity when the scenario sets no limit. */
  readonly throughput: number;
  /** Latest allowed transfer day, if the operation has a deadline. */
  readonly deadline: number | undefined;
}

/** Whether agency `a` may take a site of this criticality and sector. */
export function agencyMayTake(a: ProblemAgency, criticality: number, sector: string): boolean {
  return criticality <= a.maxCriticality && (a.sectors === undefined || a.sectors.includes(sector));
}

/** Capacity of agency `a` usable on day t ≥ 0 (the effective, non-decreasing step function). */
export function effectiveCapacity(a: ProblemAgency, t: number): number {
  let value = 0;
  for (const step of a.effective) {
    if (step.day > t) break;
    value = step.guards;
  }
  return value;
}

/** Builds the indexed problem. The scenario is assumed valid (parseScenario/validateScenario). */
export function buildProblem(scenario: Scenario): PlanningProblem {
  const start = scenario.operation.start;
  const day = (d: string) => dayIndex(start, d);

  const agencies: ProblemAgency[] = scenario.agencies.map((a, index) => {
    const steps = a.capacity.map((s) => ({ day: day(s.from), guards: s.guards }));
    return {
      index,
      id: a.id,
      name: a.name,
      steps,
      effective: effectiveSteps(steps),
      finalGuards: steps.length ? (steps[steps.length - 1]?.guards ?? 0) : 0,
      maxCriticality: a.max_criticality ?? MAX_CRITICALITY,
      sectors: a.sectors,
    };
  });
  const agencyIndex = new Map(agencies.map((a) => [a.id, a.index]));

  const units: { index: number; id: string; strength: number; contingent: number; sites: number[] }[] = [];
  const contingents: ProblemContingent[] = scenario.force.contingents.map((c, ci) => {
    const members: number[] = [];
    for (const u of c.units) {
      members.push(units.length);
      units.push({ index: units.length, id: u.id, strength: u.strength, contingent: ci, sites: [] });
    }
    return { index: ci, id: c.id, units: members };
  });
  const unitIndex = new Map(units.map((u) => [u.id, u.index]));
  const siteIndex = new Map(scenario.sites.map((s, i) => [s.id, i]));

  const succs: number[][] = scenario.sites.map(() => []);
  const sites: ProblemSite[] = scenario.sites.map((s, index) => {
    const eligible = agencies.filter((a) => agencyMayTake(a, s.criticality, s.sector)).map((a) => a.index);
    // A handover already in joint guard or transferred has begun: its agency and start are facts.
    const started = s.handover && (s.handover.state === 'joint_guard' || s.handover.state === 'transferred');
    const pinAgencyId = started ? s.handover?.agency : s.pinned?.agency;
    const pinStartDate = started ? s.handover?.start : s.pinned?.start;
    const pinnedAgency = pinAgencyId === undefined ? undefined : agencyIndex.get(pinAgencyId);
    const pinnedStart = pinStartDate === undefined ? undefined : day(pinStartDate);
    const preds = (s.after ?? []).map((id) => siteIndex.get(id)).filter((i): i is number => i !== undefined);
    for (const p of preds) succs[p]?.push(index);
    const unit = unitIndex.get(s.guarded_by);
    if (unit === undefined) throw new Error(`site "${s.id}": unknown unit "${s.guarded_by}"`);
    units[unit]?.sites.push(index);
    return {
      index,
      id: s.id,
      name: s.name,
      sector: s.sector,
      criticality: s.criticality,
      guards: s.guards,
      overlap: s.overlap_days ?? 1,
      // A handover already under way started when it did: its history is not held to today's gates.
      gate:
        started && pinnedStart !== undefined
          ? pinnedStart
          : Math.max(0, s.not_before === undefined ? 0 : day(s.not_before)),
      agencies: pinnedAgency === undefined ? eligible : eligible.filter((a) => a === pinnedAgency),
      eligible,
      pinnedAgency,
      pinnedStart,
      unit,
      preds,
      succs: [],
    };
  });
  const withSuccs = sites.map((s, i) => ({ ...s, succs: succs[i] ?? [] }));

  return {
    start,
    sites: withSuccs,
    agencies,
    units,
    contingents,
    throughput: scenario.rules?.max_handovers_per_day ?? Infinity,
    deadline: scenario.operation.deadline === undefined ? undefined : day(scenario.operation.deadline),
  };
}

/** Suffix minimum of the capacity over days ≥ 0, as non-decreasing steps starting at day 0. */
function effectiveSteps(
  steps: readonly { day: number; guards: number }[],
): { day: number; guards: number }[] {
  // Raw capacity on day 0 and at every later step day.
  const points: { day: number; guards: number }[] = [];
  let atZero = 0;
  for (const s of steps) if (s.day <= 0) atZero = s.guards;
  points.push({ day: 0, guards: atZero });
  for (const s of steps) if (s.day > 0) points.push({ day: s.day, guards: s.guards });
  for (let i = points.length - 2; i >= 0; i--) {
    const here = points[i];
    const next = points[i + 1];
    if (here && next && next.guards < here.guards) points[i] = { day: here.day, guards: next.guards };
  }
  const out: { day: number; guards: number }[] = [];
  for (const p of points)
    if (out.length === 0 || (out[out.length - 1]?.guards ?? 0) !== p.guards) out.push(p);
  return out;
}
