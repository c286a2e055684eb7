/** The printed table and the goals. */
import type { MachineInfo } from './machine.ts';
import type { SuiteResult } from './suite.ts';

export const GOALS = {
  importMs: 2000,
  pageP99Ms: 20,
  writesPerSecond: 2000,
  /** The issue sets the incident-write goal for SQLite only. */
  writesGoalBackends: ['SQLite'],
} as const;

/** Whether the issue sets an incident-write goal for this backend. */
export const hasWritesGoal = (backend: string): boolean =>
  (GOALS.writesGoalBackends as readonly string[]).includes(backend);

export interface GoalCheck {
  backend: string;
  key: 'import' | 'page' | 'writes';
  goal: string;
  value: string;
  met: boolean;
}

export function goalChecks(r: SuiteResult): GoalCheck[] {
  const imp = r.import.cold ?? r.import.warm;
  const checks: GoalCheck[] = [
    {
      backend: r.backend,
      key: 'import',
      goal: `import of ${imp.sites.toLocaleString('en-US')} sites < ${GOALS.importMs / 1000} s`,
      value: secs(imp.totalMs),
      met: imp.totalMs < GOALS.importMs && r.import.warm.totalMs < GOALS.importMs,
    },
    {
      backend: r.backend,
      key: 'page',
      goal: `GET /api/sites p99 < ${GOALS.pageP99Ms} ms`,
      value: ms(r.sitesPage.all.p99),
      met: r.sitesPage.all.p99 < GOALS.pageP99Ms,
    },
  ];
  if (hasWritesGoal(r.backend))
    checks.push({
      backend: r.backend,
      key: 'writes',
      goal: `incident writes ≥ ${GOALS.writesPerSecond.toLocaleString('en-US')}/s`,
      value: `${rate(r.incidents.perSecond)}/s`,
      met: r.incidents.perSecond >= GOALS.writesPerSecond,
    });
  return checks;
}

const ms = (x: number) =>
  x >= 100 ? `${x.toFixed(0)} ms` : x >= 10 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`;
const secs = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : ms(x));
const rate = (x: number) => Math.round(x).toLocaleString('en-US');
const times = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(1)}×` : '');
const mark = (met: boolean) => (met ? '✓' : '✗');

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function machineBlock(m: MachineInfo): string {
  return [
    'Machine',
    `  CPU     ${m.cpu}`,
    `  Cores   ${m.cores}`,
    `  Memory  ${m.memoryGiB} GiB`,
    `  Node    ${m.node}`,
    `  OS      ${m.os}`,
    `  Date    ${m.date}`,
    `  Load    ${m.loadavg.map((x) => x.toFixed(2)).join(' ')} (1/5/15 min, at start)${m.loadavg[0] !== undefined && m.loadavg[0] > m.cores / 2 ? ' — other work is running: wall times and tails are noisy' : ''}`,
  ].join('\n');
}

export function suiteBlock(r: SuiteResult): string {
  const checks = goalChecks(r);
  const gp = checks.find((c) => c.key === 'page');
  const gw = checks.find((c) => c.key === 'writes');
  const imp = r.import;
  const p = r.sitesPage;
  const w = r.incidents;
  const rows: string[][] = [];
  if (imp.cold)
    rows.push([
      `Import ${imp.cold.sites.toLocaleString('en-US')} sites, first in process`,
      secs(imp.cold.totalMs),
      ms(imp.baselineMs),
      times(imp.cold.totalMs, imp.baselineMs),
      `< ${GOALS.importMs / 1000} s`,
      mark(imp.cold.totalMs < GOALS.importMs),
    ]);
  if (imp.cold)
    rows.push(
      ['  validate + convert', secs(imp.cold.validateMs), '', '', '', ''],
      [
        '  write (transaction)',
        secs(imp.cold.writeMs),
        ms(imp.baselineMs),
        times(imp.cold.writeMs, imp.baselineMs),
        '',
        '',
      ],
      ['  statistics (VACUUM, ANALYZE)', secs(imp.cold.statisticsMs), '', '', '', ''],
    );
  rows.push(
    [
      `Import ${imp.warm.sites.toLocaleString('en-US')} sites${imp.cold ? ', again' : ''}`,
      secs(imp.warm.totalMs),
      ms(imp.baselineMs),
      times(imp.warm.totalMs, imp.baselineMs),
      `< ${GOALS.importMs / 1000} s`,
      mark(imp.warm.totalMs < GOALS.importMs),
    ],
    ['  validate + convert', secs(imp.warm.validateMs), '', '', '', ''],
    [
      '  write (transaction)',
      secs(imp.warm.writeMs),
      ms(imp.baselineMs),
      times(imp.warm.writeMs, imp.baselineMs),
      '',
      '',
    ],
    ['  statistics (VACUUM, ANALYZE)', secs(imp.warm.statisticsMs), '', '', '', ''],
    [
      `GET /api/sites p50 (n=${p.all.n})`,
      ms(p.all.p50),
      ms(p.baseline.p50),
      times(p.all.p50, p.baseline.p50),
      '',
      '',
    ],
    [
      `GET /api/sites p99`,
      ms(p.all.p99),
      ms(p.baseline.p99),
      times(p.all.p99, p.baseline.p99),
      `< ${GOALS.pageP99Ms} ms`,
      mark(gp?.met ?? false),
    ],
    [`GET /api/sites mean`, ms(p.all.mean), ms(p.baseline.mean), times(p.all.mean, p.baseline.mean), '', ''],
    [`  limit 100, no filter: p50 / p99`, `${ms(p.limit100.p50)} / ${ms(p.limit100.p99)}`, '', '', '', ''],
    [
      `  limit 50, filtered:   p50 / p99`,
      `${ms(p.limit50Filtered.p50)} / ${ms(p.limit50Filtered.p99)}`,
      '',
      '',
      '',
      '',
    ],
    [
      `Incident writes (${w.writes.toLocaleString('en-US')}, sequential)`,
      `${rate(w.perSecond)}/s`,
      `${rate(w.baselinePerSecond)}/s`,
      times(w.baselinePerSecond, w.perSecond) + ' slower',
      gw ? `≥ ${rate(GOALS.writesPerSecond)}/s` : '—',
      gw ? mark(gw.met) : '',
    ],
    [
      '  mean per write (wall)',
      ms(w.meanMs),
      ms(w.baselineMeanMs),
      times(w.meanMs, w.baselineMeanMs),
      '',
      '',
    ],
    ['  CPU per write', ms(w.cpuMs), ms(w.baselineCpuMs), times(w.cpuMs, w.baselineCpuMs), '', ''],
  );
  return [
    `${r.backend} (${r.settings})`,
    table(['Figure', 'Handover', 'Baseline', 'vs base', 'Goal', 'Met'], rows),
    ...(gw
      ? []
      : [
          'Incident writes have no goal here: durable commits (synchronous_commit=on, fsync) bound single-row transactions on this disk; the raw baseline shows the ceiling.',
        ]),
    'Baselines:',
    `  import  ${imp.baseline} (site rows only, rows built beforehand)`,
    `  HTTP    ${p.baselineDescribe}; mean /api/sites body ${(p.meanBytes / 1024).toFixed(1)} KiB`,
    `  writes  ${w.baseline} (incident row only, no audit entry, no checks)`,
  ].join('\n');
}

export function goalsBlock(checks: GoalCheck[]): string {
  return [
    'Goals',
    ...checks.map((c) => `  ${mark(c.met)} ${c.backend.padEnd(10)} ${c.goal.padEnd(36)} ${c.value}`),
  ].join('\n');
}
