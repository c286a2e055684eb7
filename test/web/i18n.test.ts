import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectErrors,
  describeInBrowser,
  launchBrowser,
  newContext,
  ROOT,
  screenshot,
  signIn,
  startServer,
  type TestServer,
} from './support.ts';

/** Every string in English and Russian; the choice is the user's, remembered, and dates follow it. */

const LOCALES = join(ROOT, 'web', 'src', 'i18n', 'locales');

/** The keys of a translation file, plural forms folded into their base key (Russian has more forms). */
function keys(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix.replace(/_(zero|one|two|few|many|other)$/, '')];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
    keys(v, prefix ? `${prefix}.${k}` : k),
  );
}
const read = (lang: string, file: string) =>
  JSON.parse(readFileSync(join(LOCALES, lang, file), 'utf8')) as Record<string, unknown>;

describe('translations', () => {
  const files = readdirSync(join(LOCALES, 'en')).filter((f) => f.endsWith('.json'));
  it('has the same namespaces in English and Russian', () => {
    expect(
      readdirSync(join(LOCALES, 'ru'))
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual([...files].sort());
    expect(files).toEqual(expect.arrayContaining(['common.json', 'board.json', 'site.json', 'signin.json']));
  });
  it.each(files)('%s: every English string has a Russian one and the other way round', (file) => {
    const en = [...new Set(keys(read('en', file)))].sort();
    const ru = [...new Set(keys(read('ru', file)))].sort();
    expect(ru).toEqual(en);
  });
});

let server: TestServer;
let browser: Browser;

describeInBrowser('language switch', () => {
  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('the sign-in page comes in both languages', async () => {
    for (const lang of ['en', 'ru'] as const) {
      const page = await (await newContext(browser, server, { lang })).newPage();
      await page.goto('/signin');
      await page.locator('input[name=username]').waitFor();
      expect(await page.locator('h1').innerText()).toBe(lang === 'en' ? 'Sign in' : 'Вход');
      expect(await page.evaluate('document.documentElement.lang')).toBe(lang);
      await screenshot(page, 'signin', lang);
    }
  }, 60_000);

  it('switches the whole page, remembers the choice, and shows dates in the chosen language', async () => {
    const page = await (await newContext(browser, server, { lang: 'en' })).newPage();
    const errors = collectErrors(page);
    await signIn(page, server, 'force-command', { next: '/sites/aksai-bakery' });
    await page.locator('[data-testid=site]').waitFor();
    expect(await page.locator('nav').innerText()).toContain('Board');
    expect(await page.locator('.facts').innerText()).toContain('9 Jan 2022');

    await page.getByTestId('language').selectOption('ru');
    await page.locator('nav', { hasText: 'Табло' }).waitFor();
    expect(await page.evaluate('document.documentElement.lang')).toBe('ru');
    expect(await page.locator('.facts').innerText()).toContain('9 янв. 2022');
    expect(await page.locator('h2#actions-title').innerText()).toBe('Действия');
    // No English left in the page's own strings (the data — site names — stay as recorded).
    expect(await page.locator('.site-actions').innerText()).not.toMatch(/Plan handover|Start joint guard/);

    await page.reload();
    await page.locator('nav', { hasText: 'Табло' }).waitFor();
    expect(await page.evaluate('localStorage.getItem("handover.lang")')).toBe('ru');

    await page.getByTestId('language').selectOption('en');
    await page.locator('nav', { hasText: 'Board' }).waitFor();
    expect(errors).toEqual([]);
  }, 60_000);
});
