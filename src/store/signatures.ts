import type { Kysely } from 'kysely';
import type { Role } from '../core/auth/roles.ts';
import type {
  HeldSignature,
  SignatureSide,
  SignerAccount,
  TransferSignature,
} from '../core/handover/signatures.ts';
import { scopeOfColumns, type AccountTables } from './accounts.ts';
import type { Database } from './schema.ts';

/** The table of migration 0005_transfer_signatures. */
export interface TransferSignatureTable {
  site_id: string;
  side: string;
  version: number;
  user_id: string | null;
  username: string;
  display_name: string;
  signed_at: string;
  imported: number;
}
export type SignatureTables = AccountTables & { transfer_signatures: TransferSignatureTable };

type Db = Kysely<Database>;
const tables = (db: Db) => db.withTables<SignatureTables>();

/** The signatures of these sites, each with its signer's account as it is now; by site id. */
export async function findSignaturesOfSites(
  db: Db,
  siteIds: readonly string[],
): Promise<Map<string, HeldSignature[]>> {
  const out = new Map<string, HeldSignature[]>();
  // Chunked: SQLite allows at most 32,766 bound parameters per statement.
  for (let i = 0; i < siteIds.length; i += 500) {
    const rows = await tables(db)
      .selectFrom('transfer_signatures as s')
      .leftJoin('users as u', 'u.id', 's.user_id')
      .select([
        's.site_id',
        's.side',
        's.version',
        's.user_id',
        's.username',
        's.display_name',
        's.signed_at',
        's.imported',
        'u.id as account_id',
        'u.role',
        'u.scope_kind',
        'u.scope_id',
        'u.disabled',
      ])
      .where('s.site_id', 'in', siteIds.slice(i, i + 500))
      .execute();
    for (const r of rows) {
      const held = heldSignatureOfRow(r);
      out.set(r.site_id, [...(out.get(r.site_id) ?? []), held]);
    }
  }
  return out;
}

/** A signature row joined with its signer's account (null columns when the account is gone). */
export interface HeldSignatureRow extends Omit<TransferSignatureTable, 'site_id'> {
  account_id: string | null;
  role: string | null;
  scope_kind: string | null;
  scope_id: string | null;
  disabled: number | null;
}

export function heldSignatureOfRow(r: HeldSignatureRow): HeldSignature {
  const signer: SignerAccount | null =
    r.account_id !== null && r.role !== null && r.disabled !== null
      ? {
          userId: r.account_id,
          role: r.role as Role,
          scope: scopeOfColumns(r.scope_kind, r.scope_id),
          disabled: Number(r.disabled) === 1,
        }
      : null;
  return {
    signature: {
      side: r.side as SignatureSide,
      version: Number(r.version),
      userId: r.user_id,
      username: r.username,
      displayName: r.display_name,
      signedAt: r.signed_at,
      imported: Number(r.imported) === 1,
    },
    signer,
  };
}

export async function findSignaturesOfSite(db: Db, siteId: string): Promise<HeldSignature[]> {
  return (await findSignaturesOfSites(db, [siteId])).get(siteId) ?? [];
}

const toRow = (siteId: string, s: TransferSignature): TransferSignatureTable => ({
  site_id: siteId,
  side: s.side,
  version: s.version,
  user_id: s.userId,
  username: s.username,
  display_name: s.displayName,
  signed_at: s.signedAt,
  imported: s.imported ? 1 : 0,
});

/** Writes a site's signature of one side, replacing the earlier one of that side. */
export async function saveSignature(db: Db, siteId: string, s: TransferSignature): Promise<void> {
  const row = toRow(siteId, s);
  await tables(db)
    .insertInto('transfer_signatures')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['site_id', 'side']).doUpdateSet({
        version: row.version,
        user_id: row.user_id,
        username: row.username,
        display_name: row.display_name,
        signed_at: row.signed_at,
        imported: row.imported,
      }),
    )
    .execute();
}

/** Writes attestations of imported transfers (before their sites, which the database checks against them). */
export async function insertSignatures(
  db: Db,
  rows: readonly { siteId: string; signature: TransferSignature }[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += 500)
    await tables(db)
      .insertInto('transfer_signatures')
      .values(rows.slice(i, i + 500).map((r) => toRow(r.siteId, r.signature)))
      .execute();
}

/**
 * Removes the signatures of sites no longer in the register (after the operation is cleared for a
 * replacing import); the database refuses to remove those of a transferred site that still exists.
 */
export async function deleteSignaturesOfMissingSites(db: Db): Promise<void> {
  await tables(db)
    .deleteFrom('transfer_signatures')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb.selectFrom('sites').select('sites.id').whereRef('sites.id', '=', 'transfer_signatures.site_id'),
        ),
      ),
    )
    .execute();
}
