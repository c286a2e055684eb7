import { readFileSync, writeFileSync } from 'node:fs';
import {
  checkpointShapeProblem,
  generateAuditKeyPair,
  parseSigningKey,
  publicKeyBase64,
  signAuditCheckpoint,
  SIDE_NAME,
  type AuditCheckpoint,
} from '../../core/audit/chain.ts';
import { ConflictError, InputError } from '../../service/errors.ts';
import { auditHead, verifyAuditLog, type AuditVerification } from '../../store/audit.ts';
import { ConfigError } from '../../store/db.ts';
import { EXIT, withService } from '../context.ts';

/** `kfor-east` → `HANDOVER_AUDIT_KEY_KFOR_EAST`. */
export const signingKeyVariable = (side: string) =>
  `HANDOVER_AUDIT_KEY_${side.toUpperCase().replace(/-/g, '_')}`;
export const publicKeyVariable = (side: string) =>
  `HANDOVER_AUDIT_PUBLIC_KEY_${side.toUpperCase().replace(/-/g, '_')}`;

function checkSide(side: string): void {
  if (!SIDE_NAME.test(side))
    throw new InputError([
      { path: '--side', message: `"${side}" is not a side name (letters, digits, _ and -)` },
    ]);
}

function readCheckpoint(file: string): AuditCheckpoint {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError([{ path: file, message: `cannot read the checkpoint: ${(e as Error).message}` }]);
  }
  const problem = checkpointShapeProblem(value);
  if (problem) throw new InputError([{ path: file, message: `not an audit checkpoint: ${problem}` }]);
  return value as AuditCheckpoint;
}

/** The public key a side is known by here: given outright, or derived from its signing key. */
function trustedKeyOf(side: string): string | undefined {
  const pub = process.env[publicKeyVariable(side)];
  if (pub) return pub.trim();
  const priv = process.env[signingKeyVariable(side)];
  if (!priv) return undefined;
  try {
    return publicKeyBase64(parseSigningKey(priv));
  } catch (e) {
    throw new ConfigError(
      `${signingKeyVariable(side)} is not an Ed25519 private key: ${(e as Error).message}`,
    );
  }
}

export async function auditVerifyCommand(opts: { json?: boolean; checkpoint?: string[] }): Promise<void> {
  const checkpoints = (opts.checkpoint ?? []).map((source) => ({
    source,
    checkpoint: readCheckpoint(source),
  }));
  const trusted = new Map<string, string>();
  for (const { checkpoint } of checkpoints) {
    const key = trustedKeyOf(checkpoint.side);
    if (key !== undefined) trusted.set(checkpoint.side, key);
  }
  const result = await withService((svc) => verifyAuditLog(svc.store.db, checkpoints, trusted));
  if (opts.json) console.log(JSON.stringify(result, null, 2));
  else console.log(formatVerification(result));
  process.exitCode = result.ok ? EXIT.ok : EXIT.refused;
}

export function formatVerification(r: AuditVerification): string {
  const head = r.head ? `head entry ${r.head.seq}, hash ${r.head.hash}` : 'no entries yet';
  const lines = [
    r.firstBreak
      ? `Audit log BROKEN at entry ${r.firstBreak.seq}: ${r.firstBreak.message}.\n` +
        `  ${r.firstBreak.field}: expected ${r.firstBreak.expected}, found ${r.firstBreak.found || '(empty)'}\n` +
        `  ${r.brokenEntries} of ${r.entries} entries fail their check; ${head}.`
      : `Audit chain intact: ${r.entries} entries, ${head}.`,
    ...r.checkpoints.map(
      (c) =>
        `Checkpoint ${c.source} (side ${c.side}, entry ${c.seq}): ${c.status === 'matches' ? 'matches' : `REJECTED (${c.status})`} — ${c.message}.`,
    ),
  ];
  if (!r.ok && !r.firstBreak) lines.push('Audit log NOT confirmed: a checkpoint does not hold.');
  return lines.join('\n');
}

export async function auditCheckpointCommand(opts: { side: string; out?: string }): Promise<void> {
  checkSide(opts.side);
  const variable = signingKeyVariable(opts.side);
  const keyText = process.env[variable];
  if (!keyText)
    throw new ConfigError(
      `${variable} is not set: give side ${opts.side}'s Ed25519 private key (PEM or base64 PKCS#8; 'handover audit keygen' makes one).`,
    );
  let key;
  try {
    key = parseSigningKey(keyText);
  } catch (e) {
    throw new ConfigError(`${variable} is not an Ed25519 private key: ${(e as Error).message}`);
  }
  const checkpoint = await withService(async (svc) => {
    // Signing a broken chain would vouch for the tampering.
    const check = await verifyAuditLog(svc.store.db);
    if (check.firstBreak)
      throw new ConflictError(
        'audit-broken',
        `The audit log is broken at entry ${check.firstBreak.seq} (${check.firstBreak.message}); no checkpoint signed.`,
      );
    const head = await auditHead(svc.store.db);
    if (!head) throw new ConflictError('audit-empty', 'The audit log is empty; there is nothing to sign.');
    return signAuditCheckpoint(head, opts.side, new Date().toISOString(), key);
  });
  const text = JSON.stringify(checkpoint, null, 2) + '\n';
  if (opts.out) {
    writeFileSync(opts.out, text);
    console.error(
      `Wrote ${opts.out}: side ${checkpoint.side} signs entry ${checkpoint.seq}, hash ${checkpoint.hash}.`,
    );
  } else process.stdout.write(text);
}

export function auditKeygenCommand(opts: { side?: string; json?: boolean }): Promise<void> {
  const side = opts.side ?? 'SIDE';
  if (opts.side) checkSide(opts.side);
  const pair = generateAuditKeyPair();
  if (opts.json)
    console.log(
      JSON.stringify(
        { private_key: pair.privateKey, private_key_pem: pair.privateKeyPem, public_key: pair.publicKey },
        null,
        2,
      ),
    );
  else
    console.log(
      [
        `# Ed25519 key pair for signing audit checkpoints. Keep the private key secret, off this server's disk.`,
        `${signingKeyVariable(side)}=${pair.privateKey}`,
        `# Public key, for whoever verifies this side's checkpoints:`,
        `${publicKeyVariable(side)}=${pair.publicKey}`,
      ].join('\n'),
    );
  return Promise.resolve();
}
