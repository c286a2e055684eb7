import { describe, expect, it } from 'vitest';
import { DEMO_ACTOR, HandoverService } from '../../src/service/service.ts';
import { backends } from '../support/backends.ts';
import { demoScenario } from '../support/scenarios.ts';

/**
 * Several PostgreSQL schemas live in one database (test suites, staging copies): each store must migrate
 * and keep its data in its own schema, whatever the others hold.
 */
const postgres = backends.find((b) => b.name === 'postgres');

describe.skipIf(!postgres)('PostgreSQL schemas side by side', () => {
  it('opens a second schema while another, already migrated, exists, and keeps their data apart', async () => {
    const opened: { cleanup: () => Promise<void> }[] = [];
    try {
      const a = await postgres!.open();
      opened.push(a);
      await new HandoverService(a.store).importScenario(demoScenario(), DEMO_ACTOR);
      const b = await postgres!.open();
      opened.push(b);
      expect(await new HandoverService(b.store).hasOperation()).toBe(false);
      expect((await new HandoverService(a.store).listSites({}, DEMO_ACTOR)).total).toBe(14);
    } finally {
      for (const o of opened.reverse()) await o.cleanup();
    }
  });
});
