import { sumOverSubsets } from './analysis.ts';
import { effectiveCapacity, type PlanningProblem } from './problem.ts';

/** A complete assignment: start day and agency per site. */
export interface Schedule {
  readonly start: Int32Array;
  readonly agency: Int32Array;
}

export interface GreedyRule {
  /** Latest start per site for the targeted withdrawal day (priority only; the schedule may miss it). */
  readonly latest: Int32Array;
  /** Rank of each site outside the urgent pass (lower first). */
  readonly rank: Float64Array;
  /** Sites with latest start ≤ t + urgency are placed first on day t, in order of latest start. */
  readonly urgency: number;
  /** When an urgent site finds no room, hold its agencies for the rest of the day. */
  readonly holdForUrgent: boolean;
  /** A site waits until this day even when it could start earlier (a relaxed plan's start: not work-conserving). */
  readonly notBefore?: Int32Array;
  /** Agency to try first for each site (-1 for none), e.g. where the LP relaxation puts it. */
  readonly preferredAgency?: Int32Array;
}

/**
 * Forward list scheduling: day by day, start the ready sites (gate passed, predecessors transferred,
 * pins due) in priority order while the daily throughput and some eligible agency's capacity allow.
 * Returns undefined when some site can never start (a missed pin, or capacity that never suffices).
 * The result satisfies every hard constraint except possibly the deadline.
 */
export function greedySchedule(
  p: PlanningProblem,
  rule: GreedyRule,
  agencyPreference: readonly number[],
): Schedule | undefined {
  const n = p.sites.length;
  const A = p.agencies.length;
  const start = new Int32Array(n).fill(-1 << 30);
  const agency = new Int32Array(n).fill(-1);
  const done = new Uint8Array(n);
  const readyDay = new Int32Array(n); // earliest day predecessors allow, once all are scheduled
  const pendingPreds = new Int32Array(n);
  const used = new Float64Array(A);
  const reservations: { day: number; guards: number; site: number }[][] = p.agencies.map(() => []);
  for (const s of p.sites) {
    pendingPreds[s.index] = s.preds.length;
    readyDay[s.index] = s.gate;
    if (s.pinnedAgency !== undefined && s.pinnedStart !== undefined)
      reservations[s.pinnedAgency]?.push({ day: s.pinnedStart, guards: s.guards, site: s.index });
  }
  const byLatest = [...Array(n).keys()].sort(
    (x, y) => (rule.latest[x] ?? 0) - (rule.latest[y] ?? 0) || (rule.rank[x] ?? 0) - (rule.rank[y] ?? 0),
  );
  const byRank = [...Array(n).keys()].sort((x, y) => (rule.rank[x] ?? 0) - (rule.rank[y] ?? 0));
  const pinnedByDay = new Map<number, number[]>();
  let minPinned = Infinity;
  for (const s of p.sites)
    if (s.pinnedStart !== undefined) {
      const list = pinnedByDay.get(s.pinnedStart) ?? [];
      list.push(s.index);
      pinnedByDay.set(s.pinnedStart, list);
      minPinned = Math.min(minPinned, s.pinnedStart);
    }
  let lastEvent = 0;
  for (const a of p.agencies) for (const st of a.effective) lastEvent = Math.max(lastEvent, st.day);
  for (const s of p.sites) lastEvent = Math.max(lastEvent, s.gate, s.pinnedStart ?? 0);

  let remaining = n;
  const slack = new Float64Array(A);
  const held = new Uint8Array(A);
  let t = Math.min(0, minPinned);
  const place = (f: number, a: number, day: number) => {
    start[f] = day;
    agency[f] = a;
    done[f] = 1;
    used[a] = (used[a] ?? 0) + (p.sites[f]?.guards ?? 0);
    commitPacking(f, a);
    slack[a] = (slack[a] ?? 0) - (p.sites[f]?.guards ?? 0);
    remaining--;
    const d = p.sites[f]?.overlap ?? 0;
    for (const g of p.sites[f]?.succs ?? []) {
      pendingPreds[g] = (pendingPreds[g] ?? 0) - 1;
      readyDay[g] = Math.max(readyDay[g] ?? 0, day + d);
      lastEvent = Math.max(lastEvent, day + d);
    }
  };
  const ready = (f: number, day: number) =>
    done[f] === 0 &&
    pendingPreds[f] === 0 &&
    (readyDay[f] ?? 0) <= day &&
    (rule.notBefore === undefined || (rule.notBefore[f] ?? 0) <= day) &&
    p.sites[f]?.pinnedStart === undefined;
  // Final packing guard (Hall's condition on the capacity kept for good): hallSlack[S] = final capacity of
  // the agencies in S − guards still to place whose agencies all lie in S. Placing a site of agency set M
  // with agency a lowers the slack of every S that holds a but not all of M; none may go negative, or
  // some remaining site could never be placed.
  const useHall = A <= 10;
  const size = useHall ? 1 << A : 0;
  const hallSlack = new Float64Array(size);
  const siteMask = new Int32Array(n);
  if (useHall) {
    for (const s of p.sites) {
      let m = 0;
      for (const a of s.agencies) m |= 1 << a;
      siteMask[s.index] = m;
    }
    const demand = new Float64Array(size);
    for (const s of p.sites)
      demand[siteMask[s.index] ?? 0] = (demand[siteMask[s.index] ?? 0] ?? 0) + s.guards;
    sumOverSubsets(demand, A);
    for (let S = 0; S < size; S++) {
      let cap = 0;
      for (let a = 0; a < A; a++)
        if (S & (1 << a))
          cap += p.agencies[a]?.effective[(p.agencies[a]?.effective.length ?? 1) - 1]?.guards ?? 0;
      hallSlack[S] = cap - (demand[S] ?? 0);
    }
  }
  const keepsPacking = (f: number, a: number): boolean => {
    if (!useHall) return true;
    const m = siteMask[f] ?? 0;
    const g = p.sites[f]?.guards ?? 0;
    const bit = 1 << a;
    for (let S = 0; S < size; S++) if (S & bit && (S & m) !== m && (hallSlack[S] ?? 0) < g) return false;
    return true;
  };
  const commitPacking = (f: number, a: number) => {
    if (!useHall) return;
    const m = siteMask[f] ?? 0;
    const g = p.sites[f]?.guards ?? 0;
    const bit = 1 << a;
    for (let S = 0; S < size; S++) {
      if (S & bit) hallSlack[S] = (hallSlack[S] ?? 0) - g;
      if ((S & m) === m) hallSlack[S] = (hallSlack[S] ?? 0) + g;
    }
  };
  const fits = (f: number, a: number, guards: number) =>
    !held[a] && (slack[a] ?? 0) >= guards && keepsPacking(f, a);
  const pickAgency = (f: number): number => {
    const s = p.sites[f];
    if (!s) return -1;
    const preferred = rule.preferredAgency?.[f] ?? -1;
    if (preferred >= 0 && s.agencies.includes(preferred) && fits(f, preferred, s.guards)) return preferred;
    for (const a of agencyPreference) if (s.agencies.includes(a) && fits(f, a, s.guards)) return a;
    // A pinned site goes where it must, even if that strains the packing guard.
    if (s.pinnedStart !== undefined)
      for (const a of agencyPreference)
        if (s.agencies.includes(a) && !held[a] && (slack[a] ?? 0) >= s.guards) return a;
    return -1;
  };

  while (remaining > 0) {
    if (t > lastEvent + 1) return undefined; // nothing will ever change: stuck
    // Slack for each agency: room now and at every future reservation of a pinned site.
    for (let a = 0; a < A; a++) {
      const ag = p.agencies[a];
      if (!ag) continue;
      const capNow = t < 0 ? Infinity : effectiveCapacity(ag, t);
      let s = capNow - (used[a] ?? 0);
      let reserved = 0;
      const res = reservations[a] ?? [];
      for (const r of res) if (done[r.site] === 0 && r.day <= t) reserved += r.guards;
      s -= reserved;
      // Future reservations, in day order.
      const future = res.filter((r) => done[r.site] === 0 && r.day > t).sort((x, y) => x.day - y.day);
      let acc = reserved;
      for (const r of future) {
        acc += r.guards;
        s = Math.min(s, effectiveCapacity(ag, r.day) - (used[a] ?? 0) - acc);
      }
      slack[a] = s;
      held[a] = 0;
    }
    let placedToday = 0;
    // Pins due today go first, whatever else is ready.
    for (const f of pinnedByDay.get(t) ?? []) {
      const s = p.sites[f];
      if (!s || done[f]) continue;
      if (pendingPreds[f] !== 0 || (readyDay[f] ?? 0) > t) return undefined;
      if (s.pinnedAgency !== undefined) {
        // Its guards were reserved in the slack; release the reservation as it is placed.
        slack[s.pinnedAgency] = (slack[s.pinnedAgency] ?? 0) + s.guards;
      }
      const a = pickAgency(f);
      if (a < 0) return undefined;
      place(f, a, t);
      placedToday++;
    }
    if (placedToday > p.throughput) return undefined;
    if (t >= 0) {
      for (const f of byLatest) {
        if (placedToday >= p.throughput) break;
        if ((rule.latest[f] ?? 0) > t + rule.urgency) break;
        if (!ready(f, t)) continue;
        const a = pickAgency(f);
        if (a >= 0) {
          place(f, a, t);
          placedToday++;
        } else if (rule.holdForUrgent) for (const b of p.sites[f]?.agencies ?? []) held[b] = 1;
      }
      for (const f of byRank) {
        if (placedToday >= p.throughput) break;
        if (!ready(f, t)) continue;
        const a = pickAgency(f);
        if (a >= 0) {
          place(f, a, t);
          placedToday++;
        }
      }
    }
    if (placedToday > 0) lastEvent = Math.max(lastEvent, t);
    t++;
  }
  return { start, agency };
}

/** Objective of a schedule: W = max T_f and Σ strength × release. */
export function evaluateSchedule(
  p: PlanningProblem,
  s: Schedule,
): { w: number; pd: number; release: Float64Array } {
  const release = new Float64Array(p.units.length);
  let w = p.sites.length ? -Infinity : 0;
  const hasSite = new Uint8Array(p.units.length);
  for (const site of p.sites) {
    const T = (s.start[site.index] ?? 0) + site.overlap;
    w = Math.max(w, T);
    release[site.unit] = hasSite[site.unit] ? Math.max(release[site.unit] ?? 0, T) : T;
    hasSite[site.unit] = 1;
  }
  let pd = 0;
  for (const u of p.units) pd += u.strength * (release[u.index] ?? 0);
  return { w, pd, release };
}
