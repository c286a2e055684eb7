import { dayIndex } from '../../src/core/dates.ts';
import type { Scenario } from '../../src/core/scenario/schema.ts';

/**
 * Exhaustive optimum for tiny scenarios: every agency and every start day in [0, horizon] for every
 * site, each complete assignment checked against the contract; the lexicographic least (W, person-days).
 * Undefined when nothing is feasible within the horizon.
 */
export function bruteForceOptimum(
  scenario: Scenario,
  horizon: number,
  /** A previous plan (site id → agency id and start day): `moves` is then the fewest sites moved from it. */
  previous?: ReadonlyMap<string, { agency: string; start: number }>,
): { w: number; pd: number; moves: number } | undefined {
  const day = (d: string) => dayIndex(scenario.operation.start, d);
  const sites = scenario.sites;
  const n = sites.length;
  const deadline = scenario.operation.deadline === undefined ? Infinity : day(scenario.operation.deadline);
  const max = scenario.rules?.max_handovers_per_day ?? Infinity;
  const overlap = sites.map((s) => s.overlap_days ?? 1);
  const options = sites.map((s) => {
    const out: { a: number; t: number }[] = [];
    scenario.agencies.forEach((ag, a) => {
      if (s.criticality > (ag.max_criticality ?? 5)) return;
      if (ag.sectors && !ag.sectors.includes(s.sector)) return;
      if (s.pinned?.agency !== undefined && s.pinned.agency !== ag.id) return;
      for (let t = 0; t <= horizon; t++) {
        if (s.not_before && t < day(s.not_before)) continue;
        if (s.pinned?.start !== undefined && t !== day(s.pinned.start)) continue;
        if (t + (overlap[sites.indexOf(s)] ?? 1) > deadline) continue;
        out.push({ a, t });
      }
    });
    return out;
  });
  const index = new Map(sites.map((s, i) => [s.id, i]));
  const stepDays = scenario.agencies.map((ag) => ag.capacity.map((st) => day(st.from)));
  const capAt = (a: number, t: number) => {
    let c = 0;
    scenario.agencies[a]?.capacity.forEach((st, k) => {
      if ((stepDays[a]?.[k] ?? 0) <= t) c = st.guards;
    });
    return c;
  };
  const strengthOf = new Map<string, number>();
  for (const c of scenario.force.contingents) for (const u of c.units) strengthOf.set(u.id, u.strength);
  const choice: { a: number; t: number }[] = [];
  let best: { w: number; pd: number; moves: number } | undefined;
  const movesNow = () => {
    let k = 0;
    sites.forEach((s, i) => {
      const before = previous?.get(s.id);
      const c = choice[i];
      if (before && c && (scenario.agencies[c.a]?.id !== before.agency || c.t !== before.start)) k++;
    });
    return k;
  };

  const feasible = (): boolean => {
    const perDay = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const c = choice[i];
      if (!c) return false;
      perDay.set(c.t, (perDay.get(c.t) ?? 0) + 1);
      for (const h of sites[i]?.after ?? []) {
        const j = index.get(h) ?? -1;
        const ch = choice[j];
        if (!ch || c.t < ch.t + (overlap[j] ?? 1)) return false;
      }
    }
    for (const v of perDay.values()) if (v > max) return false;
    for (let a = 0; a < scenario.agencies.length; a++) {
      const days = new Set<number>([0, ...(stepDays[a] ?? []).filter((d) => d >= 0)]);
      for (const c of choice) if (c.a === a) days.add(c.t);
      for (const t of days) {
        let used = 0;
        for (let i = 0; i < n; i++)
          if (choice[i]?.a === a && (choice[i]?.t ?? 0) <= t) used += sites[i]?.guards ?? 0;
        if (used > capAt(a, t)) return false;
      }
    }
    return true;
  };
  const evaluate = () => {
    let w = 0;
    const release = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const T = (choice[i]?.t ?? 0) + (overlap[i] ?? 1);
      w = Math.max(w, T);
      const u = sites[i]?.guarded_by ?? '';
      release.set(u, Math.max(release.get(u) ?? 0, T));
    }
    let pd = 0;
    for (const [u, r] of release) pd += (strengthOf.get(u) ?? 0) * r;
    return { w, pd };
  };
  const walk = (i: number) => {
    if (i === n) {
      if (!feasible()) return;
      const e = { ...evaluate(), moves: movesNow() };
      if (
        !best ||
        e.w < best.w ||
        (e.w === best.w && (e.pd < best.pd || (e.pd === best.pd && e.moves < best.moves)))
      )
        best = e;
      return;
    }
    for (const o of options[i] ?? []) {
      choice[i] = o;
      walk(i + 1);
    }
  };
  walk(0);
  return best;
}
