import { Type, type Static, type TSchema } from '@sinclair/typebox';
import {
  FACILITY_STATUSES,
  HANDOVER_STATES,
  INCIDENT_KINDS,
  INDICATOR_LEVELS,
  INDICATORS,
  MAX_CRITICALITY,
  RESTRICTION_KINDS,
  SECTORS,
} from '../vocabulary.ts';

/**
 * The scenario file, version 1 (PRODUCT.md, "Scenario file"), extended with the register's own fields.
 * One schema serves the file format, the HTTP bodies built from its parts, and the static types.
 * Every object is closed: an unknown field is an error, never silently dropped.
 */

const closed = { additionalProperties: false } as const;
const Union = <T extends readonly string[]>(values: T, description?: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    description ? { description } : {},
  ) as unknown as TSchema & { static: T[number] };

export const IdString = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$',
  description: 'Identifier: letters, digits and _ . : - (at most 64 characters)',
});
export const Name = Type.String({ minLength: 1, maxLength: 200 });
export const Text = Type.String({ minLength: 1, maxLength: 2000 });
/** A calendar date in the operation's time zone; the real-date check is semantic (validate.ts). */
export const DateString = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Date, YYYY-MM-DD' });
export const InstantString = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}',
  description: 'Date and time with an offset, e.g. 2022-01-11T08:30:00+06:00',
});
export const Criticality = Type.Integer({ minimum: 1, maximum: MAX_CRITICALITY });
export const SectorSchema = Union(SECTORS);
export const Location = Type.Object(
  { lat: Type.Number({ minimum: -90, maximum: 90 }), lon: Type.Number({ minimum: -180, maximum: 180 }) },
  closed,
);

export const OperationSchema = Type.Object(
  {
    name: Name,
    area: Name,
    start: DateString,
    deadline: Type.Optional(DateString),
    timezone: Type.String({ minLength: 1, description: 'IANA time zone, e.g. Asia/Almaty' }),
    languages: Type.Array(Type.String({ pattern: '^[a-z]{2}$' }), { minItems: 1, uniqueItems: true }),
    center: Type.Optional(Location),
    notes: Type.Optional(Text),
  },
  closed,
);

export const RulesSchema = Type.Object(
  { max_handovers_per_day: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })) },
  closed,
);

export const UnitSchema = Type.Object(
  {
    id: IdString,
    name: Name,
    strength: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    released: Type.Optional(DateString),
  },
  closed,
);

export const ContingentSchema = Type.Object(
  {
    id: IdString,
    nation: Name,
    units: Type.Array(UnitSchema),
    withdrawn: Type.Optional(DateString),
  },
  closed,
);

export const CapacityStep = Type.Object(
  { from: DateString, guards: Type.Integer({ minimum: 0, maximum: 10_000_000 }) },
  closed,
);

export const AgencySchema = Type.Object(
  {
    id: IdString,
    name: Name,
    capacity: Type.Array(CapacityStep),
    max_criticality: Type.Optional(Criticality),
    sectors: Type.Optional(Type.Array(SectorSchema, { minItems: 1, uniqueItems: true })),
  },
  closed,
);

export const OperatorSchema = Type.Object(
  { name: Name, position: Type.Optional(Name), contact: Type.Optional(Name) },
  closed,
);

export const EssentialOutputSchema = Type.Object(
  {
    product: Name,
    amount: Type.Number({ exclusiveMinimum: 0 }),
    unit: Type.String({ minLength: 1, maxLength: 40, description: 'e.g. t/day' }),
    city_need_share: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  closed,
);

export const HandoverRecordSchema = Type.Object(
  {
    agency: IdString,
    state: Union(HANDOVER_STATES),
    start: DateString,
    transfer: Type.Optional(DateString),
  },
  closed,
);

export const SiteSchema = Type.Object(
  {
    id: IdString,
    name: Name,
    sector: SectorSchema,
    criticality: Criticality,
    district: Name,
    location: Type.Optional(Location),
    guards: Type.Integer({ minimum: 1, maximum: 100_000 }),
    guarded_by: IdString,
    overlap_days: Type.Optional(Type.Integer({ minimum: 0, maximum: 365 })),
    not_before: Type.Optional(DateString),
    after: Type.Optional(Type.Array(IdString, { uniqueItems: true })),
    pinned: Type.Optional(
      Type.Object({ agency: Type.Optional(IdString), start: Type.Optional(DateString) }, closed),
    ),
    protected_since: Type.Optional(DateString),
    operator: Type.Optional(OperatorSchema),
    post_orders: Type.Optional(Type.Array(Text)),
    essential_output: Type.Optional(EssentialOutputSchema),
    handover: Type.Optional(HandoverRecordSchema),
    illustrative: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        uniqueItems: true,
        description: 'Fields whose values are illustrative, not facts',
      }),
    ),
  },
  closed,
);

export const IncidentSchema = Type.Object(
  {
    id: IdString,
    at: InstantString,
    kind: Union(INCIDENT_KINDS),
    severity: Type.Integer({ minimum: 1, maximum: 5 }),
    site: Type.Optional(IdString),
    district: Type.Optional(Name),
    location: Type.Optional(Location),
    description: Text,
    illustrative: Type.Optional(Type.Boolean()),
  },
  closed,
);

export const IndicatorReadingSchema = Type.Object(
  {
    date: DateString,
    indicator: Union(INDICATORS),
    level: Union(INDICATOR_LEVELS),
    note: Type.Optional(Text),
  },
  closed,
);

export const RestrictionSchema = Type.Object(
  {
    id: IdString,
    kind: Union(RESTRICTION_KINDS),
    description: Text,
    from: DateString,
    until: Type.Optional(DateString),
  },
  closed,
);

export const FacilityOutputSchema = Type.Object(
  {
    site: IdString,
    date: DateString,
    status: Union(FACILITY_STATUSES),
    output: Type.Optional(Type.Number({ minimum: 0 })),
    products: Type.Optional(Type.Array(Name)),
    note: Type.Optional(Text),
  },
  closed,
);

export const ScenarioSchema = Type.Object(
  {
    version: Type.Literal(1),
    operation: OperationSchema,
    rules: Type.Optional(RulesSchema),
    force: Type.Object({ name: Name, contingents: Type.Array(ContingentSchema) }, closed),
    agencies: Type.Array(AgencySchema),
    sites: Type.Array(SiteSchema),
    incidents: Type.Optional(Type.Array(IncidentSchema)),
    indicators: Type.Optional(Type.Array(IndicatorReadingSchema)),
    restrictions: Type.Optional(Type.Array(RestrictionSchema)),
    facility_output: Type.Optional(Type.Array(FacilityOutputSchema)),
  },
  closed,
);

export type Scenario = Static<typeof ScenarioSchema>;
export type ScenarioOperation = Static<typeof OperationSchema>;
export type ScenarioSite = Static<typeof SiteSchema>;
export type ScenarioUnit = Static<typeof UnitSchema>;
export type ScenarioContingent = Static<typeof ContingentSchema>;
export type ScenarioAgency = Static<typeof AgencySchema>;
export type ScenarioIncident = Static<typeof IncidentSchema>;
export type ScenarioIndicatorReading = Static<typeof IndicatorReadingSchema>;
export type ScenarioRestriction = Static<typeof RestrictionSchema>;
export type ScenarioFacilityOutput = Static<typeof FacilityOutputSchema>;
export type CapacityStepValue = Static<typeof CapacityStep>;
