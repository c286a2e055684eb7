import type { APIRequestContext, Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  axeViolations,
  collectErrors,
  describeInBrowser,
  launchBrowser,
  LAPTOP,
  LANGS,
  newContext,
  screenshot,
  signIn,
  startServer,
  WALL,
  type TestServer,
} from './support.ts';

/** The board: counts, filters and search kept in the URL, scope, live changes highlighted as the last 24 hours'. */

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const rows = (page: Page) => page.locator('tr.site-row');
const siteIds = async (page: Page) =>
  Promise.all((await rows(page).all()).map((r) => r.getAttribute('data-site')));
const count = async (page: Page, key: string) =>
  Number((await page.locator(`[data-testid=count-${key}]`).innerText()).replace(/\D/g, ''));

/** Another user's API session (cookie and CSRF token), for changes the board must pick up by itself. */
async function apiAs(username: string): Promise<{ request: APIRequestContext; csrf: string }> {
  const ctx = await browser.newContext({ baseURL: server.url });
  const res = await ctx.request.post('/api/session', {
    data: { username, password: server.accounts[username]!.password },
  });
  expect(res.status()).toBe(200);
  const { csrf_token } = (await res.json()) as { csrf_token: string };
  return { request: ctx.request, csrf: csrf_token };
}

describeInBrowser('board', () => {
  it('shows every site with counts by state, in both languages, without accessibility violations', async () => {
    for (const lang of LANGS) {
      const page = await (await newContext(browser, server, { lang, viewport: WALL })).newPage();
      const errors = collectErrors(page);
      await signIn(page, server, 'force-command');
      await rows(page).first().waitFor();
      expect(await rows(page).count()).toBe(14);
      expect(await count(page, 'all')).toBe(14);
      expect(await count(page, 'protected')).toBe(14);
      expect(await count(page, 'joint_guard')).toBe(0);
      // The state is written out, not only coloured.
      expect(await page.locator('tr[data-site=aksai-bakery] .state-badge').innerText()).toMatch(
        lang === 'en' ? /Under protection/ : /Под охраной/,
      );
      await screenshot(page, 'board', lang);
      expect(await axeViolations(page)).toEqual([]);
      expect(errors).toEqual([]);
    }
  }, 120_000);

  it('keeps filters and search in the URL, so a reload or a shared link shows the same view', async () => {
    const page = await (await newContext(browser, server, { lang: 'en', viewport: LAPTOP })).newPage();
    await signIn(page, server, 'force-command');
    await rows(page).first().waitFor();

    await page.getByLabel('District').selectOption('Turksib');
    await expect.poll(() => new URL(page.url()).searchParams.get('district')).toBe('Turksib');
    await expect.poll(() => rows(page).count()).toBe(3);
    await page.getByLabel('Sector').selectOption('fuel');
    await expect.poll(() => rows(page).count()).toBe(1);
    expect(await rows(page).first().getAttribute('data-site')).toBe('oil-depot');

    await page.reload();
    await rows(page).first().waitFor();
    expect(await rows(page).count()).toBe(1);
    expect(await page.getByLabel('District').inputValue()).toBe('Turksib');

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => rows(page).count()).toBe(14);
    await page.getByRole('searchbox').fill('bakery');
    await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBe('bakery');
    await expect.poll(() => rows(page).count()).toBe(1);

    // A shared link with filters opens on them.
    await page.goto('/?contingent=RUS&sort=criticality');
    await rows(page).first().waitFor();
    const shown = await siteIds(page);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown).toContain('almaty-airport');
    expect(shown).not.toContain('aksai-bakery');
    expect(await page.getByLabel('Contingent').inputValue()).toBe('RUS');
  }, 120_000);

  it('shows a unit commander only the sites of their unit', async () => {
    const page = await (await newContext(browser, server, { lang: 'en' })).newPage();
    await signIn(page, server, 'arm-1-commander');
    await rows(page).first().waitFor();
    const shown = await siteIds(page);
    expect(shown).toEqual(['aksai-bakery']);
  }, 60_000);

  it('a site taken under protection by someone else appears at once, highlighted as new in the last 24 hours', async () => {
    const page = await (await newContext(browser, server, { lang: 'en', viewport: WALL })).newPage();
    await signIn(page, server, 'force-command');
    await rows(page).first().waitFor();
    const url = page.url();
    const changedBefore = await count(page, 'changed');

    const { request, csrf } = await apiAs('demo-admin');
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Almaty' }).format(new Date());
    const res = await request.post('/api/sites', {
      headers: { 'x-csrf-token': csrf },
      data: {
        id: 'zhetysu-bread-store',
        name: 'Zhetysu bread distribution store',
        sector: 'food',
        criticality: 2,
        district: 'Zhetysu',
        guards: 4,
        guarded_by: 'arm-1',
        protected_since: today,
      },
    });
    expect(res.status(), await res.text()).toBe(201);

    const row = page.locator('tr[data-site=zhetysu-bread-store]');
    await row.waitFor({ timeout: 3_000 });
    // The row comes first; the highlight follows with the day's changes (GET /api/status).
    await expect.poll(() => row.getAttribute('class'), { timeout: 3_000 }).toMatch(/\bchanged\b/);
    await expect.poll(() => count(page, 'all'), { timeout: 3_000 }).toBe(15);
    await expect.poll(() => count(page, 'changed'), { timeout: 3_000 }).toBe(changedBefore + 1);
    // The new site sorts first (changed in the last 24 hours) and the page was never reloaded.
    await expect.poll(() => rows(page).first().getAttribute('data-site')).toBe('zhetysu-bread-store');
    expect(page.url()).toBe(url);

    await page.getByRole('button', { name: /Changed in 24 h/ }).click();
    await expect.poll(() => rows(page).count()).toBe(1);
    expect(new URL(page.url()).searchParams.get('changed')).toBe('1');
  }, 60_000);
});
