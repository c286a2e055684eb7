import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditCheckpoint } from '../../src/core/audit/chain.ts';
import type { AuditVerification } from '../../src/store/audit.ts';
import { openStore, type Store } from '../../src/store/db.ts';
import { recomputeChain, withoutAppendOnly } from './support.ts';

const BIN = fileURLToPath(new URL('../../bin/handover.js', import.meta.url));

describe('handover audit (CLI, SQLite)', { timeout: 60_000 }, () => {
  let dir: string;
  let url: string;
  let key: { private_key: string; public_key: string };
  const handover = (args: string[], env: Record<string, string> = {}) => {
    const base = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('HANDOVER_AUDIT_')),
    ) as Record<string, string>;
    return spawnSync(process.execPath, [BIN, ...args], {
      encoding: 'utf8',
      env: { ...base, DATABASE_URL: url, HANDOVER_ACTOR: 'cli-test', ...env },
    });
  };
  const withStore = async (fn: (s: Store) => Promise<void>) => {
    const store = await openStore(url);
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  };
  const verifyJson = (...args: string[]) => {
    const r = handover(['audit', 'verify', '--json', ...args]);
    return { status: r.status, result: JSON.parse(r.stdout) as AuditVerification };
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'handover-audit-cli-'));
    url = `sqlite:${join(dir, 'h.db')}`;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  let entries = 0;

  it('verifies an intact log: exit 0, the number of entries and the head hash', async () => {
    for (const args of [['demo'], ['demo', '--reset'], ['demo', '--reset']])
      expect(handover(args).status).toBe(0);
    // Each demo load writes its import and the demo accounts: count what the log holds.
    await withStore(async (s) => {
      entries = Number(
        (
          await s.db
            .selectFrom('audit_log')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    });
    expect(entries).toBeGreaterThanOrEqual(3);
    const r = handover(['audit', 'verify']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`intact: ${entries} entries, head entry ${entries}, hash [0-9a-f]{64}`),
    );
    const { status, result } = verifyJson();
    expect(status).toBe(0);
    expect(result).toMatchObject({ ok: true, entries, head: { seq: entries } });
  });

  it('makes a key pair, signs a checkpoint with it, and verifies against it', () => {
    const k = handover(['audit', 'keygen', '--side', 'kfor', '--json']);
    expect(k.status).toBe(0);
    key = JSON.parse(k.stdout) as typeof key;
    expect(handover(['audit', 'keygen', '--side', 'kfor']).stdout).toMatch(/^HANDOVER_AUDIT_KEY_KFOR=\S+$/m);

    const missing = handover(['audit', 'checkpoint', '--side', 'kfor']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/HANDOVER_AUDIT_KEY_KFOR is not set/);

    const out = join(dir, 'kfor.json');
    const c = handover(['audit', 'checkpoint', '--side', 'kfor', '--out', out], {
      HANDOVER_AUDIT_KEY_KFOR: key.private_key,
    });
    expect(c.status).toBe(0);
    const cp = JSON.parse(readFileSync(out, 'utf8')) as AuditCheckpoint;
    expect(cp).toMatchObject({ seq: entries, side: 'kfor', public_key: key.public_key });
    const v = handover(['audit', 'verify', '--checkpoint', out]);
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(new RegExp(`kfor\\.json \\(side kfor, entry ${entries}\\): matches`));
  });

  it('exit 3 for a rewritten and recomputed history against the checkpoint, and for a forged checkpoint', async () => {
    const out = join(dir, 'kfor.json');
    await withStore((store) =>
      withoutAppendOnly(store, async () => {
        await sql`update audit_log set actor = 'someone-else' where seq = 2`.execute(store.db);
        await recomputeChain(store, 2);
      }),
    );
    expect(handover(['audit', 'verify']).status).toBe(0); // the chain alone cannot tell
    const v = handover(['audit', 'verify', '--checkpoint', out]);
    expect(v.status).toBe(3);
    expect(v.stdout).toMatch(/REJECTED \(differs\).*rewritten/);

    // The attacker makes the checkpoint fit the rewritten log; the signature no longer does.
    const cp = JSON.parse(readFileSync(out, 'utf8')) as AuditCheckpoint;
    const forged = join(dir, 'forged.json');
    writeFileSync(forged, JSON.stringify({ ...cp, hash: verifyJson().result.head!.hash }));
    const f = verifyJson('--checkpoint', forged);
    expect(f.status).toBe(3);
    expect(f.result.checkpoints[0]).toMatchObject({ status: 'bad-signature' });

    const junk = join(dir, 'junk.json');
    writeFileSync(junk, '{"seq": "three"}');
    expect(handover(['audit', 'verify', '--checkpoint', junk]).status).toBe(2);
  });

  it('exit 3 and the first bad entry for an edited entry; no checkpoint is signed over a broken log', async () => {
    await withStore((store) =>
      withoutAppendOnly(store, async () => {
        await sql`update audit_log set after = '{}' where seq = 2`.execute(store.db);
      }),
    );
    const r = handover(['audit', 'verify']);
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/BROKEN at entry 2: entry 2 was changed/);
    const j = verifyJson();
    expect(j.status).toBe(3);
    expect(j.result.firstBreak).toMatchObject({ seq: 2, field: 'hash' });
    const c = handover(['audit', 'checkpoint', '--side', 'kfor'], {
      HANDOVER_AUDIT_KEY_KFOR: key.private_key,
    });
    expect(c.status).toBe(3);
    expect(c.stderr).toMatch(/broken at entry 2/);
  });
});
