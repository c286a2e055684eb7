import type { TSchema } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import { pointerToPath, type FieldProblem } from '../problems.ts';

/** Checks `value` against a schema and returns every problem, one per field, in words a person can act on. */
export function structuralProblems(schema: TSchema, value: unknown): FieldProblem[] {
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  for (const error of Value.Errors(schema, value)) {
    if (seen.has(error.path)) continue;
    // A missing parent already explains its children.
    if ([...seen].some((p) => error.path.startsWith(p + '/') && p !== '')) continue;
    seen.add(error.path);
    problems.push({ path: pointerToPath(error.path), message: describe(error) });
  }
  return problems;
}

function shown(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '...' : s;
}

function describe(e: ValueError): string {
  const s = e.schema as Record<string, unknown>;
  switch (e.type) {
    case ValueErrorType.ObjectAdditionalProperties:
      return 'unknown field; remove it or check its spelling';
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required';
    case ValueErrorType.Union: {
      const options = (s['anyOf'] as { const?: unknown }[] | undefined)?.map((o) => o.const);
      if (options && options.every((o) => typeof o === 'string'))
        return `must be one of ${options.join(', ')} (got ${shown(e.value)})`;
      return `has the wrong form (got ${shown(e.value)})`;
    }
    case ValueErrorType.Literal:
      return `must be ${shown(s['const'])} (got ${shown(e.value)})`;
    case ValueErrorType.Integer:
      return `must be a whole number (got ${shown(e.value)})`;
    case ValueErrorType.Number:
      return `must be a number (got ${shown(e.value)})`;
    case ValueErrorType.String:
      return `must be text (got ${shown(e.value)})`;
    case ValueErrorType.Boolean:
      return `must be true or false (got ${shown(e.value)})`;
    case ValueErrorType.Array:
      return `must be a list (got ${shown(e.value)})`;
    case ValueErrorType.Object:
      return `must be a mapping of fields (got ${shown(e.value)})`;
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return `must be at least ${String(s['minimum'])} (got ${shown(e.value)})`;
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return `must be at most ${String(s['maximum'])} (got ${shown(e.value)})`;
    case ValueErrorType.IntegerExclusiveMinimum:
    case ValueErrorType.NumberExclusiveMinimum:
      return `must be more than ${String(s['exclusiveMinimum'])} (got ${shown(e.value)})`;
    case ValueErrorType.StringPattern:
      return `${shown(e.value)} has the wrong form: ${typeof s['description'] === 'string' ? s['description'] : `must match ${String(s['pattern'])}`}`;
    case ValueErrorType.StringMinLength:
      return s['minLength'] === 1
        ? 'must not be empty'
        : `must have at least ${String(s['minLength'])} characters`;
    case ValueErrorType.StringMaxLength:
      return `must have at most ${String(s['maxLength'])} characters`;
    case ValueErrorType.ArrayMinItems:
      return `must list at least ${String(s['minItems'])} item(s)`;
    case ValueErrorType.ArrayUniqueItems:
      return 'lists the same item twice';
    default:
      return e.message.charAt(0).toLowerCase() + e.message.slice(1);
  }
}
