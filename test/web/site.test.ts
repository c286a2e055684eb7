import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  axeViolations,
  collectErrors,
  describeInBrowser,
  launchBrowser,
  newContext,
  screenshot,
  signIn,
  startServer,
  WALL,
  type TestServer,
} from './support.ts';

/**
 * The "done means": the outgoing side (the unit commander) and the receiving side (an agency
 * liaison) each in their own browser, take a site through joint guard to a countersigned transfer, while
 * a third page shows the board updating without reload.
 */

const SITE = 'aksai-bakery'; // guarded by arm-1; criticality 4, so the National Guard (not the police) receives it
const LIVE_MS = 5_000; // the issue asks for about a second; the assertion allows a loaded CI machine some slack

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer();
  server.createUser('ng-liaison', 'agency_liaison', 'national-guard', 'National Guard liaison officer');
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** The action button the page offers, by the server's action name. */
const action = (page: Page, name: string) => page.locator(`button[data-action=${name}]`);

async function confirmDialog(page: Page, fill?: (page: Page) => Promise<void>) {
  const dialog = page.locator('dialog[open]');
  await dialog.waitFor();
  if (fill) await fill(page);
  await dialog.locator('button[type=submit]').click();
  await dialog.waitFor({ state: 'detached' });
}

const count = async (page: Page, state: string) =>
  Number((await page.locator(`[data-testid=count-${state}]`).innerText()).replace(/\D/g, ''));

describeInBrowser('site page: a countersigned transfer by both sides, seen live on the board', () => {
  it('plans, starts joint guard, signs on both sides, transfers; the board follows without reload', async () => {
    // Three browsers: the outgoing side (English), the receiving side (Russian), the board on a wall screen.
    const outgoing = await (await newContext(browser, server, { lang: 'en' })).newPage();
    const receiving = await (await newContext(browser, server, { lang: 'ru' })).newPage();
    const wall = await (
      await newContext(browser, server, { lang: 'en', viewport: WALL, theme: 'dark' })
    ).newPage();
    const errors = [outgoing, receiving, wall].map(collectErrors);

    await signIn(wall, server, 'force-command');
    await wall.locator('tr.site-row').first().waitFor();
    expect(await count(wall, 'joint_guard')).toBe(0);
    expect(await count(wall, 'transferred')).toBe(0);
    const boardUrl = wall.url();

    // The outgoing side plans the handover to the National Guard.
    await signIn(outgoing, server, 'arm-1-commander', { next: `/sites/${SITE}` });
    await outgoing.locator('[data-testid=site][data-state=protected]').waitFor();
    await screenshot(outgoing, 'site', 'en');
    expect(await axeViolations(outgoing)).toEqual([]);
    await action(outgoing, 'plan_handover').click();
    await confirmDialog(outgoing, async (p) => {
      await p.locator('dialog select[name=agency]').selectOption('national-guard');
    });
    await outgoing.locator('.site-actions .note-ok').waitFor();
    // Planned, not yet under joint guard: the unit commander may not sign yet.
    expect(await action(outgoing, 'sign_outgoing').count()).toBe(0);

    // The receiving side signs in for the first time (one-time password changed), sees the site and starts joint guard.
    await signIn(receiving, server, 'ng-liaison', {
      next: `/sites/${SITE}`,
      newPassword: 'guard-post-relief-2022',
    });
    await receiving.locator('[data-testid=site]').waitFor();
    await action(receiving, 'start_joint_guard').click();
    await confirmDialog(receiving);
    await receiving.locator('[data-testid=site][data-state=joint_guard]').waitFor();

    // The board shows it without reload; the outgoing side's open page too.
    await expect.poll(() => count(wall, 'joint_guard'), { timeout: LIVE_MS }).toBe(1);
    await wall.locator(`tr[data-site=${SITE}].row-joint_guard`).waitFor({ timeout: LIVE_MS });
    await outgoing.locator('[data-testid=site][data-state=joint_guard]').waitFor({ timeout: LIVE_MS });

    // The outgoing side signs, with its password entered again; a wrong one is refused in the dialog.
    await action(outgoing, 'sign_outgoing').click();
    const dialog = outgoing.locator('dialog[open]');
    await dialog.locator('input[name=password]').fill('not-my-password');
    await dialog.locator('button[type=submit]').click();
    await dialog.locator('.note-error').waitFor();
    await dialog.locator('input[name=password]').fill(server.accounts['arm-1-commander']!.password);
    await dialog.locator('button[type=submit]').click();
    await dialog.waitFor({ state: 'detached' });
    await outgoing.locator('[data-testid=signatures] li.signed').first().waitFor();
    expect(await count(wall, 'transferred')).toBe(0); // one signature is not a transfer

    // The receiving side countersigns: the transfer takes effect.
    await receiving.locator('[data-testid=signatures] li.signed').first().waitFor({ timeout: LIVE_MS });
    await action(receiving, 'sign_receiving').click();
    await confirmDialog(receiving, async (p) => {
      await p.locator('dialog input[name=password]').fill(server.accounts['ng-liaison']!.password);
    });
    await receiving.locator('[data-testid=site][data-state=transferred]').waitFor();
    await screenshot(receiving, 'site-transferred', 'ru');
    expect(await axeViolations(receiving)).toEqual([]);

    await expect.poll(() => count(wall, 'transferred'), { timeout: LIVE_MS }).toBe(1);
    expect(await count(wall, 'joint_guard')).toBe(0);
    await wall.locator(`tr[data-site=${SITE}].row-transferred.changed`).waitFor({ timeout: LIVE_MS });
    expect(wall.url()).toBe(boardUrl);
    await screenshot(wall, 'board-after-transfer', 'en');

    // The handover act, once transferred, in the reader's language.
    await outgoing.locator('[data-testid=site][data-state=transferred]').waitFor({ timeout: LIVE_MS });
    const href = await outgoing.locator('[data-testid=act-link]').getAttribute('href');
    expect(href).toBe(`/api/sites/${SITE}/handover-act.pdf?lang=en`);
    const pdf = await outgoing.request.get(href!);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toMatch(/^application\/pdf/);
    await screenshot(outgoing, 'site-transferred', 'en');

    // The wrong password above was refused with 403, which the browser logs; nothing else went wrong.
    const refusedSignature = /status of 403 .*\/signatures\)$/;
    expect(errors.flat().filter((e) => !refusedSignature.test(e))).toEqual([]);
    expect(errors[0]!.filter((e) => refusedSignature.test(e))).toHaveLength(1);
  }, 180_000);

  it('an action on a version someone else changed meanwhile is refused as stale, with a reload that recovers', async () => {
    // This browser misses live updates (as behind a proxy that drops the event stream), so its page goes stale.
    const ctx = await newContext(browser, server, { lang: 'en' });
    await ctx.route('**/api/events', (route) => route.abort());
    const stale = await ctx.newPage();
    const site = 'substation'; // guarded by kgz-1, criticality 4
    await signIn(stale, server, 'force-command', { next: `/sites/${site}` });
    await stale.locator('[data-testid=site][data-state=protected]').waitFor();

    const other = await (await newContext(browser, server, { lang: 'en' })).newPage();
    await signIn(other, server, 'demo-admin', { next: `/sites/${site}` });
    await action(other, 'edit').click();
    await confirmDialog(other, async (p) => {
      await p.locator('dialog input[name=guards]').fill('21');
    });
    await other.locator('.site-actions .note-ok').waitFor();

    await action(stale, 'plan_handover').click();
    await confirmDialog(stale, async (p) => {
      await p.locator('dialog select[name=agency]').selectOption('national-guard');
    });
    const note = stale.locator('.site-actions .note-error');
    await note.waitFor();
    expect(await note.innerText()).toMatch(/changed this in the meantime/);
    await note.locator('button', { hasText: 'Reload' }).click();
    await stale.locator('dd', { hasText: '21' }).waitFor();
    // With the current version the same action goes through.
    await action(stale, 'plan_handover').click();
    await confirmDialog(stale, async (p) => {
      await p.locator('dialog select[name=agency]').selectOption('national-guard');
    });
    await stale.locator('.site-actions .note-ok').waitFor();
  }, 120_000);
});
