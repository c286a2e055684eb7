import { isIsoDate } from '../dates.ts';
import type { Scenario } from '../scenario/schema.ts';

/**
 * What-if changes to a scenario, written the way a staff officer says them:
 *   capacity police +100 from 2022-01-13     more (or −fewer) guards from a date on
 *   capacity police 300 from 2022-01-13      exactly this many from a date on
 *   deadline 2022-01-18 | deadline none
 *   gate aksai-bakery 2022-01-14 | gate aksai-bakery none
 *   overlap aksai-bakery 2 | overlap all 0
 *   throughput 8 | throughput none
 */
export type WhatIf =
  | { kind: 'capacity'; agency: string; mode: 'add' | 'set'; guards: number; from: string }
  | { kind: 'deadline'; date: string | null }
  | { kind: 'gate'; site: string; date: string | null }
  | { kind: 'overlap'; /** a site id, or "all" */ site: string; days: number }
  | { kind: 'throughput'; perDay: number | null };

export class WhatIfError extends Error {
  override readonly name = 'WhatIfError';
}

const USAGE =
  "use: 'capacity AGENCY +N|-N|N from DATE', 'deadline DATE|none', 'gate SITE DATE|none', 'overlap SITE|all DAYS', 'throughput N|none'";

/** Parses one or more changes separated by ';' or given as separate strings. */
export function parseWhatIf(texts: readonly string[]): WhatIf[] {
  return texts
    .flatMap((t) => t.split(';'))
    .map((t) => t.trim())
    .filter(Boolean)
    .map(parseOne);
}

function parseOne(text: string): WhatIf {
  const w = text.split(/\s+/);
  const date = (s: string | undefined, what: string) => {
    if (s === undefined || !isIsoDate(s))
      throw new WhatIfError(`"${text}": ${what} must be a date YYYY-MM-DD (got ${s ?? 'nothing'})`);
    return s;
  };
  const int = (s: string | undefined, what: string, min: number) => {
    const n = Number(s);
    if (s === undefined || !/^[+-]?\d+$/.test(s) || n < min)
      throw new WhatIfError(`"${text}": ${what} must be a whole number ≥ ${min} (got ${s ?? 'nothing'})`);
    return n;
  };
  switch (w[0]) {
    case 'capacity': {
      const [, agency, amount, from, when] = w;
      if (!agency || !amount || from !== 'from' || w.length !== 5)
        throw new WhatIfError(`"${text}": ${USAGE}`);
      const signed = /^[+-]/.test(amount);
      return {
        kind: 'capacity',
        agency,
        mode: signed ? 'add' : 'set',
        guards: int(amount, 'the guards', signed ? -1e9 : 0),
        from: date(when, 'the date'),
      };
    }
    case 'deadline':
      if (w.length !== 2) throw new WhatIfError(`"${text}": ${USAGE}`);
      return { kind: 'deadline', date: w[1] === 'none' ? null : date(w[1], 'the deadline') };
    case 'gate':
      if (w.length !== 3 || !w[1]) throw new WhatIfError(`"${text}": ${USAGE}`);
      return { kind: 'gate', site: w[1], date: w[2] === 'none' ? null : date(w[2], 'the gate') };
    case 'overlap':
      if (w.length !== 3 || !w[1]) throw new WhatIfError(`"${text}": ${USAGE}`);
      return { kind: 'overlap', site: w[1], days: int(w[2], 'the overlap', 0) };
    case 'throughput':
      if (w.length !== 2) throw new WhatIfError(`"${text}": ${USAGE}`);
      return { kind: 'throughput', perDay: w[1] === 'none' ? null : int(w[1], 'the handovers per day', 1) };
    default:
      throw new WhatIfError(`"${text}": unknown change; ${USAGE}`);
  }
}

/** The scenario with the changes applied (the input is not modified). Unknown agencies or sites are errors. */
export function applyWhatIf(scenario: Scenario, changes: readonly WhatIf[]): Scenario {
  const s = structuredClone(scenario);
  for (const c of changes) {
    switch (c.kind) {
      case 'capacity': {
        const agency = s.agencies.find((a) => a.id === c.agency);
        if (!agency)
          throw new WhatIfError(
            `unknown agency "${c.agency}" (agencies: ${s.agencies.map((a) => a.id).join(', ')})`,
          );
        const at = (date: string) => {
          let g = 0;
          for (const step of agency.capacity) if (step.from <= date) g = step.guards;
          return g;
        };
        const dates = new Set([c.from, ...agency.capacity.map((x) => x.from)]);
        agency.capacity = [...dates].sort().map((d) => ({
          from: d,
          guards: d < c.from ? at(d) : Math.max(0, c.mode === 'add' ? at(d) + c.guards : c.guards),
        }));
        if (c.mode === 'set') agency.capacity = agency.capacity.filter((x) => x.from <= c.from);
        break;
      }
      case 'deadline':
        if (c.date === null) delete s.operation.deadline;
        else s.operation.deadline = c.date;
        break;
      case 'gate': {
        const site = s.sites.find((x) => x.id === c.site);
        if (!site) throw new WhatIfError(`unknown site "${c.site}"`);
        if (c.date === null) delete site.not_before;
        else site.not_before = c.date;
        break;
      }
      case 'overlap': {
        const targets = c.site === 'all' ? s.sites : s.sites.filter((x) => x.id === c.site);
        if (!targets.length) throw new WhatIfError(`unknown site "${c.site}"`);
        for (const site of targets) site.overlap_days = c.days;
        break;
      }
      case 'throughput':
        if (c.perDay === null) {
          if (s.rules) delete s.rules.max_handovers_per_day;
        } else s.rules = { ...s.rules, max_handovers_per_day: c.perDay };
        break;
    }
  }
  return s;
}

/** A change described for people: "capacity police +100 from 2022-01-13". */
export function describeWhatIf(c: WhatIf): string {
  switch (c.kind) {
    case 'capacity':
      return `capacity ${c.agency} ${c.mode === 'add' ? (c.guards >= 0 ? '+' : '') : ''}${c.guards} from ${c.from}`;
    case 'deadline':
      return `deadline ${c.date ?? 'none'}`;
    case 'gate':
      return `gate ${c.site} ${c.date ?? 'none'}`;
    case 'overlap':
      return `overlap ${c.site} ${c.days}`;
    case 'throughput':
      return `throughput ${c.perDay ?? 'none'}`;
  }
}
