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
  type Lang,
  type TestServer,
} from './support.ts';
import { demoScenario } from '../support/scenarios.ts';

const demoSites = (demoScenario() as { sites: { id: string; name: string }[] }).sites;

type Assignment = { agency: string; start: string } | null;
interface PlanRun {
  id: number;
  state: string;
  adopted_at: string | null;
  previous_plan?: number | null;
  fewest_moves_proven?: boolean | null;
  changes?: { site: string; before: Assignment; after: Assignment }[] | null;
  plan?: {
    handovers: { site: string; agency: string; start: string }[];
    reasons?: {
      code?: string;
      params?: Record<string, string | number | string[]>;
      message: string;
      sites?: string[];
    }[];
  } | null;
}

/** Runs the planner from the page and waits for the run to finish; returns the run as the API has it. */
async function runPlanner(page: Page): Promise<PlanRun> {
  await page.locator('[data-testid=run-planner]').click();
  const progress = page.locator('[data-testid=plan-progress]');
  await progress.waitFor({ timeout: 10_000 });
  await page.locator('[data-testid=plan-progress][data-state=done]').waitFor({ timeout: 60_000 });
  expect(await progress.locator('[role=progressbar]').getAttribute('aria-valuenow')).toBe('100');
  const runs = (await (await page.request.get('/api/plans')).json()) as { items: PlanRun[] };
  const latest = runs.items[0]!;
  expect(latest.state).toBe('done');
  return (await (await page.request.get(`/api/plans/${latest.id}`)).json()) as PlanRun;
}

async function open(browser: Browser, server: TestServer, lang: Lang, user: string, viewport = WALL) {
  const context = await newContext(browser, server, { lang, viewport });
  const page = await context.newPage();
  const errors = collectErrors(page);
  await signIn(page, server, user);
  await page.goto('/plan');
  return { context, page, errors };
}

describeInBrowser('Plan page', () => {
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

  it('runs the planner with a progress bar and shows the plan as a Gantt chart, with its charts (en)', async () => {
    const { context, page, errors } = await open(browser, server, 'en', 'force-command');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Handover plan');
    await page.getByText('No plan has been made yet').waitFor();
    await page.getByLabel('Time limit, seconds').fill('3');
    const run = await runPlanner(page);
    const handovers = run.plan!.handovers.length;
    expect(handovers).toBeGreaterThan(10);

    const gantt = page.locator('[data-testid=gantt]');
    await gantt.waitFor();
    expect(await gantt.getAttribute('role')).toBe('img');
    expect(await page.getByRole('img', { name: 'Gantt chart of the handover plan' }).count()).toBe(1);
    // One transfer of authority per handover, one joint-guard bar per site with overlap days.
    expect(await gantt.locator('.gantt-transfer').count()).toBe(handovers);
    expect(await gantt.locator('.gantt-joint').count()).toBe(handovers);
    expect(await gantt.locator('text.gantt-group').allTextContents()).toContain('Russia (RUS) · 7');

    // Grouped by agency instead.
    await page.locator('fieldset.segmented label', { hasText: 'agency' }).click();
    await expect
      .poll(() => gantt.locator('text.gantt-group').allTextContents())
      .toContainEqual(expect.stringMatching(/^Police \(Ministry of Internal Affairs\) · \d+$/));

    // The table alternative carries the same handovers.
    // The table is drawn on the details' toggle event, which the browser fires after the click returns.
    await page.getByText('Show the plan as a table').click();
    await expect.poll(() => page.locator('.gantt table tbody tr').count()).toBe(handovers);

    // Capacity per agency, withdrawal by contingent, and what binds.
    expect(
      await page.locator('figure.chart-figure figcaption', { hasText: 'guards committed' }).count(),
    ).toBe(3);
    expect(
      await page
        .locator('figure.chart-figure figcaption', { hasText: 'units deployed at the start' })
        .count(),
    ).toBe(1);
    expect(await page.locator('.recharts-surface').count()).toBeGreaterThanOrEqual(4);
    await page.getByRole('heading', { name: 'What binds the plan' }).waitFor();

    await page.setViewportSize({ width: 1366, height: 768 });
    await page.getByText('Show the plan as a table').click();
    await page.locator('h1').scrollIntoViewIfNeeded();
    await screenshot(page, 'plan', 'en');
    await page.screenshot({ path: 'test-results/screenshots/plan-en-full.png', fullPage: true });
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('plans with a what-if change, shows what it changes, compares versions and adopts one (en)', async () => {
    const { context, page, errors } = await open(browser, server, 'en', 'force-command');
    await page.locator('[data-testid=gantt]').waitFor();
    await page.getByText('What if…').click();
    const form = page.locator('form.whatif-form');
    await form.getByLabel('Change', { exact: true }).selectOption('capacity');
    await form.getByLabel('Agency', { exact: true }).selectOption('police');
    await form.getByLabel('Guards', { exact: true }).fill('200');
    await form.getByLabel('From', { exact: true }).fill('2022-01-11');
    await form.getByRole('button', { name: 'Add change' }).click();
    await page
      .getByText('Police (Ministry of Internal Affairs): +200 guards from 11 Jan 2022')
      .first()
      .waitFor();
    await page.getByLabel('Time limit, seconds').fill('3');
    const run = await runPlanner(page);
    await page.getByRole('heading', { name: `What the changes do: plan 1 → plan ${run.id}` }).waitFor();
    await page.locator('.whatif-result .plan-diff dl').waitFor();
    await page.screenshot({ path: 'test-results/screenshots/plan-en-whatif.png' });

    // Two versions: the comparison shows the withdrawal of both.
    const compare = page.locator('section', {
      has: page.getByRole('heading', { name: 'Compare two plan versions' }),
    });
    await compare.getByLabel('From').selectOption('1');
    await compare.getByLabel('To').selectOption(String(run.id));
    await compare.locator('.plan-diff dt', { hasText: 'Withdrawal' }).waitFor();

    // Adopt, after confirming.
    await page.locator('[data-testid=adopt]').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(`The plan hands over ${run.plan!.handovers.length} sites`).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Adopt the plan' }).click();
    await page.getByText(/^Adopted: \d+ handovers planned/).waitFor({ timeout: 10_000 });
    // Once the plan reloads as adopted, what adopting did is still said beside when and by whom.
    await page.getByText(/^Adopted .* by force-command\.$/).waitFor({ timeout: 10_000 });
    expect(await page.getByText(/^Adopted: \d+ handovers planned/).isVisible()).toBe(true);
    const adopted = (await (await page.request.get(`/api/plans/${run.id}`)).json()) as PlanRun;
    expect(adopted.adopted_at).not.toBeNull();
    const site = (await (await page.request.get(`/api/sites/${run.plan!.handovers[0]!.site}`)).json()) as {
      handover?: { state: string };
    };
    expect(site.handover?.state).toBe('planned');
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('re-plans against the adopted plan and lists the handovers that move (ru)', async () => {
    const { context, page, errors } = await open(browser, server, 'ru', 'force-command');
    const adopted = (
      (await (await page.request.get('/api/plans')).json()) as { items: PlanRun[] }
    ).items.find((r) => r.adopted_at)!;
    const adoptedPlan = (await (await page.request.get(`/api/plans/${adopted.id}`)).json()) as PlanRun;
    // The handover that starts first in the adopted plan may not start before two days later: it must move.
    const first = [...adoptedPlan.plan!.handovers].sort((x, y) => x.start.localeCompare(y.start))[0]!;
    const later = new Date(Date.parse(`${first.start}T00:00:00Z`) + 2 * 86_400_000)
      .toISOString()
      .slice(0, 10);
    await page.locator('[data-testid=gantt]').waitFor();
    await page.getByText('Что если…').click();
    const form = page.locator('form.whatif-form');
    await form.getByLabel('Изменение', { exact: true }).selectOption('gate');
    await form.getByLabel('Объект', { exact: true }).selectOption(first.site);
    await form.getByLabel('Дата', { exact: true }).fill(later);
    await form.getByRole('button', { name: 'Добавить изменение' }).click();
    await page.getByLabel('Лимит времени, с').fill('3');
    const run = await runPlanner(page);
    expect(run.previous_plan).toBe(adopted.id);
    expect(typeof run.fewest_moves_proven).toBe('boolean');
    const changes = run.changes!;
    expect(changes.map((c) => c.site)).toContain(first.site);

    const moves = page.locator('[data-testid=plan-moves]');
    await moves.getByRole('heading', { name: 'Сравнение с утверждённым планом' }).waitFor();
    const n = changes.length;
    const forms: Record<string, [string, string]> = {
      one: ['изменена', 'передача'],
      few: ['изменены', 'передачи'],
      many: ['изменено', 'передач'],
    };
    const [moved_, handovers] = forms[new Intl.PluralRules('ru').select(n)]!;
    expect(await moves.locator('p').first().textContent()).toBe(
      `По сравнению с утверждённым планом (план ${adopted.id}) ${moved_} ${n} ${handovers} ` +
        `(наименьшее возможное число изменений: ${run.fewest_moves_proven ? 'доказано' : 'не доказано'})`,
    );
    // One row per site that moves, with the adopted and the new agency and start.
    const rows = moves.locator('tbody tr');
    expect(await rows.count()).toBe(n);
    const sites = (await (await page.request.get('/api/sites?limit=1000')).json()) as {
      items: { id: string; name: string }[];
    };
    const agencies = (await (await page.request.get('/api/agencies')).json()) as {
      items: { id: string; name: string }[];
    };
    const siteName = (id: string) => sites.items.find((x) => x.id === id)?.name ?? id;
    const agencyName = (id: string) => agencies.items.find((x) => x.id === id)?.name ?? id;
    const gated = rows.filter({ hasText: siteName(first.site) });
    expect(await gated.count()).toBe(1);
    const moved = changes.find((c) => c.site === first.site)!;
    const cells = await gated.locator('td').allTextContents();
    expect(cells[0]).toBe(`${agencyName(first.agency)}, ${Number(first.start.slice(8))} янв. 2022 г.`);
    expect(cells[1]).toBe(
      `${agencyName(moved.after!.agency)}, ${Number(moved.after!.start.slice(8))} янв. 2022 г.`,
    );
    await moves.scrollIntoViewIfNeeded();
    await page.screenshot({ path: 'test-results/screenshots/plan-ru-moves.png' });
    // The list of versions says how many handovers the re-plan moved, and against which plan.
    const versionRow = page.locator('table.versions tbody tr').filter({
      has: page.getByRole('rowheader', { name: `План ${run.id}`, exact: true }),
    });
    await expect
      .poll(() => versionRow.locator('td').nth(4).textContent())
      .toBe(`${n} относительно плана ${adopted.id}`);
    await versionRow.scrollIntoViewIfNeeded();
    await page.screenshot({ path: 'test-results/screenshots/plan-ru-versions.png' });
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('runs the planner and shows the Gantt chart in Russian', async () => {
    const { context, page, errors } = await open(browser, server, 'ru', 'force-command');
    await expect.poll(() => page.locator('h1').textContent()).toBe('План передачи');
    await page.getByLabel('Лимит времени, с').fill('2');
    const run = await runPlanner(page);
    expect(await page.locator('[data-testid=plan-progress] .progress-label').textContent()).toMatch(
      new RegExp(`^План ${run.id}: готов`),
    );
    const gantt = page.getByRole('img', { name: 'Диаграмма Ганта плана передачи' });
    await gantt.waitFor();
    expect(await gantt.locator('.gantt-transfer').count()).toBe(run.plan!.handovers.length);
    await page.getByRole('heading', { name: 'Что ограничивает план' }).waitFor();
    // What binds the plan, said in Russian from each reason's code and params (not the planner's English).
    const reasons = run.plan!.reasons!;
    expect(reasons.length).toBeGreaterThan(0);
    const items = page.locator('[data-testid=plan-reasons] li');
    await expect.poll(() => items.count()).toBe(reasons.length);
    for (const [i, r] of reasons.entries()) {
      const text = (await items.nth(i).textContent()) ?? '';
      expect(r.code).toBeTruthy();
      expect(text).toMatch(/[а-яё]{4,}.*[а-яё]{4,}/i);
      expect(text).not.toContain(r.message);
      expect(text).not.toMatch(/\b(cannot|before|whatever|guards|short)\b/);
      // Sites by name, ISO dates in Russian.
      for (const v of Object.values(r.params ?? {}))
        if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) {
          expect(text).not.toContain(v);
          expect(text).toMatch(new RegExp(`${Number(v.slice(8))} янв\\. 2022`));
        }
      const p = r.params ?? {};
      for (const s of [p['site'] ?? [], p['sites'] ?? []].flat()) {
        const name = demoSites.find((d) => d.id === s)?.name;
        expect(name).toBeTruthy();
        expect(text).toContain(`«${name}»`);
      }
    }
    expect(await page.locator('[data-testid=plan-reasons] [lang=en]').count()).toBe(0);
    expect(await page.getByText('на английском языке').count()).toBe(0);
    await page.getByRole('heading', { name: 'Вывод: подразделения, ещё находящиеся на месте' }).waitFor();
    // Dates in Russian, in the operation's calendar.
    expect(await page.locator('[data-testid=withdrawal-date]').textContent()).toMatch(/^\d{1,2} янв\. 2022/);
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.locator('h1').scrollIntoViewIfNeeded();
    await screenshot(page, 'plan', 'ru');
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('lets an observer read the plans but not run or adopt them', async () => {
    const { context, page, errors } = await open(browser, server, 'en', 'observer');
    await page.locator('[data-testid=gantt]').waitFor();
    await page.getByText('Your role reads the plans').waitFor();
    expect(await page.locator('[data-testid=run-planner]').count()).toBe(0);
    expect(await page.locator('[data-testid=adopt]').count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('shows a unit commander the plan of its own sites, without running or adopting (ru)', async () => {
    // The force command plans and adopts (the suite may run this test alone: it makes its own plan).
    const force = await open(browser, server, 'en', 'force-command');
    await force.page.getByLabel('Time limit, seconds').fill('3');
    const run = await runPlanner(force.page);
    await force.page.goto(`/plan?plan=${run.id}`);
    await force.page.locator('[data-testid=adopt]').click();
    await force.page.getByRole('dialog').getByRole('button', { name: 'Adopt the plan' }).click();
    // The page's note of the outcome gives way to "Adopted on …" as soon as the plan reloads: ask the API.
    await expect
      .poll(
        async () =>
          ((await (await force.page.request.get(`/api/plans/${run.id}`)).json()) as PlanRun).adopted_at,
        { timeout: 15_000 },
      )
      .not.toBeNull();
    expect(force.errors).toEqual([]);
    await force.context.close();

    const sites = demoScenario() as { sites: { id: string; name: string; guarded_by: string }[] };
    const own = sites.sites.filter((s) => s.guarded_by === 'arm-1');
    expect(own.map((s) => s.id)).toEqual(['aksai-bakery']);
    const { context, page, errors } = await open(browser, server, 'ru', 'arm-1-commander');
    await page.goto(`/plan?plan=${run.id}`);
    await page.locator('[data-testid=gantt]').waitFor();
    const note = page.locator('[data-testid=plan-scope]');
    await note.getByText('Показано: передачи объектов подразделения').waitFor();
    // Only its own site is drawn and listed; the plan hands over many more.
    expect(run.plan!.handovers.length).toBeGreaterThan(own.length);
    await page.locator('details.table-alt summary').click();
    const rows = page.locator('table', { has: page.locator('caption', { hasText: 'Передачи по плану' }) });
    await rows.locator('tbody tr').first().waitFor();
    const links = await Promise.all((await rows.locator('tbody a').all()).map((a) => a.getAttribute('href')));
    expect(links).toEqual(own.map((s) => `/sites/${s.id}`));
    // Its contingent by nation, though its role cannot read the contingent's record: the plan names it.
    expect(await rows.locator('tbody tr td').first().textContent()).toBe('Armenia (ARM)');
    const mine = (await (await page.request.get(`/api/plans/${run.id}`)).json()) as {
      plan: { handovers: { site: string }[]; units: { unit: string; released: string }[] };
    };
    expect(mine.plan.handovers.map((h) => h.site)).toEqual(own.map((s) => s.id));
    // Its release date, as the plan has it; no capacity charts of the agencies' whole load.
    const releases = page.locator('[data-testid=plan-releases]');
    await releases.getByText('Даты вывода').waitFor();
    expect(await releases.locator('tbody tr').count()).toBe(1);
    expect(mine.plan.units.map((u) => u.unit)).toEqual(['arm-1']);
    // Running and adopting are the force command's: the page offers neither.
    await page.getByText('Ваша роль позволяет читать планы').waitFor();
    expect(await page.locator('[data-testid=run-planner]').count()).toBe(0);
    expect(await page.locator('[data-testid=adopt]').count()).toBe(0);
    // From the top: a full-page shot taken scrolled down draws the sticky header mid-page.
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: 'test-results/screenshots/plan-unit-scope.png', fullPage: true });
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 150_000);
});
