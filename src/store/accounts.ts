import { sql, type Kysely } from 'kysely';
import type { Role, Scope, ScopeKind } from '../core/auth/roles.ts';
import type { Database } from './schema.ts';

/** The tables of migration 0004_accounts. */
export interface UserTable {
  id: string;
  username: string;
  username_key: string;
  display_name: string;
  role: string;
  scope_kind: string | null;
  scope_id: string | null;
  password_hash: string;
  must_change_password: number;
  disabled: number;
  version: number;
  created_at: string;
  updated_at: string;
}
export interface SessionTable {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  address: string | null;
}
export interface ApiTokenTable {
  id: string;
  token_hash: string;
  user_id: string;
  name: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}
export interface SignInFailureTable {
  key: string;
  failures: number;
  last_failure_at: string;
  blocked_until: string | null;
}
export type AccountTables = {
  users: UserTable;
  sessions: SessionTable;
  api_tokens: ApiTokenTable;
  sign_in_failures: SignInFailureTable;
};

type Db = Kysely<Database>;
const accounts = (db: Db) => db.withTables<AccountTables>();

export interface User {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  scope: Scope | null;
  mustChangePassword: boolean;
  disabled: boolean;
  version: number;
  createdAt: string;
}
/** A user with the hash, for the service to verify; never leaves the service. */
export interface UserWithHash extends User {
  passwordHash: string;
}

export const usernameKey = (username: string) => username.normalize('NFKC').toLowerCase();

/** The scope stored in two columns (both null: the whole operation). */
export function scopeOfColumns(kind: string | null, id: string | null): Scope | null {
  return kind !== null && id !== null ? { kind: kind as ScopeKind, id } : null;
}

function userRowToUser(r: UserTable): UserWithHash {
  return {
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    role: r.role as Role,
    scope: scopeOfColumns(r.scope_kind, r.scope_id),
    mustChangePassword: r.must_change_password === 1,
    disabled: r.disabled === 1,
    version: Number(r.version),
    createdAt: r.created_at,
    passwordHash: r.password_hash,
  };
}

export const withoutHash = ({ passwordHash: _h, ...u }: UserWithHash): User => u;

export async function findUserByName(db: Db, username: string): Promise<UserWithHash | null> {
  const r = await accounts(db)
    .selectFrom('users')
    .selectAll()
    .where('username_key', '=', usernameKey(username))
    .executeTakeFirst();
  return r ? userRowToUser(r) : null;
}

export async function findUserById(db: Db, id: string): Promise<UserWithHash | null> {
  const r = await accounts(db).selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? userRowToUser(r) : null;
}

export async function listUsers(db: Db): Promise<User[]> {
  const rows = await accounts(db).selectFrom('users').selectAll().orderBy('username_key').execute();
  return rows.map((r) => withoutHash(userRowToUser(r)));
}

export async function countUsers(db: Db): Promise<number> {
  const r = await accounts(db)
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function insertUser(
  db: Db,
  u: Omit<UserWithHash, 'version' | 'createdAt'>,
  at: string,
): Promise<void> {
  await accounts(db)
    .insertInto('users')
    .values({
      id: u.id,
      username: u.username,
      username_key: usernameKey(u.username),
      display_name: u.displayName,
      role: u.role,
      scope_kind: u.scope?.kind ?? null,
      scope_id: u.scope?.id ?? null,
      password_hash: u.passwordHash,
      must_change_password: u.mustChangePassword ? 1 : 0,
      disabled: u.disabled ? 1 : 0,
      version: 0,
      created_at: at,
      updated_at: at,
    })
    .execute();
}

/** Changes a user's fields and bumps the version; returns false when the row was not at `version`. */
export async function updateUser(
  db: Db,
  id: string,
  version: number,
  patch: Partial<{
    role: Role;
    scope: Scope | null;
    passwordHash: string;
    mustChangePassword: boolean;
    disabled: boolean;
    displayName: string;
  }>,
  at: string,
): Promise<boolean> {
  const r = await accounts(db)
    .updateTable('users')
    .set({
      version: version + 1,
      updated_at: at,
      ...(patch.role !== undefined ? { role: patch.role } : {}),
      ...(patch.scope !== undefined
        ? { scope_kind: patch.scope?.kind ?? null, scope_id: patch.scope?.id ?? null }
        : {}),
      ...(patch.passwordHash !== undefined ? { password_hash: patch.passwordHash } : {}),
      ...(patch.mustChangePassword !== undefined
        ? { must_change_password: patch.mustChangePassword ? 1 : 0 }
        : {}),
      ...(patch.disabled !== undefined ? { disabled: patch.disabled ? 1 : 0 } : {}),
      ...(patch.displayName !== undefined ? { display_name: patch.displayName } : {}),
    })
    .where('id', '=', id)
    .where('version', '=', version)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Whether the register holds the record a scope names. */
export async function scopeRecordExists(db: Db, scope: Scope): Promise<boolean> {
  const table = ({ contingent: 'contingents', unit: 'units', agency: 'agencies', site: 'sites' } as const)[
    scope.kind
  ];
  const r = await db.selectFrom(table).select('id').where('id', '=', scope.id).executeTakeFirst();
  return r !== undefined;
}

// ── sessions ──────────────────────────────────────────────────────────────────────────────────────────────

export interface SessionRecord {
  idHash: string;
  userId: string;
  csrfToken: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
}

export async function insertSession(db: Db, s: SessionRecord & { address: string | null }): Promise<void> {
  await accounts(db)
    .insertInto('sessions')
    .values({
      id_hash: s.idHash,
      user_id: s.userId,
      csrf_token: s.csrfToken,
      created_at: s.createdAt,
      last_seen_at: s.lastSeenAt,
      expires_at: s.expiresAt,
      address: s.address,
    })
    .execute();
}

/**
 * The session with that id hash and its user, in one query (it runs on every request a cookie signs). A
 * session never outlives its user (the foreign key cascades), so the join loses none.
 */
export async function findSessionWithUser(
  db: Db,
  idHash: string,
): Promise<{ session: SessionRecord; user: UserWithHash } | null> {
  // Written as SQL rather than built: it runs on every request, and building it cost more than running it.
  const { rows } = await sql<
    UserTable & {
      s_id_hash: string;
      s_user_id: string;
      s_csrf_token: string;
      s_created_at: string;
      s_last_seen_at: string;
      s_expires_at: string;
    }
  >`select users.*, s.id_hash as s_id_hash, s.user_id as s_user_id, s.csrf_token as s_csrf_token,
      s.created_at as s_created_at, s.last_seen_at as s_last_seen_at, s.expires_at as s_expires_at
    from sessions s join users on users.id = s.user_id
    where s.id_hash = ${idHash}`.execute(db);
  const r = rows[0];
  if (!r) return null;
  return {
    session: {
      idHash: r.s_id_hash,
      userId: r.s_user_id,
      csrfToken: r.s_csrf_token,
      createdAt: r.s_created_at,
      lastSeenAt: r.s_last_seen_at,
      expiresAt: r.s_expires_at,
    },
    user: userRowToUser(r),
  };
}

export async function touchSession(db: Db, idHash: string, at: string): Promise<void> {
  await accounts(db)
    .updateTable('sessions')
    .set({ last_seen_at: at })
    .where('id_hash', '=', idHash)
    .execute();
}

export async function deleteSession(db: Db, idHash: string): Promise<boolean> {
  const r = await accounts(db).deleteFrom('sessions').where('id_hash', '=', idHash).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Ends every session of a user, but `keep` (the one that asked, when it stays signed in). */
export async function deleteSessionsOfUser(db: Db, userId: string, keep?: string): Promise<number> {
  let q = accounts(db).deleteFrom('sessions').where('user_id', '=', userId);
  if (keep !== undefined) q = q.where('id_hash', '!=', keep);
  const r = await q.executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Removes sessions past either timeout (housekeeping; expiry is checked on every use regardless). */
export async function deleteExpiredSessions(db: Db, now: string, idleSince: string): Promise<void> {
  await accounts(db)
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', idleSince)]))
    .execute();
}

// ── API tokens ─────────────────────────────────────────────────────────────────────────────────────────────

export interface ApiTokenRecord {
  id: string;
  userId: string;
  name: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

const tokenRowToToken = (r: ApiTokenTable): ApiTokenRecord => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at,
});

export async function insertApiToken(
  db: Db,
  t: Omit<ApiTokenRecord, 'revokedAt' | 'lastUsedAt'> & { tokenHash: string },
): Promise<void> {
  await accounts(db)
    .insertInto('api_tokens')
    .values({
      id: t.id,
      token_hash: t.tokenHash,
      user_id: t.userId,
      name: t.name,
      created_at: t.createdAt,
      expires_at: t.expiresAt,
      revoked_at: null,
      last_used_at: null,
    })
    .execute();
}

/**
 * The token with that hash and its user, in one query (it runs on every request a token signs). A token
 * never outlives its user (the foreign key cascades), so the join loses none.
 */
export async function findApiTokenWithUser(
  db: Db,
  tokenHash: string,
): Promise<{ token: ApiTokenRecord; user: UserWithHash } | null> {
  // Written as SQL rather than built: it runs on every request, and building it cost more than running it.
  const { rows } = await sql<
    UserTable & {
      t_id: string;
      t_user_id: string;
      t_name: string;
      t_created_at: string;
      t_expires_at: string;
      t_revoked_at: string | null;
      t_last_used_at: string | null;
    }
  >`select users.*, t.id as t_id, t.user_id as t_user_id, t.name as t_name, t.created_at as t_created_at,
      t.expires_at as t_expires_at, t.revoked_at as t_revoked_at, t.last_used_at as t_last_used_at
    from api_tokens t join users on users.id = t.user_id
    where t.token_hash = ${tokenHash}`.execute(db);
  const r = rows[0];
  if (!r) return null;
  return {
    token: {
      id: r.t_id,
      userId: r.t_user_id,
      name: r.t_name,
      createdAt: r.t_created_at,
      expiresAt: r.t_expires_at,
      revokedAt: r.t_revoked_at,
      lastUsedAt: r.t_last_used_at,
    },
    user: userRowToUser(r),
  };
}

export async function listApiTokensOfUser(db: Db, userId: string): Promise<ApiTokenRecord[]> {
  const rows = await accounts(db)
    .selectFrom('api_tokens')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(tokenRowToToken);
}

export async function revokeApiToken(db: Db, userId: string, id: string, at: string): Promise<boolean> {
  const r = await accounts(db)
    .updateTable('api_tokens')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function revokeApiTokensOfUser(db: Db, userId: string, at: string): Promise<number> {
  const r = await accounts(db)
    .updateTable('api_tokens')
    .set({ revoked_at: at })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function touchApiToken(db: Db, id: string, at: string): Promise<void> {
  await accounts(db).updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
}

// ── sign-in throttling ─────────────────────────────────────────────────────────────────────────────────────

export interface SignInFailures {
  failures: number;
  lastFailureAt: string;
  blockedUntil: string | null;
}

export async function findSignInFailures(db: Db, key: string): Promise<SignInFailures | null> {
  const r = await accounts(db)
    .selectFrom('sign_in_failures')
    .selectAll()
    .where('key', '=', key)
    .executeTakeFirst();
  return r
    ? { failures: Number(r.failures), lastFailureAt: r.last_failure_at, blockedUntil: r.blocked_until }
    : null;
}

export async function saveSignInFailures(db: Db, key: string, f: SignInFailures): Promise<void> {
  await accounts(db)
    .insertInto('sign_in_failures')
    .values({ key, failures: f.failures, last_failure_at: f.lastFailureAt, blocked_until: f.blockedUntil })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        failures: f.failures,
        last_failure_at: f.lastFailureAt,
        blocked_until: f.blockedUntil,
      }),
    )
    .execute();
}

export async function clearSignInFailures(db: Db, key: string): Promise<void> {
  await accounts(db).deleteFrom('sign_in_failures').where('key', '=', key).execute();
}

/** Forgets failures older than `before` that no longer block anything, so the table stays small. */
export async function deleteStaleSignInFailures(db: Db, before: string, now: string): Promise<void> {
  await accounts(db)
    .deleteFrom('sign_in_failures')
    .where('last_failure_at', '<', before)
    .where((eb) => eb.or([eb('blocked_until', 'is', null), eb('blocked_until', '<=', now)]))
    .execute();
}
