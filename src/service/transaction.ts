import { lockAuditChain } from '../store/audit.ts';
import { isUniqueViolation, type Store } from '../store/db.ts';
import { ConflictError } from './errors.ts';

/**
 * One use case's transaction: the audit chain's lock first (so concurrent writers append in one order and
 * PostgreSQL cannot deadlock), then `fn`. A key written at the same moment by someone else becomes a 409
 * with `duplicateMessage`, not a 500.
 */
export async function auditedTransaction<T>(
  store: Store,
  fn: (trx: Store['db']) => Promise<T>,
  duplicateMessage: string,
): Promise<T> {
  try {
    return await store.db.transaction().execute(async (trx) => {
      await lockAuditChain(trx);
      return fn(trx);
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new ConflictError('duplicate-id', duplicateMessage);
    throw e;
  }
}
