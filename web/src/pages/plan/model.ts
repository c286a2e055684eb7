import { addDays, datesBetween, dayNumber, maxDate, minDate } from './days.ts';
import type { AgencyRow, PlanDoc, SiteRow, UnitRow } from './types.ts';

/**
 * What the Plan page draws, derived from a plan document and the register. Pure functions: the same
 * inputs give the same rows and series, so the charts and their table alternatives always agree.
 */

export type GroupBy = 'contingent' | 'agency';

export interface GanttBar {
  site: string;
  name: string;
  agency: string;
  contingent: string;
  guards: number;
  /** First day of joint guard. */
  start: string;
  /** Transfer of authority takes effect at the start of this day. */
  transfer: string;
}

export interface GanttGroup {
  key: string;
  bars: GanttBar[];
}

/** The days the charts span: the operation's start (or the earliest start) to the last transfer or the deadline. */
export function planDays(plan: PlanDoc, operationStart: string, deadline: string | null): string[] {
  let first = operationStart;
  let last = plan.withdrawal_date ?? operationStart;
  for (const h of plan.handovers) {
    first = minDate(first, h.start);
    last = maxDate(last, h.transfer);
  }
  if (deadline) last = maxDate(last, deadline);
  return datesBetween(first, last);
}

/** The contingent of a site whose unit the reader cannot read (an agency liaison, a facility operator). */
export const UNKNOWN_CONTINGENT = '?';

export function ganttBars(
  plan: PlanDoc,
  sites: ReadonlyMap<string, SiteRow>,
  units: ReadonlyMap<string, UnitRow>,
) {
  return plan.handovers.map((h): GanttBar => {
    const site = sites.get(h.site);
    return {
      site: h.site,
      name: site?.name ?? h.site,
      agency: h.agency,
      contingent: (site && units.get(site.guarded_by)?.contingent) ?? UNKNOWN_CONTINGENT,
      guards: site?.guards ?? 0,
      start: h.start,
      transfer: h.transfer,
    };
  });
}

/** Bars grouped by contingent or agency; groups and bars in a stable order (by first start, then name). */
export function groupBars(bars: readonly GanttBar[], by: GroupBy): GanttGroup[] {
  const groups = new Map<string, GanttBar[]>();
  for (const b of bars) {
    const key = by === 'contingent' ? b.contingent : b.agency;
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(b);
  }
  const order = (a: GanttBar, b: GanttBar) =>
    a.start.localeCompare(b.start) || a.transfer.localeCompare(b.transfer) || a.name.localeCompare(b.name);
  return [...groups.entries()]
    .map(([key, list]) => ({ key, bars: list.sort(order) }))
    .sort((a, b) => order(a.bars[0]!, b.bars[0]!) || a.key.localeCompare(b.key));
}

/** The guards of a capacity step function on a date: the latest step whose `from` ≤ date, 0 before the first. */
export function capacityOn(steps: readonly { from: string; guards: number }[], date: string): number {
  let g = 0;
  for (const s of [...steps].sort((a, b) => a.from.localeCompare(b.from))) if (s.from <= date) g = s.guards;
  return g;
}

export interface CapacityPoint {
  date: string;
  capacity: number;
  committed: number;
}

/**
 * Per agency and day: its declared capacity and the guards the plan commits (an agency commits a site's
 * guards from the first day of joint guard and keeps them there for good — PRODUCT.md).
 */
export function capacitySeries(
  plan: PlanDoc,
  agencies: readonly AgencyRow[],
  sites: ReadonlyMap<string, SiteRow>,
  days: readonly string[],
): { agency: AgencyRow; points: CapacityPoint[]; short: string[] }[] {
  return agencies.map((agency) => {
    const starts = plan.handovers
      .filter((h) => h.agency === agency.id)
      .map((h) => ({ start: h.start, guards: sites.get(h.site)?.guards ?? 0 }));
    const points = days.map((date) => ({
      date,
      capacity: capacityOn(agency.capacity, date),
      committed: starts.reduce((sum, s) => (s.start <= date ? sum + s.guards : sum), 0),
    }));
    return { agency, points, short: points.filter((p) => p.committed > p.capacity).map((p) => p.date) };
  });
}

/**
 * Units of each contingent still deployed on each day: a unit leaves at the start of its release day
 * (the last transfer among its sites); a unit without a planned release keeps its register state.
 */
export function withdrawalBurndown(
  plan: PlanDoc,
  units: readonly UnitRow[],
  days: readonly string[],
): { contingents: string[]; points: ({ date: string } & Record<string, number | string>)[] } {
  const released = new Map(plan.units.map((u) => [u.unit, u.released]));
  const contingents = [...new Set(units.map((u) => u.contingent))];
  const leaves = units.map((u) => ({ contingent: u.contingent, on: released.get(u.id) ?? u.released }));
  const points = days.map((date) => {
    const row: { date: string } & Record<string, number | string> = { date };
    for (const c of contingents) row[c] = 0;
    for (const u of leaves)
      if (u.on === null || date < u.on) row[u.contingent] = Number(row[u.contingent]) + 1;
    return row;
  });
  return { contingents, points };
}

/** Handovers starting each day (the throughput the plan uses). */
export function startsPerDay(plan: PlanDoc, days: readonly string[]): Map<string, number> {
  const m = new Map<string, number>(days.map((d) => [d, 0]));
  for (const h of plan.handovers) m.set(h.start, (m.get(h.start) ?? 0) + 1);
  return m;
}

/** Whole days from a to b. */
export const daysFrom = (a: string, b: string) => dayNumber(b) - dayNumber(a);

export { addDays };
