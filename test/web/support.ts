import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { describe } from 'vitest';

/**
 * Browser tests: the real server (`handover serve`, a fresh SQLite file with the demo operation and its
 * accounts) in a child process, Debian's Chromium driven by playwright-core, axe-core for accessibility.
 */

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots');
export const LANGS = ['en', 'ru'] as const;
export type Lang = (typeof LANGS)[number];

/**
 * `describe` for browser suites. Without Chromium: in CI a failing suite (a browser test that silently
 * did not run would pass CI for nothing), locally a skipped one with the reason printed.
 */
export function describeInBrowser(name: string, fn: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(name, fn);
    return;
  }
  if (process.env['CI'] === 'true')
    throw new Error(`browser tests: no Chromium at ${CHROMIUM} (CI installs it: apt-get install chromium)`);
  console.warn(`SKIPPED browser suite "${name}": no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  describe.skip(name, fn);
}

function newestMtime(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/**
 * Builds the web app when web/dist is missing or older than its sources (HANDOVER_WEB_PREBUILT=1: never). The build goes to a scratch
 * directory and is swapped in whole, so a server reading web/dist never sees half a build.
 */
export function ensureWebBuilt(opts: { force?: boolean } = {}): void {
  // Set by someone who built web/dist themselves and wants it served as it is.
  if (process.env['HANDOVER_WEB_PREBUILT'] === '1' && !opts.force) return;
  const dist = join(ROOT, 'web', 'dist');
  const index = join(dist, 'index.html');
  const sources = Math.max(
    newestMtime(join(ROOT, 'web', 'src')),
    newestMtime(join(ROOT, 'web', 'index.html')),
    newestMtime(join(ROOT, 'vite.config.ts')),
  );
  if (!opts.force && existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const scratch = join(ROOT, 'node_modules', '.cache', `handover-web-${process.pid}`);
  mkdirSync(join(ROOT, 'node_modules', '.cache'), { recursive: true });
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', scratch, '--emptyOutDir'],
    {
      cwd: ROOT,
      encoding: 'utf8',
      // The production build, always: vitest sets NODE_ENV=test, with which Vite would build React's dev runtime.
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  if (r.status !== 0) throw new Error(`vite build failed:\n${r.stdout}\n${r.stderr}`);
  const old = `${dist}.old-${process.pid}`;
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(scratch, dist);
  rmSync(old, { recursive: true, force: true });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface Account {
  username: string;
  password: string;
  role: string;
}

export interface TestServer {
  url: string;
  databaseUrl: string;
  /** The demo accounts by username (demo-admin, force-command, arm-command, arm-1-commander, police-liaison, bakery-operator, observer). */
  accounts: Record<string, Account>;
  /** Runs the CLI against the server's database. */
  cli(args: string[]): { status: number | null; stdout: string; stderr: string };
  /** Creates an account with `handover users create` (a one-time password, to be changed at first sign-in). */
  createUser(username: string, role: string, scope?: string, displayName?: string): Account;
  stop(): Promise<void>;
}

const CLI = join(ROOT, 'bin', 'handover.js');

/**
 * A fresh database with the demo operation and one account per role, served on a free port.
 * `scenario` imports that file instead of the demo (the demo's accounts are still made).
 */
export async function startServer(
  opts: { scenario?: string; env?: Record<string, string> } = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'handover-web-'));
  const databaseUrl = `sqlite:${join(dir, 'handover.db')}`;
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    // Tests sign in many times from one address; the throttles have their own tests.
    RATE_LIMIT_SESSION_PER_MINUTE: '0',
    RATE_LIMIT_PER_MINUTE: '0',
    ...opts.env,
  };
  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, env, encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const demo = cli(['demo']);
  if (demo.status !== 0) throw new Error(`handover demo failed: ${demo.stderr}`);
  const accounts: Record<string, Account> = {};
  for (const m of demo.stdout.matchAll(/^\s+(\S+)\s+(\S{4}-\S{4}-\S{4}-\S{4})\s+(\w+)/gm)) {
    const [, username = '', password = '', role = ''] = m;
    accounts[username] = { username, password, role };
  }
  if (Object.keys(accounts).length < 7) throw new Error(`demo accounts not found in:\n${demo.stdout}`);
  if (opts.scenario) {
    const imp = cli(['import', '--replace', opts.scenario]);
    if (imp.status !== 0) throw new Error(`handover import failed: ${imp.stdout}${imp.stderr}`);
  }

  ensureWebBuilt();
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [CLI, 'serve', '--port', String(port), '--host', '127.0.0.1'],
    {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not answer within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    databaseUrl,
    accounts,
    cli,
    createUser(username, role, scope, displayName) {
      const r = cli([
        'users',
        'create',
        username,
        '--role',
        role,
        ...(scope ? ['--scope', scope] : []),
        ...(displayName ? ['--display-name', displayName] : []),
        '--json',
      ]);
      if (r.status !== 0) throw new Error(`users create failed: ${r.stdout}${r.stderr}`);
      const { password } = JSON.parse(r.stdout) as { password: string };
      const account = { username, password, role };
      accounts[username] = account;
      return account;
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export const WALL = { width: 1920, height: 1080 } as const;
export const LAPTOP = { width: 1366, height: 768 } as const;

/**
 * A browser context (its own cookies: one signed-in user) with the UI language chosen up front, as the
 * app remembers it in localStorage. Browser console errors and CSP violations are collected.
 */
export async function newContext(
  browser: Browser,
  server: TestServer,
  opts: { lang?: Lang; viewport?: { width: number; height: number }; theme?: 'light' | 'dark' } = {},
): Promise<BrowserContext> {
  const lang = opts.lang ?? 'en';
  const context = await browser.newContext({
    baseURL: server.url,
    viewport: opts.viewport ?? LAPTOP,
    locale: lang === 'ru' ? 'ru-RU' : 'en-GB',
    timezoneId: 'Europe/London', // not the operation's zone: dates must be shown in Asia/Almaty anyway
  });
  // Runs in the page before the app (a string: this file is compiled without the DOM's types).
  await context.addInitScript({
    content: `if (!localStorage.getItem('handover.lang')) localStorage.setItem('handover.lang', ${JSON.stringify(lang)});
      if (!localStorage.getItem('handover.theme')) localStorage.setItem('handover.theme', ${JSON.stringify(opts.theme ?? 'light')});`,
  });
  return context;
}

/** Errors the page logged (uncaught exceptions, console.error, CSP violations); a test expects none. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // The app asks who is signed in before sign-in; the browser logs that expected 401 as an error.
    if (m.type() === 'error' && !/status of 401/.test(m.text()))
      errors.push(`console: ${m.text()}${m.location().url ? ` (${m.location().url})` : ''}`);
  });
  return errors;
}

/**
 * Signs in through the sign-in page and waits for the header to show the user. An account still on its
 * one-time password gets the change-password form: `newPassword` is then chosen there (and remembered).
 */
export async function signIn(
  page: Page,
  server: TestServer,
  username: string,
  opts: { next?: string; newPassword?: string } = {},
): Promise<void> {
  const account = server.accounts[username];
  if (!account) throw new Error(`no account ${username}`);
  await page.goto(opts.next ? `/signin?next=${encodeURIComponent(opts.next)}` : '/signin');
  try {
    await page.locator('input[name=username]').waitFor({ timeout: 15_000 });
  } catch (e) {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, `failed-signin-${username}.png`) });
    throw new Error(
      `no sign-in form at ${page.url()}: ${(await page.locator('body').innerText()).slice(0, 300)}`,
      {
        cause: e,
      },
    );
  }
  await page.locator('input[name=username]').fill(account.username);
  await page.locator('input[name=password]').fill(account.password);
  await page.locator('form button[type=submit]').click();
  if (opts.newPassword) {
    await page.locator('input[name=new_password]').waitFor({ timeout: 15_000 });
    await page.locator('input[name=current_password]').fill(account.password);
    await page.locator('input[name=new_password]').fill(opts.newPassword);
    await page.locator('input[name=repeat]').fill(opts.newPassword);
    await page.locator('form button[type=submit]').click();
    account.password = opts.newPassword;
  }
  await page.locator('[data-testid=user]').waitFor({ timeout: 15_000 });
}

/** A full-page screenshot under test-results/screenshots/<name>-<lang>.png. */
export async function screenshot(page: Page, name: string, lang: Lang): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}-${lang}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

/** axe-core's serious and critical violations on the page as it is now (WCAG 2.1 A and AA rules). */
export async function axeViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact}: ${v.id} (${v.help}) at ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(', ')}`,
    );
}
