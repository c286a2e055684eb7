import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_ACTOR, HandoverService } from '../../src/service/service.ts';
import { appendAudit, verifyAuditLog } from '../../src/store/audit.ts';
import { openStore, type Store } from '../../src/store/db.ts';
import { backends } from '../support/backends.ts';
import { demoScenario } from '../support/scenarios.ts';
import { allLinks } from './support.ts';

describe.each(backends)('concurrent appends on $name', (backend) => {
  let store: Store;
  let url: string;
  let schema: string | undefined;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const opened = await backend.open();
    ({ store, url, schema, cleanup } = opened);
    await new HandoverService(store).importScenario(demoScenario(), DEMO_ACTOR);
  });
  afterEach(() => cleanup());

  const writes = (svc: HandoverService, site: string, n: number) =>
    Array.from({ length: n }, (_, i) =>
      svc.recordFacilityOutput(
        { site, date: `2022-02-${String(i + 1).padStart(2, '0')}`, status: 'operating', output: i },
        { ...DEMO_ACTOR, name: `writer-${i}` },
      ),
    );

  it('keeps one unbroken chain under 20 parallel service writes (and, on PostgreSQL, a second pool)', async () => {
    const svc = new HandoverService(store);
    // On PostgreSQL a second store is a second set of connections, as a second server instance would be.
    // SQLite in one process has one connection that matters: a second would only wait on the first's lock.
    const other = backend.name === 'postgres' ? await openStore(url, schema ? { schema } : {}) : null;
    try {
      await Promise.all([
        ...writes(svc, 'water-utility', 20),
        ...(other ? writes(new HandoverService(other), 'substation', 20) : []),
        // Bare appends in their own transactions, interleaved with the service's.
        ...Array.from({ length: 10 }, (_, i) =>
          store.db.transaction().execute((trx) =>
            appendAudit(trx, {
              actor: 'bare',
              action: 'test.append',
              entity: 'test',
              entityId: String(i),
              before: null,
              after: { i },
            }),
          ),
        ),
      ]);
    } finally {
      await other?.close();
    }
    const expected = 1 + 20 + (other ? 20 : 0) + 10;
    const r = await verifyAuditLog(store.db);
    expect(r).toMatchObject({ ok: true, entries: expected, brokenEntries: 0 });
    const links = await allLinks(store);
    // No fork: no two entries chain to the same predecessor.
    expect(new Set(links.map((l) => l.prevHash)).size).toBe(expected);
  });

  it('keeps the chain when some of the parallel transactions roll back', async () => {
    const svc = new HandoverService(store);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        store.db.transaction().execute(async (trx) => {
          await appendAudit(trx, {
            actor: 'bare',
            action: 'test.append',
            entity: 'test',
            entityId: String(i),
            before: null,
            after: null,
          });
          if (i % 3 === 0) throw new Error('roll back');
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(7);
    await svc.recordFacilityOutput({ site: 'substation', date: '2022-02-01', status: 'stopped' }, DEMO_ACTOR);
    expect(await verifyAuditLog(store.db)).toMatchObject({ ok: true, entries: 1 + 13 + 1 });
  });
});
