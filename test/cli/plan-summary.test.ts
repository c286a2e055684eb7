import { describe, expect, it } from 'vitest';
import { formatPlanSummary, scenarioNames } from '../../src/cli/commands/plan-summary.ts';
import { formatDiff } from '../../src/cli/commands/planning.ts';
import type { PlanDiff } from '../../src/core/plan/diff.ts';
import { planHandovers } from '../../src/core/plan/planner.ts';
import { packing, threeSites, valid } from '../plan/fixtures.ts';

/** `handover plan`'s text: the CLI suite runs it as a process; here its wording is checked directly. */
describe('the plan summary', () => {
  it('names the sites of a reason as the phases do, not by id', async () => {
    // a → b → c → a: the order of handovers has a cycle. The sites' names are "Airport", "Bank" and "C, east".
    const s = threeSites();
    s.sites[0]!.name = 'Airport';
    s.sites[1]!.name = 'Bank';
    s.sites[2]!.name = 'C, east';
    s.sites[0]!.after = ['c'];
    s.sites[1]!.after = ['a'];
    s.sites[2]!.after = ['b'];
    const scenario = valid(s);
    const text = formatPlanSummary(scenario, await planHandovers(scenario, { timeLimitMs: 2000 }));
    expect(text).toMatch(
      /^x: no plan is possible\.\n {2}- \[precedence\] The order of handovers has a cycle: /,
    );
    // The cycle starts where the planner's search met it; whichever site that is, it closes on itself.
    expect(text).toMatch(/“(Airport|Bank|C, east)” → “.+” → “.+” → “\1”\.$/);
  });

  it('names the sites that cannot be packed, with their agencies', async () => {
    const scenario = valid(packing());
    const text = formatPlanSummary(scenario, await planHandovers(scenario, { timeLimitMs: 3000 }));
    expect(text).toContain(
      'the handovers of “A”, “B”, “C” alone (30 guards) cannot be packed into the capacity of Police and Army',
    );
  });
});

describe('the diff of two plans', () => {
  it('says sites, agencies and contingents by name', () => {
    const s = valid(packing());
    const diff: PlanDiff = {
      withdrawal: { before: '2030-01-12', after: '2030-01-13', days: 1 },
      personDays: { before: 20, after: 30, change: 10 },
      status: { before: 'optimal', after: 'optimal' },
      moved: [
        {
          site: 'a',
          before: { agency: 'police', start: '2030-01-10' },
          after: { agency: 'army', start: '2030-01-11' },
        },
      ],
      contingents: [{ contingent: 'C', before: '2030-01-12', after: '2030-01-13' }],
    };
    expect(formatDiff(diff, scenarioNames(s)).split('\n')).toEqual([
      'Withdrawal: 2030-01-12 → 2030-01-13 (+1 day)',
      'Force person-days: 20 → 30 (+10)',
      '1 site moves:',
      '  A: Police from 2030-01-10 → Army from 2030-01-11',
      'Contingent N (C) withdraws 2030-01-12 → 2030-01-13',
    ]);
  });
});
