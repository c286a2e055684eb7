import type { Site, SiteState } from '../../api/types.ts';
import { SITE_STATES } from '../../api/types.ts';
import type { Contingent, Unit } from '../../api/sites.ts';

/** The board's filters, all kept in the URL query so a view can be bookmarked, shared and reloaded. */
export interface BoardFilters {
  q: string;
  state: SiteState | '';
  district: string;
  sector: string;
  contingent: string;
  agency: string;
  changed: boolean;
  sort: SortKey;
  desc: boolean;
}

export const SORT_KEYS = [
  'priority',
  'name',
  'state',
  'unit',
  'agency',
  'criticality',
  'district',
  'sector',
] as const;
export type SortKey = (typeof SORT_KEYS)[number];

const isState = (v: string): v is SiteState => (SITE_STATES as readonly string[]).includes(v);
const isSort = (v: string): v is SortKey => (SORT_KEYS as readonly string[]).includes(v);

export function filtersFrom(params: URLSearchParams): BoardFilters {
  const state = params.get('state') ?? '';
  const sort = params.get('sort') ?? '';
  return {
    q: params.get('q') ?? '',
    state: isState(state) ? state : '',
    district: params.get('district') ?? '',
    sector: params.get('sector') ?? '',
    contingent: params.get('contingent') ?? '',
    agency: params.get('agency') ?? '',
    changed: params.get('changed') === '1',
    sort: isSort(sort) ? sort : 'priority',
    desc: params.get('desc') === '1',
  };
}

export function paramsFrom(f: BoardFilters): URLSearchParams {
  const p = new URLSearchParams();
  if (f.q) p.set('q', f.q);
  if (f.state) p.set('state', f.state);
  if (f.district) p.set('district', f.district);
  if (f.sector) p.set('sector', f.sector);
  if (f.contingent) p.set('contingent', f.contingent);
  if (f.agency) p.set('agency', f.agency);
  if (f.changed) p.set('changed', '1');
  if (f.sort !== 'priority') p.set('sort', f.sort);
  if (f.desc) p.set('desc', '1');
  return p;
}

/** What changed at a site in the last 24 hours (from GET /api/status), in the order the board names them. */
export type ChangeKind = 'taken_under_protection' | 'joint_guards_started' | 'transfers_completed';
export const CHANGE_KINDS: readonly ChangeKind[] = [
  'taken_under_protection',
  'joint_guards_started',
  'transfers_completed',
];

export interface Context {
  units: Map<string, Unit>;
  contingents: Map<string, Contingent>;
  agencyName: (id: string | undefined) => string;
  changes: Map<string, ChangeKind[]>;
}

export const contingentOf = (s: Site, ctx: Context) =>
  s.guard?.contingent || (ctx.units.get(s.guarded_by)?.contingent ?? '');

/** Sites that pass every filter except, when `ignoreState`, the state (for the counts by state). */
export function applyFilters(sites: Site[], f: BoardFilters, ctx: Context, ignoreState = false): Site[] {
  const q = f.q.trim().toLocaleLowerCase();
  return sites.filter(
    (s) =>
      (ignoreState || !f.state || s.state === f.state) &&
      (!f.district || s.district === f.district) &&
      (!f.sector || s.sector === f.sector) &&
      (!f.contingent || contingentOf(s, ctx) === f.contingent) &&
      (!f.agency || s.handover?.agency === f.agency) &&
      (!f.changed || ctx.changes.has(s.id)) &&
      (!q ||
        s.name.toLocaleLowerCase().includes(q) ||
        s.id.toLocaleLowerCase().includes(q) ||
        s.district.toLocaleLowerCase().includes(q) ||
        (ctx.units.get(s.guarded_by)?.name ?? s.guarded_by).toLocaleLowerCase().includes(q)),
  );
}

const STATE_ORDER: Record<SiteState, number> = { joint_guard: 0, protected: 1, transferred: 2 };

/**
 * Default order ("priority"): what changed in the last 24 hours first, then joint guards (in progress),
 * sites still under protection, transferred ones; within each, the most critical first.
 */
export function sortSites(sites: Site[], f: BoardFilters, ctx: Context, collator: Intl.Collator): Site[] {
  const unitName = (s: Site) => ctx.units.get(s.guarded_by)?.name ?? s.guarded_by;
  const byName = (a: Site, b: Site) => collator.compare(a.name, b.name);
  const cmp: Record<SortKey, (a: Site, b: Site) => number> = {
    priority: (a, b) =>
      Number(ctx.changes.has(b.id)) - Number(ctx.changes.has(a.id)) ||
      STATE_ORDER[a.state] - STATE_ORDER[b.state] ||
      b.criticality - a.criticality ||
      byName(a, b),
    name: byName,
    state: (a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || byName(a, b),
    unit: (a, b) => collator.compare(unitName(a), unitName(b)) || byName(a, b),
    agency: (a, b) =>
      collator.compare(ctx.agencyName(a.handover?.agency), ctx.agencyName(b.handover?.agency)) ||
      byName(a, b),
    criticality: (a, b) => b.criticality - a.criticality || byName(a, b),
    district: (a, b) => collator.compare(a.district, b.district) || byName(a, b),
    sector: (a, b) => collator.compare(a.sector, b.sector) || byName(a, b),
  };
  const c = cmp[f.sort];
  const sorted = [...sites].sort(c);
  return f.desc ? sorted.reverse() : sorted;
}
