import { agencyId, contingentId, unitId } from '../../core/ids.ts';
import { isIsoDate } from '../../core/dates.ts';
import { maySign, type SignatureSide, type SigningParties } from '../../core/handover/signatures.ts';
import type { Site } from '../../core/model.ts';
import { AccountService, actorOf, AuthError } from '../../service/accounts.ts';
import { InputError } from '../../service/errors.ts';
import type { Actor, HandoverService } from '../../service/service.ts';
import type { App } from '../app.ts';
import {
  CallOffBody,
  ErrorBody,
  IdParams,
  PlanHandoverBody,
  SiteList,
  SitePatchBody,
  SiteQuery,
  SignTransferBody,
  SiteView,
  type SiteViewT,
  StartJointGuardBody,
  TakeUnderProtectionBody,
} from '../schemas.ts';
import { siteView } from '../views.ts';

const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const tags = ['sites'];

const guardOf = (guards: Map<string, SiteViewT['guard']>, site: Site): SiteViewT['guard'] =>
  guards.get(site.id) ?? { unit_name: site.guardedBy, contingent: '', nation: '' };

export function registerSiteRoutes(
  app: App,
  svc: HandoverService,
  accounts: AccountService = new AccountService(svc.store),
) {
  const signable = (actor: Actor) => (_site: Site, parties: SigningParties, side: SignatureSide) =>
    maySign(actor, parties, side);
  const view = async (actor: Actor, site: Site) => {
    const { actions, signatures, guards } = await svc.describeSites([site], actor, signable(actor));
    return siteView(site, actions.get(site.id) ?? [], signatures.get(site.id), guardOf(guards, site));
  };
  app.get(
    '/api/sites',
    {
      config: { policy: 'site.read' },
      schema: {
        tags,
        operationId: 'findSites',
        summary: 'Sites of the register, filtered and paginated',
        querystring: SiteQuery,
        response: { 200: SiteList, 400: ErrorBody },
      },
    },
    async (req, reply) => {
      const q = req.query;
      // The view is built field by field from the typed SiteView, so plain JSON is exact; the schema's
      // compiled serializer checks every union per site and took half the time of a 1,000-site page.
      reply.serializer(JSON.stringify);
      const {
        items,
        total,
        descriptions: { actions, signatures, guards },
      } = await svc.listSitesDescribed(
        {
          ...((q.state ?? q.status) ? { state: q.state ?? q.status } : {}),
          ...(q.district ? { district: q.district } : {}),
          ...(q.sector ? { sector: q.sector } : {}),
          ...(q.contingent ? { contingent: contingentId(q.contingent) } : {}),
          ...(q.unit ? { unit: unitId(q.unit) } : {}),
          ...(q.agency ? { agency: agencyId(q.agency) } : {}),
          ...(q.q ? { q: q.q } : {}),
          limit: q.limit,
          offset: q.offset,
        },
        req.actor,
        signable(req.actor),
      );
      return {
        items: items.map((s) =>
          siteView(s, actions.get(s.id) ?? [], signatures.get(s.id), guardOf(guards, s)),
        ),
        total,
        limit: q.limit,
        offset: q.offset,
      };
    },
  );

  app.post(
    '/api/sites',
    {
      config: { policy: 'site.create' },
      schema: {
        tags,
        operationId: 'takeUnderProtection',
        summary: 'Take a site under protection: it enters the register guarded by a unit, from a date',
        body: TakeUnderProtectionBody,
        response: { 201: SiteView, ...errors },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await view(req.actor, await svc.takeUnderProtection(req.body, req.actor))),
  );

  app.get(
    '/api/sites/:id',
    {
      config: { policy: 'site.read' },
      schema: { tags, operationId: 'getSite', params: IdParams, response: { 200: SiteView, ...errors } },
    },
    async (req) => await view(req.actor, await svc.getSite(req.params.id, req.actor)),
  );

  app.patch(
    '/api/sites/:id',
    {
      config: { policy: 'site.update' },
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
      return await view(req.actor, await svc.updateSite(req.params.id, patch, version, req.actor));
    },
  );

  app.post(
    '/api/sites/:id/plan-handover',
    {
      config: { policy: 'handover.plan' },
      schema: {
        tags,
        operationId: 'planHandover',
        summary: 'Plan the handover of a protected site to an agency from a date',
        params: IdParams,
        body: PlanHandoverBody,
        response: { 200: SiteView, ...errors },
      },
    },
    async (req) => await view(req.actor, await svc.planHandover(req.params.id, req.body, req.actor)),
  );
  app.post(
    '/api/sites/:id/start-joint-guard',
    {
      config: { policy: 'handover.start_joint_guard' },
      schema: {
        tags,
        operationId: 'startJointGuard',
        summary: "Relief in place begins: the agency's guards join the unit on site",
        params: IdParams,
        body: StartJointGuardBody,
        response: { 200: SiteView, ...errors },
      },
    },
    async (req) => await view(req.actor, await svc.startJointGuard(req.params.id, req.body, req.actor)),
  );
  app.post(
    '/api/sites/:id/signatures',
    {
      config: { policy: 'handover.sign' },
      schema: {
        tags,
        operationId: 'signTransfer',
        summary:
          'Sign the transfer of authority for one side, re-entering your password; when both sides have signed the same version, the transfer takes effect',
        params: IdParams,
        body: SignTransferBody,
        response: { 200: SiteView, 403: ErrorBody, 429: ErrorBody, ...errors },
      },
    },
    async (req, reply) => {
      const principal = req.principal;
      if (!principal) return reply.code(401).send({ error: 'not_signed_in', message: 'Sign in first.' });
      const { password, ...input } = req.body;
      // A site the caller cannot see is not found, and a date that is none is bad input, before any password
      // is looked at.
      await svc.getSite(req.params.id, req.actor);
      if (input.on !== undefined && !isIsoDate(input.on))
        throw new InputError([{ path: 'on', message: `"${input.on}" is not a calendar date (YYYY-MM-DD)` }]);
      try {
        await accounts.confirmPassword(principal, password, req.ip);
      } catch (e) {
        if (!(e instanceof AuthError)) throw e;
        if (e.retryAfterSeconds !== undefined) reply.header('retry-after', String(e.retryAfterSeconds));
        return reply.code(e.status).send({ error: e.code, message: e.message });
      }
      // The signer is the account whose password was just entered.
      const site = await svc.signTransfer(req.params.id, input, actorOf(principal.user));
      return await view(req.actor, site);
    },
  );
  app.post(
    '/api/sites/:id/call-off-handover',
    {
      config: { policy: 'handover.call_off' },
      schema: {
        tags,
        operationId: 'callOffHandover',
        summary: 'Call off a planned handover or a joint guard: the unit stays and guards alone',
        params: IdParams,
        body: CallOffBody,
        response: { 200: SiteView, ...errors },
      },
    },
    async (req) => await view(req.actor, await svc.callOffHandover(req.params.id, req.body, req.actor)),
  );
}
