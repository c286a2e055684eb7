// Runs the planner in a worker thread so the server keeps answering during a long planning run.
import { parentPort, workerData } from 'node:worker_threads';
import { planHandovers } from '../core/plan/planner.ts';
import type { Scenario } from '../core/scenario/schema.ts';

const { scenario, timeLimitMs } = workerData as { scenario: Scenario; timeLimitMs: number };
const port = parentPort;
if (!port) throw new Error('plan-worker must run in a worker thread');
try {
  const plan = await planHandovers(scenario, {
    timeLimitMs,
    onProgress: (p) => port.postMessage({ type: 'progress', phase: p.phase, fraction: p.fraction }),
  });
  port.postMessage({ type: 'result', plan });
} catch (e) {
  port.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
}
