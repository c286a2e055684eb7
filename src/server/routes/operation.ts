import { Type } from '@sinclair/typebox';
import { serializeScenario } from '../../core/scenario/io.ts';
import { DateString } from '../../core/scenario/schema.ts';
import type { HandoverService } from '../../service/service.ts';
import { VERSION, type App } from '../app.ts';
import { ErrorBody, OperationView, ScenarioSchema, StatusView } from '../schemas.ts';

export function registerOperationRoutes(app: App, svc: HandoverService) {
  app.get(
    '/api/health',
    {
      config: { policy: 'public' },
      schema: {
        tags: ['operation'],
        operationId: 'health',
        response: {
          200: Type.Object({
            status: Type.Literal('ok'),
            version: Type.String(),
            database: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')]),
            operation: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async () => {
      const op = (await svc.hasOperation()) ? await svc.getOperation() : null;
      return {
        status: 'ok' as const,
        version: VERSION,
        database: svc.store.kind,
        operation: op?.name ?? null,
      };
    },
  );

  app.get(
    '/api/operation',
    {
      config: { policy: 'operation.read' },
      schema: {
        tags: ['operation'],
        operationId: 'getOperation',
        response: { 200: OperationView, 404: ErrorBody },
      },
    },
    async () => {
      const op = await svc.getOperation();
      return {
        name: op.name,
        area: op.area,
        start: op.start,
        deadline: op.deadline,
        timezone: op.timezone,
        languages: op.languages,
        center: op.center,
        notes: op.notes,
        force_name: op.forceName,
        max_handovers_per_day: op.maxHandoversPerDay,
      };
    },
  );

  app.get(
    '/api/status',
    {
      config: { policy: 'status.read' },
      schema: {
        tags: ['operation'],
        operationId: 'status',
        summary: 'Sites by state, units still deployed, contingents withdrawn, and what changed on the day',
        querystring: Type.Object({ as_of: Type.Optional(DateString) }, { additionalProperties: false }),
        response: { 200: StatusView, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      const s = await svc.status(req.query.as_of, req.actor);
      return {
        operation: s.operation,
        as_of: s.asOf,
        sites: { total: s.sites.total, by_state: s.sites.byState },
        units: {
          total: s.units.total,
          deployed: s.units.deployed,
          strength_deployed: s.units.strengthDeployed,
        },
        contingents: s.contingents,
        last_24h: {
          taken_under_protection: s.last24h.takenUnderProtection,
          joint_guards_started: s.last24h.jointGuardsStarted,
          transfers_completed: s.last24h.transfersCompleted,
          incidents: s.last24h.incidents,
        },
      };
    },
  );

  app.get(
    '/api/scenario',
    {
      config: { policy: 'scenario.export' },
      schema: {
        tags: ['operation'],
        operationId: 'exportScenario',
        summary: 'The operation as a scenario file (version 1), JSON; /api/scenario.yaml gives YAML',
        response: { 200: ScenarioSchema, 404: ErrorBody },
      },
    },
    async (req) => svc.exportScenario(req.actor),
  );
  app.get(
    '/api/scenario.yaml',
    {
      config: { policy: 'scenario.export' },
      schema: { tags: ['operation'], operationId: 'exportScenarioYaml', produces: ['application/yaml'] },
    },
    async (req, reply) =>
      reply
        .type('application/yaml; charset=utf-8')
        .send(serializeScenario(await svc.exportScenario(req.actor), 'yaml')),
  );

  app.put(
    '/api/scenario',
    {
      config: { policy: 'scenario.import' },
      schema: {
        tags: ['operation'],
        operationId: 'importScenario',
        summary: 'Replace the operation with a scenario (all of it or nothing; every problem is listed)',
        body: Type.Unknown({ description: 'A scenario, version 1 (see the Scenario schema)' }),
        response: { 200: Type.Object({ sites: Type.Integer() }), 400: ErrorBody, 409: ErrorBody },
      },
    },
    async (req) => svc.importScenario(req.body, req.actor, { replace: true }),
  );
}
