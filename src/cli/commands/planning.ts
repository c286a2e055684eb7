import { comparePlans, type PlanDiff } from '../../core/plan/diff.ts';
import { planHandovers, type Plan, type PlanOptions } from '../../core/plan/planner.ts';
import { replanHandovers, type PreviousPlan } from '../../core/plan/replan.ts';
import { applyWhatIf, parseWhatIf, WhatIfError } from '../../core/plan/what-if.ts';
import { InputError } from '../../service/errors.ts';
import { PlanningService } from '../../service/planning.ts';
import { actorFromEnv, count, EXIT, readInputFile, readScenarioFile, withService } from '../context.ts';
import { formatPlanSummary, scenarioNames, type Names } from './plan-summary.ts';

export interface PlanCommandOptions {
  json?: boolean;
  timeLimit?: number;
  whatIf?: string[];
  previous?: string;
}

function readPreviousPlan(file: string): PreviousPlan {
  let data: unknown;
  try {
    data = JSON.parse(readInputFile(file));
  } catch (e) {
    throw new InputError([{ path: file, message: `not a plan (JSON): ${(e as Error).message}` }]);
  }
  const handovers = (data as { handovers?: unknown }).handovers;
  if (!Array.isArray(handovers))
    throw new InputError([
      { path: `${file}: handovers`, message: 'a plan lists its handovers (see `handover plan --json`)' },
    ]);
  handovers.forEach((h: unknown, i) => {
    const x = h as Record<string, unknown>;
    for (const k of ['site', 'agency', 'start'] as const)
      if (typeof x[k] !== 'string')
        throw new InputError([{ path: `${file}: handovers[${i}].${k}`, message: 'is required (text)' }]);
  });
  return data as PreviousPlan;
}

/** A progress line on a terminal for runs longer than a second. */
function progressLine(enabled: boolean): { onProgress?: PlanOptions['onProgress']; done: () => void } {
  if (!enabled || !process.stderr.isTTY) return { done: () => undefined };
  const t0 = Date.now();
  let shown = false;
  return {
    onProgress: (p) => {
      if (Date.now() - t0 < 1000) return;
      shown = true;
      process.stderr.write(
        `\rplanning: ${p.phase.padEnd(12)} ${String(Math.round(p.fraction * 100)).padStart(3)} %  ${((Date.now() - t0) / 1000).toFixed(1)} s `,
      );
    },
    done: () => {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}

const BY_ID: Names = { site: (id) => id, agency: (id) => id, contingent: (id) => id };

/** What changed between two plans, for people: sites, agencies and contingents as `names` says them. */
export function formatDiff(d: PlanDiff, names: Names = BY_ID): string {
  const lines: string[] = [];
  const w = d.withdrawal;
  lines.push(
    `Withdrawal: ${w.before ?? '—'} → ${w.after ?? '—'}` +
      (w.days !== null && w.days !== 0
        ? ` (${w.days > 0 ? '+' : ''}${w.days} day${Math.abs(w.days) === 1 ? '' : 's'})`
        : w.days === 0
          ? ' (unchanged)'
          : ''),
  );
  const pd = d.personDays;
  lines.push(
    `Force person-days: ${pd.before ?? '—'} → ${pd.after ?? '—'}${pd.change ? ` (${pd.change > 0 ? '+' : ''}${pd.change})` : ''}`,
  );
  if (d.status.before !== d.status.after) lines.push(`Status: ${d.status.before} → ${d.status.after}`);
  lines.push(
    d.moved.length
      ? `${count(d.moved.length, 'site')} ${d.moved.length === 1 ? 'moves' : 'move'}:`
      : 'No site moves.',
  );
  for (const m of d.moved.slice(0, 40))
    lines.push(
      `  ${names.site(m.site)}: ${m.before ? `${names.agency(m.before.agency)} from ${m.before.start}` : 'unplanned'} → ${m.after ? `${names.agency(m.after.agency)} from ${m.after.start}` : 'unplanned'}`,
    );
  if (d.moved.length > 40) lines.push(`  … and ${d.moved.length - 40} more`);
  for (const c of d.contingents)
    lines.push(
      `Contingent ${names.contingent(c.contingent)} withdraws ${c.before ?? '—'} → ${c.after ?? '—'}`,
    );
  return lines.join('\n');
}

/**
 * `handover plan [FILE]`: plans a scenario file, or the operation in the database (stored as a new plan
 * version; re-planned against the adopted plan, if there is one, as the server does, what-if changes
 * included). With --what-if and nothing adopted, plans before and after the changes and prints what they
 * change; with --previous, re-plans keeping what has started and moving as few handovers as it can.
 */
export async function planCommand(file: string | undefined, opts: PlanCommandOptions): Promise<void> {
  const actor = actorFromEnv();
  // The operation in the database is re-planned against its adopted plan, as the server does: with
  // what-if changes too, so that what it prints as moving is what would move from the plan in force.
  const { scenario, adopted } = file
    ? { scenario: readScenarioFile(file), adopted: undefined }
    : await withService(async (svc) => ({
        scenario: await svc.exportScenario(actor),
        adopted: opts.previous ? undefined : await new PlanningService(svc).adopted(),
      }));
  const timeLimitMs = opts.timeLimit !== undefined ? opts.timeLimit * 1000 : undefined;
  let changed = scenario;
  if (opts.whatIf?.length) {
    try {
      changed = applyWhatIf(scenario, parseWhatIf(opts.whatIf));
    } catch (e) {
      if (e instanceof WhatIfError) throw new InputError([{ path: '--what-if', message: e.message }]);
      throw e;
    }
  }
  const progress = progressLine(!opts.json);
  const options: PlanOptions = {
    ...(timeLimitMs !== undefined ? { timeLimitMs } : {}),
    ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
  };
  let plan: Plan;
  let changes: PlanDiff | undefined;
  let kept: string[] = [];
  let fewestProven: boolean | undefined;
  let before: Plan | undefined;
  const previous = opts.previous ? readPreviousPlan(opts.previous) : adopted?.plan;
  try {
    if (previous) {
      const r = await replanHandovers(changed, previous, options);
      plan = r.plan;
      changes = r.changes;
      kept = r.kept;
      fewestProven = r.fewestProven;
    } else if (opts.whatIf?.length) {
      // The changed plan stays as close to the plan before as the changes allow, so that what moves
      // is what the changes move.
      before = await planHandovers(scenario, options);
      plan = (await replanHandovers(changed, before, options)).plan;
      changes = comparePlans(before, plan);
    } else plan = await planHandovers(scenario, options);
  } finally {
    progress.done();
  }

  let version: number | undefined;
  if (!file)
    version = await withService((svc) =>
      new PlanningService(svc).record(
        { timeLimitS: (timeLimitMs ?? 10_000) / 1000, whatIf: opts.whatIf ?? [] },
        actor,
        plan,
        adopted && changes
          ? { previousPlanId: adopted.id, changes: changes.moved, fewestMovesProven: fewestProven ?? false }
          : undefined,
      ),
    );

  if (opts.json) {
    const out = changes
      ? {
          plan,
          changes,
          ...(before ? { before } : {}),
          ...(previous ? { kept, fewest_moves_proven: fewestProven ?? false } : {}),
          ...(adopted ? { previous_plan: adopted.id } : {}),
          ...(version ? { version } : {}),
        }
      : plan;
    console.log(JSON.stringify(out, null, 2));
  } else {
    const names = scenarioNames(scenario);
    if (opts.whatIf?.length) console.log(`What if: ${opts.whatIf.join('; ')}\n`);
    console.log(formatPlanSummary(changed, plan));
    if (adopted) console.log(`\nRe-planned against the adopted plan, version ${adopted.id}.`);
    if (previous)
      console.log(`\nKept as under way: ${kept.length ? kept.map(names.site).join(', ') : 'none'}`);
    if (changes) console.log(`\n${formatDiff(changes, names)}`);
    if (previous)
      console.log(
        fewestProven
          ? 'No plan as good moves fewer handovers (proven).'
          : 'Handovers were kept where they were as far as a greedy pass could; fewer moves were not proven impossible.',
      );
    if (version)
      console.log(`\nStored as plan version ${version} (adopt it with POST /api/plans/${version}/adopt).`);
  }
  if (plan.status === 'infeasible') process.exitCode = EXIT.refused;
}
