import { describe, expect, it } from 'vitest';
import { planHandovers, type Plan } from '../../src/core/plan/planner.ts';
import type { Scenario } from '../../src/core/scenario/schema.ts';
import { checkPlan } from './checker.ts';
import { army, lateGrowth, packing, threeSites, twoSites, valid } from './fixtures.ts';

/*
 * One plain scenario for each reason code that the scenarios of reasons.test.ts do not make the planner
 * give (there, most of these are only built by calling the reason functions directly). Every expected
 * value is worked out by hand in the comments, not copied from the planner's output.
 *
 * Four codes have no scenario, because no scenario can reach them through planHandovers:
 * 'no-start-before-deadline', 'no-start-day' and their 'withdrawal-impossible-…' forms, the window
 * shortfall of analysis.ts. Once earlyReasons passes (no pin before a predecessor's transfer, every
 * earliest transfer by the deadline), every site's latest start for any W ≥ max(earliest transfer) is at
 * least its earliest start, and the planner and bindingReasons only ask about such W.
 */

const PLAN_MS = 3000;

/** Plans the scenario and checks the plan with the independent checker (an infeasible one needs a reason). */
async function planChecked(s: Scenario): Promise<Plan> {
  const scenario = valid(s);
  const plan = await planHandovers(scenario, { timeLimitMs: PLAN_MS });
  expect(checkPlan(scenario, plan)).toEqual([]);
  return plan;
}

describe('infeasible scenarios say what makes them so', () => {
  it('throughput-short: one handover a day cannot start three gated sites before the deadline', async () => {
    // Gates on 12 Jan (day 2), deadline 14 Jan (day 4), one day of joint guard: every site starts on 12 or
    // 13 Jan. Two days at one a day take two handovers; three must start.
    const s = threeSites();
    s.operation.deadline = '2030-01-14';
    s.rules = { max_handovers_per_day: 1 };
    for (const site of s.sites) site.not_before = '2030-01-12';
    const plan = await planChecked(s);
    expect(plan.status).toBe('infeasible');
    // All three sites start in those two days: the reason names them.
    expect(plan.reasons).toEqual([
      {
        constraint: 'throughput',
        code: 'throughput-short',
        params: { count: 3, from: '2030-01-12', to: '2030-01-13', perDay: 1, limit: 2 },
        message:
          '3 handovers must start between 2030-01-12 and 2030-01-13, but at most 1 a day allow only 2.',
        sites: ['a', 'b', 'c'],
        date: '2030-01-12',
      },
    ]);
  });

  it('capacity-short-agencies: Police and Army together are short on the first day', async () => {
    // Deadline 11 Jan (day 1): a and b (10 guards each) must start on day 0, when Police has 10 guards
    // and Army 5. Either may take either site, so only the two together fall short: 20 needed, 15 there.
    const s = twoSites();
    s.operation.deadline = '2030-01-11';
    s.agencies[0]!.capacity = [
      { from: '2030-01-10', guards: 10 },
      { from: '2030-01-12', guards: 50 },
    ];
    s.agencies.push(
      army([
        { from: '2030-01-10', guards: 5 },
        { from: '2030-01-12', guards: 50 },
      ]),
    );
    const plan = await planChecked(s);
    expect(plan.status).toBe('infeasible');
    expect(plan.reasons).toEqual([
      {
        constraint: 'capacity',
        code: 'capacity-short-agencies',
        params: { agencies: ['Police', 'Army'], short: 5, date: '2030-01-10', demand: 20, supply: 15 },
        message:
          'Police and Army are 5 guards short from 2030-01-10: the sites that must have started by then need 20 guards, 15 are available.',
        sites: ['a', 'b'],
        agencies: ['police', 'army'],
        date: '2030-01-10',
      },
    ]);
  });

  it('packing-fails-sites: three sites of 10 guards, two agencies of 15, a deadline; a fourth site is no part of it', async () => {
    // 30 guards needed, 30 held, but no agency can hold two sites: one site is left over, whatever the
    // day. The guards add up, so no necessary condition fails; the exact stage proves it up to the deadline.
    // The power station d has an agency of its own (Army may take it too, but never holds its 20 guards):
    // a, b and c fail alone, and without any one of them the other two have a plan (one per agency), so
    // the reason names the three, and the agencies that may take them.
    const s = packing();
    s.operation.deadline = '2030-01-13';
    s.sites.push({ ...s.sites[0]!, id: 'd', name: 'D', sector: 'energy', guards: 20 });
    s.agencies.push({
      id: 'grid',
      name: 'Grid',
      capacity: [{ from: '2030-01-10', guards: 20 }],
      sectors: ['energy'],
    });
    const plan = await planChecked(s);
    expect(plan.status).toBe('infeasible');
    expect(plan.reasons).toEqual([
      {
        constraint: 'capacity',
        code: 'packing-fails-sites',
        params: { sites: ['a', 'b', 'c'], guards: 30, agencies: ['Police', 'Army'] },
        message:
          'No plan meets all constraints together: the handovers of a, b, c alone (30 guards) cannot be packed into the capacity of Police and Army with these pins, gates and limits.',
        sites: ['a', 'b', 'c'],
        agencies: ['police', 'army'],
      },
    ]);
  });

  it('packing-fails-sites without a deadline: the agencies never grow, so no later day helps either', async () => {
    // Past the last capacity step and gate, a plan at any later day can be moved earlier (feasibilityHorizon
    // in planner.ts): the exact stage proves the horizon infeasible, and with it every day.
    const s = packing();
    const plan = await planChecked(s);
    expect(plan.status).toBe('infeasible');
    expect(plan.reasons.map((r) => [r.constraint, r.code, r.sites])).toEqual([
      ['capacity', 'packing-fails-sites', ['a', 'b', 'c']],
    ]);
  });

  it('not-found-too-large: the same, too large for the exact stage (its column limit set to 0), so nothing is proven', async () => {
    const s = packing();
    const scenario = valid(s);
    const plan = await planHandovers(scenario, { timeLimitMs: PLAN_MS, exactColumnLimit: 0 });
    expect(checkPlan(scenario, plan)).toEqual([]);
    expect(plan.status).toBe('infeasible');
    expect(plan.reasons).toEqual([
      {
        constraint: 'search',
        code: 'not-found-too-large',
        params: {},
        message:
          'No plan was found within the time limit, and the operation is too large for the exact stage to prove whether one exists: relax a pin, gate or limit, or give the planner more time (--time-limit) to search longer.',
      },
    ]);
  });

  it('deadline-missed-sites: the third site fits only when Police grows, after the deadline', async () => {
    // Police 15 guards until 15 Jan, 20 from then; Army 15. Two sites start on day 0 (one per agency);
    // the third fits only on 15 Jan (Police 10 + 10), transferring on 16 Jan, after the deadline of
    // 12 Jan. By the deadline the guards add up (30 of 30), so only the exact stage can tell.
    const plan = await planChecked(lateGrowth());
    expect(plan.status).toBe('infeasible');
    // Any two sites fit by the deadline (one per agency on day 0), so the reason names all three.
    expect(plan.reasons).toEqual([
      {
        constraint: 'deadline',
        code: 'deadline-missed-sites',
        params: { deadline: '2030-01-12', sites: ['a', 'b', 'c'], guards: 30, agencies: ['Police', 'Army'] },
        message:
          'No plan found that transfers every site by the deadline 2030-01-12: the handovers of a, b, c alone (30 guards, to Police and Army) cannot all be done by then.',
        sites: ['a', 'b', 'c'],
        agencies: ['police', 'army'],
        date: '2030-01-12',
      },
    ]);
  });
});

describe('feasible plans say what holds the withdrawal day', () => {
  it('withdrawal-impossible-capacity-short-agencies: both agencies grow only on 13 Jan', async () => {
    // Police and Army hold 10 guards each until 13 Jan (day 3), 30 from then. Two sites start on day 0,
    // the third on day 3: withdrawal on 14 Jan (day 4). By 13 Jan all three must have started by 12 Jan
    // (day 2): 30 guards needed, 20 held by the two agencies together, 10 short. Ten more for Police
    // from 12 Jan let c start then: withdrawal on 13 Jan.
    const s = threeSites();
    const steps = [
      { from: '2030-01-10', guards: 10 },
      { from: '2030-01-13', guards: 30 },
    ];
    s.agencies[0]!.capacity = steps;
    s.agencies.push(army(steps));
    const plan = await planChecked(s);
    expect(plan.status).toBe('optimal');
    expect(plan.withdrawal_date).toBe('2030-01-14');
    expect(plan.reasons).toEqual([
      {
        constraint: 'capacity',
        code: 'withdrawal-impossible-capacity-short-agencies',
        params: {
          agencies: ['Police', 'Army'],
          short: 10,
          date: '2030-01-12',
          demand: 30,
          supply: 20,
          by: '2030-01-13',
        },
        message:
          'Withdrawal by 2030-01-13 is impossible: Police and Army are 10 guards short from 2030-01-12: the sites that must have started by then need 30 guards, 20 are available.',
        sites: ['a', 'b', 'c'],
        agencies: ['police', 'army'],
        date: '2030-01-12',
      },
      {
        constraint: 'capacity',
        code: 'extra-capacity-saves-days',
        params: { extra: 10, agency: 'Police', from: '2030-01-12', withdrawal: '2030-01-13', days: 1 },
        message:
          'Adding 10 guards to Police from 2030-01-12 gives a plan that withdraws on 2030-01-13 (1 day earlier).',
        agencies: ['police'],
        date: '2030-01-12',
      },
    ]);
  });

  it('throughput-holds-withdrawal: Police starts on 12 Jan and one handover a day is allowed', async () => {
    // Police has its 20 guards from 12 Jan (day 2) only. One a day: a starts on day 2, b on day 3,
    // withdrawal on 14 Jan. Without the limit both start on day 2: 13 Jan. No necessary condition fails
    // for 13 Jan (the window check does not see that capacity holds both starts back to day 2). Police's
    // 10 % more (2 guards) from day 0 cannot start a site of 10.
    const s = twoSites();
    s.rules = { max_handovers_per_day: 1 };
    s.agencies[0]!.capacity = [{ from: '2030-01-12', guards: 20 }];
    const plan = await planChecked(s);
    expect(plan.status).toBe('optimal');
    expect(plan.withdrawal_date).toBe('2030-01-14');
    expect(plan.reasons).toEqual([
      {
        constraint: 'throughput',
        code: 'throughput-holds-withdrawal',
        params: { limit: 1, date: '2030-01-14', relaxed: '2030-01-13' },
        message:
          'The limit of 1 handover a day holds the withdrawal to 2030-01-14; without it a plan withdrawing on 2030-01-13 exists.',
        date: '2030-01-14',
      },
    ]);
  });

  it('agency-capacity-holds-withdrawal: 5 more Police guards would let two sites share Police', async () => {
    // Police 15 guards until 13 Jan, then 50; Army 15. Three sites of 10: one per agency on day 0, the
    // third on 13 Jan (day 3) when Police grows: withdrawal on 14 Jan. The guards add up from day 0 (30 of
    // 30), so no necessary condition fails for 13 Jan. Police's 10 % of 50 (5 guards) from day 0 gives it
    // 20: two sites there and one with Army on day 0, withdrawal on 11 Jan. Army's 10 % of 15 (2) does not.
    const s = threeSites();
    s.agencies[0]!.capacity = [
      { from: '2030-01-10', guards: 15 },
      { from: '2030-01-13', guards: 50 },
    ];
    s.agencies.push(army([{ from: '2030-01-10', guards: 15 }]));
    const plan = await planChecked(s);
    expect(plan.status).toBe('optimal');
    expect(plan.withdrawal_date).toBe('2030-01-14');
    expect(plan.reasons).toEqual([
      {
        constraint: 'capacity',
        code: 'agency-capacity-holds-withdrawal',
        params: {
          agency: 'Police',
          date: '2030-01-14',
          extra: 5,
          from: '2030-01-10',
          withdrawal: '2030-01-11',
        },
        message:
          "Police's capacity holds the withdrawal to 2030-01-14: 5 more guards from 2030-01-10 give a plan that withdraws on 2030-01-11.",
        agencies: ['police'],
        date: '2030-01-14',
      },
    ]);
  });

  /** As above with Police 30 from 13 Jan. */
  function capacityDecides(): Scenario {
    const s = threeSites();
    s.agencies[0]!.capacity = [
      { from: '2030-01-10', guards: 15 },
      { from: '2030-01-13', guards: 30 },
    ];
    s.agencies.push(army([{ from: '2030-01-10', guards: 15 }]));
    return s;
  }

  it('capacity-decides-withdrawal-no-limit: as above, but Police grows to 30, and 10 % more of either is too few', async () => {
    // Withdrawal on 14 Jan, as above. Police's 10 % (3) gives it 18 and Army's (2) 17, neither enough for
    // a second site of 10 on day 0; there is no daily limit, so the sentence names none.
    const plan = await planChecked(capacityDecides());
    expect(plan.status).toBe('optimal');
    expect(plan.withdrawal_date).toBe('2030-01-14');
    expect(plan.reasons).toEqual([
      {
        constraint: 'capacity',
        code: 'capacity-decides-withdrawal-no-limit',
        params: { date: '2030-01-14' },
        message:
          "Agency capacity over time, together with the sites' windows, decides the withdrawal on 2030-01-14.",
        date: '2030-01-14',
      },
    ]);
  });

  it('capacity-decides-withdrawal: the same with a daily limit of 2, which the sentence names', async () => {
    // Two sites start on day 0 (one per agency), within the limit, and the third on day 3: withdrawal on
    // 14 Jan still. Without the limit the plan is the same, so the limit is not what holds it.
    const s = capacityDecides();
    s.rules = { max_handovers_per_day: 2 };
    const plan = await planChecked(s);
    expect(plan.status).toBe('optimal');
    expect(plan.withdrawal_date).toBe('2030-01-14');
    expect(plan.reasons).toEqual([
      {
        constraint: 'capacity',
        code: 'capacity-decides-withdrawal',
        params: { date: '2030-01-14' },
        message:
          "Agency capacity over time, together with the daily limit and the sites' windows, decides the withdrawal on 2030-01-14.",
        date: '2030-01-14',
      },
    ]);
  });
});
