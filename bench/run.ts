/**
 * Service benchmark: a generated 10,000-site operation imported through HandoverService, /api/sites pages
 * over real HTTP, and incident writes, each beside a raw-driver (or bare-Fastify) baseline measured in the
 * same run; on SQLite, and on PostgreSQL when it is reachable.
 *
 *   npm run bench
 *   BENCH_PG_URL=postgres://user@host:5432/db npm run bench      another PostgreSQL (default below)
 *   BENCH_SITES=2000 BENCH_REQUESTS=500 BENCH_WRITES=1000 npm run bench   a smaller run
 *
 * Results also go to bench/results/latest.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { postgresBackend, postgresReachable, sqliteBackend, type Backend } from './lib/backends.ts';
import { machineInfo } from './lib/machine.ts';
import { goalChecks, goalsBlock, machineBlock, suiteBlock, GOALS } from './lib/report.ts';
import { generateScenario } from './lib/scenario.ts';
import { runSuite, type SuiteOptions, type SuiteResult } from './lib/suite.ts';
import { nowMs } from './lib/stats.ts';

const PG_URL = process.env['BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const num = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
};
const SITES = num('BENCH_SITES', 10_000);
const OPTS: Omit<SuiteOptions, 'coldImport'> = {
  requests: num('BENCH_REQUESTS', 2000),
  warmupRequests: 200,
  writes: num('BENCH_WRITES', 5000),
  warmupWrites: 200,
};

const log = (s: string) => process.stderr.write(`  … ${s}\n`);

async function main() {
  const started = nowMs();
  const machine = machineInfo();
  console.log(machineBlock(machine));
  console.log();

  const g = generateScenario(SITES);
  console.log(
    `Scenario: ${SITES.toLocaleString('en-US')} sites, ${g.unitIds.length} units in ${g.scenario.force.contingents.length} contingents, ` +
      `${g.scenario.agencies.length} agencies, ${g.scenario.incidents?.length ?? 0} incidents (seeded, deterministic; passed as an object, no YAML parse).`,
  );
  console.log(
    `HTTP: ${OPTS.requests} sequential requests after ${OPTS.warmupRequests} warm-up, one keep-alive connection (node:http), server in the same process.`,
  );
  console.log(`Writes: ${OPTS.writes} sequential recordIncident calls after ${OPTS.warmupWrites} warm-up.`);
  console.log();

  const results: SuiteResult[] = [];
  let postgres: { reachable: boolean; url: string; reason?: string };

  const run = async (backend: Backend, coldImport: boolean) => {
    try {
      const r = await runSuite(backend, g, { ...OPTS, coldImport }, log);
      results.push(r);
      console.log(suiteBlock(r));
      console.log();
    } finally {
      await backend.dispose();
    }
  };

  await run(sqliteBackend(), true);

  const reach = await postgresReachable(PG_URL);
  if (reach.ok) {
    postgres = { reachable: true, url: PG_URL };
    try {
      await run(postgresBackend(PG_URL), false);
    } catch (e) {
      // Keep the SQLite figures: report the failure and go on to the summary and the JSON.
      postgres.reason = `run failed: ${(e as Error).message}`;
      console.log(`PostgreSQL: reachable, but the run failed: ${(e as Error).stack ?? String(e)}`);
      process.exitCode = 1;
      console.log();
    }
  } else {
    postgres = { reachable: false, url: PG_URL, reason: reach.reason };
    console.log(`PostgreSQL: not reachable at ${PG_URL} (${reach.reason}); PostgreSQL figures skipped.`);
    console.log();
  }

  const checks = results.flatMap(goalChecks);
  console.log(goalsBlock(checks));
  const seconds = (nowMs() - started) / 1000;
  const load = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  console.log(`\nTotal run time ${seconds.toFixed(1)} s; load average at the end ${load}.`);

  const out = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(out, { recursive: true });
  writeFileSync(
    `${out}latest.json`,
    JSON.stringify(
      { machine, sites: SITES, options: OPTS, goals: GOALS, postgres, results, checks, seconds },
      null,
      2,
    ) + '\n',
  );
  console.log(`Results written to bench/results/latest.json.`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
