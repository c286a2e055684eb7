/** The named rules the lifecycle enforces; a refusal always says which one and why. */
export const RULES = [
  'site-state',
  'unit-deployed',
  'unit-still-guarding',
  'contingent-units-deployed',
  'contingent-deployed',
  'agency-eligibility',
  'agency-capacity',
  'incident-gate',
  'handover-gate',
  'handover-precedence',
  'transfer-date',
  'throughput',
  // Two-party transfer of authority (core/handover/signatures.ts).
  'signer-side',
  'signer-both-sides',
  'signature-version',
  'two-signatures-required',
] as const;
export type Rule = (typeof RULES)[number];

/** An action the rules refuse. Adapters map it to HTTP 409 / CLI exit 3 with the rule and sentence. */
export class RuleViolation extends Error {
  override readonly name = 'RuleViolation';
  constructor(
    readonly rule: Rule,
    message: string,
  ) {
    super(message);
  }
}

export function refuse(rule: Rule, message: string): never {
  throw new RuleViolation(rule, message);
}
