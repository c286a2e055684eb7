import type { FieldProblem } from '../core/problems.ts';

/** The record named does not exist (HTTP 404, CLI exit 4). */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(
    readonly entity: string,
    readonly id: string,
    message?: string,
  ) {
    super(message ?? `${entity} "${id}" does not exist.`);
  }
}

/**
 * The record exists but is outside the caller's scope. It answers exactly as a missing record does (it is
 * a NotFoundError), and the refusal is written to the audit log.
 */
export class OutOfScopeError extends NotFoundError {
  constructor(
    entity: string,
    id: string,
    readonly action: string,
  ) {
    super(entity, id);
  }
}

/** The input is invalid; every problem names its field (HTTP 400, CLI exit 2). */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(readonly problems: FieldProblem[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  }
}

/** The request conflicts with the state of the data other than by a rule or a version (HTTP 409). */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The record is visible to the caller but their role may not take this action on it (HTTP 403, CLI exit 3).
 * Records outside the caller's scope are never "forbidden": they do not exist for them (NotFoundError).
 */
export class ForbiddenError extends Error {
  override readonly name = 'ForbiddenError';
  constructor(
    readonly action: string,
    message: string,
  ) {
    super(message);
  }
}
