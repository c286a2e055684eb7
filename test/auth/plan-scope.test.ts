import { describe, expect, it } from 'vitest';
import {
  namesInPlan,
  planScope,
  scopeChanges,
  scopeDiff,
  scopePlan,
  scopeWhatIf,
  type PlanScope,
  type RegisterFacts,
  type RegisterNames,
} from '../../src/core/auth/plan-scope.ts';
import type { Who } from '../../src/core/auth/policy.ts';
import { comparePlans } from '../../src/core/plan/diff.ts';
import type { Plan, PlanReason } from '../../src/core/plan/planner.ts';

/**
 * The scoped view of a plan (src/core/auth/plan-scope.ts): two contingents, three units, five sites, two
 * agencies; each scope kind reads its part, and whole-force readers read the plan as it is.
 */
const REGISTER: RegisterFacts = {
  siteUnit: new Map([
    ['s1', 'u1'],
    ['s2', 'u1'],
    ['s3', 'u2'],
    ['s4', 'u3'],
    ['s5', 'u3'],
  ]),
  unitContingent: new Map([
    ['u1', 'A'],
    ['u2', 'A'],
    ['u3', 'B'],
  ]),
};

const reason = (r: Partial<PlanReason> & Pick<PlanReason, 'code'>): PlanReason => ({
  constraint: 'capacity',
  params: {},
  message: r.code,
  ...r,
});

const PLAN: Plan = {
  version: 1,
  status: 'optimal',
  withdrawal_date: '2022-01-19',
  objective: { withdrawal_day: 7, force_person_days: 900 },
  bound: { withdrawal_day: 7, force_person_days: 900 },
  handovers: [
    { site: 's1', agency: 'police', start: '2022-01-13', transfer: '2022-01-15' },
    { site: 's2', agency: 'guard', start: '2022-01-14', transfer: '2022-01-16' },
    { site: 's3', agency: 'police', start: '2022-01-15', transfer: '2022-01-17' },
    { site: 's4', agency: 'guard', start: '2022-01-16', transfer: '2022-01-18' },
    // Gone from the register since the plan was made: in no one's scope.
    { site: 'gone', agency: 'police', start: '2022-01-16', transfer: '2022-01-18' },
  ],
  units: [
    { unit: 'u1', released: '2022-01-16' },
    { unit: 'u2', released: '2022-01-17' },
    { unit: 'u3', released: '2022-01-18' },
  ],
  contingents: [
    { contingent: 'A', withdrawn: '2022-01-17' },
    { contingent: 'B', withdrawn: '2022-01-19' },
  ],
  reasons: [
    reason({ code: 'capacity-decides-withdrawal', params: { date: '2022-01-19' } }),
    reason({ code: 'site-fixed-by-window', params: { site: 's1', date: '2022-01-15' }, sites: ['s1'] }),
    reason({ code: 'sites-fixed-by-windows', params: { sites: ['s1', 's4'] }, sites: ['s1', 's4'] }),
    reason({ code: 'agency-capacity-holds-withdrawal', params: { agency: 'Police' }, agencies: ['police'] }),
    // The predecessor is named in the params only: the reason names s3 all the same.
    reason({
      code: 'predecessors-after-deadline',
      params: { site: 's1', predecessors: ['s3'] },
      sites: ['s1'],
    }),
  ],
};

const who = (w: Who) => w;
const scope = (w: Who): PlanScope => {
  const s = planScope(w, REGISTER);
  if (!s) throw new Error('a scoped reader has a scope');
  return s;
};
const sites = (p: Plan) => p.handovers.map((h) => h.site);
const codes = (p: Plan) => p.reasons.map((r) => r.code);

describe('the scoped view of a plan', () => {
  it('gives whole-force readers no scope: they read the plan as it is', () => {
    for (const role of ['administrator', 'force_command', 'observer'] as const)
      expect(planScope({ role, scope: null }, REGISTER)).toBeNull();
  });

  it('gives a unit commander its unit’s sites, its unit, no contingent, and the reasons naming only its sites', () => {
    const p = scopePlan(PLAN, scope(who({ role: 'unit_commander', scope: { kind: 'unit', id: 'u1' } })));
    expect(sites(p)).toEqual(['s1', 's2']);
    expect(p.units).toEqual([{ unit: 'u1', released: '2022-01-16' }]);
    expect(p.contingents).toEqual([]);
    // s4 and s3 are another unit's: a reason naming them is left out whole. Agencies are visible to it.
    expect(codes(p)).toEqual([
      'capacity-decides-withdrawal',
      'site-fixed-by-window',
      'agency-capacity-holds-withdrawal',
    ]);
    // The force-level figures stay: they name no record.
    expect(p.status).toBe(PLAN.status);
    expect(p.withdrawal_date).toBe(PLAN.withdrawal_date);
    expect(p.objective).toEqual(PLAN.objective);
    expect(p.bound).toEqual(PLAN.bound);
  });

  it('gives a contingent command its units’ sites, its units and its own withdrawal', () => {
    const p = scopePlan(
      PLAN,
      scope(who({ role: 'contingent_command', scope: { kind: 'contingent', id: 'A' } })),
    );
    expect(sites(p)).toEqual(['s1', 's2', 's3']);
    expect(p.units.map((u) => u.unit)).toEqual(['u1', 'u2']);
    expect(p.contingents).toEqual([{ contingent: 'A', withdrawn: '2022-01-17' }]);
    expect(codes(p)).toContain('predecessors-after-deadline');
    expect(codes(p)).not.toContain('sites-fixed-by-windows');
  });

  it('gives an agency liaison the handovers the plan gives its agency, no units, and its own reasons', () => {
    const p = scopePlan(
      PLAN,
      scope(who({ role: 'agency_liaison', scope: { kind: 'agency', id: 'police' } })),
    );
    expect(sites(p)).toEqual(['s1', 's3']);
    expect(p.units).toEqual([]);
    expect(p.contingents).toEqual([]);
    expect(codes(p)).toEqual([
      'capacity-decides-withdrawal',
      'site-fixed-by-window',
      'agency-capacity-holds-withdrawal',
      'predecessors-after-deadline',
    ]);
    const guard = scopePlan(
      PLAN,
      scope(who({ role: 'agency_liaison', scope: { kind: 'agency', id: 'guard' } })),
    );
    expect(sites(guard)).toEqual(['s2', 's4']);
    // A reason about the police is not the National Guard's to read.
    expect(codes(guard)).toEqual(['capacity-decides-withdrawal']);
  });

  it('gives a facility operator its site’s handover, and no reason naming an agency', () => {
    const p = scopePlan(PLAN, scope(who({ role: 'facility_operator', scope: { kind: 'site', id: 's1' } })));
    expect(sites(p)).toEqual(['s1']);
    expect(p.units).toEqual([]);
    expect(codes(p)).toEqual(['capacity-decides-withdrawal', 'site-fixed-by-window']);
  });

  it('shows moved handovers on the sides in view, so counts leak nothing', () => {
    const b: Plan = {
      ...PLAN,
      handovers: [
        { site: 's1', agency: 'guard', start: '2022-01-13', transfer: '2022-01-15' }, // police → guard
        { site: 's2', agency: 'guard', start: '2022-01-15', transfer: '2022-01-17' }, // a day later
        { site: 's3', agency: 'police', start: '2022-01-15', transfer: '2022-01-17' }, // unchanged
        { site: 's4', agency: 'police', start: '2022-01-16', transfer: '2022-01-18' }, // guard → police
      ],
      contingents: [
        { contingent: 'A', withdrawn: '2022-01-18' },
        { contingent: 'B', withdrawn: '2022-01-20' },
      ],
    };
    const diff = comparePlans(PLAN, b);
    expect(diff.moved.map((m) => m.site)).toEqual(['s1', 's2', 's4', 'gone']);

    const unit = scope(who({ role: 'unit_commander', scope: { kind: 'unit', id: 'u1' } }));
    expect(scopeChanges(diff.moved, unit)).toEqual(diff.moved.filter((m) => ['s1', 's2'].includes(m.site)));
    const d = scopeDiff(diff, unit);
    expect(d.contingents).toEqual([]);
    expect(d.withdrawal).toEqual(diff.withdrawal);
    expect(d.personDays).toEqual(diff.personDays);

    // For the police, s1 leaves its view and s4 enters it; the other agency is never named.
    const police = scope(who({ role: 'agency_liaison', scope: { kind: 'agency', id: 'police' } }));
    expect(scopeChanges(diff.moved, police)).toEqual([
      { site: 's1', before: { agency: 'police', start: '2022-01-13' }, after: null },
      { site: 's4', before: null, after: { agency: 'police', start: '2022-01-16' } },
    ]);
    // The same as comparing the two plans as the police see them.
    expect(
      comparePlans(scopePlan(PLAN, police), scopePlan(b, police))
        .moved.slice()
        .sort((x, y) => x.site.localeCompare(y.site)),
    ).toEqual(scopeChanges(diff.moved, police));

    const contingent = scope(who({ role: 'contingent_command', scope: { kind: 'contingent', id: 'A' } }));
    expect(scopeDiff(diff, contingent).contingents).toEqual([
      { contingent: 'A', before: '2022-01-17', after: '2022-01-18' },
    ]);
  });

  it('keeps the what-if changes that name only records in view', () => {
    const unit = scope(who({ role: 'unit_commander', scope: { kind: 'unit', id: 'u1' } }));
    const agencyOf = (s: string) => PLAN.handovers.find((h) => h.site === s)?.agency ?? null;
    const texts = [
      'deadline 2022-01-18',
      'gate s1 2022-01-14',
      'gate s4 2022-01-14',
      'overlap all 0',
      'capacity police +10 from 2022-01-13',
    ];
    expect(scopeWhatIf(texts, unit, agencyOf)).toEqual([
      'deadline 2022-01-18',
      'gate s1 2022-01-14',
      'overlap all 0',
      'capacity police +10 from 2022-01-13',
    ]);
    const guard = scope(who({ role: 'agency_liaison', scope: { kind: 'agency', id: 'guard' } }));
    expect(scopeWhatIf(texts, guard, agencyOf)).toEqual([
      'deadline 2022-01-18',
      'gate s4 2022-01-14',
      'overlap all 0',
    ]);
  });
});

describe('the names that come with a reader’s view of a plan', () => {
  const NAMES: RegisterNames = {
    agency: new Map([
      ['police', 'Police'],
      ['guard', 'National Guard'],
    ]),
    unit: new Map([
      ['u1', 'Unit one'],
      ['u2', 'Unit two'],
      ['u3', 'Unit three'],
    ]),
    contingentNation: new Map([
      ['A', 'Armenia'],
      ['B', 'Belarus'],
    ]),
  };

  it('names for a facility operator the agency, unit and contingent of its site, nothing more', () => {
    const p = scopePlan(PLAN, scope(who({ role: 'facility_operator', scope: { kind: 'site', id: 's4' } })));
    expect(namesInPlan(p, null, REGISTER, NAMES)).toEqual({
      agencies: { guard: 'National Guard' },
      units: { u3: 'Unit three' },
      contingents: { B: 'Belarus' },
    });
  });

  it('names for a unit commander its contingent, which it may not read', () => {
    const p = scopePlan(PLAN, scope(who({ role: 'unit_commander', scope: { kind: 'unit', id: 'u1' } })));
    expect(namesInPlan(p, null, REGISTER, NAMES)).toEqual({
      agencies: { guard: 'National Guard', police: 'Police' },
      units: { u1: 'Unit one' },
      contingents: { A: 'Armenia' },
    });
  });

  it('names the sides of moves in view, and leaves out what the register no longer has', () => {
    const liaison = scope(who({ role: 'agency_liaison', scope: { kind: 'agency', id: 'police' } }));
    const moved = scopeChanges(
      [
        {
          site: 's4',
          before: { agency: 'guard', start: '2022-01-16' },
          after: { agency: 'police', start: '2022-01-16' },
        },
      ],
      liaison,
    );
    const names = namesInPlan(scopePlan(PLAN, liaison), moved, REGISTER, NAMES);
    // s1 and s3 go to the police in the plan; s4 moves to it (its side before, the guard's, is out of view);
    // the site gone from the register has no unit.
    expect(names).toEqual({
      agencies: { police: 'Police' },
      units: { u1: 'Unit one', u2: 'Unit two', u3: 'Unit three' },
      contingents: { A: 'Armenia', B: 'Belarus' },
    });
    // The whole plan, for whole-force readers: every agency, unit and contingent it names.
    expect(namesInPlan(PLAN, null, REGISTER, NAMES).units).toEqual({
      u1: 'Unit one',
      u2: 'Unit two',
      u3: 'Unit three',
    });
  });
});
