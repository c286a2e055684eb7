import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const DEMO_PATH = `${root}scenarios/almaty.yaml`;
export const SHARED_SCENARIOS = `${root}../shared/scenarios`;

export function loadYaml(path: string): unknown {
  return parse(readFileSync(path, 'utf8'));
}
export const demoScenario = () => loadYaml(DEMO_PATH);
