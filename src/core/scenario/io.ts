import { parseDocument, stringify } from 'yaml';
import type { FieldProblem } from '../problems.ts';
import type { Scenario } from './schema.ts';
import { validateScenario, type ScenarioCheck } from './validate.ts';

export type ScenarioFormat = 'yaml' | 'json';

export function formatOfFileName(name: string): ScenarioFormat {
  return /\.json$/i.test(name) ? 'json' : 'yaml';
}

/** Parses scenario text (YAML or JSON) and validates it; syntax errors are reported with line and column. */
export function parseScenario(text: string, format: ScenarioFormat = 'yaml'): ScenarioCheck {
  let data: unknown;
  if (format === 'json') {
    try {
      data = JSON.parse(text);
    } catch (e) {
      return {
        ok: false,
        problems: [{ path: '(file)', message: `not valid JSON: ${(e as Error).message}` }],
      };
    }
  } else {
    const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
    if (doc.errors.length) {
      const problems: FieldProblem[] = doc.errors.map((e) => ({
        path: '(file)',
        message: `not valid YAML: ${e.message.split('\n')[0] ?? e.code}`,
      }));
      return { ok: false, problems };
    }
    data = doc.toJS({ maxAliasCount: 100 });
  }
  return validateScenario(data);
}

export function serializeScenario(scenario: Scenario, format: ScenarioFormat = 'yaml'): string {
  if (format === 'json') return JSON.stringify(scenario, null, 2) + '\n';
  return stringify(scenario, { lineWidth: 0 });
}
