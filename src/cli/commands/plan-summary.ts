import { addDays } from '../../core/dates.ts';
import type { Plan } from '../../core/plan/planner.ts';
import { reasonSentence, type PlanReason } from '../../core/plan/reasons.ts';
import type { Scenario } from '../../core/scenario/schema.ts';
import { count } from '../context.ts';

/** How the CLI's texts say sites, agencies and contingents. */
export interface Names {
  site: (id: string) => string;
  agency: (id: string) => string;
  contingent: (id: string) => string;
}

/** The names a scenario gives its sites and agencies, and its contingents as the web app says them: "Nation (ID)". */
export function scenarioNames(s: Scenario): Names {
  const site = new Map(s.sites.map((x) => [x.id, x.name]));
  const agency = new Map(s.agencies.map((x) => [x.id, x.name]));
  const contingent = new Map(s.force.contingents.map((c) => [c.id, `${c.nation} (${c.id})`]));
  return {
    site: (id) => site.get(id) ?? id,
    agency: (id) => agency.get(id) ?? id,
    contingent: (id) => contingent.get(id) ?? id,
  };
}

/** A plan for people: the phases by day, when each contingent withdraws, and what decides the day. */
export function formatPlanSummary(scenario: Scenario, plan: Plan): string {
  const lines: string[] = [];
  const name = scenario.operation.name;
  const names = scenarioNames(scenario);
  // Reasons name sites as the phases below do, quoted: names may hold commas and brackets.
  const reasonLine = (r: PlanReason) =>
    `  - [${r.constraint}] ${reasonSentence(r, (id) => `“${names.site(id)}”`)}`;
  if (plan.status === 'infeasible') {
    lines.push(`${name}: no plan is possible.`);
    for (const r of plan.reasons) lines.push(reasonLine(r));
    return lines.join('\n');
  }
  const o = plan.objective;
  const b = plan.bound;
  lines.push(
    `${name}: the force can withdraw on ${plan.withdrawal_date} (day ${o?.withdrawal_day ?? '?'}), ${plan.status}.`,
  );
  if (o && b)
    lines.push(
      `  force person-days ${o.force_person_days}` +
        (plan.status === 'optimal'
          ? ' (optimal)'
          : ` (bounds: withdrawal day ≥ ${b.withdrawal_day}, person-days ≥ ${b.force_person_days})`),
    );
  const byStart = new Map<string, Plan['handovers']>();
  for (const h of plan.handovers) byStart.set(h.start, [...(byStart.get(h.start) ?? []), h]);
  lines.push('', 'Phases (joint guard starts → transfer of authority):');
  for (const start of [...byStart.keys()].sort()) {
    const list = byStart.get(start) ?? [];
    lines.push(`  ${start}: ${list.length} handover${list.length > 1 ? 's' : ''}`);
    for (const h of list)
      lines.push(`    ${names.site(h.site)} → ${names.agency(h.agency)}, transfer ${h.transfer}`);
  }
  lines.push('', 'Withdrawal by contingent:');
  for (const c of plan.contingents) lines.push(`  ${names.contingent(c.contingent)}: ${c.withdrawn}`);
  if (plan.reasons.length) {
    lines.push('', 'What decides the withdrawal day:');
    for (const r of plan.reasons) lines.push(reasonLine(r));
  }
  if (scenario.operation.deadline && plan.withdrawal_date)
    lines.push(
      '',
      `Deadline ${scenario.operation.deadline}: met with ${count(dayDiff(plan.withdrawal_date, scenario.operation.deadline), 'day')} to spare.`,
    );
  return lines.join('\n');
}

function dayDiff(from: string, to: string): number {
  let d = 0;
  while (addDays(from, d) < to) d++;
  return d;
}
