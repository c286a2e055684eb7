import { addDays } from '../../core/dates.ts';
import type { Plan } from '../../core/plan/planner.ts';
import type { Scenario } from '../../core/scenario/schema.ts';
import { count } from '../context.ts';

/** A plan for people: the phases by day, when each contingent withdraws, and what decides the day. */
export function formatPlanSummary(scenario: Scenario, plan: Plan): string {
  const lines: string[] = [];
  const name = scenario.operation.name;
  if (plan.status === 'infeasible') {
    lines.push(`${name}: no plan is possible.`);
    for (const r of plan.reasons) lines.push(`  - [${r.constraint}] ${r.message}`);
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
  const siteName = new Map(scenario.sites.map((s) => [s.id, s.name]));
  const agencyName = new Map(scenario.agencies.map((a) => [a.id, a.name]));
  const byStart = new Map<string, Plan['handovers']>();
  for (const h of plan.handovers) byStart.set(h.start, [...(byStart.get(h.start) ?? []), h]);
  lines.push('', 'Phases (joint guard starts → transfer of authority):');
  for (const start of [...byStart.keys()].sort()) {
    const list = byStart.get(start) ?? [];
    lines.push(`  ${start}: ${list.length} handover${list.length > 1 ? 's' : ''}`);
    for (const h of list)
      lines.push(
        `    ${siteName.get(h.site) ?? h.site} → ${agencyName.get(h.agency) ?? h.agency}, transfer ${h.transfer}`,
      );
  }
  lines.push('', 'Withdrawal by contingent:');
  for (const c of plan.contingents) {
    const nation = scenario.force.contingents.find((x) => x.id === c.contingent)?.nation;
    lines.push(`  ${c.contingent}${nation ? ` (${nation})` : ''}: ${c.withdrawn}`);
  }
  if (plan.reasons.length) {
    lines.push('', 'What decides the withdrawal day:');
    for (const r of plan.reasons) lines.push(`  - [${r.constraint}] ${r.message}`);
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
