import { agencyId, contingentId, unitId } from '../../core/ids.ts';
import type { HandoverService } from '../../service/service.ts';
import type { App } from '../app.ts';
import {
  CallOffBody,
  DatedActionBody,
  ErrorBody,
  IdParams,
  PlanHandoverBody,
  SiteList,
  SitePatchBody,
  SiteQuery,
  SiteView,
  StartJointGuardBody,
  TakeUnderProtectionBody,
} from '../schemas.ts';
import { siteView } from '../views.ts';

const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const tags = ['sites'];

export function registerSiteRoutes(app: App, svc: HandoverService) {
  app.get(
    '/api/sites',
    {
      schema: {
        tags,
        operationId: 'findSites',
        summary: 'Sites of the register, filtered and paginated',
        querystring: SiteQuery,
        response: { 200: SiteList, 400: ErrorBody },
      },
    },
    async (req) => {
      const q = req.query;
      const { items, total } = await svc.listSites({
        ...((q.state ?? q.status) ? { state: q.state ?? q.status } : {}),
        ...(q.district ? { district: q.district } : {}),
        ...(q.sector ? { sector: q.sector } : {}),
        ...(q.contingent ? { contingent: contingentId(q.contingent) } : {}),
        ...(q.unit ? { unit: unitId(q.unit) } : {}),
        ...(q.agency ? { agency: agencyId(q.agency) } : {}),
        ...(q.q ? { q: q.q } : {}),
        limit: q.limit,
        offset: q.offset,
      });
      return { items: items.map(siteView), total, limit: q.limit, offset: q.offset };
    },
  );

  app.post(
    '/api/sites',
    {
      schema: {
        tags,
        operationId: 'takeUnderProtection',
        summary: 'Take a site under protection: it enters the register guarded by a unit, from a date',
        body: TakeUnderProtectionBody,
        response: { 201: SiteView, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(siteView(await svc.takeUnderProtection(req.body, req.actor))),
  );

  app.get(
    '/api/sites/:id',
    { schema: { tags, operationId: 'getSite', params: IdParams, response: { 200: SiteView, ...errors } } },
    async (req) => siteView(await svc.getSite(req.params.id)),
  );

  app.patch(
    '/api/sites/:id',
    {
      schema: {
        tags,
        operationId: 'updateSite',
        summary: 'Change register fields of a site (not its lifecycle); needs the version you read',
        params: IdParams,
        body: SitePatchBody,
        response: { 200: SiteView, ...errors },
      },
    },
    async (req) => {
      const { version, ...patch } = req.body;
      return siteView(await svc.updateSite(req.params.id, patch, version, req.actor));
    },
  );

  app.post(
    '/api/sites/:id/plan-handover',
    {
      schema: {
        tags,
        operationId: 'planHandover',
        summary: 'Plan the handover of a protected site to an agency from a date',
        params: IdParams,
        body: PlanHandoverBody,
        response: { 200: SiteView, ...errors },
      },
    },
    async (req) => siteView(await svc.planHandover(req.params.id, req.body, req.actor)),
  );
  app.post(
    '/api/sites/:id/start-joint-guard',
    {
      schema: {
        tags,
        operationId: 'startJointGuard',
        summary: "Relief in place begins: the agency's guards join the unit on site",
        params: IdParams,
        body: StartJointGuardBody,
        response: { 200: SiteView, ...errors },
      },
    },
    async (req) => siteView(await svc.startJointGuard(req.params.id, req.body, req.actor)),
  );
  app.post(
    '/api/sites/:id/transfer-authority',
    {
      schema: {
        tags,
        operationId: 'transferAuthority',
        summary: 'Transfer of authority: the agency guards alone from the date, the unit leaves the site',
        params: IdParams,
        body: DatedActionBody,
        response: { 200: SiteView, ...errors },
      },
    },
    async (req) => siteView(await svc.transferAuthority(req.params.id, req.body, req.actor)),
  );
  app.post(
    '/api/sites/:id/call-off-handover',
    {
      schema: {
        tags,
        operationId: 'callOffHandover',
        summary: 'Call off a planned handover or a joint guard: the unit stays and guards alone',
        params: IdParams,
        body: CallOffBody,
        response: { 200: SiteView, ...errors },
      },
    },
    async (req) => siteView(await svc.callOffHandover(req.params.id, req.body, req.actor)),
  );
}
