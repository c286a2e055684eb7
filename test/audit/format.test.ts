import { describe, expect, it } from 'vitest';
import {
  AUDIT_GENESIS_HASH,
  canonicalAuditEntry,
  checkAuditLink,
  checkpointShapeProblem,
  checkpointSignatureValid,
  generateAuditKeyPair,
  hashAuditEntry,
  parseSigningKey,
  signAuditCheckpoint,
} from '../../src/core/audit/chain.ts';

const entry = {
  seq: 1,
  at: '2022-01-09T06:00:00.000Z',
  actor: 'demo-officer',
  action: 'site.take_under_protection',
  entity: 'site',
  entityId: 'aksai-bakery',
  before: null,
  after: '{"state":"protected"}',
};

describe('audit chain format v1', () => {
  it('hashes a fixed serialization (logs already written depend on it: change it only with a new format)', () => {
    expect(canonicalAuditEntry(entry, AUDIT_GENESIS_HASH)).toBe(
      '["handover-audit-v1",1,"2022-01-09T06:00:00.000Z","demo-officer","site.take_under_protection","site","aksai-bakery",null,"{\\"state\\":\\"protected\\"}","' +
        '0'.repeat(64) +
        '"]',
    );
    // Pinned; also `printf '%s' <the serialization above> | sha256sum`.
    expect(hashAuditEntry(entry, AUDIT_GENESIS_HASH)).toBe(
      '2ce78c506d043de33a24cfa6986a7306792d830626ceca0e1016a087fcfa49e5',
    );
  });

  it('keeps fields apart: moving text between fields, or null to "null", changes the hash', () => {
    const h = hashAuditEntry(entry, AUDIT_GENESIS_HASH);
    expect(
      hashAuditEntry(
        { ...entry, actor: 'demo-officer","site', action: '.take_under_protection' },
        AUDIT_GENESIS_HASH,
      ),
    ).not.toBe(h);
    expect(hashAuditEntry({ ...entry, before: 'null' }, AUDIT_GENESIS_HASH)).not.toBe(h);
    expect(hashAuditEntry({ ...entry, seq: 2 }, AUDIT_GENESIS_HASH)).not.toBe(h);
  });

  it('checks a link against its predecessor', () => {
    const first = { ...entry, prevHash: AUDIT_GENESIS_HASH, hash: hashAuditEntry(entry, AUDIT_GENESIS_HASH) };
    expect(checkAuditLink(null, first)).toBeNull();
    const second = {
      ...entry,
      seq: 7,
      prevHash: first.hash,
      hash: hashAuditEntry({ ...entry, seq: 7 }, first.hash),
    };
    expect(checkAuditLink(first, second)).toBeNull(); // a seq gap is not a break
    expect(checkAuditLink(null, second)).toMatchObject({ seq: 7, field: 'prev_hash' });
    expect(checkAuditLink(second, first)).toMatchObject({ field: 'seq' });
  });

  it('signs checkpoints with a PEM or base64 PKCS#8 Ed25519 key and rejects any altered field', () => {
    const pair = generateAuditKeyPair();
    const pem = parseSigningKey(pair.privateKeyPem);
    const der = parseSigningKey(pair.privateKey);
    const c = signAuditCheckpoint({ seq: 5, hash: 'a'.repeat(64) }, 'mvd', '2022-01-13T10:00:00.000Z', pem);
    expect(c.public_key).toBe(pair.publicKey);
    expect(checkpointShapeProblem(c)).toBeNull();
    expect(checkpointSignatureValid(c)).toBe(true);
    expect(checkpointSignatureValid(signAuditCheckpoint(c, 'mvd', c.at, der))).toBe(true);
    for (const altered of [
      { seq: 6 },
      { hash: 'b'.repeat(64) },
      { at: '2022-01-14T10:00:00.000Z' },
      { side: 'kfor' },
    ])
      expect(checkpointSignatureValid({ ...c, ...altered })).toBe(false);
    expect(checkpointSignatureValid({ ...c, public_key: generateAuditKeyPair().publicKey })).toBe(false);
    expect(() => parseSigningKey('not a key')).toThrow();
    expect(checkpointShapeProblem({ ...c, seq: 0 })).toMatch(/seq/);
  });
});
