/**
 * A generated operation for the service benchmark: deterministic (seeded PRNG), valid, and filling every
 * core field of a site so that the rows written and read are as wide as real ones.
 */
import type { Scenario, ScenarioIncident, ScenarioSite } from '../../src/core/scenario/schema.ts';
import { INCIDENT_KINDS, SECTORS } from '../../src/core/vocabulary.ts';
import { rng } from './rng.ts';

export const DISTRICTS = [
  'Alatau',
  'Almaly',
  'Auezov',
  'Bostandyk',
  'Zhetysu',
  'Medeu',
  'Nauryzbay',
  'Turksib',
] as const;
export const CONTINGENTS = ['C1', 'C2', 'C3', 'C4', 'C5'] as const;
export const AGENCIES = ['ag1', 'ag2', 'ag3'] as const;
const UNITS_PER_CONTINGENT = 8;
const START = '2030-03-01';

function day(offset: number): string {
  const d = new Date(Date.parse(`${START}T00:00:00Z`) + offset * 86_400_000);
  return d.toISOString().slice(0, 10);
}

export interface GeneratedScenario {
  scenario: Scenario;
  siteIds: string[];
  unitIds: string[];
}

/** An operation of `n` sites: 5 contingents of 8 units, 3 agencies, n/50 incidents, some handovers under way. */
export function generateScenario(n: number, seed = 20_301): GeneratedScenario {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

  const unitIds: string[] = [];
  const contingents = CONTINGENTS.map((id, c) => ({
    id,
    nation: `Nation ${c + 1}`,
    units: Array.from({ length: UNITS_PER_CONTINGENT }, (_, k) => {
      const uid = `${id.toLowerCase()}-u${k + 1}`;
      unitIds.push(uid);
      return { id: uid, name: `Unit ${k + 1} of contingent ${id}`, strength: int(80, 600) };
    }),
  }));

  const agencies: Scenario['agencies'] = [
    {
      id: 'ag1',
      name: 'National Guard',
      capacity: [
        { from: START, guards: 20_000 },
        { from: day(3), guards: 60_000 },
        { from: day(7), guards: 150_000 },
      ],
    },
    {
      id: 'ag2',
      name: 'Police',
      capacity: [
        { from: START, guards: 10_000 },
        { from: day(5), guards: 40_000 },
      ],
      max_criticality: 3,
    },
    {
      id: 'ag3',
      name: 'Armed Forces',
      capacity: [{ from: day(1), guards: 50_000 }],
      sectors: ['energy', 'fuel', 'telecom', 'transport', 'water', 'media'],
    },
  ];

  const siteIds: string[] = [];
  const sites: ScenarioSite[] = [];
  for (let i = 0; i < n; i++) {
    const id = `site-${String(i + 1).padStart(5, '0')}`;
    const district = pick(DISTRICTS);
    const site: ScenarioSite = {
      id,
      name: `${pick(['Plant', 'Station', 'Depot', 'Exchange', 'Office', 'Works'])} ${i + 1}, ${district}`,
      sector: pick(SECTORS),
      criticality: int(1, 5),
      district,
      location: { lat: 43.1 + r() * 0.3, lon: 76.7 + r() * 0.4 },
      guards: int(4, 40),
      guarded_by: pick(unitIds),
      overlap_days: int(0, 3),
      protected_since: day(-int(1, 6)),
      operator: {
        name: `Operator of ${id}`,
        position: 'Director',
        contact: `+7 700 ${int(1000000, 9999999)}`,
      },
      post_orders: [
        'Keep armed persons and looters out of the grounds.',
        'Let staff through after checking passes.',
        ...(r() < 0.5 ? ['No photographs, no conversations with the local population.'] : []),
      ],
    };
    if (r() < 0.2) site.not_before = day(int(1, 5));
    if (i > 0 && r() < 0.05) site.after = [siteIds[int(Math.max(0, i - 50), i - 1)] as string];
    if (r() < 0.05) site.pinned = { agency: 'ag1', start: day(int(2, 8)) };
    if (r() < 0.1)
      site.essential_output = {
        product: pick(['bread', 'power', 'water', 'fuel']),
        amount: int(5, 500),
        unit: 't/day',
        city_need_share: Math.round(r() * 100) / 100,
      };
    const h = r();
    // Agency ag1 takes every sector and criticality, so every handover record is valid.
    if (h < 0.05) site.handover = { agency: 'ag1', state: 'planned', start: day(int(1, 4)) };
    else if (h < 0.08) site.handover = { agency: 'ag1', state: 'joint_guard', start: day(-1) };
    else if (h < 0.1)
      site.handover = { agency: 'ag1', state: 'transferred', start: day(-3), transfer: day(-1) };
    if (r() < 0.3) site.illustrative = ['criticality', 'location'];
    sites.push(site);
    siteIds.push(id);
  }

  const incidents: ScenarioIncident[] = Array.from({ length: Math.max(1, Math.floor(n / 50)) }, (_, k) => {
    const site = siteIds[int(0, siteIds.length - 1)] as string;
    return {
      id: `inc-${k + 1}`,
      at: `${day(-int(0, 5))}T${String(int(0, 23)).padStart(2, '0')}:${String(int(0, 59)).padStart(2, '0')}:00+06:00`,
      kind: pick(INCIDENT_KINDS),
      severity: int(1, 5),
      ...(r() < 0.8 ? { site } : {}),
      district: pick(DISTRICTS),
      description: `Generated incident ${k + 1}.`,
      ...(r() < 0.5 ? { illustrative: true } : {}),
    };
  });

  const scenario: Scenario = {
    version: 1,
    operation: {
      name: `Benchmark operation (${n} sites)`,
      area: 'Benchmark city',
      start: START,
      deadline: day(30),
      timezone: 'Asia/Almaty',
      languages: ['ru', 'en'],
      center: { lat: 43.24, lon: 76.89 },
    },
    rules: { max_handovers_per_day: 500 },
    force: { name: 'Benchmark force', contingents },
    agencies,
    sites,
    incidents,
    indicators: [
      { date: day(-1), indicator: 'internet', level: 'limited' },
      { date: day(0), indicator: 'internet', level: 'normal' },
      { date: day(0), indicator: 'shops', level: 'limited', note: 'Half the shops open.' },
    ],
    restrictions: [
      { id: 'curfew', kind: 'curfew', description: 'Curfew 23:00 to 07:00.', from: day(-5), until: day(5) },
    ],
    facility_output: sites
      .filter((s) => s.essential_output)
      .slice(0, 20)
      .map((s) => ({ site: s.id, date: day(0), status: 'operating' as const, output: 10 })),
  };
  return { scenario, siteIds, unitIds };
}
