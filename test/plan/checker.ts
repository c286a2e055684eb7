import { addDays, dayIndex } from '../../src/core/dates.ts';
import type { Scenario } from '../../src/core/scenario/schema.ts';

/**
 * An independent reading of PRODUCT.md "The planning problem": checks a plan's handovers against every
 * hard constraint, recomputes W, person-days, unit releases and contingent withdrawals, and returns the
 * violations found (empty when the plan is right). Shares nothing with the planner but dates.
 */
export interface CheckedPlan {
  status: string;
  withdrawal_date: string | null;
  objective: { withdrawal_day: number; force_person_days: number } | null;
  bound: { withdrawal_day: number; force_person_days: number } | null;
  handovers: { site: string; agency: string; start: string; transfer: string }[];
  units: { unit: string; released: string }[];
  contingents: { contingent: string; withdrawn: string }[];
  reasons: { constraint: string; message: string }[];
}

export function checkPlan(scenario: Scenario, plan: CheckedPlan): string[] {
  const errors: string[] = [];
  const day0 = scenario.operation.start;
  const day = (d: string) => dayIndex(day0, d);
  if (plan.status === 'infeasible') {
    if (plan.reasons.length === 0) errors.push('infeasible plan without a reason');
    return errors;
  }
  const byId = new Map(plan.handovers.map((h) => [h.site, h]));
  if (byId.size !== plan.handovers.length) errors.push('a site appears twice in handovers');
  if (plan.handovers.length !== scenario.sites.length)
    errors.push('handovers do not cover every site exactly');
  const T = new Map<string, number>();
  const S = new Map<string, number>();
  for (const site of scenario.sites) {
    const h = byId.get(site.id);
    if (!h) {
      errors.push(`site ${site.id} has no handover`);
      continue;
    }
    const d = site.overlap_days ?? 1;
    const s = day(h.start);
    S.set(site.id, s);
    T.set(site.id, s + d);
    if (h.transfer !== addDays(day0, s + d))
      errors.push(`site ${site.id}: transfer ${h.transfer} is not start + ${d}`);
    const agency = scenario.agencies.find((a) => a.id === h.agency);
    if (!agency) {
      errors.push(`site ${site.id}: unknown agency ${h.agency}`);
      continue;
    }
    if (site.criticality > (agency.max_criticality ?? 5))
      errors.push(`site ${site.id}: criticality above ${agency.id}'s`);
    if (agency.sectors && !agency.sectors.includes(site.sector))
      errors.push(`site ${site.id}: sector not taken by ${agency.id}`);
    const started = site.handover && site.handover.state !== 'planned';
    const pinAgency = started ? site.handover?.agency : site.pinned?.agency;
    const pinStart = started ? site.handover?.start : site.pinned?.start;
    if (pinAgency !== undefined && h.agency !== pinAgency)
      errors.push(`site ${site.id}: pinned agency not kept`);
    if (pinStart !== undefined && h.start !== pinStart) errors.push(`site ${site.id}: pinned start not kept`);
    if (!started) {
      if (s < 0) errors.push(`site ${site.id}: starts before the operation`);
      if (site.not_before && s < day(site.not_before)) errors.push(`site ${site.id}: starts before its gate`);
    }
    if (scenario.operation.deadline && s + d > day(scenario.operation.deadline))
      errors.push(`site ${site.id}: transfers after the deadline`);
  }
  for (const site of scenario.sites)
    for (const h of site.after ?? []) {
      const sf = S.get(site.id);
      const th = T.get(h);
      if (sf !== undefined && th !== undefined && sf < th)
        errors.push(`site ${site.id} starts before ${h} transfers`);
    }
  const max = scenario.rules?.max_handovers_per_day;
  if (max !== undefined) {
    const count = new Map<number, number>();
    for (const s of S.values()) count.set(s, (count.get(s) ?? 0) + 1);
    for (const [d, c] of count) if (c > max) errors.push(`${c} handovers start on day ${d}, above ${max}`);
  }
  // Capacity on every day from the first start (or day 0) to beyond the last start and capacity step.
  let first = 0;
  let last = 0;
  for (const s of S.values()) {
    first = Math.min(first, s);
    last = Math.max(last, s);
  }
  for (const a of scenario.agencies) for (const c of a.capacity) last = Math.max(last, day(c.from));
  for (const a of scenario.agencies) {
    for (let t = Math.max(0, first); t <= last + 1; t++) {
      let used = 0;
      for (const h of plan.handovers)
        if (h.agency === a.id && day(h.start) <= t)
          used += scenario.sites.find((x) => x.id === h.site)?.guards ?? 0;
      let cap = 0;
      for (const c of a.capacity) if (day(c.from) <= t) cap = c.guards;
      if (used > cap) errors.push(`agency ${a.id}: ${used} guards committed on day ${t}, capacity ${cap}`);
    }
  }
  // Derived figures.
  let w = 0;
  let anySite = false;
  for (const t of T.values()) {
    w = anySite ? Math.max(w, t) : t;
    anySite = true;
  }
  let pd = 0;
  const released = new Map<string, number>();
  for (const c of scenario.force.contingents)
    for (const u of c.units) {
      let r = 0;
      let any = false;
      for (const site of scenario.sites)
        if (site.guarded_by === u.id) {
          const t = T.get(site.id) ?? 0;
          r = any ? Math.max(r, t) : t;
          any = true;
        }
      released.set(u.id, r);
      pd += u.strength * r;
    }
  if (!plan.objective) errors.push('no objective');
  else {
    if (plan.objective.withdrawal_day !== w)
      errors.push(`withdrawal_day ${plan.objective.withdrawal_day}, recomputed ${w}`);
    if (plan.objective.force_person_days !== pd)
      errors.push(`force_person_days ${plan.objective.force_person_days}, recomputed ${pd}`);
  }
  if (plan.withdrawal_date !== addDays(day0, w))
    errors.push(`withdrawal_date ${plan.withdrawal_date}, recomputed ${addDays(day0, w)}`);
  if (!plan.bound) errors.push('no bound');
  else if (plan.objective) {
    if (plan.bound.withdrawal_day > plan.objective.withdrawal_day) errors.push('bound on W above W');
    if (plan.bound.force_person_days > plan.objective.force_person_days)
      errors.push('bound on person-days above them');
    const proven =
      plan.bound.withdrawal_day === plan.objective.withdrawal_day &&
      plan.bound.force_person_days === plan.objective.force_person_days;
    if (plan.status === 'optimal' && !proven) errors.push('optimal without matching bounds');
  }
  for (const c of scenario.force.contingents) {
    const u = plan.units.filter((x) => c.units.some((y) => y.id === x.unit));
    if (u.length !== c.units.length) errors.push(`contingent ${c.id}: units missing`);
    let wd = 0;
    c.units.forEach((unit, i) => {
      const r = released.get(unit.id) ?? 0;
      wd = i === 0 ? r : Math.max(wd, r);
      const listed = plan.units.find((x) => x.unit === unit.id);
      if (listed?.released !== addDays(day0, r))
        errors.push(`unit ${unit.id}: released ${listed?.released}, recomputed ${addDays(day0, r)}`);
    });
    const listed = plan.contingents.find((x) => x.contingent === c.id);
    if (listed?.withdrawn !== addDays(day0, wd))
      errors.push(`contingent ${c.id}: withdrawn ${listed?.withdrawn}, recomputed ${addDays(day0, wd)}`);
  }
  return errors;
}
