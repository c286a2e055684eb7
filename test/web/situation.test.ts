import type { Browser } from 'playwright-core';
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

const TEXT = {
  en: {
    title: 'Situation in the city',
    headings: ['Incidents', 'Normal life', 'Restrictions', 'Facility output'],
    internet: /^Internet: normal since 11 Jan 2022$/,
    alcohol: 'Alcohol-sale ban',
    until: '19 Jan 2022',
    bakery: /^Aksai bakery plant: operating on 19 Jan 2022, 61 t\/day$/,
  },
  ru: {
    title: 'Обстановка в городе',
    headings: ['Происшествия', 'Нормальная жизнь', 'Ограничения', 'Работа предприятий'],
    internet: /^Интернет: в норме с 11 янв\. 2022 г\.$/,
    alcohol: 'Запрет продажи алкоголя',
    until: '19 янв. 2022 г.',
    bakery: /^Aksai bakery plant: работает на 19 янв\. 2022 г\., 61 t\/day$/,
  },
} as const;

describeInBrowser('Situation page', () => {
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
    it(`shows incidents, normal-life indicators, restrictions and facility output (${lang})`, async () => {
      const text = TEXT[lang];
      const context = await newContext(browser, server, { lang });
      const page = await context.newPage();
      const errors = collectErrors(page);
      await signIn(page, server, 'observer');
      const incidents = (await (await page.request.get('/api/incidents')).json()) as { total: number };
      const indicators = (await (await page.request.get('/api/indicators')).json()) as {
        items: { indicator: string }[];
      };

      await page.goto('/situation');
      await expect.poll(() => page.locator('h1').textContent()).toBe(text.title);
      for (const h of text.headings) await page.getByRole('heading', { name: h, exact: true }).waitFor();

      // Every incident is listed, newest first, with its time in the operation's zone (UTC+6 here).
      const items = page.locator('ol.incident-list > li');
      await items.first().waitFor();
      expect(await items.count()).toBe(incidents.total);
      const times: string[] = [];
      for (const time of await items.locator('time').all())
        times.push((await time.getAttribute('datetime')) ?? '');
      expect([...times].sort((a, b) => Date.parse(b) - Date.parse(a))).toEqual(times);
      expect(await items.first().locator('time').textContent()).toContain('12:00'); // 2022-01-17T12:00+06:00

      // A chart per indicator.
      const kinds = new Set(indicators.items.map((r) => r.indicator));
      const captions = await page.locator('.indicator-grid figcaption').allTextContents();
      expect(captions).toHaveLength(kinds.size);
      expect(captions).toContainEqual(expect.stringMatching(text.internet));
      expect(await page.locator('.indicator-grid .recharts-surface').count()).toBe(kinds.size);

      // Restrictions with their end dates.
      const alcohol = page.locator('tr', { has: page.locator('th', { hasText: text.alcohol }) });
      expect(await alcohol.locator('td.until').textContent()).toBe(text.until);

      // Facility output over time.
      const output = page.locator('.output-grid figure');
      expect(await output.locator('figcaption').allTextContents()).toContainEqual(
        expect.stringMatching(text.bakery),
      );
      expect(await output.locator('.recharts-bar-rectangle').count()).toBeGreaterThan(10);

      await screenshot(page, 'situation', lang);
      await page.screenshot({ path: `test-results/screenshots/situation-${lang}-full.png`, fullPage: true });
      expect(await axeViolations(page)).toEqual([]);
      expect(errors).toEqual([]);
      await context.close();
    }, 90_000);

  it('shows a newly recorded incident without reload, on a wall screen in the dark theme', async () => {
    const context = await newContext(browser, server, { lang: 'en', viewport: WALL, theme: 'dark' });
    const page = await context.newPage();
    const errors = collectErrors(page);
    await signIn(page, server, 'demo-admin');
    await page.goto('/situation');
    const items = page.locator('ol.incident-list > li');
    await items.first().waitFor();
    const before = await items.count();

    const session = (await (await page.request.get('/api/session')).json()) as { csrf_token: string };
    const recorded = await page.request.post('/api/incidents', {
      headers: { 'x-csrf-token': session.csrf_token },
      data: {
        at: '2022-01-18T09:30:00+06:00',
        kind: 'crowd',
        severity: 2,
        district: 'Medeu',
        description: 'Queue at the reopened market; orderly.',
      },
    });
    expect(recorded.status()).toBe(201);
    await expect.poll(() => items.count(), { timeout: 5000 }).toBe(before + 1);
    expect(await items.first().textContent()).toContain('Queue at the reopened market; orderly.');
    await page.screenshot({ path: 'test-results/screenshots/situation-en-wall-dark.png' });
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
