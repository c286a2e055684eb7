/** The three service figures for one storage engine, each beside its raw baseline measured in the same run. */
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { Scenario } from '../../src/core/scenario/schema.ts';
import { buildApp } from '../../src/server/app.ts';
import { AccountService } from '../../src/service/accounts.ts';
import { DEMO_ACTOR, HandoverService, type Actor } from '../../src/service/service.ts';
import type { Store } from '../../src/store/db.ts';
import type { Backend } from './backends.ts';
import { Client } from './http.ts';
import { incidentValues, siteRows, unitPairs } from './rows.ts';
import { rng } from './rng.ts';
import type { GeneratedScenario } from './scenario.ts';
import { latency, nowMs, type Latency } from './stats.ts';

export interface SuiteOptions {
  requests: number;
  warmupRequests: number;
  writes: number;
  warmupWrites: number;
  /** Time an extra import first, in a process that has not imported yet (SQLite run only). */
  coldImport: boolean;
}

export interface ImportFigure {
  sites: number;
  totalMs: number;
  /** validateScenario + scenarioToRecords, up to the moment the transaction opens. */
  validateMs: number;
  /** The transaction: every insert and the commit. */
  writeMs: number;
  /** After the commit: the service's refreshStatistics (VACUUM ANALYZE on PostgreSQL, `analyze` on SQLite). */
  statisticsMs: number;
}

export interface SuiteResult {
  backend: string;
  settings: string;
  import: {
    cold: ImportFigure | null;
    warm: ImportFigure;
    baselineMs: number;
    baseline: string;
  };
  sitesPage: {
    all: Latency;
    limit100: Latency;
    limit50Filtered: Latency;
    meanBytes: number;
    baseline: Latency;
    baselineDescribe: string;
  };
  incidents: {
    writes: number;
    perSecond: number;
    meanMs: number;
    /** CPU time of the process per write (user + system), less sensitive to other load than wall time. */
    cpuMs: number;
    baselinePerSecond: number;
    baselineMeanMs: number;
    baselineCpuMs: number;
    baseline: string;
  };
}

const ACTOR: Actor = { ...DEMO_ACTOR, name: 'bench' };

/** An administrator's API token for the HTTP measurements. */
async function benchToken(store: Store): Promise<{ authorization: string }> {
  const accounts = new AccountService(store, {
    hashParams: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
  });
  const password = 'bench password not for use 1';
  await accounts.createUser({ username: 'bench', role: 'administrator', password }, ACTOR);
  const { principal } = await accounts.signIn('bench', password, '127.0.0.1');
  return { authorization: `Bearer ${(await accounts.createToken(principal, { name: 'bench' })).secret}` };
}
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

/** Forwards every property to `target`, methods bound to it, except those `own` answers. */
function forward<T extends object>(target: T, own: (prop: string | symbol) => unknown): T {
  return new Proxy(target, {
    get(t, prop) {
      const mine = own(prop);
      if (mine !== undefined) return mine;
      const v: unknown = Reflect.get(t, prop, t);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

/**
 * A service whose store notes when the import's transaction opens and when it has committed, to split
 * validation, writing and the statistics refresh that follows the commit.
 */
function splitTimed(store: Store): {
  service: HandoverService;
  marks: () => { opened: number; committed: number };
} {
  let opened = NaN;
  let committed = NaN;
  const db = forward(store.db, (prop) =>
    prop === 'transaction'
      ? () => {
          opened = nowMs();
          const builder = store.db.transaction();
          return forward(builder, (p) =>
            p === 'execute'
              ? async (fn: Parameters<typeof builder.execute>[0]) => {
                  try {
                    return await builder.execute(fn);
                  } finally {
                    committed = nowMs();
                  }
                }
              : undefined,
          );
        }
      : undefined,
  );
  return { service: new HandoverService({ ...store, db }), marks: () => ({ opened, committed }) };
}

async function timedImport(
  backend: Backend,
  label: string,
  scenario: Scenario,
): Promise<[ImportFigure, Store]> {
  const store = await backend.fresh(label);
  const { service, marks } = splitTimed(store);
  const t0 = nowMs();
  const { sites } = await service.importScenario(scenario, ACTOR);
  const t1 = nowMs();
  const { opened, committed } = marks();
  return [
    {
      sites,
      totalMs: t1 - t0,
      validateMs: opened - t0,
      writeMs: committed - opened,
      statisticsMs: t1 - committed,
    },
    store,
  ];
}

export function sitePaths(g: GeneratedScenario, count = 40): string[] {
  const r = rng(7);
  const n = g.siteIds.length;
  const pages = Math.max(1, Math.floor(n / 100));
  const unfiltered = (k: number) => (k === 0 ? '/api/sites' : `/api/sites?offset=${k * 100}`);
  const filters = [
    'state=protected',
    'state=joint_guard',
    'district=Almaly',
    'district=Turksib',
    'sector=energy',
    'sector=food',
    'contingent=C2',
    'unit=c3-u4',
    'agency=ag1',
    'q=plant%201',
    'q=site-0',
  ];
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 2 === 0) paths.push(unfiltered(i === 0 ? 0 : i === 2 ? pages - 1 : Math.floor(r() * pages)));
    else {
      const f = filters[Math.floor(r() * filters.length)] as string;
      const offset = r() < 0.5 ? 0 : 50 * Math.floor(r() * 10);
      paths.push(`/api/sites?limit=50&${f}${offset ? `&offset=${offset}` : ''}`);
    }
  }
  return paths;
}

async function listen(app: {
  listen(o: { host: string; port: number }): Promise<string>;
  server: { address(): unknown };
}) {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

export async function runSuite(
  backend: Backend,
  g: GeneratedScenario,
  opts: SuiteOptions,
  log: (s: string) => void,
): Promise<SuiteResult> {
  const settings = await backend.settings();
  const stores: Store[] = [];
  try {
    // 1. Import, then the raw baseline on another fresh database.
    let cold: ImportFigure | null = null;
    if (opts.coldImport) {
      log(`${backend.name}: import (first in this process)…`);
      const [fig, store] = await timedImport(backend, 'import_cold', g.scenario);
      cold = fig;
      await store.close();
    }
    log(`${backend.name}: import…`);
    const [warm, store] = await timedImport(backend, 'import', g.scenario);
    stores.push(store);
    const raw = await backend.raw('raw');
    const rows = siteRows(g.scenario);
    await raw.prepare(
      unitPairs(g.scenario),
      g.scenario.agencies.map((a) => a.id),
    );
    const tb = nowMs();
    await raw.insertSites(rows);
    const baselineMs = nowMs() - tb;

    // 2. /api/sites over real HTTP, beside a constant Fastify route.
    log(`${backend.name}: GET /api/sites ×${opts.requests}…`);
    const service = new HandoverService(store);
    const app = await buildApp({ service, security: { rateLimitPerMinute: 0 } });
    const constant = Fastify();
    constant.get('/const', () => ({ ok: true }));
    let sitesPage: SuiteResult['sitesPage'];
    try {
      // Signed in as a real API client would be: every request is authenticated by its token.
      const client = new Client(await listen(app), await benchToken(store));
      const base = new Client(await listen(constant));
      try {
        const paths = sitePaths(g);
        const { samples, bytes } = await client.run(paths, opts.requests, opts.warmupRequests);
        const constSamples = (await base.run(['/const'], opts.requests, opts.warmupRequests)).samples;
        const pick = (limit50: boolean) =>
          samples.filter(
            (_, i) => paths[(opts.warmupRequests + i) % paths.length]?.includes('limit=50') === limit50,
          );
        sitesPage = {
          all: latency(samples),
          limit100: latency(pick(false)),
          limit50Filtered: latency(pick(true)),
          meanBytes: bytes,
          baseline: latency(constSamples),
          baselineDescribe: 'Fastify GET returning a constant, same client',
        };
      } finally {
        client.close();
        base.close();
      }
    } finally {
      await app.close();
      await constant.close();
    }

    // 3. Incident writes, one transaction each with its audit entry, sequential.
    log(`${backend.name}: recordIncident ×${opts.writes}…`);
    const n = g.siteIds.length;
    const record = (k: number) =>
      service.recordIncident(
        {
          id: `bench-inc-${k}`,
          at: '2030-03-02T10:00:00+06:00',
          kind: 'other',
          severity: 2,
          site: g.siteIds[(k * 7919) % n],
          district: 'Almaly',
          description: `Benchmark incident ${k}.`,
        },
        ACTOR,
      );
    for (let k = 0; k < opts.warmupWrites; k++) await record(-1 - k);
    const cw = process.cpuUsage();
    const tw = nowMs();
    for (let k = 0; k < opts.writes; k++) await record(k);
    const writeMs = nowMs() - tw;
    const writeCpu = cpuMs(process.cpuUsage(cw));

    for (let k = 0; k < opts.warmupWrites; k++)
      await raw.insertIncident(incidentValues(-1 - k, g.siteIds[0] as string));
    const cr = process.cpuUsage();
    const tr = nowMs();
    for (let k = 0; k < opts.writes; k++)
      await raw.insertIncident(incidentValues(k, g.siteIds[(k * 7919) % n] as string));
    const rawMs = nowMs() - tr;
    const rawCpu = cpuMs(process.cpuUsage(cr));
    await raw.close();

    return {
      backend: backend.name,
      settings,
      import: { cold, warm, baselineMs, baseline: raw.describe.import },
      sitesPage,
      incidents: {
        writes: opts.writes,
        perSecond: (opts.writes / writeMs) * 1000,
        meanMs: writeMs / opts.writes,
        cpuMs: writeCpu / opts.writes,
        baselinePerSecond: (opts.writes / rawMs) * 1000,
        baselineMeanMs: rawMs / opts.writes,
        baselineCpuMs: rawCpu / opts.writes,
        baseline: raw.describe.writes,
      },
    };
  } finally {
    for (const s of stores) await s.close();
  }
}
