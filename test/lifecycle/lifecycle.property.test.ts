import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, type IsoDate } from '../../src/core/dates.ts';
import {
  callOffHandover,
  invariantBreaches,
  planHandover,
  releaseUnit,
  startJointGuard,
  takeUnderProtection,
  transferAuthority,
  withdrawContingent,
} from '../../src/core/handover/lifecycle.ts';
import { agencyId, contingentId, incidentId, siteId, unitId } from '../../src/core/ids.ts';
import type { Agency, Contingent, Incident, Site, Unit } from '../../src/core/model.ts';
import { RuleViolation, type Rule } from '../../src/core/rules.ts';
import type { Sector } from '../../src/core/vocabulary.ts';
import { InputError } from '../../src/service/errors.ts';
import { DEMO_ACTOR, HandoverService } from '../../src/service/service.ts';
import { backends } from '../support/backends.ts';
import { transferBySignatures } from '../signatures/support.ts';

/**
 * Random operations driven through random lifecycle actions. The core decides; the test keeps its own
 * account of what the rules are and checks, after every action, the operation's invariants with checks
 * written here (and that the core's own `invariantBreaches` agrees).
 */

// ── the generated world ───────────────────────────────────────────────────────────────────────────────────

const DAY0 = '2022-01-10';
const day = (n: number): IsoDate => addDays(DAY0, n);
const NOW = new Date('2022-01-14T12:00:00Z');
const SECTORS_USED = ['food', 'energy', 'water'] as const satisfies readonly Sector[];

interface World {
  contingents: Contingent[];
  units: Unit[];
  agencies: Agency[];
  sites: Site[];
  incidents: Incident[];
  maxHandoversPerDay: number | null;
  /** Test bookkeeping: the action number at which each site's current joint guard started. */
  startedAt: Record<string, number>;
}

interface SiteTemplate {
  sector: (typeof SECTORS_USED)[number];
  criticality: number;
  guards: number;
  notBefore: number | null;
  after: number[];
}

const siteTemplateArb: fc.Arbitrary<SiteTemplate> = fc.record({
  sector: fc.constantFrom(...SECTORS_USED),
  criticality: fc.integer({ min: 1, max: 4 }),
  guards: fc.integer({ min: 1, max: 30 }),
  notBefore: fc.option(fc.integer({ min: 0, max: 6 }), { nil: null }),
  after: fc.uniqueArray(fc.nat({ max: 20 }), { maxLength: 2 }),
});

interface WorldSpec {
  unitsPerContingent: number[];
  agencies: {
    steps: { day: number; guards: number }[];
    maxCriticality: number;
    sectors: (typeof SECTORS_USED)[number][] | null;
  }[];
  sites: (SiteTemplate & { unit: number })[];
  incidents: { site: number; severity: number; hoursAgo: number }[];
  maxHandoversPerDay: number | null;
}

const worldSpecArb: fc.Arbitrary<WorldSpec> = fc.record({
  unitsPerContingent: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
  agencies: fc.array(
    fc.record({
      steps: fc
        .uniqueArray(
          fc.record({ day: fc.integer({ min: 0, max: 8 }), guards: fc.integer({ min: 0, max: 120 }) }),
          {
            selector: (s) => s.day,
            maxLength: 3,
          },
        )
        .map((steps) => [...steps].sort((a, b) => a.day - b.day)),
      maxCriticality: fc.integer({ min: 2, max: 5 }),
      sectors: fc.option(fc.uniqueArray(fc.constantFrom(...SECTORS_USED), { minLength: 1 }), {
        nil: null,
        freq: 2,
      }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  sites: fc
    .array(fc.tuple(siteTemplateArb, fc.nat()), { minLength: 1, maxLength: 6 })
    .map((xs) => xs.map(([t, unit]) => ({ ...t, unit }))),
  incidents: fc.array(
    fc.record({
      site: fc.nat(),
      severity: fc.integer({ min: 1, max: 5 }),
      hoursAgo: fc.integer({ min: 0, max: 100 }),
    }),
    { maxLength: 3 },
  ),
  maxHandoversPerDay: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
});

function draftSite(id: string, t: SiteTemplate, existing: readonly Site[]) {
  return {
    id: siteId(id),
    name: `Site ${id}`,
    sector: t.sector,
    criticality: t.criticality,
    district: 'Centre',
    location: null,
    guards: t.guards,
    overlapDays: 1,
    notBefore: t.notBefore === null ? null : day(t.notBefore),
    after: existing.length ? [...new Set(t.after.map((k) => existing[k % existing.length]!.id))] : [],
    pinned: null,
    operator: null,
    postOrders: [],
    essentialOutput: null,
    illustrative: [],
  };
}

function buildWorld(spec: WorldSpec): World {
  const contingents: Contingent[] = spec.unitsPerContingent.map((_, c) => ({
    id: contingentId(`C${c}`),
    nation: `Nation ${c}`,
    state: 'deployed',
    withdrawn: null,
    version: 0,
  }));
  const units: Unit[] = spec.unitsPerContingent.flatMap((n, c) =>
    Array.from({ length: n }, (_, k) => ({
      id: unitId(`u${c}-${k}`),
      contingentId: contingentId(`C${c}`),
      name: `Unit ${c}-${k}`,
      strength: 50,
      state: 'deployed' as const,
      released: null,
      version: 0,
    })),
  );
  const agencies: Agency[] = spec.agencies.map((a, i) => ({
    id: agencyId(`ag${i}`),
    name: `Agency ${i}`,
    capacity: a.steps.map((s) => ({ from: day(s.day), guards: s.guards })),
    maxCriticality: a.maxCriticality,
    sectors: a.sectors,
    version: 0,
  }));
  const sites: Site[] = [];
  spec.sites.forEach((t, i) => {
    const unit = units[t.unit % units.length]!;
    sites.push(takeUnderProtection(draftSite(`s${i}`, t, sites), unit, day(-3)));
  });
  const incidents: Incident[] = spec.incidents.map((x, i) => ({
    id: incidentId(`i${i}`),
    at: new Date(NOW.getTime() - x.hoursAgo * 3_600_000).toISOString(),
    kind: 'other',
    severity: x.severity,
    siteId: sites[x.site % sites.length]!.id,
    district: null,
    location: null,
    description: 'generated',
    illustrative: false,
  }));
  return {
    contingents,
    units,
    agencies,
    sites,
    incidents,
    maxHandoversPerDay: spec.maxHandoversPerDay,
    startedAt: {},
  };
}

// ── actions ─────────────────────────────────────────────────────────────────────────────────────────────────

type Action =
  | { kind: 'take'; unit: number; template: SiteTemplate; day: number }
  | { kind: 'plan'; site: number; agency: number; day: number }
  | { kind: 'start'; site: number; agency: number | null; day: number }
  | { kind: 'transfer'; site: number; day: number }
  | { kind: 'callOff'; site: number }
  | { kind: 'release'; unit: number; day: number }
  | { kind: 'withdraw'; contingent: number; day: number }
  | { kind: 'incident'; site: number; severity: number; hoursAgo: number };

const dayArb = fc.integer({ min: 0, max: 9 });
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('take' as const),
      unit: fc.nat(),
      template: siteTemplateArb,
      day: dayArb,
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('plan' as const),
      site: fc.nat(),
      agency: fc.nat(),
      day: dayArb,
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('start' as const),
      site: fc.nat(),
      agency: fc.option(fc.nat(), { nil: null, freq: 3 }),
      day: dayArb,
    }),
    weight: 5,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('transfer' as const), site: fc.nat(), day: dayArb }),
    weight: 4,
  },
  { arbitrary: fc.record({ kind: fc.constant('callOff' as const), site: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('release' as const), unit: fc.nat(), day: dayArb }), weight: 3 },
  {
    arbitrary: fc.record({ kind: fc.constant('withdraw' as const), contingent: fc.nat(), day: dayArb }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('incident' as const),
      site: fc.nat(),
      severity: fc.integer({ min: 1, max: 5 }),
      hoursAgo: fc.integer({ min: 0, max: 100 }),
    }),
    weight: 1,
  },
);

const pick = <T>(xs: readonly T[], n: number): T => xs[n % xs.length]!;

/** The receiving agency a `start` names: the one given, else the planned one, else none (invalid input). */
function startAgency(w: World, site: Site, agency: number | null): Agency | null {
  if (agency !== null) return pick(w.agencies, agency);
  return w.agencies.find((a) => a.id === site.handover?.agencyId) ?? null;
}

// ── the test's own account of the rules ─────────────────────────────────────────────────────────────────────

/**
 * Capacity from a date on, computed here: the guards of the latest step on or before the date (0 before
 * any), lowered by any later step with fewer guards — committed guards stay on their sites for good.
 */
function capacityOnDate(agency: Agency, date: IsoDate): number {
  const steps = agency.capacity.filter((s) => s.from <= date).sort((a, b) => (a.from < b.from ? -1 : 1));
  const onDate = steps.length ? steps[steps.length - 1]!.guards : 0;
  return Math.min(onDate, ...agency.capacity.filter((s) => s.from > date).map((s) => s.guards));
}

const committedSites = (sites: readonly Site[], agency: string) =>
  sites.filter(
    (s) => s.handover?.agencyId === agency && (s.state === 'joint_guard' || s.state === 'transferred'),
  );
const committed = (sites: readonly Site[], agency: string) =>
  committedSites(sites, agency).reduce((n, s) => n + s.guards, 0);

const ineligible = (site: Site, agency: Agency) =>
  site.criticality > agency.maxCriticality ||
  (agency.sectors !== null && !agency.sectors.includes(site.sector));

/** Every rule whose condition holds against this action (in no particular order). */
function rulesAgainst(w: World, a: Action): Set<Rule> {
  const out = new Set<Rule>();
  const on = 'day' in a ? day(a.day) : '';
  switch (a.kind) {
    case 'take':
      if (pick(w.units, a.unit).state !== 'deployed') out.add('unit-deployed');
      break;
    case 'plan': {
      const site = pick(w.sites, a.site);
      if (site.state !== 'protected') out.add('site-state');
      if (ineligible(site, pick(w.agencies, a.agency))) out.add('agency-eligibility');
      break;
    }
    case 'start': {
      const site = pick(w.sites, a.site);
      const agency = startAgency(w, site, a.agency);
      if (!agency) break; // invalid input, not a rule
      if (site.state !== 'protected') out.add('site-state');
      if (site.handover && site.handover.agencyId !== agency.id) out.add('site-state');
      if (ineligible(site, agency)) out.add('agency-eligibility');
      if (site.notBefore !== null && on < site.notBefore) out.add('handover-gate');
      for (const p of site.after) {
        const pred = w.sites.find((s) => s.id === p)!;
        if (pred.state !== 'transferred' || pred.handover!.transfer! > on) out.add('handover-precedence');
      }
      if (
        w.incidents.some(
          (i) =>
            i.siteId === site.id && i.severity >= 4 && NOW.getTime() - Date.parse(i.at) <= 48 * 3_600_000,
        )
      )
        out.add('incident-gate');
      const startedThatDay = w.sites.filter(
        (s) => (s.state === 'joint_guard' || s.state === 'transferred') && s.handover?.start === on,
      ).length;
      if (w.maxHandoversPerDay !== null && startedThatDay >= w.maxHandoversPerDay) out.add('throughput');
      if (committed(w.sites, agency.id) + site.guards > capacityOnDate(agency, on))
        out.add('agency-capacity');
      break;
    }
    case 'transfer': {
      const site = pick(w.sites, a.site);
      if (site.state !== 'joint_guard') out.add('site-state');
      else if (on < site.handover!.start) out.add('transfer-date');
      break;
    }
    case 'callOff': {
      const site = pick(w.sites, a.site);
      if (site.state === 'transferred' || !site.handover) out.add('site-state');
      break;
    }
    case 'release': {
      const unit = pick(w.units, a.unit);
      if (unit.state === 'released') out.add('unit-deployed');
      if (w.sites.some((s) => s.guardedBy === unit.id && s.state !== 'transferred'))
        out.add('unit-still-guarding');
      break;
    }
    case 'withdraw': {
      const c = pick(w.contingents, a.contingent);
      if (c.state === 'withdrawn') out.add('contingent-deployed');
      if (w.units.some((u) => u.contingentId === c.id && u.state !== 'released'))
        out.add('contingent-units-deployed');
      break;
    }
    case 'incident':
      break;
  }
  return out;
}

/** The invariants, checked here over the whole state; returns a sentence per breach. */
function breaches(
  w: Pick<World, 'sites' | 'units' | 'contingents' | 'agencies'>,
  lastStart?: World['startedAt'],
) {
  const found: string[] = [];
  const unit = new Map(w.units.map((u) => [u.id as string, u]));
  const agency = new Map(w.agencies.map((a) => [a.id as string, a]));
  for (const s of w.sites) {
    const guardingUnit = unit.get(s.guardedBy);
    if (s.state === 'protected' || s.state === 'joint_guard') {
      if (!guardingUnit) found.push(`${s.id} (${s.state}) is guarded by no known unit`);
      if (s.state === 'protected' && s.handover && s.handover.state !== 'planned')
        found.push(`${s.id} is protected but its handover is ${s.handover.state}`);
      if (
        s.state === 'joint_guard' &&
        (s.handover?.state !== 'joint_guard' || !agency.has(s.handover.agencyId))
      )
        found.push(`${s.id} is in joint guard without its agency`);
    } else if (
      s.handover?.state !== 'transferred' ||
      !agency.has(s.handover.agencyId) ||
      !s.handover.transfer ||
      s.handover.transfer < s.handover.start
    )
      found.push(`${s.id} is transferred but no agency guards it`);
    if (guardingUnit?.state === 'released' && s.state !== 'transferred')
      found.push(`released unit ${guardingUnit.id} still guards ${s.id} (${s.state})`);
  }
  for (const c of w.contingents)
    if (c.state === 'withdrawn')
      for (const u of w.units)
        if (u.contingentId === c.id && u.state !== 'released')
          found.push(`withdrawn contingent ${c.id} has deployed unit ${u.id}`);
  for (const a of w.agencies) {
    const mine = committedSites(w.sites, a.id);
    if (!mine.length) continue;
    const total = mine.reduce((n, s) => n + s.guards, 0);
    // Every start was checked against the capacity on its own date with everything then committed, and
    // what is committed now was all committed when the most recent of these starts was accepted.
    const latest = lastStart
      ? [...mine].sort((x, y) => (lastStart[y.id] ?? -1) - (lastStart[x.id] ?? -1))[0]!
      : mine.reduce((best, s) =>
          capacityOnDate(a, s.handover!.start) > capacityOnDate(a, best.handover!.start) ? s : best,
        );
    const cap = capacityOnDate(a, latest.handover!.start);
    if (total > cap)
      found.push(`${a.id} has ${total} guards committed, more than its ${cap} on ${latest.handover!.start}`);
  }
  return found;
}

// ── applying an action to the in-memory state ───────────────────────────────────────────────────────────────

type Outcome = { ok: true; world: World } | { ok: false; rule: Rule } | { ok: false; input: true };

function apply(w: World, a: Action, step: number): Outcome {
  const on = 'day' in a ? day(a.day) : DAY0;
  try {
    switch (a.kind) {
      case 'take': {
        const id = `s${w.sites.length}`;
        const site = takeUnderProtection(draftSite(id, a.template, w.sites), pick(w.units, a.unit), on);
        return { ok: true, world: { ...w, sites: [...w.sites, site] } };
      }
      case 'plan': {
        const site = pick(w.sites, a.site);
        return { ok: true, world: replaceSite(w, planHandover(site, pick(w.agencies, a.agency), on)) };
      }
      case 'start': {
        const site = pick(w.sites, a.site);
        const agency = startAgency(w, site, a.agency);
        if (!agency) return { ok: false, input: true };
        const next = startJointGuard(site, agency, on, {
          committedGuards: committed(w.sites, agency.id),
          predecessors: w.sites.filter((s) => site.after.includes(s.id)),
          incidents: w.incidents.filter((i) => i.siteId === site.id),
          now: NOW,
          startedThatDay: w.sites.filter((s) => s.state !== 'protected' && s.handover?.start === on).length,
          maxHandoversPerDay: w.maxHandoversPerDay,
        });
        return {
          ok: true,
          world: { ...replaceSite(w, next), startedAt: { ...w.startedAt, [site.id]: step } },
        };
      }
      case 'transfer':
        return { ok: true, world: replaceSite(w, transferAuthority(pick(w.sites, a.site), on)) };
      case 'callOff':
        return { ok: true, world: replaceSite(w, callOffHandover(pick(w.sites, a.site))) };
      case 'release': {
        const unit = releaseUnit(pick(w.units, a.unit), w.sites, on);
        return { ok: true, world: { ...w, units: w.units.map((u) => (u.id === unit.id ? unit : u)) } };
      }
      case 'withdraw': {
        const c = withdrawContingent(pick(w.contingents, a.contingent), w.units, on);
        return { ok: true, world: { ...w, contingents: w.contingents.map((x) => (x.id === c.id ? c : x)) } };
      }
      case 'incident': {
        const incident: Incident = {
          id: incidentId(`i${w.incidents.length}`),
          at: new Date(NOW.getTime() - a.hoursAgo * 3_600_000).toISOString(),
          kind: 'other',
          severity: a.severity,
          siteId: pick(w.sites, a.site).id,
          district: null,
          location: null,
          description: 'generated',
          illustrative: false,
        };
        return { ok: true, world: { ...w, incidents: [...w.incidents, incident] } };
      }
    }
  } catch (e) {
    if (e instanceof RuleViolation) return { ok: false, rule: e.rule };
    throw e;
  }
}

function replaceSite(w: World, site: Site): World {
  return { ...w, sites: w.sites.map((s) => (s.id === site.id ? site : s)) };
}

// ── properties ──────────────────────────────────────────────────────────────────────────────────────────────

const accepted: Record<Action['kind'], number> = {
  take: 0,
  plan: 0,
  start: 0,
  transfer: 0,
  callOff: 0,
  release: 0,
  withdraw: 0,
  incident: 0,
};
const refusedBy = new Map<Rule, number>();

describe('lifecycle core under random action sequences', () => {
  it('keeps every invariant after each action, and refuses only for a rule that holds', () => {
    fc.assert(
      fc.property(worldSpecArb, fc.array(actionArb, { maxLength: 60, size: 'max' }), (spec, actions) => {
        let w = buildWorld(spec);
        expect(breaches(w, w.startedAt)).toEqual([]);
        actions.forEach((a, step) => {
          const snapshot = structuredClone(w);
          const against = rulesAgainst(w, a);
          const outcome = apply(w, a, step);
          if (outcome.ok) {
            expect([...against], `accepted ${JSON.stringify(a)}`).toEqual([]);
            accepted[a.kind]++;
            w = outcome.world;
          } else if ('rule' in outcome) {
            expect([...against], `refused ${JSON.stringify(a)} by ${outcome.rule}`).toContain(outcome.rule);
            refusedBy.set(outcome.rule, (refusedBy.get(outcome.rule) ?? 0) + 1);
          }
          // A refusal changes nothing, not even the records it was handed.
          if (!outcome.ok) expect(w).toEqual(snapshot);
          expect(breaches(w, w.startedAt), `after ${JSON.stringify(a)}`).toEqual([]);
          expect(invariantBreaches(w)).toEqual([]);
        });
      }),
      // Seeded, so that the counts below (the property is not vacuous) cannot fall short by chance.
      { numRuns: 200, seed: 20261202 },
    );
    // The property is not vacuous: every kind of action was accepted, and most rules did refuse something.
    for (const [kind, n] of Object.entries(accepted)) expect(n, kind).toBeGreaterThan(0);
    for (const rule of [
      'site-state',
      'unit-deployed',
      'unit-still-guarding',
      'contingent-units-deployed',
      'agency-eligibility',
      'agency-capacity',
      'handover-gate',
      'handover-precedence',
      'transfer-date',
    ] as const)
      expect(refusedBy.get(rule) ?? 0, rule).toBeGreaterThan(0);
  });
});

describe('the independent check', () => {
  it('catches each kind of breach when one is made by hand', () => {
    const w = buildWorld({
      unitsPerContingent: [1],
      agencies: [{ steps: [{ day: 0, guards: 10 }], maxCriticality: 5, sectors: null }],
      sites: [{ sector: 'food', criticality: 1, guards: 8, notBefore: null, after: [], unit: 0 }],
      incidents: [],
      maxHandoversPerDay: null,
    });
    const site = w.sites[0]!;
    const unit = { ...w.units[0]!, state: 'released' as const, released: day(1) };
    expect(breaches({ ...w, units: [unit] })).toHaveLength(1);
    expect(breaches({ ...w, sites: [{ ...site, guardedBy: unitId('ghost') }] })).toHaveLength(1);
    expect(
      breaches({ ...w, contingents: [{ ...w.contingents[0]!, state: 'withdrawn', withdrawn: day(1) }] }),
    ).toHaveLength(1);
    const joint = (guards: number, id: string): Site => ({
      ...site,
      id: siteId(id),
      guards,
      state: 'joint_guard',
      handover: { agencyId: agencyId('ag0'), state: 'joint_guard', start: day(1), transfer: null },
    });
    expect(breaches({ ...w, sites: [joint(8, 'a')] })).toEqual([]);
    expect(breaches({ ...w, sites: [joint(8, 'a'), joint(3, 'b')] })).toHaveLength(1);
    expect(breaches({ ...w, sites: [{ ...joint(8, 'a'), state: 'transferred' }] })).toHaveLength(1);
  });
});

describe('lifecycle core refuses by the right rule', () => {
  const world = () =>
    buildWorld({
      unitsPerContingent: [1, 1],
      agencies: [
        {
          steps: [
            { day: 0, guards: 20 },
            { day: 3, guards: 100 },
          ],
          maxCriticality: 5,
          sectors: null,
        },
        { steps: [{ day: 0, guards: 100 }], maxCriticality: 2, sectors: ['food'] },
      ],
      sites: [
        { sector: 'food', criticality: 2, guards: 15, notBefore: null, after: [], unit: 0 },
        { sector: 'energy', criticality: 4, guards: 10, notBefore: 5, after: [0], unit: 1 },
      ],
      incidents: [],
      maxHandoversPerDay: null,
    });
  const refusal = (w: World, a: Action) => {
    const o = apply(w, a, 0);
    return o.ok ? 'accepted' : 'rule' in o ? o.rule : 'input';
  };
  const accept = (w: World, a: Action) => {
    const o = apply(w, a, 0);
    if (!o.ok) throw new Error(`expected ${JSON.stringify(a)} to be accepted, got ${JSON.stringify(o)}`);
    return o.world;
  };

  it('a unit guarding a site not yet transferred cannot be released, nor its contingent withdraw', () => {
    let w = world();
    expect(refusal(w, { kind: 'release', unit: 0, day: 1 })).toBe('unit-still-guarding');
    expect(refusal(w, { kind: 'withdraw', contingent: 0, day: 1 })).toBe('contingent-units-deployed');
    w = accept(w, { kind: 'start', site: 0, agency: 0, day: 1 });
    expect(refusal(w, { kind: 'release', unit: 0, day: 1 })).toBe('unit-still-guarding');
    expect(refusal(w, { kind: 'transfer', site: 0, day: 0 })).toBe('transfer-date');
    w = accept(w, { kind: 'transfer', site: 0, day: 2 });
    expect(refusal(w, { kind: 'callOff', site: 0 })).toBe('site-state');
    w = accept(w, { kind: 'release', unit: 0, day: 2 });
    expect(refusal(w, { kind: 'release', unit: 0, day: 3 })).toBe('unit-deployed');
    expect(
      refusal(w, {
        kind: 'take',
        unit: 0,
        template: { sector: 'food', criticality: 1, guards: 1, notBefore: null, after: [] },
        day: 3,
      }),
    ).toBe('unit-deployed');
    w = accept(w, { kind: 'withdraw', contingent: 0, day: 3 });
    expect(refusal(w, { kind: 'withdraw', contingent: 0, day: 4 })).toBe('contingent-deployed');
  });

  it('capacity is the least the agency has from the day joint guard starts on', () => {
    let w = world();
    w = accept(w, { kind: 'start', site: 0, agency: 0, day: 1 }); // 15 of 20
    w = replaceSite(w, { ...w.sites[1]!, notBefore: null, after: [] });
    expect(refusal(w, { kind: 'start', site: 1, agency: 0, day: 2 })).toBe('agency-capacity'); // 25 > 20
    expect(refusal(w, { kind: 'start', site: 1, agency: 0, day: 3 })).toBe('accepted'); // 25 ≤ 100
  });

  it('eligibility, the not-before gate, precedence, incidents and the daily limit each refuse by name', () => {
    let w = world();
    expect(refusal(w, { kind: 'plan', site: 1, agency: 1, day: 1 })).toBe('agency-eligibility');
    expect(refusal(w, { kind: 'start', site: 1, agency: 0, day: 6 })).toBe('handover-precedence');
    expect(refusal(w, { kind: 'start', site: 1, agency: 0, day: 4 })).toBe('handover-gate');
    expect(refusal(w, { kind: 'start', site: 1, agency: null, day: 6 })).toBe('input');
    w = accept(w, { kind: 'plan', site: 1, agency: 0, day: 6 });
    expect(refusal(w, { kind: 'start', site: 1, agency: 1, day: 6 })).toBe('site-state');
    w = accept(w, { kind: 'incident', site: 0, severity: 4, hoursAgo: 47 });
    expect(refusal(w, { kind: 'start', site: 0, agency: 0, day: 1 })).toBe('incident-gate');
    w = world();
    w = accept(w, { kind: 'incident', site: 0, severity: 4, hoursAgo: 49 });
    w = { ...w, maxHandoversPerDay: 1 };
    w = accept(w, { kind: 'start', site: 0, agency: 1, day: 1 });
    w = replaceSite(w, { ...w.sites[1]!, notBefore: null, after: [] });
    expect(refusal(w, { kind: 'start', site: 1, agency: 0, day: 1 })).toBe('throughput');
    expect(refusal(w, { kind: 'start', site: 1, agency: 0, day: 2 })).toBe('accepted');
  });
});

// ── the same through the real service on SQLite ─────────────────────────────────────────────────────────────

function scenarioOf(w: World, spec: WorldSpec): unknown {
  return {
    version: 1,
    operation: { name: 'Generated', area: 'Test', start: DAY0, timezone: 'UTC', languages: ['en'] },
    ...(spec.maxHandoversPerDay !== null
      ? { rules: { max_handovers_per_day: spec.maxHandoversPerDay } }
      : {}),
    force: {
      name: 'Force',
      contingents: w.contingents.map((c) => ({
        id: c.id,
        nation: c.nation,
        units: w.units
          .filter((u) => u.contingentId === c.id)
          .map((u) => ({ id: u.id, name: u.name, strength: u.strength })),
      })),
    },
    agencies: w.agencies.map((a) => ({
      id: a.id,
      name: a.name,
      capacity: a.capacity,
      max_criticality: a.maxCriticality,
      ...(a.sectors ? { sectors: a.sectors } : {}),
    })),
    sites: w.sites.map((s) => ({
      id: s.id,
      name: s.name,
      sector: s.sector,
      criticality: s.criticality,
      district: s.district,
      guards: s.guards,
      guarded_by: s.guardedBy,
      protected_since: s.protectedSince,
      ...(s.notBefore ? { not_before: s.notBefore } : {}),
      ...(s.after.length ? { after: s.after } : {}),
    })),
    incidents: w.incidents.map((i) => ({
      id: i.id,
      at: i.at,
      kind: i.kind,
      severity: i.severity,
      site: i.siteId,
      description: i.description,
    })),
  };
}

async function serviceDo(svc: HandoverService, w: World, a: Action): Promise<Outcome | 'done'> {
  const on = 'day' in a ? day(a.day) : DAY0;
  try {
    switch (a.kind) {
      case 'take': {
        const d = draftSite(`s${w.sites.length}`, a.template, w.sites);
        await svc.takeUnderProtection(
          {
            id: d.id,
            name: d.name,
            sector: d.sector,
            criticality: d.criticality,
            district: d.district,
            guards: d.guards,
            guarded_by: pick(w.units, a.unit).id,
            protected_since: on,
            ...(d.notBefore ? { not_before: d.notBefore } : {}),
            ...(d.after.length ? { after: d.after } : {}),
          },
          DEMO_ACTOR,
        );
        break;
      }
      case 'plan':
        await svc.planHandover(
          pick(w.sites, a.site).id,
          { agency: pick(w.agencies, a.agency).id, start: on },
          DEMO_ACTOR,
        );
        break;
      case 'start':
        await svc.startJointGuard(
          pick(w.sites, a.site).id,
          { ...(a.agency !== null ? { agency: pick(w.agencies, a.agency).id } : {}), on },
          DEMO_ACTOR,
        );
        break;
      case 'transfer':
        // Both sides sign (the outgoing first: a site not in joint guard is refused before any liaison is needed).
        await transferBySignatures(svc, pick(w.sites, a.site).id, { on });
        break;
      case 'callOff':
        await svc.callOffHandover(pick(w.sites, a.site).id, {}, DEMO_ACTOR);
        break;
      case 'release':
        await svc.releaseUnit(pick(w.units, a.unit).id, { on }, DEMO_ACTOR);
        break;
      case 'withdraw':
        await svc.withdrawContingent(pick(w.contingents, a.contingent).id, { on }, DEMO_ACTOR);
        break;
      case 'incident':
        await svc.recordIncident(
          {
            id: `i${w.incidents.length}`,
            at: new Date(NOW.getTime() - a.hoursAgo * 3_600_000).toISOString(),
            kind: 'other',
            severity: a.severity,
            site: pick(w.sites, a.site).id,
            description: 'generated',
          },
          DEMO_ACTOR,
        );
        break;
    }
    return 'done';
  } catch (e) {
    if (e instanceof RuleViolation) return { ok: false, rule: e.rule };
    if (e instanceof InputError) return { ok: false, input: true };
    throw e;
  }
}

describe('lifecycle through the service on SQLite', () => {
  const throughService: Record<Action['kind'], number> = {
    take: 0,
    plan: 0,
    start: 0,
    transfer: 0,
    callOff: 0,
    release: 0,
    withdraw: 0,
    incident: 0,
  };
  const sqlite = backends[0]!;

  it('decides as the core does, and what the database holds keeps every invariant', async () => {
    await fc.assert(
      fc.asyncProperty(
        worldSpecArb,
        fc.array(actionArb, { minLength: 10, maxLength: 30, size: 'max' }),
        async (spec, actions) => {
          const { store, cleanup } = await sqlite.open();
          try {
            const svc = new HandoverService(store, () => NOW);
            let w = buildWorld(spec);
            await svc.importScenario(scenarioOf(w, spec), DEMO_ACTOR);
            for (const [step, a] of actions.entries()) {
              const expected = apply(w, a, step);
              const got = await serviceDo(svc, w, a);
              if (expected.ok) {
                expect(got, JSON.stringify(a)).toBe('done');
                throughService[a.kind]++;
                w = expected.world;
              } else expect(got, JSON.stringify(a)).toEqual(expected);

              const [sites, units, contingents, agencies] = await Promise.all([
                svc.listSites({ limit: 1000 }, DEMO_ACTOR),
                svc.listUnits({}, DEMO_ACTOR),
                svc.listContingents(DEMO_ACTOR),
                svc.listAgencies(DEMO_ACTOR),
              ]);
              const held = { sites: sites.items, units, contingents, agencies };
              expect(breaches(held), `after ${JSON.stringify(a)}`).toEqual([]);
              expect(invariantBreaches(held)).toEqual([]);
              const lifecycle = (s: Site) => ({
                id: s.id,
                state: s.state,
                guardedBy: s.guardedBy,
                handover: s.handover,
              });
              expect(held.sites.map(lifecycle)).toEqual(w.sites.map(lifecycle));
              expect(units.map((u) => [u.id, u.state, u.released])).toEqual(
                w.units.map((u) => [u.id, u.state, u.released]),
              );
              expect(contingents.map((c) => [c.id, c.state, c.withdrawn])).toEqual(
                w.contingents.map((c) => [c.id, c.state, c.withdrawn]),
              );
            }
          } finally {
            await cleanup();
          }
        },
      ),
      { numRuns: 40, seed: 20261202 },
    );
    for (const kind of ['take', 'plan', 'start', 'release', 'incident'] as const)
      expect(throughService[kind], kind).toBeGreaterThan(0);
  }, 60_000);
});
