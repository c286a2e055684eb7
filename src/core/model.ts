import type { IsoDate } from './dates.ts';
import type { AgencyId, ContingentId, IncidentId, RestrictionId, SiteId, UnitId } from './ids.ts';
import type {
  ContingentState,
  FacilityStatus,
  HandoverState,
  IncidentKind,
  Indicator,
  IndicatorLevel,
  RestrictionKind,
  Sector,
  SiteState,
  UnitState,
} from './vocabulary.ts';

/** Every stored record carries a version; an update names the version it read, and a stale one is refused. */
export interface Versioned {
  version: number;
}

export interface GeoPoint {
  lat: number;
  lon: number;
}

export interface Operation {
  name: string;
  area: string;
  start: IsoDate;
  deadline: IsoDate | null;
  timezone: string;
  languages: string[];
  center: GeoPoint | null;
  notes: string | null;
  forceName: string;
  maxHandoversPerDay: number | null;
}

export interface Contingent extends Versioned {
  id: ContingentId;
  nation: string;
  state: ContingentState;
  withdrawn: IsoDate | null;
}

export interface Unit extends Versioned {
  id: UnitId;
  contingentId: ContingentId;
  name: string;
  strength: number;
  state: UnitState;
  released: IsoDate | null;
}

export interface CapacityStep {
  from: IsoDate;
  guards: number;
}

export interface Agency extends Versioned {
  id: AgencyId;
  name: string;
  capacity: CapacityStep[];
  maxCriticality: number;
  /** null: the agency takes every sector. */
  sectors: Sector[] | null;
}

export interface Operator {
  name: string;
  position?: string;
  contact?: string;
}

export interface EssentialOutput {
  product: string;
  amount: number;
  unit: string;
  city_need_share?: number;
}

export interface Handover {
  agencyId: AgencyId;
  state: HandoverState;
  /** First day of joint guard (planned, or actual once started). */
  start: IsoDate;
  /** Day the transfer of authority took effect. */
  transfer: IsoDate | null;
}

export interface Site extends Versioned {
  id: SiteId;
  name: string;
  sector: Sector;
  criticality: number;
  district: string;
  location: GeoPoint | null;
  guards: number;
  /** The force's unit that guards (or, once transferred, guarded) the site. */
  guardedBy: UnitId;
  protectedSince: IsoDate | null;
  overlapDays: number;
  notBefore: IsoDate | null;
  after: SiteId[];
  pinned: { agency?: AgencyId; start?: IsoDate } | null;
  operator: Operator | null;
  postOrders: string[];
  essentialOutput: EssentialOutput | null;
  illustrative: string[];
  state: SiteState;
  handover: Handover | null;
}

export interface Incident {
  id: IncidentId;
  at: string;
  kind: IncidentKind;
  severity: number;
  siteId: SiteId | null;
  district: string | null;
  location: GeoPoint | null;
  description: string;
  illustrative: boolean;
}

export interface IndicatorReading {
  date: IsoDate;
  indicator: Indicator;
  level: IndicatorLevel;
  note: string | null;
}

export interface Restriction {
  id: RestrictionId;
  kind: RestrictionKind;
  description: string;
  from: IsoDate;
  until: IsoDate | null;
}

export interface FacilityOutputReport {
  siteId: SiteId;
  date: IsoDate;
  status: FacilityStatus;
  output: number | null;
  products: string[];
  note: string | null;
}

/** Who guards a site now: the parties on it. A protected site must never have none. */
export function guardingParties(site: Site): { unit: UnitId | null; agency: AgencyId | null } {
  switch (site.state) {
    case 'protected':
      return { unit: site.guardedBy, agency: null };
    case 'joint_guard':
      return { unit: site.guardedBy, agency: site.handover?.agencyId ?? null };
    case 'transferred':
      return { unit: null, agency: site.handover?.agencyId ?? null };
  }
}

/**
 * The guards an agency can keep from a date on: the least of its capacity on that date and on every later
 * step. Guards committed to a site stay there for good, so a later drop in capacity binds today's start.
 */
export function capacityFrom(agency: Pick<Agency, 'capacity'>, date: IsoDate): number {
  let guards = capacityOn(agency, date);
  for (const step of agency.capacity) if (step.from > date) guards = Math.min(guards, step.guards);
  return guards;
}

/** The capacity an agency has committed on a date: the latest step whose `from` ≤ date, 0 before the first. */
export function capacityOn(agency: Pick<Agency, 'capacity'>, date: IsoDate): number {
  let guards = 0;
  for (const step of agency.capacity) if (step.from <= date) guards = step.guards;
  return guards;
}
