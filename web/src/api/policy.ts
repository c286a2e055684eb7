import { POLICY, type Action } from '../../../src/core/auth/policy.ts';
import type { Role } from './types.ts';

/**
 * Whether a role may ever take an action (the server's own policy table), so the app does not ask for
 * what it would be refused, e.g. the audit log for a unit commander. Scope still decides per record: the
 * server's answer (and site.actions) is the last word.
 */
export function roleMay(role: Role | null, action: Action): boolean {
  return role !== null && (POLICY[action].roles as readonly Role[]).includes(role);
}
