import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/handover.js', import.meta.url));

interface UserJson {
  username: string;
  role: string;
  scope: { kind: string; id: string } | null;
  disabled: boolean;
  must_change_password: boolean;
}

describe('first start of handover serve (SQLite)', () => {
  let dir: string;
  let db: string;
  const env = () => ({ ...process.env, DATABASE_URL: `sqlite:${db}`, HANDOVER_ACTOR: 'cli-test' });
  const handover = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: env() });
  const list = () => (JSON.parse(handover('users', 'list', '--json').stdout) as { items: UserJson[] }).items;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'handover-users-'));
    db = join(dir, 'h.db');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serve creates the administrator with a one-time password printed once, and only on first start', async () => {
    const start = () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [BIN, 'serve', '--port', '0', '--host', '127.0.0.1', '--no-demo'],
          {
            env: env(),
          },
        );
        let out = '';
        const timer = setTimeout(() => {
          child.kill('SIGTERM');
          reject(new Error(`serve did not start: ${out}`));
        }, 15_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('Handover is serving')) {
            clearTimeout(timer);
            child.kill('SIGTERM');
            child.once('exit', () => resolve(out));
          }
        });
      });
    const first = await start();
    const password = /one-time password\n\n\s+(\S+)\n/.exec(first)?.[1];
    expect(password).toMatch(/^[A-Za-z2-9]{4}(-[A-Za-z2-9]{4}){4}$/);
    expect(list()).toEqual([
      expect.objectContaining({ username: 'admin', role: 'administrator', must_change_password: true }),
    ]);
    const second = await start();
    expect(second).not.toContain('one-time password');
    expect(second).not.toContain(password);
  });
});
