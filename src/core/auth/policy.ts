import type { Role, Scope } from './roles.ts';
import { ROLES } from './roles.ts';

/**
 * Who may do what, and on which records: the one policy table. The service asks it before every read and
 * write, so the API, the CLI and the web app cannot differ. Two questions are kept apart:
 *
 * - whether a record is *visible* to someone (their scope): out-of-scope records are treated as absent —
 *   404 and missing from lists and exports, never "forbidden", so their existence does not leak;
 * - whether a visible record may be *acted on* by their role: if not, the answer is "forbidden" (403) with
 *   the reason.
 */

/** What the service is asked to do. Every use case and every route names exactly one. */
export const ACTIONS = [
  'operation.read',
  'status.read',
  'scenario.export',
  'scenario.import',
  'site.read',
  'site.create',
  'site.update',
  'handover.plan',
  'handover.start_joint_guard',
  'handover.sign',
  'handover.call_off',
  'handover.act',
  'force.read',
  'unit.release',
  'contingent.withdraw',
  'agency.read',
  'agency.set_capacity',
  'incident.read',
  'incident.record',
  'situation.read',
  'situation.record',
  'facility_output.read',
  'facility_output.record',
  'plan.read',
  'plan.run',
  'plan.adopt',
  'audit.read',
  'events.read',
] as const;
export type Action = (typeof ACTIONS)[number];

/** The records a scope can reach, as the service loads them before asking. */
export interface SiteFacts {
  kind: 'site';
  id: string;
  unit: string;
  contingent: string;
  /** The agency of the site's handover (planned, under way or done), else null. */
  agency: string | null;
}
export interface UnitFacts {
  kind: 'unit';
  id: string;
  contingent: string;
}
export interface ContingentFacts {
  kind: 'contingent';
  id: string;
}
export interface AgencyFacts {
  kind: 'agency';
  id: string;
}
/** A record that belongs to the whole operation (city indicators, restrictions, plans, the audit log). */
export interface OperationFacts {
  kind: 'operation';
}
export type Facts = SiteFacts | UnitFacts | ContingentFacts | AgencyFacts | OperationFacts;

export interface Who {
  role: Role;
  scope: Scope | null;
}

const WHOLE_FORCE: readonly Role[] = ['administrator', 'force_command', 'observer'];
const COMMAND: readonly Role[] = ['administrator', 'force_command', 'contingent_command', 'unit_commander'];
const EVERYONE: readonly Role[] = ROLES;

/**
 * The policy table: for each action, the roles that may take it on a record they can see. Scope (which
 * records) is decided by `visible` below, the same for every action. Read it as the written policy; the
 * authorization-matrix test compares every route against it.
 */
export const POLICY = {
  'operation.read': { roles: EVERYONE, why: 'the operation’s name, dates and area are shared by both sides' },
  'status.read': { roles: EVERYONE, why: 'counts are computed over the records the reader can see' },
  'scenario.export': { roles: WHOLE_FORCE, why: 'an export is the whole operation' },
  'scenario.import': { roles: ['administrator'], why: 'an import replaces the whole operation' },
  'site.read': { roles: EVERYONE, why: 'each role reads the sites of its scope' },
  'site.create': {
    roles: COMMAND,
    why: 'the force takes sites under protection with its units',
  },
  'site.update': {
    roles: [...COMMAND, 'facility_operator'],
    why: 'commanders keep the register; an operator keeps its site’s operator and output details (see FIELD_RULES)',
  },
  'handover.plan': { roles: COMMAND, why: 'the outgoing side plans its handovers' },
  'handover.start_joint_guard': {
    roles: [...COMMAND, 'agency_liaison'],
    why: 'joint guard starts when the receiving agency’s guards arrive; either side records it',
  },
  'handover.sign': {
    roles: ['force_command', 'contingent_command', 'unit_commander', 'agency_liaison'],
    why: 'the outgoing command and the receiving liaison sign; which side each may sign is the signature rule',
  },
  'handover.call_off': {
    roles: [...COMMAND, 'agency_liaison'],
    why: 'either side may call off a handover that has not been transferred',
  },
  'handover.act': { roles: EVERYONE, why: 'the act of a transferred site is read by whoever sees the site' },
  'force.read': {
    roles: ['administrator', 'force_command', 'observer', 'contingent_command', 'unit_commander'],
    why: 'units and contingents are the force’s records',
  },
  'unit.release': {
    roles: ['administrator', 'force_command', 'contingent_command'],
    why: 'a contingent’s command releases its units',
  },
  'contingent.withdraw': {
    roles: ['administrator', 'force_command'],
    why: 'the force command withdraws a contingent',
  },
  'agency.read': {
    roles: [
      'administrator',
      'force_command',
      'observer',
      'contingent_command',
      'unit_commander',
      'agency_liaison',
    ],
    why: 'the outgoing side plans against the agencies; a liaison sees its own',
  },
  'agency.set_capacity': {
    roles: ['administrator', 'agency_liaison'],
    why: 'an agency declares its own capacity',
  },
  'incident.read': { roles: EVERYONE, why: 'incidents at visible sites, and those not tied to a site' },
  'incident.record': {
    roles: [...COMMAND, 'agency_liaison', 'facility_operator'],
    why: 'whoever is on the ground reports; at a site only within one’s scope',
  },
  'situation.read': { roles: EVERYONE, why: 'the city’s indicators and restrictions are public facts' },
  'situation.record': {
    roles: ['administrator', 'force_command', 'agency_liaison'],
    why: 'staff of either side report the city’s situation',
  },
  'facility_output.read': { roles: EVERYONE, why: 'output of the sites one can see' },
  'facility_output.record': {
    roles: [...COMMAND, 'facility_operator'],
    why: 'the operator reports its output; the guarding command may too',
  },
  'plan.read': {
    roles: EVERYONE,
    why: 'a plan covers the whole operation; a reader with a scope sees the part of each plan in it (plan-scope.ts)',
  },
  'plan.run': { roles: ['administrator', 'force_command'], why: 'the force command plans the handover' },
  'plan.adopt': { roles: ['administrator', 'force_command'], why: 'adopting a plan plans every handover' },
  'audit.read': { roles: WHOLE_FORCE, why: 'the log names records of every scope' },
  'events.read': { roles: EVERYONE, why: 'live updates, filtered to the records one can see' },
} as const satisfies Record<Action, { roles: readonly Role[]; why: string }>;

/**
 * Field-level rules for `site.update`: the fields a role may change. Roles not listed may change every field
 * the action allows them.
 */
export const FIELD_RULES: Partial<Record<Role, readonly string[]>> = {
  facility_operator: ['operator', 'essential_output'],
};

/** Whether a record is in someone's scope. Whole-force roles see everything. */
export function visible(who: Who, facts: Facts): boolean {
  const scope = who.scope;
  if (facts.kind === 'operation' || scope === null) return true;
  switch (facts.kind) {
    case 'site':
      return (
        (scope.kind === 'contingent' && facts.contingent === scope.id) ||
        (scope.kind === 'unit' && facts.unit === scope.id) ||
        (scope.kind === 'agency' && facts.agency === scope.id) ||
        (scope.kind === 'site' && facts.id === scope.id)
      );
    case 'unit':
      return (
        (scope.kind === 'contingent' && facts.contingent === scope.id) ||
        (scope.kind === 'unit' && facts.id === scope.id)
      );
    case 'contingent':
      return scope.kind === 'contingent' && facts.id === scope.id;
    case 'agency':
      // The outgoing side plans handovers to any agency; a liaison sees only its own.
      return scope.kind === 'agency' ? facts.id === scope.id : scope.kind !== 'site';
  }
}

export type Decision =
  { outcome: 'allowed' } | { outcome: 'hidden' } | { outcome: 'forbidden'; reason: string };

const ROLE_NAMES: Record<Role, string> = {
  administrator: 'an administrator',
  force_command: 'the force command',
  contingent_command: 'a contingent command',
  unit_commander: 'a unit commander',
  agency_liaison: 'an agency liaison',
  facility_operator: 'a facility operator',
  observer: 'an observer',
};

/**
 * The decision for one action on one record: hidden when the record is out of scope (or the role may not
 * read that kind of record at all), forbidden when visible but the role may not take the action.
 */
export function decide(who: Who, action: Action, facts: Facts): Decision {
  if (!canSee(who, facts)) return { outcome: 'hidden' };
  const rule: { roles: readonly Role[]; why: string } = POLICY[action];
  if (rule.roles.includes(who.role)) return { outcome: 'allowed' };
  return {
    outcome: 'forbidden',
    reason: `${ROLE_NAMES[who.role]} may not ${describe(action)} (${rule.why}).`,
  };
}

/** The fields of a site patch that `who` may not change, or none. */
export function forbiddenFields(who: Who, fields: readonly string[]): string[] {
  const allowed = FIELD_RULES[who.role];
  return allowed ? fields.filter((f) => !allowed.includes(f)) : [];
}

/** The record kinds a role may read at all: a kind not readable is hidden, as if absent. */
export const READ_ACTION = {
  site: 'site.read',
  unit: 'force.read',
  contingent: 'force.read',
  agency: 'agency.read',
  operation: 'operation.read',
} as const satisfies Record<Facts['kind'], Action>;

/** Whether `who` may see this record at all: in scope, and of a kind their role reads. */
export function canSee(who: Who, facts: Facts): boolean {
  return visible(who, facts) && (POLICY[READ_ACTION[facts.kind]].roles as readonly Role[]).includes(who.role);
}

function describe(action: Action): string {
  const [what, verb] = action.split('.') as [string, string];
  return `${verb.replace(/_/g, ' ')} (${what.replace(/_/g, ' ')})`;
}

/** What the web app and API clients may offer a user on a site, now. */
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

/**
 * The actions `who` may take on a site in its present state: the policy's role rules combined with the
 * lifecycle's legal transitions (the rules that depend on other records — capacity, gates — are checked
 * when the action is taken). `maySign` answers the signature rule for each side.
 */
export function siteActions(
  who: Who,
  site: { state: 'protected' | 'joint_guard' | 'transferred'; hasHandover: boolean },
  facts: SiteFacts,
  maySign: (side: 'outgoing' | 'receiving') => boolean,
): SiteAction[] {
  const may = (a: Action) => decide(who, a, facts).outcome === 'allowed';
  const out: SiteAction[] = [];
  if (may('site.update')) out.push('edit');
  if (site.state === 'protected' && may('handover.plan')) out.push('plan_handover');
  if (site.state === 'protected' && may('handover.start_joint_guard')) out.push('start_joint_guard');
  if (site.state === 'joint_guard' && may('handover.sign')) {
    if (maySign('outgoing')) out.push('sign_outgoing');
    if (maySign('receiving')) out.push('sign_receiving');
  }
  if (site.state !== 'transferred' && site.hasHandover && may('handover.call_off')) out.push('call_off');
  if (may('facility_output.record')) out.push('record_output');
  return out;
}
