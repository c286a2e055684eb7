import { writeFileSync } from 'node:fs';
import { formatOfFileName, parseScenario, serializeScenario } from '../../core/scenario/io.ts';
import { actorFromEnv, demoScenarioText, readScenarioFile, withService } from '../context.ts';

export async function importCommand(
  file: string,
  opts: { replace?: boolean; json?: boolean },
): Promise<void> {
  const scenario = readScenarioFile(file);
  const result = await withService((svc) =>
    svc.importScenario(scenario, actorFromEnv(), { replace: opts.replace ?? false }),
  );
  if (opts.json) console.log(JSON.stringify({ imported: true, sites: result.sites }));
  else console.log(`Imported ${scenario.operation.name}: ${result.sites} sites.`);
}

export async function exportCommand(opts: { out?: string; format?: string }): Promise<void> {
  const format =
    opts.format === 'json' || opts.format === 'yaml'
      ? opts.format
      : opts.out
        ? formatOfFileName(opts.out)
        : 'yaml';
  const text = serializeScenario(await withService((svc) => svc.exportScenario(actorFromEnv())), format);
  if (opts.out) {
    writeFileSync(opts.out, text);
    console.error(`Wrote ${opts.out}.`);
  } else process.stdout.write(text);
}

export async function demoCommand(opts: { reset?: boolean }): Promise<void> {
  const check = parseScenario(demoScenarioText());
  if (!check.ok) throw new Error('the bundled demo scenario is invalid');
  await withService(async (svc) => {
    if ((await svc.hasOperation()) && !opts.reset) {
      console.error(
        'The database already holds an operation; `handover demo --reset` replaces it with the demo.',
      );
      process.exitCode = 3;
      return;
    }
    await svc.importScenario(check.scenario, actorFromEnv(), { replace: true });
    console.log(
      `Loaded the demo operation: ${check.scenario.operation.name} (${check.scenario.sites.length} sites).`,
    );
    await (await import('./users.ts')).createDemoUsers(svc.store);
  });
}
