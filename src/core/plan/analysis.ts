import { effectiveCapacity, type PlanningProblem } from './problem.ts';

/** A precedence cycle as site indices, first repeated at the end; undefined when the order is acyclic. */
export function findPrecedenceCycle(p: PlanningProblem): number[] | undefined {
  const state = new Uint8Array(p.sites.length); // 0 new, 1 on stack, 2 done
  const parent = new Int32Array(p.sites.length).fill(-1);
  for (let root = 0; root < p.sites.length; root++) {
    if (state[root] !== 0) continue;
    // Iterative DFS along "h must come before f" edges (h → f for h in after_f).
    const stack: { node: number; next: number }[] = [{ node: root, next: 0 }];
    state[root] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (!top) break;
      const succs = p.sites[top.node]?.succs ?? [];
      if (top.next < succs.length) {
        const v = succs[top.next++] ?? 0;
        if (state[v] === 0) {
          state[v] = 1;
          parent[v] = top.node;
          stack.push({ node: v, next: 0 });
        } else if (state[v] === 1) {
          const cycle = [v];
          for (let u = top.node; u !== v && u >= 0; u = parent[u] ?? -1) cycle.push(u);
          cycle.push(v);
          return cycle.reverse();
        }
      } else {
        state[top.node] = 2;
        stack.pop();
      }
    }
  }
  return undefined;
}

/** Sites in an order where every predecessor comes first (the order must be acyclic). */
export function topologicalOrder(p: PlanningProblem): number[] {
  const indegree = p.sites.map((s) => s.preds.length);
  const queue: number[] = [];
  indegree.forEach((d, i) => {
    if (d === 0) queue.push(i);
  });
  for (let k = 0; k < queue.length; k++) {
    const f = queue[k] ?? 0;
    for (const g of p.sites[f]?.succs ?? []) {
      indegree[g] = (indegree[g] ?? 0) - 1;
      if (indegree[g] === 0) queue.push(g);
    }
  }
  return queue;
}

/** Earliest start of every site from gates, pins and precedence (ignoring capacity and throughput). */
export function earliestStarts(p: PlanningProblem, order: readonly number[]): Int32Array {
  const es = new Int32Array(p.sites.length);
  for (const f of order) {
    const s = p.sites[f];
    if (!s) continue;
    let e = s.pinnedStart ?? s.gate;
    for (const h of s.preds) {
      const ph = p.sites[h];
      if (ph) e = Math.max(e, (es[h] ?? 0) + ph.overlap);
    }
    es[f] = e;
  }
  return es;
}

/** Latest start of every site for the transfer of all by day W (and the deadline), honouring precedence. */
export function latestStarts(p: PlanningProblem, order: readonly number[], w: number): Int32Array {
  const ls = new Int32Array(p.sites.length);
  const limit = p.deadline === undefined ? w : Math.min(w, p.deadline);
  for (let k = order.length - 1; k >= 0; k--) {
    const f = order[k] ?? 0;
    const s = p.sites[f];
    if (!s) continue;
    let l = limit - s.overlap;
    if (s.pinnedStart !== undefined) l = Math.min(l, s.pinnedStart);
    for (const g of s.succs) l = Math.min(l, (ls[g] ?? 0) - s.overlap);
    ls[f] = l;
  }
  return ls;
}

/**
 * A violated necessary condition for finishing by some day W; the first found. A throughput shortfall's
 * `sites` are the `count` sites whose whole window lies in days `from`…`to` (so all start then), in
 * site order; a capacity shortfall's are those that must have started by `day` and may go only to
 * `agencies`.
 */
export type Shortfall =
  | { kind: 'window'; site: number }
  | { kind: 'throughput'; from: number; to: number; count: number; limit: number; sites: number[] }
  | { kind: 'capacity'; day: number; agencies: number[]; demand: number; supply: number; sites: number[] };

/**
 * Checks necessary conditions for all transfers by day W: every site's window is non-empty, the sites that
 * must start within any span of days fit the daily throughput, and the sites that must have started by
 * each day t fit the agencies' capacity on t (Hall's condition over sets of agencies, fractional).
 * Passing does not prove feasibility; failing proves infeasibility.
 */
export function shortfallForW(p: PlanningProblem, es: Int32Array, ls: Int32Array): Shortfall | undefined {
  const n = p.sites.length;
  let maxLs = 0;
  for (let f = 0; f < n; f++) {
    if ((ls[f] ?? 0) < (es[f] ?? 0)) return { kind: 'window', site: f };
    maxLs = Math.max(maxLs, ls[f] ?? 0);
  }
  if (Number.isFinite(p.throughput)) {
    // Count sites whose whole window lies in [a, b]; they all start there.
    const minEs = n ? Math.min(...es) : 0;
    const span = maxLs - minEs + 1;
    if (span > 0 && span <= 400) {
      const byWindow = new Map<string, number>();
      for (let f = 0; f < n; f++) {
        const key = `${es[f]},${ls[f]}`;
        byWindow.set(key, (byWindow.get(key) ?? 0) + 1);
      }
      const windows = [...byWindow.entries()].map(([k, c]) => {
        const [a, b] = k.split(',').map(Number);
        return { a: a ?? 0, b: b ?? 0, c };
      });
      const starts = [...new Set(windows.map((x) => x.a))].sort((x, y) => x - y);
      const ends = [...new Set(windows.map((x) => x.b))].sort((x, y) => x - y);
      for (const a of starts)
        for (const b of ends) {
          if (b < a) continue;
          let count = 0;
          for (const x of windows) if (x.a >= a && x.b <= b) count += x.c;
          const limit = p.throughput * (b - a + 1);
          if (count > limit) {
            const sites: number[] = [];
            for (let f = 0; f < n; f++) if ((es[f] ?? 0) >= a && (ls[f] ?? 0) <= b) sites.push(f);
            return { kind: 'throughput', from: a, to: b, count, limit, sites };
          }
        }
    }
  }
  // Capacity: the days where the set of sites that must have started grows, checked at the latest such
  // day before each capacity increase, and at the end.
  const days = new Set<number>();
  for (let f = 0; f < n; f++) days.add(Math.max(0, ls[f] ?? 0));
  const sortedDays = [...days].sort((x, y) => x - y);
  const A = p.agencies.length;
  const byDay = new Map<number, number[]>();
  for (let f = 0; f < n; f++) {
    const d = Math.max(0, ls[f] ?? 0);
    const list = byDay.get(d) ?? [];
    list.push(f);
    byDay.set(d, list);
  }
  const mustStart: number[] = [];
  for (const t of sortedDays) {
    for (const f of byDay.get(t) ?? []) mustStart.push(f);
    const caps = p.agencies.map((a) => effectiveCapacity(a, t));
    const found = hallShortfall(p, mustStart, caps, A);
    if (found) return { kind: 'capacity', day: t, ...found };
  }
  return undefined;
}

/** Hall's condition for assigning the given sites' guards to agencies with these capacities (fractionally). */
export function hallShortfall(
  p: PlanningProblem,
  sites: readonly number[],
  caps: readonly number[],
  A: number,
): { agencies: number[]; demand: number; supply: number; sites: number[] } | undefined {
  if (A <= 12) {
    const size = 1 << A;
    const demand = new Float64Array(size);
    for (const f of sites) {
      let mask = 0;
      for (const a of p.sites[f]?.agencies ?? []) mask |= 1 << a;
      demand[mask] = (demand[mask] ?? 0) + (p.sites[f]?.guards ?? 0);
    }
    // demand[S] = guards of sites whose agencies all lie in S.
    sumOverSubsets(demand, A);
    let worst: { S: number; excess: number } | undefined;
    for (let S = 0; S < size; S++) {
      let supply = 0;
      for (let a = 0; a < A; a++) if (S & (1 << a)) supply += caps[a] ?? 0;
      const excess = (demand[S] ?? 0) - supply;
      if (
        excess > 0 &&
        (!worst || excess > worst.excess || (excess === worst.excess && popcount(S) < popcount(worst.S)))
      )
        worst = { S, excess };
    }
    if (!worst) return undefined;
    const S = worst.S;
    const agencies: number[] = [];
    let supply = 0;
    for (let a = 0; a < A; a++)
      if (S & (1 << a)) {
        agencies.push(a);
        supply += caps[a] ?? 0;
      }
    const inS = sites.filter((f) => (p.sites[f]?.agencies ?? []).every((a) => (S & (1 << a)) !== 0));
    return { agencies, demand: supply + worst.excess, supply, sites: inS };
  }
  // Many agencies: the total and each site's own agencies only.
  let demand = 0;
  for (const f of sites) demand += p.sites[f]?.guards ?? 0;
  const supply = caps.reduce((x, y) => x + y, 0);
  if (demand > supply) return { agencies: p.agencies.map((a) => a.index), demand, supply, sites: [...sites] };
  return undefined;
}

function popcount(x: number): number {
  let c = 0;
  for (let v = x; v; v &= v - 1) c++;
  return c;
}

/**
 * In place, over bit sets of `bits` agencies: `values[S]` becomes the sum of the values of every subset of
 * S (a site set keyed by its agencies' mask becomes what is confined to S, Hall's condition's demand).
 */
export function sumOverSubsets(values: Float64Array, bits: number): void {
  const size = 1 << bits;
  for (let b = 0; b < bits; b++)
    for (let S = 0; S < size; S++)
      if (S & (1 << b)) values[S] = (values[S] ?? 0) + (values[S ^ (1 << b)] ?? 0);
}
