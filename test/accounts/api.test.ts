import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/server/app.ts';
import type { AccountService } from '../../src/service/accounts.ts';
import { HandoverService } from '../../src/service/service.ts';
import { listAudit } from '../../src/store/audit.ts';
import type { Store } from '../../src/store/db.ts';
import { backends } from '../support/backends.ts';
import { accountsOn, ADMIN, loadDemo, manualClock, minutes } from './support.ts';

/** Sign-in over HTTP: cookies, CSRF, tokens and the one-time password, through `inject`. */

const PASSWORD = 'steppe-wind-apple-42';

interface SessionBody {
  user: { username: string; role: string };
  via: string;
  csrf_token: string | null;
  must_change_password: boolean;
}

describe.each(backends)('session API on $name', (backend) => {
  let app: App;
  let store: Store;
  let accounts: AccountService;
  let clock: ReturnType<typeof manualClock>;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const opened = await backend.open();
    store = opened.store;
    cleanup = opened.cleanup;
    clock = manualClock();
    accounts = accountsOn(store, { clock: clock.now });
    app = await buildApp({
      service: new HandoverService(store),
      accounts,
      trustProxy: true,
      security: { rateLimitPerMinute: 0 },
    });
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  const signIn = async (username = 'aigerim', password = PASSWORD, headers: Record<string, string> = {}) => {
    const r = await app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { username, password },
      headers,
    });
    const setCookie = String(r.headers['set-cookie'] ?? '');
    const cookie = setCookie.split(';')[0] ?? '';
    return { r, setCookie, cookie, body: r.json<SessionBody>() };
  };
  const createUser = (username = 'aigerim', role = 'force_command') =>
    accounts.createUser({ username, role, password: PASSWORD }, ADMIN);

  it('signs in with a cookie that is HttpOnly, SameSite=Strict, Path=/, and Secure only over TLS', async () => {
    await createUser();
    const { r, setCookie, body } = await signIn();
    expect(r.statusCode).toBe(200);
    expect(body).toMatchObject({ user: { username: 'aigerim', role: 'force_command' }, via: 'session' });
    expect(body.csrf_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(setCookie).toMatch(/^handover_session=[A-Za-z0-9_-]{43}; /);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).toContain(`Max-Age=${12 * 3600}`);
    expect(setCookie).not.toContain('Secure');
    expect((await signIn('aigerim', PASSWORD, { 'x-forwarded-proto': 'https' })).setCookie).toContain(
      '; Secure',
    );
    const wrong = await signIn('aigerim', 'not-the-password');
    expect(wrong.r.statusCode).toBe(401);
    expect(wrong.r.json()).toMatchObject({ error: 'invalid_credentials' });
    expect(wrong.r.headers['set-cookie']).toBeUndefined();
  });

  it('answers who is signed in, 401 when nobody is, and ends the session on sign-out', async () => {
    await createUser();
    expect((await app.inject({ method: 'GET', url: '/api/session' })).statusCode).toBe(401);
    const { cookie, body } = await signIn();
    const me = await app.inject({ method: 'GET', url: '/api/session', headers: { cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.json<SessionBody>().csrf_token).toBe(body.csrf_token);
    const out = await app.inject({
      method: 'DELETE',
      url: '/api/session',
      headers: { cookie, 'x-csrf-token': body.csrf_token! },
    });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await app.inject({ method: 'GET', url: '/api/session', headers: { cookie } })).statusCode).toBe(
      401,
    );
    expect((await listAudit(store.db, { entity: 'user' })).map((a) => a.action)).toContain(
      'session.sign_out',
    );
  });

  it('replaces the browser’s previous session when it signs in again', async () => {
    await createUser();
    const first = await signIn();
    const second = await signIn('aigerim', PASSWORD, { cookie: first.cookie });
    expect(second.r.statusCode).toBe(200);
    const me = (cookie: string) => app.inject({ method: 'GET', url: '/api/session', headers: { cookie } });
    expect((await me(first.cookie)).statusCode).toBe(401);
    expect((await me(second.cookie)).statusCode).toBe(200);
  });

  it('refuses cookie-authenticated writes without the session’s CSRF token', async () => {
    await createUser();
    const { cookie, body } = await signIn();
    const other = await signIn();
    const change = (headers: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url: '/api/session/password',
        headers: { cookie, ...headers },
        payload: { current_password: PASSWORD, new_password: 'river-stone-cloud-7' },
      });
    const attempts: Record<string, string>[] = [
      {},
      { 'x-csrf-token': 'forged' },
      { 'x-csrf-token': other.body.csrf_token! },
    ];
    for (const headers of attempts) {
      const r = await change(headers);
      expect(r.statusCode, JSON.stringify(headers)).toBe(403);
      expect(r.json()).toMatchObject({ error: 'csrf' });
    }
    expect((await change({ 'x-csrf-token': body.csrf_token! })).statusCode).toBe(200);
    // The other session ended with the password change.
    expect(
      (await app.inject({ method: 'GET', url: '/api/session', headers: { cookie: other.cookie } }))
        .statusCode,
    ).toBe(401);
  });

  it('holds a one-time password user to changing it before anything else', async () => {
    const admin = await accounts.ensureAdministrator({ ...ADMIN, name: 'first-start' });
    const { cookie, body } = await signIn('admin', admin!.secret);
    expect(body.must_change_password).toBe(true);
    const headers = { cookie, 'x-csrf-token': body.csrf_token! };
    const token = () =>
      app.inject({ method: 'POST', url: '/api/session/tokens', headers, payload: { name: 'ci' } });
    expect((await token()).statusCode).toBe(403);
    expect((await token()).json()).toMatchObject({ error: 'password_change_required' });
    const changed = await app.inject({
      method: 'POST',
      url: '/api/session/password',
      headers,
      payload: { current_password: admin!.secret, new_password: 'admin' },
    });
    expect(changed.statusCode).toBe(400);
    const ok = await app.inject({
      method: 'POST',
      url: '/api/session/password',
      headers,
      payload: { current_password: admin!.secret, new_password: 'tall-poplar-road-88' },
    });
    expect(ok.json<SessionBody>().must_change_password).toBe(false);
    expect((await token()).statusCode).toBe(201);
  });

  it('creates, uses, lists and revokes API tokens; an expired or revoked one gets 401', async () => {
    await createUser();
    const { cookie, body } = await signIn();
    const headers = { cookie, 'x-csrf-token': body.csrf_token! };
    const created = await app.inject({
      method: 'POST',
      url: '/api/session/tokens',
      headers,
      payload: { name: 'nightly export', expires_in_days: 30 },
    });
    expect(created.statusCode).toBe(201);
    const { id, token } = created.json<{ id: string; token: string }>();
    const bearer = { authorization: `Bearer ${token}` };
    const me = await app.inject({ method: 'GET', url: '/api/session', headers: bearer });
    expect(me.json<SessionBody>()).toMatchObject({
      via: 'token',
      csrf_token: null,
      user: { username: 'aigerim' },
    });
    const list = await app.inject({ method: 'GET', url: '/api/session/tokens', headers: bearer });
    expect(JSON.stringify(list.json())).not.toContain(token);
    // With a token there is no cookie to forge a request with: no CSRF token needed, but no new tokens either.
    const minted = await app.inject({
      method: 'POST',
      url: '/api/session/tokens',
      headers: bearer,
      payload: { name: 'x' },
    });
    expect(minted.statusCode).toBe(403);
    const tooLong = await app.inject({
      method: 'POST',
      url: '/api/session/tokens',
      headers,
      payload: { name: 'x', expires_in_days: 400 },
    });
    expect(tooLong.statusCode).toBe(400);
    clock.advance(minutes(60 * 24 * 30));
    expect((await app.inject({ method: 'GET', url: '/api/session', headers: bearer })).statusCode).toBe(401);

    const again = await signIn();
    const h2 = { cookie: again.cookie, 'x-csrf-token': again.body.csrf_token! };
    const second = (
      await app.inject({ method: 'POST', url: '/api/session/tokens', headers: h2, payload: { name: 'two' } })
    ).json<{ id: string; token: string }>();
    const b2 = { authorization: `Bearer ${second.token}` };
    expect((await app.inject({ method: 'GET', url: '/api/session', headers: b2 })).statusCode).toBe(200);
    const revoked = await app.inject({
      method: 'DELETE',
      url: `/api/session/tokens/${second.id}`,
      headers: h2,
    });
    expect(revoked.statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: '/api/session', headers: b2 })).statusCode).toBe(401);
    expect(
      (await app.inject({ method: 'DELETE', url: `/api/session/tokens/${id}-nope`, headers: h2 })).statusCode,
    ).toBe(404);
  });

  it('gives the old session 401 at once after a disable or a role change', async () => {
    await createUser();
    await createUser('other-admin', 'administrator');
    const first = await signIn();
    await accounts.setRole('aigerim', 'observer', null, ADMIN);
    expect(
      (await app.inject({ method: 'GET', url: '/api/session', headers: { cookie: first.cookie } }))
        .statusCode,
    ).toBe(401);
    const second = await signIn();
    await accounts.disableUser('aigerim', ADMIN);
    expect(
      (await app.inject({ method: 'GET', url: '/api/session', headers: { cookie: second.cookie } }))
        .statusCode,
    ).toBe(401);
    expect((await signIn()).r.statusCode).toBe(401);
  });

  it('throttles an address with 429 and Retry-After, while the owner signs in from another', async () => {
    await createUser();
    const from = (ip: string, password: string) =>
      app.inject({
        method: 'POST',
        url: '/api/session',
        payload: { username: 'aigerim', password },
        remoteAddress: ip,
      });
    for (let i = 0; i < 5; i++) expect((await from('198.51.100.7', `nope-${i}-nope`)).statusCode).toBe(401);
    const blocked = await from('198.51.100.7', PASSWORD);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBe('30');
    expect((await from('192.0.2.44', PASSWORD)).statusCode).toBe(200);
  });

  it('closes the register to anyone not signed in, and documents its own routes', async () => {
    await loadDemo(store);
    expect((await app.inject({ method: 'GET', url: '/api/sites' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
    const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json<{
      paths: Record<string, Record<string, { operationId?: string }>>;
    }>();
    expect(doc.paths['/api/session']?.['post']?.operationId).toBe('signIn');
    expect(doc.paths['/api/session/tokens/{id}']?.['delete']?.operationId).toBe('revokeApiToken');
  });
});
