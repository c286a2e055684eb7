import type { Static } from '@sinclair/typebox';
import type { Role, Scope } from '../../../src/core/auth/roles.ts';
import type {
  AgencyView as AgencySchema,
  OperationView as OperationSchema,
  SiteView as SiteSchema,
} from '../../../src/server/schemas.ts';

/**
 * The API's shapes, typed from the server's own TypeBox schemas (one source of truth); only what the
 * contracts add before the server declares it is written out here.
 */
export type { Role, Scope };
export type {
  SiteState,
  Sector,
  HandoverState,
  IncidentKind,
  Indicator,
  IndicatorLevel,
} from '../../../src/core/vocabulary.ts';
export { SITE_STATES, SECTORS } from '../../../src/core/vocabulary.ts';

/** What a user may do now on a site (contracts.md): the app offers exactly these. */
export const SITE_ACTIONS = [
  'edit',
  'plan_handover',
  'start_joint_guard',
  'sign_outgoing',
  'sign_receiving',
  'call_off',
  'record_output',
] as const;
export type SiteAction = (typeof SITE_ACTIONS)[number];

export interface Signature {
  side: 'outgoing' | 'receiving';
  username: string;
  display_name: string;
  signed_at: string;
  version: number;
}

type SiteBase = Static<typeof SiteSchema>;
export type Site = Omit<SiteBase, 'handover'> & {
  actions?: SiteAction[];
  /** The guarding unit by name, its contingent and nation (given to every reader of the site). */
  guard?: { unit_name: string; contingent: string; nation: string };
  handover?: NonNullable<SiteBase['handover']> & { signatures?: Signature[] };
};
export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}
export type Operation = Static<typeof OperationSchema>;
export type Agency = Static<typeof AgencySchema>;

export interface User {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  scope: Scope | null;
  disabled: boolean;
  must_change_password: boolean;
}
export interface SessionView {
  user: User;
  via: 'session' | 'token';
  csrf_token: string | null;
  must_change_password: boolean;
  expires_at: string;
}

/** One committed change, as GET /api/events sends it. */
export interface Change {
  entity: string;
  id: string;
  action: string;
}
