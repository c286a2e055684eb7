import { addDays } from '../dates.ts';
import {
  findPrecedenceCycle,
  hallShortfall,
  latestStarts,
  shortfallForW,
  type Shortfall,
} from './analysis.ts';
import { effectiveCapacity, type PlanningProblem } from './problem.ts';
import { SITE_PARAMS } from './reason-params.ts';

/** A value a sentence uses: a number, an ISO date, an id or name, or a list of ids or names. */
export type ReasonParam = string | number | string[];

/**
 * Why a scenario cannot be planned, or what decides a plan's withdrawal day: plain sentences with a
 * machine-readable `constraint` and the sites, agencies and date involved. `code` names the sentence's
 * template and `params` holds the values it uses, so that a client can say the same in another language;
 * `message` is the English sentence made from exactly these params.
 */
export interface PlanReason {
  constraint:
    'eligibility' | 'capacity' | 'deadline' | 'precedence' | 'pin' | 'throughput' | 'gate' | 'search';
  code: ReasonCode;
  params: Readonly<Record<string, ReasonParam>>;
  message: string;
  sites?: string[];
  agencies?: string[];
  date?: string;
}

// Params are type aliases, not interfaces: an interface is not assignable to a record of params.
type CapacityShort = { agency: string; short: number; date: string; demand: number; supply: number };
type CapacityShortAgencies = Omit<CapacityShort, 'agency'> & { agencies: string[] };
type ThroughputShort = { count: number; from: string; to: string; perDay: number; limit: number };

// The English sentence of every code. Dates are ISO dates, agencies are named, sites go by id.
const capacityShort = (p: CapacityShort) =>
  `${p.agency} is ${p.short} guards short from ${p.date}: the sites that must have started by then need ${p.demand} guards, ${p.supply} ${p.supply === 1 ? 'is' : 'are'} available.`;
const capacityShortAgencies = (p: CapacityShortAgencies) =>
  `${andList(p.agencies)} are ${p.short} guards short from ${p.date}: the sites that must have started by then need ${p.demand} guards, ${p.supply} ${p.supply === 1 ? 'is' : 'are'} available.`;
const throughputShort = (p: ThroughputShort) =>
  `${p.count} handovers must start between ${p.from} and ${p.to}, but at most ${p.perDay} a day allow only ${p.limit}.`;
const noStartBeforeDeadline = (p: { site: string; deadline: string }) =>
  `Site ${p.site} cannot start in time: its gate, pins and predecessors leave no start day that meets the deadline ${p.deadline}.`;
const noStartDay = (p: { site: string }) =>
  `Site ${p.site} cannot start in time: its gate, pins and predecessors leave no start day that meets the deadline.`;
/** Sites that have no plan even on their own (planner.ts, infeasibleCore), their guards and their agencies' names. */
type InfeasibleCore = { sites: string[]; guards: number; agencies: string[] };
const guards = (n: number) => `${n} guard${n === 1 ? '' : 's'}`;
/** "A", "A and B", "A, B, and C": lists of agencies as the web app says them (Intl.ListFormat). */
const andList = (names: readonly string[]) => AND.format(names);
const AND = new Intl.ListFormat('en', { type: 'conjunction' });
/** The binding reason that withdrawal a day earlier fails for: "Withdrawal by D is impossible: " and the shortfall. */
const impossibleBy =
  <P>(inner: (p: P) => string) =>
  (p: P & { by: string }) =>
    `Withdrawal by ${p.by} is impossible: ${inner(p)}`;

const SENTENCES = {
  'packing-fails': (_: Record<string, never>) =>
    "No plan meets all constraints together: the guards cannot be packed into the agencies' capacity with these pins, gates and limits.",
  'packing-fails-sites': (p: InfeasibleCore) =>
    `No plan meets all constraints together: the handovers of ${p.sites.join(', ')} alone (${guards(p.guards)}) cannot be packed into the capacity of ${andList(p.agencies)} with these pins, gates and limits.`,
  'deadline-missed': (p: { deadline: string }) =>
    `No plan found that transfers every site by the deadline ${p.deadline}.`,
  'deadline-missed-sites': (p: InfeasibleCore & { deadline: string }) =>
    `No plan found that transfers every site by the deadline ${p.deadline}: the handovers of ${p.sites.join(', ')} alone (${guards(p.guards)}, to ${andList(p.agencies)}) cannot all be done by then.`,
  'not-found': (_: Record<string, never>) =>
    'No plan was found within the time limit, and it is not proven that none exists: give the planner more time (--time-limit), or relax a pin, gate or limit.',
  'not-found-too-large': (_: Record<string, never>) =>
    'No plan was found within the time limit, and the operation is too large for the exact stage to prove whether one exists: relax a pin, gate or limit, or give the planner more time (--time-limit) to search longer.',
  'no-eligible-agency': (p: { site: string; criticality: number; sector: string }) =>
    `No agency may take site ${p.site} (criticality ${p.criticality}, sector ${p.sector}).`,
  'pinned-agency-ineligible': (p: { site: string; agency: string; criticality: number; sector: string }) =>
    `Site ${p.site} is pinned to ${p.agency}, which may not take it (criticality ${p.criticality}, sector ${p.sector}).`,
  'precedence-cycle': (p: { cycle: string[] }) =>
    `The order of handovers has a cycle: ${p.cycle.join(' → ')}.`,
  'pinned-before-gate': (p: { site: string; start: string; gate: string }) =>
    `Site ${p.site} is pinned to start on ${p.start}, before its gate ${p.gate}.`,
  'pinned-before-predecessor': (p: { site: string; start: string; predecessor: string; transfer: string }) =>
    `Site ${p.site} is pinned to start on ${p.start}, but it must wait for ${p.predecessor}, which cannot transfer before ${p.transfer}.`,
  'pinned-after-deadline': (p: { site: string; start: string; transfer: string; deadline: string }) =>
    `Site ${p.site} is pinned to start on ${p.start}; its transfer on ${p.transfer} is after the deadline ${p.deadline}.`,
  'gate-after-deadline': (p: {
    site: string;
    gate: string;
    overlap: number;
    transfer: string;
    deadline: string;
  }) =>
    `The gate of site ${p.site} (${p.gate}, ${p.overlap} day${p.overlap === 1 ? '' : 's'} of joint guard) puts its transfer on ${p.transfer}, after the deadline ${p.deadline}.`,
  'predecessors-after-deadline': (p: {
    site: string;
    transfer: string;
    predecessors: string[];
    deadline: string;
  }) =>
    `Site ${p.site} cannot transfer before ${p.transfer} (it waits for ${p.predecessors.join(', ')}), after the deadline ${p.deadline}.`,
  'pinned-over-daily-limit': (p: { count: number; date: string; limit: number }) =>
    `${p.count} handovers are pinned to start on ${p.date}, more than the ${p.limit} a day allowed.`,
  'final-capacity-short': (p: { supply: number; demand: number }) =>
    `Agencies' final capacity (${p.supply} guards) is below the ${p.demand} guards all sites need.`,
  'final-capacity-short-agencies': (p: { agencies: string[]; supply: number; demand: number }) =>
    `The final capacity of ${andList(p.agencies)} (${p.supply} guards) is below the ${p.demand} guards of the sites only they may take.`,
  'pinned-capacity-short': (p: { agency: string; date: string; demand: number; supply: number }) =>
    `Handovers pinned to ${p.agency} by ${p.date} need ${p.demand} guards; it has ${p.supply} to commit then.`,
  'no-start-before-deadline': noStartBeforeDeadline,
  'no-start-day': noStartDay,
  'throughput-short': throughputShort,
  'capacity-short': capacityShort,
  'capacity-short-agencies': capacityShortAgencies,
  'withdrawal-impossible-no-start-before-deadline': impossibleBy(noStartBeforeDeadline),
  'withdrawal-impossible-no-start-day': impossibleBy(noStartDay),
  'withdrawal-impossible-throughput-short': impossibleBy(throughputShort),
  'withdrawal-impossible-capacity-short': impossibleBy(capacityShort),
  'withdrawal-impossible-capacity-short-agencies': impossibleBy(capacityShortAgencies),
  'site-fixed-by-window': (p: { site: string; date: string }) =>
    `Site ${p.site} cannot transfer before ${p.date} whatever the capacity (gates, pins, joint-guard days and predecessors).`,
  'sites-fixed-by-windows': (p: { sites: string[]; date: string }) =>
    `Sites ${p.sites.join(', ')} cannot transfer before ${p.date} whatever the capacity (gates, pins, joint-guard days and predecessors).`,
  'sites-fixed-by-windows-and-others': (p: { sites: string[]; date: string }) =>
    `Sites ${p.sites.join(', ')} and others cannot transfer before ${p.date} whatever the capacity (gates, pins, joint-guard days and predecessors).`,
  'extra-capacity-saves-days': (p: {
    extra: number;
    agency: string;
    from: string;
    withdrawal: string;
    days: number;
  }) =>
    `Adding ${p.extra} guards to ${p.agency} from ${p.from} gives a plan that withdraws on ${p.withdrawal} (${p.days} day${p.days > 1 ? 's' : ''} earlier).`,
  'throughput-holds-withdrawal': (p: { limit: number; date: string; relaxed: string }) =>
    `The limit of ${p.limit} handover${p.limit === 1 ? '' : 's'} a day holds the withdrawal to ${p.date}; without it a plan withdrawing on ${p.relaxed} exists.`,
  'agency-capacity-holds-withdrawal': (p: {
    agency: string;
    date: string;
    extra: number;
    from: string;
    withdrawal: string;
  }) =>
    `${p.agency}'s capacity holds the withdrawal to ${p.date}: ${p.extra} more guards from ${p.from} give a plan that withdraws on ${p.withdrawal}.`,
  'capacity-decides-withdrawal': (p: { date: string }) =>
    `Agency capacity over time, together with the daily limit and the sites' windows, decides the withdrawal on ${p.date}.`,
  // The same without a daily limit in the scenario: a reason never names a limit that is not there.
  'capacity-decides-withdrawal-no-limit': (p: { date: string }) =>
    `Agency capacity over time, together with the sites' windows, decides the withdrawal on ${p.date}.`,
} as const satisfies Record<string, (p: never) => string>;

export type ReasonCode = keyof typeof SENTENCES;
type ParamsOf<C extends ReasonCode> = Parameters<(typeof SENTENCES)[C]>[0];

/** Every code a reason can carry (the web app has a translation of each); Object.keys loses the key type. */
export const REASON_CODES = Object.keys(SENTENCES) as readonly ReasonCode[];

/**
 * A reason's English sentence with its sites as `siteName` says them: the message names sites by id, which a
 * scenario file needs and a staff officer reading a plan does not. A code this planner does not know (a
 * reason stored by another version) keeps its message.
 */
export function reasonSentence(
  r: Pick<PlanReason, 'params' | 'message'> & { code?: string },
  siteName: (id: string) => string,
): string {
  if (r.code === undefined || !Object.hasOwn(SENTENCES, r.code)) return r.message;
  const sentence = SENTENCES[r.code as ReasonCode] as (p: Record<string, ReasonParam>) => string;
  const named: Record<string, ReasonParam> = {};
  for (const [k, v] of Object.entries(r.params))
    named[k] =
      !SITE_PARAMS.has(k) || typeof v === 'number'
        ? v
        : typeof v === 'string'
          ? siteName(v)
          : v.map(siteName);
  return sentence(named);
}

type Said<C extends ReasonCode = ReasonCode> = { code: C; params: ParamsOf<C>; message: string };

/** A sentence with its code and params: the message is always made from the params it carries. */
function said<C extends ReasonCode>(code: C, params: ParamsOf<C>): Said<C> {
  const sentence = SENTENCES[code] as (p: ParamsOf<C>) => string;
  return { code, params, message: sentence(params) };
}

type Constraint = PlanReason['constraint'];
type Involved = Pick<PlanReason, 'sites' | 'agencies' | 'date'>;

function reason(constraint: Constraint, s: Said, involved: Involved = {}): PlanReason {
  return { constraint, code: s.code, params: s.params, message: s.message, ...involved };
}

/**
 * The exact stage proved that no plan exists, though no single necessary condition fails. `core`: sites
 * that have no plan even on their own (at most 20 are named; more, or none, give the sentence without them).
 */
export function packingFails(p: PlanningProblem, core: readonly number[] = []): PlanReason {
  const named = coreOf(p, core);
  return named
    ? reason('capacity', said('packing-fails-sites', named.params), named.involved)
    : reason('capacity', said('packing-fails', {}));
}

/** The exact stage proved that no plan transfers every site by the deadline (day index `deadline`). */
export function deadlineMissed(
  p: PlanningProblem,
  deadline: number,
  core: readonly number[] = [],
): PlanReason {
  const date = formatDay(p, deadline);
  const named = coreOf(p, core);
  return named
    ? reason('deadline', said('deadline-missed-sites', { deadline: date, ...named.params }), {
        ...named.involved,
        date,
      })
    : reason('deadline', said('deadline-missed', { deadline: date }), { date });
}

/** The params and the involved sites and agencies of an infeasible core: the agencies that may take its sites. */
function coreOf(
  p: PlanningProblem,
  core: readonly number[],
): { params: InfeasibleCore; involved: Involved } | undefined {
  const sites = countedSites(p, core);
  if (!sites?.length) return undefined;
  const agencies = p.agencies.filter((a) => core.some((f) => p.sites[f]?.agencies.includes(a.index)));
  const guards = core.reduce((sum, f) => sum + (p.sites[f]?.guards ?? 0), 0);
  return {
    params: { sites, guards, agencies: agencies.map((a) => a.name) },
    involved: { sites, agencies: agencies.map((a) => a.id) },
  };
}

/** The reason given when no plan was found but none was proven impossible either: the exact stage ran out of time. */
export const NOT_FOUND: PlanReason = reason('search', said('not-found', {}));
/** The same when the exact stage could not try: its model is larger than its column limit. */
export const NOT_FOUND_TOO_LARGE: PlanReason = reason('search', said('not-found-too-large', {}));

const formatDay = (p: PlanningProblem, d: number) => addDays(p.start, d);

/** The ids of the sites a shortfall counted, when there are at most 20 of them: more would not be read. */
const countedSites = (p: PlanningProblem, sites: readonly number[]): string[] | undefined =>
  sites.length <= 20 ? sites.map((f) => p.sites[f]?.id ?? '?') : undefined;

/** Reasons visible without search: eligibility, pinned agencies, precedence cycles. */
export function structuralReasons(p: PlanningProblem): PlanReason[] {
  const reasons: PlanReason[] = [];
  for (const s of p.sites) {
    if (s.eligible.length === 0)
      reasons.push(
        reason(
          'eligibility',
          said('no-eligible-agency', { site: s.id, criticality: s.criticality, sector: s.sector }),
          { sites: [s.id] },
        ),
      );
    else if (s.pinnedAgency !== undefined && s.agencies.length === 0) {
      const a = p.agencies[s.pinnedAgency];
      reasons.push(
        reason(
          'pin',
          said('pinned-agency-ineligible', {
            site: s.id,
            agency: a?.name ?? '?',
            criticality: s.criticality,
            sector: s.sector,
          }),
          { sites: [s.id], agencies: a ? [a.id] : [] },
        ),
      );
    }
  }
  const cycle = findPrecedenceCycle(p);
  if (cycle) {
    const ids = cycle.map((f) => p.sites[f]?.id ?? '?');
    reasons.push(
      reason('precedence', said('precedence-cycle', { cycle: ids }), { sites: [...new Set(ids)] }),
    );
  }
  return reasons;
}

/** Reasons from earliest starts alone: pins against gates and precedence, the deadline, pinned throughput, final capacity. */
export function earlyReasons(p: PlanningProblem, es: Int32Array): PlanReason[] {
  const reasons: PlanReason[] = [];
  for (const s of p.sites) {
    if (s.pinnedStart === undefined) continue;
    const start = formatDay(p, s.pinnedStart);
    if (s.pinnedStart < s.gate)
      reasons.push(
        reason('pin', said('pinned-before-gate', { site: s.id, start, gate: formatDay(p, s.gate) }), {
          sites: [s.id],
          date: start,
        }),
      );
    for (const h of s.preds) {
      const ph = p.sites[h];
      if (ph && (es[h] ?? 0) + ph.overlap > s.pinnedStart)
        reasons.push(
          reason(
            'pin',
            said('pinned-before-predecessor', {
              site: s.id,
              start,
              predecessor: ph.id,
              transfer: formatDay(p, (es[h] ?? 0) + ph.overlap),
            }),
            { sites: [s.id, ph.id], date: start },
          ),
        );
    }
  }
  if (p.deadline !== undefined) {
    const deadline = formatDay(p, p.deadline);
    for (const s of p.sites) {
      const T = (es[s.index] ?? 0) + s.overlap;
      if (T <= p.deadline) continue;
      const byGate = s.gate + s.overlap > p.deadline && s.pinnedStart === undefined;
      const pinned = s.pinnedStart !== undefined && s.pinnedStart + s.overlap > p.deadline;
      const transfer = formatDay(p, T);
      const involved = { sites: [s.id], date: deadline };
      const predecessors = s.preds.map((h) => p.sites[h]?.id ?? '?');
      reasons.push(
        pinned
          ? reason(
              'pin',
              said('pinned-after-deadline', {
                site: s.id,
                start: formatDay(p, s.pinnedStart ?? 0),
                transfer,
                deadline,
              }),
              involved,
            )
          : byGate
            ? reason(
                'deadline',
                said('gate-after-deadline', {
                  site: s.id,
                  gate: formatDay(p, s.gate),
                  overlap: s.overlap,
                  transfer,
                  deadline,
                }),
                involved,
              )
            : reason(
                'deadline',
                said('predecessors-after-deadline', { site: s.id, transfer, predecessors, deadline }),
                // The predecessors are involved too: they hold the site back.
                { ...involved, sites: [s.id, ...predecessors] },
              ),
      );
    }
  }
  if (Number.isFinite(p.throughput)) {
    const perDay = new Map<number, string[]>();
    for (const s of p.sites)
      if (s.pinnedStart !== undefined) {
        const l = perDay.get(s.pinnedStart) ?? [];
        l.push(s.id);
        perDay.set(s.pinnedStart, l);
      }
    for (const [d, ids] of perDay)
      if (ids.length > p.throughput) {
        const date = formatDay(p, d);
        reasons.push(
          reason('pin', said('pinned-over-daily-limit', { count: ids.length, date, limit: p.throughput }), {
            sites: ids,
            date,
          }),
        );
      }
  }
  // Final capacity: every site's guards stay committed for good.
  const all = p.sites.map((s) => s.index);
  const finalCaps = p.agencies.map((a) => a.effective[a.effective.length - 1]?.guards ?? 0);
  const short = hallShortfall(p, all, finalCaps, p.agencies.length);
  if (short) {
    const names = short.agencies.map((a) => p.agencies[a]?.name ?? '?');
    const everything = short.agencies.length === p.agencies.length;
    const figures = { supply: short.supply, demand: short.demand };
    reasons.push(
      reason(
        'capacity',
        everything
          ? said('final-capacity-short', figures)
          : said('final-capacity-short-agencies', { agencies: names, ...figures }),
        {
          agencies: short.agencies.map((a) => p.agencies[a]?.id ?? '?'),
          sites: countedSites(p, short.sites),
        },
      ),
    );
  }
  // Pinned agency and start together: the pinned guards alone must fit the capacity on their day.
  for (const a of p.agencies) {
    const pins = p.sites
      .filter((s) => s.pinnedAgency === a.index && s.pinnedStart !== undefined)
      .sort((x, y) => (x.pinnedStart ?? 0) - (y.pinnedStart ?? 0));
    let acc = 0;
    for (let i = 0; i < pins.length; i++) {
      const s = pins[i];
      if (!s) continue;
      acc += s.guards;
      const d = Math.max(0, s.pinnedStart ?? 0);
      const next = pins[i + 1];
      if (next && next.pinnedStart === s.pinnedStart) continue;
      if (acc > effectiveCapacity(a, d)) {
        const date = formatDay(p, d);
        reasons.push(
          reason(
            'pin',
            said('pinned-capacity-short', {
              agency: a.name,
              date,
              demand: acc,
              supply: effectiveCapacity(a, d),
            }),
            { agencies: [a.id], sites: pins.slice(0, i + 1).map((x) => x.id), date },
          ),
        );
        break;
      }
    }
  }
  return reasons;
}

type ShortfallCode =
  | 'no-start-before-deadline'
  | 'no-start-day'
  | 'throughput-short'
  | 'capacity-short'
  | 'capacity-short-agencies';
type ShortfallSaid = { [C in ShortfallCode]: Said<C> }[ShortfallCode];

function shortfallSentence(p: PlanningProblem, sf: Shortfall): { said: ShortfallSaid; reason: PlanReason } {
  switch (sf.kind) {
    case 'window': {
      // Not reached from the planner today: once earlyReasons pass, every window is non-empty at any W from
      // the earliest possible one, the least W it asks about (test/plan/reasons-coverage.test.ts, and 5,651
      // random scenarios). Kept so that the analysis, which checks windows first, always has a sentence.
      const s = p.sites[sf.site];
      const site = s?.id ?? '?';
      const sentence: ShortfallSaid =
        p.deadline !== undefined
          ? said('no-start-before-deadline', { site, deadline: formatDay(p, p.deadline) })
          : said('no-start-day', { site });
      return {
        said: sentence,
        reason: reason(p.deadline !== undefined ? 'deadline' : 'precedence', sentence, {
          sites: s ? [s.id] : [],
        }),
      };
    }
    case 'throughput': {
      const sentence = said('throughput-short', {
        count: sf.count,
        from: formatDay(p, sf.from),
        to: formatDay(p, sf.to),
        perDay: p.throughput,
        limit: sf.limit,
      });
      return {
        said: sentence,
        // The sites that must all start in these days: the handovers the limit squeezes.
        reason: reason('throughput', sentence, {
          sites: countedSites(p, sf.sites),
          date: formatDay(p, sf.from),
        }),
      };
    }
    case 'capacity': {
      const names = sf.agencies.map((a) => p.agencies[a]?.name ?? '?');
      const figures = {
        short: sf.demand - sf.supply,
        date: formatDay(p, sf.day),
        demand: sf.demand,
        supply: sf.supply,
      };
      const sentence =
        names.length > 1
          ? said('capacity-short-agencies', { agencies: names, ...figures })
          : said('capacity-short', { agency: names[0] ?? '?', ...figures });
      return {
        said: sentence,
        reason: reason('capacity', sentence, {
          // The sites that must have started by then and may go only to these agencies.
          sites: countedSites(p, sf.sites),
          agencies: sf.agencies.map((a) => p.agencies[a]?.id ?? '?'),
          date: formatDay(p, sf.day),
        }),
      };
    }
  }
}

export function shortfallReason(p: PlanningProblem, sf: Shortfall): PlanReason {
  return shortfallSentence(p, sf).reason;
}

/** "Withdrawal by `by` is impossible: " and the shortfall, as a sentence of its own. */
function withdrawalImpossible(by: string, s: ShortfallSaid): Said {
  switch (s.code) {
    case 'no-start-before-deadline':
      return said('withdrawal-impossible-no-start-before-deadline', { ...s.params, by });
    case 'no-start-day':
      return said('withdrawal-impossible-no-start-day', { ...s.params, by });
    case 'throughput-short':
      return said('withdrawal-impossible-throughput-short', { ...s.params, by });
    case 'capacity-short':
      return said('withdrawal-impossible-capacity-short', { ...s.params, by });
    case 'capacity-short-agencies':
      return said('withdrawal-impossible-capacity-short-agencies', { ...s.params, by });
  }
}

/** What decides the withdrawal day: the bound that meets it, checked by re-solving relaxed variants. */
export function bindingReasons(
  p: PlanningProblem,
  order: readonly number[],
  es: Int32Array,
  w: number,
  /** The withdrawal day of a quick constructive plan of a variant (Infinity when none is found by `until`). */
  quickPlanW: (q: PlanningProblem, until: number) => number,
  /** The planner's deadline: the checks end by it (or 20 ms from now, if later). */
  deadlineAt = Infinity,
): PlanReason[] {
  const reasons: PlanReason[] = [];
  if (p.sites.length === 0) return reasons;
  // Sites whose gates and predecessors alone put their transfer on W.
  const critical = p.sites.filter((s) => (es[s.index] ?? 0) + s.overlap === w);
  if (critical.length) {
    const ids = critical.slice(0, 5).map((s) => s.id);
    const date = formatDay(p, w);
    reasons.push(
      reason(
        critical.some((s) => s.preds.length) ? 'precedence' : 'gate',
        critical.length === 1
          ? said('site-fixed-by-window', { site: ids[0] ?? '?', date })
          : critical.length > 5
            ? said('sites-fixed-by-windows-and-others', { sites: ids, date })
            : said('sites-fixed-by-windows', { sites: ids, date }),
        { sites: critical.map((s) => s.id), date },
      ),
    );
    return reasons;
  }
  // Claims of the kind "adding N guards would save a day" are checked by building such a plan.
  const until = Math.min(
    Date.now() + Math.min(1500, 100 + p.sites.length),
    Math.max(deadlineAt - 10, Date.now() + 20),
  );
  const quickW = (q: PlanningProblem) => quickPlanW(q, Math.max(Date.now() + 20, until));
  const sf = w > 0 ? shortfallForW(p, es, latestStarts(p, order, w - 1)) : undefined;
  if (sf) {
    const short = shortfallSentence(p, sf);
    reasons.push({ ...short.reason, ...withdrawalImpossible(formatDay(p, w - 1), short.said) });
    if (sf.kind === 'capacity') {
      const extra = sf.demand - sf.supply;
      for (const a of sf.agencies) {
        if (Date.now() > until) break;
        const wExtra = quickW(withExtraCapacity(p, a, extra, sf.day));
        if (wExtra < w) {
          reasons.push(
            reason(
              'capacity',
              said('extra-capacity-saves-days', {
                extra,
                agency: p.agencies[a]?.name ?? '?',
                from: formatDay(p, sf.day),
                withdrawal: formatDay(p, wExtra),
                days: w - wExtra,
              }),
              { agencies: [p.agencies[a]?.id ?? '?'], date: formatDay(p, sf.day) },
            ),
          );
          break;
        }
      }
    }
    return reasons;
  }
  // Would more throughput or capacity free a day?
  if (Number.isFinite(p.throughput)) {
    const wRelaxed = quickW({ ...p, throughput: Infinity });
    if (wRelaxed < w)
      reasons.push(
        reason(
          'throughput',
          said('throughput-holds-withdrawal', {
            limit: p.throughput,
            date: formatDay(p, w),
            relaxed: formatDay(p, wRelaxed),
          }),
          { date: formatDay(p, w) },
        ),
      );
  }
  for (const a of p.agencies) {
    if (Date.now() > until || reasons.length > 2) break;
    const extra = Math.max(1, Math.ceil(a.finalGuards * 0.1));
    const wExtra = quickW(withExtraCapacity(p, a.index, extra, 0));
    if (wExtra < w)
      reasons.push(
        reason(
          'capacity',
          said('agency-capacity-holds-withdrawal', {
            agency: a.name,
            date: formatDay(p, w),
            extra,
            from: formatDay(p, 0),
            withdrawal: formatDay(p, wExtra),
          }),
          { agencies: [a.id], date: formatDay(p, w) },
        ),
      );
  }
  if (reasons.length === 0) {
    const date = formatDay(p, w);
    reasons.push(
      reason(
        'capacity',
        Number.isFinite(p.throughput)
          ? said('capacity-decides-withdrawal', { date })
          : said('capacity-decides-withdrawal-no-limit', { date }),
        { date },
      ),
    );
  }
  return reasons;
}

/** The problem with `guards` more capacity for agency `a` from day `from` on. */
export function withExtraCapacity(
  p: PlanningProblem,
  a: number,
  guards: number,
  from: number,
): PlanningProblem {
  return {
    ...p,
    agencies: p.agencies.map((ag) => {
      if (ag.index !== a) return ag;
      const days = [...new Set([...ag.effective.map((st) => st.day), Math.max(0, from)])].sort(
        (x, y) => x - y,
      );
      const effective = days.map((d) => ({
        day: d,
        guards: effectiveCapacity(ag, d) + (d >= from ? guards : 0),
      }));
      return { ...ag, effective, finalGuards: ag.finalGuards + guards };
    }),
  };
}
