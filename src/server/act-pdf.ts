import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import {
  buildHandoverAct,
  defaultActLanguage,
  handoverStepRecords,
  type ActField,
  type ActLanguage,
  type HandoverAct,
} from '../core/report/act.ts';
import { ConflictError } from '../service/errors.ts';
import { DEMO_ACTOR, type Actor, type HandoverService } from '../service/service.ts';

/**
 * The handover act as a PDF (A4). The words come from core/report/act.ts; this file lays them out.
 * The fonts are DejaVu from the `dejavu-fonts-ttf` package: PDF's built-in fonts have no Cyrillic.
 */

const require = createRequire(import.meta.url);
const font = (file: string) => require.resolve(`dejavu-fonts-ttf/ttf/${file}`);
const FONTS = {
  regular: font('DejaVuSerif.ttf'),
  bold: font('DejaVuSerif-Bold.ttf'),
  italic: font('DejaVuSerif-Italic.ttf'),
  sans: font('DejaVuSansCondensed.ttf'),
  sansBold: font('DejaVuSansCondensed-Bold.ttf'),
};

/**
 * Loads what the act of a site needs and builds it. A site that is not transferred has no act (ConflictError);
 * an unknown site is a NotFoundError from the service.
 */
export async function loadHandoverAct(
  svc: HandoverService,
  id: string,
  actor: Actor,
  opts: { lang?: ActLanguage; now?: Date } = {},
): Promise<HandoverAct> {
  // Whoever sees the site may read its act; the act then names the unit, contingent and agency and the
  // steps of the handover as recorded, which the reader's scope alone might not show — it is the document
  // both sides hold.
  const site = await svc.getSite(id, actor);
  const console_ = DEMO_ACTOR;
  const operation = await svc.getOperation();
  if (site.state !== 'transferred' || !site.handover?.transfer)
    throw new ConflictError(
      'not-transferred',
      `Site "${site.id}" is ${site.state === 'joint_guard' ? 'under joint guard' : 'protected by its unit'}: ` +
        'its handover act exists once the transfer of authority has taken effect.',
    );
  const unit = await svc.getUnit(site.guardedBy, console_);
  const [contingent, agency, audit] = await Promise.all([
    svc.getContingent(unit.contingentId, console_),
    svc.getAgency(site.handover.agencyId, console_),
    svc.listAudit({ entity: 'site', entityId: site.id, limit: 1_000_000 }, console_),
  ]);
  return buildHandoverAct(
    {
      operation,
      site,
      unit,
      contingent,
      agency,
      records: handoverStepRecords(audit),
      signatures: (await svc.signaturesOf([site])).get(site.id) ?? [],
      generatedAt: opts.now ?? new Date(),
    },
    opts.lang ?? defaultActLanguage(operation),
  );
}

// A4 in points, with a wider left margin for binding, as official papers have.
const MARGIN = { top: 56, bottom: 72, left: 70, right: 50 };
const INK = '#111111';
const MUTED = '#555555';
const RULE = '#8a8a8a';
const LABEL_FILL = '#eef0f3';

/** A value as printed: an illustrative one carries the mark that the notes explain. */
const shown = (f: ActField) => (f.illustrative ? `${f.value} *` : f.value);

/** Renders the act to PDF bytes. `compress: false` leaves the page streams readable (for inspection). */
export async function renderHandoverActPdf(
  act: HandoverAct,
  opts: { compress?: boolean } = {},
): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margins: MARGIN,
    bufferPages: true,
    compress: opts.compress ?? true,
    lang: act.lang,
    displayTitle: true,
    info: {
      Title: act.meta.title,
      Author: act.meta.author,
      Subject: act.meta.subject,
      Keywords: act.meta.keywords,
      Creator: 'Handover',
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const left = MARGIN.left;
  const width = doc.page.width - MARGIN.left - MARGIN.right;
  const bottom = () => doc.page.height - MARGIN.bottom;
  const pageRoom = doc.page.height - MARGIN.top - MARGIN.bottom;
  /** Starts a new page unless `height` more points fit on this one (a block taller than a page just starts). */
  const ensure = (height: number) => {
    if (doc.y + Math.min(height, pageRoom) > bottom()) doc.addPage();
  };
  const gap = (points: number) => {
    doc.y += points;
  };

  // ── heading: the force, the title on one line, the operation, place and date ──
  doc.font(FONTS.sans).fontSize(9).fillColor(MUTED);
  doc.text(act.force.toUpperCase(), left, MARGIN.top, { width, align: 'center', characterSpacing: 0.6 });
  gap(4);
  doc
    .moveTo(left, doc.y)
    .lineTo(left + width, doc.y)
    .lineWidth(0.8)
    .strokeColor(INK)
    .stroke();
  gap(16);
  const title = act.title.toUpperCase();
  let titleSize = 16;
  doc.font(FONTS.bold);
  while (titleSize > 11 && doc.fontSize(titleSize).widthOfString(title) > width) titleSize -= 0.5;
  doc.fillColor(INK).text(title, left, doc.y, { width, align: 'center' });
  gap(4);
  doc.font(FONTS.italic).fontSize(10).fillColor(MUTED).text(act.operation, { width, align: 'center' });
  gap(14);
  const lineY = doc.y;
  doc.font(FONTS.regular).fontSize(10.5).fillColor(INK);
  doc.text(act.place, left, lineY, { width: width / 2 });
  doc.text(act.date, left + width / 2, lineY, { width: width / 2, align: 'right' });
  doc.x = left;
  gap(12);
  doc.font(FONTS.regular).fontSize(10.5).text(act.preamble, left, doc.y, {
    width,
    align: 'justify',
    lineGap: 2,
  });
  gap(10);

  // ── sections: a heading stays with what follows it, and a block that fits on a page is not split ──
  const heading = (text: string, following: number) => {
    ensure(following + 24);
    gap(6);
    doc.font(FONTS.sansBold).fontSize(11).fillColor(INK).text(text, left, doc.y, { width });
    gap(4);
  };
  const labelWidth = Math.round(width * 0.36);
  const pad = 5;
  const rowHeight = (f: ActField) => {
    doc.font(FONTS.sans).fontSize(9.5);
    const label = doc.heightOfString(f.label, { width: labelWidth - 2 * pad });
    doc.font(FONTS.regular).fontSize(10);
    const value = doc.heightOfString(shown(f), { width: width - labelWidth - 2 * pad });
    return Math.max(label, value) + 2 * pad;
  };
  const tableHeight = (fields: ActField[]) => fields.reduce((h, f) => h + rowHeight(f), 0);
  const table = (fields: ActField[]) => {
    for (const f of fields) {
      const h = rowHeight(f);
      ensure(h);
      const y = doc.y;
      doc.rect(left, y, labelWidth, h).fillColor(LABEL_FILL).fill();
      doc.rect(left, y, width, h).lineWidth(0.5).strokeColor(RULE).stroke();
      doc
        .moveTo(left + labelWidth, y)
        .lineTo(left + labelWidth, y + h)
        .stroke();
      doc
        .font(FONTS.sans)
        .fontSize(9.5)
        .fillColor(MUTED)
        .text(f.label, left + pad, y + pad, { width: labelWidth - 2 * pad });
      doc
        .font(FONTS.regular)
        .fontSize(10)
        .fillColor(INK)
        .text(shown(f), left + labelWidth + pad, y + pad, { width: width - labelWidth - 2 * pad });
      doc.x = left;
      doc.y = y + h;
    }
    gap(8);
  };

  for (const t of act.tables) {
    heading(t.heading, tableHeight(t.fields));
    table(t.fields);
  }

  const indent = 22;
  const orders = act.postOrders.items.length ? act.postOrders.items : [act.postOrders.none];
  doc.font(FONTS.regular).fontSize(10.5);
  const orderHeight = (o: string) => doc.heightOfString(o, { width: width - indent, lineGap: 1 }) + 3;
  heading(
    act.postOrders.heading,
    orders.reduce((h, o) => h + orderHeight(o), 0),
  );
  orders.forEach((order, i) => {
    doc.font(FONTS.regular).fontSize(10.5).fillColor(INK);
    ensure(orderHeight(order));
    const y = doc.y;
    if (act.postOrders.items.length) doc.text(`${i + 1}.`, left + 4, y, { width: indent - 4 });
    doc.text(order, left + indent, y, { width: width - indent, lineGap: 1 });
    doc.x = left;
    gap(3);
  });
  gap(8);

  doc.font(FONTS.italic).fontSize(9);
  const noteHeight = doc.heightOfString(act.records.note, { width });
  heading(act.records.heading, tableHeight(act.records.fields) + noteHeight);
  table(act.records.fields);
  doc.font(FONTS.italic).fontSize(9).fillColor(MUTED);
  ensure(noteHeight);
  doc.text(act.records.note, left, doc.y - 2, { width });
  gap(10);

  // ── signatures: two blocks side by side, their lines level with each other ──
  const columnGap = 24;
  const columnWidth = (width - columnGap) / 2;
  const blocks = act.signatures.blocks;
  const introHeight = (b: (typeof blocks)[number]) => {
    doc.font(FONTS.sansBold).fontSize(10.5);
    let h = doc.heightOfString(b.side, { width: columnWidth }) + 2;
    doc.font(FONTS.regular).fontSize(10);
    h += doc.heightOfString(b.role, { width: columnWidth });
    doc.font(FONTS.bold).fontSize(10);
    h += doc.heightOfString(b.party, { width: columnWidth });
    doc.font(FONTS.italic).fontSize(8.5);
    return h + (b.signed ? doc.heightOfString(b.signed, { width: columnWidth }) + 4 : 0);
  };
  const intro = Math.max(...blocks.map(introHeight));
  const lineStep = 34;
  const signaturesHeight = 4 + intro + Math.max(...blocks.map((b) => b.lines.length)) * lineStep + 8;
  heading(act.signatures.heading, signaturesHeight);
  const top = doc.y + 4;
  blocks.forEach((b, i) => {
    const x = left + i * (columnWidth + columnGap);
    doc.font(FONTS.sansBold).fontSize(10.5).fillColor(INK).text(b.side, x, top, { width: columnWidth });
    doc
      .font(FONTS.regular)
      .fontSize(10)
      .text(b.role, x, doc.y + 2, { width: columnWidth });
    doc.font(FONTS.bold).fontSize(10).text(b.party, x, doc.y, { width: columnWidth });
    if (b.signed)
      doc
        .font(FONTS.italic)
        .fontSize(8.5)
        .fillColor(MUTED)
        .text(b.signed, x, doc.y + 4, { width: columnWidth })
        .fillColor(INK);
    b.lines.forEach((caption, k) => {
      const y = top + intro + 24 + k * lineStep;
      doc
        .moveTo(x, y)
        .lineTo(x + columnWidth, y)
        .lineWidth(0.6)
        .strokeColor(INK)
        .stroke();
      doc
        .font(FONTS.sans)
        .fontSize(7.5)
        .fillColor(MUTED)
        .text(caption, x, y + 2, { width: columnWidth, align: 'center' });
    });
  });
  doc.x = left;
  doc.y = top + signaturesHeight;

  // ── notes ──
  doc.font(FONTS.italic).fontSize(8.5).fillColor(MUTED);
  for (const note of act.notes) {
    ensure(doc.heightOfString(note, { width }));
    doc.text(note, left, doc.y, { width });
  }

  // ── footer on every page ──
  const range = doc.bufferedPageRange();
  const pages = range.count;
  for (let i = range.start; i < range.start + pages; i++) {
    doc.switchToPage(i);
    // Writing below the bottom margin would open a new page.
    doc.page.margins.bottom = 0;
    const y = doc.page.height - MARGIN.bottom + 20;
    doc
      .moveTo(left, y)
      .lineTo(left + width, y)
      .lineWidth(0.5)
      .strokeColor(RULE)
      .stroke();
    const page = act.footer.pageTemplate
      .replace('{page}', String(i - range.start + 1))
      .replace('{pages}', String(pages));
    doc.font(FONTS.sans).fontSize(8).fillColor(MUTED);
    doc.text(`${act.footer.document} · ${act.footer.generated}`, left, y + 5, {
      width: width - 80,
      lineBreak: false,
    });
    doc.text(page, left + width - 80, y + 5, { width: 80, align: 'right', lineBreak: false });
    doc.page.margins.bottom = MARGIN.bottom;
  }

  doc.end();
  return done;
}
