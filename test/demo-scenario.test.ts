import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { parseScenario } from '../src/core/scenario/io.ts';
import type { Scenario, ScenarioAgency, ScenarioSite } from '../src/core/scenario/schema.ts';
import { MAX_CRITICALITY, SERIOUS_SEVERITY } from '../src/core/vocabulary.ts';

const ALMATY_DISTRICTS = [
  'Alatau',
  'Almaly',
  'Auezov',
  'Bostandyk',
  'Zhetysu',
  'Medeu',
  'Nauryzbay',
  'Turksib',
];

function loadDemo(): Scenario {
  const text = readFileSync(new URL('../scenarios/almaty.yaml', import.meta.url), 'utf8');
  const result = parseScenario(text);
  if (!result.ok)
    throw new Error(`scenarios/almaty.yaml is invalid: ${JSON.stringify(result.problems, null, 2)}`);
  return result.scenario;
}

function contingentOfUnit(s: Scenario, unitId: string): string | undefined {
  return s.force.contingents.find((c) => c.units.some((u) => u.id === unitId))?.id;
}

function site(s: Scenario, id: string): ScenarioSite {
  const found = s.sites.find((x) => x.id === id);
  if (!found) throw new Error(`site ${id} missing`);
  return found;
}

function eligible(a: ScenarioAgency, f: ScenarioSite): boolean {
  return (
    f.criticality <= (a.max_criticality ?? MAX_CRITICALITY) && (!a.sectors || a.sectors.includes(f.sector))
  );
}

const finalCapacity = (a: ScenarioAgency) => a.capacity.at(-1)?.guards ?? 0;

describe('Almaty demo scenario (scenarios/almaty.yaml)', () => {
  it('is a valid scenario file', () => {
    const text = readFileSync(new URL('../scenarios/almaty.yaml', import.meta.url), 'utf8');
    const result = parseScenario(text);
    expect(result.ok ? [] : result.problems).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('describes the operation in Almaty from 11 to 19 January 2022', () => {
    const s = loadDemo();
    expect(s.operation.area).toBe('Almaty');
    expect(s.operation.start).toBe('2022-01-11');
    expect(s.operation.deadline).toBe('2022-01-19');
    expect(s.operation.timezone).toBe('Asia/Almaty');
    expect(s.operation.languages).toEqual(['ru', 'en']);
  });

  it('has exactly 14 strategic sites', () => {
    expect(loadDemo().sites).toHaveLength(14);
  });

  it('has the five contingents with about 2,000 troops in all', () => {
    const s = loadDemo();
    expect(s.force.contingents.map((c) => c.id).sort()).toEqual(['ARM', 'BLR', 'KGZ', 'RUS', 'TJK']);
    const total = s.force.contingents.flatMap((c) => c.units).reduce((n, u) => n + u.strength, 0);
    expect(total).toBeGreaterThanOrEqual(1800);
    expect(total).toBeLessThanOrEqual(2200);
    const arm = s.force.contingents.find((c) => c.id === 'ARM');
    expect(arm?.units.reduce((n, u) => n + u.strength, 0)).toBe(100);
  });

  it('puts the Aksai bakery plant under the Armenians, with 60 t of bread a day', () => {
    const s = loadDemo();
    const bakery = site(s, 'aksai-bakery');
    expect(bakery.sector).toBe('food');
    expect(contingentOfUnit(s, bakery.guarded_by)).toBe('ARM');
    expect(bakery.essential_output).toMatchObject({ product: 'bread', amount: 60, unit: 't/day' });
    expect(bakery.operator?.name).toBe('Rizagul Beisenbaeva');
  });

  it('puts Kazakhtelecom under the Russians, TPP-2 under the Kyrgyz and the oil depot under the Tajiks', () => {
    const s = loadDemo();
    expect(contingentOfUnit(s, site(s, 'kazakhtelecom').guarded_by)).toBe('RUS');
    expect(contingentOfUnit(s, site(s, 'tpp-2').guarded_by)).toBe('KGZ');
    expect(contingentOfUnit(s, site(s, 'oil-depot').guarded_by)).toBe('TJK');
    expect(contingentOfUnit(s, site(s, 'almaty-airport').guarded_by)).toBe('RUS');
  });

  it('gives every site a district of Almaty, a location and post orders', () => {
    for (const f of loadDemo().sites) {
      expect(ALMATY_DISTRICTS, f.id).toContain(f.district);
      expect(f.location, f.id).toBeDefined();
      expect(f.location?.lat, f.id).toBeGreaterThan(43.1);
      expect(f.location?.lat, f.id).toBeLessThan(43.4);
      expect(f.location?.lon, f.id).toBeGreaterThan(76.7);
      expect(f.location?.lon, f.id).toBeLessThan(77.1);
      expect(f.post_orders?.length ?? 0, f.id).toBeGreaterThanOrEqual(2);
    }
  });

  it('took five sites under protection on 10 January ("over the past 24 hours")', () => {
    const s = loadDemo();
    expect(s.sites.filter((f) => f.protected_since === '2022-01-10')).toHaveLength(5);
    for (const f of s.sites) expect(f.protected_since, f.id).toBeDefined();
  });

  it('starts before any handover: no handover records, no released unit, no withdrawn contingent', () => {
    const s = loadDemo();
    expect(s.sites.filter((f) => f.handover !== undefined)).toEqual([]);
    expect(s.force.contingents.filter((c) => c.withdrawn !== undefined)).toEqual([]);
    expect(s.force.contingents.flatMap((c) => c.units).filter((u) => u.released !== undefined)).toEqual([]);
  });

  it('is plausibly feasible: enough final capacity, and an eligible agency for every site', () => {
    const s = loadDemo();
    const guards = s.sites.reduce((n, f) => n + f.guards, 0);
    const capacity = s.agencies.reduce((n, a) => n + finalCapacity(a), 0);
    expect(guards).toBeLessThanOrEqual(capacity);
    for (const f of s.sites)
      expect(
        s.agencies.some((a) => eligible(a, f)),
        f.id,
      ).toBe(true);
    // Transfers must fit before the deadline: no gate later than the deadline minus the overlap.
    for (const f of s.sites) {
      if (!f.not_before) continue;
      const latestStart = new Date(
        Date.parse(`${s.operation.deadline}T00:00:00Z`) - (f.overlap_days ?? 1) * 864e5,
      );
      expect(f.not_before <= latestStart.toISOString().slice(0, 10), f.id).toBe(true);
    }
  });

  it('has no serious incident at a site from 10 January on (it would gate the handover)', () => {
    const s = loadDemo();
    const late = (s.incidents ?? []).filter(
      (i) => i.site !== undefined && i.severity >= SERIOUS_SEVERITY && i.at.slice(0, 10) >= '2022-01-10',
    );
    expect(late).toEqual([]);
  });

  it('keeps the alcohol-sale ban until 19 January and the bakery output from 5 to 19 January', () => {
    const s = loadDemo();
    expect(s.restrictions?.find((r) => r.kind === 'alcohol_sale_ban')?.until).toBe('2022-01-19');
    const bakery = (s.facility_output ?? []).filter((r) => r.site === 'aksai-bakery');
    expect(bakery).toHaveLength(15);
    expect(bakery.find((r) => r.date === '2022-01-07')).toMatchObject({
      status: 'reduced',
      products: ['bread'],
    });
    expect(bakery.find((r) => r.date === '2022-01-15')?.status).toBe('operating');
  });
});
