import { isIsoDate, isIsoInstant, isTimeZone } from '../dates.ts';
import type { FieldProblem } from '../problems.ts';
import { MAX_CRITICALITY } from '../vocabulary.ts';
import { ScenarioSchema, type Scenario } from './schema.ts';
import { structuralProblems } from './structure.ts';

export type ScenarioCheck = { ok: true; scenario: Scenario } | { ok: false; problems: FieldProblem[] };

/**
 * Validates a parsed scenario completely: shape, then dates, ids, references and state consistency.
 * Every problem is reported at once with its path; a scenario with any problem is not usable at all.
 */
export function validateScenario(input: unknown): ScenarioCheck {
  const structural = structuralProblems(ScenarioSchema, input);
  if (structural.length > 0) {
    // Still look for reference and date problems where the tree allows it, so that one run reports
    // everything; a field already reported for its shape is not reported twice.
    let semantic: FieldProblem[] = [];
    try {
      semantic = semanticProblems(input as Scenario);
    } catch {
      // The tree is too malformed for the reference checks; the shape problems say why.
    }
    const reported = new Set(structural.map((p) => p.path));
    return { ok: false, problems: [...structural, ...semantic.filter((p) => !reported.has(p.path))] };
  }
  const scenario = input as Scenario;
  const problems = semanticProblems(scenario);
  return problems.length ? { ok: false, problems } : { ok: true, scenario };
}

function semanticProblems(s: Scenario): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  const date = (path: string, value: string | undefined) => {
    if (value !== undefined && !isIsoDate(value)) add(path, `"${value}" is not a calendar date (YYYY-MM-DD)`);
  };
  const unique = <T>(
    items: readonly T[],
    key: (t: T) => string,
    path: (i: number) => string,
    what: string,
  ) => {
    const first = new Map<string, number>();
    items.forEach((item, i) => {
      const k = key(item);
      const j = first.get(k);
      if (j === undefined) first.set(k, i);
      else add(path(i), `duplicate ${what} "${k}" (first at ${path(j)})`);
    });
    return first;
  };

  const op = s.operation;
  date('operation.start', op.start);
  date('operation.deadline', op.deadline);
  if (!isTimeZone(op.timezone))
    add('operation.timezone', `unknown time zone "${op.timezone}"; use an IANA name such as Asia/Almaty`);
  if (op.deadline && isIsoDate(op.deadline) && isIsoDate(op.start) && op.deadline < op.start)
    add('operation.deadline', `${op.deadline} is before the operation's start ${op.start}`);

  unique(
    s.force.contingents,
    (c) => c.id,
    (i) => `force.contingents[${i}].id`,
    'contingent id',
  );
  const units = new Map<string, { path: string; contingent: number; released?: string }>();
  s.force.contingents.forEach((c, ci) => {
    date(`force.contingents[${ci}].withdrawn`, c.withdrawn);
    c.units.forEach((u, ui) => {
      const path = `force.contingents[${ci}].units[${ui}]`;
      date(`${path}.released`, u.released);
      const prior = units.get(u.id);
      if (prior) add(`${path}.id`, `duplicate unit id "${u.id}" (first at ${prior.path}.id)`);
      else units.set(u.id, { path, contingent: ci, released: u.released });
    });
    if (c.withdrawn) {
      c.units.forEach((u, ui) => {
        if (!u.released)
          add(
            `force.contingents[${ci}].withdrawn`,
            `contingent "${c.id}" cannot be withdrawn while unit "${u.id}" (units[${ui}]) is not released`,
          );
        else if (isIsoDate(u.released) && c.withdrawn && u.released > c.withdrawn)
          add(
            `force.contingents[${ci}].withdrawn`,
            `${c.withdrawn} is before unit "${u.id}" was released (${u.released})`,
          );
      });
    }
  });

  const agencies = unique(
    s.agencies,
    (a) => a.id,
    (i) => `agencies[${i}].id`,
    'agency id',
  );
  s.agencies.forEach((a, ai) => {
    let previous: string | undefined;
    a.capacity.forEach((step, k) => {
      const path = `agencies[${ai}].capacity[${k}].from`;
      date(path, step.from);
      if (previous !== undefined && isIsoDate(step.from) && step.from <= previous)
        add(path, `capacity steps must be in date order without repeats (${step.from} follows ${previous})`);
      previous = step.from;
    });
  });

  const sites = unique(
    s.sites,
    (x) => x.id,
    (i) => `sites[${i}].id`,
    'site id',
  );
  s.sites.forEach((site, i) => {
    const p = `sites[${i}]`;
    const unit = units.get(site.guarded_by);
    if (!unit) add(`${p}.guarded_by`, `unknown unit "${site.guarded_by}"`);
    date(`${p}.not_before`, site.not_before);
    date(`${p}.protected_since`, site.protected_since);
    date(`${p}.pinned.start`, site.pinned?.start);
    if (site.pinned?.agency !== undefined && !agencies.has(site.pinned.agency))
      add(`${p}.pinned.agency`, `unknown agency "${site.pinned.agency}"`);
    (site.after ?? []).forEach((other, k) => {
      if (other === site.id) add(`${p}.after[${k}]`, `site "${site.id}" cannot come after itself`);
      else if (!sites.has(other)) add(`${p}.after[${k}]`, `unknown site "${other}"`);
    });
    const h = site.handover;
    if (h) {
      const ai = agencies.get(h.agency);
      if (ai === undefined) add(`${p}.handover.agency`, `unknown agency "${h.agency}"`);
      else {
        const agency = s.agencies[ai];
        if (agency && site.criticality > (agency.max_criticality ?? MAX_CRITICALITY))
          add(
            `${p}.handover.agency`,
            `agency "${h.agency}" takes sites up to criticality ${agency.max_criticality}, site "${site.id}" is ${site.criticality}`,
          );
        if (agency?.sectors && !agency.sectors.includes(site.sector))
          add(`${p}.handover.agency`, `agency "${h.agency}" does not take the ${site.sector} sector`);
      }
      date(`${p}.handover.start`, h.start);
      date(`${p}.handover.transfer`, h.transfer);
      if (h.state === 'transferred' && !h.transfer)
        add(`${p}.handover.transfer`, 'a transferred handover needs its transfer date');
      if (h.state !== 'transferred' && h.transfer)
        add(
          `${p}.handover.transfer`,
          `only a transferred handover has a transfer date (state is ${h.state})`,
        );
      if (h.transfer && isIsoDate(h.transfer) && isIsoDate(h.start) && h.transfer < h.start)
        add(`${p}.handover.transfer`, `${h.transfer} is before the joint guard started (${h.start})`);
    }
    if (unit?.released && h?.state !== 'transferred')
      add(
        `${p}.guarded_by`,
        `unit "${site.guarded_by}" is released but still guards this site (not transferred)`,
      );
  });

  unique(
    s.incidents ?? [],
    (x) => x.id,
    (i) => `incidents[${i}].id`,
    'incident id',
  );
  (s.incidents ?? []).forEach((inc, i) => {
    if (!isIsoInstant(inc.at))
      add(
        `incidents[${i}].at`,
        `"${inc.at}" is not a date and time with an offset (2022-01-11T08:30:00+06:00)`,
      );
    if (inc.site !== undefined && !sites.has(inc.site))
      add(`incidents[${i}].site`, `unknown site "${inc.site}"`);
  });
  unique(
    s.indicators ?? [],
    (x) => `${x.date} ${x.indicator}`,
    (i) => `indicators[${i}]`,
    'reading (date and indicator)',
  );
  (s.indicators ?? []).forEach((r, i) => date(`indicators[${i}].date`, r.date));
  unique(
    s.restrictions ?? [],
    (x) => x.id,
    (i) => `restrictions[${i}].id`,
    'restriction id',
  );
  (s.restrictions ?? []).forEach((r, i) => {
    date(`restrictions[${i}].from`, r.from);
    date(`restrictions[${i}].until`, r.until);
    if (r.until && r.until < r.from) add(`restrictions[${i}].until`, `${r.until} is before ${r.from}`);
  });
  unique(
    s.facility_output ?? [],
    (x) => `${x.site} ${x.date}`,
    (i) => `facility_output[${i}]`,
    'report (site and date)',
  );
  (s.facility_output ?? []).forEach((r, i) => {
    date(`facility_output[${i}].date`, r.date);
    if (!sites.has(r.site)) add(`facility_output[${i}].site`, `unknown site "${r.site}"`);
  });
  return problems;
}
