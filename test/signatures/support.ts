import type { Role, Scope } from '../../src/core/auth/roles.ts';
import { AccountService, actorOf, type User } from '../../src/service/accounts.ts';
import { DEMO_ACTOR, type Actor, type HandoverService } from '../../src/service/service.ts';
import { findUserByName, withoutHash } from '../../src/store/accounts.ts';
import type { Store } from '../../src/store/db.ts';

/** Light argon2id parameters so the suites stay fast (verification reads them from the hash). */
export const LIGHT_HASH = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
export const SIGNER_PASSWORD = 'correct horse battery staple 7';

/** An account of this role and scope (made once; later calls return it), as the service's actor. */
export async function accountFor(
  store: Store,
  username: string,
  role: Role,
  scope: Scope | null = null,
): Promise<{ user: User; actor: Actor }> {
  const existing = await findUserByName(store.db, username);
  const user = existing
    ? withoutHash(existing)
    : (
        await new AccountService(store, { hashParams: LIGHT_HASH }).createUser(
          { username, displayName: `Signer ${username}`, role, scope, password: SIGNER_PASSWORD },
          DEMO_ACTOR,
        )
      ).value;
  return { user, actor: actorOf(user) };
}

/**
 * The transfer of authority of a site in joint guard as the system now makes it: its unit's commander and its
 * agency's liaison each sign the version they read. For suites about something else that need a transferred
 * site; returns the site as transferred.
 */
export async function transferBySignatures(svc: HandoverService, id: string, input: { on?: string } = {}) {
  const site = await svc.getSite(id, DEMO_ACTOR);
  const outgoing = await accountFor(svc.store, `commander.${site.guardedBy}`, 'unit_commander', {
    kind: 'unit',
    id: site.guardedBy,
  });
  // The outgoing side first: a site not in joint guard is refused by the rules before a liaison is needed.
  await svc.signTransfer(id, { side: 'outgoing', version: site.version, ...input }, outgoing.actor);
  const agency = site.handover?.agencyId ?? '';
  const receiving = await accountFor(svc.store, `liaison.${agency}`, 'agency_liaison', {
    kind: 'agency',
    id: agency,
  });
  return svc.signTransfer(id, { side: 'receiving', version: site.version, ...input }, receiving.actor);
}
