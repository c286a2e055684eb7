import { readFileSync } from 'node:fs';
import { addDays } from '../../core/dates.ts';
import { planHandovers, type Plan } from '../../core/plan/planner.ts';
import { formatOfFileName, parseScenario } from '../../core/scenario/io.ts';
import type { Scenario } from '../../core/scenario/schema.ts';
import { InputError } from '../../service/errors.ts';

/** Exit code of an infeasible scenario (a plan is impossible, the input itself is valid). */
export const EXIT_INFEASIBLE = 2;

/**
 * `handover plan FILE [--json] [--time-limit S]`: plans a scenario file. Prints the contract's JSON or a
 * summary (phases by day, per-contingent withdrawal); sets exit code 2 when the scenario is infeasible.
 */
export async function planCommandAction(
  file: string,
  opts: { json?: boolean; timeLimit?: number },
): Promise<void> {
  let text: string;
  try {
    text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError([{ path: file, message: `cannot read the file: ${(e as Error).message}` }]);
  }
  const check = parseScenario(text, formatOfFileName(file));
  if (!check.ok) throw new InputError(check.problems);
  const timeLimitMs = opts.timeLimit !== undefined && opts.timeLimit > 0 ? opts.timeLimit * 1000 : undefined;
  const showProgress = !opts.json && process.stderr.isTTY;
  const t0 = Date.now();
  const plan = await planHandovers(check.scenario, {
    timeLimitMs,
    onProgress: showProgress
      ? (p) => {
          if (Date.now() - t0 > 1000)
            process.stderr.write(`\rplanning: ${p.phase} ${Math.round(p.fraction * 100)} %   `);
        }
      : undefined,
  });
  if (showProgress && Date.now() - t0 > 1000) process.stderr.write('\r\x1b[K');
  if (opts.json) console.log(JSON.stringify(plan, null, 2));
  else console.log(formatPlanSummary(check.scenario, plan));
  if (plan.status === 'infeasible') process.exitCode = EXIT_INFEASIBLE;
}

/** The human-readable plan: status, objective and bounds, phases by day, withdrawal per contingent, reasons. */
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
      `Deadline ${scenario.operation.deadline}: met with ${dayDiff(plan.withdrawal_date, scenario.operation.deadline)} day(s) to spare.`,
    );
  return lines.join('\n');
}

function dayDiff(from: string, to: string): number {
  let d = 0;
  while (addDays(from, d) < to) d++;
  return d;
}
