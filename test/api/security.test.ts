import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/server/app.ts';
import { SESSION_PREFIX } from '../../src/server/security.ts';
import type { SecurityOptions } from '../../src/server/security.ts';
import { HandoverService } from '../../src/service/service.ts';
import type { Store } from '../../src/store/db.ts';
import { signInAsAdministrator } from '../support/auth.ts';
import { backends } from '../support/backends.ts';

/** Hardening (issue 4, point 6): headers and CSP, no-store, the body limit, rate limits, sanitized 500s. */

const sqlite = backends.find((b) => b.name === 'sqlite');
if (!sqlite) throw new Error('the SQLite backend is always under test');

const opened: { app: App; cleanup: () => Promise<void> }[] = [];
afterEach(async () => {
  for (const { app, cleanup } of opened.splice(0)) {
    await app.close();
    await cleanup();
  }
});

/** An app on a fresh database; rate limits off unless the test asks for them. */
async function open(
  security: SecurityOptions = { rateLimitPerMinute: 0 },
  backend = sqlite!,
): Promise<{ app: App; store: Store }> {
  const db = await backend.open();
  const app = await buildApp({ service: new HandoverService(db.store), security });
  opened.push({ app, cleanup: db.cleanup });
  await signInAsAdministrator(app, db.store);
  return { app, store: db.store };
}

/** A CSP header as directive → its values. */
function csp(header: unknown): Map<string, string[]> {
  expect(typeof header).toBe('string');
  return new Map(
    String(header)
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name = '', ...values]) => [name, values]),
  );
}

describe('security headers', () => {
  it('API answers carry a strict CSP and helmet headers', async () => {
    const { app } = await open();
    const res = await app.inject({ method: 'GET', url: '/api/health' });
    expect(res.statusCode).toBe(200);
    const policy = csp(res.headers['content-security-policy']);
    expect(policy.get('default-src')).toEqual(["'self'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('style-src')).toEqual(["'self'"]);
    expect(policy.get('img-src')).toEqual(["'self'", 'data:', 'blob:']);
    expect(policy.get('connect-src')).toEqual(["'self'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(policy.get('base-uri')).toEqual(["'self'"]);
    expect(policy.get('form-action')).toEqual(["'self'"]);
    expect(policy.has('upgrade-insecure-requests')).toBe(false);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('the headers are on errors and unknown routes too', async () => {
    const { app } = await open();
    for (const url of ['/api/sites?limit=abc', '/api/no-such-thing', '/no-such-page']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(csp(res.headers['content-security-policy']).get('frame-ancestors'), url).toEqual(["'none'"]);
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
    }
  });

  it("the home page's own inline style is allowed by its hash, not by 'unsafe-inline'", async () => {
    const { app } = await open();
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    const css = /<style>([\s\S]*?)<\/style>/.exec(res.body)?.[1];
    expect(css).toBeDefined();
    const hash = `'sha256-${createHash('sha256')
      .update(css ?? '')
      .digest('base64')}'`;
    const policy = csp(res.headers['content-security-policy']);
    expect(policy.get('style-src')).toEqual(["'self'", hash]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
  });

  it('/api/docs loads: the page, its scripts and the OpenAPI document, under a CSP that lets swagger-ui run', async () => {
    const { app } = await open();
    const page = await app.inject({ method: 'GET', url: '/api/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const policy = csp(page.headers['content-security-policy']);
    // swagger-ui ships its scripts as files (no inline script) but sets inline style attributes.
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(policy.get('connect-src')).toEqual(["'self'"]);
    expect(policy.get('img-src')).toContain('data:');
    expect(page.body).not.toMatch(/<script>|<script [^>]*>[^<\s]/);

    const scripts = [...page.body.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1] ?? '');
    const styles = [...page.body.matchAll(/<link rel="stylesheet" type="text\/css" href="([^"]+)"/g)].map(
      (m) => m[1] ?? '',
    );
    expect(scripts).toContain('/api/docs/static/swagger-ui-bundle.js');
    expect(scripts).toContain('/api/docs/static/swagger-initializer.js');
    for (const url of scripts) {
      const js = await app.inject({ method: 'GET', url });
      expect(js.statusCode, url).toBe(200);
      expect(js.headers['content-type'], url).toMatch(/javascript/);
      expect(js.body.length, url).toBeGreaterThan(100);
    }
    for (const url of styles) {
      const css = await app.inject({ method: 'GET', url });
      expect(css.statusCode, url).toBe(200);
      expect(css.headers['content-type'], url).toMatch(/^text\/css/);
    }
    // swagger-initializer.js fetches ./json relative to the page.
    const spec = await app.inject({ method: 'GET', url: '/api/docs/json' });
    expect(spec.statusCode).toBe(200);
    expect(spec.json()).toMatchObject({ openapi: '3.1.0' });
  });
});

describe('Cache-Control: no-store on /api answers', () => {
  it('on success, bad input, unknown routes and encoded paths; not on the docs assets', async () => {
    const { app } = await open();
    const cases: [string, number][] = [
      ['/api/health', 200],
      ['/api/sites', 200],
      ['/api/openapi.json', 200],
      ['/api/sites?limit=abc', 400],
      ['/api/sites/no-such-site', 404],
      ['/api/no-such-route', 404],
      ['/api', 404],
      ['/%61pi/sites', 200],
    ];
    for (const [url, status] of cases) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(status);
      expect(res.headers['cache-control'], url).toBe('no-store');
    }
    const bad = await app.inject({
      method: 'POST',
      url: '/api/sites',
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['cache-control']).toBe('no-store');
    const asset = await app.inject({ method: 'GET', url: '/api/docs/static/swagger-ui.css' });
    expect(asset.headers['cache-control']).not.toBe('no-store');
  });
});

describe('body size limit', () => {
  const LIMIT = 10 * 1024 * 1024;

  it('a body over 10 MiB gets a 413 JSON answer naming the limit; one at the limit is read', async () => {
    const { app } = await open();
    const over = await app.inject({
      method: 'PUT',
      url: '/api/scenario',
      headers: { 'content-type': 'application/json' },
      payload: `"${'a'.repeat(LIMIT - 1)}"`,
    });
    expect(over.statusCode).toBe(413);
    expect(over.headers['content-type']).toMatch(/^application\/json/);
    expect(over.headers['cache-control']).toBe('no-store');
    expect(over.json()).toEqual({
      error: 'payload_too_large',
      message: 'The request body is larger than the limit of 10 MiB.',
    });

    const at = await app.inject({
      method: 'PUT',
      url: '/api/scenario',
      headers: { 'content-type': 'application/json' },
      payload: `"${'a'.repeat(LIMIT - 2)}"`,
    });
    expect(at.statusCode).toBe(400); // read, then refused as a scenario: not a 413
  });
});

describe('rate limits', () => {
  const env = { ...process.env };
  afterEach(() => {
    for (const name of ['RATE_LIMIT_PER_MINUTE', 'RATE_LIMIT_SESSION_PER_MINUTE']) {
      if (env[name] === undefined) delete process.env[name];
      else process.env[name] = env[name];
    }
  });

  it('past the limit an address gets 429 JSON with Retry-After; another address is unaffected', async () => {
    const { app } = await open({ rateLimitPerMinute: 5 });
    for (let i = 0; i < 5; i++)
      expect((await app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
    const refused = await app.inject({ method: 'GET', url: '/api/health' });
    expect(refused.statusCode).toBe(429);
    const body = refused.json<{ error: string; message: string }>();
    expect(body.error).toBe('rate_limited');
    expect(body.message).toMatch(/^Too many requests from this address; try again in \d+ s\.$/);
    const retry = Number(refused.headers['retry-after']);
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect(refused.headers['cache-control']).toBe('no-store');
    expect(refused.headers['content-security-policy']).toBeDefined();

    const other = await app.inject({ method: 'GET', url: '/api/health', remoteAddress: '192.0.2.7' });
    expect(other.statusCode).toBe(200);
  });

  it('runs before the caller is identified and before the body is read, and counts unknown routes', async () => {
    const { app } = await open({ rateLimitPerMinute: 3 });
    await app.inject({ method: 'GET', url: '/api/no-such-route' });
    await app.inject({ method: 'GET', url: '/no-such-page' });
    await app.inject({ method: 'GET', url: '/api/health' });
    // An invalid X-Actor would be a 400 from the identifying hook, an unparsable body a 400 from the parser.
    const res = await app.inject({
      method: 'POST',
      url: '/api/sites',
      headers: { 'x-actor': '!!!', 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(res.statusCode).toBe(429);
    expect((await app.inject({ method: 'GET', url: '/api/no-such-route' })).statusCode).toBe(429);
  });

  it(`${SESSION_PREFIX} has a stricter bucket of its own, which encoded paths do not dodge`, async () => {
    const { app } = await open({ rateLimitPerMinute: 100, sessionRateLimitPerMinute: 2 });
    expect((await app.inject({ method: 'POST', url: `${SESSION_PREFIX}/login` })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/api/%73ession/login' })).statusCode).toBe(404);
    const third = await app.inject({ method: 'POST', url: `${SESSION_PREFIX}` });
    expect(third.statusCode).toBe(429);
    expect(third.json()).toMatchObject({ error: 'rate_limited' });
    expect(Number(third.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/sessions' })).statusCode).toBe(404);
  });

  it('is on by default at 600 a minute, set by RATE_LIMIT_PER_MINUTE, and off at 0', async () => {
    const flood = async (app: App, n: number) => {
      const codes = new Set<number>();
      for (let i = 0; i < n; i++) codes.add((await app.inject({ method: 'GET', url: '/api' })).statusCode);
      return [...codes].sort();
    };
    delete process.env['RATE_LIMIT_PER_MINUTE'];
    const byDefault = await open({});
    expect(await flood(byDefault.app, 600)).toEqual([404]);
    expect(await flood(byDefault.app, 1)).toEqual([429]);

    process.env['RATE_LIMIT_PER_MINUTE'] = '2';
    const fromEnv = await open({});
    expect(await flood(fromEnv.app, 3)).toEqual([404, 429]);

    process.env['RATE_LIMIT_PER_MINUTE'] = '0';
    const off = await open({});
    expect(await flood(off.app, 700)).toEqual([404]);

    process.env['RATE_LIMIT_PER_MINUTE'] = 'lots';
    await expect(open({})).rejects.toThrow(/RATE_LIMIT_PER_MINUTE must be a whole number/);
  });
});

describe.each(backends)('a failing database on $name', (backend) => {
  it('answers 500 with a generic body: no SQL, no stack, no file paths', async () => {
    const { app, store } = await open({ rateLimitPerMinute: 0 }, backend);
    await store.close();
    for (const url of ['/api/sites', '/api/health', '/api/status']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(500);
      expect(res.headers['cache-control'], url).toBe('no-store');
      expect(res.json(), url).toEqual({
        error: 'internal',
        message: 'Something went wrong on the server; it has been logged.',
      });
      expect(res.body, url).not.toMatch(/select|from\s+"?\w|sqlite|postgres|pool|\/work|\.ts\b|\bat\s/i);
    }
  });
});
