import { sumOverSubsets } from './analysis.ts';
import type { Schedule } from './greedy.ts';
import { effectiveCapacity, type PlanningProblem } from './problem.ts';

export type Placement = 'late' | 'early' | 'target';

export interface InsertionRule {
  /** Units in priority order: each gets the earliest release its sites can reach given those before it. */
  readonly unitOrder: readonly number[];
  /** Where in its window a site goes: as late as the unit's release allows, as early as possible, or nearest a target day. */
  readonly placement: Placement;
  readonly target?: Float64Array;
  readonly preferredAgency?: Int32Array;
}

/**
 * Unit-by-unit insertion: units in priority order, each released as early as the capacity, throughput and
 * precedence left by the units before it allow, its sites placed within [earliest, release − d_f]. Capacity
 * is checked on every later day (commitments are for good) and the final packing guard keeps the rest
 * placeable. Returns undefined if some unit cannot be released by `horizon`.
 */
export function insertionSchedule(
  p: PlanningProblem,
  es: Int32Array,
  ls: Int32Array,
  horizon: number,
  rule: InsertionRule,
  agencyPreference: readonly number[],
): Schedule | undefined {
  const n = p.sites.length;
  const A = p.agencies.length;
  let minDay = 0;
  for (const s of p.sites) if (s.pinnedStart !== undefined) minDay = Math.min(minDay, s.pinnedStart);
  const offset = -minDay;
  const H = horizon + offset + 1; // day index range [minDay, horizon]
  const cap = p.agencies.map((a) => {
    const arr = new Float64Array(H);
    for (let k = 0; k < H; k++) arr[k] = k - offset < 0 ? Infinity : effectiveCapacity(a, k - offset);
    return arr;
  });
  const used = p.agencies.map(() => new Float64Array(H)); // committed guards on each day
  const starts = new Int32Array(H);
  const start = new Int32Array(n).fill(-(1 << 30));
  const agency = new Int32Array(n).fill(-1);
  const placed = new Uint8Array(n);

  // Final packing guard, as in the list scheduler.
  const useHall = A <= 10;
  const size = useHall ? 1 << A : 0;
  const hallSlack = new Float64Array(size);
  const siteMask = new Int32Array(n);
  if (useHall) {
    const demand = new Float64Array(size);
    for (const s of p.sites) {
      let m = 0;
      for (const a of s.agencies) m |= 1 << a;
      siteMask[s.index] = m;
      demand[m] = (demand[m] ?? 0) + s.guards;
    }
    sumOverSubsets(demand, A);
    for (let S = 0; S < size; S++) {
      let c = 0;
      for (let a = 0; a < A; a++)
        if (S & (1 << a))
          c += p.agencies[a]?.effective[(p.agencies[a]?.effective.length ?? 1) - 1]?.guards ?? 0;
      hallSlack[S] = c - (demand[S] ?? 0);
    }
  }
  const packingOk = (f: number, a: number, g: number) => {
    if (!useHall) return true;
    const m = siteMask[f] ?? 0;
    const bit = 1 << a;
    for (let S = 0; S < size; S++) if (S & bit && (S & m) !== m && (hallSlack[S] ?? 0) < g) return false;
    return true;
  };
  const capacityOk = (a: number, k: number, g: number) => {
    const u = used[a];
    const c = cap[a];
    if (!u || !c) return false;
    for (let j = k; j < H; j++) if ((u[j] ?? 0) + g > (c[j] ?? 0)) return false;
    return true;
  };
  const commit = (f: number, a: number, day: number) => {
    const g = p.sites[f]?.guards ?? 0;
    const k = day + offset;
    const u = used[a];
    if (u) for (let j = k; j < H; j++) u[j] = (u[j] ?? 0) + g;
    starts[k] = (starts[k] ?? 0) + 1;
    start[f] = day;
    agency[f] = a;
    placed[f] = 1;
    if (useHall) {
      const m = siteMask[f] ?? 0;
      const bit = 1 << a;
      for (let S = 0; S < size; S++) {
        if (S & bit) hallSlack[S] = (hallSlack[S] ?? 0) - g;
        if ((S & m) === m) hallSlack[S] = (hallSlack[S] ?? 0) + g;
      }
    }
  };
  const uncommit = (f: number) => {
    const a = agency[f] ?? -1;
    const day = start[f] ?? 0;
    const g = p.sites[f]?.guards ?? 0;
    const k = day + offset;
    const u = used[a];
    if (u) for (let j = k; j < H; j++) u[j] = (u[j] ?? 0) - g;
    starts[k] = (starts[k] ?? 0) - 1;
    placed[f] = 0;
    if (useHall) {
      const m = siteMask[f] ?? 0;
      const bit = 1 << a;
      for (let S = 0; S < size; S++) {
        if (S & bit) hallSlack[S] = (hallSlack[S] ?? 0) + g;
        if ((S & m) === m) hallSlack[S] = (hallSlack[S] ?? 0) - g;
      }
    }
    agency[f] = -1;
  };
  const pickAgency = (f: number, day: number): number => {
    const s = p.sites[f];
    if (!s) return -1;
    const k = day + offset;
    const preferred = rule.preferredAgency?.[f] ?? -1;
    if (
      preferred >= 0 &&
      s.agencies.includes(preferred) &&
      capacityOk(preferred, k, s.guards) &&
      packingOk(f, preferred, s.guards)
    )
      return preferred;
    for (const a of agencyPreference)
      if (s.agencies.includes(a) && capacityOk(a, k, s.guards) && packingOk(f, a, s.guards)) return a;
    return -1;
  };
  // Window of a site given what is placed: predecessors transferred, successors not delayed.
  const window = (f: number, release: number): [number, number] => {
    const s = p.sites[f];
    if (!s) return [1, 0];
    let lo = es[f] ?? 0;
    for (const h of s.preds) if (placed[h]) lo = Math.max(lo, (start[h] ?? 0) + (p.sites[h]?.overlap ?? 0));
    let hi = Math.min(release - s.overlap, ls[f] ?? 0);
    if (p.deadline !== undefined) hi = Math.min(hi, p.deadline - s.overlap);
    for (const g of s.succs) if (placed[g]) hi = Math.min(hi, (start[g] ?? 0) - s.overlap);
    if (s.pinnedStart !== undefined) {
      lo = Math.max(lo, s.pinnedStart);
      hi = Math.min(hi, s.pinnedStart);
    }
    return [lo, Math.min(hi, horizon)];
  };
  const tryPlace = (f: number, release: number): boolean => {
    const [lo, hi] = window(f, release);
    if (lo > hi) return false;
    const days: number[] = [];
    if (rule.placement === 'late') for (let d = hi; d >= lo; d--) days.push(d);
    else if (rule.placement === 'early') for (let d = lo; d <= hi; d++) days.push(d);
    else {
      const target = Math.round(rule.target?.[f] ?? lo);
      const t0 = Math.min(hi, Math.max(lo, target));
      days.push(t0);
      for (let k = 1; k <= hi - lo; k++) {
        if (t0 - k >= lo) days.push(t0 - k);
        if (t0 + k <= hi) days.push(t0 + k);
      }
    }
    for (const d of days) {
      if ((starts[d + offset] ?? 0) >= p.throughput) continue;
      const a = pickAgency(f, d);
      if (a >= 0) {
        commit(f, a, d);
        return true;
      }
    }
    return false;
  };

  // Pins with a start first, in day order: they are facts for everyone else.
  const pinned = p.sites
    .filter((s) => s.pinnedStart !== undefined)
    .sort((x, y) => (x.pinnedStart ?? 0) - (y.pinnedStart ?? 0));
  for (const s of pinned) if (!tryPlace(s.index, (s.pinnedStart ?? 0) + s.overlap)) return undefined;

  for (const u of rule.unitOrder) {
    const unit = p.units[u];
    if (!unit) continue;
    // Predecessors first so that windows are right; then by latest start.
    const todo = unit.sites
      .filter((f) => !placed[f])
      .sort((x, y) => (es[x] ?? 0) - (es[y] ?? 0) || (ls[x] ?? 0) - (ls[y] ?? 0));
    if (!todo.length) continue;
    let floor = -Infinity;
    for (const f of unit.sites) floor = Math.max(floor, (es[f] ?? 0) + (p.sites[f]?.overlap ?? 0));
    let done = false;
    for (let release = floor; release <= horizon + 0 && !done; release++) {
      const placedNow: number[] = [];
      let ok = true;
      for (const f of todo) {
        if (tryPlace(f, release)) placedNow.push(f);
        else {
          ok = false;
          break;
        }
      }
      if (ok) done = true;
      else for (const f of placedNow.reverse()) uncommit(f);
    }
    if (!done) return undefined;
  }
  return { start, agency };
}
