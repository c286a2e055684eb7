import type { Static } from '@sinclair/typebox';
import type {
  AgencyView,
  ContingentView,
  OperationView,
  PlanDiffView,
  PlanDocument,
  PlanRunView,
  PlanVersionView,
  SiteView,
  UnitView,
} from '../../../../src/server/schemas.ts';

/** The API's shapes, typed from the server's own schemas (one source of truth; erased at build time). */
export type PlanDoc = Static<typeof PlanDocument>;
export type PlanRun = Static<typeof PlanRunView>;
/** A plan version as the list gives it (GET /api/plans): how many handovers moved, and no plan. */
export type PlanVersion = Static<typeof PlanVersionView>;
export type PlanDiff = Static<typeof PlanDiffView>;
export type AgencyRow = Static<typeof AgencyView>;
export type UnitRow = Static<typeof UnitView>;
export type ContingentRow = Static<typeof ContingentView>;
export type SiteRow = Static<typeof SiteView>;
export type Operation = Static<typeof OperationView>;
