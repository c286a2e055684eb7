import { isRole, ROLE_SCOPE_KIND, type Scope } from '../../core/auth/roles.ts';
import { AccountService, type Issued, type User } from '../../service/accounts.ts';
import type { Store } from '../../store/db.ts';
import { DEMO_ACTOR } from '../../service/service.ts';
import { actorFromEnv, withService } from '../context.ts';

type Json = { json?: boolean };

const withAccounts = <T>(fn: (accounts: AccountService) => Promise<T>) =>
  withService((svc) => fn(new AccountService(svc.store)));

/** The scope a role takes, from the record id given on the command line (the kind follows from the role). */
function scopeFor(role: string, id: string | undefined): Scope | null {
  if (id === undefined) return null;
  return { kind: (isRole(role) ? ROLE_SCOPE_KIND[role] : null) ?? 'contingent', id };
}

const userJson = (u: User) => ({
  id: u.id,
  username: u.username,
  display_name: u.displayName,
  role: u.role,
  scope: u.scope,
  disabled: u.disabled,
  must_change_password: u.mustChangePassword,
  created_at: u.createdAt,
});

const describeUser = (u: User) =>
  `${u.username} (${u.displayName}): ${u.role}${u.scope ? ` of ${u.scope.kind} ${u.scope.id}` : ''}` +
  `${u.disabled ? ', disabled' : ''}${u.mustChangePassword ? ', must change password' : ''}`;

function printIssued(issued: Issued<User>, o: Json, what: string) {
  if (o.json) console.log(JSON.stringify({ user: userJson(issued.value), password: issued.secret }));
  else {
    console.log(`${what}: ${describeUser(issued.value)}`);
    console.log(`One-time password (shown once, to be changed at first sign-in): ${issued.secret}`);
  }
}

export async function usersListCommand(o: Json): Promise<void> {
  const users = await withAccounts((a) => a.listUsers());
  if (o.json) console.log(JSON.stringify({ items: users.map(userJson) }));
  else if (users.length === 0) console.log('No accounts yet: `handover serve` creates the administrator.');
  else for (const u of users) console.log(describeUser(u));
}

export async function usersCreateCommand(
  username: string,
  o: Json & { role: string; scope?: string; displayName?: string },
): Promise<void> {
  const issued = await withAccounts((a) =>
    a.createUser(
      {
        username,
        role: o.role,
        scope: scopeFor(o.role, o.scope),
        ...(o.displayName !== undefined ? { displayName: o.displayName } : {}),
      },
      actorFromEnv(),
    ),
  );
  printIssued(issued, o, 'Created');
}

export async function usersDisableCommand(username: string, o: Json): Promise<void> {
  const u = await withAccounts((a) => a.disableUser(username, actorFromEnv()));
  if (o.json) console.log(JSON.stringify({ user: userJson(u) }));
  else console.log(`Disabled ${u.username}; their sessions and API tokens have ended.`);
}

export async function usersEnableCommand(username: string, o: Json): Promise<void> {
  const u = await withAccounts((a) => a.enableUser(username, actorFromEnv()));
  if (o.json) console.log(JSON.stringify({ user: userJson(u) }));
  else console.log(`Enabled ${u.username}.`);
}

export async function usersSetRoleCommand(
  username: string,
  role: string,
  o: Json & { scope?: string },
): Promise<void> {
  const u = await withAccounts((a) => a.setRole(username, role, scopeFor(role, o.scope), actorFromEnv()));
  if (o.json) console.log(JSON.stringify({ user: userJson(u) }));
  else console.log(`${describeUser(u)}; their sessions and API tokens have ended.`);
}

export async function usersResetPasswordCommand(username: string, o: Json): Promise<void> {
  const issued = await withAccounts((a) => a.resetPassword(username, actorFromEnv()));
  printIssued(issued, o, 'New one-time password for');
}

/** `handover demo`: one account per role for the demo operation; the passwords are printed once. */
export async function createDemoUsers(store: Store): Promise<void> {
  const issued = await new AccountService(store).createDemoUsers(actorFromEnv());
  console.log('Demo accounts (passwords shown once; `handover demo --reset` makes new ones):');
  for (const { value: u, secret } of issued)
    console.log(
      `  ${u.username.padEnd(16)} ${secret}  ${u.role}${u.scope ? ` of ${u.scope.kind} ${u.scope.id}` : ''}`,
    );
}

/** `handover serve` on first start: an administrator with a one-time password, printed once. */
export async function ensureAdministrator(store: Store): Promise<void> {
  const issued = await new AccountService(store).ensureAdministrator({ ...DEMO_ACTOR, name: 'first-start' });
  if (!issued) return;
  console.log(
    `No accounts yet: created the administrator "${issued.value.username}" with the one-time password\n\n    ${issued.secret}\n\n` +
      'It is shown only now; sign in and change it. `handover users reset-password admin` makes a new one.',
  );
}
