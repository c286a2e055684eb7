import { readFileSync } from 'node:fs';
import { formatOfFileName, parseScenario } from '../core/scenario/io.ts';
import type { Scenario } from '../core/scenario/schema.ts';
import { fileURLToPath } from 'node:url';
import { RuleViolation } from '../core/rules.ts';
import { formatProblems } from '../core/problems.ts';
import { ConflictError, ForbiddenError, InputError, NotFoundError } from '../service/errors.ts';
import { DEMO_ACTOR, HandoverService, type Actor } from '../service/service.ts';
import { ConfigError, openStore } from '../store/db.ts';
import { StaleVersionError } from '../store/repositories.ts';

/** "1 site", "3 sites": a count with its noun in the right number (`other` for irregular plurals). */
export const count = (n: number, one: string, other = `${one}s`): string => `${n} ${n === 1 ? one : other}`;

/** Exit codes, the same for every command. */
export const EXIT = { ok: 0, failure: 1, invalid: 2, refused: 3, notFound: 4 } as const;

export const DEMO_SCENARIO_PATH = fileURLToPath(new URL('../../scenarios/almaty.yaml', import.meta.url));
export const demoScenarioText = () => readFileSync(DEMO_SCENARIO_PATH, 'utf8');

/** A file's text (`-` reads standard input); an unreadable file is an input error naming it. */
export function readInputFile(file: string): string {
  try {
    return file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError([{ path: file, message: `cannot read the file: ${(e as Error).message}` }]);
  }
}

/** A scenario file, parsed and validated; every problem is reported at once. */
export function readScenarioFile(file: string): Scenario {
  const check = parseScenario(readInputFile(file), formatOfFileName(file));
  if (!check.ok) throw new InputError(check.problems);
  return check.scenario;
}

export function actorFromEnv(): Actor {
  const name = process.env['HANDOVER_ACTOR'];
  // The CLI is the operator's console on the server itself (it opens the database directly), so it acts
  // with the administrator's rights; HANDOVER_ACTOR only names who is at the console in the audit log.
  return name ? { ...DEMO_ACTOR, name } : DEMO_ACTOR;
}

/** Opens the database that DATABASE_URL names and runs `fn` with the service; always closes it. */
export async function withService<T>(fn: (svc: HandoverService) => Promise<T>): Promise<T> {
  const store = await openStore();
  try {
    return await fn(new HandoverService(store));
  } finally {
    await store.close();
  }
}

/** Prints an error the way a person can act on it, and returns the exit code it deserves. */
export function reportError(e: unknown): number {
  if (e instanceof InputError) {
    console.error(
      `Invalid input (${count(e.problems.length, 'problem')}):\n${indent(formatProblems(e.problems))}`,
    );
    return EXIT.invalid;
  }
  if (e instanceof RuleViolation) {
    console.error(`Refused by rule ${e.rule}: ${e.message}`);
    return EXIT.refused;
  }
  if (e instanceof ForbiddenError) {
    console.error(`Forbidden: ${e.message}`);
    return EXIT.refused;
  }
  if (e instanceof StaleVersionError || e instanceof ConflictError) {
    console.error(`Refused: ${e.message}`);
    return EXIT.refused;
  }
  if (e instanceof NotFoundError) {
    console.error(e.message);
    return EXIT.notFound;
  }
  if (e instanceof ConfigError) {
    console.error(`Configuration: ${e.message}`);
    return EXIT.invalid;
  }
  console.error(`Failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return EXIT.failure;
}

const indent = (s: string) =>
  s
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
