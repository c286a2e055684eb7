import { Type } from '@sinclair/typebox';
import type { HandoverService } from '../../service/service.ts';
import type { App } from '../app.ts';
import {
  AgencyView,
  CapacityBody,
  ContingentView,
  DatedActionBody,
  ErrorBody,
  IdParams,
  UnitView,
} from '../schemas.ts';
import { agencyView, contingentView, unitView } from '../views.ts';

const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export function registerForceRoutes(app: App, svc: HandoverService) {
  app.get(
    '/api/contingents',
    {
      config: { policy: 'force.read' },
      schema: {
        tags: ['force'],
        operationId: 'listContingents',
        response: { 200: Type.Object({ items: Type.Array(ContingentView) }) },
      },
    },
    async (req) => ({ items: (await svc.listContingents(req.actor)).map(contingentView) }),
  );
  app.get(
    '/api/contingents/:id',
    {
      config: { policy: 'force.read' },
      schema: {
        tags: ['force'],
        operationId: 'getContingent',
        params: IdParams,
        response: { 200: ContingentView, ...errors },
      },
    },
    async (req) => contingentView(await svc.getContingent(req.params.id, req.actor)),
  );
  app.post(
    '/api/contingents/:id/withdraw',
    {
      config: { policy: 'contingent.withdraw' },
      schema: {
        tags: ['force'],
        operationId: 'withdrawContingent',
        summary: 'The contingent goes home; only when all its units are released',
        params: IdParams,
        body: DatedActionBody,
        response: { 200: ContingentView, ...errors },
      },
    },
    async (req) => contingentView(await svc.withdrawContingent(req.params.id, req.body, req.actor)),
  );
  app.get(
    '/api/units',
    {
      config: { policy: 'force.read' },
      schema: {
        tags: ['force'],
        operationId: 'listUnits',
        querystring: Type.Object(
          { contingent: Type.Optional(Type.String({ maxLength: 64 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(UnitView) }), 400: ErrorBody },
      },
    },
    async (req) => ({ items: (await svc.listUnits(req.query, req.actor)).map(unitView) }),
  );
  app.get(
    '/api/units/:id',
    {
      config: { policy: 'force.read' },
      schema: {
        tags: ['force'],
        operationId: 'getUnit',
        params: IdParams,
        response: { 200: UnitView, ...errors },
      },
    },
    async (req) => unitView(await svc.getUnit(req.params.id, req.actor)),
  );
  app.post(
    '/api/units/:id/release',
    {
      config: { policy: 'unit.release' },
      schema: {
        tags: ['force'],
        operationId: 'releaseUnit',
        summary: 'Release a unit; only when none of its sites still needs it',
        params: IdParams,
        body: DatedActionBody,
        response: { 200: UnitView, ...errors },
      },
    },
    async (req) => unitView(await svc.releaseUnit(req.params.id, req.body, req.actor)),
  );
  app.get(
    '/api/agencies',
    {
      config: { policy: 'agency.read' },
      schema: {
        tags: ['agencies'],
        operationId: 'listAgencies',
        response: { 200: Type.Object({ items: Type.Array(AgencyView) }) },
      },
    },
    async (req) => ({ items: (await svc.listAgencies(req.actor)).map(agencyView) }),
  );
  app.get(
    '/api/agencies/:id',
    {
      config: { policy: 'agency.read' },
      schema: {
        tags: ['agencies'],
        operationId: 'getAgency',
        params: IdParams,
        response: { 200: AgencyView, ...errors },
      },
    },
    async (req) => agencyView(await svc.getAgency(req.params.id, req.actor)),
  );
  app.put(
    '/api/agencies/:id/capacity',
    {
      config: { policy: 'agency.set_capacity' },
      schema: {
        tags: ['agencies'],
        operationId: 'setAgencyCapacity',
        summary: 'Declare the guards an agency commits over time (a step function of date)',
        params: IdParams,
        body: CapacityBody,
        response: { 200: AgencyView, ...errors },
      },
    },
    async (req) => agencyView(await svc.setAgencyCapacity(req.params.id, req.body, req.actor)),
  );
}
