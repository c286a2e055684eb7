import type { FastifyRequest } from 'fastify';
import { ACTIONS, type Action } from '../core/auth/policy.ts';
import { actorOf } from '../service/accounts.ts';
import type { Actor } from '../service/service.ts';
import type { App } from './app.ts';
import { requireCsrf, requirePasswordChanged, requireSignedIn } from './routes/session.ts';

/**
 * What guards a route: an action of the policy table (src/core/auth/policy.ts) — the caller must be signed
 * in, and the service decides on the records —, `public` (no sign-in: health, sign-in, the API document),
 * or `session` (the session routes, which check the caller themselves).
 */
export type RoutePolicy = Action | 'public' | 'session';

declare module 'fastify' {
  interface FastifyContextConfig {
    policy?: RoutePolicy;
  }
  interface FastifyRequest {
    /** The signed-in user as the service's actor; only on routes guarded by an action. */
    actor: Actor;
  }
}

/** The OpenAPI extension that publishes a route's policy. */
export const POLICY_KEY: string = 'x-policy';

const isAction = (p: string): p is Action => (ACTIONS as readonly string[]).includes(p);

/**
 * Every /api route must name its policy; a route without one stops the server at start (and fails the
 * authorization-matrix test). The policy is published in the OpenAPI document as `x-policy`, so clients
 * and the tests read the same table. Must be registered before the routes and before the API document.
 */
export function registerAccess(app: App) {
  app.decorateRequest('actor', {
    getter(this: FastifyRequest): Actor {
      if (!this.principal) throw new Error(`${this.method} ${this.url}: no signed-in user to act as`);
      return actorOf(this.principal.user);
    },
  });
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/') || route.url.startsWith('/api/docs')) return;
    const policy = route.config?.policy ?? (route.url.startsWith('/api/session') ? 'session' : undefined);
    if (!policy)
      throw new Error(
        `Route ${String(route.method)} ${route.url} has no access policy: set config.policy to an action of src/core/auth/policy.ts, 'public' or 'session'.`,
      );
    route.schema = { ...(route.schema ?? {}), [POLICY_KEY]: policy };
    if (!isAction(policy)) return;
    const methods = ([] as string[]).concat(route.method);
    const guards = [
      requireSignedIn,
      requirePasswordChanged,
      ...(methods.every((m) => m === 'GET' || m === 'HEAD') ? [] : [requireCsrf]),
    ];
    const existing = route.preHandler ? ([] as unknown[]).concat(route.preHandler) : [];
    route.preHandler = [...guards, ...existing] as typeof route.preHandler;
  });
}
