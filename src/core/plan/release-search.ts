import { sumOverSubsets } from './analysis.ts';
import { effectiveCapacity, type PlanningProblem } from './problem.ts';

/** A release day per unit (indexed by unit) and its person-days. */
export interface ReleaseVector {
  rel: Int32Array;
  cost: number;
}

/**
 * Branch and bound over the units' release days, for the person-days bound of small operations.
 *
 * The time-indexed LP lets a unit be released fractionally (part of a site late, part on time), which on
 * small, capacity-bound operations leaves it several per cent below the optimum (50 sites: 5,728 against
 * 5,961). Here the release days are whole: a release vector R (one day per unit) is kept only when the
 * windows it leaves every site, [earliest start, R_u − d_f] narrowed by precedence, pass the necessary
 * conditions — the sites that must start within any span of days fit the daily limit, those that must
 * have started by each day fit the agencies' capacity (Hall's condition over sets of agencies, guards
 * divisible), and, for the vectors listed, the guards flow through each agency's chain of days with every
 * site at its latest start (`flowFits`), and the sites the daily limit forces to start early, the lightest
 * of them, still fit the capacity then (`throughputFits`). Every plan's own release vector passes them, so
 * the cheapest vector that passes, among those not proven impossible (`exclude`), is a lower bound on
 * person-days.
 */
export class ReleaseSearch {
  /** Units with sites, heaviest first (their days decide the most). */
  private readonly units: number[];
  private readonly floor: Int32Array;
  private readonly restFloor: Float64Array;
  private readonly rel: Int32Array;
  private readonly ls: Int32Array;
  private readonly masks: Int32Array;
  private readonly capBySet: Float64Array[];
  private readonly size: number;
  private readonly days: number;
  private readonly demand: Float64Array;
  private readonly base: Float64Array;
  private readonly byDay: Int32Array;
  private readonly dayStart: Int32Array;
  private readonly dayFill: Int32Array;
  private readonly counts: Int32Array;
  /** Release vectors proven impossible by an exact check, as keys. */
  private readonly excluded = new Set<string>();
  /** Search nodes visited, for the time check every 256. */
  private nodes = 0;

  /** Undefined when the search does not apply (too many agencies for the subset check). */
  static create(
    p: PlanningProblem,
    es: Int32Array,
    order: readonly number[],
    w: number,
    /** More units than this: undefined (the vectors grow as (days)^units; 50 units did not finish in 20 s). */
    maxUnits = Infinity,
  ): ReleaseSearch | undefined {
    if (p.agencies.length > 10 || p.sites.length === 0) return undefined;
    if (p.units.filter((u) => u.sites.length).length > maxUnits) return undefined;
    return new ReleaseSearch(p, es, order, w);
  }

  private constructor(
    private readonly p: PlanningProblem,
    private readonly es: Int32Array,
    private readonly order: readonly number[],
    w: number,
  ) {
    const limit = p.deadline === undefined ? w : Math.min(w, p.deadline);
    this.floor = new Int32Array(p.units.length);
    for (const u of p.units) {
      let r = 0;
      for (const f of u.sites) r = Math.max(r, (es[f] ?? 0) + (p.sites[f]?.overlap ?? 0));
      this.floor[u.index] = r;
    }
    this.units = p.units
      .filter((u) => u.sites.length)
      .map((u) => u.index)
      .sort((x, y) => (p.units[y]?.strength ?? 0) - (p.units[x]?.strength ?? 0) || x - y);
    this.restFloor = new Float64Array(this.units.length + 1);
    for (let i = this.units.length - 1; i >= 0; i--) {
      const u = this.units[i] ?? 0;
      this.restFloor[i] = (this.restFloor[i + 1] ?? 0) + (p.units[u]?.strength ?? 0) * (this.floor[u] ?? 0);
    }
    this.rel = new Int32Array(p.units.length).fill(limit);
    this.ls = new Int32Array(p.sites.length);
    const A = p.agencies.length;
    this.size = 1 << A;
    this.masks = new Int32Array(p.sites.length);
    for (const s of p.sites) {
      let m = 0;
      for (const a of s.agencies) m |= 1 << a;
      this.masks[s.index] = m;
    }
    this.days = Math.max(0, limit) + 1;
    this.capBySet = [];
    for (let t = 0; t < this.days; t++) {
      const caps = new Float64Array(this.size);
      for (let S = 1; S < this.size; S++) {
        const agency = p.agencies[31 - Math.clz32(S & -S)];
        caps[S] = (caps[S & (S - 1)] ?? 0) + (agency ? effectiveCapacity(agency, t) : 0);
      }
      this.capBySet.push(caps);
    }
    this.demand = new Float64Array(this.size);
    this.base = new Float64Array(this.size);
    this.byDay = new Int32Array(p.sites.length);
    this.dayStart = new Int32Array(this.days + 1);
    this.dayFill = new Int32Array(this.days);
    this.counts = new Int32Array(this.days * this.days);
  }

  /** Person-days of a release vector. */
  cost(rel: Int32Array): number {
    let pd = 0;
    for (const u of this.p.units) if (u.sites.length) pd += u.strength * (rel[u.index] ?? 0);
    return pd;
  }

  /** The windows' latest starts under release vector `rel` (precedence included). */
  latestStarts(rel: Int32Array): Int32Array {
    const ls = new Int32Array(this.p.sites.length);
    this.fillLatest(rel, ls);
    return ls;
  }

  /**
   * Which check a release vector fails ('windows': some site has no start day left; 'counts-or-hall': the
   * daily limit or Hall's condition day by day; 'flow'; 'limit-and-capacity'), or undefined when it passes
   * them all. For tests and diagnostics; the search runs the same checks.
   */
  failedCheck(rel: Int32Array): 'windows' | 'counts-or-hall' | 'flow' | 'limit-and-capacity' | undefined {
    const saved = Int32Array.from(this.rel);
    this.rel.set(rel);
    try {
      if (!this.fillLatest(rel, this.ls)) return 'windows';
      if (!this.passes()) return 'counts-or-hall';
      if (!this.flowFits(rel)) return 'flow';
      if (!this.throughputFits()) return 'limit-and-capacity';
      return undefined;
    } finally {
      this.rel.set(saved);
    }
  }

  exclude(rel: Int32Array): void {
    this.excluded.add(rel.join(','));
  }

  private fillLatest(rel: Int32Array, ls: Int32Array): boolean {
    const p = this.p;
    for (let k = this.order.length - 1; k >= 0; k--) {
      const f = this.order[k] ?? 0;
      const s = p.sites[f];
      if (!s) continue;
      let l = (rel[s.unit] ?? 0) - s.overlap;
      if (s.pinnedStart !== undefined) l = Math.min(l, s.pinnedStart);
      for (const g of s.succs) l = Math.min(l, (ls[g] ?? 0) - s.overlap);
      ls[f] = l;
      if (l < (this.es[f] ?? 0)) return false;
    }
    return true;
  }

  /** The necessary conditions for the current release vector. */
  private passes(): boolean {
    const p = this.p;
    const ls = this.ls;
    if (!this.fillLatest(this.rel, ls)) return false;
    const D = this.days;
    const n = p.sites.length;
    if (Number.isFinite(p.throughput)) {
      // N(a, b): sites whose whole window lies in [a, b] must all start there.
      const c = this.counts;
      c.fill(0);
      for (let f = 0; f < n; f++) {
        const e = Math.min(D - 1, this.es[f] ?? 0);
        const l = Math.min(D - 1, ls[f] ?? 0);
        c[e * D + l] = (c[e * D + l] ?? 0) + 1;
      }
      // Suffix over e (e ≥ a), prefix over l (l ≤ b).
      for (let e = D - 2; e >= 0; e--)
        for (let l = 0; l < D; l++) c[e * D + l] = (c[e * D + l] ?? 0) + (c[(e + 1) * D + l] ?? 0);
      for (let e = 0; e < D; e++)
        for (let l = 1; l < D; l++) c[e * D + l] = (c[e * D + l] ?? 0) + (c[e * D + l - 1] ?? 0);
      for (let a = 0; a < D; a++)
        for (let b = a; b < D; b++) if ((c[a * D + b] ?? 0) > p.throughput * (b - a + 1)) return false;
    }
    // Capacity, day by day: demand of the sites that must have started, per agency set.
    const size = this.size;
    const A = p.agencies.length;
    const demand = this.demand;
    const base = this.base;
    base.fill(0);
    // Sites by latest day (a counting sort), added day by day.
    const byDay = this.byDay;
    const dayStart = this.dayStart;
    dayStart.fill(0);
    for (let f = 0; f < n; f++) dayStart[(ls[f] ?? 0) + 1] = (dayStart[(ls[f] ?? 0) + 1] ?? 0) + 1;
    for (let t = 0; t < D; t++) dayStart[t + 1] = (dayStart[t + 1] ?? 0) + (dayStart[t] ?? 0);
    const fill = this.dayFill;
    fill.set(dayStart.subarray(0, D));
    for (let f = 0; f < n; f++) {
      const d = ls[f] ?? 0;
      const at = fill[d] ?? 0;
      byDay[at] = f;
      fill[d] = at + 1;
    }
    for (let t = 0; t < D; t++) {
      const from = dayStart[t] ?? 0;
      const to = dayStart[t + 1] ?? 0;
      for (let k = from; k < to; k++) {
        const f = byDay[k] ?? 0;
        const m = this.masks[f] ?? 0;
        base[m] = (base[m] ?? 0) + (p.sites[f]?.guards ?? 0);
      }
      if (to === 0) continue;
      demand.set(base);
      sumOverSubsets(demand, A);
      const caps = this.capBySet[t];
      if (!caps) continue;
      for (let S = 1; S < size; S++) if ((demand[S] ?? 0) > (caps[S] ?? 0)) return false;
    }
    return true;
  }

  /**
   * The cheapest release vector below `below` that passes the conditions and is not excluded, or
   * undefined when there is none (then `below` is a proven lower bound). 'timeout' when `until` passes.
   */
  cheapest(below: number, until: number): ReleaseVector | undefined | 'timeout' {
    const found = this.cheapestMany(below, until, 1);
    return found === 'timeout' ? found : found.vectors[0];
  }

  /**
   * The `max` cheapest release vectors below `below` that pass and are not excluded, cheapest first.
   * `limit`: every vector not listed costs at least this much (`below` when the list is complete).
   */
  cheapestMany(
    below: number,
    until: number,
    max: number,
  ): { vectors: ReleaseVector[]; limit: number } | 'timeout' {
    let found: ReleaseVector[] = [];
    let bestCost = below;
    let timedOut = false;
    let trimmed = false;
    const units = this.units;
    const rel = this.rel;
    const trim = () => {
      if (found.length > max) trimmed = true;
      found.sort((x, y) => x.cost - y.cost);
      found = found.slice(0, max);
      // Anything cheaper than the last kept is kept; ties and dearer ones need not be.
      bestCost = found[max - 1]?.cost ?? bestCost;
    };
    const dfs = (i: number, cost: number): void => {
      if (timedOut) return;
      if ((++this.nodes & 255) === 0 && Date.now() > until) {
        timedOut = true;
        return;
      }
      if (i === units.length) {
        if (this.excluded.size && this.excluded.has(rel.join(','))) return;
        if (!this.flowFits(rel) || !this.throughputFits()) return;
        found.push({ rel: Int32Array.from(rel), cost });
        if (found.length > max + 8) trim();
        return;
      }
      const u = units[i] ?? 0;
      const strength = this.p.units[u]?.strength ?? 0;
      const top = rel[u] ?? 0;
      for (let r = this.floor[u] ?? 0; r <= top; r++) {
        const c = cost + strength * r;
        if (c + (this.restFloor[i + 1] ?? 0) >= bestCost) break;
        rel[u] = r;
        if (r === top || this.passes()) dfs(i + 1, c);
        if (timedOut) break;
      }
      rel[u] = top;
    };
    // The root, every unit at the latest day, holds the windows of every plan by this day: it passes unless
    // no plan exists, and the caller has one. Failing, it settles nothing.
    if (!this.passes()) return 'timeout';
    dfs(0, 0);
    if (timedOut) return 'timeout';
    trim();
    const complete = !trimmed;
    return { vectors: found, limit: complete ? below : bestCost };
  }

  /**
   * The daily limit and the capacity together, for the windows in `this.ls` (as `flowFits` left them): of
   * the sites whose latest start lies in (t, t + j], at most limit·j start in that span, so at least
   * k = count − limit·j of those that may start by day t (earliest start ≤ t) have started by t. For a set S
   * of agencies, at least k − (those not confined to S) of them are confined to S, at least the lightest
   * ones: with the sites that must have started by t, their guards fit S's capacity on day t.
   */
  private throughputFits(): boolean {
    const p = this.p;
    const T = p.throughput;
    if (!Number.isFinite(T)) return true;
    const ls = this.ls;
    const size = this.size;
    const D = this.days;
    const n = p.sites.length;
    const byGuards = (this.lightFirst ??= [...p.sites]
      .sort((x, y) => x.guards - y.guards || x.index - y.index)
      .map((s) => s.index));
    const base = this.base;
    const inS = this.demand;
    for (let t = 0; t < D - 1; t++) {
      // Guards of the sites due by t confined to each S.
      base.fill(0);
      for (let f = 0; f < n; f++)
        if ((ls[f] ?? 0) <= t)
          base[this.masks[f] ?? 0] = (base[this.masks[f] ?? 0] ?? 0) + (p.sites[f]?.guards ?? 0);
      sumOverSubsets(base, p.agencies.length);
      const caps = this.capBySet[t];
      if (!caps) continue;
      for (let j = 1; t + j < D; j++) {
        let count = 0;
        let early = 0;
        for (let f = 0; f < n; f++) {
          const l = ls[f] ?? 0;
          if (l > t && l <= t + j) {
            count++;
            if ((this.es[f] ?? 0) <= t) early++;
          }
        }
        const k = count - T * j;
        if (k <= 0) continue;
        if (k > early) return false;
        // Early sites confined to each S, then the lightest k − (early − confined) of them.
        inS.fill(0);
        for (let f = 0; f < n; f++) {
          const l = ls[f] ?? 0;
          if (l > t && l <= t + j && (this.es[f] ?? 0) <= t)
            inS[this.masks[f] ?? 0] = (inS[this.masks[f] ?? 0] ?? 0) + 1;
        }
        sumOverSubsets(inS, p.agencies.length);
        for (let S = 1; S < size; S++) {
          let need = k - (early - (inS[S] ?? 0));
          if (need <= 0) continue;
          let forced = 0;
          for (const f of byGuards) {
            const l = ls[f] ?? 0;
            const m = this.masks[f] ?? 0;
            if (l > t && l <= t + j && (this.es[f] ?? 0) <= t && (m & ~S) === 0) {
              forced += p.sites[f]?.guards ?? 0;
              if (--need === 0) break;
            }
          }
          if ((base[S] ?? 0) + forced > (caps[S] ?? 0)) return false;
        }
      }
    }
    return true;
  }

  private lightFirst: number[] | undefined;

  /**
   * The guards, divisible but each site's split among agencies the same on every day (commitments are for
   * good), fit the agencies' capacity with every site starting on its latest day: a maximum flow from the
   * sites through each agency's chain of days (the edge out of day t carries what is committed by t, at
   * most the capacity then) saturates the sites. Stronger than Hall's condition day by day, which lets a
   * site change agency from one day to the next. Sites of the same agency set and latest day are one node.
   */
  private flowFits(rel: Int32Array): boolean {
    const p = this.p;
    const ls = this.ls;
    if (!this.fillLatest(rel, ls)) return false;
    const net = (this.network ??= this.buildNetwork());
    const D = this.days;
    const demand = net.demand;
    demand.fill(0);
    let need = 0;
    for (const s of p.sites) {
      const t = Math.min(D - 1, Math.max(0, ls[s.index] ?? 0));
      const group = (net.maskIndex[s.index] ?? 0) * D + t;
      demand[group] = (demand[group] ?? 0) + s.guards;
      need += s.guards;
    }
    const g = net.graph;
    g.reset();
    for (let k = 0; k < demand.length; k++) g.setCap(net.sourceEdge[k] ?? 0, demand[k] ?? 0);
    return g.maxFlow(0, net.sink) >= need - 1e-9;
  }

  private network:
    | { graph: FlowGraph; sink: number; maskIndex: Int32Array; sourceEdge: Int32Array; demand: Float64Array }
    | undefined;

  private buildNetwork() {
    const p = this.p;
    const D = this.days;
    const A = p.agencies.length;
    const masks = [...new Set(this.masks)];
    const maskIndex = Int32Array.from(this.masks, (m) => masks.indexOf(m));
    const groups = masks.length * D;
    const chain = (a: number, t: number) => 1 + groups + a * D + t;
    const sink = 1 + groups + A * D;
    const graph = new FlowGraph(sink + 1);
    const sourceEdge = new Int32Array(groups);
    let total = 0;
    for (const s of p.sites) total += s.guards;
    masks.forEach((m, k) => {
      for (let t = 0; t < D; t++) {
        const node = 1 + k * D + t;
        sourceEdge[k * D + t] = graph.add(0, node, 0);
        for (let a = 0; a < A; a++) if (m & (1 << a)) graph.add(node, chain(a, t), total + 1);
      }
    });
    for (let a = 0; a < A; a++)
      for (let t = 0; t < D; t++)
        graph.add(chain(a, t), t === D - 1 ? sink : chain(a, t + 1), this.capBySet[t]?.[1 << a] ?? 0);
    graph.freeze();
    return { graph, sink, maskIndex, sourceEdge, demand: new Float64Array(groups) };
  }
}

/** Dinic's maximum flow on a small fixed graph whose capacities are reset between runs. */
class FlowGraph {
  private readonly head: Int32Array;
  private to: Int32Array = new Int32Array(0);
  private next: Int32Array = new Int32Array(0);
  private cap: Float64Array = new Float64Array(0);
  private template: Float64Array = new Float64Array(0);
  private readonly edges: { to: number; cap: number; next: number }[] = [];
  private readonly level: Int32Array;
  private readonly iter: Int32Array;
  private readonly queue: Int32Array;

  constructor(private readonly size: number) {
    this.head = new Int32Array(size).fill(-1);
    this.level = new Int32Array(size);
    this.iter = new Int32Array(size);
    this.queue = new Int32Array(size);
  }

  /** Adds edge u → v (and its residual twin); returns the edge's index. */
  add(u: number, v: number, c: number): number {
    const e = this.edges.length;
    this.edges.push({ to: v, cap: c, next: this.head[u] ?? -1 });
    this.head[u] = e;
    this.edges.push({ to: u, cap: 0, next: this.head[v] ?? -1 });
    this.head[v] = e + 1;
    return e;
  }

  freeze(): void {
    this.to = Int32Array.from(this.edges, (x) => x.to);
    this.next = Int32Array.from(this.edges, (x) => x.next);
    this.template = Float64Array.from(this.edges, (x) => x.cap);
    this.cap = new Float64Array(this.template.length);
  }

  reset(): void {
    this.cap.set(this.template);
  }

  setCap(e: number, c: number): void {
    this.cap[e] = c;
  }

  maxFlow(s: number, t: number): number {
    let flow = 0;
    const { level, queue, head, next, to, cap } = this;
    for (;;) {
      level.fill(-1);
      level[s] = 0;
      let qh = 0;
      let qt = 0;
      queue[qt++] = s;
      while (qh < qt) {
        const u = queue[qh++] ?? 0;
        for (let e = head[u] ?? -1; e >= 0; e = next[e] ?? -1) {
          const v = to[e] ?? 0;
          if ((cap[e] ?? 0) > 1e-9 && (level[v] ?? 0) < 0) {
            level[v] = (level[u] ?? 0) + 1;
            queue[qt++] = v;
          }
        }
      }
      if ((level[t] ?? -1) < 0) return flow;
      this.iter.set(head);
      for (;;) {
        const pushed = this.push(s, t, Infinity);
        if (pushed <= 1e-9) break;
        flow += pushed;
      }
    }
  }

  private push(u: number, t: number, limit: number): number {
    if (u === t) return limit;
    const { iter, next, to, cap, level } = this;
    for (let e = iter[u] ?? -1; e >= 0; e = next[e] ?? -1) {
      iter[u] = e;
      const v = to[e] ?? 0;
      const c = cap[e] ?? 0;
      if (c > 1e-9 && (level[v] ?? 0) === (level[u] ?? 0) + 1) {
        const d = this.push(v, t, Math.min(limit, c));
        if (d > 1e-9) {
          cap[e] = c - d;
          cap[e ^ 1] = (cap[e ^ 1] ?? 0) + d;
          return d;
        }
      }
    }
    iter[u] = -1;
    return 0;
  }
}
