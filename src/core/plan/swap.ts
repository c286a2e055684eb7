import type { Schedule } from './greedy.ts';
import { effectiveCapacity, type PlanningProblem } from './problem.ts';

/**
 * Local search on a plan's start days: for a unit (heaviest first), move every site that sets its release
 * to an earlier day, either into a free handover slot or by trading days with a site whose own unit has
 * slack (it moves later without delaying its unit). Capacity is checked on every affected day. When
 * that stalls, a heavy unit may also delay lighter ones. Moves are kept only when the exact change of
 * person-days over the units touched is a gain; W never grows.
 */
export function swapDescent(p: PlanningProblem, es: Int32Array, initial: Schedule, until: number): Schedule {
  const n = p.sites.length;
  const A = p.agencies.length;
  const start = Int32Array.from(initial.start);
  const agency = Int32Array.from(initial.agency);
  let minDay = 0;
  let maxDay = 0;
  for (let f = 0; f < n; f++) {
    minDay = Math.min(minDay, start[f] ?? 0);
    maxDay = Math.max(maxDay, (start[f] ?? 0) + (p.sites[f]?.overlap ?? 0));
  }
  for (const a of p.agencies) for (const st of a.effective) maxDay = Math.max(maxDay, st.day);
  const offset = -minDay;
  const H = maxDay + offset + 2;
  const cap = p.agencies.map((a) => {
    const arr = new Float64Array(H);
    for (let k = 0; k < H; k++) arr[k] = k - offset < 0 ? Infinity : effectiveCapacity(a, k - offset);
    return arr;
  });
  const used = p.agencies.map(() => new Float64Array(H));
  const count = new Int32Array(H);
  const byDay: Set<number>[] = [...Array(H).keys()].map(() => new Set<number>());
  const add = (f: number, sign: number) => {
    const k = (start[f] ?? 0) + offset;
    const u = used[agency[f] ?? 0];
    const g = (p.sites[f]?.guards ?? 0) * sign;
    if (u) for (let j = Math.max(0, k); j < H; j++) u[j] = (u[j] ?? 0) + g;
    count[k] = (count[k] ?? 0) + sign;
    if (sign > 0) byDay[k]?.add(f);
    else byDay[k]?.delete(f);
  };
  for (let f = 0; f < n; f++) add(f, 1);
  const release = new Float64Array(p.units.length);
  const T = (f: number) => (start[f] ?? 0) + (p.sites[f]?.overlap ?? 0);
  const computeRelease = (u: number) => {
    let r = -Infinity;
    for (const f of p.units[u]?.sites ?? []) r = Math.max(r, T(f));
    release[u] = r;
  };
  for (const u of p.units) computeRelease(u.index);
  const capOk = () => {
    for (let a = 0; a < A; a++) {
      const u = used[a];
      const c = cap[a];
      if (!u || !c) continue;
      for (let j = 0; j < H; j++) if ((u[j] ?? 0) > (c[j] ?? 0)) return false;
    }
    return true;
  };
  const earliest = (f: number) => {
    let lo = p.sites[f]?.pinnedStart ?? es[f] ?? 0;
    for (const h of p.sites[f]?.preds ?? []) lo = Math.max(lo, T(h));
    return lo;
  };
  const latestFor = (g: number) => {
    let hi = Infinity;
    for (const s of p.sites[g]?.succs ?? []) hi = Math.min(hi, (start[s] ?? 0) - (p.sites[g]?.overlap ?? 0));
    return hi;
  };
  type Move = { f: number; day: number; agency: number };
  const apply = (m: Move): Move => {
    const back = { f: m.f, day: start[m.f] ?? 0, agency: agency[m.f] ?? 0 };
    add(m.f, -1);
    start[m.f] = m.day;
    agency[m.f] = m.agency;
    add(m.f, 1);
    return back;
  };
  // Move f to a day ≤ target: a free slot, or a trade with a site of a unit that has slack.
  // `allowance`: person-days the trades may add to other units (a heavy unit may delay a light one).
  let allowance = 0;
  let wMax = 0;
  for (const u of p.units) if (u.sites.length) wMax = Math.max(wMax, release[u.index] ?? 0);
  const pull = (f: number, target: number, journal: Move[]): boolean => {
    const s = p.sites[f];
    if (!s || s.pinnedStart !== undefined) return false;
    const lo = earliest(f);
    for (let day = target; day >= lo; day--) {
      const k = day + offset;
      if (k < 0 || k >= H) continue;
      if ((count[k] ?? 0) < p.throughput) {
        for (const a of s.agencies) {
          const back = apply({ f, day, agency: a });
          if (capOk()) {
            journal.push(back);
            return true;
          }
          apply(back);
        }
      }
      for (const g of [...(byDay[k] ?? [])]) {
        const sg = p.sites[g];
        if (!sg || g === f || sg.pinnedStart !== undefined || sg.unit === s.unit) continue;
        // g moves later, to f's old day (a straight trade) or to a later day with a free slot, never
        // past its own unit's release or its successors.
        const oldDay = start[f] ?? 0;
        const slackDays = Math.floor(allowance / Math.max(1, p.units[sg.unit]?.strength ?? 1));
        const latestG = Math.min(
          (release[sg.unit] ?? 0) + slackDays - sg.overlap,
          wMax - sg.overlap,
          latestFor(g),
        );
        const gDays: number[] = [];
        if (oldDay <= latestG) gDays.push(oldDay);
        for (let d2 = latestG; d2 > day && gDays.length < 3; d2--)
          if (d2 !== oldDay && d2 + offset < H && (count[d2 + offset] ?? 0) < p.throughput) gDays.push(d2);
        for (const newDay of gDays) {
          const options: [number, number][] = [[agency[f] ?? 0, agency[g] ?? 0]];
          if (s.agencies.includes(agency[g] ?? -1) && sg.agencies.includes(agency[f] ?? -1))
            options.push([agency[g] ?? 0, agency[f] ?? 0]);
          for (const [af, ag] of options) {
            if (!s.agencies.includes(af) || !sg.agencies.includes(ag)) continue;
            const b1 = apply({ f: g, day: newDay, agency: ag });
            const b2 = apply({ f, day, agency: af });
            if (
              capOk() &&
              (count[day + offset] ?? 0) <= p.throughput &&
              (count[newDay + offset] ?? 0) <= p.throughput
            ) {
              journal.push(b1, b2);
              return true;
            }
            apply(b2);
            apply(b1);
          }
        }
      }
    }
    return false;
  };
  const order = p.units
    .filter((u) => u.sites.length)
    .map((u) => u.index)
    .sort((x, y) => (p.units[y]?.strength ?? 0) - (p.units[x]?.strength ?? 0));
  // Pass 0 keeps every other unit's release; once that stalls, pass 1 lets heavy units push light ones.
  let pass = 0;
  for (;;) {
    if (Date.now() >= until) break;
    let improved = false;
    for (const u of order) {
      if (Date.now() >= until) break;
      const R = release[u] ?? 0;
      const critical = (p.units[u]?.sites ?? []).filter((f) => T(f) === R);
      // Second pass onwards: a heavy unit may push lighter ones, if the total falls.
      allowance = pass > 0 ? (p.units[u]?.strength ?? 0) - 1 : 0;
      const journal: Move[] = [];
      let ok = true;
      for (const f of critical)
        if (!pull(f, R - 1 - (p.sites[f]?.overlap ?? 0), journal)) {
          ok = false;
          break;
        }
      if (ok && critical.length) {
        // Exact change of person-days over every unit touched; keep only a gain.
        const touched = new Set<number>([u]);
        for (const m of journal) touched.add(p.sites[m.f]?.unit ?? u);
        let delta = 0;
        const before = new Map<number, number>();
        for (const v of touched) {
          before.set(v, release[v] ?? 0);
          computeRelease(v);
          delta += (p.units[v]?.strength ?? 0) * ((release[v] ?? 0) - (before.get(v) ?? 0));
        }
        if (delta < 0) improved = true;
        else {
          for (const m of journal.reverse()) apply(m);
          for (const [v, r] of before) release[v] = r;
        }
      } else for (const m of journal.reverse()) apply(m);
    }
    if (!improved) {
      if (pass === 0) pass = 1;
      else break;
    }
  }
  return { start, agency };
}
