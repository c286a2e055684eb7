import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  axeViolations,
  collectErrors,
  describeInBrowser,
  launchBrowser,
  LANGS,
  newContext,
  screenshot,
  signIn,
  startServer,
  type TestServer,
} from './support.ts';

/**
 * Accessibility: axe-core (WCAG 2.1 A and AA) finds nothing serious or critical on any page, in either
 * language or theme; the app is usable from the keyboard.
 */

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

const PAGES = [
  ['board', '/', '[data-testid=board] tr.site-row'],
  ['site', '/sites/aksai-bakery', '[data-testid=site]'],
  ['map', '/map', 'main h1'],
  ['plan', '/plan', 'main h1'],
  ['situation', '/situation', 'main h1'],
] as const;

describeInBrowser('accessibility', () => {
  for (const theme of ['light', 'dark'] as const)
    it(`no serious or critical axe violations on any page, both languages, ${theme} theme`, async () => {
      const found: string[] = [];
      for (const lang of LANGS) {
        const page = await (await newContext(browser, server, { lang, theme })).newPage();
        const errors = collectErrors(page);
        await page.goto('/signin');
        await page.locator('input[name=username]').waitFor();
        found.push(...(await axeViolations(page)).map((v) => `signin ${lang}: ${v}`));
        await signIn(page, server, 'force-command');
        for (const [name, path, ready] of PAGES) {
          await page.goto(path);
          await page.locator(ready).first().waitFor();
          await page.waitForLoadState('networkidle').catch(() => undefined);
          found.push(...(await axeViolations(page)).map((v) => `${name} ${lang}: ${v}`));
          if (theme === 'dark' && (name === 'board' || name === 'site'))
            await screenshot(page, `${name}-dark`, lang);
        }
        found.push(...errors.map((e) => `${lang}: ${e}`));
      }
      expect(found).toEqual([]);
    }, 180_000);

  it('is usable from the keyboard: a skip link to the content, visible focus, dialogs that Escape closes; a remembered theme', async () => {
    const page = await (await newContext(browser, server, { lang: 'en' })).newPage();
    await signIn(page, server, 'force-command', { next: '/sites/tpp-2' });
    await page.locator('[data-testid=site]').waitFor();

    await page.keyboard.press('Tab');
    expect(await page.evaluate(`document.activeElement?.classList.contains('skip-link')`)).toBe(true);
    expect(await page.locator('a.skip-link').isVisible()).toBe(true);
    // The focus ring is drawn (an outline wide enough to see).
    const outline = await page.evaluate('parseFloat(getComputedStyle(document.activeElement).outlineWidth)');
    expect(outline).toBeGreaterThanOrEqual(2);
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('main');

    // Reach an action by Tab alone, open its dialog with Enter, close it with Escape.
    const onPlan = async () =>
      (await page.evaluate('document.activeElement?.dataset.action')) === 'plan_handover';
    for (let i = 0; i < 40 && !(await onPlan()); i++) await page.keyboard.press('Tab');
    expect(await onPlan()).toBe(true);
    await page.keyboard.press('Enter');
    await page.locator('dialog[open]').waitFor();
    // Focus moved into the dialog.
    expect(await page.evaluate('!!document.activeElement?.closest("dialog")')).toBe(true);
    await page.keyboard.press('Escape');
    await page.locator('dialog[open]').waitFor({ state: 'detached' });

    // The night-shift theme is one button away and stays chosen after a reload.
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('light');
    await page.locator('button.theme-switch').click();
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    await page.reload();
    await page.locator('[data-testid=site]').waitFor();
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    expect(await page.locator('button.theme-switch').getAttribute('aria-pressed')).toBe('true');
  }, 60_000);
});
