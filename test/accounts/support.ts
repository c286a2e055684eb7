import type { Argon2Params } from '../../src/core/auth/password.ts';
import { AccountService, type AccountOptions } from '../../src/service/accounts.ts';
import { DEMO_ACTOR, HandoverService } from '../../src/service/service.ts';
import type { Store } from '../../src/store/db.ts';
import { demoScenario } from '../support/scenarios.ts';

/** Light argon2id parameters so the suites stay fast; one test uses the real ones (ARGON2_PARAMS). */
export const LIGHT_HASH: Argon2Params = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

/** A clock the test moves by hand. */
export function manualClock(start = '2026-01-10T08:00:00.000Z') {
  let t = Date.parse(start);
  return {
    now: () => new Date(t),
    advance(ms: number) {
      t += ms;
    },
  };
}

export const minutes = (n: number) => n * 60_000;
export const hours = (n: number) => n * 3_600_000;

export function accountsOn(store: Store, opts: AccountOptions = {}) {
  return new AccountService(store, { hashParams: LIGHT_HASH, ...opts });
}

export async function loadDemo(store: Store) {
  await new HandoverService(store).importScenario(demoScenario(), DEMO_ACTOR);
}

export const ADMIN = { ...DEMO_ACTOR, name: 'test-admin' };
