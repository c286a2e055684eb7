import { readFileSync } from 'node:fs';
import zlib from 'node:zlib';
import compress from '@fastify/compress';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv, type ErrorObject } from 'ajv';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { RuleViolation } from '../core/rules.ts';
import {
  ConflictError,
  ForbiddenError,
  InputError,
  NotFoundError,
  OutOfScopeError,
} from '../service/errors.ts';
import { PlanningService } from '../service/planning.ts';
import type { HandoverService } from '../service/service.ts';
import { registerAccess } from './access.ts';
import { localChangeBus, type ChangeBus } from '../store/change-bus.ts';
import { StaleVersionError } from '../store/repositories.ts';
import { registerActRoutes } from './routes/acts.ts';
import { registerEventRoutes } from './routes/events.ts';
import { registerForceRoutes } from './routes/force.ts';
import { registerOperationRoutes } from './routes/operation.ts';
import { registerPlanRoutes } from './routes/plans.ts';
import { AccountService } from '../service/accounts.ts';
import { registerSessionRoutes } from './routes/session.ts';
import { registerReportRoutes } from './routes/reports.ts';
import { registerSiteRoutes } from './routes/sites.ts';
import { registerSecurity, type SecurityOptions } from './security.ts';
import { registerWeb } from './web.ts';

export const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface AppOptions {
  service: HandoverService;
  /** Carries changes to every instance for live updates; an in-process one when not given. */
  bus?: ChangeBus;
  /** Planning runs; made from the service when not given. */
  planning?: PlanningService;
  logger?: boolean;
  /**
   * Behind a reverse proxy: which hops to trust for the client's address (rate limits key on it).
   * `true` (every hop) or addresses/CIDRs; default none (the socket's address).
   */
  trustProxy?: boolean | string;
  /** Accounts and sessions (sign-in, API tokens); made from the service's store when not given. */
  accounts?: AccountService;
  /** Rate limits and headers (see security.ts); tests pass `{ rateLimitPerMinute: 0 }` to be unthrottled. */
  security?: SecurityOptions;
}

export type App = FastifyInstance<
  Server,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/**
 * Two validators: request bodies are taken exactly as sent (no coercion, unknown fields refused);
 * query strings and path parameters are text by nature, so numbers and booleans are coerced there.
 */
const bodyAjv = new Ajv({
  allErrors: true,
  verbose: true,
  removeAdditional: false,
  useDefaults: true,
  coerceTypes: false,
  strict: false,
});
const queryAjv = new Ajv({
  allErrors: true,
  verbose: true,
  removeAdditional: false,
  useDefaults: true,
  coerceTypes: 'array',
  strict: false,
});

/** Builds the HTTP app around a service; tests call it and use `inject`, `serve` listens. */
export async function buildApp(opts: AppOptions): Promise<App> {
  const app = Fastify({
    logger: opts.logger ? { level: 'info' } : false,
    bodyLimit: 10 * 1024 * 1024,
    trustProxy: opts.trustProxy ?? false,
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  await registerSecurity(app, opts.security);
  // Responses over 1 KiB are compressed when the client accepts it: an operations room on a failing link
  // gets the site register in a fifth of the bytes. Brotli at quality 4 costs about what gzip does (the
  // default, 11, takes ~100× longer on a large JSON page). The live stream writes raw and is never held.
  await app.register(compress, {
    global: true,
    threshold: 1024,
    encodings: ['br', 'gzip'],
    brotliOptions: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } },
  });

  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? bodyAjv : queryAjv).compile(schema),
  );
  app.setSchemaErrorFormatter((errors, dataVar) => {
    // A union of literals fails once per literal and once as a whole: keep the whole.
    const unions = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
    const seen = new Set<string>();
    const problems = errors
      .filter((e) => !(unions.has(e.instancePath) && e.keyword !== 'anyOf'))
      .map((e) => ajvProblem(e, dataVar))
      .filter((p) => !seen.has(p.path) && seen.add(p.path));
    const err = new InputError(problems.map(({ path, message }) => ({ path, message })));
    return err;
  });

  // An action without options may be posted with an empty body; that means "no options", not an error.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body: string, done) => {
    if (body.trim() === '') return done(null, {});
    try {
      // JSON allows numbers no double can hold (1e309 reads as Infinity, which the schema's integer check
      // lets through); they are refused here, with the field's name.
      let tooLarge: string | null = null;
      const parsed = JSON.parse(body, (key, value: unknown) => {
        if (typeof value === 'number' && !Number.isFinite(value)) tooLarge ??= key || '(body)';
        return value;
      }) as unknown;
      if (tooLarge !== null)
        return done(
          new InputError([{ path: tooLarge, message: 'is a number too large to hold; send a smaller one' }]),
          undefined,
        );
      done(null, parsed);
    } catch (e) {
      done(
        new InputError([{ path: '(body)', message: `not valid JSON: ${(e as Error).message}` }]),
        undefined,
      );
    }
  });

  registerAccess(app);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Handover API',
        version: VERSION,
        description:
          'The register of protected sites and the handover lifecycle. Actions that the rules refuse answer 409 with the rule; bad input answers 400 naming each field.',
      },
      components: {},
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  app.addHook('onSend', async (req, reply) => {
    if (req.url.startsWith('/api/') && !req.url.startsWith('/api/docs'))
      reply.header('cache-control', 'no-store');
  });

  app.setErrorHandler(async (error: FastifyError | Error, req, reply) => {
    if ((error instanceof ForbiddenError || error instanceof OutOfScopeError) && req.principal)
      await opts.service
        .recordRefusal(req.actor, error, `${req.method} ${req.url.split('?')[0] ?? ''}`)
        .catch((e: unknown) => req.log.error(e));
    if (error instanceof InputError)
      return reply
        .code(400)
        .send({ error: 'invalid_input', message: error.message, problems: error.problems });
    if (error instanceof NotFoundError)
      return reply.code(404).send({ error: 'not_found', message: error.message });
    if (error instanceof RuleViolation)
      return reply.code(409).send({ error: 'rule_violation', rule: error.rule, message: error.message });
    if (error instanceof StaleVersionError)
      return reply.code(409).send({ error: 'stale_version', message: error.message });
    if (error instanceof ConflictError)
      return reply.code(409).send({ error: 'conflict', message: error.message });
    if (error instanceof ForbiddenError)
      return reply.code(403).send({ error: 'forbidden', message: error.message });
    const status = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500)
      return reply.code(status).send({ error: 'bad_request', message: error.message.replace(/^body\//, '') });
    req.log.error(error);
    return reply
      .code(500)
      .send({ error: 'internal', message: 'Something went wrong on the server; it has been logged.' });
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .send({ error: 'not_found', message: `No route ${req.method} ${req.url.split('?')[0] ?? ''}.` }),
  );

  const accounts = opts.accounts ?? new AccountService(opts.service.store);
  registerSessionRoutes(app, accounts);
  registerOperationRoutes(app, opts.service);
  registerSiteRoutes(app, opts.service, accounts);
  registerActRoutes(app, opts.service);
  registerForceRoutes(app, opts.service);
  registerReportRoutes(app, opts.service);
  registerPlanRoutes(app, opts.planning ?? new PlanningService(opts.service));
  const bus = opts.bus ?? localChangeBus();
  const unsubscribe = opts.service.onChange((c) => bus.publish(c));
  app.addHook('onClose', (_instance, done) => {
    unsubscribe();
    done();
  });
  registerEventRoutes(app, bus, opts.service, accounts);

  app.get('/api/openapi.json', { schema: { hide: true }, config: { policy: 'public' } }, () => app.swagger());
  await registerWeb(app);
  return app;
}

function ajvProblem(e: ErrorObject, dataVar: string): { path: string; message: string; in: string } {
  const base = e.instancePath
    .split('/')
    .slice(1)
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
  const join = (name: string) => (base ? `${base}.${name}` : name);
  const where = dataVar === 'querystring' ? 'query' : dataVar;
  switch (e.keyword) {
    case 'required':
      return { path: join(String(e.params['missingProperty'])), message: 'is required', in: where };
    case 'additionalProperties':
      return {
        path: join(String(e.params['additionalProperty'])),
        message: 'unknown field; remove it or check its spelling',
        in: where,
      };
    case 'anyOf': {
      const options = (e.schema as { const?: unknown }[]).map((o) => o.const);
      if (options.every((o) => typeof o === 'string'))
        return {
          path: base || '(root)',
          message: `must be one of ${options.join(', ')} (got ${JSON.stringify(e.data)})`,
          in: where,
        };
      return { path: base || '(root)', message: 'has the wrong form', in: where };
    }
    case 'const':
      return {
        path: base || '(root)',
        message: `must be ${JSON.stringify(e.params['allowedValue'])}`,
        in: where,
      };
    default:
      return { path: base || '(root)', message: e.message ?? 'is invalid', in: where };
  }
}
