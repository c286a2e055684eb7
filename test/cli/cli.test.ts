import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEMO_PATH } from '../support/scenarios.ts';

const BIN = fileURLToPath(new URL('../../bin/handover.js', import.meta.url));

describe('handover CLI (SQLite)', () => {
  let dir: string;
  let db: string;
  const handover = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, ...args], {
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: `sqlite:${db}`, HANDOVER_ACTOR: 'cli-test' },
    });
  const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'handover-cli-'));
    db = join(dir, 'h.db');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says what to do when the database is empty', () => {
    const r = handover('status');
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/handover demo/);
  });

  it('loads the demo, refuses to overwrite it without --reset, and summarises it', () => {
    expect(handover('demo').status).toBe(0);
    const again = handover('demo');
    expect(again.status).toBe(3);
    expect(again.stderr).toMatch(/--reset/);
    expect(handover('demo', '--reset').status).toBe(0);
    const r = handover('status', '--as-of', '2022-01-10', '--json');
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout) as {
      sites: { total: number };
      last24h: { takenUnderProtection: string[] };
    };
    expect(s.sites.total).toBe(14);
    expect(s.last24h.takenUnderProtection).toHaveLength(5);
    expect(handover('status', '--as-of', '2022-01-10').stdout).toMatch(/5 site\(s\) taken under protection/);
  });

  it('exports what the demo file holds, in YAML and JSON', () => {
    const demo = parse(readFileSync(DEMO_PATH, 'utf8')) as unknown;
    const yaml = handover('export');
    expect(yaml.status).toBe(0);
    expect(parse(yaml.stdout)).toEqual(demo);
    const out = join(dir, 'out.json');
    expect(handover('export', '--out', out).status).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(demo);
  });

  it('rejects a scenario with several errors, listing every path, and leaves the database file as it was', () => {
    const bad = parse(readFileSync(DEMO_PATH, 'utf8')) as {
      sites: Record<string, unknown>[];
      agencies: Record<string, unknown>[];
    };
    bad.sites[3]!['guarded_by'] = 'arm-9';
    bad.sites[4]!['criticality'] = 0;
    bad.sites[5]!['not_before'] = '2022-01-32';
    bad.sites[6]!['id'] = bad.sites[7]!['id'];
    bad.agencies[0]!['capacty'] = [];
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(bad));
    const before = sha(db);
    const r = handover('import', file, '--replace');
    expect(r.status).toBe(2);
    for (const path of [
      'sites[3].guarded_by: unknown unit "arm-9"',
      'sites[4].criticality',
      'sites[5].not_before',
      'sites[7].id: duplicate site id',
      'agencies[0].capacty: unknown field',
    ])
      expect(r.stderr).toContain(path);
    expect(sha(db)).toBe(before);
  });

  it('reports a YAML syntax error with its line', () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'version: 1\noperation: {name: x\n');
    const r = handover('import', file);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not valid YAML.*line/i);
  });

  it('has --help on every command and exits 2 on a usage error', () => {
    for (const cmd of ['serve', 'import', 'export', 'demo', 'status']) {
      const r = handover(cmd, '--help');
      expect(r.status, cmd).toBe(0);
      expect(r.stdout).toContain(`Usage: handover ${cmd}`);
    }
    expect(handover('frobnicate').status).toBe(2);
    expect(handover('status', '--bogus').status).toBe(2);
  });
});
