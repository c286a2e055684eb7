/** Every closed vocabulary of the domain, declared once; types, schemas and UI lists derive from these. */
export const SECTORS = [
  'food',
  'telecom',
  'energy',
  'fuel',
  'water',
  'transport',
  'health',
  'finance',
  'government',
  'media',
  'other',
] as const;
export type Sector = (typeof SECTORS)[number];

/**
 * Where a site stands. A site enters the register when the force takes it under protection, so every
 * site is guarded: by its unit (protected), by unit and agency together (joint_guard), or by the agency alone.
 */
export const SITE_STATES = ['protected', 'joint_guard', 'transferred'] as const;
export type SiteState = (typeof SITE_STATES)[number];

export const HANDOVER_STATES = ['planned', 'joint_guard', 'transferred'] as const;
export type HandoverState = (typeof HANDOVER_STATES)[number];

export const UNIT_STATES = ['deployed', 'released'] as const;
export type UnitState = (typeof UNIT_STATES)[number];

export const CONTINGENT_STATES = ['deployed', 'withdrawn'] as const;
export type ContingentState = (typeof CONTINGENT_STATES)[number];

export const INCIDENT_KINDS = ['looting_attempt', 'armed_intrusion', 'crowd', 'fire', 'other'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** Severity 1 (minor) … 5 (grave). At or above this, an incident is serious and gates the site's handover. */
export const SERIOUS_SEVERITY = 4;
/** How long a serious incident at a site holds back the start of its joint guard. */
export const INCIDENT_GATE_HOURS = 48;

export const INDICATORS = [
  'internet',
  'public_transport',
  'card_payments',
  'shops',
  'cafes',
  'traffic',
  'street_activity',
] as const;
export type Indicator = (typeof INDICATORS)[number];

export const INDICATOR_LEVELS = ['none', 'limited', 'normal'] as const;
export type IndicatorLevel = (typeof INDICATOR_LEVELS)[number];

export const RESTRICTION_KINDS = [
  'curfew',
  'alcohol_sale_ban',
  'state_of_emergency',
  'checkpoints',
  'other',
] as const;
export type RestrictionKind = (typeof RESTRICTION_KINDS)[number];

export const FACILITY_STATUSES = ['operating', 'reduced', 'stopped'] as const;
export type FacilityStatus = (typeof FACILITY_STATUSES)[number];

export const MAX_CRITICALITY = 5;
