import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handoverStepRecords, type HandoverAct } from '../../src/core/report/act.ts';
import { loadHandoverAct, renderHandoverActPdf } from '../../src/server/act-pdf.ts';
import { buildApp, type App } from '../../src/server/app.ts';
import { DEMO_ACTOR, HandoverService } from '../../src/service/service.ts';
import { openStore } from '../../src/store/db.ts';
import { signInAsAdministrator } from '../support/auth.ts';
import { backends } from '../support/backends.ts';
import { transferBySignatures } from '../signatures/support.ts';
import { demoScenario } from '../support/scenarios.ts';

/** The handover act of a transferred site: what it says in each language, the PDF, the route and the command. */

const now = new Date('2022-01-14T10:00:00Z'); // 16:00 in Almaty (UTC+6 in 2022)
const SITE = 'aksai-bakery';
const AGENCY = 'National Guard of the Republic of Kazakhstan';

/** The demo with the Aksai bakery handed to the National Guard: joint guard from 12, transfer on 14 January. */
async function transferBakery(svc: HandoverService) {
  await svc.importScenario(demoScenario(), DEMO_ACTOR);
  await svc.startJointGuard(
    SITE,
    { agency: 'national-guard', on: '2022-01-12' },
    { ...DEMO_ACTOR, name: 'Maj. A. Starter' },
  );
  await transferBySignatures(svc, SITE, { on: '2022-01-14' });
}

const allText = (act: HandoverAct) =>
  [
    act.title,
    act.operation,
    act.place,
    act.date,
    act.preamble,
    ...act.tables.flatMap((t) => [t.heading, ...t.fields.flatMap((f) => [f.label, f.value])]),
    act.postOrders.heading,
    ...act.postOrders.items,
    act.records.heading,
    ...act.records.fields.flatMap((f) => [f.label, f.value]),
    act.records.note,
    ...act.signatures.blocks.flatMap((b) => [b.side, b.role, b.party, ...b.lines]),
    ...act.notes,
    act.footer.document,
    act.footer.generated,
  ].join('\n');
const field = (act: HandoverAct, label: string) =>
  [...act.tables, act.records].flatMap((t) => t.fields).find((f) => f.label === label)?.value;

/** Page objects of a PDF (pdfkit writes them outside compressed streams). */
const pageCount = (pdf: Buffer) => pdf.toString('latin1').match(/\/Type \/Page\n/g)?.length ?? 0;

describe('which records the act cites', () => {
  const e = (action: string, actor: string, at: string) => ({ action, actor, at });
  it('takes the transfer and the last start of joint guard before it', () => {
    const records = handoverStepRecords([
      e('site.start_joint_guard', 'first', '2022-01-11T05:00:00Z'),
      e('site.call_off', 'x', '2022-01-11T06:00:00Z'),
      e('site.start_joint_guard', 'second', '2022-01-12T05:00:00Z'),
      e('site.update', 'y', '2022-01-13T05:00:00Z'),
      e('site.transfer', 'third', '2022-01-14T05:00:00Z'),
    ]);
    expect(records).toEqual({
      jointGuard: { actor: 'second', at: '2022-01-12T05:00:00Z' },
      transfer: { actor: 'third', at: '2022-01-14T05:00:00Z' },
    });
  });
  it('has no records for a handover that came in with a scenario file', () => {
    expect(handoverStepRecords([e('site.update', 'y', '2022-01-13T05:00:00Z')])).toEqual({
      jointGuard: null,
      transfer: null,
    });
  });
});

describe.each(backends)('handover act on $name', (backend) => {
  let svc: HandoverService;
  let app: App;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const opened = await backend.open();
    cleanup = opened.cleanup;
    svc = new HandoverService(opened.store, () => now);
    app = await buildApp({ service: svc, security: { rateLimitPerMinute: 0 } });
    await signInAsAdministrator(app, opened.store);
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  it('says in Russian who handed what to whom, when, and who recorded it', async () => {
    await transferBakery(svc);
    const act = await loadHandoverAct(svc, SITE, DEMO_ACTOR, { lang: 'ru', now });
    const text = allText(act);
    expect(act.title).toBe('Акт приёма-передачи охраняемого объекта');
    for (const s of [
      'Aksai bakery plant',
      AGENCY,
      'Armenian peacekeeping company',
      'Armenia (ARM)',
      'CSTO collective peacekeeping force — Almaty handover',
      'Keep looters and armed persons off the plant grounds and out of the production halls.',
      'Сдал',
      'Принял',
    ])
      expect(text).toContain(s);
    expect(field(act, 'Совместная охрана')).toBe('с 12 января 2022 г. по 14 января 2022 г.');
    expect(field(act, 'Передача ответственности')).toBe('14 января 2022 г.');
    expect(field(act, 'Отрасль')).toBe('продовольствие');
    expect(field(act, 'Координаты')).toBe('43,2290° с. ш., 76,8410° в. д.');
    expect(field(act, 'Начало совместной охраны зафиксировал')).toMatch(
      /^Maj\. A\. Starter — \d+ \S+ \d{4} г\./,
    );
    // The second signature made the transfer: its signer recorded it.
    expect(field(act, 'Передачу ответственности зафиксировал')).toMatch(/^liaison\.national-guard — /);
    expect(act.records.note).toMatch(/подписали в системе одну и ту же версию/);
    expect(act.signatures.blocks.map((b) => b.signed)).toEqual([
      expect.stringMatching(/^Подписано в системе: Signer commander\.arm-1 \(commander\.arm-1\)/),
      expect.stringMatching(/^Подписано в системе: Signer liaison\.national-guard/),
    ]);
    expect(act.signatures.blocks.map((b) => b.party)).toEqual(['Armenian peacekeeping company', AGENCY]);
    expect(act.documentId).toBe('aksai-bakery/2022-01-14');
    expect(act.footer.generated).toBe('сформирован 14 января 2022 г. в 16:00 GMT+6 (Asia/Almaty)');
    // The demo marks its invented values; the act carries the mark.
    expect(act.tables[0]!.fields.find((f) => f.label === 'Категория важности')).toMatchObject({
      value: '4 из 5',
      illustrative: true,
    });
    expect(text).not.toMatch(/Act of transfer|Handed over by|January/);
  });

  it('says the same in English, and is Russian by default for the demo', async () => {
    await transferBakery(svc);
    const en = await loadHandoverAct(svc, SITE, DEMO_ACTOR, { lang: 'en', now });
    expect(en.title).toBe('Act of transfer of a protected site');
    expect(allText(en)).toContain(AGENCY);
    expect(allText(en)).toContain('Aksai bakery plant');
    expect(field(en, 'Joint guard')).toBe('from 12 January 2022 to 14 January 2022');
    expect(field(en, 'Coordinates')).toBe('43.2290° N, 76.8410° E');
    expect(field(en, 'Start of joint guard recorded by')).toMatch(/^Maj\. A\. Starter — /);
    expect(en.footer.generated).toBe('generated 14 January 2022 at 16:00 GMT+6 (Asia/Almaty)');
    expect(allText(en)).not.toMatch(/[А-Яа-яЁё]/);
    expect((await loadHandoverAct(svc, SITE, DEMO_ACTOR, { now })).lang).toBe('ru');
  });

  it('serves the act as an A4 PDF in both languages', async () => {
    await transferBakery(svc);
    for (const lang of ['ru', 'en'] as const) {
      const r = await app.inject({ method: 'GET', url: `/api/sites/${SITE}/handover-act.pdf?lang=${lang}` });
      expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
      expect(r.headers['content-type']).toBe('application/pdf');
      expect(r.headers['content-disposition']).toBe(
        `attachment; filename="handover-act-aksai-bakery-2022-01-14-${lang}.pdf"`,
      );
      const pdf = r.rawPayload;
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(pdf.subarray(-6).toString('latin1')).toMatch(/%%EOF\s*$/);
      expect(pdf.length).toBeGreaterThan(10_000);
      expect(pdf.length).toBeLessThan(300_000);
      expect(pageCount(pdf)).toBeGreaterThanOrEqual(1);
      expect(pageCount(pdf)).toBeLessThanOrEqual(3);
      const raw = pdf.toString('latin1');
      expect(raw).toMatch(/\/MediaBox \[0 0 595\.28 841\.89\]/);
      expect(raw).toMatch(/\/FontFile2 /); // the DejaVu fonts are embedded
    }
    const byDefault = await app.inject({ method: 'GET', url: `/api/sites/${SITE}/handover-act.pdf` });
    expect(byDefault.headers['content-disposition']).toMatch(/-ru\.pdf"$/);
  });

  it('embeds Cyrillic glyphs in the Russian act (readable in an uncompressed rendering)', async () => {
    await transferBakery(svc);
    const ru = await renderHandoverActPdf(await loadHandoverAct(svc, SITE, DEMO_ACTOR, { lang: 'ru', now }), {
      compress: false,
    });
    const en = await renderHandoverActPdf(await loadHandoverAct(svc, SITE, DEMO_ACTOR, { lang: 'en', now }), {
      compress: false,
    });
    // The fonts' ToUnicode maps list the characters used: А (U+0410) and ё (U+0451) in Russian only.
    const cmaps = (pdf: Buffer) => pdf.toString('latin1').toLowerCase();
    expect(cmaps(ru)).toContain('<0410>');
    expect(cmaps(ru)).toContain('<0451>');
    expect(cmaps(en)).not.toContain('<0410>');
  });

  it('answers 409 conflict before the transfer, 404 for an unknown site, 400 for an unknown language', async () => {
    await svc.importScenario(demoScenario(), DEMO_ACTOR);
    const get = (url: string) => app.inject({ method: 'GET', url });
    const protectedSite = await get(`/api/sites/${SITE}/handover-act.pdf`);
    expect(protectedSite.statusCode).toBe(409);
    expect(protectedSite.json()).toMatchObject({ error: 'conflict' });
    await svc.startJointGuard(SITE, { agency: 'national-guard', on: '2022-01-12' }, DEMO_ACTOR);
    const joint = await get(`/api/sites/${SITE}/handover-act.pdf?lang=en`);
    expect(joint.statusCode).toBe(409);
    expect(joint.json()).toMatchObject({ error: 'conflict' });
    expect(joint.json<{ message: string }>().message).toMatch(/under joint guard/);
    const unknown = await get('/api/sites/nowhere/handover-act.pdf');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: 'not_found' });
    const lang = await get(`/api/sites/${SITE}/handover-act.pdf?lang=de`);
    expect(lang.statusCode).toBe(400);
    expect(lang.json()).toMatchObject({ error: 'invalid_input', problems: [{ path: 'lang' }] });
  });
});

describe('handover act command', () => {
  const BIN = fileURLToPath(new URL('../../bin/handover.js', import.meta.url));
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'handover-act-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the PDF to a file; exit 3 before the transfer, 4 for an unknown site', async () => {
    const url = `sqlite:${join(dir, 'h.db')}`;
    const store = await openStore(url);
    try {
      await transferBakery(new HandoverService(store, () => now));
    } finally {
      await store.close();
    }
    const handover = (...args: string[]) =>
      spawnSync(process.execPath, [BIN, ...args], {
        encoding: 'utf8',
        cwd: dir,
        env: { ...process.env, DATABASE_URL: url },
      });
    const out = join(dir, 'act-en.pdf');
    const r = handover('act', SITE, '--lang', 'en', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(out);
    const pdf = readFileSync(out);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(10_000);

    const byDefault = handover('act', SITE);
    expect(byDefault.status, byDefault.stderr).toBe(0);
    expect(
      readFileSync(join(dir, 'handover-act-aksai-bakery-2022-01-14-ru.pdf')).subarray(0, 5).toString(),
    ).toBe('%PDF-');

    const notYet = handover('act', 'tpp-2');
    expect(notYet.status).toBe(3);
    expect(notYet.stderr).toMatch(/tpp-2/);
    expect(handover('act', 'nowhere').status).toBe(4);
    expect(handover('act', SITE, '--lang', 'de').status).toBe(2);
  }, 120_000); // five CLI starts, each loading TypeScript through tsx
});
