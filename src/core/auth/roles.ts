/**
 * The roles of issue 4 and the kind of register record each is scoped to. Declared once; the store, the
 * API schemas and the CLI derive their lists from these.
 */
export const ROLES = [
  'administrator',
  'force_command',
  'contingent_command',
  'unit_commander',
  'agency_liaison',
  'facility_operator',
  'observer',
] as const;
export type Role = (typeof ROLES)[number];

export const SCOPE_KINDS = ['contingent', 'unit', 'agency', 'site'] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];

/** What part of the register a role is bound to; `null` for roles that see the whole force. */
export const ROLE_SCOPE_KIND = {
  administrator: null,
  force_command: null,
  contingent_command: 'contingent',
  unit_commander: 'unit',
  agency_liaison: 'agency',
  facility_operator: 'site',
  observer: null,
} as const satisfies Record<Role, ScopeKind | null>;

export interface Scope {
  kind: ScopeKind;
  id: string;
}

export const isRole = (v: string): v is Role => (ROLES as readonly string[]).includes(v);

const article = (kind: ScopeKind) => `${kind === 'agency' ? 'an' : 'a'} ${kind}`;

/**
 * Checks that a scope fits a role: given exactly when the role has a scope kind, and of that kind.
 * Returns a message for the person who gave it, or null when it fits. Whether the record exists is the
 * store's question.
 */
export function scopeProblem(role: Role, scope: Scope | null): string | null {
  const kind = ROLE_SCOPE_KIND[role];
  if (kind === null) return scope === null ? null : `role ${role} covers the whole force and takes no scope`;
  if (scope === null) return `role ${role} needs ${article(kind)} to be scoped to`;
  if (scope.kind !== kind) return `role ${role} is scoped to ${article(kind)}, not ${article(scope.kind)}`;
  return null;
}
