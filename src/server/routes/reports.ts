import { Type } from '@sinclair/typebox';
import { InputError } from '../../service/errors.ts';
import type { HandoverService } from '../../service/service.ts';
import type { App } from '../app.ts';
import {
  AuditEntryView,
  AuditQuery,
  ErrorBody,
  FacilityOutputSchema,
  IncidentBody,
  IncidentList,
  IncidentQuery,
  IncidentSchema,
  IndicatorReadingSchema,
  RestrictionSchema,
} from '../schemas.ts';
import { incidentView } from '../views.ts';

const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const tags = ['situation'];

export function registerReportRoutes(app: App, svc: HandoverService) {
  app.get(
    '/api/incidents',
    {
      config: { policy: 'incident.read' },
      schema: {
        tags,
        operationId: 'listIncidents',
        querystring: IncidentQuery,
        response: { 200: IncidentList, 400: ErrorBody },
      },
    },
    async (req) => {
      const q = req.query;
      if (q.since !== undefined && Number.isNaN(Date.parse(q.since)))
        throw new InputError([{ path: 'since', message: `"${q.since}" is not a date and time` }]);
      const { items, total } = await svc.listIncidents(q, req.actor);
      return { items: items.map(incidentView), total };
    },
  );
  app.post(
    '/api/incidents',
    {
      config: { policy: 'incident.record' },
      schema: {
        tags,
        operationId: 'recordIncident',
        summary: 'Record an incident (a serious one holds the site’s handover for 48 hours)',
        body: IncidentBody,
        response: { 201: IncidentSchema, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(incidentView(await svc.recordIncident(req.body, req.actor))),
  );
  app.get(
    '/api/indicators',
    {
      config: { policy: 'situation.read' },
      schema: {
        tags,
        operationId: 'listIndicatorReadings',
        response: { 200: Type.Object({ items: Type.Array(IndicatorReadingSchema) }) },
      },
    },
    async () => ({
      items: (await svc.listIndicatorReadings()).map((r) => ({
        date: r.date,
        indicator: r.indicator,
        level: r.level,
        ...(r.note ? { note: r.note } : {}),
      })),
    }),
  );
  app.post(
    '/api/indicators',
    {
      config: { policy: 'situation.record' },
      schema: {
        tags,
        operationId: 'recordIndicator',
        summary: "Record a day's reading of a normal-life indicator (replaces that day's reading)",
        body: IndicatorReadingSchema,
        response: { 200: IndicatorReadingSchema, ...errors },
      },
    },
    async (req) => {
      const r = await svc.recordIndicator(req.body, req.actor);
      return { date: r.date, indicator: r.indicator, level: r.level, ...(r.note ? { note: r.note } : {}) };
    },
  );
  app.get(
    '/api/restrictions',
    {
      config: { policy: 'situation.read' },
      schema: {
        tags,
        operationId: 'listRestrictions',
        response: { 200: Type.Object({ items: Type.Array(RestrictionSchema) }) },
      },
    },
    async () => ({
      items: (await svc.listRestrictions()).map((r) => ({
        id: r.id,
        kind: r.kind,
        description: r.description,
        from: r.from,
        ...(r.until ? { until: r.until } : {}),
      })),
    }),
  );
  app.post(
    '/api/restrictions',
    {
      config: { policy: 'situation.record' },
      schema: {
        tags,
        operationId: 'recordRestriction',
        body: RestrictionSchema,
        response: { 201: RestrictionSchema, ...errors },
      },
    },
    async (req, reply) => {
      await svc.recordRestriction(req.body, req.actor);
      return reply.code(201).send(req.body);
    },
  );
  app.get(
    '/api/facility-output',
    {
      config: { policy: 'facility_output.read' },
      schema: {
        tags,
        operationId: 'listFacilityOutput',
        querystring: Type.Object(
          { site: Type.Optional(Type.String({ maxLength: 64 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(FacilityOutputSchema) }), 400: ErrorBody },
      },
    },
    async (req) => ({
      items: (await svc.listFacilityOutput(req.query, req.actor)).map((r) => ({
        site: r.siteId,
        date: r.date,
        status: r.status,
        ...(r.output !== null ? { output: r.output } : {}),
        ...(r.products.length ? { products: r.products } : {}),
        ...(r.note ? { note: r.note } : {}),
      })),
    }),
  );
  app.post(
    '/api/facility-output',
    {
      config: { policy: 'facility_output.record' },
      schema: {
        tags,
        operationId: 'recordFacilityOutput',
        summary: "Record a facility's operating status and output for a day (replaces that day's report)",
        body: FacilityOutputSchema,
        response: { 200: FacilityOutputSchema, ...errors },
      },
    },
    async (req) => {
      await svc.recordFacilityOutput(req.body, req.actor);
      return req.body;
    },
  );
  app.get(
    '/api/audit',
    {
      config: { policy: 'audit.read' },
      schema: {
        tags: ['audit'],
        operationId: 'listAudit',
        summary: 'Every change: who, when, what, before and after',
        querystring: AuditQuery,
        response: { 200: Type.Object({ items: Type.Array(AuditEntryView) }), 400: ErrorBody },
      },
    },
    async (req) => {
      const q = req.query;
      return {
        items: (
          await svc.listAudit(
            {
              ...(q.entity ? { entity: q.entity } : {}),
              ...(q.entity_id ? { entityId: q.entity_id } : {}),
              ...(q.after_seq !== undefined ? { afterSeq: q.after_seq } : {}),
              limit: q.limit,
            },
            req.actor,
          )
        ).map(({ entityId, ...e }) => ({ ...e, entity_id: entityId })),
      };
    },
  );
}
