import type { Role, Scope } from '../../src/core/auth/roles.ts';
import type { App } from '../../src/server/app.ts';
import { AccountService } from '../../src/service/accounts.ts';
import { DEMO_ACTOR } from '../../src/service/service.ts';
import type { Store } from '../../src/store/db.ts';

/** Light argon2id parameters so the suites stay fast (verification reads them from the hash). */
const LIGHT = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
export const TEST_PASSWORD = 'correct horse battery staple 7';

export interface TestUser {
  username: string;
  role: Role;
  scope?: Scope | null;
}

/**
 * Creates a user and an API token for them, and returns the header that authenticates as them. Tokens
 * are made on the real clock, as the app's account service checks them on it.
 */
export async function tokenFor(store: Store, user: TestUser): Promise<{ authorization: string }> {
  const accounts = new AccountService(store, { hashParams: LIGHT });
  await accounts.createUser(
    { username: user.username, role: user.role, scope: user.scope ?? null, password: TEST_PASSWORD },
    DEMO_ACTOR,
  );
  const { principal } = await accounts.signIn(user.username, TEST_PASSWORD, '127.0.0.1');
  const token = await accounts.createToken(principal, { name: 'test' });
  return { authorization: `Bearer ${token.secret}` };
}

/**
 * Makes every `inject` of this app carry the header (requests that set their own authorization keep it).
 * For suites about something other than access control, which act as one signed-in user throughout.
 */
export function injectAs(app: App, headers: Record<string, string>): void {
  const raw = app.inject.bind(app) as (o: unknown) => unknown;
  (app as unknown as { inject: (o: unknown) => unknown }).inject = (o: unknown) =>
    raw(
      typeof o === 'string'
        ? { url: o, headers }
        : { ...(o as object), headers: { ...headers, ...((o as { headers?: object }).headers ?? {}) } },
    );
}

/** An administrator signed in for every request of this app; returns their username. */
export async function signInAsAdministrator(app: App, store: Store, username = 'aigerim.admin') {
  injectAs(app, await tokenFor(store, { username, role: 'administrator' }));
  return username;
}
