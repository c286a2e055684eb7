import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  ARGON2_PARAMS,
  argon2ParamsOf,
  generatePassword,
  isWeakerThan,
  PASSWORD_MAX_LENGTH,
  passwordProblem,
  type Argon2Params,
} from '../core/auth/password.ts';
import { isRole, ROLES, scopeProblem, type Role, type Scope } from '../core/auth/roles.ts';
import type { FieldProblem } from '../core/problems.ts';
import * as store from '../store/accounts.ts';
import type { User } from '../store/accounts.ts';
import { appendAudit } from '../store/audit.ts';
import type { Store } from '../store/db.ts';
import { ConflictError, InputError, NotFoundError } from './errors.ts';
import { auditedTransaction } from './transaction.ts';
import type { Actor } from './service.ts';

export type { User } from '../store/accounts.ts';

/**
 * Refused sign-in or session use. `status` is the HTTP status it deserves; `code` the error word of the
 * body. Messages never say whether an account exists.
 */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    readonly status: 401 | 403 | 429,
    readonly code:
      | 'invalid_credentials'
      | 'not_signed_in'
      | 'throttled'
      | 'password_change_required'
      | 'forbidden'
      | 'password_incorrect',
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** Who is signed in, and how: a browser session (cookie, with its CSRF token) or an API token. */
/** The actor a signed-in user is in the service: their name, account, role and scope. */
export const actorOf = (u: User): Actor => ({ name: u.username, userId: u.id, role: u.role, scope: u.scope });

export type Principal =
  | { via: 'session'; user: User; sessionIdHash: string; csrfToken: string; expiresAt: string }
  | { via: 'token'; user: User; tokenId: string; expiresAt: string };

export interface AccountOptions {
  clock?: () => Date;
  /** argon2id parameters for new hashes; never below ARGON2_PARAMS outside tests. */
  hashParams?: Argon2Params;
  /** A session unused this long ends (default SESSION_IDLE_MINUTES, else 30 min). */
  idleTimeoutMs?: number;
  /** A session ends this long after sign-in whatever its use (default SESSION_ABSOLUTE_HOURS, else 12 h). */
  absoluteTimeoutMs?: number;
}

export const TOKEN_PREFIX = 'hov_';
export const MAX_TOKEN_DAYS = 365;
/** Failures from one address for one account before that pair waits; the wait doubles from 30 s to 15 min. */
export const PAIR_FAILURES_ALLOWED = 5;
/** Failures from one address over all accounts before the address waits (password spraying). */
export const ADDRESS_FAILURES_ALLOWED = 100;
/** A failure older than this is forgotten. */
const FAILURE_MEMORY_MS = 60 * 60_000;
/** A session's last use is written at most this often (idle timeout precision). */
const TOUCH_EVERY_MS = 60_000;

export const USERNAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$';
const USERNAME = new RegExp(USERNAME_PATTERN);

export interface NewUser {
  username: string;
  displayName?: string;
  role: string;
  scope?: Scope | null;
  /** When absent a one-time password is generated, to be changed at first sign-in. */
  password?: string;
}

/** A credential shown once: a generated password or a new API token. */
export interface Issued<T> {
  value: T;
  secret: string;
}

export interface TokenInfo {
  id: string;
  name: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const randomToken = () => randomBytes(32).toString('base64url');

function minutesFromEnv(name: string, fallback: number, unitMs: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback * unitMs;
  const n = Number(raw);
  if (!(n > 0)) throw new Error(`${name} must be a positive number (got ${raw})`);
  return n * unitMs;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The demo's accounts, one per role, scoped to records of the bundled Almaty operation. */
export const DEMO_USERS: readonly {
  username: string;
  displayName: string;
  role: Role;
  scope: Scope | null;
}[] = [
  { username: 'demo-admin', displayName: 'Demo administrator', role: 'administrator', scope: null },
  {
    username: 'force-command',
    displayName: 'Force headquarters duty officer',
    role: 'force_command',
    scope: null,
  },
  {
    username: 'arm-command',
    displayName: 'Armenian contingent commander',
    role: 'contingent_command',
    scope: { kind: 'contingent', id: 'ARM' },
  },
  {
    username: 'arm-1-commander',
    displayName: 'Commander, Armenian peacekeeping company (Aksai bakery)',
    role: 'unit_commander',
    scope: { kind: 'unit', id: 'arm-1' },
  },
  {
    username: 'police-liaison',
    displayName: 'Police liaison officer',
    role: 'agency_liaison',
    scope: { kind: 'agency', id: 'police' },
  },
  {
    username: 'guard-liaison',
    displayName: 'National Guard liaison officer',
    role: 'agency_liaison',
    scope: { kind: 'agency', id: 'national-guard' },
  },
  {
    username: 'army-liaison',
    displayName: 'Armed forces liaison officer',
    role: 'agency_liaison',
    scope: { kind: 'agency', id: 'armed-forces' },
  },
  {
    username: 'bakery-operator',
    displayName: 'Aksai bakery plant, deputy general director',
    role: 'facility_operator',
    scope: { kind: 'site', id: 'aksai-bakery' },
  },
  { username: 'observer', displayName: 'Partner observer', role: 'observer', scope: null },
];

/**
 * Accounts, sign-in, sessions and API tokens. Like HandoverService, each change is one transaction with
 * its audit entry; password hashing runs outside transactions (it is slow by design, and must not hold
 * the database's write lock).
 */
export class AccountService {
  private readonly clock: () => Date;
  readonly hashParams: Argon2Params;
  readonly idleTimeoutMs: number;
  readonly absoluteTimeoutMs: number;
  private dummyHash: Promise<string> | null = null;

  constructor(
    readonly store: Store,
    opts: AccountOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date());
    this.hashParams = opts.hashParams ?? ARGON2_PARAMS;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? minutesFromEnv('SESSION_IDLE_MINUTES', 30, 60_000);
    this.absoluteTimeoutMs =
      opts.absoluteTimeoutMs ?? minutesFromEnv('SESSION_ABSOLUTE_HOURS', 12, 3_600_000);
  }

  private now(): Date {
    return this.clock();
  }

  private async tx<T>(fn: (trx: Store['db']) => Promise<T>): Promise<T> {
    return auditedTransaction(this.store, fn, 'An account with that name was just created; choose another.');
  }

  hashPassword(password: string): Promise<string> {
    return argon2Hash(password, { ...this.hashParams, algorithm: 2 /* Algorithm.Argon2id */ });
  }

  private async verifyPassword(phc: string, password: string): Promise<boolean> {
    try {
      return await argon2Verify(phc, password);
    } catch {
      return false;
    }
  }

  // ── users ───────────────────────────────────────────────────────────────────────────────────────────────

  listUsers(): Promise<User[]> {
    return store.listUsers(this.store.db);
  }

  async getUser(username: string): Promise<User> {
    const u = await store.findUserByName(this.store.db, username);
    if (!u) throw new NotFoundError('User', username);
    return store.withoutHash(u);
  }

  private async checkRoleAndScope(role: string, scope: Scope | null): Promise<FieldProblem[]> {
    if (!isRole(role)) return [{ path: 'role', message: `must be one of ${ROLES.join(', ')}` }];
    const problem = scopeProblem(role, scope);
    if (problem) return [{ path: 'scope', message: problem }];
    if (scope && !(await store.scopeRecordExists(this.store.db, scope)))
      return [{ path: 'scope', message: `the register has no ${scope.kind} "${scope.id}"` }];
    return [];
  }

  /** Creates an account; without a password, a one-time one is generated (returned once, never stored). */
  async createUser(input: NewUser, actor: Actor): Promise<Issued<User> & { generated: boolean }> {
    const problems: FieldProblem[] = [];
    if (!USERNAME.test(input.username))
      problems.push({
        path: 'username',
        message: 'must be 1–64 letters, digits or . _ @ -, starting with a letter or digit',
      });
    const displayName = (input.displayName ?? input.username).trim();
    if (displayName === '' || displayName.length > 100)
      problems.push({ path: 'display_name', message: 'must be 1–100 characters' });
    const scope = input.scope ?? null;
    problems.push(...(await this.checkRoleAndScope(input.role, scope)));
    const generated = input.password === undefined;
    const password = input.password ?? generatePassword((n) => randomBytes(n));
    if (!generated) {
      const p = passwordProblem(password, { username: input.username, displayName });
      if (p) problems.push({ path: 'password', message: p });
    }
    if (problems.length) throw new InputError(problems);
    const passwordHash = await this.hashPassword(password);
    const at = this.now().toISOString();
    const user: User = {
      id: randomUUID(),
      username: input.username,
      displayName,
      role: input.role as Role,
      scope,
      mustChangePassword: generated,
      disabled: false,
      version: 0,
      createdAt: at,
    };
    await this.tx(async (trx) => {
      if (await store.findUserByName(trx, input.username))
        throw new ConflictError('duplicate-id', `An account named "${input.username}" exists already.`);
      await store.insertUser(trx, { ...user, passwordHash }, at);
      await appendAudit(trx, {
        actor: actor.name,
        action: 'user.create',
        entity: 'user',
        entityId: user.username,
        before: null,
        after: auditView(user),
      });
    });
    return { value: user, secret: password, generated };
  }

  /**
   * Changes one user under its version, ends its sessions (and, when `revokeTokens`, its API tokens) in
   * the same transaction, and writes the audit entry.
   */
  private async changeUser(
    username: string,
    actor: Actor,
    action: string,
    change: (u: User) => Parameters<typeof store.updateUser>[3],
    opts: { revokeTokens: boolean; keepSession?: string },
  ): Promise<User> {
    return this.tx(async (trx) => {
      const before = await store.findUserByName(trx, username);
      if (!before) throw new NotFoundError('User', username);
      const patch = change(store.withoutHash(before));
      const at = this.now().toISOString();
      if (!(await store.updateUser(trx, before.id, before.version, patch, at)))
        throw new ConflictError('stale', `Account "${username}" was changed meanwhile; try again.`);
      const after = store.withoutHash((await store.findUserById(trx, before.id))!);
      if (
        before.role === 'administrator' &&
        !before.disabled &&
        (after.role !== 'administrator' || after.disabled)
      ) {
        const admins = (await store.listUsers(trx)).filter((u) => u.role === 'administrator' && !u.disabled);
        if (admins.length === 0)
          throw new ConflictError('last-administrator', 'That would leave no active administrator.');
      }
      const sessionsEnded = await store.deleteSessionsOfUser(trx, before.id, opts.keepSession);
      const tokensRevoked = opts.revokeTokens ? await store.revokeApiTokensOfUser(trx, before.id, at) : 0;
      await appendAudit(trx, {
        actor: actor.name,
        action,
        entity: 'user',
        entityId: before.username,
        before: auditView(store.withoutHash(before)),
        after: { ...auditView(after), sessions_ended: sessionsEnded, tokens_revoked: tokensRevoked },
      });
      return after;
    });
  }

  async disableUser(username: string, actor: Actor): Promise<User> {
    return this.changeUser(username, actor, 'user.disable', () => ({ disabled: true }), {
      revokeTokens: true,
    });
  }

  async enableUser(username: string, actor: Actor): Promise<User> {
    return this.changeUser(username, actor, 'user.enable', () => ({ disabled: false }), {
      revokeTokens: false,
    });
  }

  async setRole(username: string, role: string, scope: Scope | null, actor: Actor): Promise<User> {
    const problems = await this.checkRoleAndScope(role, scope);
    if (problems.length) throw new InputError(problems);
    return this.changeUser(username, actor, 'user.set_role', () => ({ role: role as Role, scope }), {
      revokeTokens: true,
    });
  }

  /** A new one-time password for a user who lost theirs: every session and token of theirs ends. */
  async resetPassword(username: string, actor: Actor): Promise<Issued<User>> {
    await this.getUser(username);
    const password = generatePassword((n) => randomBytes(n));
    const passwordHash = await this.hashPassword(password);
    const user = await this.changeUser(
      username,
      actor,
      'user.reset_password',
      () => ({ passwordHash, mustChangePassword: true }),
      { revokeTokens: true },
    );
    return { value: user, secret: password };
  }

  /** First start: with no account at all, an administrator `admin` with a one-time password. */
  async ensureAdministrator(actor: Actor): Promise<Issued<User> | null> {
    if ((await store.countUsers(this.store.db)) > 0) return null;
    try {
      return await this.createUser(
        { username: 'admin', displayName: 'Administrator', role: 'administrator' },
        actor,
      );
    } catch (e) {
      // Another instance starting at the same moment made it.
      if (e instanceof ConflictError) return null;
      throw e;
    }
  }

  /**
   * One account per role for the demo operation, with fresh random passwords (existing demo accounts get
   * new ones and their demo role back). The passwords are returned once.
   */
  async createDemoUsers(actor: Actor): Promise<Issued<User>[]> {
    const out: Issued<User>[] = [];
    for (const d of DEMO_USERS) {
      const password = generatePassword((n) => randomBytes(n), 4);
      if (await store.findUserByName(this.store.db, d.username)) {
        const problems = await this.checkRoleAndScope(d.role, d.scope);
        if (problems.length) throw new InputError(problems);
        const passwordHash = await this.hashPassword(password);
        const value = await this.changeUser(
          d.username,
          actor,
          'user.reset_password',
          () => ({ role: d.role, scope: d.scope, passwordHash, mustChangePassword: false, disabled: false }),
          { revokeTokens: true },
        );
        out.push({ value, secret: password });
      } else {
        const created = await this.createUser({ ...d, password }, actor);
        out.push({ value: created.value, secret: password });
      }
    }
    return out;
  }

  // ── sign-in and sessions ────────────────────────────────────────────────────────────────────────────────

  private async blockedFor(keys: string[], now: Date): Promise<number> {
    let wait = 0;
    for (const key of keys) {
      const f = await store.findSignInFailures(this.store.db, key);
      if (f?.blockedUntil) wait = Math.max(wait, Date.parse(f.blockedUntil) - now.getTime());
    }
    return Math.ceil(wait / 1000);
  }

  private async recordFailure(trx: Store['db'], key: string, allowed: number, maxMs: number, now: Date) {
    const f = await store.findSignInFailures(trx, key);
    const fresh = f && now.getTime() - Date.parse(f.lastFailureAt) < FAILURE_MEMORY_MS;
    const failures = (fresh ? f.failures : 0) + 1;
    const blockMs = failures >= allowed ? Math.min(30_000 * 2 ** (failures - allowed), maxMs) : 0;
    await store.saveSignInFailures(trx, key, {
      failures,
      lastFailureAt: now.toISOString(),
      blockedUntil: blockMs ? new Date(now.getTime() + blockMs).toISOString() : null,
    });
  }

  /**
   * Signs in with name and password. Throttled per (account, address) and per address, never per account
   * alone, so failures from one place cannot lock the owner out elsewhere. An unknown name costs a hash
   * like a known one, and every refusal says the same thing.
   */
  async signIn(
    username: string,
    password: string,
    address: string,
  ): Promise<{ sessionId: string; principal: Principal & { via: 'session' } }> {
    const now = this.now();
    const key = store.usernameKey(username).slice(0, 64);
    const pairKey = `pair:${key}|${address}`;
    const addressKey = `address:${address}`;
    const wait = await this.blockedFor([pairKey, addressKey], now);
    if (wait > 0)
      throw new AuthError(
        429,
        'throttled',
        `Too many failed sign-ins from this address; try again in ${wait} s.`,
        wait,
      );
    const user = await store.findUserByName(this.store.db, username);
    let ok: boolean;
    if (user) ok = await this.verifyPassword(user.passwordHash, password);
    else {
      this.dummyHash ??= this.hashPassword(randomToken());
      await this.verifyPassword(await this.dummyHash, password);
      ok = false;
    }
    if (!user || !ok || user.disabled) {
      const reason = !user ? 'unknown_user' : !ok ? 'wrong_password' : 'disabled';
      await this.tx(async (trx) => {
        await store.deleteStaleSignInFailures(
          trx,
          new Date(now.getTime() - FAILURE_MEMORY_MS).toISOString(),
          now.toISOString(),
        );
        await this.recordFailure(trx, pairKey, PAIR_FAILURES_ALLOWED, 15 * 60_000, now);
        await this.recordFailure(trx, addressKey, ADDRESS_FAILURES_ALLOWED, 60 * 60_000, now);
        await appendAudit(trx, {
          actor: 'anonymous',
          action: 'session.sign_in_failed',
          entity: 'user',
          entityId: key,
          before: null,
          after: { address, reason },
        });
      });
      throw new AuthError(401, 'invalid_credentials', 'The name or the password is wrong.');
    }
    const rehash = isWeakerThan(
      argon2ParamsOf(user.passwordHash) ?? { memoryCost: 0, timeCost: 0, parallelism: 0 },
      this.hashParams,
    )
      ? await this.hashPassword(password)
      : null;
    const sessionId = randomToken();
    const record: store.SessionRecord = {
      idHash: sha256(sessionId),
      userId: user.id,
      csrfToken: randomToken(),
      createdAt: now.toISOString(),
      lastSeenAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.absoluteTimeoutMs).toISOString(),
    };
    await this.tx(async (trx) => {
      await store.clearSignInFailures(trx, pairKey);
      await store.deleteExpiredSessions(
        trx,
        now.toISOString(),
        new Date(now.getTime() - this.idleTimeoutMs).toISOString(),
      );
      if (rehash)
        await store.updateUser(trx, user.id, user.version, { passwordHash: rehash }, now.toISOString());
      await store.insertSession(trx, { ...record, address });
      await appendAudit(trx, {
        actor: user.username,
        action: 'session.sign_in',
        entity: 'user',
        entityId: user.username,
        before: null,
        after: { address, expires_at: record.expiresAt },
      });
    });
    return {
      sessionId,
      principal: {
        via: 'session',
        user: store.withoutHash(rehash ? { ...user, version: user.version + 1 } : user),
        sessionIdHash: record.idHash,
        csrfToken: record.csrfToken,
        expiresAt: record.expiresAt,
      },
    };
  }

  /**
   * The signed-in user enters their password again before an act that needs it (a signature of a transfer;
   * ASVS 2.3.5). A wrong one counts toward the sign-in throttling of this account from this address, and the
   * refused attempt is audited; a throttled pair or address is refused before the password is looked at.
   */
  async confirmPassword(principal: Principal, password: string, address = 'unknown'): Promise<void> {
    const now = this.now();
    const key = store.usernameKey(principal.user.username).slice(0, 64);
    const pairKey = `pair:${key}|${address}`;
    const addressKey = `address:${address}`;
    const wait = await this.blockedFor([pairKey, addressKey], now);
    if (wait > 0)
      throw new AuthError(
        429,
        'throttled',
        `Too many wrong passwords from this address; try again in ${wait} s.`,
        wait,
      );
    const user = await store.findUserById(this.store.db, principal.user.id);
    const ok =
      user !== null &&
      !user.disabled &&
      password.length <= PASSWORD_MAX_LENGTH * 4 &&
      (await this.verifyPassword(user.passwordHash, password));
    if (ok) return;
    await this.tx(async (trx) => {
      await this.recordFailure(trx, pairKey, PAIR_FAILURES_ALLOWED, 15 * 60_000, now);
      await this.recordFailure(trx, addressKey, ADDRESS_FAILURES_ALLOWED, 60 * 60_000, now);
      await appendAudit(trx, {
        actor: principal.user.username,
        action: 'session.password_confirm_failed',
        entity: 'user',
        entityId: principal.user.username,
        before: null,
        after: { address, reason: user ? 'wrong_password' : 'unknown_user' },
      });
    });
    throw new AuthError(403, 'password_incorrect', 'That is not your password; nothing was signed.');
  }

  /** The session a cookie names, if it is alive and its user enabled; an expired one is removed. */
  async resolveSession(sessionId: string): Promise<(Principal & { via: 'session' }) | null> {
    if (sessionId.length > 100) return null;
    const db = this.store.db;
    const idHash = sha256(sessionId);
    const found = await store.findSessionWithUser(db, idHash);
    if (!found) return null;
    const { session: s, user } = found;
    const now = this.now().getTime();
    const idle = now - Date.parse(s.lastSeenAt);
    if (now >= Date.parse(s.expiresAt) || idle >= this.idleTimeoutMs) {
      await store.deleteSession(db, idHash);
      return null;
    }
    if (user.disabled) return null;
    if (idle >= TOUCH_EVERY_MS) await store.touchSession(db, idHash, new Date(now).toISOString());
    return {
      via: 'session',
      user: store.withoutHash(user),
      sessionIdHash: idHash,
      csrfToken: s.csrfToken,
      expiresAt: s.expiresAt,
    };
  }

  /** The API token a bearer header carries, if it is unrevoked, unexpired and its user enabled. */
  async resolveToken(token: string): Promise<(Principal & { via: 'token' }) | null> {
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 100) return null;
    const db = this.store.db;
    const found = await store.findApiTokenWithUser(db, sha256(token));
    if (!found) return null;
    const { token: t, user } = found;
    const now = this.now();
    if (t.revokedAt !== null || now.getTime() >= Date.parse(t.expiresAt)) return null;
    if (user.disabled || user.mustChangePassword) return null;
    if (t.lastUsedAt === null || now.getTime() - Date.parse(t.lastUsedAt) >= TOUCH_EVERY_MS)
      await store.touchApiToken(db, t.id, now.toISOString());
    return { via: 'token', user: store.withoutHash(user), tokenId: t.id, expiresAt: t.expiresAt };
  }

  async signOut(principal: Principal & { via: 'session' }): Promise<void> {
    await this.tx(async (trx) => {
      await store.deleteSession(trx, principal.sessionIdHash);
      await appendAudit(trx, {
        actor: principal.user.username,
        action: 'session.sign_out',
        entity: 'user',
        entityId: principal.user.username,
        before: null,
        after: null,
      });
    });
  }

  /** Changes one's own password; the user's other sessions end, this one stays. */
  async changeOwnPassword(principal: Principal, current: string, next: string): Promise<User> {
    if (principal.via !== 'session')
      throw new AuthError(
        403,
        'forbidden',
        'Passwords are changed from a signed-in session, not with an API token.',
      );
    const user = await store.findUserById(this.store.db, principal.user.id);
    if (!user) throw new AuthError(401, 'not_signed_in', 'Sign in first.');
    if (current.length > PASSWORD_MAX_LENGTH * 4 || !(await this.verifyPassword(user.passwordHash, current)))
      throw new InputError([{ path: 'current_password', message: 'is not your current password' }]);
    const problem =
      next === current
        ? 'must differ from the current password'
        : passwordProblem(next, { username: user.username, displayName: user.displayName });
    if (problem) throw new InputError([{ path: 'new_password', message: problem }]);
    const passwordHash = await this.hashPassword(next);
    return this.changeUser(
      user.username,
      actorOf(user),
      'user.change_password',
      () => ({ passwordHash, mustChangePassword: false }),
      { revokeTokens: false, keepSession: principal.sessionIdHash },
    );
  }

  // ── API tokens ──────────────────────────────────────────────────────────────────────────────────────────

  /** A token for a machine client, acting as its creator; returned once, stored as its SHA-256. */
  async createToken(
    principal: Principal,
    input: { name: string; expiresInDays?: number },
  ): Promise<Issued<TokenInfo>> {
    if (principal.via !== 'session')
      throw new AuthError(
        403,
        'forbidden',
        'API tokens are created from a signed-in session, not with another token.',
      );
    const days = input.expiresInDays ?? 90;
    const problems: FieldProblem[] = [];
    const name = input.name.trim();
    if (name === '' || name.length > 64) problems.push({ path: 'name', message: 'must be 1–64 characters' });
    if (!Number.isInteger(days) || days < 1 || days > MAX_TOKEN_DAYS)
      problems.push({
        path: 'expires_in_days',
        message: `must be a whole number of days, 1–${MAX_TOKEN_DAYS}`,
      });
    if (problems.length) throw new InputError(problems);
    const now = this.now();
    const secret = TOKEN_PREFIX + randomToken();
    const info: TokenInfo = {
      id: randomUUID(),
      name,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + days * 86_400_000).toISOString(),
      revokedAt: null,
      lastUsedAt: null,
    };
    await this.tx(async (trx) => {
      await store.insertApiToken(trx, { ...info, userId: principal.user.id, tokenHash: sha256(secret) });
      await appendAudit(trx, {
        actor: principal.user.username,
        action: 'token.create',
        entity: 'api_token',
        entityId: info.id,
        before: null,
        after: { user: principal.user.username, name, expires_at: info.expiresAt },
      });
    });
    return { value: info, secret };
  }

  async listTokens(principal: Principal): Promise<TokenInfo[]> {
    const rows = await store.listApiTokensOfUser(this.store.db, principal.user.id);
    return rows.map(({ userId: _u, ...t }) => t);
  }

  async revokeToken(principal: Principal, id: string): Promise<void> {
    await this.tx(async (trx) => {
      const at = this.now().toISOString();
      if (!(await store.revokeApiToken(trx, principal.user.id, id, at)))
        throw new NotFoundError('API token', id, `You have no active API token "${id}".`);
      await appendAudit(trx, {
        actor: principal.user.username,
        action: 'token.revoke',
        entity: 'api_token',
        entityId: id,
        before: null,
        after: { user: principal.user.username },
      });
    });
  }
}

/** Whether the CSRF token sent with a request is its session's own (a token-authenticated request needs none). */
export function csrfMatches(principal: Principal, sent: string | undefined): boolean {
  return principal.via !== 'session' || (sent !== undefined && safeEqual(principal.csrfToken, sent));
}

/** What the audit log keeps of an account: never the password or its hash. */
function auditView(u: User) {
  return {
    username: u.username,
    display_name: u.displayName,
    role: u.role,
    scope: u.scope,
    disabled: u.disabled,
    must_change_password: u.mustChangePassword,
  };
}
