import type { TimeIndexedModel } from './exact.ts';
import type { Schedule } from './greedy.ts';
import type { HighsRunner } from './highs-runner.ts';
import { improveUnitsWithMip } from './lns.ts';
import type { PlanningProblem } from './problem.ts';

/**
 * Rounds an LP solution of the time-indexed model: every site the LP starts whole on one (agency, day) is
 * fixed there when its whole unit is; the units with a fractional site are re-solved together as a MIP
 * (the rest fixed, see `improveUnitsWithMip`). On the generated operations the strong LP leaves about 5 %
 * of the sites fractional, so the remainder is small. The caller checks the plan before keeping it.
 */
export async function roundLpSolution(
  p: PlanningProblem,
  es: Int32Array,
  ls: Int32Array,
  w: number,
  m: TimeIndexedModel,
  x: Float64Array,
  incumbent: Schedule,
  runner: HighsRunner,
  timeLimitMs: number,
): Promise<Schedule | undefined> {
  const n = p.sites.length;
  const start = Int32Array.from(incumbent.start);
  const agency = Int32Array.from(incumbent.agency);
  const whole = new Uint8Array(n);
  for (let j = 0; j < m.numX; j++)
    if ((x[j] ?? 0) > 1 - 1e-6) {
      const f = m.colSite[j] ?? 0;
      whole[f] = 1;
      start[f] = m.colDay[j] ?? 0;
      agency[f] = m.colAgency[j] ?? 0;
    }
  const freeUnits = p.units.filter((u) => u.sites.some((f) => !whole[f])).map((u) => u.index);
  const rounded: Schedule = { start, agency };
  if (!freeUnits.length) return rounded;
  return improveUnitsWithMip(p, es, ls, w, rounded, freeUnits, runner, timeLimitMs, true);
}
