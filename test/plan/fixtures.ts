import type { Scenario } from '../../src/core/scenario/schema.ts';
import { validateScenario } from '../../src/core/scenario/validate.ts';

/** The scenario, validated (defaults filled in); a test fixture that does not validate throws. */
export const valid = (s: Scenario): Scenario => {
  const check = validateScenario(s);
  if (!check.ok) throw new Error(JSON.stringify(check.problems));
  return check.scenario;
};

/** Two food sites of 10 guards, one unit, and Police (50 guards, criticality ≤ 3, food and water). */
export const twoSites = (): Scenario =>
  valid({
    version: 1,
    operation: { name: 'x', area: 'x', start: '2030-01-10', timezone: 'UTC', languages: ['en'] },
    force: {
      name: 'F',
      contingents: [{ id: 'C', nation: 'N', units: [{ id: 'u', name: 'U', strength: 10 }] }],
    },
    agencies: [
      {
        id: 'police',
        name: 'Police',
        capacity: [{ from: '2030-01-10', guards: 50 }],
        max_criticality: 3,
        sectors: ['food', 'water'],
      },
    ],
    sites: [
      { id: 'a', name: 'A', sector: 'food', criticality: 2, district: 'd', guards: 10, guarded_by: 'u' },
      { id: 'b', name: 'B', sector: 'food', criticality: 2, district: 'd', guards: 10, guarded_by: 'u' },
    ],
  });

/** twoSites() with a third food site like a and b (10 guards, criticality 2, unit u): c. */
export function threeSites(): Scenario {
  const s = twoSites();
  const b = s.sites[1]!;
  s.sites.push({ ...b, id: 'c', name: 'C' });
  return s;
}

/** Army: takes every sector and criticality, with these capacity steps. */
export const army = (capacity: Scenario['agencies'][number]['capacity']): Scenario['agencies'][number] => ({
  id: 'army',
  name: 'Army',
  capacity,
});

/** Three sites of 10 guards, and Police and Army of 15 each for good: 30 of 30 guards, but no agency holds two. */
export function packing(): Scenario {
  const s = threeSites();
  s.agencies[0]!.capacity = [{ from: '2030-01-10', guards: 15 }];
  s.agencies.push(army([{ from: '2030-01-10', guards: 15 }]));
  return s;
}

/**
 * threeSites() with a deadline of 12 Jan, Police 15 guards until 15 Jan and 20 from then, Army 15: by the
 * deadline one site is left over (30 guards of 30, but no agency holds two); from 15 Jan Police holds two.
 */
export function lateGrowth(): Scenario {
  const s = threeSites();
  s.operation.deadline = '2030-01-12';
  s.agencies[0]!.capacity = [
    { from: '2030-01-10', guards: 15 },
    { from: '2030-01-15', guards: 20 },
  ];
  s.agencies.push(army([{ from: '2030-01-10', guards: 15 }]));
  return s;
}
