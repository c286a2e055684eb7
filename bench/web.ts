/**
 * Web benchmark (issue 5): with a generated 5,000-site operation served by `handover serve` on SQLite, in
 * headless Chromium on this machine,
 *   - time until the board is interactive: from navigation start until every site's row is counted and
 *     the first frame after it is painted (the search box then answers; its response time is shown too);
 *   - time until the map shows every marker (the map page sets document.body.dataset.mapMarkers);
 *   - the gzipped size of the JavaScript the first page loads (entry chunk and its static imports).
 * Goals: < 1.5 s each, < 350 KB.
 *
 *   npm run bench:web
 *   BENCH_WEB_SITES=1000 BENCH_WEB_RUNS=3 npm run bench:web      a smaller run
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ensureWebBuilt, launchBrowser, ROOT, startServer, WALL } from '../test/web/support.ts';
import { machineInfo } from './lib/machine.ts';
import { machineBlock } from './lib/report.ts';
import { generateScenario } from './lib/scenario.ts';

const num = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
};
const SITES = num('BENCH_WEB_SITES', 5000);
const RUNS = num('BENCH_WEB_RUNS', 5);
const GOALS = { boardMs: 1500, mapMs: 1500, initialJsKB: 350 } as const;
const log = (s: string) => process.stderr.write(`  … ${s}\n`);

/** The JavaScript index.html loads before anything is lazily imported: the entry and its modulepreloads. */
function initialJs(): { files: string[]; rawKB: number; gzipKB: number } {
  const dist = join(ROOT, 'web', 'dist');
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const files = [
    ...html.matchAll(/<script type="module"[^>]* src="([^"]+)"/g),
    ...html.matchAll(/<link rel="modulepreload"[^>]* href="([^"]+)"/g),
  ].map((m) => m[1] ?? '');
  let raw = 0;
  let gz = 0;
  for (const f of files) {
    const bytes = readFileSync(join(dist, f));
    raw += bytes.length;
    gz += gzipSync(bytes).length;
  }
  return { files, rawKB: raw / 1024, gzipKB: gz / 1024 };
}

/**
 * ms since the page's navigation started when `data-<attr>` of <body> first equals `value`, read after the
 * next painted frame. Evaluated as an expression (the app's CSP allows no eval, which waitForFunction uses).
 */
function whenBodyData(attr: string, value: (v: string | undefined) => string): string {
  const prop = attr.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
  return `new Promise((resolve) => {
    const done = () => ${value(`document.body.dataset.${prop}`)};
    const finish = () => requestAnimationFrame(() => setTimeout(() => resolve(performance.now()), 0));
    if (done()) return finish();
    const mo = new MutationObserver(() => { if (done()) { mo.disconnect(); finish(); } });
    mo.observe(document.body, { attributes: true, attributeFilter: ['data-${attr}'] });
  })`;
}

interface BoardTiming {
  /** The first page of rows painted (the rest still arriving). */
  firstRowsMs: number;
  interactiveMs: number;
  /** When the last page of GET /api/sites had arrived (the server's share of the wait). */
  sitesLoadedMs: number;
  searchMs: number;
}

async function timeBoard(page: Page): Promise<BoardTiming> {
  await page.goto('/', { waitUntil: 'domcontentloaded' });
  const first = page.evaluate<number>(whenBodyData('board-rows', (v) => `${v} !== undefined`));
  const interactiveMs = await page.evaluate<number>(whenBodyData('board-rows', (v) => `${v} === '${SITES}'`));
  const firstRowsMs = await first;
  const sitesLoadedMs = await page.evaluate<number>(
    `Math.max(...performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/sites?')).map((e) => e.responseEnd))`,
  );
  // The first input after that: a search that narrows 5,000 rows, until its result is painted.
  const t0 = await page.evaluate<number>('performance.now()');
  const filtered = page.evaluate<number>(
    whenBodyData('board-rows', (v) => `${v} !== undefined && ${v} !== '${SITES}'`),
  );
  await page.getByRole('searchbox').fill('site-00042');
  const searchMs = (await filtered) - t0;
  return { firstRowsMs, interactiveMs, sitesLoadedMs, searchMs };
}

async function timeMap(page: Page): Promise<number> {
  await page.goto('/map', { waitUntil: 'domcontentloaded' });
  return await page.evaluate<number>(whenBodyData('map-markers', (v) => `${v} === '${SITES}'`));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? NaN;
};
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function signedInContext(browser: Browser, url: string, password: string): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: url, viewport: WALL, locale: 'en-GB' });
  const res = await context.request.post('/api/session', { data: { username: 'force-command', password } });
  if (res.status() !== 200) throw new Error(`sign-in failed: ${res.status()} ${await res.text()}`);
  return context;
}

async function main() {
  const machine = machineInfo();
  console.log(machineBlock(machine));
  console.log(
    `  Browser Chromium (headless, ${WALL.width}×${WALL.height}), server: handover serve on SQLite, same machine`,
  );
  console.log();

  ensureWebBuilt({ force: true }); // what is measured is a fresh production build
  const js = initialJs();

  const dir = mkdtempSync(join(tmpdir(), 'handover-bench-web-'));
  const scenarioFile = join(dir, 'scenario.json');
  const g = generateScenario(SITES);
  writeFileSync(scenarioFile, JSON.stringify(g.scenario));
  log(`importing ${SITES} sites`);
  const server = await startServer({ scenario: scenarioFile });
  const browser = await launchBrowser();
  try {
    const password = server.accounts['force-command']!.password;
    const board: BoardTiming[] = [];
    const map: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // A fresh context each run: a first visit (empty cache) every time, as a wall screen after a restart.
      const context = await signedInContext(browser, server.url, password);
      const page = await context.newPage();
      board.push(await timeBoard(page));
      log(`board run ${i + 1}: ${fmt(board[i]!.interactiveMs)}`);
      map.push(await timeMap(page));
      log(`map run ${i + 1}: ${fmt(map[i]!)}`);
      await context.close();
    }
    const boardMs = median(board.map((b) => b.interactiveMs));
    const searchMs = median(board.map((b) => b.searchMs));
    const sitesLoadedMs = median(board.map((b) => b.sitesLoadedMs));
    const mapMs = median(map);

    console.log(
      `Operation: ${SITES.toLocaleString('en-US')} generated sites (seeded), ${RUNS} runs, medians; each run a new browser context (cold cache).`,
    );
    console.log();
    console.log(
      `  Board interactive (all ${SITES} rows counted, first frame painted)  ${fmt(boardMs)}   runs: ${board.map((b) => fmt(b.interactiveMs)).join(', ')}`,
    );
    console.log(
      `    first rows painted (first page of 1000, the rest still arriving)          ${fmt(median(board.map((b) => b.firstRowsMs)))}`,
    );
    console.log(
      `    of which: all ${SITES} sites received from GET /api/sites (pages of ≤ 1000)       ${fmt(sitesLoadedMs)}`,
    );
    console.log(`  Board search typed → filtered rows painted                         ${fmt(searchMs)}`);
    console.log(
      `  Map with all ${SITES} markers drawn (navigated from the board)       ${fmt(mapMs)}   runs: ${map.map(fmt).join(', ')}`,
    );
    console.log(
      `  Initial JavaScript, gzipped                                        ${js.gzipKB.toFixed(1)} KB (${js.rawKB.toFixed(0)} KB raw; ${js.files.join(', ')})`,
    );
    console.log();
    const checks = [
      [`board interactive < ${GOALS.boardMs / 1000} s`, boardMs < GOALS.boardMs, fmt(boardMs)],
      [`map shows all markers < ${GOALS.mapMs / 1000} s`, mapMs < GOALS.mapMs, fmt(mapMs)],
      [
        `initial JS gzipped < ${GOALS.initialJsKB} KB`,
        js.gzipKB < GOALS.initialJsKB,
        `${js.gzipKB.toFixed(1)} KB`,
      ],
    ] as const;
    console.log('Goals');
    for (const [goal, met, value] of checks)
      console.log(`  ${met ? 'MET    ' : 'NOT MET'}  ${goal}: ${value}`);
  } finally {
    await browser.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
