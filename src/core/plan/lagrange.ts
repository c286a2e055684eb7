import { effectiveCapacity, type PlanningProblem } from './problem.ts';

export interface LagrangeResult {
  /** A proven lower bound on person-days for plans that withdraw by W (weak duality: any λ, μ ≥ 0). */
  bound: number;
  /** The relaxed solution at the best multipliers: start, agency per site, release per unit (guidance). */
  start: Int32Array;
  agency: Int32Array;
  release: Float64Array;
  iterations: number;
}

/**
 * Lagrangian relaxation of the time-indexed model for a fixed W: capacity rows (per agency, on the days
 * before each capacity increase and at the end) and daily-limit rows are priced into the objective;
 * precedence is dropped except through the sites' windows. What remains splits by unit: pick a release
 * R and, for each site, the cheapest (agency, start) with start + d ≤ R. Subgradient ascent on the prices.
 */
export function lagrangeBound(
  p: PlanningProblem,
  es: Int32Array,
  ls: Int32Array,
  w: number,
  upper: number,
  until: number,
  maxIterations = 2000,
  staleLimit = 15,
): LagrangeResult | undefined {
  const n = p.sites.length;
  const A = p.agencies.length;
  let minDay = Infinity;
  let maxDay = -Infinity;
  for (let f = 0; f < n; f++) {
    if ((ls[f] ?? 0) < (es[f] ?? 0)) return undefined;
    minDay = Math.min(minDay, es[f] ?? 0);
    maxDay = Math.max(maxDay, ls[f] ?? 0);
  }
  if (n === 0) return undefined;
  const offset = -minDay;
  const H = maxDay - minDay + 1;
  // Capacity rows.
  const rowAgency: number[] = [];
  const rowDay: number[] = [];
  const rowCap: number[] = [];
  for (const a of p.agencies)
    for (let t = Math.max(0, minDay); t <= maxDay; t++) {
      const c = effectiveCapacity(a, t);
      if (t === maxDay || effectiveCapacity(a, t + 1) > c) {
        rowAgency.push(a.index);
        rowDay.push(t);
        rowCap.push(c);
      }
    }
  const R = rowAgency.length;
  const lambda = new Float64Array(R);
  const limited = Number.isFinite(p.throughput);
  const mu = new Float64Array(H);
  const K = limited ? p.throughput : 0;
  // Λ[a][k]: Σ λ over rows of agency a with day ≥ k − offset.
  const Lam = new Float64Array(A * H);
  const floor = new Float64Array(p.units.length);
  for (const u of p.units) {
    let r = -Infinity;
    for (const f of u.sites) r = Math.max(r, (es[f] ?? 0) + (p.sites[f]?.overlap ?? 0));
    floor[u.index] = u.sites.length ? r : w;
  }
  const start = new Int32Array(n);
  const agency = new Int32Array(n);
  const release = new Float64Array(p.units.length);
  const bestStart = new Int32Array(n);
  const bestAgency = new Int32Array(n);
  const bestRelease = new Float64Array(p.units.length);
  let bestBound = -Infinity;
  // Per-site prefix minima over days: value and argmin (agency, day).
  const pmVal = new Float64Array(H);
  const pmDay = new Int32Array(H);
  const pmAg = new Int32Array(H);
  const unitValues: Float64Array[] = p.units.map(
    (u) => new Float64Array(Math.max(0, w - (floor[u.index] ?? 0) + 1)),
  );
  // For each site, the cost of its best choice for each release offset is accumulated into unitValues.
  const choiceDay: Int32Array[] = p.sites.map(() => new Int32Array(0));
  const choiceAg: Int32Array[] = p.sites.map(() => new Int32Array(0));
  for (const s of p.sites) {
    const len = Math.max(0, w - (floor[s.unit] ?? 0) + 1);
    choiceDay[s.index] = new Int32Array(len);
    choiceAg[s.index] = new Int32Array(len);
  }
  const usage = new Float64Array(R);
  const count = new Float64Array(H);
  let theta = 2;
  let stale = 0;
  let it = 0;
  for (; it < maxIterations && Date.now() < until; it++) {
    // Suffix sums of λ per agency.
    Lam.fill(0);
    for (let r = 0; r < R; r++) {
      const a = rowAgency[r] ?? 0;
      const k = (rowDay[r] ?? 0) + offset;
      for (let j = 0; j <= Math.min(k, H - 1); j++) Lam[a * H + j] = (Lam[a * H + j] ?? 0) + (lambda[r] ?? 0);
    }
    for (const v of unitValues) v.fill(0);
    let L = 0;
    for (const s of p.sites) {
      const f = s.index;
      const lo = (es[f] ?? 0) + offset;
      const hi = (ls[f] ?? 0) + offset;
      let runVal = Infinity;
      let runDay = lo;
      let runAg = -1;
      for (let k = lo; k <= hi; k++) {
        for (const a of s.agencies) {
          const c = s.guards * (Lam[a * H + k] ?? 0) + (limited ? (mu[k] ?? 0) : 0);
          if (c < runVal) {
            runVal = c;
            runDay = k;
            runAg = a;
          }
        }
        pmVal[k] = runVal;
        pmDay[k] = runDay;
        pmAg[k] = runAg;
      }
      if (runAg < 0) return undefined;
      const fl = floor[s.unit] ?? 0;
      const vals = unitValues[s.unit];
      const cd = choiceDay[f];
      const ca = choiceAg[f];
      if (!vals || !cd || !ca) continue;
      for (let i = 0; i < vals.length; i++) {
        const rel = fl + i;
        const k = Math.min(hi, rel - s.overlap + offset);
        if (k < lo) {
          vals[i] = Infinity;
          continue;
        }
        vals[i] = (vals[i] ?? 0) + (pmVal[k] ?? 0);
        cd[i] = (pmDay[k] ?? 0) - offset;
        ca[i] = pmAg[k] ?? 0;
      }
    }
    for (const u of p.units) {
      if (!u.sites.length) {
        release[u.index] = 0;
        continue;
      }
      const vals = unitValues[u.index];
      if (!vals) continue;
      let bestI = -1;
      let bestV = Infinity;
      for (let i = 0; i < vals.length; i++) {
        const v = u.strength * ((floor[u.index] ?? 0) + i) + (vals[i] ?? Infinity);
        if (v < bestV) {
          bestV = v;
          bestI = i;
        }
      }
      if (bestI < 0) return undefined;
      L += bestV;
      release[u.index] = (floor[u.index] ?? 0) + bestI;
      for (const f of u.sites) {
        start[f] = choiceDay[f]?.[bestI] ?? 0;
        agency[f] = choiceAg[f]?.[bestI] ?? 0;
      }
    }
    for (let r = 0; r < R; r++) L -= (lambda[r] ?? 0) * (rowCap[r] ?? 0);
    if (limited) for (let k = 0; k < H; k++) L -= (mu[k] ?? 0) * K;
    if (L > bestBound + 1e-9) {
      bestBound = L;
      bestStart.set(start);
      bestAgency.set(agency);
      bestRelease.set(release);
      stale = 0;
    } else if (++stale >= staleLimit) {
      theta /= 2;
      stale = 0;
      if (theta < 1e-4) break;
    }
    // Subgradient.
    usage.fill(0);
    count.fill(0);
    for (const s of p.sites) {
      const f = s.index;
      const a = agency[f] ?? 0;
      const t = start[f] ?? 0;
      count[t + offset] = (count[t + offset] ?? 0) + 1;
      for (let r = 0; r < R; r++)
        if (rowAgency[r] === a && (rowDay[r] ?? 0) >= t) usage[r] = (usage[r] ?? 0) + s.guards;
    }
    let norm = 0;
    for (let r = 0; r < R; r++) {
      const g = (usage[r] ?? 0) - (rowCap[r] ?? 0);
      if ((lambda[r] ?? 0) > 0 || g > 0) norm += g * g;
    }
    if (limited)
      for (let k = 0; k < H; k++) {
        const g = (count[k] ?? 0) - K;
        if ((mu[k] ?? 0) > 0 || g > 0) norm += g * g;
      }
    if (norm === 0) break; // the relaxed solution is feasible for the priced rows: L is the optimum
    const step = (theta * Math.max(upper - L, 1e-6 * Math.abs(upper))) / norm;
    for (let r = 0; r < R; r++)
      lambda[r] = Math.max(0, (lambda[r] ?? 0) + step * ((usage[r] ?? 0) - (rowCap[r] ?? 0)));
    if (limited) for (let k = 0; k < H; k++) mu[k] = Math.max(0, (mu[k] ?? 0) + step * ((count[k] ?? 0) - K));
  }
  if (!Number.isFinite(bestBound)) return undefined;
  return { bound: bestBound, start: bestStart, agency: bestAgency, release: bestRelease, iterations: it };
}

/** A capacity row of the agency-aggregated relaxation: sites whose agencies all lie in `mask`, by `day`. */
export interface FamilyRow {
  readonly mask: number;
  readonly day: number;
  readonly cap: number;
}

/**
 * Lagrangian bound of the agency-aggregated relaxation (see `buildTimeIndexedModel`, aggregateAgencies)
 * at W: its capacity rows priced by `lambda` and the daily limit by `mu` (per day from `firstDay`);
 * precedence kept only through the windows [es, ls]. Any prices ≥ 0 give a proven lower bound (weak
 * duality); prices taken from an LP of a similar problem give one close to that LP's. A few subgradient
 * steps from there keep the best bound. Returns undefined when a window is empty.
 */
export function familyLagrangeBound(
  p: PlanningProblem,
  es: Int32Array,
  ls: Int32Array,
  w: number,
  rows: readonly FamilyRow[],
  lambda0: Float64Array,
  firstDay: number,
  mu0: Float64Array,
  /** Precedence rows `s_site ≥ s_pred + d_pred` and their prices. */
  precedence: readonly { site: number; pred: number }[],
  nu0: Float64Array,
  upper: number,
  until: number,
): { bound: number; iterations: number; start: Int32Array } | undefined {
  const n = p.sites.length;
  if (n === 0) return undefined;
  let minDay = Infinity;
  let maxDay = -Infinity;
  for (let f = 0; f < n; f++) {
    if ((ls[f] ?? 0) < (es[f] ?? 0)) return undefined;
    minDay = Math.min(minDay, es[f] ?? 0);
    maxDay = Math.max(maxDay, ls[f] ?? 0);
  }
  const H = maxDay - minDay + 1;
  const R = rows.length;
  const lambda = Float64Array.from(lambda0);
  const mu = new Float64Array(H);
  const limited = Number.isFinite(p.throughput);
  if (limited) for (let k = 0; k < H; k++) mu[k] = Math.max(0, mu0[k + minDay - firstDay] ?? 0);
  const P = precedence.length;
  const nu = Float64Array.from(nu0);
  // Per site, the precedence price per day of start: −ν on the later site, +ν on the earlier one.
  const slope = new Float64Array(n);
  const siteMask = new Int32Array(n);
  const masks: number[] = [];
  for (const s of p.sites) {
    let m = 0;
    for (const a of s.agencies) m |= 1 << a;
    siteMask[s.index] = m;
    if (!masks.includes(m)) masks.push(m);
  }
  const maskIndex = new Map(masks.map((m, i) => [m, i]));
  const M = masks.length;
  // price[i * H + k]: Σ λ over rows covering mask i on days ≥ k + minDay.
  const price = new Float64Array(M * H);
  const floor = new Int32Array(p.units.length);
  for (const u of p.units) {
    let r = -Infinity;
    for (const f of u.sites) r = Math.max(r, (es[f] ?? 0) + (p.sites[f]?.overlap ?? 0));
    floor[u.index] = u.sites.length ? r : w;
  }
  const startOf = new Int32Array(n);
  const bestStart = new Int32Array(n);
  const usage = new Float64Array(R);
  const count = new Float64Array(H);
  let bestBound = -Infinity;
  let theta = 0.1;
  let stale = 0;
  let it = 0;
  for (; it < 500; it++) {
    slope.fill(0);
    let constant = 0;
    for (let q = 0; q < P; q++) {
      const e = precedence[q];
      const v = nu[q] ?? 0;
      if (!e || v === 0) continue;
      slope[e.site] = (slope[e.site] ?? 0) - v;
      slope[e.pred] = (slope[e.pred] ?? 0) + v;
      constant += v * (p.sites[e.pred]?.overlap ?? 0);
    }
    price.fill(0);
    for (let r = 0; r < R; r++) {
      const row = rows[r];
      const l = lambda[r] ?? 0;
      if (!row || l === 0) continue;
      for (let i = 0; i < M; i++) {
        if ((row.mask & (masks[i] ?? 0)) >>> 0 !== masks[i]) continue;
        for (let k = 0; k <= Math.min(H - 1, row.day - minDay); k++)
          price[i * H + k] = (price[i * H + k] ?? 0) + l;
      }
    }
    let L = constant;
    for (const u of p.units) {
      if (!u.sites.length) continue;
      const fl = floor[u.index] ?? 0;
      let bestV = Infinity;
      let bestR = fl;
      for (let rel = fl; rel <= w; rel++) {
        let v = u.strength * rel;
        for (const f of u.sites) {
          const s = p.sites[f];
          if (!s) continue;
          const i = maskIndex.get(siteMask[f] ?? 0) ?? 0;
          const hi = Math.min(ls[f] ?? 0, rel - s.overlap);
          let c = Infinity;
          for (let t = es[f] ?? 0; t <= hi; t++) {
            const k = t - minDay;
            c = Math.min(c, s.guards * (price[i * H + k] ?? 0) + (mu[k] ?? 0) + (slope[f] ?? 0) * t);
          }
          v += c;
          if (v === Infinity) break;
        }
        if (v < bestV) {
          bestV = v;
          bestR = rel;
        }
      }
      if (!Number.isFinite(bestV)) return undefined;
      L += bestV;
      // The relaxed starts at the chosen release, for the subgradient.
      for (const f of u.sites) {
        const s = p.sites[f];
        if (!s) continue;
        const i = maskIndex.get(siteMask[f] ?? 0) ?? 0;
        const hi = Math.min(ls[f] ?? 0, bestR - s.overlap);
        let c = Infinity;
        let day = es[f] ?? 0;
        for (let t = es[f] ?? 0; t <= hi; t++) {
          const k = t - minDay;
          const v = s.guards * (price[i * H + k] ?? 0) + (mu[k] ?? 0) + (slope[f] ?? 0) * t;
          if (v < c) {
            c = v;
            day = t;
          }
        }
        startOf[f] = day;
      }
    }
    for (let r = 0; r < R; r++) L -= (lambda[r] ?? 0) * (rows[r]?.cap ?? 0);
    if (limited) for (let k = 0; k < H; k++) L -= (mu[k] ?? 0) * p.throughput;
    if (L > bestBound + 1e-9) {
      bestBound = L;
      bestStart.set(startOf);
      stale = 0;
    } else if (++stale >= 5) {
      theta /= 2;
      stale = 0;
    }
    if (Date.now() >= until || theta < 1e-4) break;
    usage.fill(0);
    count.fill(0);
    for (const s of p.sites) {
      const t = startOf[s.index] ?? 0;
      count[t - minDay] = (count[t - minDay] ?? 0) + 1;
      const sm = siteMask[s.index] ?? 0;
      for (let r = 0; r < R; r++) {
        const row = rows[r];
        if (row && row.day >= t && (row.mask & sm) >>> 0 === sm) usage[r] = (usage[r] ?? 0) + s.guards;
      }
    }
    let norm = 0;
    for (let r = 0; r < R; r++) {
      const g = (usage[r] ?? 0) - (rows[r]?.cap ?? 0);
      if ((lambda[r] ?? 0) > 0 || g > 0) norm += g * g;
    }
    if (limited)
      for (let k = 0; k < H; k++) {
        const g = (count[k] ?? 0) - p.throughput;
        if ((mu[k] ?? 0) > 0 || g > 0) norm += g * g;
      }
    for (let q = 0; q < P; q++) {
      const e = precedence[q];
      if (!e) continue;
      // Violation of s_site ≥ s_pred + d_pred (the row is ≥, so its price grows with the shortfall).
      const g = (startOf[e.pred] ?? 0) + (p.sites[e.pred]?.overlap ?? 0) - (startOf[e.site] ?? 0);
      if ((nu[q] ?? 0) > 0 || g > 0) norm += g * g;
    }
    if (norm === 0) break;
    const step = (theta * Math.max(upper - L, 1e-6 * Math.abs(upper))) / norm;
    for (let q = 0; q < P; q++) {
      const e = precedence[q];
      if (!e) continue;
      const g = (startOf[e.pred] ?? 0) + (p.sites[e.pred]?.overlap ?? 0) - (startOf[e.site] ?? 0);
      nu[q] = Math.max(0, (nu[q] ?? 0) + step * g);
    }
    for (let r = 0; r < R; r++)
      lambda[r] = Math.max(0, (lambda[r] ?? 0) + step * ((usage[r] ?? 0) - (rows[r]?.cap ?? 0)));
    if (limited)
      for (let k = 0; k < H; k++) mu[k] = Math.max(0, (mu[k] ?? 0) + step * ((count[k] ?? 0) - p.throughput));
  }
  return Number.isFinite(bestBound) ? { bound: bestBound, iterations: it + 1, start: bestStart } : undefined;
}
