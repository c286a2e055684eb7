// Runs the planner in a worker thread so the server keeps answering during a long planning run.
import { parentPort, workerData } from 'node:worker_threads';
import { planHandovers, type PlanOptions } from '../core/plan/planner.ts';
import { replanHandovers, type PreviousPlan } from '../core/plan/replan.ts';
import type { Scenario } from '../core/scenario/schema.ts';
import type { Replanned } from '../store/plans.ts';

const { scenario, timeLimitMs, previous } = workerData as {
  scenario: Scenario;
  timeLimitMs: number;
  /** The adopted plan, if any: the new plan moves as few of its handovers as it can. */
  previous?: PreviousPlan;
};
const port = parentPort;
if (!port) throw new Error('plan-worker must run in a worker thread');
try {
  const options: PlanOptions = {
    timeLimitMs,
    onProgress: (p) => port.postMessage({ type: 'progress', phase: p.phase, fraction: p.fraction }),
  };
  if (previous) {
    const r = await replanHandovers(scenario, previous, options);
    const replanned: Replanned = { changes: r.changes.moved, fewestMovesProven: r.fewestProven };
    port.postMessage({ type: 'result', plan: r.plan, replanned });
  } else port.postMessage({ type: 'result', plan: await planHandovers(scenario, options) });
} catch (e) {
  port.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
}
