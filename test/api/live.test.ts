import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/server/app.ts';
import { AccountService } from '../../src/service/accounts.ts';
import { DEMO_ACTOR, HandoverService } from '../../src/service/service.ts';
import { openChangeBus, type ChangeBus } from '../../src/store/change-bus.ts';
import { openStore, type Store } from '../../src/store/db.ts';
import { injectAs, tokenFor } from '../support/auth.ts';
import { backends, POSTGRES_URL } from '../support/backends.ts';
import { demoScenario } from '../support/scenarios.ts';

/** Opens /api/events and collects the `change` events it streams. */
function listen(
  app: App,
  headers: Record<string, string>,
): Promise<{
  events: { entity: string; id: string; action: string }[];
  close: () => void;
  ended: () => boolean;
}> {
  const { port } = app.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const events: { entity: string; id: string; action: string }[] = [];
    const req = request({ host: '127.0.0.1', port, path: '/api/events', headers }, (res) => {
      expect(res.headers['content-type']).toMatch(/text\/event-stream/);
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (/^event: change$/m.test(block) && data)
            events.push(JSON.parse(data) as (typeof events)[number]);
        }
      });
      let ended = false;
      res.on('end', () => (ended = true));
      resolve({ events, close: () => req.destroy(), ended: () => ended });
    });
    req.on('error', reject);
    req.end();
  });
}

async function until(check: () => boolean, ms = 3000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('live updates', () => {
  const toClose: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of toClose.splice(0).reverse()) await c();
  });

  it('streams a change made through the API to an open /api/events stream (SQLite)', async () => {
    const opened = await backends[0]!.open();
    const svc = new HandoverService(opened.store);
    await svc.importScenario(demoScenario(), DEMO_ACTOR);
    const app = await buildApp({ service: svc });
    await app.listen({ port: 0, host: '127.0.0.1' });
    toClose.push(
      () => opened.cleanup(),
      () => app.close(),
    );
    const admin = await tokenFor(opened.store, { username: 'admin.live', role: 'administrator' });
    injectAs(app, admin);
    const stream = await listen(app, admin);
    toClose.push(() => Promise.resolve(stream.close()));
    // A unit commander of the Russian unit sees changes to its own sites only.
    const rusUnit = (await svc.getSite('kazakhtelecom', DEMO_ACTOR)).guardedBy;
    const commander = await listen(
      app,
      await tokenFor(opened.store, {
        username: 'commander.live',
        role: 'unit_commander',
        scope: { kind: 'unit', id: rusUnit },
      }),
    );
    toClose.push(() => Promise.resolve(commander.close()));
    const t0 = Date.now();
    await app.inject({
      method: 'POST',
      url: '/api/sites/aksai-bakery/start-joint-guard',
      payload: { agency: 'national-guard', on: '2022-01-12' },
    });
    await until(() => stream.events.some((e) => e.id === 'aksai-bakery'));
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(stream.events).toContainEqual({ entity: 'site', id: 'aksai-bakery', action: 'start_joint_guard' });
    const r = await app.inject({
      method: 'POST',
      url: '/api/incidents',
      payload: {
        id: 'live-rus',
        at: '2022-01-12T10:00:00+06:00',
        kind: 'other',
        severity: 1,
        site: 'kazakhtelecom',
        description: 'Patrol report',
      },
    });
    expect(r.statusCode, r.body).toBe(201);
    await until(() => commander.events.some((e) => e.id === 'live-rus'));
    expect(commander.events.map((e) => e.id)).not.toContain('aksai-bakery');

    // Disabling the commander's account ends their open stream at the next change, with nothing more sent.
    await new AccountService(opened.store).disableUser('commander.live', DEMO_ACTOR);
    const seen = commander.events.length;
    await app.inject({
      method: 'POST',
      url: '/api/incidents',
      payload: {
        id: 'live-rus-2',
        at: '2022-01-12T11:00:00+06:00',
        kind: 'other',
        severity: 1,
        site: 'kazakhtelecom',
        description: 'Patrol report',
      },
    });
    await until(() => commander.ended());
    expect(commander.events).toHaveLength(seen);
  });

  it.runIf(backends.some((b) => b.name === 'postgres'))(
    'carries a change made on one instance to a stream open on another (PostgreSQL)',
    async () => {
      const opened = await backends.find((b) => b.name === 'postgres')!.open();
      toClose.push(() => opened.cleanup());
      const url = `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${opened.schema!}`)}`;
      const instances: { app: App; svc: HandoverService; bus: ChangeBus; store: Store }[] = [];
      for (let i = 0; i < 2; i++) {
        const store = await openStore(url);
        const svc = new HandoverService(store);
        const bus = await openChangeBus(store, url);
        const app = await buildApp({ service: svc, bus });
        await app.listen({ port: 0, host: '127.0.0.1' });
        instances.push({ app, svc, bus, store });
        toClose.push(async () => {
          await app.close();
          await bus.close();
          await store.close();
        });
      }
      const [a, b] = instances as [(typeof instances)[0], (typeof instances)[0]];
      await a.svc.importScenario(demoScenario(), DEMO_ACTOR);
      const admin = await tokenFor(a.store, { username: 'admin.live', role: 'administrator' });
      injectAs(a.app, admin);
      const stream = await listen(b.app, admin);
      toClose.push(() => Promise.resolve(stream.close()));
      const t0 = Date.now();
      const res = await a.app.inject({
        method: 'POST',
        url: '/api/sites/kazakhtelecom/call-off-handover',
        payload: {},
      });
      expect(res.statusCode).toBe(409); // nothing to call off: refused, and nothing is announced
      await a.app.inject({
        method: 'POST',
        url: '/api/incidents',
        payload: {
          id: 'live-1',
          at: '2022-01-12T10:00:00+06:00',
          kind: 'crowd',
          severity: 2,
          site: 'tpp-2',
          description: 'Crowd at the gate',
        },
      });
      await until(() => stream.events.some((e) => e.id === 'live-1'));
      expect(Date.now() - t0).toBeLessThan(1000);
      // NOTIFY is asynchronous: the import's own notice may still arrive after the stream opened.
      expect(stream.events.filter((e) => e.entity !== 'operation')).toEqual([
        { entity: 'incident', id: 'live-1', action: 'record' },
      ]);

      // The database drops the LISTEN connections (a restart, a network blip): they come back by themselves.
      const { rows } = await sql<{ n: number }>`
        select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where query like ${`listen handover_changes_${opened.schema!}`}`.execute(
        a.store.db,
      );
      expect(rows[0]!.n).toBe(2);
      await new Promise((r) => setTimeout(r, 1500));
      await a.app.inject({
        method: 'POST',
        url: '/api/incidents',
        payload: {
          id: 'live-2',
          at: '2022-01-12T11:00:00+06:00',
          kind: 'crowd',
          severity: 1,
          site: 'tpp-2',
          description: 'Crowd again',
        },
      });
      await until(() => stream.events.some((e) => e.id === 'live-2'), 5000);
    },
  );
});
