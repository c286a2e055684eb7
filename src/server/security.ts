import { createHash } from 'node:crypto';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * HTTP hardening for the API and the pages served beside it (issue 4, point 6): security headers with a
 * strict Content-Security-Policy, rate limits per client address that run before anything looks at who
 * the client is, and a 413 that names the body limit. `Cache-Control: no-store` on /api responses and
 * the generic 500 body are set by buildApp's own hooks and error handler.
 */
export interface SecurityOptions {
  /**
   * Requests per minute per client address, over all routes; 0 turns rate limiting off (both buckets).
   * Default: RATE_LIMIT_PER_MINUTE from the environment, else 600.
   */
  rateLimitPerMinute?: number;
  /**
   * Requests per minute per client address under /api/session (sign-in), counted on top of the general
   * bucket; 0 turns this bucket off. Default: RATE_LIMIT_SESSION_PER_MINUTE from the environment, else 20.
   */
  sessionRateLimitPerMinute?: number;
  /** Where swagger-ui is served; its pages get a CSP that lets it run. Default '/api/docs'. */
  docsPrefix?: string;
}

export const DEFAULT_RATE_LIMIT_PER_MINUTE = 600;
export const DEFAULT_SESSION_RATE_LIMIT_PER_MINUTE = 20;
/** The routes a future sign-in will live under; they get the stricter bucket. */
export const SESSION_PREFIX = '/api/session';

type Directives = Record<string, string[]>;

/**
 * A connected deployment may give the map a tile server (VITE_MAP_TILES_URL, read by the build and by the
 * map page); its origin is then allowed for images, `{s}` subdomains as a wildcard. A relative URL needs
 * nothing ('self'); anything that is not a plain http(s) origin is ignored rather than put into the policy.
 */
export function tileSources(url: string | undefined): string[] {
  const origin = /^(https?:\/\/[^/?#]+)/i.exec(url?.trim() ?? '')?.[1]?.replace(/\{s\}/g, '*');
  return origin && /^https?:\/\/(\*\.)?[A-Za-z0-9.-]+(:\d+)?$/i.test(origin) ? [origin] : [];
}

/**
 * For the app and everything else served from this origin (a React build from the same origin passes
 * it: its scripts and stylesheets are files, and React's `style` props go through the CSSOM, which CSP
 * does not govern). No 'upgrade-insecure-requests': the server is also run over plain HTTP on a LAN,
 * where that directive would send every asset to an https:// address that nothing answers.
 */
const APP_DIRECTIVES: Directives = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:', 'blob:', ...tileSources(process.env['VITE_MAP_TILES_URL'])],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'frame-ancestors': ["'none'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
};

/**
 * swagger-ui (served by @fastify/swagger-ui from its own files, no inline script) renders parts of the
 * page with inline `style` attributes, so its pages alone get 'unsafe-inline' for styles.
 */
const DOCS_DIRECTIVES: Directives = {
  ...APP_DIRECTIVES,
  'style-src': ["'self'", "'unsafe-inline'"],
};

export function cspHeader(directives: Directives): string {
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}
export const APP_CSP = cspHeader(APP_DIRECTIVES);
export const DOCS_CSP = cspHeader(DOCS_DIRECTIVES);

/** A whole number ≥ 0 from the options, else the environment, else the default; anything else is refused. */
function limitFrom(given: number | undefined, envName: string, fallback: number): number {
  const raw = given ?? process.env[envName];
  if (raw === undefined || raw === '') return fallback;
  const n = typeof raw === 'number' ? raw : Number(raw.trim());
  if (!Number.isSafeInteger(n) || n < 0)
    throw new Error(
      `${envName} must be a whole number of requests per minute, 0 to turn it off (got ${raw})`,
    );
  return n;
}

function mib(bytes: number): string {
  const m = bytes / (1024 * 1024);
  return Number.isInteger(m) ? `${m} MiB` : `${bytes} bytes`;
}

/**
 * Registers the hardening on `app`. Call it before any other hook or route, so that the rate limit runs
 * first on every request (including unknown routes) and every route, swagger-ui's too, gets the headers.
 */
export async function registerSecurity(app: FastifyInstance, opts: SecurityOptions = {}): Promise<void> {
  const perMinute = limitFrom(
    opts.rateLimitPerMinute,
    'RATE_LIMIT_PER_MINUTE',
    DEFAULT_RATE_LIMIT_PER_MINUTE,
  );
  const sessionPerMinute = limitFrom(
    opts.sessionRateLimitPerMinute,
    'RATE_LIMIT_SESSION_PER_MINUTE',
    DEFAULT_SESSION_RATE_LIMIT_PER_MINUTE,
  );
  const docsPrefix = opts.docsPrefix ?? '/api/docs';

  // Headers first (cheap, and a 429 gets them too). swagger-ui's routes get their own CSP, given
  // before helmet sees the routes.
  app.addHook('onRoute', (route) => {
    if (route.url === docsPrefix || route.url.startsWith(`${docsPrefix}/`))
      route.helmet = { contentSecurityPolicy: { useDefaults: false, directives: DOCS_DIRECTIVES } };
  });
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: APP_DIRECTIVES },
    frameguard: { action: 'deny' },
  });

  // Then rate limits: a flood is refused before the body is read or the caller is identified. The
  // plugin's per-route hooks would run after the app's own onRequest hooks (where the caller is read)
  // and never on unknown routes, so its limiters are applied from one app-wide hook instead.
  if (perMinute > 0) {
    await app.register(rateLimit, { global: false });
    const general = app.createRateLimit({ max: perMinute, timeWindow: 60_000 });
    const session =
      sessionPerMinute > 0 ? app.createRateLimit({ max: sessionPerMinute, timeWindow: 60_000 }) : null;
    app.addHook('onRequest', async (req, reply) => {
      const verdict = await general(req);
      if (!verdict.isAllowed && verdict.isExceeded) return tooMany(reply, verdict.ttlInSeconds);
      if (session && isSessionRoute(req)) {
        const strict = await session(req);
        if (!strict.isAllowed && strict.isExceeded) return tooMany(reply, strict.ttlInSeconds);
      }
    });
  }

  app.addHook('onSend', async (req, reply, payload) => {
    // buildApp marks /api answers no-store by their raw URL; this also covers an encoded one (/%61pi/…).
    const path = pathOf(req);
    if ((path === '/api' || path.startsWith('/api/')) && !path.startsWith(docsPrefix))
      reply.header('cache-control', 'no-store');
    // Every 413 names the limit, whichever part of Fastify refused the body.
    if (reply.statusCode === 413) {
      reply.type('application/json; charset=utf-8');
      return JSON.stringify({
        error: 'payload_too_large',
        message: `The request body is larger than the limit of ${mib(req.routeOptions.bodyLimit)}.`,
      });
    }
    // A page of this server's own with an inline <style> (the home page) gets that exact style allowed
    // by its hash, so 'unsafe-inline' is never needed outside the docs.
    if (typeof payload === 'string' && String(reply.getHeader('content-type')).startsWith('text/html'))
      allowOwnInlineStyles(reply, payload);
    return payload;
  });
}

/** The matched route's pattern, else the decoded path, so an encoded URL (/%61pi/…) is seen as what it reaches. */
function pathOf(req: FastifyRequest): string {
  if (req.routeOptions.url !== undefined) return req.routeOptions.url;
  const raw = req.url.split('?')[0] ?? '';
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** The routes that take credentials: the stricter bucket. Reading who is signed in is not one of them. */
function isSessionRoute(req: FastifyRequest): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return false;
  const path = pathOf(req);
  return path === SESSION_PREFIX || path.startsWith(`${SESSION_PREFIX}/`);
}

function tooMany(reply: FastifyReply, retryAfterSeconds: number): FastifyReply {
  const seconds = Math.max(1, retryAfterSeconds);
  return reply
    .code(429)
    .header('retry-after', String(seconds))
    .send({
      error: 'rate_limited',
      message: `Too many requests from this address; try again in ${seconds} s.`,
    });
}

const styleHashes = new Map<string, string>();
const STYLE = /<style(?:\s[^>]*)?>([\s\S]*?)<\/style>/gi;

function allowOwnInlineStyles(reply: FastifyReply, html: string): void {
  const csp = reply.getHeader('content-security-policy');
  if (typeof csp !== 'string' || !/(^|;\s*)style-src /.test(csp) || csp.includes("'unsafe-inline'")) return;
  const hashes: string[] = [];
  for (const [, css = ''] of html.matchAll(STYLE)) {
    let hash = styleHashes.get(css);
    if (hash === undefined) {
      hash = `'sha256-${createHash('sha256').update(css, 'utf8').digest('base64')}'`;
      if (styleHashes.size < 100) styleHashes.set(css, hash);
    }
    hashes.push(hash);
  }
  if (hashes.length)
    reply.header(
      'content-security-policy',
      csp.replace(
        /(^|;\s*)(style-src [^;]*)/,
        (_m, lead: string, dir: string) => `${lead}${dir} ${hashes.join(' ')}`,
      ),
    );
}
