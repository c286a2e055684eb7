import { parseScenario } from '../../core/scenario/io.ts';
import { buildApp } from '../../server/app.ts';
import { PlanningService } from '../../service/planning.ts';
import { HandoverService } from '../../service/service.ts';
import { openChangeBus } from '../../store/change-bus.ts';
import { openStore } from '../../store/db.ts';
import { actorFromEnv, count, demoScenarioText } from '../context.ts';

/** TRUST_PROXY: unset (trust nobody), `true`, or a comma-separated list of proxy addresses/CIDRs. */
function trustProxyFromEnv(v: string | undefined): boolean | string {
  if (!v || v === 'false') return false;
  return v === 'true' ? true : v;
}

/** Serves the API (and the home page) until SIGINT/SIGTERM; an empty database first gets the demo. */
export async function serve(opts: { port: number; host: string; demo: boolean }): Promise<void> {
  const store = await openStore();
  const service = new HandoverService(store);
  if (opts.demo && !(await service.hasOperation())) {
    const check = parseScenario(demoScenarioText());
    if (!check.ok) throw new Error('the bundled demo scenario is invalid');
    await service.importScenario(check.scenario, actorFromEnv());
    console.log('Empty database: loaded the Almaty demo operation.');
  }
  // No default passwords: the first start makes the administrator with a one-time password, printed once.
  await (await import('./users.ts')).ensureAdministrator(store);
  const planning = new PlanningService(service);
  const abandoned = await planning.recoverAbandonedRuns();
  if (abandoned)
    console.log(
      `${count(abandoned, 'planning run')} left unfinished by a stopped instance ${abandoned === 1 ? 'was' : 'were'} marked failed.`,
    );
  // With PostgreSQL, changes travel to every instance (LISTEN/NOTIFY) for live updates.
  const bus = await openChangeBus(store, process.env['DATABASE_URL']);
  const app = await buildApp({
    service,
    planning,
    bus,
    logger: process.env['LOG_REQUESTS'] === '1',
    trustProxy: trustProxyFromEnv(process.env['TRUST_PROXY']),
  });
  await app.listen({ port: opts.port, host: opts.host });
  console.log(
    `Handover is serving on http://${opts.host === '0.0.0.0' ? 'localhost' : opts.host}:${opts.port} (${store.kind}: ${store.location})`,
  );
  const stop = async (signal: string) => {
    console.log(`${signal}: stopping.`);
    await app.close();
    await bus.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', (s) => void stop(s));
  process.once('SIGTERM', (s) => void stop(s));
}
