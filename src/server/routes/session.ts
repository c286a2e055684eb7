import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PASSWORD_MAX_LENGTH } from '../../core/auth/password.ts';
import { ROLES, SCOPE_KINDS } from '../../core/auth/roles.ts';
import {
  AuthError,
  csrfMatches,
  MAX_TOKEN_DAYS,
  type AccountService,
  type Principal,
  type TokenInfo,
  type User,
} from '../../service/accounts.ts';
import type { App } from '../app.ts';
import { ErrorBody } from '../schemas.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is signed in (session cookie or API token), or null for an anonymous request. */
    principal: Principal | null;
  }
}

export const SESSION_COOKIE = 'handover_session';
export const CSRF_HEADER = 'x-csrf-token';

const closed = { additionalProperties: false } as const;
const literalUnion = <T extends readonly string[]>(values: T) =>
  Type.Union(values.map((v) => Type.Literal(v))) as unknown as TSchema & { static: T[number] };

export const UserView = Type.Object({
  id: Type.String(),
  username: Type.String(),
  display_name: Type.String(),
  role: literalUnion(ROLES),
  scope: Type.Union([Type.Object({ kind: literalUnion(SCOPE_KINDS), id: Type.String() }), Type.Null()]),
  disabled: Type.Boolean(),
  must_change_password: Type.Boolean(),
  created_at: Type.String(),
  version: Type.Integer(),
});
export const SessionView = Type.Object({
  user: UserView,
  via: Type.Union([Type.Literal('session'), Type.Literal('token')]),
  /** Send it back as X-CSRF-Token with every write made with the session cookie; null with a token. */
  csrf_token: Type.Union([Type.String(), Type.Null()]),
  must_change_password: Type.Boolean(),
  expires_at: Type.String(),
});
const SignInBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH * 4 }),
  },
  closed,
);
const PasswordBody = Type.Object(
  {
    current_password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH * 4 }),
    new_password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH * 4 }),
  },
  closed,
);
const TokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    expires_in_days: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TOKEN_DAYS, default: 90 })),
  },
  closed,
);
const TokenView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  created_at: Type.String(),
  expires_at: Type.String(),
  revoked_at: Type.Union([Type.String(), Type.Null()]),
  last_used_at: Type.Union([Type.String(), Type.Null()]),
});
const NewTokenView = Type.Composite([
  TokenView,
  Type.Object({ token: Type.String({ description: 'Shown this once: send it as Authorization: Bearer …' }) }),
]);

export const userView = (u: User): Static<typeof UserView> => ({
  id: u.id,
  username: u.username,
  display_name: u.displayName,
  role: u.role,
  scope: u.scope,
  disabled: u.disabled,
  must_change_password: u.mustChangePassword,
  created_at: u.createdAt,
  version: u.version,
});
const tokenView = (t: TokenInfo): Static<typeof TokenView> => ({
  id: t.id,
  name: t.name,
  created_at: t.createdAt,
  expires_at: t.expiresAt,
  revoked_at: t.revokedAt,
  last_used_at: t.lastUsedAt,
});
const sessionView = (p: Principal): Static<typeof SessionView> => ({
  user: userView(p.user),
  via: p.via,
  csrf_token: p.via === 'session' ? p.csrfToken : null,
  must_change_password: p.user.mustChangePassword,
  expires_at: p.expiresAt,
});

function cookieValue(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function sessionCookie(req: FastifyRequest, value: string, maxAgeSeconds: number): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    ...(req.protocol === 'https' ? ['Secure'] : []),
  ].join('; ');
}

/**
 * Who a request comes from: an `Authorization: Bearer hov_…` API token if one is sent (and only then),
 * else the session cookie. Null when neither names a live credential.
 */
export async function resolvePrincipal(
  req: FastifyRequest,
  accounts: AccountService,
): Promise<Principal | null> {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    return m?.[1] ? accounts.resolveToken(m[1]) : null;
  }
  const cookie = cookieValue(req, SESSION_COOKIE);
  return cookie ? accounts.resolveSession(cookie) : null;
}

function refuse(reply: FastifyReply, e: AuthError): FastifyReply {
  if (e.retryAfterSeconds !== undefined) reply.header('retry-after', String(e.retryAfterSeconds));
  return reply.code(e.status).send({ error: e.code, message: e.message });
}

/** preHandler: 401 unless signed in. */
export async function requireSignedIn(req: FastifyRequest, reply: FastifyReply) {
  if (!req.principal) return refuse(reply, new AuthError(401, 'not_signed_in', 'Sign in first.'));
}

/**
 * preHandler for writes: with the session cookie, the request must carry the session's CSRF token in
 * X-CSRF-Token (a page of another site cannot read it). Token-authenticated and anonymous requests pass:
 * a bearer header is not sent by browsers on their own, and anonymous writes are the caller's to refuse.
 */
export async function requireCsrf(req: FastifyRequest, reply: FastifyReply) {
  const p = req.principal;
  if (p?.via !== 'session') return;
  const sent = req.headers[CSRF_HEADER];
  if (typeof sent !== 'string' || sent.length > 100 || !csrfMatches(p, sent))
    return reply.code(403).send({
      error: 'csrf',
      message:
        'A write with the session cookie needs the header X-CSRF-Token from sign-in or GET /api/session.',
    });
}

/** preHandler: a user with a one-time password may do nothing but change it (and sign out). */
export async function requirePasswordChanged(req: FastifyRequest, reply: FastifyReply) {
  if (req.principal?.user.mustChangePassword)
    return refuse(
      reply,
      new AuthError(
        403,
        'password_change_required',
        'Change your one-time password first (POST /api/session/password).',
      ),
    );
}

/**
 * Sign-in, who-am-I, sign-out, password change and API tokens, plus the hook that sets `req.principal`
 * on every request (after the rate limits, which registerSecurity puts first).
 */
export function registerSessionRoutes(app: App, accounts: AccountService) {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    req.principal = await resolvePrincipal(req, accounts);
  });
  const tags = ['session'];
  const signedIn = { preHandler: [requireSignedIn] };
  const write = [requireSignedIn, requireCsrf];

  app.post(
    '/api/session',
    {
      schema: {
        tags,
        operationId: 'signIn',
        summary: 'Sign in with name and password; sets the session cookie and returns the CSRF token',
        body: SignInBody,
        response: { 200: SessionView, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (req, reply) => {
      try {
        const { sessionId, principal } = await accounts.signIn(req.body.username, req.body.password, req.ip);
        // A new sign-in replaces the browser's previous session rather than leaving it alive beside it.
        if (req.principal?.via === 'session') await accounts.signOut(req.principal);
        reply.header('set-cookie', sessionCookie(req, sessionId, accounts.absoluteTimeoutMs / 1000));
        return sessionView(principal);
      } catch (e) {
        if (e instanceof AuthError) return refuse(reply, e);
        throw e;
      }
    },
  );

  app.get(
    '/api/session',
    {
      ...signedIn,
      schema: {
        tags,
        operationId: 'getSession',
        summary: 'Who is signed in, and the CSRF token for writes',
        response: { 200: SessionView, 401: ErrorBody },
      },
    },
    (req) => sessionView(req.principal!),
  );

  app.delete(
    '/api/session',
    {
      preHandler: write,
      schema: {
        tags,
        operationId: 'signOut',
        summary: 'Sign out: the session ends at once',
        response: { 204: Type.Null({ description: 'Signed out' }), 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (req, reply) => {
      const p = req.principal!;
      if (p.via !== 'session')
        return refuse(reply, new AuthError(403, 'forbidden', 'An API token is revoked, not signed out.'));
      await accounts.signOut(p);
      return reply
        .header('set-cookie', sessionCookie(req, '', 0))
        .code(204)
        .send(null);
    },
  );

  app.post(
    '/api/session/password',
    {
      preHandler: write,
      schema: {
        tags,
        operationId: 'changeOwnPassword',
        summary: "Change one's password; the account's other sessions end",
        body: PasswordBody,
        response: { 200: SessionView, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (req, reply) => {
      try {
        const user = await accounts.changeOwnPassword(
          req.principal!,
          req.body.current_password,
          req.body.new_password,
        );
        return sessionView({ ...req.principal!, user });
      } catch (e) {
        if (e instanceof AuthError) return refuse(reply, e);
        throw e;
      }
    },
  );

  app.post(
    '/api/session/tokens',
    {
      preHandler: [...write, requirePasswordChanged],
      schema: {
        tags,
        operationId: 'createApiToken',
        summary: 'Create an API token acting as you (shown once; at most 365 days)',
        body: TokenBody,
        response: { 201: NewTokenView, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (req, reply) => {
      try {
        const issued = await accounts.createToken(req.principal!, {
          name: req.body.name,
          ...(req.body.expires_in_days !== undefined ? { expiresInDays: req.body.expires_in_days } : {}),
        });
        return reply.code(201).send({ ...tokenView(issued.value), token: issued.secret });
      } catch (e) {
        if (e instanceof AuthError) return refuse(reply, e);
        throw e;
      }
    },
  );

  app.get(
    '/api/session/tokens',
    {
      preHandler: [requireSignedIn, requirePasswordChanged],
      schema: {
        tags,
        operationId: 'listApiTokens',
        summary: 'Your API tokens (never their values)',
        response: { 200: Type.Object({ items: Type.Array(TokenView) }), 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (req) => ({ items: (await accounts.listTokens(req.principal!)).map(tokenView) }),
  );

  app.delete(
    '/api/session/tokens/:id',
    {
      preHandler: [...write, requirePasswordChanged],
      schema: {
        tags,
        operationId: 'revokeApiToken',
        summary: 'Revoke one of your API tokens',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, closed),
        response: { 204: Type.Null(), 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (req, reply) => {
      await accounts.revokeToken(req.principal!, req.params.id);
      return reply.code(204).send(null);
    },
  );
}
