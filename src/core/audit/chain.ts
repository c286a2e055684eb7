import {
  createPrivateKey,
  createPublicKey,
  createHash,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';

/**
 * The audit log's hash chain (format v1). Each entry's hash covers its own fields and the hash of the entry
 * before it, so changing, removing, inserting or reordering any entry changes every hash after it. Hashing is
 * over the text the database stores (`before`/`after` as JSON text), never over re-serialized values.
 */
export const AUDIT_CHAIN_FORMAT = 'handover-audit-v1';

/** What the first entry chains to. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** One audit entry as stored, with its links. */
export interface AuditLink {
  seq: number;
  at: string;
  actor: string;
  action: string;
  entity: string;
  entityId: string;
  /** JSON text, as stored. */
  before: string | null;
  after: string | null;
  prevHash: string;
  hash: string;
}

export type AuditContent = Omit<AuditLink, 'prevHash' | 'hash'>;

/**
 * The canonical serialization: a JSON array in a fixed order. JSON escaping keeps the fields apart (no
 * separator can be smuggled inside a value), and `null` stays distinct from the string "null".
 */
export function canonicalAuditEntry(e: AuditContent, prevHash: string): string {
  return JSON.stringify([
    AUDIT_CHAIN_FORMAT,
    e.seq,
    e.at,
    e.actor,
    e.action,
    e.entity,
    e.entityId,
    e.before,
    e.after,
    prevHash,
  ]);
}

export function hashAuditEntry(e: AuditContent, prevHash: string): string {
  return createHash('sha256').update(canonicalAuditEntry(e, prevHash), 'utf8').digest('hex');
}

/** Where the chain first stops holding, and what differs there. */
export interface AuditBreak {
  seq: number;
  field: 'prev_hash' | 'hash' | 'seq';
  expected: string;
  found: string;
  message: string;
}

/**
 * Checks one entry against the entry before it (`prev` null for the first). Seq gaps are not breaks: a
 * PostgreSQL sequence skips the numbers of rolled-back transactions; a removed entry shows as a broken link.
 */
export function checkAuditLink(prev: { seq: number; hash: string } | null, e: AuditLink): AuditBreak | null {
  if (prev && e.seq <= prev.seq)
    return {
      seq: e.seq,
      field: 'seq',
      expected: `> ${prev.seq}`,
      found: String(e.seq),
      message: `entry ${e.seq} follows entry ${prev.seq} out of order`,
    };
  const expectedPrev = prev?.hash ?? AUDIT_GENESIS_HASH;
  if (e.prevHash !== expectedPrev)
    return {
      seq: e.seq,
      field: 'prev_hash',
      expected: expectedPrev,
      found: e.prevHash,
      message: prev
        ? `entry ${e.seq} does not chain to entry ${prev.seq}: an entry was removed, inserted or reordered here`
        : `the first entry (${e.seq}) does not chain to the genesis value: earlier entries were removed`,
    };
  const computed = hashAuditEntry(e, e.prevHash);
  if (e.hash !== computed)
    return {
      seq: e.seq,
      field: 'hash',
      expected: computed,
      found: e.hash,
      message: `entry ${e.seq} was changed after it was written (its content no longer gives its hash)`,
    };
  return null;
}

// ── signed checkpoints ────────────────────────────────────────────────────────────────────────────────────

/**
 * A side's signed statement "the log's entry `seq` had hash `hash` when I looked at `at`". Whoever holds one
 * can later prove a rewrite, even one that recomputed the whole chain.
 */
export interface AuditCheckpoint {
  format: typeof AUDIT_CHAIN_FORMAT;
  seq: number;
  hash: string;
  /** When the checkpoint was taken. */
  at: string;
  side: string;
  /** Ed25519 public key, base64 of its SPKI DER encoding. */
  public_key: string;
  /** Ed25519 signature over `checkpointPayload`, base64. */
  signature: string;
}

export const SIDE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;

function checkpointPayload(c: Omit<AuditCheckpoint, 'signature'>): Buffer {
  return Buffer.from(
    JSON.stringify([`${AUDIT_CHAIN_FORMAT}/checkpoint`, c.seq, c.hash, c.at, c.side, c.public_key]),
    'utf8',
  );
}

/** Reads an Ed25519 private key given as PEM or as base64 of its PKCS#8 DER encoding. */
export function parseSigningKey(text: string): KeyObject {
  const t = text.trim();
  const key = t.startsWith('-----BEGIN')
    ? createPrivateKey(t)
    : createPrivateKey({ key: Buffer.from(t, 'base64'), format: 'der', type: 'pkcs8' });
  if (key.asymmetricKeyType !== 'ed25519')
    throw new Error(`the key is ${key.asymmetricKeyType ?? 'not'} Ed25519`);
  return key;
}

export const publicKeyBase64 = (key: KeyObject): string =>
  createPublicKey(key).export({ format: 'der', type: 'spki' }).toString('base64');

export function generateAuditKeyPair(): { privateKey: string; privateKeyPem: string; publicKey: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKey: publicKeyBase64(privateKey),
  };
}

export function signAuditCheckpoint(
  head: { seq: number; hash: string },
  side: string,
  at: string,
  key: KeyObject,
): AuditCheckpoint {
  if (!SIDE_NAME.test(side)) throw new Error(`"${side}" is not a side name (letters, digits, _ and -)`);
  const unsigned = {
    format: AUDIT_CHAIN_FORMAT,
    seq: head.seq,
    hash: head.hash,
    at,
    side,
    public_key: publicKeyBase64(key),
  } as const;
  return { ...unsigned, signature: sign(null, checkpointPayload(unsigned), key).toString('base64') };
}

/** True when the checkpoint's signature was made by the key it names over exactly these fields. */
export function checkpointSignatureValid(c: AuditCheckpoint): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(c.public_key, 'base64'), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ed25519') return false;
    return verify(null, checkpointPayload(c), key, Buffer.from(c.signature, 'base64'));
  } catch {
    return false;
  }
}

/** Shape check for a checkpoint read from a file; returns what is wrong, or null. */
export function checkpointShapeProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const o = v as Record<string, unknown>;
  if (o['format'] !== AUDIT_CHAIN_FORMAT) return `format is not "${AUDIT_CHAIN_FORMAT}"`;
  if (typeof o['seq'] !== 'number' || !Number.isSafeInteger(o['seq']) || o['seq'] < 1)
    return 'seq is not a positive integer';
  if (typeof o['hash'] !== 'string' || !/^[0-9a-f]{64}$/.test(o['hash'])) return 'hash is not a SHA-256 hex';
  for (const f of ['at', 'side', 'public_key', 'signature'] as const)
    if (typeof o[f] !== 'string' || o[f] === '') return `${f} is missing`;
  return null;
}
