import type { PlanChange, PlanDiff } from '../plan/diff.ts';
import type { Plan, PlanReason } from '../plan/planner.ts';
import { SITE_PARAMS } from '../plan/reason-params.ts';
import { parseWhatIf, WhatIfError } from '../plan/what-if.ts';
import { canSee, type Who } from './policy.ts';

/**
 * A plan as a scoped reader sees it. A plan names records of every scope; a reader with a scope gets the
 * part of it that names only records `canSee` lets them see (the same rule as for the register), and the
 * force-level figures (status, withdrawal date, objective, bound), which name no record:
 *
 * - a handover, when its site is visible with the plan's agency as the site's handover agency: for a
 *   contingent, unit or site scope, the sites of that scope in the register; for an agency scope, the
 *   handovers the plan gives to that agency;
 * - a unit release or contingent withdrawal, when that unit or contingent is visible;
 * - a reason, when every site and agency it names (in `sites`, `agencies` and its params) is visible; a
 *   reason is left out whole, never shown in part;
 * - a moved handover (a plan's changes, a comparison), on each side where it is visible: for an agency
 *   scope a site moved from the agency to another reads as leaving the view (`after: null`), which is what
 *   comparing the two filtered plans gives; a change visible on neither side is left out;
 * - what-if changes, when the site or agency each names is visible.
 *
 * Sites and units not in the register (any more) are in no scope. Whole-force readers get null from
 * `planScope`: their answer is the plan itself, unfiltered.
 */
export interface RegisterFacts {
  /** Every site of the register and the unit guarding it. */
  siteUnit: ReadonlyMap<string, string>;
  /** Every unit of the force and its contingent. */
  unitContingent: ReadonlyMap<string, string>;
}

export interface PlanScope {
  /** Whether the handover of `site` to `agency` (null: not handed over) is in view. */
  handover(site: string, agency: string | null): boolean;
  unit(id: string): boolean;
  contingent(id: string): boolean;
  agency(id: string): boolean;
}

/** The reader's view of plans, or null when the reader sees the whole force (plans are given as they are). */
export function planScope(who: Who, register: RegisterFacts): PlanScope | null {
  if (who.scope === null) return null;
  return {
    handover(site, agency) {
      const unit = register.siteUnit.get(site);
      if (unit === undefined) return false;
      const contingent = register.unitContingent.get(unit) ?? '';
      return canSee(who, { kind: 'site', id: site, unit, contingent, agency });
    },
    unit(id) {
      const contingent = register.unitContingent.get(id);
      return contingent !== undefined && canSee(who, { kind: 'unit', id, contingent });
    },
    contingent: (id) => canSee(who, { kind: 'contingent', id }),
    agency: (id) => canSee(who, { kind: 'agency', id }),
  };
}

function reasonInView(scope: PlanScope, reason: PlanReason, agencyOf: (site: string) => string | null) {
  const named = new Set(reason.sites ?? []);
  for (const key of SITE_PARAMS) {
    const v = reason.params?.[key];
    for (const site of typeof v === 'string' ? [v] : Array.isArray(v) ? v : []) named.add(site);
  }
  return (
    [...named].every((site) => scope.handover(site, agencyOf(site))) &&
    (reason.agencies ?? []).every((a) => scope.agency(a))
  );
}

/** The part of a plan in the scope's view. */
export function scopePlan(plan: Plan, scope: PlanScope): Plan {
  const agencyOf = new Map(plan.handovers.map((h) => [h.site, h.agency]));
  return {
    ...plan,
    handovers: plan.handovers.filter((h) => scope.handover(h.site, h.agency)),
    units: plan.units.filter((u) => scope.unit(u.unit)),
    contingents: plan.contingents.filter((c) => scope.contingent(c.contingent)),
    reasons: plan.reasons.filter((r) => reasonInView(scope, r, (s) => agencyOf.get(s) ?? null)),
  };
}

/** The moved handovers in the scope's view: each side shown where it is visible, the rest left out. */
export function scopeChanges(changes: readonly PlanChange[], scope: PlanScope): PlanChange[] {
  const out: PlanChange[] = [];
  for (const c of changes) {
    const before = c.before && scope.handover(c.site, c.before.agency) ? c.before : null;
    const after = c.after && scope.handover(c.site, c.after.agency) ? c.after : null;
    if (before || after) out.push({ site: c.site, before, after });
  }
  return out;
}

/** A comparison of two plans in the scope's view: moved sites and contingents filtered, figures kept. */
export function scopeDiff(diff: PlanDiff, scope: PlanScope): PlanDiff {
  return {
    ...diff,
    moved: scopeChanges(diff.moved, scope),
    contingents: diff.contingents.filter((c) => scope.contingent(c.contingent)),
  };
}

/** The what-if changes of a planning request that name only visible sites and agencies. */
export function scopeWhatIf(
  texts: readonly string[],
  scope: PlanScope,
  agencyOf: (site: string) => string | null,
) {
  return texts.filter((text) => {
    try {
      return parseWhatIf([text]).every((w) => {
        switch (w.kind) {
          case 'capacity':
            return scope.agency(w.agency);
          case 'gate':
            return scope.handover(w.site, agencyOf(w.site));
          case 'overlap':
            return w.site === 'all' || scope.handover(w.site, agencyOf(w.site));
          case 'deadline':
          case 'throughput':
            return true;
        }
      });
    } catch (e) {
      if (e instanceof WhatIfError) return false;
      throw e;
    }
  });
}

/** The register's names: of agencies and units, and the nation of each contingent. */
export interface RegisterNames {
  agency: ReadonlyMap<string, string>;
  unit: ReadonlyMap<string, string>;
  contingentNation: ReadonlyMap<string, string>;
}

/** The names of the records a plan refers to, by id: agencies, units, and contingents by nation. */
export interface PlanNames {
  agencies: Record<string, string>;
  units: Record<string, string>;
  contingents: Record<string, string>;
}

/**
 * The names of what a reader's view of a plan refers to, so that it reads by name whatever records the
 * reader's role may list: the agencies of its handovers and moves, the units guarding their sites and the
 * units it releases, and those units' and its withdrawals' contingents. Given the plan as the reader sees
 * it (`scopePlan`, `scopeChanges`), it names nothing outside their view: a facility operator learns the
 * name of the agency taking its site, a unit commander the nation of its own contingent.
 */
export function namesInPlan(
  plan: Plan | null,
  changes: readonly PlanChange[] | null,
  register: RegisterFacts,
  names: RegisterNames,
): PlanNames {
  const agencies = new Set<string>();
  const units = new Set<string>();
  const contingents = new Set<string>();
  const site = (id: string) => {
    const unit = register.siteUnit.get(id);
    if (unit !== undefined) units.add(unit);
  };
  for (const h of plan?.handovers ?? []) {
    agencies.add(h.agency);
    site(h.site);
  }
  for (const c of changes ?? [])
    for (const side of [c.before, c.after])
      if (side) {
        agencies.add(side.agency);
        site(c.site);
      }
  for (const u of plan?.units ?? []) units.add(u.unit);
  for (const u of units) {
    const c = register.unitContingent.get(u);
    if (c !== undefined) contingents.add(c);
  }
  for (const c of plan?.contingents ?? []) contingents.add(c.contingent);
  const named = (ids: Set<string>, of: ReadonlyMap<string, string>) =>
    Object.fromEntries([...ids].sort().flatMap((id) => (of.has(id) ? [[id, of.get(id)!]] : [])));
  return {
    agencies: named(agencies, names.agency),
    units: named(units, names.unit),
    contingents: named(contingents, names.contingentNation),
  };
}
