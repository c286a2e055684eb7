import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  axeViolations,
  collectErrors,
  describeInBrowser,
  LANGS,
  launchBrowser,
  newContext,
  screenshot,
  signIn,
  startServer,
  WALL,
  type TestServer,
} from './support.ts';

/** The map page's signal (also read by bench:web) that every marker is drawn: body[data-map-markers]. */
async function markersDrawn(page: Page): Promise<number> {
  await page.locator('body[data-map-markers]').waitFor({ state: 'attached', timeout: 20_000 });
  return Number(await page.locator('body').getAttribute('data-map-markers'));
}

/** The demo's sites with coordinates, their districts, as the API gives them. */
async function demoSites(server: TestServer, page: Page) {
  const res = await page.request.get(`${server.url}/api/sites?limit=1000`);
  expect(res.ok()).toBe(true);
  const body = (await res.json()) as { items: { id: string; district: string; location?: unknown }[] };
  return body.items;
}

describeInBrowser('Map page', () => {
  let server: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const lang of LANGS)
    it(`draws every site in its true position with no tile server and no internet (${lang})`, async () => {
      const context = await newContext(browser, server, { lang });
      // No internet: any request leaving the server's origin fails, and is counted.
      const outside: string[] = [];
      await context.route(
        (url) => url.origin !== server.url,
        (route) => {
          outside.push(route.request().url());
          return route.abort();
        },
      );
      const page = await context.newPage();
      const errors = collectErrors(page);
      await signIn(page, server, 'observer');
      const sites = await demoSites(server, page);
      const located = sites.filter((s) => s.location);
      expect(located.length).toBeGreaterThan(10);

      await page.goto('/map');
      expect(await markersDrawn(page)).toBe(located.length);
      await expect.poll(() => page.locator('h1').textContent()).toBe(lang === 'ru' ? 'Карта' : 'Map');

      // Every marker is on screen, alone or inside a cluster whose number counts it.
      const single = await page.locator('.map-frame .map-site').count();
      const clustered = (await page.locator('.map-frame .map-cluster-count').allTextContents()).map(Number);
      const shown = clustered.reduce((n, c) => n + c, single);
      expect(shown).toBe(located.length);

      // The plain base: no tiles, a grid, the scale, a label per district, the operation's area.
      await expect.poll(() => page.locator('.map-frame[data-tiles=none]').count()).toBe(1);
      expect(await page.locator('.leaflet-tile').count()).toBe(0);
      expect(await page.locator('path.map-grid-line').count()).toBeGreaterThanOrEqual(4);
      expect(await page.locator('.map-grid-label').count()).toBeGreaterThanOrEqual(4);
      await expect.poll(() => page.locator('.leaflet-control-scale-line').isVisible()).toBe(true);
      const districts = new Set(located.map((s) => s.district));
      const labels = await page.locator('.map-district-label').allTextContents();
      expect(new Set(labels)).toEqual(districts);
      expect(await page.locator('path.map-area').count()).toBe(1);
      expect(outside).toEqual([]);

      // A marker opens with the keyboard; its popup links to the site page.
      const marker = page.locator('.map-frame .map-site').first();
      await marker.focus();
      await page.keyboard.press('Enter');
      const link = page.locator('.leaflet-popup a.map-site-link');
      await link.waitFor({ timeout: 5000 });
      expect(await link.textContent()).toBe(
        lang === 'ru' ? 'Открыть страницу объекта' : 'Open the site page',
      );
      const href = await link.getAttribute('href');
      expect(href).toMatch(/^\/sites\/[\w-]+$/);
      await screenshot(page, 'map', lang);

      expect(await axeViolations(page)).toEqual([]);
      await link.click();
      await page.waitForURL(`**${href}`);
      expect(errors).toEqual([]);
      await context.close();
    }, 90_000);

  it('is readable on a wall screen in the dark theme, and follows a change without reload', async () => {
    const context = await newContext(browser, server, { lang: 'en', viewport: WALL, theme: 'dark' });
    const page = await context.newPage();
    const errors = collectErrors(page);
    await signIn(page, server, 'demo-admin');
    await page.goto('/map');
    await markersDrawn(page);
    const before = await page.locator('.map-legend-item.state-joint_guard .map-legend-count').textContent();

    // Someone plans and starts a joint guard at a site: the legend and the markers follow.
    const session = (await (await page.request.get('/api/session')).json()) as { csrf_token: string };
    const headers = { 'x-csrf-token': session.csrf_token };
    const site = 'water-utility';
    const planned = await page.request.post(`/api/sites/${site}/plan-handover`, {
      headers,
      data: { agency: 'national-guard', start: '2022-01-12' },
    });
    expect(planned.status()).toBe(200);
    const started = await page.request.post(`/api/sites/${site}/start-joint-guard`, { headers, data: {} });
    expect(started.status()).toBe(200);
    await expect
      .poll(() => page.locator('.map-legend-item.state-joint_guard .map-legend-count').textContent(), {
        timeout: 5000,
      })
      .toBe(String(Number(before) + 1));
    await page.screenshot({ path: 'test-results/screenshots/map-en-wall-dark.png' });
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);
  it('draws a configured tile server under the sites (a deployment sets window.HANDOVER_CONFIG)', async () => {
    const context = await newContext(browser, server, { lang: 'en' });
    await context.addInitScript({
      content: `window.HANDOVER_CONFIG = { mapTiles: { url: '/tiles/{z}/{x}/{y}.png', attribution: 'Local tile server' } };`,
    });
    // The tile server: a 1×1 PNG for every tile.
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
      'base64',
    );
    let tiles = 0;
    await context.route('**/tiles/**', (route) => {
      tiles++;
      return route.fulfill({ status: 200, contentType: 'image/png', body: png });
    });
    const page = await context.newPage();
    const errors = collectErrors(page);
    await signIn(page, server, 'observer');
    await page.goto('/map');
    expect(await markersDrawn(page)).toBeGreaterThan(10);
    await expect.poll(() => page.locator('.map-frame[data-tiles=configured]').count()).toBe(1);
    await expect.poll(() => page.locator('img.leaflet-tile-loaded').count()).toBeGreaterThan(0);
    expect(tiles).toBeGreaterThan(0);
    expect(await page.locator('.leaflet-control-attribution').textContent()).toContain('Local tile server');
    expect(await page.locator('path.map-grid-line').count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
