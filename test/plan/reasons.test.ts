import { readFileSync } from 'node:fs';
import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { planHandovers } from '../../src/core/plan/planner.ts';
import { buildProblem } from '../../src/core/plan/problem.ts';
import {
  deadlineMissed,
  NOT_FOUND,
  NOT_FOUND_TOO_LARGE,
  packingFails,
  REASON_CODES,
  reasonSentence,
  shortfallReason,
  type PlanReason,
  type ReasonCode,
} from '../../src/core/plan/reasons.ts';
import { SITE_PARAMS } from '../../src/core/plan/reason-params.ts';
import type { Scenario } from '../../src/core/scenario/schema.ts';
import { twoSites, valid } from './fixtures.ts';

const guard = (id: string, extra: Partial<Scenario['sites'][number]> = {}) => ({
  id,
  name: id.toUpperCase(),
  sector: 'food' as const,
  criticality: 2,
  district: 'd',
  guards: 10,
  guarded_by: 'u',
  ...extra,
});

/** Scenarios that make the planner give each kind of reason, with the codes each must produce. */
const scenarios: { name: string; codes: ReasonCode[]; make: () => Scenario }[] = [
  {
    name: 'a site no agency may take',
    codes: ['no-eligible-agency'],
    make: () => {
      const s = twoSites();
      s.sites.push(guard('clinic', { sector: 'health', criticality: 5, guards: 3 }));
      return s;
    },
  },
  {
    name: 'a site pinned to an agency that may not take it',
    codes: ['pinned-agency-ineligible'],
    make: () => {
      const s = twoSites();
      s.agencies.push({ id: 'army', name: 'Army', capacity: [{ from: '2030-01-10', guards: 50 }] });
      s.sites.push(guard('plant', { sector: 'energy', criticality: 4, pinned: { agency: 'police' } }));
      return s;
    },
  },
  {
    name: 'a precedence cycle',
    codes: ['precedence-cycle'],
    make: () => {
      const s = twoSites();
      s.sites[0]!.after = ['b'];
      s.sites[1]!.after = ['a'];
      return s;
    },
  },
  {
    name: 'pins before the gate and before a predecessor transfers, past the deadline',
    codes: ['pinned-before-gate', 'pinned-before-predecessor', 'pinned-after-deadline'],
    make: () => {
      const s = twoSites();
      s.operation.deadline = '2030-01-13';
      s.sites[0]!.not_before = '2030-01-12';
      s.sites[1]!.after = ['a'];
      s.sites[1]!.pinned = { start: '2030-01-11' };
      s.sites.push(guard('c', { pinned: { start: '2030-01-13' } }));
      s.sites[0]!.pinned = { start: '2030-01-11' };
      return s;
    },
  },
  {
    name: 'a gate and a predecessor after the deadline',
    codes: ['gate-after-deadline', 'predecessors-after-deadline'],
    make: () => {
      const s = twoSites();
      s.operation.deadline = '2030-01-12';
      s.sites[0]!.not_before = '2030-01-12';
      s.sites[1]!.after = ['a'];
      return s;
    },
  },
  {
    name: 'more pinned starts on a day than the daily limit',
    codes: ['pinned-over-daily-limit'],
    make: () => {
      const s = twoSites();
      s.rules = { max_handovers_per_day: 1 };
      for (const site of s.sites) site.pinned = { start: '2030-01-11' };
      return s;
    },
  },
  {
    name: 'final capacity below what all sites need',
    codes: ['final-capacity-short'],
    make: () => {
      const s = twoSites();
      s.agencies[0]!.capacity = [{ from: '2030-01-10', guards: 15 }];
      return s;
    },
  },
  {
    name: 'final capacity of one agency below the sites only it may take',
    codes: ['final-capacity-short-agencies'],
    make: () => {
      const s = twoSites();
      s.agencies[0]!.capacity = [{ from: '2030-01-10', guards: 15 }];
      s.agencies.push({
        id: 'guard',
        name: 'Guard',
        capacity: [{ from: '2030-01-10', guards: 50 }],
        sectors: ['energy'],
      });
      return s;
    },
  },
  {
    name: 'pins that overfill an agency',
    codes: ['pinned-capacity-short'],
    make: () => {
      const s = twoSites();
      for (const site of s.sites) site.pinned = { agency: 'police', start: '2030-01-10' };
      s.agencies[0]!.capacity = [
        { from: '2030-01-10', guards: 15 },
        { from: '2030-01-12', guards: 100 },
      ];
      return s;
    },
  },
  {
    name: 'an agency short of guards by the deadline',
    codes: ['capacity-short'],
    make: () => {
      const s = twoSites();
      s.operation.deadline = '2030-01-11';
      s.agencies[0]!.capacity = [
        { from: '2030-01-10', guards: 15 },
        { from: '2030-01-12', guards: 100 },
      ];
      return s;
    },
  },
  {
    name: 'a capacity step that binds a feasible plan',
    codes: ['withdrawal-impossible-capacity-short', 'extra-capacity-saves-days'],
    make: () => {
      const s = twoSites();
      s.agencies[0]!.capacity = [
        { from: '2030-01-10', guards: 10 },
        { from: '2030-01-13', guards: 30 },
      ];
      return s;
    },
  },
  {
    name: 'a gate that decides the withdrawal',
    codes: ['site-fixed-by-window'],
    make: () => {
      const s = twoSites();
      s.sites[0]!.not_before = '2030-01-14';
      return s;
    },
  },
  {
    name: 'gates of two sites that decide the withdrawal',
    codes: ['sites-fixed-by-windows'],
    make: () => {
      const s = twoSites();
      for (const site of s.sites) site.not_before = '2030-01-14';
      return s;
    },
  },
  {
    name: 'gates of seven sites that decide the withdrawal',
    codes: ['sites-fixed-by-windows-and-others'],
    make: () => {
      const s = twoSites();
      s.agencies[0]!.capacity = [{ from: '2030-01-10', guards: 500 }];
      for (let i = 0; i < 7; i++) s.sites.push(guard(`g${i}`, { not_before: '2030-01-14' }));
      return s;
    },
  },
  {
    name: 'a daily limit that binds a feasible plan',
    codes: ['withdrawal-impossible-throughput-short'],
    make: () => {
      const s = twoSites();
      s.rules = { max_handovers_per_day: 1 };
      s.agencies[0]!.capacity = [{ from: '2030-01-10', guards: 500 }];
      for (let i = 0; i < 3; i++) s.sites.push(guard(`t${i}`));
      return s;
    },
  },
  {
    name: 'a daily limit of one that holds the withdrawal back a day',
    codes: ['throughput-holds-withdrawal'],
    make: () => {
      const s = twoSites();
      s.rules = { max_handovers_per_day: 1 };
      s.agencies[0]!.capacity = [{ from: '2030-01-12', guards: 20 }];
      return s;
    },
  },
  {
    name: 'capacity steps that decide the withdrawal, with no daily limit',
    codes: ['capacity-decides-withdrawal-no-limit'],
    make: () => {
      const s = twoSites();
      s.agencies[0]!.capacity = [
        { from: '2030-01-10', guards: 15 },
        { from: '2030-01-13', guards: 30 },
      ];
      s.agencies.push({ id: 'army', name: 'Army', capacity: [{ from: '2030-01-10', guards: 15 }] });
      s.sites.push(guard('c'));
      return s;
    },
  },
];

const shown = (v: string | number | readonly string[]) => (typeof v === 'object' ? [...v] : [String(v)]);

/** The reason carries a known code and params, and every param's value is in its English sentence. */
function expectExplained(r: PlanReason) {
  expect(REASON_CODES).toContain(r.code);
  expect(r.params).toBeTypeOf('object');
  for (const [name, value] of Object.entries(r.params))
    for (const v of shown(value)) expect(r.message, `${r.code}: param ${name}`).toContain(v);
}

const reached = new Map<ReasonCode, PlanReason>();

describe('every reason says which sentence it is and with what values', () => {
  it.each(scenarios)('$name', async ({ codes, make }) => {
    const s = valid(make());
    const plan = await planHandovers(s, { timeLimitMs: 3000 });
    const got = plan.reasons.map((r) => r.code);
    for (const code of codes) expect(got, JSON.stringify(plan.reasons, null, 1)).toContain(code);
    for (const r of plan.reasons) {
      expectExplained(r);
      reached.set(r.code, r);
    }
  });

  it('keeps the sentences the CLI and older tests read', async () => {
    const plan = await planHandovers(
      valid(scenarios.find((x) => x.codes.includes('capacity-short'))!.make()),
    );
    expect(plan.reasons[0]).toMatchObject({
      constraint: 'capacity',
      code: 'capacity-short',
      params: { agency: 'Police', short: 5, date: '2030-01-10', demand: 20, supply: 15 },
      message:
        'Police is 5 guards short from 2030-01-10: the sites that must have started by then need 20 guards, 15 are available.',
      agencies: ['police'],
      date: '2030-01-10',
    });
    const bound = await planHandovers(
      valid(scenarios.find((x) => x.codes.includes('extra-capacity-saves-days'))!.make()),
    );
    expect(bound.reasons[0]).toMatchObject({
      code: 'withdrawal-impossible-capacity-short',
      params: { by: '2030-01-13', agency: 'Police', short: 10, date: '2030-01-12' },
    });
    expect(bound.reasons[0]?.message).toMatch(
      /^Withdrawal by 2030-01-13 is impossible: Police is 10 guards short from 2030-01-12/,
    );
  });

  it('a site held past the deadline by its predecessor names both', async () => {
    const plan = await planHandovers(
      valid(scenarios.find((x) => x.codes.includes('predecessors-after-deadline'))!.make()),
    );
    const held = plan.reasons.find((r) => r.code === 'predecessors-after-deadline');
    expect(held).toMatchObject({ params: { site: 'b', predecessors: ['a'] }, sites: ['b', 'a'] });
  });

  it('the reasons of the search and of shortfalls found while searching', () => {
    const s = twoSites();
    s.operation.deadline = '2030-01-14';
    s.rules = { max_handovers_per_day: 2 };
    s.agencies.push({ id: 'army', name: 'Army', capacity: [{ from: '2030-01-10', guards: 5 }] });
    const p = buildProblem(valid(s));
    const noDeadline = buildProblem(valid(twoSites()));
    const made = [
      packingFails(p),
      NOT_FOUND,
      deadlineMissed(p, 4),
      packingFails(p, [0, 1]),
      deadlineMissed(p, 4, [1]),
      shortfallReason(p, { kind: 'window', site: 0 }),
      shortfallReason(noDeadline, { kind: 'window', site: 1 }),
      shortfallReason(p, { kind: 'throughput', from: 1, to: 2, count: 5, limit: 4, sites: [0, 1] }),
      shortfallReason(p, { kind: 'capacity', day: 2, agencies: [0, 1], demand: 70, supply: 55, sites: [0] }),
      NOT_FOUND_TOO_LARGE,
    ];
    expect(made.map((r) => r.code)).toEqual([
      'packing-fails',
      'not-found',
      'deadline-missed',
      'packing-fails-sites',
      'deadline-missed-sites',
      'no-start-before-deadline',
      'no-start-day',
      'throughput-short',
      'capacity-short-agencies',
      'not-found-too-large',
    ]);
    // The sites that fail on their own, and the agencies that may take them (Army takes any site, Police food).
    expect(made[3]).toMatchObject({
      params: { sites: ['a', 'b'], guards: 20, agencies: ['Police', 'Army'] },
      sites: ['a', 'b'],
      agencies: ['police', 'army'],
    });
    expect(made[4]?.message).toBe(
      'No plan found that transfers every site by the deadline 2030-01-14: the handovers of b alone (10 guards, to Police and Army) cannot all be done by then.',
    );
    // More than 20 sites are not listed: the sentence without them.
    expect(
      packingFails(
        p,
        Array.from({ length: 21 }, (_, i) => i % 2),
      ).code,
    ).toBe('packing-fails');
    expect(made[7]?.message).toBe(
      '5 handovers must start between 2030-01-11 and 2030-01-12, but at most 2 a day allow only 4.',
    );
    // The sites squeezed into those days, by id; more than 20 are not listed, as for capacity.
    expect(made[7]?.sites).toEqual(['a', 'b']);
    const many = Array.from({ length: 21 }, (_, i) => i % 2);
    expect(
      shortfallReason(p, { kind: 'throughput', from: 1, to: 2, count: 21, limit: 4, sites: many }).sites,
    ).toBeUndefined();
    expect(made[8]?.params).toEqual({
      agencies: ['Police', 'Army'],
      short: 15,
      date: '2030-01-12',
      demand: 70,
      supply: 55,
    });
    for (const r of made) {
      expectExplained(r);
      reached.set(r.code, r);
    }
  });
});

describe('the CLI says every reason with its sites by name', () => {
  it('said with ids, a reason is its message; said with names, every site param is named', () => {
    const withSites = [...reached.values()].filter((r) =>
      Object.keys(r.params).some((k) => SITE_PARAMS.has(k)),
    );
    // Every param that holds sites, in a reason the planner gave.
    expect(
      new Set(withSites.flatMap((r) => Object.keys(r.params).filter((k) => SITE_PARAMS.has(k)))),
    ).toEqual(SITE_PARAMS);
    for (const r of reached.values()) {
      // A param whose values are all among the sites the reason involves holds sites: it must be named.
      for (const [k, v] of Object.entries(r.params))
        if (r.sites && shown(v).every((x) => r.sites?.includes(x)))
          expect(SITE_PARAMS, `${r.code}: ${k}`).toContain(k);
      expect(reasonSentence(r, (id) => id)).toBe(r.message);
      const named = reasonSentence(r, (id) => `<${id.toUpperCase()}>`);
      for (const [k, v] of Object.entries(r.params))
        for (const x of shown(v))
          expect(named, `${r.code}: ${k}`).toContain(SITE_PARAMS.has(k) ? `<${x.toUpperCase()}>` : x);
    }
  });

  it('a code from another version of the planner keeps its message', () => {
    const r = { code: 'a-code-from-later', params: { site: 'a' }, message: 'Site a is as it was said.' };
    expect(reasonSentence(r, () => 'Named')).toBe('Site a is as it was said.');
    expect(reasonSentence({ ...r, code: undefined }, () => 'Named')).toBe('Site a is as it was said.');
  });
});

describe('the web app can say every reason in English and Russian', () => {
  const file = (lang: string, ns: string) =>
    JSON.parse(
      readFileSync(new URL(`../../web/src/i18n/locales/${lang}/${ns}.json`, import.meta.url), 'utf8'),
    ) as Record<string, unknown>;
  const locale = (lang: string) => (file(lang, 'plan') as { reason: Record<string, string> }).reason;

  /** The sentence of a reason as web/src/pages/plan/ReasonList.tsx says it, but with ids and ISO dates as they are. */
  async function webSentence(lang: 'en' | 'ru', r: PlanReason): Promise<string> {
    const i18n = i18next.createInstance();
    await i18n.init({
      resources: Object.fromEntries(
        (['en', 'ru'] as const).map((l) => [l, { plan: file(l, 'plan'), common: file(l, 'common') }]),
      ),
      lng: lang,
      fallbackLng: 'en',
      ns: ['plan', 'common'],
      defaultNS: 'common',
      interpolation: { escapeValue: false },
    });
    const replace: Record<string, string | number> = {};
    for (const [name, v] of Object.entries(r.params))
      replace[name] =
        typeof v !== 'object'
          ? v
          : name === 'cycle'
            ? v.join(' → ')
            : name === 'agencies'
              ? new Intl.ListFormat(lang, { type: 'conjunction' }).format(v)
              : v.join(', ');
    // The app's t is bound to the current language, as here; nested $t(plan:n.…) take their plural forms from it.
    return i18n.t(`plan:reason.${r.code}`, { replace });
  }

  // Said differently on purpose: the web app names the sector, and has no --time-limit option to give.
  const sentencesOfTheirOwn: readonly ReasonCode[] = [
    'no-eligible-agency',
    'pinned-agency-ineligible',
    'not-found',
    'not-found-too-large',
  ];

  it('en says what the English message says, counts of 1 included', async () => {
    expect(reached.size).toBeGreaterThanOrEqual(25);
    for (const [code, r] of reached)
      if (!sentencesOfTheirOwn.includes(code)) expect(await webSentence('en', r), code).toBe(r.message);
    // The limit of the scenario above is 1: a count of 1 takes the singular.
    expect(await webSentence('en', reached.get('throughput-holds-withdrawal')!)).toMatch(
      /^The limit of 1 handover a day holds/,
    );
    const p = buildProblem(valid(twoSites()));
    const oneLeft = shortfallReason(p, {
      kind: 'capacity',
      day: 0,
      agencies: [0],
      demand: 20,
      supply: 1,
      sites: [0, 1],
    });
    expect(oneLeft.message).toMatch(/need 20 guards, 1 is available\.$/);
    expect(await webSentence('en', oneLeft)).toBe(oneLeft.message);
  });

  it('ru takes the plural form of each count and leaves nothing in English', async () => {
    const r = reached.get('throughput-short')!;
    const squeezed = (count: number) => webSentence('ru', { ...r, params: { ...r.params, count } });
    // "не меньше" takes the genitive: 1 передачи, 3 передач, 5 передач, 21 передачи.
    expect(await squeezed(1)).toContain('не меньше 1 передачи,');
    expect(await squeezed(3)).toContain('не меньше 3 передач,');
    expect(await squeezed(5)).toContain('не меньше 5 передач,');
    expect(await squeezed(21)).toContain('не меньше 21 передачи,');
    const c = reached.get('capacity-short')!;
    const available = (supply: number) => webSentence('ru', { ...c, params: { ...c.params, supply } });
    expect(await available(1)).toMatch(/, а доступен только 1\.$/);
    expect(await available(3)).toMatch(/, а доступны только 3\.$/);
    expect(await available(15)).toMatch(/, а доступно только 15\.$/);
    for (const [code, reason] of reached)
      expect(await webSentence('ru', reason), code).not.toMatch(/\b(guards?|days?|handovers?)\b/);
    // Without a daily limit, the Russian sentence names none either.
    expect(await webSentence('ru', reached.get('capacity-decides-withdrawal-no-limit')!)).not.toMatch(
      /лимит/,
    );
  });

  it.each(['en', 'ru'])('%s has a sentence for every code', (lang) => {
    const sentences = locale(lang);
    const missing = REASON_CODES.filter((c) => typeof sentences[c] !== 'string');
    expect(missing).toEqual([]);
    // No sentence for a code the planner no longer has.
    expect(Object.keys(sentences).filter((k) => !(REASON_CODES as readonly string[]).includes(k))).toEqual(
      [],
    );
  });

  it.each(['en', 'ru'])('%s uses only the params each reason has', (lang) => {
    const sentences = locale(lang);
    // Reached by the tests above (they run first, in this file): all but a few codes of feasible plans.
    expect(reached.size).toBeGreaterThanOrEqual(25);
    for (const [code, r] of reached) {
      const used = [...(sentences[code] ?? '').matchAll(/\{\{(\w+)/g)].map((m) => m[1]);
      for (const name of used) expect(Object.keys(r.params), `${lang} ${code}: {{${name}}}`).toContain(name);
    }
  });
});
