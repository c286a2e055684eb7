import type { Generated } from 'kysely';

/**
 * Table shapes, identical on SQLite and PostgreSQL. Dates are ISO text (the operation's calendar dates),
 * lists and nested values are JSON text, booleans are 0/1: one schema that both engines hold the same way.
 */
export interface OperationTable {
  id: number;
  name: string;
  area: string;
  start_date: string;
  deadline: string | null;
  timezone: string;
  languages: string;
  center_lat: number | null;
  center_lon: number | null;
  notes: string | null;
  force_name: string;
  max_handovers_per_day: number | null;
  version: number;
}

export interface ContingentTable {
  id: string;
  position: number;
  nation: string;
  state: string;
  withdrawn: string | null;
  version: number;
}

export interface UnitTable {
  id: string;
  position: number;
  contingent_id: string;
  name: string;
  strength: number;
  state: string;
  released: string | null;
  version: number;
}

export interface AgencyTable {
  id: string;
  position: number;
  name: string;
  max_criticality: number | null;
  sectors: string | null;
  version: number;
}

export interface AgencyCapacityTable {
  agency_id: string;
  from_date: string;
  guards: number;
}

export interface SiteTable {
  id: string;
  position: number;
  name: string;
  sector: string;
  criticality: number;
  district: string;
  lat: number | null;
  lon: number | null;
  guards: number;
  guarded_by: string;
  protected_since: string | null;
  overlap_days: number | null;
  not_before: string | null;
  after_ids: string | null;
  pinned_agency: string | null;
  pinned_start: string | null;
  operator: string | null;
  post_orders: string | null;
  essential_output: string | null;
  illustrative: string | null;
  state: string;
  handover_agency: string | null;
  handover_state: string | null;
  handover_start: string | null;
  handover_transfer: string | null;
  version: number;
  updated_at: string;
}

export interface IncidentTable {
  /** Order of entry, so an export lists records as they were given. */
  position: number;
  id: string;
  at: string;
  /** `at` in UTC, for ordering and the incident gate regardless of the offset it was given with. */
  at_utc: string;
  kind: string;
  severity: number;
  site_id: string | null;
  district: string | null;
  lat: number | null;
  lon: number | null;
  description: string;
  illustrative: number;
}

export interface IndicatorReadingTable {
  /** Order of entry, so an export lists records as they were given. */
  position: number;
  date: string;
  indicator: string;
  level: string;
  note: string | null;
}

export interface RestrictionTable {
  /** Order of entry, so an export lists records as they were given. */
  position: number;
  id: string;
  kind: string;
  description: string;
  from_date: string;
  until_date: string | null;
}

export interface FacilityOutputTable {
  /** Order of entry, so an export lists records as they were given. */
  position: number;
  site_id: string;
  date: string;
  status: string;
  output: number | null;
  products: string | null;
  note: string | null;
}

export interface AuditTable {
  seq: Generated<number>;
  at: string;
  actor: string;
  action: string;
  entity: string;
  entity_id: string;
  before: string | null;
  after: string | null;
}

export interface PlanTable {
  id: Generated<number>;
  created_at: string;
  created_by: string;
  /** running | done | failed */
  state: string;
  progress: number;
  phase: string | null;
  /** Last sign of life of the instance running it; a run silent for long is abandoned. */
  heartbeat_at: string;
  /** What the plan was asked for: time limit, what-if changes. JSON. */
  request: string;
  /** optimal | feasible | infeasible, once done. */
  status: string | null;
  withdrawal_date: string | null;
  /** The plan document (PRODUCT.md "Plan output"), JSON. */
  result: string | null;
  error: string | null;
  finished_at: string | null;
  adopted_at: string | null;
  adopted_by: string | null;
  /** The adopted plan this run re-planned against; null when none was adopted. */
  previous_plan_id: number | null;
  /** Once done, against a previous plan: the sites whose agency or start differ from it (JSON PlanChange[]). */
  changes: string | null;
  /** 1 when no plan as good moves fewer handovers, 0 when not proven; null without a previous plan. */
  fewest_moves_proven: number | null;
}

export interface Database {
  plans: PlanTable;
  operation: OperationTable;
  contingents: ContingentTable;
  units: UnitTable;
  agencies: AgencyTable;
  agency_capacity: AgencyCapacityTable;
  sites: SiteTable;
  incidents: IncidentTable;
  indicator_readings: IndicatorReadingTable;
  restrictions: RestrictionTable;
  facility_output: FacilityOutputTable;
  audit_log: AuditTable;
}
