import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AccountService,
  ADDRESS_FAILURES_ALLOWED,
  AuthError,
  DEMO_USERS,
  type Principal,
} from '../../src/service/accounts.ts';
import { ConflictError, InputError } from '../../src/service/errors.ts';
import { listAudit } from '../../src/store/audit.ts';
import type { Store } from '../../src/store/db.ts';
import { backends } from '../support/backends.ts';
import { accountsOn, ADMIN, hours, loadDemo, manualClock, minutes } from './support.ts';

const PASSWORD = 'steppe-wind-apple-42';

describe.each(backends)('accounts on $name', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let clock: ReturnType<typeof manualClock>;
  let accounts: AccountService;

  beforeEach(async () => {
    const opened = await backend.open();
    store = opened.store;
    cleanup = opened.cleanup;
    clock = manualClock();
    accounts = accountsOn(store, { clock: clock.now });
  });
  afterEach(() => cleanup());

  const makeUser = (username = 'aigerim', role = 'force_command', password = PASSWORD) =>
    accounts.createUser({ username, role, password }, ADMIN);
  const refusal = async (p: Promise<unknown>) => {
    const e = await p.then(
      () => null,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(AuthError);
    return e as AuthError;
  };

  it('creates accounts with unique names whatever their case, and validates scopes against the register', async () => {
    await loadDemo(store);
    await makeUser('Aigerim');
    await expect(makeUser('aigerim')).rejects.toBeInstanceOf(ConflictError);
    const unit = await accounts.createUser(
      { username: 'cmdr', role: 'unit_commander', scope: { kind: 'unit', id: 'arm-1' } },
      ADMIN,
    );
    expect(unit.generated).toBe(true);
    expect(unit.value).toMatchObject({ mustChangePassword: true, scope: { kind: 'unit', id: 'arm-1' } });
    await expect(
      accounts.createUser(
        { username: 'x1', role: 'unit_commander', scope: { kind: 'unit', id: 'nope' } },
        ADMIN,
      ),
    ).rejects.toThrow(/no unit "nope"/);
    await expect(
      accounts.createUser(
        { username: 'x2', role: 'agency_liaison', scope: { kind: 'unit', id: 'arm-1' } },
        ADMIN,
      ),
    ).rejects.toThrow(/scoped to an agency, not a unit/);
    await expect(accounts.createUser({ username: 'x3', role: 'general' }, ADMIN)).rejects.toBeInstanceOf(
      InputError,
    );
    await expect(makeUser('x4', 'observer', 'password1')).rejects.toThrow(/most common/);
    await expect(makeUser('bad name!', 'observer')).rejects.toThrow(/username/);
  });

  it('signs in with the right password only, and audits both without the password or hash', async () => {
    await makeUser();
    const { sessionId, principal } = await accounts.signIn('AIGERIM', PASSWORD, '10.0.0.1');
    expect(sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(principal.user.username).toBe('aigerim');
    expect((await accounts.resolveSession(sessionId))?.user.id).toBe(principal.user.id);
    expect((await refusal(accounts.signIn('aigerim', 'wrong-password-1', '10.0.0.1'))).status).toBe(401);
    const unknown = await refusal(accounts.signIn('nobody', PASSWORD, '10.0.0.1'));
    expect(unknown.message).toBe('The name or the password is wrong.');
    const audit = await listAudit(store.db, { entity: 'user' });
    expect(audit.map((a) => a.action)).toEqual([
      'user.create',
      'session.sign_in',
      'session.sign_in_failed',
      'session.sign_in_failed',
    ]);
    expect(audit[2]?.after).toMatchObject({ reason: 'wrong_password', address: '10.0.0.1' });
    expect(audit[3]?.after).toMatchObject({ reason: 'unknown_user' });
    const text = JSON.stringify(audit);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('wrong-password-1');
    expect(text).not.toContain('argon2');
  });

  it('throttles one address after 5 failures without locking the owner out from elsewhere', async () => {
    await makeUser();
    for (let i = 0; i < 5; i++)
      expect((await refusal(accounts.signIn('aigerim', `guess-number-${i}`, '203.0.113.9'))).status).toBe(
        401,
      );
    const blocked = await refusal(accounts.signIn('aigerim', PASSWORD, '203.0.113.9'));
    expect(blocked.status).toBe(429);
    expect(blocked.retryAfterSeconds).toBe(30);
    // The owner, from their own address, is not affected.
    await expect(accounts.signIn('aigerim', PASSWORD, '10.1.1.1')).resolves.toBeTruthy();
    // The wait grows with further failures after it, and ends.
    clock.advance(31_000);
    await refusal(accounts.signIn('aigerim', 'guess-number-6', '203.0.113.9'));
    expect((await refusal(accounts.signIn('aigerim', PASSWORD, '203.0.113.9'))).retryAfterSeconds).toBe(60);
    clock.advance(61_000);
    await expect(accounts.signIn('aigerim', PASSWORD, '203.0.113.9')).resolves.toBeTruthy();
  });

  it('makes one address that sprays many accounts wait, not the accounts', async () => {
    await makeUser();
    for (let i = 0; i < ADDRESS_FAILURES_ALLOWED; i++)
      await refusal(accounts.signIn(`user-${i}`, 'sprayed-password-1', '203.0.113.50'));
    expect((await refusal(accounts.signIn('aigerim', PASSWORD, '203.0.113.50'))).status).toBe(429);
    await expect(accounts.signIn('aigerim', PASSWORD, '10.9.9.9')).resolves.toBeTruthy();
  });

  it('ends a session after 30 idle minutes, and after 12 hours however busy', async () => {
    await makeUser();
    const { sessionId } = await accounts.signIn('aigerim', PASSWORD, '10.0.0.1');
    clock.advance(minutes(29));
    expect(await accounts.resolveSession(sessionId)).not.toBeNull();
    clock.advance(minutes(29)); // 29 min after the last use
    expect(await accounts.resolveSession(sessionId)).not.toBeNull();
    clock.advance(minutes(31));
    expect(await accounts.resolveSession(sessionId)).toBeNull();

    const busy = await accounts.signIn('aigerim', PASSWORD, '10.0.0.1');
    for (let t = 0; t < hours(12) - minutes(20); t += minutes(20)) {
      clock.advance(minutes(20));
      expect(await accounts.resolveSession(busy.sessionId), `after ${t / 60_000 + 20} min`).not.toBeNull();
    }
    clock.advance(minutes(20));
    expect(await accounts.resolveSession(busy.sessionId)).toBeNull();
  });

  it('ends sessions and tokens at once on disable, role change and password reset', async () => {
    await makeUser();
    await makeUser('second-admin', 'administrator');
    const session = async () => (await accounts.signIn('aigerim', PASSWORD, '10.0.0.1')).sessionId;
    const token = async () => {
      const { principal } = await accounts.signIn('aigerim', PASSWORD, '10.0.0.1');
      return (await accounts.createToken(principal, { name: 'sync' })).secret;
    };
    const [s1, t1] = [await session(), await token()];
    await accounts.setRole('aigerim', 'observer', null, ADMIN);
    expect(await accounts.resolveSession(s1)).toBeNull();
    expect(await accounts.resolveToken(t1)).toBeNull();
    const [s2, t2] = [await session(), await token()];
    expect((await accounts.resolveSession(s2))?.user.role).toBe('observer');
    await accounts.disableUser('aigerim', ADMIN);
    expect(await accounts.resolveSession(s2)).toBeNull();
    expect(await accounts.resolveToken(t2)).toBeNull();
    await expect(accounts.signIn('aigerim', PASSWORD, '10.0.0.2')).rejects.toBeInstanceOf(AuthError);
    await accounts.enableUser('aigerim', ADMIN);
    const s3 = await session();
    const reset = await accounts.resetPassword('aigerim', ADMIN);
    expect(await accounts.resolveSession(s3)).toBeNull();
    expect(
      (await accounts.signIn('aigerim', reset.secret, '10.0.0.1')).principal.user.mustChangePassword,
    ).toBe(true);
    const actions = (await listAudit(store.db, { entity: 'user', entityId: 'aigerim' })).map((a) => a.action);
    expect(actions).toEqual(
      expect.arrayContaining(['user.set_role', 'user.disable', 'user.enable', 'user.reset_password']),
    );
  });

  it('keeps one active administrator', async () => {
    await makeUser('root-admin', 'administrator');
    await expect(accounts.disableUser('root-admin', ADMIN)).rejects.toThrow(/no active administrator/);
    await expect(accounts.setRole('root-admin', 'observer', null, ADMIN)).rejects.toThrow(/administrator/);
  });

  it('changes its own password: policy, the current one required, other sessions end', async () => {
    await makeUser();
    const a = await accounts.signIn('aigerim', PASSWORD, '10.0.0.1');
    const b = await accounts.signIn('aigerim', PASSWORD, '10.0.0.2');
    await expect(
      accounts.changeOwnPassword(a.principal, 'not-it-at-all', 'river-stone-cloud-7'),
    ).rejects.toThrow(/current_password/);
    await expect(accounts.changeOwnPassword(a.principal, PASSWORD, 'qwerty123')).rejects.toThrow(
      /most common/,
    );
    await expect(accounts.changeOwnPassword(a.principal, PASSWORD, 'Aigerim2025')).rejects.toThrow(
      /account name/,
    );
    await accounts.changeOwnPassword(a.principal, PASSWORD, 'river-stone-cloud-7');
    expect(await accounts.resolveSession(a.sessionId)).not.toBeNull();
    expect(await accounts.resolveSession(b.sessionId)).toBeNull();
    await expect(accounts.signIn('aigerim', 'river-stone-cloud-7', '10.0.0.1')).resolves.toBeTruthy();
  });

  it('issues API tokens shown once, stored hashed, usable until revoked or expired', async () => {
    await makeUser();
    const { principal } = await accounts.signIn('aigerim', PASSWORD, '10.0.0.1');
    await expect(accounts.createToken(principal, { name: 'x', expiresInDays: 366 })).rejects.toThrow(
      /expires_in_days/,
    );
    const issued = await accounts.createToken(principal, { name: 'nightly export', expiresInDays: 7 });
    expect(issued.secret).toMatch(/^hov_[A-Za-z0-9_-]{43}$/);
    const { rows } = await store.db
      .withTables<{ api_tokens: { token_hash: string } }>()
      .selectFrom('api_tokens')
      .select('token_hash')
      .execute()
      .then((r) => ({ rows: r }));
    expect(rows[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(issued.secret.slice(4));
    const viaToken = await accounts.resolveToken(issued.secret);
    expect(viaToken).toMatchObject({ via: 'token', user: { username: 'aigerim', role: 'force_command' } });
    // A token cannot mint tokens or change the password.
    await expect(accounts.createToken(viaToken!, { name: 'y' })).rejects.toBeInstanceOf(AuthError);
    const tampered = issued.secret.slice(0, -1) + (issued.secret.endsWith('A') ? 'B' : 'A');
    expect(await accounts.resolveToken(tampered)).toBeNull();
    clock.advance(hours(24 * 7));
    expect(await accounts.resolveToken(issued.secret)).toBeNull();

    const second = await accounts.createToken(principal, { name: 'second' });
    expect(await accounts.resolveToken(second.secret)).not.toBeNull();
    await accounts.revokeToken(principal, second.value.id);
    expect(await accounts.resolveToken(second.secret)).toBeNull();
    const other = await makeUser('other');
    const otherPrincipal: Principal = { ...principal, user: other.value };
    await expect(accounts.revokeToken(otherPrincipal, issued.value.id)).rejects.toThrow(
      /no active API token/,
    );
    expect((await accounts.listTokens(principal)).map((t) => [t.name, t.revokedAt !== null])).toEqual([
      ['nightly export', false],
      ['second', true],
    ]);
    const audit = JSON.stringify(await listAudit(store.db, { entity: 'api_token' }));
    expect(audit).toContain('token.create');
    expect(audit).toContain('token.revoke');
    expect(audit).not.toContain(issued.secret);
  });

  it('creates the administrator on first start only, with a one-time password to change', async () => {
    const first = await accounts.ensureAdministrator({ ...ADMIN, name: 'first-start' });
    expect(first?.value).toMatchObject({
      username: 'admin',
      role: 'administrator',
      mustChangePassword: true,
    });
    expect(await accounts.ensureAdministrator({ ...ADMIN, name: 'first-start' })).toBeNull();
    const { principal } = await accounts.signIn('admin', first!.secret, '127.0.0.1');
    expect(principal.user.mustChangePassword).toBe(true);
    const changed = await accounts.changeOwnPassword(principal, first!.secret, 'tall-poplar-road-88');
    expect(changed.mustChangePassword).toBe(false);
  });

  it('creates one demo account per role, scoped to the demo operation, and renews them on reset', async () => {
    await loadDemo(store);
    const issued = await accounts.createDemoUsers(ADMIN);
    expect(new Set(issued.map((i) => i.value.role)).size).toBe(7);
    expect(issued.map((i) => [i.value.username, i.value.scope])).toEqual(
      DEMO_USERS.map((d) => [d.username, d.scope]),
    );
    for (const { value, secret } of issued)
      await expect(accounts.signIn(value.username, secret, '10.0.0.1')).resolves.toBeTruthy();
    const again = await accounts.createDemoUsers(ADMIN);
    await expect(accounts.signIn('observer', issued.at(-1)!.secret, '10.0.0.3')).rejects.toBeInstanceOf(
      AuthError,
    );
    await expect(accounts.signIn('observer', again.at(-1)!.secret, '10.0.0.3')).resolves.toBeTruthy();
  });

  it('upgrades a hash made with weaker parameters at the next sign-in (real parameters)', async () => {
    await makeUser();
    const strong = new AccountService(store, { clock: clock.now });
    const { principal } = await strong.signIn('aigerim', PASSWORD, '10.0.0.1');
    const row = await store.db
      .withTables<{ users: { username: string; password_hash: string } }>()
      .selectFrom('users')
      .select('password_hash')
      .where('username', '=', 'aigerim')
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(principal.user.version).toBe(1);
  });
});
