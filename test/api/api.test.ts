import { readFileSync } from 'node:fs';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/server/app.ts';
import { SiteList } from '../../src/server/schemas.ts';
import { DEMO_ACTOR, HandoverService } from '../../src/service/service.ts';
import { signInAsAdministrator } from '../support/auth.ts';
import { backends } from '../support/backends.ts';
import { transferBySignatures } from '../signatures/support.ts';
import { demoScenario } from '../support/scenarios.ts';

/** The HTTP API over each storage backend, through `inject`: what a client sees, status codes and bodies. */

interface DemoSite {
  id: string;
  name: string;
  sector: string;
  district: string;
  guarded_by: string;
  criticality: number;
}
interface Demo {
  force: { contingents: { id: string; units: { id: string }[] }[] };
  sites: DemoSite[];
}
interface Problem {
  path: string;
  message: string;
}
interface SiteBody {
  id: string;
  state: string;
  version: number;
}

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
const demo = demoScenario() as Demo;
const now = new Date('2022-01-12T09:00:00+06:00');

describe.each(backends)('HTTP API on $name', (backend) => {
  let app: App;
  let svc: HandoverService;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const opened = await backend.open();
    cleanup = opened.cleanup;
    svc = new HandoverService(opened.store, () => now);
    app = await buildApp({ service: svc });
    await signInAsAdministrator(app, opened.store);
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  const loadDemo = () => svc.importScenario(demoScenario(), DEMO_ACTOR);
  const get = (url: string) => app.inject({ method: 'GET', url });
  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, payload: payload as object, headers });
  const problemPaths = (body: unknown) => (body as { problems: Problem[] }).problems.map((p) => p.path);
  const ids = (body: unknown) => (body as { items: { id: string }[] }).items.map((s) => s.id);

  it('compresses large answers for a client that accepts it (brotli, else gzip), and small ones not', async () => {
    await loadDemo();
    const plain = await get('/api/sites');
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const br = await app.inject({
      method: 'GET',
      url: '/api/sites',
      headers: { 'accept-encoding': 'gzip, br' },
    });
    expect(br.headers['content-encoding']).toBe('br');
    expect(JSON.parse(brotliDecompressSync(br.rawPayload).toString('utf8'))).toEqual(plain.json());
    expect(br.rawPayload.length).toBeLessThan(plain.rawPayload.length / 3);
    const gz = await app.inject({ method: 'GET', url: '/api/sites', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(gz.rawPayload).toString('utf8'))).toEqual(plain.json());
    const small = await app.inject({
      method: 'GET',
      url: '/api/health',
      headers: { 'accept-encoding': 'br' },
    });
    expect(small.rawPayload.length).toBeLessThan(1024);
    expect(small.headers['content-encoding']).toBeUndefined();
  });

  it('reports its health: version and database kind, and the operation once there is one', async () => {
    const before = await get('/api/health');
    expect(before.statusCode).toBe(200);
    expect(before.json()).toEqual({
      status: 'ok',
      version: VERSION,
      database: backend.name,
      operation: null,
    });
    await loadDemo();
    expect((await get('/api/health')).json()).toMatchObject({
      database: backend.name,
      operation: 'CSTO collective peacekeeping force — Almaty handover',
    });
  });

  it('answers the site list exactly in its documented schema (it is serialized without the schema)', async () => {
    await loadDemo();
    await post('/api/sites/kazakhtelecom/plan-handover', { agency: 'national-guard', start: '2022-01-13' });
    const body = (await get('/api/sites?limit=1000')).json<unknown>();
    const validate = new Ajv2020({ strict: false, validateFormats: false }).compile(SiteList);
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
    expect((body as { items: unknown[] }).items).toHaveLength(14);
  });

  it('refuses numbers too large to hold, in a query or a body, with 400 naming the field', async () => {
    await loadDemo();
    const q = await get('/api/sites?offset=1e309');
    expect(q.statusCode).toBe(400);
    expect(problemPaths(q.json())).toEqual(['offset']);
    const b = await app.inject({
      method: 'PATCH',
      url: '/api/sites/tpp-2',
      headers: { 'content-type': 'application/json' },
      payload: '{"version": 1e309, "guards": 5}',
    });
    expect(b.statusCode).toBe(400);
    expect(problemPaths(b.json())).toEqual(['version']);
  });

  it('searches names for % and _ as themselves, not as wildcards', async () => {
    const scenario = demoScenario() as { sites: { id: string; name: string }[] };
    const [a, b, c] = scenario.sites;
    if (!a || !b || !c) throw new Error('demo has sites');
    a.name = 'Depot 5% north';
    b.name = 'Depot 50 north';
    c.name = 'pump_house';
    await svc.importScenario(scenario, DEMO_ACTOR);
    expect(ids((await get('/api/sites?q=5%25')).json())).toEqual([a.id]);
    expect(ids((await get('/api/sites?q=p_h')).json())).toEqual([c.id]);
    expect(ids((await get('/api/sites?q=%5C')).json())).toEqual([]);
  });

  it('lists the 14 demo sites, filtered and paginated', async () => {
    await loadDemo();
    const all = await get('/api/sites');
    expect(all.statusCode).toBe(200);
    expect(all.json()).toMatchObject({ total: 14, limit: 100, offset: 0 });
    expect(ids(all.json())).toEqual(demo.sites.map((s) => s.id));

    const unitOf = new Map(demo.force.contingents.flatMap((c) => c.units.map((u) => [u.id, c.id] as const)));
    const expectSites = async (query: string, keep: (s: DemoSite) => boolean) => {
      const r = await get(`/api/sites?${query}`);
      expect(r.statusCode, query).toBe(200);
      const expected = demo.sites.filter(keep).map((s) => s.id);
      expect(expected.length, `${query} selects something`).toBeGreaterThan(0);
      expect(ids(r.json()), query).toEqual(expected);
      expect(r.json<{ total: number }>().total, query).toBe(expected.length);
    };
    await expectSites('state=protected', () => true);
    await expectSites('district=Almaly', (s) => s.district === 'Almaly');
    await expectSites('sector=transport', (s) => s.sector === 'transport');
    await expectSites('contingent=ARM', (s) => unitOf.get(s.guarded_by) === 'ARM');
    expect(ids((await get('/api/sites?contingent=ARM')).json())).toEqual(['aksai-bakery']);
    await expectSites('unit=kgz-1', (s) => s.guarded_by === 'kgz-1');
    await expectSites('q=STATION', (s) => /station/i.test(s.id) || /station/i.test(s.name));
    await expectSites('sector=fuel&district=Turksib', (s) => s.sector === 'fuel' && s.district === 'Turksib');
    const none = (await get('/api/sites?state=transferred')).json<{ items: unknown[]; total: number }>();
    expect(none).toMatchObject({ items: [], total: 0 });

    await post('/api/sites/tpp-2/start-joint-guard', { agency: 'national-guard', on: '2022-01-12' });
    expect(ids((await get('/api/sites?agency=national-guard')).json())).toEqual(['tpp-2']);
    expect(ids((await get('/api/sites?state=joint_guard')).json())).toEqual(['tpp-2']);
    // `status` is accepted as another name for the same filter.
    expect(ids((await get('/api/sites?status=joint_guard')).json())).toEqual(['tpp-2']);

    const pages: string[] = [];
    for (const offset of [0, 5, 10, 15]) {
      const r = (await get(`/api/sites?limit=5&offset=${offset}`)).json<{
        total: number;
        items: unknown[];
      }>();
      expect(r.total).toBe(14);
      pages.push(...ids(r));
    }
    expect(pages).toEqual(demo.sites.map((s) => s.id));
  });

  it('answers bad input with 400 naming the field, never 5xx', async () => {
    await loadDemo();
    const cases: [string, string, unknown, string][] = [
      ['POST', '/api/sites/aksai-bakery/start-joint-guard', { agency: 'police', colour: 'red' }, 'colour'],
      ['POST', '/api/sites/aksai-bakery/start-joint-guard', { agency: 42 }, 'agency'],
      ['POST', '/api/sites/aksai-bakery/start-joint-guard', { version: '0' }, 'version'],
      ['POST', '/api/sites/aksai-bakery/start-joint-guard', { on: '2022-02-30' }, 'on'],
      ['POST', '/api/sites/aksai-bakery/start-joint-guard', { on: '12.01.2022' }, 'on'],
      [
        'POST',
        '/api/sites/aksai-bakery/signatures',
        { side: 'outgoing', version: 0, password: 'x', on: '2022-13-01' },
        'on',
      ],
      ['POST', '/api/units/arm-1/release', { on: '2021-02-29' }, 'on'],
      ['POST', '/api/sites/aksai-bakery/plan-handover', { start: '2022-01-13' }, 'agency'],
      ['POST', '/api/sites/aksai-bakery/plan-handover', { agency: 'police', start: '2022-02-31' }, 'start'],
      ['PATCH', '/api/sites/aksai-bakery', { version: 0, criticality: 9 }, 'criticality'],
      ['PATCH', '/api/sites/aksai-bakery', { version: 0, guards: 0 }, 'guards'],
      ['PATCH', '/api/sites/aksai-bakery', { guards: 3 }, 'version'],
      ['PATCH', '/api/sites/aksai-bakery', { version: 0, location: { lat: 91, lon: 0 } }, 'location.lat'],
      [
        'POST',
        '/api/incidents',
        { at: '2022-01-12T08:00:00+06:00', kind: 'riot', severity: 2, description: 'x' },
        'kind',
      ],
      [
        'POST',
        '/api/incidents',
        { at: '2022-01-12T08:00:00+06:00', kind: 'fire', severity: 9, description: 'x' },
        'severity',
      ],
      [
        'POST',
        '/api/incidents',
        { at: '2022-01-12T08:00:00', kind: 'fire', severity: 2, description: 'x' },
        'at',
      ],
      ['POST', '/api/incidents', { kind: 'fire', severity: 2, description: 'x' }, 'at'],
      ['POST', '/api/indicators', { date: '2022-01-12', indicator: 'internet', level: 'great' }, 'level'],
      [
        'POST',
        '/api/restrictions',
        { id: 'r', kind: 'curfew', description: 'x', from: '2022-02-30' },
        'from',
      ],
      [
        'PUT',
        '/api/agencies/police/capacity',
        { version: 0, capacity: [{ from: '2022-01-11', guards: -1 }] },
        'capacity[0].guards',
      ],
      [
        'PUT',
        '/api/agencies/police/capacity',
        { version: 0, capacity: [{ from: '2022-02-30', guards: 1 }] },
        'capacity[0].from',
      ],
      ['GET', '/api/sites?state=lost', undefined, 'state'],
      ['GET', '/api/sites?limit=0', undefined, 'limit'],
      ['GET', '/api/sites?limit=ten', undefined, 'limit'],
      ['GET', '/api/sites?colour=red', undefined, 'colour'],
      ['GET', '/api/status?as_of=2022-02-30', undefined, 'as_of'],
    ];
    for (const [method, url, payload, field] of cases) {
      const r = await app.inject({
        method: method as 'GET',
        url,
        ...(payload !== undefined ? { payload: payload as object } : {}),
      });
      const what = `${method} ${url} ${JSON.stringify(payload)}`;
      expect(r.statusCode, `${what}: ${r.body}`).toBe(400);
      expect(r.json(), what).toMatchObject({ error: 'invalid_input' });
      expect(problemPaths(r.json()), what).toContain(field);
    }
    const bad = await app.inject({
      method: 'POST',
      url: '/api/sites/aksai-bakery/start-joint-guard',
      headers: { 'content-type': 'application/json' },
      payload: '{"agency": ',
    });
    expect(bad.statusCode).toBe(400);
    // Nothing of it was applied.
    const site = (await get('/api/sites/aksai-bakery')).json<SiteBody>();
    expect(site).toMatchObject({ state: 'protected', version: 0 });
  });

  it('refuses by rule with 409 and the rule, a stale version with 409 stale_version, an unknown id with 404', async () => {
    await loadDemo();
    const refused = await post('/api/sites/kazakhtelecom/start-joint-guard', {
      agency: 'police',
      on: '2022-01-13',
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ error: 'rule_violation', rule: 'agency-eligibility' });
    const still = await post('/api/units/arm-1/release', { on: '2022-01-12' });
    expect(still.statusCode).toBe(409);
    expect(still.json()).toMatchObject({ rule: 'unit-still-guarding' });

    const changed = await app.inject({
      method: 'PATCH',
      url: '/api/sites/aksai-bakery',
      payload: { version: 0, guards: 17 },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ guards: 17, version: 1 });
    const stale = await app.inject({
      method: 'PATCH',
      url: '/api/sites/aksai-bakery',
      payload: { version: 0, guards: 99 },
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ error: 'stale_version' });
    const staleAction = await post('/api/sites/aksai-bakery/start-joint-guard', {
      agency: 'national-guard',
      on: '2022-01-12',
      version: 0,
    });
    expect(staleAction.statusCode).toBe(409);
    expect(staleAction.json()).toMatchObject({ error: 'stale_version' });
    const staleRelease = await post('/api/units/rus-hq/release', { on: '2022-01-12', version: 7 });
    expect(staleRelease.statusCode).toBe(409);
    expect(staleRelease.json()).toMatchObject({ error: 'stale_version' });
    expect((await get('/api/sites/aksai-bakery')).json()).toMatchObject({
      guards: 17,
      version: 1,
      state: 'protected',
    });

    for (const [method, url, payload] of [
      ['GET', '/api/sites/nowhere', undefined],
      ['PATCH', '/api/sites/nowhere', { version: 0 }],
      ['POST', '/api/sites/nowhere/signatures', { side: 'outgoing', version: 0, password: 'x' }],
      ['GET', '/api/units/nobody', undefined],
      ['POST', '/api/units/nobody/release', {}],
      ['POST', '/api/contingents/XYZ/withdraw', {}],
      ['GET', '/api/agencies/nobody', undefined],
      ['PUT', '/api/agencies/nobody/capacity', { version: 0, capacity: [] }],
      ['GET', '/api/no-such-route', undefined],
    ] as const) {
      const r = await app.inject({ method, url, ...(payload ? { payload } : {}) });
      expect(r.statusCode, `${method} ${url}`).toBe(404);
      expect(r.json(), `${method} ${url}`).toMatchObject({ error: 'not_found' });
    }
  });

  it('records the signed-in user in the audit log, and answers 401 to a request signed by nobody', async () => {
    await loadDemo();
    const r = await post('/api/sites/tpp-2/start-joint-guard', { agency: 'armed-forces', on: '2022-01-12' });
    expect(r.statusCode).toBe(200);
    const audit = (await get('/api/audit?entity=site&entity_id=tpp-2')).json<{
      items: { actor: string; action: string }[];
    }>();
    expect(audit.items).toEqual([
      expect.objectContaining({ actor: 'aigerim.admin', action: 'site.start_joint_guard' }),
    ]);
    for (const authorization of ['', 'Bearer hov_forged', 'Basic YWRtaW46YWRtaW4=']) {
      const anonymous = await post('/api/sites/tpp-2/call-off-handover', {}, { authorization });
      expect(anonymous.statusCode, authorization).toBe(401);
      expect(anonymous.json()).toMatchObject({ error: 'not_signed_in' });
    }
    expect((await get('/api/sites/tpp-2')).json()).toMatchObject({ state: 'joint_guard', version: 1 });
  });

  it('takes the Armenian contingent home: joint guard, transfer, release, withdrawal', async () => {
    await loadDemo();
    const ok = async (url: string, payload: object) => {
      const r = await post(url, payload);
      expect(r.statusCode, `${url}: ${r.body}`).toBe(200);
      return r.json<Record<string, unknown>>();
    };
    const early = await post('/api/contingents/ARM/withdraw', { on: '2022-01-12' });
    expect(early.json()).toMatchObject({ rule: 'contingent-units-deployed' });

    const joint = await ok('/api/sites/aksai-bakery/start-joint-guard', {
      agency: 'national-guard',
      on: '2022-01-12',
      version: 0,
    });
    expect(joint).toMatchObject({
      state: 'joint_guard',
      version: 1,
      handover: { agency: 'national-guard', state: 'joint_guard', start: '2022-01-12' },
    });
    const early2 = await post('/api/units/arm-1/release', { on: '2022-01-12' });
    expect(early2.json()).toMatchObject({ rule: 'unit-still-guarding' });
    // The two signatures go through the service here (test/signatures/api.test.ts covers the route).
    await expect(transferBySignatures(svc, 'aksai-bakery', { on: '2022-01-11' })).rejects.toMatchObject({
      rule: 'transfer-date',
    });
    const transferred = await transferBySignatures(svc, 'aksai-bakery', { on: '2022-01-14' });
    expect(transferred).toMatchObject({
      state: 'transferred',
      handover: { state: 'transferred', transfer: '2022-01-14' },
    });
    const unit = await ok('/api/units/arm-1/release', { on: '2022-01-14' });
    expect(unit).toMatchObject({ id: 'arm-1', state: 'released', released: '2022-01-14' });
    const c = await ok('/api/contingents/ARM/withdraw', { on: '2022-01-15' });
    expect(c).toMatchObject({ id: 'ARM', state: 'withdrawn', withdrawn: '2022-01-15' });

    expect((await get('/api/contingents/ARM')).json()).toMatchObject({ state: 'withdrawn' });
    expect((await get('/api/units/arm-1')).json()).toMatchObject({ state: 'released' });
    const status = (await get('/api/status?as_of=2022-01-14')).json<{
      sites: { by_state: Record<string, number> };
      units: { deployed: { id: string }[] };
      last_24h: { transfers_completed: string[] };
    }>();
    expect(status.sites.by_state).toEqual({ protected: 13, joint_guard: 0, transferred: 1 });
    expect(status.units.deployed.map((u) => u.id)).not.toContain('arm-1');
    expect(status.last_24h.transfers_completed).toEqual(['aksai-bakery']);
    const audit = (await get('/api/audit?after_seq=1')).json<{ items: { action: string }[] }>();
    const actions = audit.items.map((e) => e.action);
    // From the first step of the handover on (the signed-in administrator's own entries come before it).
    expect(actions.slice(actions.indexOf('site.start_joint_guard'))).toEqual([
      'site.start_joint_guard',
      'user.create',
      'site.sign_transfer',
      'user.create',
      'site.sign_transfer',
      'site.transfer',
      'unit.release',
      'contingent.withdraw',
    ]);
  });

  it('documents every route in a valid OpenAPI 3 document, each operation with an id', async () => {
    const doc = (await get('/api/openapi.json')).json<{
      openapi: string;
      info: { title: string; version: string };
      paths: Record<
        string,
        Record<
          string,
          {
            operationId?: string;
            responses?: object;
            parameters?: { schema?: object }[];
            requestBody?: { content: Record<string, { schema: object }> };
          }
        >
      >;
      components?: { schemas?: Record<string, object> };
    }>();
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info.version).toBe(VERSION);
    expect(doc.info.title).toEqual(expect.stringMatching(/\S/));

    const routes = appRoutes(app.printRoutes({ commonPrefix: false }))
      .filter((r) => r.method !== 'HEAD')
      // The API: every /api route but the document itself (the web app's pages and assets are not API).
      .filter((r) => r.url.startsWith('/api/'))
      .filter((r) => r.url !== '/api/openapi.json' && !r.url.startsWith('/api/docs'));
    expect(routes.length).toBeGreaterThan(20);
    const documented = Object.entries(doc.paths).flatMap(([url, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${url}`),
    );
    expect(documented.sort()).toEqual(
      routes.map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`).sort(),
    );

    const operationIds: string[] = [];
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    for (const [url, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops)) {
        expect(op.operationId, `${method} ${url}`).toMatch(/^[A-Za-z][A-Za-z0-9]*$/);
        operationIds.push(op.operationId!);
        expect(Object.keys(op.responses ?? {}).length, `${method} ${url} responses`).toBeGreaterThan(0);
        for (const p of op.parameters ?? [])
          if (p.schema) expect(ajv.validateSchema(p.schema), `${method} ${url}`).toBe(true);
        for (const c of Object.values(op.requestBody?.content ?? {}))
          expect(ajv.validateSchema(c.schema), `${method} ${url} body`).toBe(true);
      }
    expect(new Set(operationIds).size).toBe(operationIds.length);
    // Every reference resolves.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    for (const ref of refs) {
      expect(ref, ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components?.schemas?.[ref.slice('#/components/schemas/'.length)], ref).toBeDefined();
    }

    const docs = await get('/api/docs');
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toMatch(/text\/html/);
  });

  it('refuses a scenario with several errors as a whole, listing each, and keeps the operation', async () => {
    await loadDemo();
    const before = (await get('/api/scenario')).json<unknown>();
    const bad = structuredClone(demoScenario()) as {
      sites: Record<string, unknown>[];
      agencies: Record<string, unknown>[];
      operation: Record<string, unknown>;
    };
    bad.sites[0]!['guarded_by'] = 'nobody';
    bad.sites[1]!['criticality'] = 9;
    bad.sites[2]!['colour'] = 'red';
    bad.sites[3]!['not_before'] = '2022-02-30';
    bad.agencies[0]!['max_criticality'] = 'high';
    bad.operation['timezone'] = 'Mars/Olympus';
    const r = await app.inject({ method: 'PUT', url: '/api/scenario', payload: bad });
    expect(r.statusCode).toBe(400);
    expect(problemPaths(r.json()).sort()).toEqual(
      [
        'sites[0].guarded_by',
        'sites[1].criticality',
        'sites[2].colour',
        'sites[3].not_before',
        'agencies[0].max_criticality',
        'operation.timezone',
      ].sort(),
    );
    expect((await get('/api/scenario')).json()).toEqual(before);

    const good = await app.inject({ method: 'PUT', url: '/api/scenario', payload: demoScenario() as object });
    expect(good.statusCode).toBe(200);
    expect(good.json()).toEqual({ sites: 14 });
  });

  it('answers concurrent writes of the same record with one success and conflicts, never 5xx', async () => {
    await loadDemo();
    const burst = (method: 'POST', url: string, payload: object, n = 6) =>
      Promise.all(Array.from({ length: n }, () => app.inject({ method, url, payload })));
    const codes = (rs: { statusCode: number }[]) => rs.map((r) => r.statusCode).sort();
    const got: Record<string, number[]> = {};

    const incidents = await burst('POST', '/api/incidents', {
      id: 'same-incident',
      at: '2022-01-12T08:00:00+06:00',
      kind: 'fire',
      severity: 2,
      description: 'reported twice',
    });
    got['POST /api/incidents'] = codes(incidents);
    const sites = await burst('POST', '/api/sites', {
      id: 'same-site',
      name: 'Same site',
      sector: 'food',
      criticality: 1,
      district: 'Medeu',
      guards: 2,
      guarded_by: 'rus-hq',
      protected_since: '2022-01-12',
    });
    got['POST /api/sites'] = codes(sites);
    const restrictions = await burst('POST', '/api/restrictions', {
      id: 'same-restriction',
      kind: 'curfew',
      description: 'announced twice',
      from: '2022-01-12',
    });
    got['POST /api/restrictions'] = codes(restrictions);
    const readings = await burst('POST', '/api/indicators', {
      date: '2022-01-20',
      indicator: 'internet',
      level: 'normal',
    });
    got['POST /api/indicators'] = codes(readings);
    const outputs = await burst('POST', '/api/facility-output', {
      site: 'aksai-bakery',
      date: '2022-01-20',
      status: 'operating',
    });
    got['POST /api/facility-output'] = codes(outputs);
    const created = [201, 409, 409, 409, 409, 409];
    const replaced = [200, 200, 200, 200, 200, 200];
    expect(got).toEqual({
      'POST /api/incidents': created,
      'POST /api/sites': created,
      'POST /api/restrictions': created,
      'POST /api/indicators': replaced,
      'POST /api/facility-output': replaced,
    });
  });

  it('never lets concurrent joint guards commit more guards than the agency has', async () => {
    await loadDemo();
    // Armed forces: 60 guards on 12 January; these four sites need 30 + 14 + 18 + 24 = 86.
    const candidates = ['tpp-2', 'substation', 'almaty-1-station', 'oil-depot'];
    const rs = await Promise.all(
      candidates.map((id) =>
        post(`/api/sites/${id}/start-joint-guard`, { agency: 'armed-forces', on: '2022-01-12' }),
      ),
    );
    for (const r of rs) expect([200, 409], r.body).toContain(r.statusCode);
    const started = (await get('/api/sites?agency=armed-forces&state=joint_guard')).json<{
      items: { guards: number }[];
    }>();
    expect(started.items.length).toBe(rs.filter((r) => r.statusCode === 200).length);
    expect(started.items.reduce((n, s) => n + s.guards, 0)).toBeLessThanOrEqual(60);
    expect(started.items.length).toBeGreaterThan(0);
  });
});

/** The routes of `printRoutes({ commonPrefix: false })`, as method and path. */
function appRoutes(tree: string): { method: string; url: string }[] {
  const out: { method: string; url: string }[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^(.*?)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack[depth] = m[2]!;
    const url = stack.join('');
    for (const method of (m[3] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean))
      out.push({ method, url });
  }
  return out;
}
