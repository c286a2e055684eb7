import { addDays } from '../../src/core/dates.ts';
import type { Scenario, ScenarioSite } from '../../src/core/scenario/schema.ts';
import { SECTORS } from '../../src/core/vocabulary.ts';
import { rng } from '../../bench/lib/rng.ts';

export interface ScenarioShape {
  sites: number;
  agencies: number;
  units: number;
  contingents: number;
  /** Probability of each optional feature. */
  features: number;
  /** Last day of capacity steps and gates. */
  span: number;
}

/** A random scenario of the given shape; it may well be infeasible. */
export function randomScenario(seed: number, shape: ScenarioShape): Scenario {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const chance = (p: number) => r() < p;
  const start = '2030-01-10';
  const sectors = SECTORS.slice(0, 3);
  const units: { id: string; contingent: number }[] = [];
  const contingents = [...Array(shape.contingents).keys()].map((c) => ({
    id: `C${c + 1}`,
    nation: `Nation ${c + 1}`,
    units: [] as { id: string; name: string; strength: number }[],
  }));
  for (let u = 0; u < shape.units; u++) {
    const c = u % shape.contingents;
    const id = `u${u + 1}`;
    units.push({ id, contingent: c });
    contingents[c]?.units.push({ id, name: `Unit ${u + 1}`, strength: int(5, 400) });
  }
  const agencies = [...Array(shape.agencies).keys()].map((a) => {
    const steps = int(1, 3);
    let day = int(0, 1) === 0 ? 0 : int(0, shape.span);
    let guards = int(0, 20);
    const capacity: { from: string; guards: number }[] = [];
    for (let k = 0; k < steps; k++) {
      capacity.push({ from: addDays(start, day), guards });
      day += int(1, Math.max(1, shape.span));
      guards = Math.max(0, guards + int(-6, 25));
    }
    return {
      id: `ag${a + 1}`,
      name: `Agency ${a + 1}`,
      capacity,
      ...(chance(shape.features) ? { max_criticality: int(2, 5) } : {}),
      ...(chance(shape.features / 2)
        ? {
            sectors: sectors
              .filter(() => chance(0.6))
              .concat([sectors[0] ?? 'food'])
              .filter((v, i, all) => all.indexOf(v) === i),
          }
        : {}),
    };
  });
  const sites: ScenarioSite[] = [];
  for (let i = 0; i < shape.sites; i++) {
    const site: ScenarioSite = {
      id: `s${i + 1}`,
      name: `Site ${i + 1}`,
      sector: sectors[int(0, sectors.length - 1)] ?? 'food',
      criticality: int(1, 5),
      district: 'Centre',
      guards: int(1, 15),
      guarded_by: units[int(0, units.length - 1)]?.id ?? 'u1',
    };
    if (chance(0.7)) site.overlap_days = int(0, 2);
    if (chance(shape.features)) site.not_before = addDays(start, int(0, shape.span));
    if (i > 0 && chance(shape.features)) site.after = [`s${int(1, i)}`];
    if (chance(shape.features / 3)) {
      // Occasionally a backward edge, which can close a cycle.
      const other = int(1, shape.sites);
      if (other !== i + 1) site.after = [...new Set([...(site.after ?? []), `s${other}`])];
    }
    if (chance(shape.features / 3)) {
      const pinned: { agency?: string; start?: string } = {};
      if (chance(0.6)) pinned.agency = agencies[int(0, agencies.length - 1)]?.id ?? 'ag1';
      if (chance(0.6)) pinned.start = addDays(start, int(0, shape.span + 1));
      if (pinned.agency !== undefined || pinned.start !== undefined) site.pinned = pinned;
    }
    sites.push(site);
  }
  return {
    version: 1,
    operation: {
      name: `random ${seed}`,
      area: 'Testland',
      start,
      timezone: 'UTC',
      languages: ['en'],
      ...(chance(shape.features) ? { deadline: addDays(start, int(2, shape.span + 5)) } : {}),
    },
    ...(chance(shape.features) ? { rules: { max_handovers_per_day: int(1, 3) } } : {}),
    force: { name: 'Force', contingents },
    agencies,
    sites,
  };
}
