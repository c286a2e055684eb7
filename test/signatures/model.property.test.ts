import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role, Scope } from '../../src/core/auth/roles.ts';
import { addDays, type IsoDate } from '../../src/core/dates.ts';
import { callOffHandover, startJointGuard, takeUnderProtection } from '../../src/core/handover/lifecycle.ts';
import {
  signTransfer,
  transferWithSignatures,
  type HeldSignature,
  type SignatureSide,
  type SigningParties,
  type TransferSignature,
} from '../../src/core/handover/signatures.ts';
import { agencyId, siteId, unitId } from '../../src/core/ids.ts';
import type { Agency, Site } from '../../src/core/model.ts';
import { RuleViolation } from '../../src/core/rules.ts';
import { ForbiddenError, NotFoundError } from '../../src/service/errors.ts';
import { DEMO_ACTOR, HandoverService, type Actor } from '../../src/service/service.ts';
import { findUserById, insertUser, updateUser } from '../../src/store/accounts.ts';
import type { Store } from '../../src/store/db.ts';
import { StaleVersionError } from '../../src/store/repositories.ts';
import { findSignaturesOfSites } from '../../src/store/signatures.ts';
import { backends } from '../support/backends.ts';

/**
 * Model-based test of the two-party transfer of authority. Random command sequences — signatures by random
 * people of every role and scope, for either side, of the present, an older or a later version, edits of the
 * site between signatures, call-offs, new joint guards, role changes and disabled accounts, and attempts to
 * transfer without the signatures — run against an independent model of the rule written here, and against
 * the system: the core (10,000 sequences) and the service over a real database (fewer; PostgreSQL too when
 * reachable, where the "attempt to transfer" is raw SQL that only the database's trigger stands against).
 *
 * After every command the system must have decided as the model did, hold the same sites, and no site may
 * have become transferred unless the test's own log shows two accepted signatures of the two sides for the
 * version it left, by two different people who still held those sides when it happened.
 */

const DAY0 = '2022-01-10';
const day = (n: number): IsoDate => addDays(DAY0, n);
const NOW = new Date('2022-01-20T12:00:00Z');

// ── the world: fixed force and agencies, random sites, every kind of person ───────────────────────────────

const UNITS = [
  { id: 'u0', contingent: 'C0' },
  { id: 'u1', contingent: 'C0' },
  { id: 'u2', contingent: 'C1' },
] as const;
const AGENCIES = ['a0', 'a1'] as const;

interface Person {
  role: Role;
  scope: Scope | null;
}
/** Every role, with every scope it can have here; the people of a run start as these. */
const PEOPLE: readonly Person[] = [
  { role: 'administrator', scope: null },
  { role: 'observer', scope: null },
  { role: 'force_command', scope: null },
  { role: 'contingent_command', scope: { kind: 'contingent', id: 'C0' } },
  { role: 'contingent_command', scope: { kind: 'contingent', id: 'C1' } },
  { role: 'unit_commander', scope: { kind: 'unit', id: 'u0' } },
  { role: 'unit_commander', scope: { kind: 'unit', id: 'u0' } },
  { role: 'unit_commander', scope: { kind: 'unit', id: 'u1' } },
  { role: 'unit_commander', scope: { kind: 'unit', id: 'u2' } },
  { role: 'agency_liaison', scope: { kind: 'agency', id: 'a0' } },
  { role: 'agency_liaison', scope: { kind: 'agency', id: 'a0' } },
  { role: 'agency_liaison', scope: { kind: 'agency', id: 'a1' } },
  { role: 'facility_operator', scope: { kind: 'site', id: 's0' } },
];
/** Roles and scopes a person may be given in a run (the first person, the administrator, keeps theirs). */
const ROLE_CHANGES: readonly Person[] = PEOPLE.slice(1);

type Command =
  | { kind: 'start'; site: number; agency: number; day: number }
  | { kind: 'callOff'; site: number }
  | { kind: 'edit'; site: number; guards: number }
  | { kind: 'sign'; person: number; site: number; side: SignatureSide; versionDelta: number; onDelta: number }
  | { kind: 'transfer'; site: number; onDelta: number }
  | { kind: 'setRole'; person: number; to: number }
  | { kind: 'disable'; person: number }
  | { kind: 'enable'; person: number };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('start' as const),
      site: fc.nat(),
      agency: fc.constantFrom(0, 0, 0, 1),
      day: fc.integer({ min: 0, max: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('callOff' as const), site: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('edit' as const),
      site: fc.nat(),
      guards: fc.integer({ min: 1, max: 9 }),
    }),
  },
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('sign' as const),
      // Mostly people who sign for someone, but anyone may try.
      person: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(2, 3, 5, 6, 9, 10) },
        { weight: 2, arbitrary: fc.nat({ max: PEOPLE.length - 1 }) },
      ),
      site: fc.nat(),
      side: fc.constantFrom<SignatureSide>('outgoing', 'receiving'),
      versionDelta: fc.constantFrom(0, 0, 0, 0, 0, -1, 1),
      onDelta: fc.constantFrom(-1, 0, 1, 1, 2),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('transfer' as const), site: fc.nat(), onDelta: fc.constant(1) }),
  },
  {
    weight: 2,
    // Often a commander made a liaison or the reverse, to try one person on both sides.
    arbitrary: fc.record({
      kind: fc.constant('setRole' as const),
      person: fc.oneof(fc.constantFrom(1, 2, 4, 5, 8), fc.nat()),
      to: fc.oneof(fc.constantFrom(4, 8), fc.nat()),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('disable' as const), person: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('enable' as const), person: fc.nat() }) },
);
const worldArb = fc.array(fc.constantFrom(0, 0, 1, 2), { minLength: 1, maxLength: 3 });
/** Every site starts its joint guard first (with the first agency), then anything may happen. */
const commandsArb = (sites: number) =>
  fc
    .array(commandArb, { minLength: 5, maxLength: 40, size: 'max' })
    .map((cs) => [
      ...Array.from({ length: sites }, (_, site): Command => ({ kind: 'start', site, agency: 0, day: 0 })),
      ...cs,
    ]);
const runArb = worldArb.chain((units) => fc.tuple(fc.constant(units), commandsArb(units.length)));

// ── the model: the rule as the test states it ─────────────────────────────────────────────────────────────

interface ModelSite {
  id: string;
  unit: string;
  state: 'protected' | 'joint_guard' | 'transferred';
  agency: string | null;
  start: IsoDate | null;
  version: number;
  /** The version the site left when it was transferred. */
  transferredFrom?: number;
}
interface ModelSignature {
  side: SignatureSide;
  version: number;
  person: number;
}
interface Model {
  sites: ModelSite[];
  people: (Person & { disabled: boolean })[];
  signatures: ModelSignature[][];
}

/** What the system answered: accepted, or refused by a rule, a stale version, or access policy. */
type Outcome = 'ok' | `rule:${string}` | 'stale' | 'denied' | 'refused-by-database';

const contingentOf = (unit: string) => UNITS.find((u) => u.id === unit)!.contingent;

function holdsSide(p: Model['people'][number], site: ModelSite, side: SignatureSide): boolean {
  if (p.disabled) return false;
  if (side === 'receiving')
    return p.role === 'agency_liaison' && site.agency !== null && p.scope?.id === site.agency;
  return (
    p.role === 'force_command' ||
    (p.role === 'unit_commander' && p.scope?.id === site.unit) ||
    (p.role === 'contingent_command' && p.scope?.id === contingentOf(site.unit))
  );
}

/** Both sides signed the present version, by two different people who still hold those sides. */
function signedByBoth(m: Model, i: number): boolean {
  const site = m.sites[i]!;
  const valid = (side: SignatureSide) =>
    m.signatures[i]!.find(
      (s) => s.side === side && s.version === site.version && holdsSide(m.people[s.person]!, site, side),
    );
  const o = valid('outgoing');
  const r = valid('receiving');
  return site.state === 'joint_guard' && o !== undefined && r !== undefined && o.person !== r.person;
}

/** Whether the service's access policy lets this person try to sign at this site at all. */
function mayTrySigning(p: Person, site: ModelSite): boolean {
  if (!['force_command', 'contingent_command', 'unit_commander', 'agency_liaison'].includes(p.role))
    return false;
  if (p.scope === null) return true;
  if (p.scope.kind === 'unit') return p.scope.id === site.unit;
  if (p.scope.kind === 'contingent') return p.scope.id === contingentOf(site.unit);
  if (p.scope.kind === 'agency') return p.scope.id === site.agency;
  return false;
}

const pickIndex = (n: number, length: number) => n % length;

/** The model's answer to a command, and the model after it. `mode` says which system it stands for. */
function predict(m: Model, c: Command, mode: 'core' | 'service'): { outcome: Outcome; next: Model } {
  // Copied where a command may change it (10,000 runs: people and signatures only when they change).
  const next: Model = { sites: m.sites.map((s) => ({ ...s })), people: m.people, signatures: m.signatures };
  const refused = (outcome: Outcome) => ({ outcome, next: m });
  switch (c.kind) {
    case 'start': {
      const i = pickIndex(c.site, m.sites.length);
      const s = next.sites[i]!;
      if (s.state !== 'protected') return refused('rule:site-state');
      Object.assign(s, {
        state: 'joint_guard',
        agency: AGENCIES[c.agency % AGENCIES.length]!,
        start: day(c.day),
        version: s.version + 1,
      });
      return { outcome: 'ok', next };
    }
    case 'callOff': {
      const s = next.sites[pickIndex(c.site, m.sites.length)]!;
      if (s.state !== 'joint_guard') return refused('rule:site-state');
      Object.assign(s, { state: 'protected', agency: null, start: null, version: s.version + 1 });
      return { outcome: 'ok', next };
    }
    case 'edit': {
      const s = next.sites[pickIndex(c.site, m.sites.length)]!;
      s.version += 1;
      return { outcome: 'ok', next };
    }
    case 'sign': {
      const i = pickIndex(c.site, m.sites.length);
      const s = next.sites[i]!;
      const who = pickIndex(c.person, m.people.length);
      const p = m.people[who]!;
      if (mode === 'service' && !mayTrySigning(p, s)) return refused('denied');
      if (c.versionDelta !== 0) return refused(mode === 'service' ? 'stale' : 'rule:signature-version');
      if (s.state !== 'joint_guard') return refused('rule:site-state');
      if (!holdsSide(p, s, c.side)) return refused('rule:signer-side');
      if (m.signatures[i]!.some((x) => x.side !== c.side && x.version === s.version && x.person === who))
        return refused('rule:signer-both-sides');
      if (addDays(s.start!, c.onDelta) < s.start!) return refused('rule:transfer-date');
      next.signatures = m.signatures.map((xs, k) =>
        k === i
          ? [...xs.filter((x) => x.side !== c.side), { side: c.side, version: s.version, person: who }]
          : xs,
      );
      if (signedByBoth(next, i))
        Object.assign(s, { state: 'transferred', transferredFrom: s.version, version: s.version + 1 });
      return { outcome: 'ok', next };
    }
    case 'transfer': {
      const i = pickIndex(c.site, m.sites.length);
      const s = next.sites[i]!;
      if (mode === 'service' && s.state === 'transferred') {
        // Raw SQL rewriting a transfer already made is no new transfer: the rule does not stand in its way.
        s.version += 1;
        return { outcome: 'ok', next };
      }
      if (mode === 'service')
        // Raw SQL: only the database's rule stands against it.
        return signedByBoth(m, i)
          ? (Object.assign(s, { state: 'transferred', transferredFrom: s.version, version: s.version + 1 }),
            { outcome: 'ok', next })
          : refused('refused-by-database');
      if (s.state === 'joint_guard' && !signedByBoth(m, i)) return refused('rule:two-signatures-required');
      if (s.state !== 'joint_guard') return refused('rule:site-state');
      Object.assign(s, { state: 'transferred', transferredFrom: s.version, version: s.version + 1 });
      return { outcome: 'ok', next };
    }
    case 'setRole': {
      const who = 1 + pickIndex(c.person, m.people.length - 1);
      next.people = m.people.map((p, k) =>
        k === who ? { ...p, ...ROLE_CHANGES[c.to % ROLE_CHANGES.length]! } : p,
      );
      return { outcome: 'ok', next };
    }
    case 'disable':
    case 'enable': {
      const who = 1 + pickIndex(c.person, m.people.length - 1);
      next.people = m.people.map((p, k) => (k === who ? { ...p, disabled: c.kind === 'disable' } : p));
      return { outcome: 'ok', next };
    }
  }
}

// ── the invariant, over what the system holds and the log of accepted signatures ──────────────────────────

interface Accepted {
  site: string;
  side: SignatureSide;
  version: number;
  person: number;
}

/**
 * A site seen transferred now that was not before: the log must hold, for the version it left, an accepted
 * signature of each side by two different people, each of whom still holds that side now.
 */
function transferJustified(
  site: ModelSite & { leftVersion: number },
  log: readonly Accepted[],
  people: Model['people'],
): string | null {
  const asSigned = { ...site, state: 'joint_guard' as const };
  const last = (side: SignatureSide) =>
    log.findLast((a) => a.site === site.id && a.side === side && a.version === site.leftVersion);
  const o = last('outgoing');
  const r = last('receiving');
  if (!o || !r) return `${site.id} transferred without both sides signing version ${site.leftVersion}`;
  if (o.person === r.person) return `${site.id} transferred on one person's signatures`;
  if (
    !holdsSide(people[o.person]!, asSigned, 'outgoing') ||
    !holdsSide(people[r.person]!, asSigned, 'receiving')
  )
    return `${site.id} transferred on a signature of someone who no longer holds that side`;
  return null;
}

// ── the core, with the test standing in for the store ─────────────────────────────────────────────────────

interface CoreState {
  sites: Site[];
  agencies: Agency[];
  signatures: TransferSignature[][];
  people: (Person & { disabled: boolean })[];
}

const partiesOf = (s: Site): SigningParties => ({
  unit: s.guardedBy,
  contingent: contingentOf(s.guardedBy),
  agency: s.handover?.agencyId ?? null,
});

function coreWorld(units: number[]): CoreState {
  const agencies: Agency[] = AGENCIES.map((id) => ({
    id: agencyId(id),
    name: id,
    capacity: [{ from: day(-5), guards: 100_000 }],
    maxCriticality: 5,
    sectors: null,
    version: 0,
  }));
  const sites = units.map((u, i) =>
    takeUnderProtection(
      {
        id: siteId(`s${i}`),
        name: `Site ${i}`,
        sector: 'food',
        criticality: 2,
        district: 'Centre',
        location: null,
        guards: 5,
        overlapDays: 1,
        notBefore: null,
        after: [],
        pinned: null,
        operator: null,
        postOrders: [],
        essentialOutput: null,
        illustrative: [],
      },
      {
        id: unitId(UNITS[u]!.id),
        contingentId: UNITS[u]!.contingent as never,
        name: UNITS[u]!.id,
        strength: 100,
        state: 'deployed',
        released: null,
        version: 0,
      },
      day(-3),
    ),
  );
  return {
    sites,
    agencies,
    signatures: sites.map(() => []),
    people: PEOPLE.map((p) => ({ ...p, disabled: false })),
  };
}

const personId = (i: number) => `person-${i}`;

function coreDo(st: CoreState, c: Command): Outcome {
  const held = (i: number): HeldSignature[] =>
    st.signatures[i]!.map((signature) => {
      const n = Number(signature.userId!.slice('person-'.length));
      const p = st.people[n]!;
      return {
        signature,
        signer: { userId: personId(n), role: p.role, scope: p.scope, disabled: p.disabled },
      };
    });
  const bump = (i: number, s: Site) => {
    st.sites[i] = { ...s, version: st.sites[i]!.version + 1 };
  };
  try {
    switch (c.kind) {
      case 'start': {
        const i = pickIndex(c.site, st.sites.length);
        const agency = st.agencies[c.agency % st.agencies.length]!;
        const ctx = {
          committedGuards: 0,
          predecessors: [],
          incidents: [],
          now: NOW,
          startedThatDay: 0,
          maxHandoversPerDay: null,
        };
        bump(i, startJointGuard(st.sites[i]!, agency, day(c.day), ctx));
        return 'ok';
      }
      case 'callOff': {
        const i = pickIndex(c.site, st.sites.length);
        const s = st.sites[i]!;
        if (s.state === 'protected') return 'rule:site-state'; // no handover is ever planned here
        bump(i, callOffHandover(s));
        return 'ok';
      }
      case 'edit': {
        const i = pickIndex(c.site, st.sites.length);
        bump(i, { ...st.sites[i]!, guards: c.guards });
        return 'ok';
      }
      case 'sign': {
        const i = pickIndex(c.site, st.sites.length);
        const s = st.sites[i]!;
        const n = pickIndex(c.person, st.people.length);
        const p = st.people[n]!;
        const r = signTransfer(
          s,
          partiesOf(s),
          held(i),
          { userId: personId(n), username: personId(n), displayName: `Person ${n}`, ...p },
          {
            side: c.side,
            version: s.version + c.versionDelta,
            on: addDays(s.handover?.start ?? DAY0, c.onDelta),
          },
          NOW.toISOString(),
        );
        st.signatures[i] = r.held.map((h) => h.signature);
        if (r.site !== s) bump(i, r.site);
        return 'ok';
      }
      case 'transfer': {
        const i = pickIndex(c.site, st.sites.length);
        const s = st.sites[i]!;
        bump(
          i,
          transferWithSignatures(s, partiesOf(s), held(i), addDays(s.handover?.start ?? DAY0, c.onDelta)),
        );
        return 'ok';
      }
      case 'setRole': {
        const who = 1 + pickIndex(c.person, st.people.length - 1);
        Object.assign(st.people[who]!, ROLE_CHANGES[c.to % ROLE_CHANGES.length]!);
        return 'ok';
      }
      case 'disable':
      case 'enable': {
        const who = 1 + pickIndex(c.person, st.people.length - 1);
        st.people[who]!.disabled = c.kind === 'disable';
        return 'ok';
      }
    }
  } catch (e) {
    if (e instanceof RuleViolation) return `rule:${e.rule}`;
    throw e;
  }
}

const modelOf = (units: number[]): Model => ({
  sites: units.map((u, i) => ({
    id: `s${i}`,
    unit: UNITS[u]!.id,
    state: 'protected',
    agency: null,
    start: null,
    version: 0,
  })),
  people: PEOPLE.map((p) => ({ ...p, disabled: false })),
  signatures: units.map(() => []),
});

const asModelSite = (s: Site): Pick<ModelSite, 'id' | 'state' | 'agency' | 'version'> => ({
  id: s.id,
  state: s.state,
  agency: s.handover?.agencyId ?? null,
  version: s.version,
});

/** Checks one step: the system decided as the model, holds what the model holds, and every new transfer is justified. */
function checkStep(
  c: Command,
  m: Model,
  predicted: { outcome: Outcome; next: Model },
  got: Outcome,
  before: readonly { id: string; state: string }[],
  after: readonly Pick<ModelSite, 'id' | 'state' | 'agency' | 'version'>[],
  log: Accepted[],
) {
  // Plain comparisons (10,000 runs): the message is built only when something is wrong.
  const fail = (what: string) => {
    throw new Error(`${what} after ${JSON.stringify(c)}`);
  };
  if (got !== predicted.outcome) fail(`the system answered ${got}, the model ${predicted.outcome},`);
  if (got === 'ok' && c.kind === 'sign') {
    const i = pickIndex(c.site, m.sites.length);
    log.push({
      site: m.sites[i]!.id,
      side: c.side,
      version: m.sites[i]!.version,
      person: pickIndex(c.person, m.people.length),
    });
  }
  predicted.next.sites.forEach((x, i) => {
    const s = after[i];
    if (!s || s.id !== x.id || s.state !== x.state || s.agency !== x.agency || s.version !== x.version)
      fail(`the system holds ${JSON.stringify(s)}, the model ${JSON.stringify(x)},`);
  });
  for (const s of after) {
    const was = before.find((b) => b.id === s.id)!;
    if (s.state === 'transferred' && was.state !== 'transferred') {
      const site = predicted.next.sites.find((x) => x.id === s.id)!;
      const why = transferJustified({ ...site, leftVersion: s.version - 1 }, log, predicted.next.people);
      if (why) fail(why);
    }
  }
}

const seen = { transfers: 0, rules: new Map<Outcome, number>() };

describe('the two-party transfer, core against the model', () => {
  it('never transfers without two different people from the two sides signing the same version (10,000 runs)', () => {
    // Most commands are refused, and a refusal is an Error: without stack traces this run takes half the time.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      fc.assert(
        fc.property(runArb, ([units, commands]) => {
          const st = coreWorld(units);
          let m = modelOf(units);
          const log: Accepted[] = [];
          for (const c of commands) {
            const before = st.sites.map((s) => ({ id: s.id, state: s.state }));
            const predicted = predict(m, c, 'core');
            const got = coreDo(st, c);
            checkStep(c, m, predicted, got, before, st.sites.map(asModelSite), log);
            seen.rules.set(got, (seen.rules.get(got) ?? 0) + 1);
            if (
              got === 'ok' &&
              st.sites.some((s, i) => s.state === 'transferred' && before[i]!.state !== 'transferred')
            )
              seen.transfers++;
            m = predicted.next;
          }
        }),
        { numRuns: 10_000 },
      );
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    // Not vacuous: transfers happened, and every refusal was met.
    expect(seen.transfers).toBeGreaterThan(500);
    for (const o of [
      'rule:signature-version',
      'rule:site-state',
      'rule:signer-side',
      'rule:signer-both-sides',
      'rule:transfer-date',
      'rule:two-signatures-required',
    ] as const)
      // One person on both sides needs a role change between their signatures: rarer, and tested by example below.
      expect(seen.rules.get(o) ?? 0, o).toBeGreaterThan(o === 'rule:signer-both-sides' ? 3 : 10);
    // Well under 20 s on a shared two-core machine; the limit only guards against a hung run.
  }, 60_000);

  it('refuses a transfer by one person even when their role lets them sign each side in turn', () => {
    const st = coreWorld([0]);
    const run = (c: Command) => coreDo(st, c);
    expect(run({ kind: 'start', site: 0, agency: 0, day: 0 })).toBe('ok');
    // person 5 commands u0: signs outgoing, then becomes a0's liaison and tries the receiving side.
    expect(run({ kind: 'sign', person: 5, site: 0, side: 'outgoing', versionDelta: 0, onDelta: 1 })).toBe(
      'ok',
    );
    expect(
      run({ kind: 'setRole', person: 4, to: ROLE_CHANGES.findIndex((p) => p.role === 'agency_liaison') }),
    ).toBe('ok');
    expect(run({ kind: 'sign', person: 5, site: 0, side: 'receiving', versionDelta: 0, onDelta: 1 })).toBe(
      'rule:signer-both-sides',
    );
    expect(st.sites[0]!.state).toBe('joint_guard');
    // Someone else of a0 signs; the outgoing signature no longer counts (its signer left the side).
    expect(run({ kind: 'sign', person: 9, site: 0, side: 'receiving', versionDelta: 0, onDelta: 1 })).toBe(
      'ok',
    );
    expect(st.sites[0]!.state).toBe('joint_guard');
    expect(run({ kind: 'sign', person: 3, site: 0, side: 'outgoing', versionDelta: 0, onDelta: 1 })).toBe(
      'ok',
    );
    expect(st.sites[0]!.state).toBe('transferred');
  });
});

// ── the same through the service and the database ─────────────────────────────────────────────────────────

function scenarioOf(units: number[]): unknown {
  return {
    version: 1,
    operation: { name: 'Signatures', area: 'Test', start: DAY0, timezone: 'UTC', languages: ['en'] },
    force: {
      name: 'Force',
      contingents: ['C0', 'C1'].map((c) => ({
        id: c,
        nation: c,
        units: UNITS.filter((u) => u.contingent === c).map((u) => ({ id: u.id, name: u.id, strength: 100 })),
      })),
    },
    agencies: AGENCIES.map((id) => ({ id, name: id, capacity: [{ from: day(-5), guards: 100_000 }] })),
    sites: units.map((u, i) => ({
      id: `s${i}`,
      name: `Site ${i}`,
      sector: 'food',
      criticality: 2,
      district: 'Centre',
      guards: 5,
      guarded_by: UNITS[u]!.id,
      protected_since: day(-3),
    })),
  };
}

interface ServiceRun {
  svc: HandoverService;
  store: Store;
  /** The account id of each person of this run. */
  ids: string[];
}

async function personActor(r: ServiceRun, n: number): Promise<Actor> {
  const u = (await findUserById(r.store.db, r.ids[n]!))!;
  return { name: u.username, userId: u.id, role: u.role, scope: u.scope };
}

async function changePerson(r: ServiceRun, n: number, patch: Parameters<typeof updateUser>[3]) {
  const u = (await findUserById(r.store.db, r.ids[n]!))!;
  expect(await updateUser(r.store.db, u.id, u.version, patch, NOW.toISOString())).toBe(true);
}

async function serviceDo(r: ServiceRun, m: Model, c: Command): Promise<Outcome> {
  const { svc } = r;
  const siteOf = (n: number) => m.sites[pickIndex(n, m.sites.length)]!;
  try {
    switch (c.kind) {
      case 'start':
        await svc.startJointGuard(
          siteOf(c.site).id,
          { agency: AGENCIES[c.agency % AGENCIES.length]!, on: day(c.day) },
          DEMO_ACTOR,
        );
        return 'ok';
      case 'callOff':
        await svc.callOffHandover(siteOf(c.site).id, {}, DEMO_ACTOR);
        return 'ok';
      case 'edit':
        await svc.updateSite(siteOf(c.site).id, { guards: c.guards }, siteOf(c.site).version, DEMO_ACTOR);
        return 'ok';
      case 'sign': {
        const s = siteOf(c.site);
        await svc.signTransfer(
          s.id,
          { side: c.side, version: s.version + c.versionDelta, on: addDays(s.start ?? DAY0, c.onDelta) },
          await personActor(r, pickIndex(c.person, m.people.length)),
        );
        return 'ok';
      }
      case 'transfer': {
        const s = siteOf(c.site);
        try {
          await sql`update sites set state = 'transferred', handover_state = 'transferred',
              handover_transfer = ${addDays(s.start ?? DAY0, c.onDelta)}, version = version + 1
              where id = ${s.id}`.execute(r.store.db);
        } catch (e) {
          if (/signatures|check constraint|CHECK constraint/i.test((e as Error).message))
            return 'refused-by-database';
          throw e;
        }
        return 'ok';
      }
      case 'setRole': {
        const p = ROLE_CHANGES[c.to % ROLE_CHANGES.length]!;
        await changePerson(r, 1 + pickIndex(c.person, m.people.length - 1), { role: p.role, scope: p.scope });
        return 'ok';
      }
      case 'disable':
      case 'enable':
        await changePerson(r, 1 + pickIndex(c.person, m.people.length - 1), {
          disabled: c.kind === 'disable',
        });
        return 'ok';
    }
  } catch (e) {
    if (e instanceof RuleViolation) return `rule:${e.rule}`;
    if (e instanceof StaleVersionError) return 'stale';
    if (e instanceof NotFoundError || e instanceof ForbiddenError) return 'denied';
    throw e;
  }
}

const SERVICE_RUNS = { sqlite: 300, postgres: 60 } as const;

describe.each(backends)('the two-party transfer through the service on $name', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cleanup } = await backend.open());
  });
  afterAll(async () => {
    await cleanup();
  });

  it('decides as the model, and the database never holds a transfer the signatures do not justify', async () => {
    const svc = new HandoverService(store, () => NOW);
    let run = 0;
    let transfers = 0;
    await fc.assert(
      fc.asyncProperty(runArb, async ([units, commands]) => {
        run++;
        await svc.importScenario(scenarioOf(units), DEMO_ACTOR, { replace: true });
        const ids = PEOPLE.map((_, n) => `run${run}-${n}-${Math.random().toString(36).slice(2, 8)}`);
        for (const [n, p] of PEOPLE.entries())
          await insertUser(
            store.db,
            {
              id: ids[n]!,
              username: ids[n]!,
              displayName: `Person ${n}`,
              role: p.role,
              scope: p.scope,
              passwordHash: 'not used: signatures are given through the service here',
              mustChangePassword: false,
              disabled: false,
            },
            NOW.toISOString(),
          );
        const r: ServiceRun = { svc, store, ids };
        let m = modelOf(units);
        const log: Accepted[] = [];
        for (const c of commands) {
          const before = m.sites.map((s) => ({ id: s.id, state: s.state }));
          const predicted = predict(m, c, 'service');
          const got = await serviceDo(r, m, c);
          const after = (await svc.listSites({ limit: 100 }, DEMO_ACTOR)).items.map(asModelSite);
          checkStep(c, m, predicted, got, before, after, log);
          if (after.some((s, i) => s.state === 'transferred' && before[i]!.state !== 'transferred'))
            transfers++;
          m = predicted.next;
        }
        // What the database keeps of each transfer: the two signatures of the version it left.
        const held = await findSignaturesOfSites(
          store.db,
          m.sites.map((s) => s.id),
        );
        for (const s of m.sites.filter((x) => x.state === 'transferred')) {
          const rows = held.get(s.id) ?? [];
          expect(rows.map((h) => h.signature.version)).toEqual([s.transferredFrom, s.transferredFrom]);
          expect(new Set(rows.map((h) => h.signature.userId)).size).toBe(2);
        }
      }),
      // A fixed seed: the count of transfers below is a check that the runs reach them, and unseeded it
      // fell short by chance (5 of 60 on PostgreSQL, against more than 6).
      { numRuns: SERVICE_RUNS[backend.name], seed: 20261202 },
    );
    expect(transfers).toBeGreaterThan(SERVICE_RUNS[backend.name] / 10);
  }, 600_000);
});
