import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACTIONS,
  canSee,
  decide,
  type Action,
  type Facts,
  type SiteFacts,
  type Who,
} from '../../src/core/auth/policy.ts';
import type { Role, Scope } from '../../src/core/auth/roles.ts';
import { ROLES } from '../../src/core/auth/roles.ts';
import { buildApp, type App } from '../../src/server/app.ts';
import { DEMO_ACTOR, HandoverService } from '../../src/service/service.ts';
import { PlanningService } from '../../src/service/planning.ts';
import { TEST_PASSWORD, tokenFor } from '../support/auth.ts';
import { backends } from '../support/backends.ts';
import { demoScenario } from '../support/scenarios.ts';

/**
 * The authorization matrix, generated from the OpenAPI document: every documented route × every role ×
 * a record in the user's scope, one out of it, and one that does not exist. The expected answer comes from
 * the written policy table (src/core/auth/policy.ts), applied to the record as it stands at that moment:
 * hidden → the same answer as for a record that does not exist; forbidden → 403; allowed → anything but
 * 401/403/404 (a rule of the lifecycle or a stale version may still refuse it, 409). A route without a
 * policy fails. List routes must not leak an out-of-scope item.
 */

interface Operation {
  operationId: string;
  'x-policy'?: string;
}
type Doc = { paths: Record<string, Record<string, Operation>> };

/** One user per role; scoped roles get a scope that reaches some demo records and not others. */
const USERS: { role: Role; scope: Scope | null }[] = [
  { role: 'administrator', scope: null },
  { role: 'force_command', scope: null },
  { role: 'observer', scope: null },
  { role: 'contingent_command', scope: { kind: 'contingent', id: 'ARM' } },
  { role: 'unit_commander', scope: { kind: 'unit', id: 'rus-abn-1' } },
  { role: 'agency_liaison', scope: { kind: 'agency', id: 'national-guard' } },
  { role: 'facility_operator', scope: { kind: 'site', id: 'aksai-bakery' } },
];

/** A body each write route accepts (ids filled in per request). */
function bodyFor(operationId: string, target: { site?: string; version?: number }): unknown {
  const v = target.version ?? 0;
  switch (operationId) {
    case 'takeUnderProtection':
      return {
        id: `new-${Math.random().toString(36).slice(2, 8)}`,
        name: 'New site',
        sector: 'food',
        criticality: 2,
        district: 'Medeu',
        guards: 4,
        guarded_by: target.site ?? 'rus-abn-1',
        protected_since: '2022-01-12',
      };
    case 'updateSite':
      return { version: v, operator: { name: 'Operator', contact: '+7 727 000 00 00' } };
    case 'planHandover':
      return { agency: 'national-guard', start: '2022-01-13', version: v };
    case 'startJointGuard':
      return { agency: 'national-guard', on: '2022-01-12', version: v };
    case 'signTransfer':
      return { side: 'receiving', version: v, password: TEST_PASSWORD };
    case 'transferAuthority':
      return { on: '2022-01-14', version: v };
    case 'callOffHandover':
      return { reason: 'matrix', version: v };
    case 'releaseUnit':
      return { on: '2022-01-14' };
    case 'withdrawContingent':
      return { on: '2022-01-15' };
    case 'setAgencyCapacity':
      return { version: v, capacity: [{ from: '2022-01-11', guards: 400 }] };
    case 'recordIncident':
      return {
        at: '2022-01-12T08:00:00+06:00',
        kind: 'other',
        severity: 1,
        description: 'matrix probe',
        ...(target.site ? { site: target.site } : {}),
      };
    case 'recordIndicator':
      return { date: '2022-01-12', indicator: 'internet', level: 'normal' };
    case 'recordRestriction':
      return {
        id: `r-${Math.random().toString(36).slice(2, 8)}`,
        kind: 'curfew',
        description: 'x',
        from: '2022-01-12',
      };
    case 'recordFacilityOutput':
      return { site: target.site ?? 'aksai-bakery', date: '2022-01-12', status: 'operating' };
    case 'importScenario':
      return demoScenario();
    case 'startPlanningRun':
      return { time_limit_s: 2 };
    case 'adoptPlan':
      return {};
    default:
      return undefined;
  }
}

/** What record a route's request is about: from its path parameter, or a site named in its body. */
function kindOf(path: string, operationId: string): 'site' | 'unit' | 'contingent' | 'agency' | 'operation' {
  if (/^\/api\/sites\/\{id\}/.test(path)) return 'site';
  if (/^\/api\/units\/\{id\}/.test(path)) return 'unit';
  if (/^\/api\/contingents\/\{id\}/.test(path)) return 'contingent';
  if (/^\/api\/agencies\/\{id\}/.test(path)) return 'agency';
  if (['recordIncident', 'recordFacilityOutput'].includes(operationId)) return 'site';
  if (operationId === 'takeUnderProtection') return 'unit';
  return 'operation';
}
const bodyTarget = (operationId: string) =>
  ['recordIncident', 'recordFacilityOutput', 'takeUnderProtection'].includes(operationId);

describe.each(backends)(
  'authorization matrix on $name (from the OpenAPI document, against the policy table)',
  (backend) => {
    let app: App;
    let svc: HandoverService;
    let cleanup: () => Promise<void>;
    const tokens = new Map<Role, { authorization: string }>();
    let planId = 0;

    /** Resets the operation: the demo, with handovers to the National Guard planned and one in joint guard. */
    async function reset() {
      await svc.importScenario(demoScenario(), DEMO_ACTOR, { replace: true });
      await svc.planHandover('aksai-bakery', { agency: 'national-guard', start: '2022-01-13' }, DEMO_ACTOR);
      await svc.startJointGuard('kazakhtelecom', { agency: 'national-guard', on: '2022-01-13' }, DEMO_ACTOR);
    }

    beforeAll(async () => {
      const opened = await backend.open();
      svc = new HandoverService(opened.store, () => new Date('2022-01-13T09:00:00+06:00'));
      const planning = new PlanningService(svc);
      app = await buildApp({ service: svc, planning, security: { rateLimitPerMinute: 0 } });
      cleanup = async () => {
        await app.close();
        await opened.cleanup();
      };
      await reset();
      for (const u of USERS)
        tokens.set(
          u.role,
          await tokenFor(opened.store, { username: `m-${u.role}`, role: u.role, scope: u.scope }),
        );
      const run = await planning.start({ timeLimitS: 2 }, DEMO_ACTOR);
      planId = (await planning.wait(run.id)).id;
    }, 60_000);
    afterAll(() => cleanup());

    /** Every record of a kind with its scope facts, as the register holds it now. */
    async function records(
      kind: 'site' | 'unit' | 'contingent' | 'agency',
    ): Promise<(Exclude<Facts, { kind: 'operation' }> & { version: number })[]> {
      switch (kind) {
        case 'site': {
          const units = new Map((await svc.listUnits({}, DEMO_ACTOR)).map((u) => [u.id, u.contingentId]));
          const { items } = await svc.listSites({ limit: 1000 }, DEMO_ACTOR);
          return items.map((s) => ({
            kind: 'site',
            id: s.id,
            unit: s.guardedBy,
            contingent: units.get(s.guardedBy) ?? '',
            agency: s.handover?.agencyId ?? null,
            version: s.version,
          }));
        }
        case 'unit':
          return (await svc.listUnits({}, DEMO_ACTOR)).map((u) => ({
            kind: 'unit',
            id: u.id,
            contingent: u.contingentId,
            version: u.version,
          }));
        case 'contingent':
          return (await svc.listContingents(DEMO_ACTOR)).map((c) => ({
            kind: 'contingent',
            id: c.id,
            version: c.version,
          }));
        case 'agency':
          return (await svc.listAgencies(DEMO_ACTOR)).map((a) => ({
            kind: 'agency',
            id: a.id,
            version: a.version,
          }));
      }
    }

    it('gives every route a policy, and every policy names an action of the table', async () => {
      const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json<Doc>();
      const missing: string[] = [];
      for (const [path, ops] of Object.entries(doc.paths))
        for (const [method, op] of Object.entries(ops)) {
          const p = op['x-policy'];
          if (!p || !([...ACTIONS, 'public', 'session'] as string[]).includes(p))
            missing.push(`${method.toUpperCase()} ${path}: ${String(p)}`);
        }
      expect(missing).toEqual([]);
      // Every action of the table guards some route: a policy nobody applies is a policy nobody tested.
      const used = new Set(
        Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o['x-policy'])),
      );
      expect(ACTIONS.filter((a) => !used.has(a))).toEqual([]);
    });

    it('answers every route × role × in scope / out of scope / missing as the policy table says', async () => {
      const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json<Doc>();
      const failures: string[] = [];
      let checked = 0;
      for (const [path, ops] of Object.entries(doc.paths))
        for (const [method, op] of Object.entries(ops)) {
          const policy = op['x-policy'];
          if (!policy || policy === 'public' || policy === 'session') continue;
          if (op.operationId === 'streamChanges') continue; // a stream: tested in test/api/live.test.ts
          const action = policy as Action;
          await reset();
          const kind = kindOf(path, op.operationId);
          for (const user of USERS) {
            const who: Who = user;
            const auth = tokens.get(user.role)!;
            const cases: { label: string; id: string; facts: Facts | null; version?: number }[] = [];
            if (kind === 'operation')
              cases.push({ label: 'operation', id: '', facts: { kind: 'operation' } });
            else {
              const all = await records(kind);
              const inScope = all.find((r) => canSee(who, r));
              const outOfScope = all.find((r) => !canSee(who, r));
              if (inScope)
                cases.push({ label: 'in scope', id: inScope.id, facts: inScope, version: inScope.version });
              if (outOfScope)
                cases.push({
                  label: 'out of scope',
                  id: outOfScope.id,
                  facts: outOfScope,
                  version: outOfScope.version,
                });
              cases.push({ label: 'missing', id: 'no-such-record', facts: null });
            }
            const answers = new Map<string, { status: number; error: string }>();
            for (const c of cases) {
              let url = path.replace('{id}', encodeURIComponent(c.id));
              if (path.includes('/api/plans/{id}')) url = path.replace('{id}', String(planId));
              if (op.operationId === 'comparePlans') url = `${path}?a=${planId}&b=${planId}`;
              if (op.operationId === 'getHandoverAct') url = `${url}?lang=en`;
              const target = bodyTarget(op.operationId) ? { site: c.id } : {};
              const payload =
                method === 'get'
                  ? undefined
                  : bodyFor(op.operationId, { ...target, version: c.version ?? 0 });
              if (method !== 'get' && payload === undefined) {
                failures.push(
                  `${method.toUpperCase()} ${path}: no request body in this test for ${op.operationId}`,
                );
                continue;
              }
              const r = await app.inject({
                method: method.toUpperCase() as 'GET',
                url,
                headers: auth,
                ...(payload !== undefined ? { payload: payload as object } : {}),
              });
              checked++;
              const error = String(r.headers['content-type']).startsWith('application/json')
                ? (r.json<{ error?: string }>().error ?? '')
                : '';
              answers.set(c.label, { status: r.statusCode, error });
              const where = `${method.toUpperCase()} ${path} as ${user.role} (${c.label} ${c.id}) → ${r.statusCode} ${error}`;
              if (c.facts === null) {
                // A record that does not exist: never "forbidden" (that would say it exists), never done.
                if (r.statusCode < 400 || [401, 403, 500].includes(r.statusCode)) failures.push(where);
                continue;
              }
              const d = decide(who, action, c.facts);
              const ok =
                d.outcome === 'forbidden'
                  ? r.statusCode === 403 && error === 'forbidden'
                  : d.outcome === 'allowed'
                    ? ![401, 403, 404].includes(r.statusCode) && r.statusCode < 500
                    : true; // hidden: compared with "missing" below
              if (!ok) failures.push(`${where}; the policy says ${d.outcome}`);
            }
            const hidden = answers.get('out of scope');
            const missing = answers.get('missing');
            const outCase = cases.find((c) => c.label === 'out of scope');
            if (
              hidden &&
              missing &&
              outCase?.facts &&
              decide(who, action, outCase.facts).outcome === 'hidden'
            )
              if (hidden.status !== missing.status || hidden.error !== missing.error)
                failures.push(
                  `${method.toUpperCase()} ${path} as ${user.role}: out of scope answers ${hidden.status} ${hidden.error}, missing ${missing.status} ${missing.error}`,
                );
          }
        }
      expect(failures).toEqual([]);
      expect(checked).toBeGreaterThan(400);
    }, 240_000);

    it('leaves out-of-scope records out of every list', async () => {
      await reset();
      const units = new Map((await svc.listUnits({}, DEMO_ACTOR)).map((u) => [u.id, u.contingentId]));
      const siteFacts = new Map(
        (await svc.listSites({ limit: 1000 }, DEMO_ACTOR)).items.map((s): [string, SiteFacts] => [
          s.id,
          {
            kind: 'site',
            id: s.id,
            unit: s.guardedBy,
            contingent: units.get(s.guardedBy) ?? '',
            agency: s.handover?.agencyId ?? null,
          },
        ]),
      );
      for (const user of USERS) {
        /** A list the role may read answers 200; one it may not, 403 — and is then checked as empty. */
        const get = async <T>(url: string, action: Action = 'site.read'): Promise<T> => {
          const r = await app.inject({ method: 'GET', url, headers: tokens.get(user.role)! });
          if (decide(user, action, { kind: 'operation' }).outcome === 'forbidden') {
            expect(r.statusCode, `${url} as ${user.role}`).toBe(403);
            return { items: [] } as T;
          }
          expect(r.statusCode, `${url} as ${user.role}`).toBe(200);
          return r.json<T>();
        };
        const sites = (await get<{ items: { id: string }[]; total: number }>('/api/sites?limit=1000')).items;
        const visibleSites = [...siteFacts.values()].filter((f) => canSee(user, f)).map((f) => f.id);
        expect(sites.map((s) => s.id).sort(), user.role).toEqual(visibleSites.sort());
        for (const u of (
          await get<{ items: { id: string; contingent: string }[] }>('/api/units', 'force.read')
        ).items)
          expect(
            canSee(user, { kind: 'unit', id: u.id, contingent: u.contingent }),
            `${user.role} ${u.id}`,
          ).toBe(true);
        for (const c of (await get<{ items: { id: string }[] }>('/api/contingents', 'force.read')).items)
          expect(canSee(user, { kind: 'contingent', id: c.id }), `${user.role} ${c.id}`).toBe(true);
        for (const a of (await get<{ items: { id: string }[] }>('/api/agencies', 'agency.read')).items)
          expect(canSee(user, { kind: 'agency', id: a.id }), `${user.role} ${a.id}`).toBe(true);
        const incidents = (await get<{ items: { site?: string }[] }>('/api/incidents?limit=1000')).items;
        for (const i of incidents)
          if (i.site)
            expect(canSee(user, siteFacts.get(i.site)!), `${user.role} incident at ${i.site}`).toBe(true);
        for (const o of (await get<{ items: { site: string }[] }>('/api/facility-output')).items)
          expect(canSee(user, siteFacts.get(o.site)!), `${user.role} output of ${o.site}`).toBe(true);
        const status = await get<{ sites: { total: number } }>('/api/status?as_of=2022-01-12');
        expect(status.sites.total, `${user.role} status`).toBe(visibleSites.length);
        // A plan names records of every scope: each reader gets the part of it in their scope, a site
        // being theirs with the agency the plan gives it (src/core/auth/plan-scope.ts).
        const unitContingent = new Map<string, string>(units);
        const { plan } = await get<{
          plan?: {
            handovers: { site: string; agency: string }[];
            units: { unit: string }[];
            contingents: { contingent: string }[];
          };
        }>(`/api/plans/${planId}`, 'plan.read');
        expect(plan, `${user.role} reads plan ${planId}`).toBeDefined();
        for (const h of plan!.handovers)
          expect(
            canSee(user, { ...siteFacts.get(h.site)!, agency: h.agency }),
            `${user.role} plan ${h.site}`,
          ).toBe(true);
        for (const u of plan!.units)
          expect(
            canSee(user, { kind: 'unit', id: u.unit, contingent: unitContingent.get(u.unit) ?? '' }),
            `${user.role} plan ${u.unit}`,
          ).toBe(true);
        for (const c of plan!.contingents)
          expect(
            canSee(user, { kind: 'contingent', id: c.contingent }),
            `${user.role} plan ${c.contingent}`,
          ).toBe(true);
      }
      // And the scoped roles do see something: the scopes above are not empty by accident.
      for (const role of [
        'contingent_command',
        'unit_commander',
        'agency_liaison',
        'facility_operator',
      ] as const)
        expect(
          [...siteFacts.values()].filter((f) =>
            canSee(
              USERS.find((u) => u.role === role)!,
              f,
            ),
          ).length,
          role,
        ).toBeGreaterThan(0);
    });

    it('enforces field-level rules: an operator may change its site’s operator, not its criticality', async () => {
      await reset();
      const auth = tokens.get('facility_operator')!;
      const site = await svc.getSite('aksai-bakery', DEMO_ACTOR);
      const refused = await app.inject({
        method: 'PATCH',
        url: '/api/sites/aksai-bakery',
        headers: auth,
        payload: { version: site.version, criticality: 1 },
      });
      expect(refused.statusCode).toBe(403);
      expect(refused.json<{ message: string }>().message).toMatch(/criticality/);
      const ok = await app.inject({
        method: 'PATCH',
        url: '/api/sites/aksai-bakery',
        headers: auth,
        payload: { version: site.version, operator: { name: 'Aksai Nan LLP', contact: '+7 727 000 00 01' } },
      });
      expect(ok.statusCode, ok.body).toBe(200);
      expect((await svc.getSite('aksai-bakery', DEMO_ACTOR)).criticality).toBe(site.criticality);
    });

    it('writes every refused access to the audit log, out-of-scope ones too', async () => {
      await reset();
      const hidden = await app.inject({
        method: 'GET',
        url: '/api/sites/kazakhtelecom',
        headers: tokens.get('contingent_command')!,
      });
      expect(hidden.statusCode).toBe(404);
      const forbidden = await app.inject({
        method: 'POST',
        url: '/api/indicators',
        headers: tokens.get('observer')!,
        payload: { date: '2022-01-12', indicator: 'internet', level: 'normal' },
      });
      expect(forbidden.statusCode).toBe(403);
      const log = await svc.listAudit({ limit: 100_000 }, DEMO_ACTOR);
      const refusals = log.filter((e) => e.action === 'access.refused').slice(-2);
      expect(refusals).toHaveLength(2);
      expect(refusals[0]).toMatchObject({
        actor: 'm-contingent_command',
        entity: 'site',
        entityId: 'kazakhtelecom',
        after: { outcome: 'out_of_scope', request: 'GET /api/sites/kazakhtelecom' },
      });
      expect(refusals[1]).toMatchObject({
        actor: 'm-observer',
        after: { outcome: 'forbidden', action: 'situation.record' },
      });
    });

    it('covers every role in the table', () => {
      expect(USERS.map((u) => u.role).sort()).toEqual([...ROLES].sort());
    });
  },
);
