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
