import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEMO_ACTOR, HandoverService } from '../../src/service/service.ts';
import { PlanningService } from '../../src/service/planning.ts';
import { openStore } from '../../src/store/db.ts';
import { DEMO_PATH, SHARED_SCENARIOS } from '../support/scenarios.ts';

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
    expect(handover('status', '--as-of', '2022-01-10').stdout).toMatch(/5 sites taken under protection/);
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

  it('plans the operation in the database, stores the plan as a version, and withdraws by 19 January', () => {
    const r = handover('plan', '--json', '--time-limit', '5');
    expect(r.status, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as { status: string; withdrawal_date: string; handovers: unknown[] };
    expect(plan.status).not.toBe('infeasible');
    expect(plan.withdrawal_date <= '2022-01-19').toBe(true);
    expect(plan.handovers).toHaveLength(14);
    const text = handover('plan', '--time-limit', '5');
    expect(text.stdout).toMatch(/Withdrawal by contingent:/);
    expect(text.stdout).toMatch(/Stored as plan version 2/);
  });

  it('re-plans the operation against its adopted plan, as the server does, and stores what moved', async () => {
    // Adopt version 2 (the previous test's) through the service, as the API would.
    const store = await openStore(`sqlite:${db}`);
    try {
      await new PlanningService(new HandoverService(store)).adopt(2, DEMO_ACTOR);
    } finally {
      await store.close();
    }
    const r = handover('plan', '--json', '--time-limit', '5');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      plan: { status: string };
      changes: { moved: unknown[] };
      fewest_moves_proven: boolean;
      previous_plan: number;
      version: number;
    };
    expect(out.plan.status).not.toBe('infeasible');
    expect(out.previous_plan).toBe(2);
    expect(out.version).toBe(3);
    expect(typeof out.fewest_moves_proven).toBe('boolean');
    expect(out.changes.moved.length).toBeLessThanOrEqual(14);
    const stored = await openStore(`sqlite:${db}`);
    try {
      const run = await new PlanningService(new HandoverService(stored)).get(3, DEMO_ACTOR);
      expect(run.previousPlanId).toBe(2);
      expect(run.changes).toEqual(out.changes.moved);
      expect(run.fewestMovesProven).toBe(out.fewest_moves_proven);
    } finally {
      await stored.close();
    }
    const text = handover('plan', '--time-limit', '5');
    expect(text.stdout).toMatch(/Re-planned against the adopted plan, version 2\./);
    expect(text.stdout).toMatch(/Stored as plan version 4/);
  });

  it('plans a what-if on the operation against its adopted plan, as the server does, and stores what moved', async () => {
    // Version 2 is adopted (the previous test); versions 3 and 4 were re-planned against it.
    const r = handover(
      'plan',
      '--json',
      '--time-limit',
      '5',
      '--what-if',
      'capacity national-guard +50 from 2022-01-11',
    );
    expect(r.status, r.stderr).toBe(0);
    type Handover = { site: string; agency: string; start: string };
    const out = JSON.parse(r.stdout) as {
      plan: { status: string; handovers: Handover[] };
      changes: { moved: { site: string; before: unknown; after: unknown }[] };
      before?: unknown;
      fewest_moves_proven: boolean;
      previous_plan: number;
      version: number;
    };
    expect(out.plan.status).not.toBe('infeasible');
    expect(out.previous_plan).toBe(2);
    expect(out.version).toBe(5);
    // What moves is what moves from the adopted plan, not from a fresh plan of the operation as it stands.
    expect(out).not.toHaveProperty('before');
    const stored = await openStore(`sqlite:${db}`);
    try {
      const planning = new PlanningService(new HandoverService(stored));
      const adopted = await planning.get(2, DEMO_ACTOR);
      const at = (hs: Handover[], site: string) => {
        const h = hs.find((x) => x.site === site);
        return h ? { agency: h.agency, start: h.start } : null;
      };
      const sites = [...new Set([...adopted.result!.handovers, ...out.plan.handovers].map((h) => h.site))];
      expect([...out.changes.moved].sort((x, y) => x.site.localeCompare(y.site))).toEqual(
        sites
          .sort()
          .map((site) => ({
            site,
            before: at(adopted.result!.handovers, site),
            after: at(out.plan.handovers, site),
          }))
          .filter((m) => JSON.stringify(m.before) !== JSON.stringify(m.after)),
      );
      const run = await planning.get(5, DEMO_ACTOR);
      expect(run.previousPlanId).toBe(2);
      expect(run.request).toEqual({
        time_limit_s: 5,
        what_if: ['capacity national-guard +50 from 2022-01-11'],
      });
      expect(run.changes).toEqual(out.changes.moved);
      expect(run.fewestMovesProven).toBe(out.fewest_moves_proven);
    } finally {
      await stored.close();
    }
    const text = handover(
      'plan',
      '--time-limit',
      '5',
      '--what-if',
      'capacity national-guard +50 from 2022-01-11',
    );
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/What if: capacity national-guard \+50 from 2022-01-11/);
    expect(text.stdout).toMatch(/Re-planned against the adopted plan, version 2\./);
    expect(text.stdout).toMatch(/Stored as plan version 6/);
  });

  it('plans a file, says why an infeasible one cannot be planned, and exits 3', () => {
    const ok = handover(
      'plan',
      `${SHARED_SCENARIOS}/p01-gates-and-precedence.yaml`,
      '--json',
      '--time-limit',
      '5',
    );
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      status: 'optimal',
      objective: { withdrawal_day: 5, force_person_days: 4412 },
    });
    const bad = handover('plan', `${SHARED_SCENARIOS}/p03-infeasible-capacity.yaml`, '--time-limit', '5');
    expect(bad.status).toBe(3);
    expect(bad.stdout).toMatch(/\[capacity\]/);
  });

  it('prints what a what-if changes, and re-plans from a previous plan keeping what is under way', () => {
    const demo = DEMO_PATH;
    const w = handover(
      'plan',
      demo,
      '--json',
      '--time-limit',
      '3',
      '--what-if',
      'capacity national-guard -100 from 2022-01-11',
    );
    expect(w.status, w.stderr).toBe(0);
    const out = JSON.parse(w.stdout) as {
      before: { objective: { force_person_days: number } };
      plan: { objective: { force_person_days: number } };
      changes: { personDays: { change: number }; moved: unknown[] };
    };
    expect(out.changes.personDays.change).toBe(
      out.plan.objective.force_person_days - out.before.objective.force_person_days,
    );
    expect(out.changes.moved.length).toBeGreaterThan(0);
    expect(handover('plan', demo, '--what-if', 'capacity nobody +5 from 2022-01-11').stderr).toMatch(
      /unknown agency "nobody"/,
    );

    const previous = JSON.parse(handover('plan', demo, '--json', '--time-limit', '3').stdout) as {
      handovers: { site: string; agency: string; start: string; state?: string }[];
    };
    const first = previous.handovers[0]!;
    first.state = 'joint_guard';
    const file = join(dir, 'previous.json');
    writeFileSync(file, JSON.stringify(previous));
    const r = handover('plan', demo, '--json', '--time-limit', '3', '--previous', file);
    expect(r.status, r.stderr).toBe(0);
    const re = JSON.parse(r.stdout) as {
      plan: { handovers: { site: string; agency: string; start: string }[] };
      kept: string[];
      changes: { moved: unknown[] };
    };
    expect(re.kept).toEqual([first.site]);
    expect(re.plan.handovers.find((h) => h.site === first.site)).toMatchObject({
      agency: first.agency,
      start: first.start,
    });
    // Nothing happened between the two plans: re-planning moves nothing.
    expect(re.changes.moved).toEqual([]);
  });

  it('has --help on every command and exits 2 on a usage error', () => {
    for (const cmd of ['serve', 'import', 'export', 'demo', 'status', 'plan']) {
      const r = handover(cmd, '--help');
      expect(r.status, cmd).toBe(0);
      expect(r.stdout).toContain(`Usage: handover ${cmd}`);
    }
    expect(handover('frobnicate').status).toBe(2);
    expect(handover('status', '--bogus').status).toBe(2);
  });
});
