/** The stored columns of sites and incidents, built the way src/store/repositories.ts builds them. */
import { scenarioToRecords } from '../../src/core/scenario/convert.ts';
import type { Scenario } from '../../src/core/scenario/schema.ts';
import type { SiteTable } from '../../src/store/schema.ts';

export const SITE_COLUMNS = [
  'id',
  'position',
  'name',
  'sector',
  'criticality',
  'district',
  'lat',
  'lon',
  'guards',
  'guarded_by',
  'protected_since',
  'overlap_days',
  'not_before',
  'after_ids',
  'pinned_agency',
  'pinned_start',
  'operator',
  'post_orders',
  'essential_output',
  'illustrative',
  'state',
  'handover_agency',
  'handover_state',
  'handover_start',
  'handover_transfer',
  'version',
  'updated_at',
] as const satisfies readonly (keyof SiteTable)[];

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/** Site rows of a validated scenario, in file order. */
export function siteRows(s: Scenario): SiteTable[] {
  const at = new Date().toISOString();
  return scenarioToRecords(s).sites.map(({ site: x, overlapDaysGiven }, position) => ({
    id: x.id,
    position,
    name: x.name,
    sector: x.sector,
    criticality: x.criticality,
    district: x.district,
    lat: x.location?.lat ?? null,
    lon: x.location?.lon ?? null,
    guards: x.guards,
    guarded_by: x.guardedBy,
    protected_since: x.protectedSince,
    overlap_days: overlapDaysGiven ? x.overlapDays : null,
    not_before: x.notBefore,
    after_ids: x.after.length ? json(x.after) : null,
    pinned_agency: x.pinned?.agency ?? null,
    pinned_start: x.pinned?.start ?? null,
    operator: json(x.operator),
    post_orders: x.postOrders.length ? json(x.postOrders) : null,
    essential_output: json(x.essentialOutput),
    illustrative: x.illustrative.length ? json(x.illustrative) : null,
    state: x.state,
    handover_agency: x.handover?.agencyId ?? null,
    handover_state: x.handover?.state ?? null,
    handover_start: x.handover?.start ?? null,
    handover_transfer: x.handover?.transfer ?? null,
    version: 0,
    updated_at: at,
  }));
}

export const siteValues = (row: SiteTable): unknown[] => SITE_COLUMNS.map((c) => row[c]);

/** Units and contingents that the site rows reference (foreign keys), as [contingent, unit] pairs. */
export function unitPairs(s: Scenario): [string, string, string][] {
  return s.force.contingents.flatMap((c) =>
    c.units.map((u): [string, string, string] => [c.id, u.id, u.name]),
  );
}

/** An incident as the incidents table stores it, for the raw baselines. */
export function incidentValues(k: number, site: string): unknown[] {
  const at = '2030-03-02T10:00:00+06:00';
  return [
    k,
    `raw-inc-${k}`,
    at,
    new Date(at).toISOString(),
    'other',
    2,
    site,
    'Almaly',
    null,
    null,
    `Baseline incident ${k}.`,
    0,
  ];
}
export const INCIDENT_COLUMNS = [
  'position',
  'id',
  'at',
  'at_utc',
  'kind',
  'severity',
  'site_id',
  'district',
  'lat',
  'lon',
  'description',
  'illustrative',
] as const;
