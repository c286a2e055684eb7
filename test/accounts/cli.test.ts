import { spawnSync } from 'node:child_process';
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

describe('handover users and demo accounts (SQLite)', () => {
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

  it('demo creates one account per role with scopes from the demo operation, printed once', () => {
    const r = handover('demo');
    expect(r.status).toBe(0);
    for (const name of [
      'demo-admin',
      'force-command',
      'arm-command',
      'arm-1-commander',
      'police-liaison',
      'bakery-operator',
      'observer',
    ])
      expect(r.stdout).toMatch(new RegExp(`^  ${name}\\s+[A-Za-z2-9]{4}(-[A-Za-z2-9]{4}){3}  `, 'm'));
    const users = list();
    expect(new Set(users.map((u) => u.role)).size).toBe(7);
    expect(users.find((u) => u.username === 'bakery-operator')?.scope).toEqual({
      kind: 'site',
      id: 'aksai-bakery',
    });
    expect(users.find((u) => u.username === 'arm-command')?.scope).toEqual({ kind: 'contingent', id: 'ARM' });
  });

  it('creates, changes the role of, disables and resets accounts, with the usual exit codes', () => {
    const created = handover(
      'users',
      'create',
      'Dana',
      '--role',
      'agency_liaison',
      '--scope',
      'police',
      '--json',
    );
    expect(created.status).toBe(0);
    const c = JSON.parse(created.stdout) as { user: UserJson; password: string };
    expect(c.user).toMatchObject({
      username: 'Dana',
      scope: { kind: 'agency', id: 'police' },
      must_change_password: true,
    });
    expect(c.password).toMatch(/^[A-Za-z2-9-]{24}$/);
    expect(handover('users', 'create', 'dana', '--role', 'observer').status).toBe(3);
    expect(
      handover('users', 'create', 'x', '--role', 'unit_commander', '--scope', 'no-such-unit').status,
    ).toBe(2);
    const moved = handover('users', 'set-role', 'dana', 'unit_commander', '--scope', 'arm-1', '--json');
    expect(JSON.parse(moved.stdout)).toMatchObject({
      user: { role: 'unit_commander', scope: { kind: 'unit', id: 'arm-1' } },
    });
    expect(handover('users', 'disable', 'dana').stdout).toMatch(/Disabled Dana/);
    const reset = handover('users', 'reset-password', 'dana');
    expect(reset.stdout).toMatch(/One-time password \(shown once/);
    expect(handover('users', 'disable', 'nobody').status).toBe(4);
  });
});
