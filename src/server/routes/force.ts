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
      schema: {
        tags: ['force'],
        operationId: 'listContingents',
        response: { 200: Type.Object({ items: Type.Array(ContingentView) }) },
      },
    },
    async () => ({ items: (await svc.listContingents()).map(contingentView) }),
  );
  app.get(
    '/api/contingents/:id',
    {
      schema: {
        tags: ['force'],
        operationId: 'getContingent',
        params: IdParams,
        response: { 200: ContingentView, ...errors },
      },
    },
    async (req) => contingentView(await svc.getContingent(req.params.id)),
  );
  app.post(
    '/api/contingents/:id/withdraw',
    {
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
    async (req) => ({ items: (await svc.listUnits(req.query)).map(unitView) }),
  );
  app.get(
    '/api/units/:id',
    {
      schema: {
        tags: ['force'],
        operationId: 'getUnit',
        params: IdParams,
        response: { 200: UnitView, ...errors },
      },
    },
    async (req) => unitView(await svc.getUnit(req.params.id)),
  );
  app.post(
    '/api/units/:id/release',
    {
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
      schema: {
        tags: ['agencies'],
        operationId: 'listAgencies',
        response: { 200: Type.Object({ items: Type.Array(AgencyView) }) },
      },
    },
    async () => ({ items: (await svc.listAgencies()).map(agencyView) }),
  );
  app.get(
    '/api/agencies/:id',
    {
      schema: {
        tags: ['agencies'],
        operationId: 'getAgency',
        params: IdParams,
        response: { 200: AgencyView, ...errors },
      },
    },
    async (req) => agencyView(await svc.getAgency(req.params.id)),
  );
  app.put(
    '/api/agencies/:id/capacity',
    {
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
