import { Type, type Static, type TSchema } from '@sinclair/typebox';
import {
  CapacityStep,
  Criticality,
  DateString,
  EssentialOutputSchema,
  FacilityOutputSchema,
  HandoverRecordSchema,
  IdString,
  IncidentSchema,
  IndicatorReadingSchema,
  Location,
  Name,
  OperatorSchema,
  ScenarioSchema,
  RestrictionSchema,
  SectorSchema,
  SiteSchema,
  Text,
} from '../core/scenario/schema.ts';
import { SITE_ACTIONS } from '../core/auth/policy.ts';
import { PASSWORD_MAX_LENGTH } from '../core/auth/password.ts';
import { SIGNATURE_SIDES } from '../core/handover/signatures.ts';
import { RULES } from '../core/rules.ts';
import { CONTINGENT_STATES, SITE_STATES, UNIT_STATES } from '../core/vocabulary.ts';

/**
 * HTTP shapes, built from the scenario schema's parts: a site in the API is a site of the file plus
 * its state and version. Request bodies are closed (unknown fields are refused, not dropped).
 */
const closed = { additionalProperties: false } as const;
const literalUnion = <T extends readonly string[]>(values: T) =>
  Type.Union(values.map((v) => Type.Literal(v))) as unknown as TSchema & { static: T[number] };

export const Version = Type.Integer({
  minimum: 0,
  description: 'The version you read; a stale one is refused (409)',
});
export const SiteStateSchema = literalUnion(SITE_STATES);

/** A signature of the transfer of authority, as shown with its site. */
export const SignatureView = Type.Object({
  side: literalUnion(SIGNATURE_SIDES),
  username: Type.String(),
  display_name: Type.String(),
  signed_at: Type.String(),
  version: Type.Integer({ description: 'The version of the site that was signed' }),
  imported: Type.Optional(
    Type.Boolean({
      description:
        'An attestation written by a scenario import of a site already transferred; not a signature',
    }),
  ),
});
export const SiteHandoverView = Type.Composite([
  HandoverRecordSchema,
  Type.Object({
    signatures: Type.Optional(
      Type.Array(SignatureView, {
        description:
          'In joint guard: the signatures that count now (for the present version); once transferred: those that made the transfer',
      }),
    ),
  }),
]);

export const SiteView = Type.Composite([
  Type.Omit(SiteSchema, ['overlap_days', 'handover']),
  Type.Object({
    handover: Type.Optional(SiteHandoverView),
    overlap_days: Type.Integer(),
    state: SiteStateSchema,
    version: Type.Integer(),
    guard: Type.Object(
      {
        unit_name: Type.String(),
        contingent: Type.String(),
        nation: Type.String(),
      },
      {
        description:
          'The guarding unit (guarded_by) by name, with its contingent and nation, for readers whose role does not read the force',
      },
    ),
    actions: Type.Array(literalUnion(SITE_ACTIONS), {
      description: 'What the signed-in user may do on this site now (their role, scope and the site’s state)',
    }),
  }),
]);
export type SiteViewT = Static<typeof SiteView>;

export const SiteList = Type.Object({
  items: Type.Array(SiteView),
  total: Type.Integer(),
  limit: Type.Integer(),
  offset: Type.Integer(),
});

export const SiteQuery = Type.Object(
  {
    state: Type.Optional(SiteStateSchema),
    status: Type.Optional(Type.Union([SiteStateSchema], { description: 'The same filter as state' })),
    district: Type.Optional(Name),
    sector: Type.Optional(SectorSchema),
    contingent: Type.Optional(IdString),
    unit: Type.Optional(IdString),
    agency: Type.Optional(IdString),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Search in id and name' })),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    offset: Type.Integer({ minimum: 0, maximum: 10_000_000, default: 0 }),
  },
  closed,
);

export const TakeUnderProtectionBody = Type.Omit(SiteSchema, ['handover'], closed);

export const SitePatchBody = Type.Object(
  {
    version: Version,
    name: Type.Optional(Name),
    criticality: Type.Optional(Criticality),
    district: Type.Optional(Name),
    location: Type.Optional(Location),
    guards: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    overlap_days: Type.Optional(Type.Integer({ minimum: 0, maximum: 365 })),
    not_before: Type.Optional(DateString),
    post_orders: Type.Optional(Type.Array(Text)),
    operator: Type.Optional(OperatorSchema),
    essential_output: Type.Optional(EssentialOutputSchema),
  },
  closed,
);

const On = Type.Optional(
  Type.Union([DateString], { description: "Date (YYYY-MM-DD); default today in the operation's time zone" }),
);
const OptionalVersion = Type.Optional(Version);

export const PlanHandoverBody = Type.Object(
  { agency: IdString, start: DateString, version: OptionalVersion },
  closed,
);
export const StartJointGuardBody = Type.Object(
  {
    agency: Type.Optional(
      Type.Union([IdString], { description: 'Receiving agency; default the planned one' }),
    ),
    on: On,
    version: OptionalVersion,
  },
  closed,
);
export const DatedActionBody = Type.Object({ on: On, version: OptionalVersion }, closed);
export const SignTransferBody = Type.Object(
  {
    side: literalUnion(SIGNATURE_SIDES),
    version: Type.Integer({ minimum: 0, description: 'The version of the site you read and sign' }),
    password: Type.String({
      minLength: 1,
      maxLength: PASSWORD_MAX_LENGTH * 4,
      description: 'Your password, entered again for this signature',
    }),
    on: Type.Optional(
      Type.Union([DateString], {
        description:
          "The day the transfer takes effect if this signature completes it; default today in the operation's time zone",
      }),
    ),
  },
  closed,
);
export const CallOffBody = Type.Object({ version: OptionalVersion, reason: Type.Optional(Text) }, closed);

export const IdParams = Type.Object({ id: IdString }, closed);

export const UnitView = Type.Object({
  id: Type.String(),
  contingent: Type.String(),
  name: Type.String(),
  strength: Type.Integer(),
  state: literalUnion(UNIT_STATES),
  released: Type.Union([Type.String(), Type.Null()]),
  version: Type.Integer(),
});
export const ContingentView = Type.Object({
  id: Type.String(),
  nation: Type.String(),
  state: literalUnion(CONTINGENT_STATES),
  withdrawn: Type.Union([Type.String(), Type.Null()]),
  version: Type.Integer(),
});
export const AgencyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  capacity: Type.Array(CapacityStep),
  max_criticality: Type.Integer(),
  sectors: Type.Union([Type.Array(Type.String()), Type.Null()]),
  version: Type.Integer(),
});
export const CapacityBody = Type.Object({ capacity: Type.Array(CapacityStep), version: Version }, closed);

export const IncidentBody = Type.Composite(
  [Type.Omit(IncidentSchema, ['id']), Type.Object({ id: Type.Optional(IdString) })],
  closed,
);
export const IncidentQuery = Type.Object(
  {
    site: Type.Optional(IdString),
    since: Type.Optional(Type.String({ description: 'Only incidents at or after this instant' })),
    limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
    offset: Type.Integer({ minimum: 0, maximum: 10_000_000, default: 0 }),
  },
  closed,
);
export const IncidentList = Type.Object({ items: Type.Array(IncidentSchema), total: Type.Integer() });
export { FacilityOutputSchema, IndicatorReadingSchema, RestrictionSchema, ScenarioSchema };

export const AuditQuery = Type.Object(
  {
    entity: Type.Optional(Type.String({ maxLength: 40 })),
    entity_id: Type.Optional(Type.String({ maxLength: 200 })),
    after_seq: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
    limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 500 }),
  },
  closed,
);

export const ErrorBody = Type.Object({
  error: Type.String({
    description: 'invalid_input | not_found | rule_violation | stale_version | conflict | …',
  }),
  message: Type.String(),
  problems: Type.Optional(
    Type.Array(
      Type.Object({ path: Type.String(), message: Type.String(), in: Type.Optional(Type.String()) }),
    ),
  ),
  rule: Type.Optional(literalUnion(RULES)),
});

export const OperationView = Type.Object({
  name: Type.String(),
  area: Type.String(),
  start: Type.String(),
  deadline: Type.Union([Type.String(), Type.Null()]),
  timezone: Type.String(),
  languages: Type.Array(Type.String()),
  center: Type.Union([Location, Type.Null()]),
  notes: Type.Union([Type.String(), Type.Null()]),
  force_name: Type.String(),
  max_handovers_per_day: Type.Union([Type.Integer(), Type.Null()]),
});

const Ids = Type.Array(Type.String());
export const StatusView = Type.Object({
  operation: Type.Object({
    name: Type.String(),
    area: Type.String(),
    start: Type.String(),
    deadline: Type.Union([Type.String(), Type.Null()]),
  }),
  as_of: Type.String(),
  sites: Type.Object({
    total: Type.Integer(),
    by_state: Type.Object({
      protected: Type.Integer(),
      joint_guard: Type.Integer(),
      transferred: Type.Integer(),
    }),
  }),
  units: Type.Object({
    total: Type.Integer(),
    deployed: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), strength: Type.Integer() })),
    strength_deployed: Type.Integer(),
  }),
  contingents: Type.Array(
    Type.Object({
      id: Type.String(),
      nation: Type.String(),
      state: Type.String(),
      withdrawn: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  last_24h: Type.Object({
    taken_under_protection: Ids,
    joint_guards_started: Ids,
    transfers_completed: Ids,
    incidents: Ids,
  }),
});

export const AuditEntryView = Type.Object({
  seq: Type.Integer(),
  at: Type.String(),
  actor: Type.String(),
  action: Type.String(),
  entity: Type.String(),
  entity_id: Type.String(),
  before: Type.Unknown(),
  after: Type.Unknown(),
});
export { IncidentSchema };

const DayFigures = Type.Object({ withdrawal_day: Type.Integer(), force_person_days: Type.Number() });
/** The plan document of PRODUCT.md ("Plan output"). */
export const PlanDocument = Type.Object({
  version: Type.Literal(1),
  status: Type.Union([Type.Literal('optimal'), Type.Literal('feasible'), Type.Literal('infeasible')]),
  withdrawal_date: Type.Union([Type.String(), Type.Null()]),
  objective: Type.Union([DayFigures, Type.Null()]),
  bound: Type.Union([DayFigures, Type.Null()]),
  handovers: Type.Array(
    Type.Object({
      site: Type.String(),
      agency: Type.String(),
      start: Type.String(),
      transfer: Type.String(),
    }),
  ),
  units: Type.Array(Type.Object({ unit: Type.String(), released: Type.String() })),
  contingents: Type.Array(Type.Object({ contingent: Type.String(), withdrawn: Type.String() })),
  reasons: Type.Array(
    Type.Object(
      {
        constraint: Type.String(),
        code: Type.Optional(
          Type.String({
            description:
              "The sentence's template, kebab-case (e.g. 'capacity-short'); absent in plans stored before reasons had codes",
          }),
        ),
        params: Type.Optional(
          Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Array(Type.String())]), {
            description:
              'The values the sentence uses: numbers, ISO dates, site ids, agency names, lists of them',
          }),
        ),
        message: Type.String({ description: 'The sentence in English, made from code and params' }),
        sites: Type.Optional(Type.Array(Type.String())),
        agencies: Type.Optional(Type.Array(Type.String())),
        date: Type.Optional(Type.String()),
      },
      { additionalProperties: true },
    ),
  ),
});

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Assignment = Nullable(Type.Object({ agency: Type.String(), start: Type.String() }));
/** A site whose agency or start differs between two plans (null: not handed over in that plan). */
const MovedSite = Type.Object({ site: Type.String(), before: Assignment, after: Assignment });
/** What every view of a planning run gives: the run, and once done its verdict (not the plan). */
const planRunFields = {
  id: Type.Integer(),
  created_at: Type.String(),
  created_by: Type.String(),
  state: Type.Union([Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
  progress: Type.Number({ description: '0 … 1' }),
  phase: Nullable(Type.String()),
  request: Type.Object({ time_limit_s: Type.Number(), what_if: Type.Array(Type.String()) }),
  status: Nullable(Type.String()),
  withdrawal_date: Nullable(Type.String()),
  error: Nullable(Type.String()),
  finished_at: Nullable(Type.String()),
  adopted_at: Nullable(Type.String()),
  adopted_by: Nullable(Type.String()),
  previous_plan: Nullable(
    Type.Integer({
      description:
        'The adopted plan this run re-planned against, moving as few of its handovers as it could; null when no plan was adopted',
    }),
  ),
  fewest_moves_proven: Nullable(
    Type.Boolean({
      description:
        'Once done against an adopted plan: true when no plan as good moves fewer handovers, false when that is not proven; null without an adopted plan or before the run is done',
    }),
  ),
};
/** A planning run; GET /api/plans/{id} adds what moved and, once done, the plan. */
export const PlanRunView = Type.Object({
  ...planRunFields,
  changes: Type.Optional(
    Nullable(
      Type.Array(MovedSite, {
        description:
          'Once done against an adopted plan: the sites whose agency or start differ from it (given with the plan, GET /api/plans/{id}); a reader with a scope gets each side only where it is in scope, null where not',
      }),
    ),
  ),
  plan: Type.Optional(Nullable(PlanDocument)),
  names: Type.Optional(
    Type.Object(
      {
        agencies: Type.Record(Type.String(), Type.String(), { description: 'Agency id → name' }),
        units: Type.Record(Type.String(), Type.String(), { description: 'Unit id → name' }),
        contingents: Type.Record(Type.String(), Type.String(), { description: 'Contingent id → nation' }),
      },
      {
        description:
          'GET /api/plans/{id}: the names of the agencies of the handovers and moves given, of the units guarding their sites or released, and of those units’ and the withdrawals’ contingents — for readers whose role cannot list these records; nothing outside the reader’s view',
      },
    ),
  ),
});
/** A plan version in the list (GET /api/plans): how many handovers moved, not which, and no plan. */
export const PlanVersionView = Type.Object({
  ...planRunFields,
  changes_count: Nullable(
    Type.Integer({
      minimum: 0,
      description:
        'Once done against an adopted plan: how many sites have another agency or start than in it (the length of `changes` in GET /api/plans/{id}, so for a reader with a scope, counted within it); null when no plan was adopted or before the run is done',
    }),
  ),
});

export const PlanRequestBody = Type.Object(
  {
    time_limit_s: Type.Optional(
      Type.Number({ minimum: 0.5, maximum: 600, description: 'Seconds the planner may use (default 10)' }),
    ),
    what_if: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
        maxItems: 50,
        description:
          "Changes to plan with, e.g. 'capacity police +100 from 2022-01-13', 'deadline 2022-01-18'",
      }),
    ),
  },
  closed,
);

export const PlanDiffView = Type.Object({
  withdrawal: Type.Object({
    before: Nullable(Type.String()),
    after: Nullable(Type.String()),
    days: Nullable(Type.Integer()),
  }),
  person_days: Type.Object({
    before: Nullable(Type.Number()),
    after: Nullable(Type.Number()),
    change: Nullable(Type.Number()),
  }),
  status: Type.Object({ before: Type.String(), after: Type.String() }),
  moved: Type.Array(MovedSite),
  contingents: Type.Array(
    Type.Object({
      contingent: Type.String(),
      before: Nullable(Type.String()),
      after: Nullable(Type.String()),
    }),
  ),
});
