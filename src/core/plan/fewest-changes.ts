import { earliestStarts, latestStarts, topologicalOrder } from './analysis.ts';
import {
  buildTimeIndexedModel,
  columnsToSchedule,
  countTimeIndexedColumns,
  scheduleToColumns,
} from './exact.ts';
import { evaluateSchedule, type Schedule } from './greedy.ts';
import { HighsRunner, type LinearModel } from './highs-runner.ts';
import type { PlanningProblem } from './problem.ts';

/** Column count above which the exact stage is not tried (the whole MIP is dependable up to about this). */
const COLUMN_LIMIT = 15_000;

/**
 * The re-plan's third objective, exactly: among plans with withdrawal day `w` and at most `pd` person-days
 * (both proven optimal), the one that keeps the most sites at their previous agency and start. The
 * time-indexed MIP gets a person-days row and a cost of −1 on each previous assignment; HiGHS starts from
 * `current` (the greedy repair). Returns the plan and whether the count is proven least, or undefined
 * when the model is too large or HiGHS found nothing within the time.
 */
export async function fewestChanges(
  p: PlanningProblem,
  w: number,
  pd: number,
  previous: ReadonlyMap<number, { agency: number; start: number }>,
  current: Schedule,
  timeLimitMs: number,
): Promise<{ schedule: Schedule; proven: boolean } | undefined> {
  const order = topologicalOrder(p);
  const es = earliestStarts(p, order);
  const ls = latestStarts(p, order, w);
  if (countTimeIndexedColumns(p, es, ls) > COLUMN_LIMIT || timeLimitMs < 50) return undefined;
  const m = buildTimeIndexedModel(p, es, ls, w, undefined, true);
  const cost = new Float64Array(m.model.numCols);
  for (let j = 0; j < m.numX; j++) {
    const before = previous.get(m.colSite[j] ?? -1);
    if (before && before.agency === m.colAgency[j] && before.start === m.colDay[j]) cost[j] = -1;
  }
  const person = new Map<number, number>();
  for (const u of p.units) {
    const j = m.unitCol[u.index] ?? -1;
    if (j >= 0) person.set(j, u.strength);
  }
  const model = withRow({ ...m.model, colCost: cost }, person, -1e30, pd);
  const runner = new HighsRunner(Date.now() + timeLimitMs);
  try {
    const out = await runner.solve(model, {
      timeLimitMs,
      mip: true,
      solution: scheduleToColumns(m, p, current),
    });
    if ((out.kind !== 'optimal' && out.kind !== 'limit') || !out.colValue) return undefined;
    const schedule = columnsToSchedule(m, p, out.colValue);
    const e = evaluateSchedule(p, schedule);
    if (e.w > w || e.pd > pd) return undefined;
    return { schedule, proven: out.kind === 'optimal' };
  } finally {
    await runner.close();
  }
}

/** The model with one more row, `lower ≤ Σ coef·x ≤ upper` (CSC rebuilt; the new row is the last). */
function withRow(
  model: LinearModel,
  coefs: ReadonlyMap<number, number>,
  lower: number,
  upper: number,
): LinearModel {
  const { starts, indices, values } = model.matrix;
  const row = model.numRows;
  const newStarts = new Int32Array(model.numCols + 1);
  const newIndices = new Int32Array(indices.length + coefs.size);
  const newValues = new Float64Array(values.length + coefs.size);
  let k = 0;
  for (let j = 0; j < model.numCols; j++) {
    newStarts[j] = k;
    for (let e = starts[j] ?? 0; e < (starts[j + 1] ?? 0); e++) {
      newIndices[k] = indices[e] ?? 0;
      newValues[k++] = values[e] ?? 0;
    }
    const c = coefs.get(j);
    if (c !== undefined) {
      newIndices[k] = row;
      newValues[k++] = c;
    }
  }
  newStarts[model.numCols] = k;
  const rowLower = new Float64Array(row + 1);
  rowLower.set(model.rowLower);
  rowLower[row] = lower;
  const rowUpper = new Float64Array(row + 1);
  rowUpper.set(model.rowUpper);
  rowUpper[row] = upper;
  return {
    ...model,
    numRows: row + 1,
    rowLower,
    rowUpper,
    matrix: {
      format: 'csc',
      numRows: row + 1,
      numCols: model.numCols,
      starts: newStarts,
      indices: newIndices,
      values: newValues,
    },
  };
}
