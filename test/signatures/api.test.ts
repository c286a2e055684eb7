import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Role, Scope } from '../../src/core/auth/roles.ts';
import { loadHandoverAct, renderHandoverActPdf } from '../../src/server/act-pdf.ts';
import { buildApp, type App } from '../../src/server/app.ts';
import { AccountService } from '../../src/service/accounts.ts';
import { DEMO_ACTOR, HandoverService } from '../../src/service/service.ts';
import { backends } from '../support/backends.ts';
import { demoScenario } from '../support/scenarios.ts';
import { LIGHT_HASH, SIGNER_PASSWORD } from './support.ts';

/**
 * POST /api/sites/:id/signatures: each side signs with its password entered again; the second signature of
 * the same version transfers the site; a change in between voids what was signed.
 */

const NOW = new Date('2022-01-14T06:00:00Z');
const SITE = 'aksai-bakery'; // guarded by arm-1 of the Armenian contingent
interface SiteBody {
  state: string;
  version: number;
  actions: string[];
  handover?: {
    state: string;
    transfer?: string;
    signatures?: { side: string; username: string; display_name: string; version: number }[];
  };
}

describe.each(backends)('signatures through the API on $name', (backend) => {
  let app: App;
  let svc: HandoverService;
  let accounts: AccountService;
  let cleanup: () => Promise<void>;

  /** An account and the bearer header of a fresh API token of theirs. */
  const person = async (username: string, role: Role, scope: Scope | null = null) => {
    await accounts.createUser(
      { username, displayName: `${username} (display)`, role, scope, password: SIGNER_PASSWORD },
      DEMO_ACTOR,
    );
    return headerOf(username);
  };
  const headerOf = async (username: string) => {
    const { principal } = await accounts.signIn(username, SIGNER_PASSWORD, '10.0.0.1');
    const token = await accounts.createToken(principal, { name: 'test' });
    return { authorization: `Bearer ${token.secret}` };
  };
  const sign = (
    headers: Record<string, string>,
    body: { side: string; version: number; password?: string; on?: string },
    site = SITE,
  ) =>
    app.inject({
      method: 'POST',
      url: `/api/sites/${site}/signatures`,
      headers,
      payload: { password: SIGNER_PASSWORD, ...body },
    });
  const read = async (headers: Record<string, string>) =>
    (await app.inject({ url: `/api/sites/${SITE}`, headers })).json<SiteBody>();

  let commander: Record<string, string>;
  let liaison: Record<string, string>;
  let version: number;

  beforeEach(async () => {
    const opened = await backend.open();
    cleanup = opened.cleanup;
    svc = new HandoverService(opened.store, () => NOW);
    accounts = new AccountService(opened.store, { hashParams: LIGHT_HASH });
    app = await buildApp({ service: svc, security: { rateLimitPerMinute: 0 } });
    await svc.importScenario(demoScenario(), DEMO_ACTOR);
    version = (await svc.startJointGuard(SITE, { agency: 'national-guard', on: '2022-01-12' }, DEMO_ACTOR))
      .version;
    commander = await person('arm-1.cdr', 'unit_commander', { kind: 'unit', id: 'arm-1' });
    liaison = await person('ng.liaison', 'agency_liaison', { kind: 'agency', id: 'national-guard' });
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  it('offers each side its signature, refuses a wrong password with 403, and signs with the right one', async () => {
    expect((await read(commander)).actions).toContain('sign_outgoing');
    expect((await read(liaison)).actions).toContain('sign_receiving');
    expect((await read(liaison)).actions).not.toContain('sign_outgoing');

    const wrong = await sign(commander, { side: 'outgoing', version, password: 'not my password at all' });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json()).toMatchObject({ error: 'password_incorrect' });
    expect((await read(commander)).handover?.signatures).toEqual([]);
    const refused = await svc.listAudit({ entity: 'user', entityId: 'arm-1.cdr' }, DEMO_ACTOR);
    expect(refused.map((e) => e.action)).toContain('session.password_confirm_failed');

    const signed = await sign(commander, { side: 'outgoing', version });
    expect(signed.statusCode, signed.body).toBe(200);
    expect(signed.json<SiteBody>()).toMatchObject({
      state: 'joint_guard',
      version, // a signature changes nothing of the record: the other side signs the same version
      handover: {
        signatures: [
          { side: 'outgoing', username: 'arm-1.cdr', display_name: 'arm-1.cdr (display)', version },
        ],
      },
    });
  });

  it('transfers the site with the second side, and the act names both signatories', async () => {
    expect((await sign(commander, { side: 'outgoing', version, on: '2022-01-14' })).statusCode).toBe(200);
    const done = await sign(liaison, { side: 'receiving', version, on: '2022-01-14' });
    expect(done.statusCode, done.body).toBe(200);
    const site = done.json<SiteBody>();
    expect(site).toMatchObject({
      state: 'transferred',
      version: version + 1,
      handover: { state: 'transferred', transfer: '2022-01-14' },
    });
    expect(site.handover?.signatures?.map((s) => [s.side, s.username, s.version])).toEqual([
      ['outgoing', 'arm-1.cdr', version],
      ['receiving', 'ng.liaison', version],
    ]);
    const audit = await svc.listAudit({ entity: 'site', entityId: SITE }, DEMO_ACTOR);
    expect(audit.map((e) => [e.action, e.actor])).toEqual([
      ['site.start_joint_guard', DEMO_ACTOR.name],
      ['site.sign_transfer', 'arm-1.cdr'],
      ['site.sign_transfer', 'ng.liaison'],
      ['site.transfer', 'ng.liaison'],
    ]);

    for (const lang of ['en', 'ru'] as const) {
      const act = await loadHandoverAct(svc, SITE, DEMO_ACTOR, { lang, now: NOW });
      expect(act.signatures.blocks.map((b) => b.signed)).toEqual([
        expect.stringContaining('arm-1.cdr (display) (arm-1.cdr)'),
        expect.stringContaining('ng.liaison (display) (ng.liaison)'),
      ]);
      expect((await renderHandoverActPdf(act)).subarray(0, 5).toString()).toBe('%PDF-');
    }
    expect((await loadHandoverAct(svc, SITE, DEMO_ACTOR, { lang: 'en', now: NOW })).records.note).toMatch(
      /Both parties signed the same version/,
    );
  });

  it('refuses the wrong side, people who sign for neither, and one person on both sides', async () => {
    const wrongSide = await sign(commander, { side: 'receiving', version });
    expect(wrongSide.statusCode).toBe(409);
    expect(wrongSide.json()).toMatchObject({ error: 'rule_violation', rule: 'signer-side' });
    for (const [name, role] of [
      ['root', 'administrator'],
      ['watcher', 'observer'],
    ] as const) {
      const r = await sign(await person(name, role), { side: 'outgoing', version });
      expect(r.statusCode, name).toBe(403);
      expect(r.json()).toMatchObject({ error: 'forbidden' });
    }
    // Out of scope: another unit's commander does not see the site at all.
    const stranger = await sign(await person('kgz.cdr', 'unit_commander', { kind: 'unit', id: 'kgz-1' }), {
      side: 'outgoing',
      version,
    });
    expect(stranger.statusCode).toBe(404);

    // The commander signs, is then made the agency's liaison, and tries the other side of the same version.
    expect((await sign(commander, { side: 'outgoing', version })).statusCode).toBe(200);
    await accounts.setRole(
      'arm-1.cdr',
      'agency_liaison',
      { kind: 'agency', id: 'national-guard' },
      DEMO_ACTOR,
    );
    const both = await sign(await headerOf('arm-1.cdr'), { side: 'receiving', version });
    expect(both.statusCode).toBe(409);
    expect(both.json()).toMatchObject({ rule: 'signer-both-sides' });
    expect((await read(liaison)).state).toBe('joint_guard');
  });

  it('voids the signatures when the site changes between them', async () => {
    expect((await sign(commander, { side: 'outgoing', version })).statusCode).toBe(200);
    const edited = await app.inject({
      method: 'PATCH',
      url: `/api/sites/${SITE}`,
      headers: commander,
      payload: { version, guards: 31 },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    expect((await read(liaison)).handover?.signatures).toEqual([]);
    const stale = await sign(liaison, { side: 'receiving', version });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ error: 'stale_version' });
    const fresh = await sign(liaison, { side: 'receiving', version: version + 1 });
    expect(fresh.statusCode).toBe(200);
    expect(fresh.json<SiteBody>()).toMatchObject({ state: 'joint_guard', version: version + 1 });
    expect(fresh.json<SiteBody>().handover?.signatures?.map((s) => s.side)).toEqual(['receiving']);
    const second = await sign(commander, { side: 'outgoing', version: version + 1 });
    expect(second.json<SiteBody>()).toMatchObject({ state: 'transferred', version: version + 2 });
  });

  it('answers 404 for an unknown site before looking at the password, and throttles wrong passwords', async () => {
    const missing = await sign(commander, { side: 'outgoing', version: 0, password: 'wrong' }, 'nowhere');
    expect(missing.statusCode).toBe(404);
    for (let i = 0; i < 5; i++)
      expect((await sign(commander, { side: 'outgoing', version, password: `wrong ${i}` })).statusCode).toBe(
        403,
      );
    const throttled = await sign(commander, { side: 'outgoing', version });
    expect(throttled.statusCode).toBe(429);
    expect(throttled.headers['retry-after']).toBeDefined();
    expect((await read(commander)).handover?.signatures).toEqual([]);
  });

  it('transfers exactly once when both sides sign at the same moment', async () => {
    const [a, b] = await Promise.all([
      sign(commander, { side: 'outgoing', version }),
      sign(liaison, { side: 'receiving', version }),
    ]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    // Whichever committed second saw the first signature and made the transfer.
    expect([a, b].map((r) => r.json<SiteBody>().state).sort()).toEqual(['joint_guard', 'transferred']);
    expect((await read(liaison)).state).toBe('transferred');
    const audit = await svc.listAudit({ entity: 'site', entityId: SITE }, DEMO_ACTOR);
    expect(audit.filter((e) => e.action === 'site.transfer')).toHaveLength(1);
  });

  it('validates the body: side, version and password are required', async () => {
    for (const payload of [
      { version, password: SIGNER_PASSWORD },
      { side: 'outgoing', password: SIGNER_PASSWORD },
      { side: 'outgoing', version },
      { side: 'sideways', version, password: SIGNER_PASSWORD },
      { side: 'outgoing', version, password: SIGNER_PASSWORD, on: '2022-13-01' },
    ]) {
      const r = await app.inject({
        method: 'POST',
        url: `/api/sites/${SITE}/signatures`,
        headers: commander,
        payload,
      });
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
    }
  });
});
