import type { Plan } from './planner.ts';

export interface PlanChange {
  site: string;
  before: { agency: string; start: string } | null;
  after: { agency: string; start: string } | null;
}

export interface PlanDiff {
  withdrawal: { before: string | null; after: string | null; days: number | null };
  personDays: { before: number | null; after: number | null; change: number | null };
  status: { before: Plan['status']; after: Plan['status'] };
  /** Sites whose agency or start differ (or that are planned in one only). */
  moved: PlanChange[];
  contingents: { contingent: string; before: string | null; after: string | null }[];
}

/** What changes from plan `a` to plan `b`: the withdrawal day, person-days, and which sites move. */
export function comparePlans(a: Plan, b: Plan): PlanDiff {
  const byA = new Map(a.handovers.map((h) => [h.site, h]));
  const byB = new Map(b.handovers.map((h) => [h.site, h]));
  const moved: PlanChange[] = [];
  for (const site of new Set([...byA.keys(), ...byB.keys()])) {
    const x = byA.get(site);
    const y = byB.get(site);
    if (x && y && x.agency === y.agency && x.start === y.start) continue;
    moved.push({
      site,
      before: x ? { agency: x.agency, start: x.start } : null,
      after: y ? { agency: y.agency, start: y.start } : null,
    });
  }
  const days = (d: string | null) => (d === null ? null : Date.parse(`${d}T00:00:00Z`) / 86_400_000);
  const wa = days(a.withdrawal_date);
  const wb = days(b.withdrawal_date);
  const pa = a.objective?.force_person_days ?? null;
  const pb = b.objective?.force_person_days ?? null;
  const cA = new Map(a.contingents.map((c) => [c.contingent, c.withdrawn]));
  const cB = new Map(b.contingents.map((c) => [c.contingent, c.withdrawn]));
  return {
    withdrawal: {
      before: a.withdrawal_date,
      after: b.withdrawal_date,
      days: wa !== null && wb !== null ? wb - wa : null,
    },
    personDays: { before: pa, after: pb, change: pa !== null && pb !== null ? pb - pa : null },
    status: { before: a.status, after: b.status },
    moved,
    contingents: [...new Set([...cA.keys(), ...cB.keys()])]
      .map((c) => ({ contingent: c, before: cA.get(c) ?? null, after: cB.get(c) ?? null }))
      .filter((c) => c.before !== c.after),
  };
}
