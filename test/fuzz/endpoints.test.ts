import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/server/app.ts';
import { DEMO_ACTOR, HandoverService } from '../../src/service/service.ts';
import type { Store } from '../../src/store/db.ts';
import { tokenFor } from '../support/auth.ts';
import { backends } from '../support/backends.ts';
import { demoScenario } from '../support/scenarios.ts';

/**
 * Fuzzing every endpoint of the OpenAPI document: generated bodies (and query strings) — valid ones
 * spoiled a field at a time, shapeless JSON, strings, wrong types — never get a 5xx, and a rejected request
 * (any 4xx) changes nothing in the register. FUZZ_RUNS sets the number per endpoint (default 200; CI: 1,000 on SQLite;
 * `npm run fuzz`: 10,000); PostgreSQL gets a tenth of them, enough to exercise its error paths.
 */
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 200);

/** Every table of the register and the accounts, but the audit log (refusals are audited) and sign-in bookkeeping. */
const TABLES = [
  'operation',
  'contingents',
  'units',
  'agencies',
  'agency_capacity',
  'sites',
  'incidents',
  'indicator_readings',
  'restrictions',
  'facility_output',
  'plans',
  'transfer_signatures',
  'users',
];

/** A digest of what the register holds: equal digests, equal contents. */
async function fingerprint(store: Store): Promise<string> {
  const h = createHash('sha256');
  for (const t of TABLES) {
    // Planning runs accepted earlier go on in the background and write their progress: of a run, what a
    // request could change is its existence, what it was asked and whether it is adopted.
    const { rows } =
      t === 'plans'
        ? await sql<
            Record<string, unknown>
          >`select id, created_by, request, adopted_at, adopted_by from plans`.execute(store.db)
        : await sql<Record<string, unknown>>`select * from ${sql.table(t)}`.execute(store.db);
    const lines = rows.map((r) =>
      JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
    );
    h.update(`${t}\n${lines.sort().join('\n')}\n`);
  }
  return h.digest('hex');
}

interface Op {
  operationId: string;
  'x-policy'?: string;
}

const REAL_ID: Record<string, string> = {
  sites: 'kazakhtelecom',
  units: 'rus-abn-1',
  contingents: 'RUS',
  agencies: 'national-guard',
  plans: '1',
  tokens: 'no-such-token',
};

/** A valid body per write operation, to be spoiled. */
const VALID: Record<string, Record<string, unknown>> = {
  takeUnderProtection: {
    id: 'new-site',
    name: 'New site',
    sector: 'food',
    criticality: 2,
    district: 'Medeu',
    guards: 4,
    guarded_by: 'rus-abn-1',
    protected_since: '2022-01-12',
  },
  updateSite: { version: 1, guards: 5, not_before: '2022-01-13' },
  planHandover: { agency: 'national-guard', start: '2022-01-13', version: 1 },
  startJointGuard: { agency: 'national-guard', on: '2022-01-13', version: 1 },
  signTransfer: { side: 'outgoing', version: 1, password: 'not the password' },
  callOffHandover: { reason: 'fuzz', version: 1 },
  releaseUnit: { on: '2022-01-14' },
  withdrawContingent: { on: '2022-01-15' },
  setAgencyCapacity: { version: 0, capacity: [{ from: '2022-01-11', guards: 40 }] },
  recordIncident: { at: '2022-01-12T08:00:00+06:00', kind: 'fire', severity: 2, description: 'x' },
  recordIndicator: { date: '2022-01-12', indicator: 'internet', level: 'normal' },
  recordRestriction: { id: 'r1', kind: 'curfew', description: 'x', from: '2022-01-12' },
  recordFacilityOutput: { site: 'aksai-bakery', date: '2022-01-12', status: 'operating' },
  importScenario: demoScenario() as Record<string, unknown>,
  // A planning run is started only with a short limit, so the fuzz does not queue minutes of planning.
  startPlanningRun: { time_limit_s: 1, what_if: ['deadline 2022-01-20'] },
  adoptPlan: {},
  signIn: { username: 'fuzz-admin', password: 'wrong password here' },
  changeOwnPassword: { current_password: 'wrong password here', new_password: 'another long password 9' },
  createApiToken: { name: 'fuzz', expires_in_days: 1 },
};

const spoiled = (template: Record<string, unknown>) =>
  Object.keys(template).length === 0
    ? fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 })
    : fc.oneof(
        fc
          .tuple(fc.constantFrom(...Object.keys(template)), fc.jsonValue())
          .map(([k, v]) => ({ ...template, [k]: v })),
        fc.constantFrom(...Object.keys(template)).map((k) => {
          const { [k]: _dropped, ...rest } = template;
          return rest;
        }),
        fc.tuple(fc.string(), fc.jsonValue()).map(([k, v]) => ({ ...template, [k]: v })),
        fc.constant(template),
      );

const queryValue = fc.oneof(
  fc.string(),
  fc.integer().map(String),
  fc.constantFrom('', '-1', '1e309', 'NaN', 'null', '[]', '%00', '2022-13-45', 'a'.repeat(300)),
);

describe.each(backends)('fuzzing every endpoint on $name', (backend) => {
  const runs = backend.name === 'sqlite' ? RUNS : Math.max(50, Math.round(RUNS / 10));
  let app: App;
  let store: Store;
  let cleanup: () => Promise<void>;
  let auth: { authorization: string };
  let doc: { paths: Record<string, Record<string, Op>> };

  beforeAll(async () => {
    const opened = await backend.open();
    store = opened.store;
    const svc = new HandoverService(store, () => new Date('2022-01-13T09:00:00+06:00'));
    await svc.importScenario(demoScenario(), DEMO_ACTOR);
    app = await buildApp({
      service: svc,
      security: { rateLimitPerMinute: 0, sessionRateLimitPerMinute: 0 },
    });
    auth = await tokenFor(store, { username: 'fuzz-admin', role: 'administrator' });
    cleanup = async () => {
      await app.close();
      await opened.cleanup();
    };
    doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
  }, 60_000);
  afterAll(() => cleanup());

  it(`answers no generated request with a 5xx, and a rejected one changes nothing (${runs} per endpoint)`, async () => {
    const endpoints = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
    );
    expect(endpoints.length).toBeGreaterThan(40);
    const summary: string[] = [];
    for (const { path, method, op } of endpoints) {
      if (op.operationId === 'streamChanges') continue; // a stream that never ends; covered in live.test.ts
      const url = path.replace(
        /\/api\/(\w+)\/\{id\}/,
        (_m, kind: string) => `/api/${kind}/${REAL_ID[kind] ?? 'x'}`,
      );
      const template = VALID[op.operationId];
      const write = method !== 'GET' && method !== 'DELETE';
      if (write && !template && op.operationId !== 'signOut')
        throw new Error(
          `${method} ${path} (${op.operationId}) has no valid body in the fuzz: add one to VALID`,
        );
      const body = template
        ? fc.oneof(
            { weight: 3, arbitrary: spoiled(template) },
            { weight: 1, arbitrary: fc.jsonValue() },
            { weight: 1, arbitrary: fc.object() },
            { weight: 1, arbitrary: fc.string() },
          )
        : fc.oneof(fc.jsonValue(), fc.object(), fc.string());
      const query = fc.dictionary(
        fc.constantFrom(
          'limit',
          'offset',
          'state',
          'status',
          'q',
          'site',
          'since',
          'as_of',
          'a',
          'b',
          'lang',
          'entity',
          'x',
        ),
        queryValue,
        { maxKeys: 4 },
      );
      const statuses = new Map<number, number>();
      let current = await fingerprint(store);
      const started = performance.now();
      await fc.assert(
        fc.asyncProperty(write ? body : query, async (input) => {
          // POST /api/plans with an empty body would start a ten-second run: the shapeless cases keep a short limit.
          const payload =
            op.operationId === 'startPlanningRun' &&
            input &&
            typeof input === 'object' &&
            !Array.isArray(input)
              ? { time_limit_s: 1, ...input }
              : input;

          const r = await app.inject({
            method: method as 'GET',
            url: write ? url : `${url}?${new URLSearchParams(input as Record<string, string>).toString()}`,
            headers: { ...auth, ...(write ? { 'content-type': 'application/json' } : {}) },
            ...(write ? { payload: JSON.stringify(payload) ?? '' } : {}),
          });
          statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1);
          const what = `${method} ${url} ${JSON.stringify(payload).slice(0, 300)} → ${r.statusCode} ${r.body.slice(0, 300)}`;
          expect(r.statusCode, what).toBeLessThan(500);
          // The register as it was after the last accepted request is the one a rejected request must leave.
          if (write && r.statusCode >= 400)
            expect(await fingerprint(store), `changed by a rejected ${what}`).toBe(current);
          else if (write) current = await fingerprint(store);
        }),
        { numRuns: runs, seed: 20220111, endOnFailure: true },
      );
      summary.push(
        `${method} ${path} (${Math.round(performance.now() - started)} ms): ${[...statuses].map(([s, n]) => `${s}×${n}`).join(' ')}`,
      );
    }
    console.log(`fuzz on ${backend.name}, ${runs} per endpoint:\n  ${summary.join('\n  ')}`);
  }, 1_200_000);
});
