import type { IsoDate } from '../dates.ts';
import type { SignatureSide, TransferSignature } from '../handover/signatures.ts';
import type { Agency, Contingent, Operation, Site, Unit } from '../model.ts';
import type { Sector } from '../vocabulary.ts';

/**
 * The handover act: the document that records the transfer of a protected site from a unit of the force to a
 * receiving agency. This module decides what the act says, in each language; rendering it is an adapter's job.
 * Names from the register (site, unit, agency, nation) are printed as recorded: the register holds one
 * spelling of each, and translating them here would put words in the parties' mouths.
 */
export const ACT_LANGUAGES = ['ru', 'en'] as const;
export type ActLanguage = (typeof ACT_LANGUAGES)[number];

export const isActLanguage = (s: string): s is ActLanguage =>
  (ACT_LANGUAGES as readonly string[]).includes(s);

/** The act's language when none is asked for: the operation's first language that an act can be written in. */
export function defaultActLanguage(operation: Pick<Operation, 'languages'>): ActLanguage {
  return operation.languages.find(isActLanguage) ?? 'en';
}

/** Who recorded a step of the handover, and when (an audit entry). */
export interface StepRecord {
  actor: string;
  /** ISO instant. */
  at: string;
}

/**
 * The records of the transfer and of the start of the joint guard that led to it, from a site's audit entries
 * (in log order). A joint guard that was called off and started again counts from its last start.
 */
export function handoverStepRecords(entries: readonly { action: string; actor: string; at: string }[]): {
  jointGuard: StepRecord | null;
  transfer: StepRecord | null;
} {
  const t = entries.findLastIndex((e) => e.action === 'site.transfer');
  const upTo = t === -1 ? entries.length : t;
  const j = entries.slice(0, upTo).findLastIndex((e) => e.action === 'site.start_joint_guard');
  const record = (i: number): StepRecord | null => {
    const e = i === -1 ? undefined : entries[i];
    return e ? { actor: e.actor, at: e.at } : null;
  };
  return { jointGuard: record(j), transfer: record(t) };
}

export interface HandoverActInput {
  operation: Pick<Operation, 'name' | 'area' | 'timezone' | 'forceName'>;
  site: Site;
  unit: Unit;
  contingent: Contingent;
  agency: Agency;
  records: { jointGuard: StepRecord | null; transfer: StepRecord | null };
  /** The signatures that made the transfer (or an import's attestation), from the site's signature records. */
  signatures?: readonly TransferSignature[];
  generatedAt: Date;
}

export interface ActField {
  label: string;
  value: string;
  /** The value was reconstructed for a demo, not taken from a source (the site's `illustrative` list). */
  illustrative: boolean;
}
export interface ActTable {
  heading: string;
  fields: ActField[];
}
export interface ActSignatureBlock {
  /** "Handed over by" / "Сдал". */
  side: string;
  role: string;
  party: string;
  /** Who signed this side in the system, and when; null when the system holds no signature of it. */
  signed: string | null;
  /** Captions under the blank lines: signature, name, date. */
  lines: string[];
}

/** Everything the act says, in one language, ready to be laid out. */
export interface HandoverAct {
  lang: ActLanguage;
  documentId: string;
  fileName: string;
  force: string;
  title: string;
  operation: string;
  place: string;
  date: string;
  preamble: string;
  tables: ActTable[];
  postOrders: { heading: string; items: string[]; none: string };
  records: { heading: string; fields: ActField[]; note: string };
  signatures: { heading: string; blocks: ActSignatureBlock[] };
  notes: string[];
  footer: { document: string; generated: string; pageTemplate: string };
  /** For the document's metadata. */
  meta: { title: string; subject: string; author: string; keywords: string };
}

/** Builds the act of a transferred site. The caller checks that the site is transferred. */
export function buildHandoverAct(input: HandoverActInput, lang: ActLanguage): HandoverAct {
  const { operation, site, unit, contingent, agency, records } = input;
  const handover = site.handover;
  if (site.state !== 'transferred' || !handover?.transfer)
    throw new Error(`Site "${site.id}" is not transferred: it has no handover act.`);
  const t = TEXT[lang];
  const f = formats(lang, operation.timezone);
  const illustrative = new Set(site.illustrative);
  const field = (label: string, value: string, ...keys: string[]): ActField => ({
    label,
    value,
    illustrative: keys.some((k) => illustrative.has(k)),
  });
  const start = f.date(handover.start);
  const transfer = f.date(handover.transfer);
  const contingentName = `${contingent.nation} (${contingent.id})`;
  const documentId = `${site.id}/${handover.transfer}`;

  const siteFields: ActField[] = [
    field(t.siteName, site.name),
    field(t.siteId, site.id),
    field(t.sector, t.sectors[site.sector], 'sector'),
    field(t.criticality, t.criticalityValue(site.criticality), 'criticality'),
    field(t.district, site.district, 'district'),
    field(t.coordinates, site.location ? f.coordinates(site.location) : t.notRecorded, 'location'),
    field(t.guards, t.persons(site.guards), 'guards'),
    ...(site.operator
      ? [
          field(
            t.operator,
            [site.operator.name, site.operator.position].filter(Boolean).join(', '),
            'operator',
          ),
        ]
      : []),
    field(
      t.protectedSince,
      site.protectedSince ? f.date(site.protectedSince) : t.notRecorded,
      'protected_since',
    ),
  ];
  const parties: ActField[] = [
    field(t.transferringUnit, unit.name),
    field(t.unitStrength, t.persons(unit.strength)),
    field(t.contingent, contingentName),
    field(t.force, operation.forceName),
    field(t.receivingAgency, agency.name),
  ];
  const dates: ActField[] = [
    field(t.jointGuard, t.fromTo(start, transfer)),
    field(t.transferDate, transfer),
    field(t.transferRecordedAt, records.transfer ? f.instant(records.transfer.at) : t.noRecord),
  ];
  const recorded = (r: StepRecord | null) => (r ? `${r.actor} — ${f.instant(r.at)}` : t.noRecord);
  const signatureOf = (side: SignatureSide) => {
    const s = input.signatures?.find((x) => x.side === side);
    if (!s) return null;
    return s.imported
      ? t.importedBy(s.displayName, f.instant(s.signedAt))
      : t.signedBy(s.displayName, s.username, f.instant(s.signedAt), s.version);
  };
  const signedInSystem = input.signatures?.some((s) => !s.imported) ?? false;
  const importedOnly = !signedInSystem && (input.signatures?.length ?? 0) > 0;
  const notes = [
    ...([...siteFields, ...parties, ...dates].some((x) => x.illustrative) ? [t.illustrativeNote] : []),
    t.namesNote,
  ];

  return {
    lang,
    documentId,
    fileName: `handover-act-${site.id}-${handover.transfer}-${lang}.pdf`,
    force: operation.forceName,
    title: t.title,
    operation: operation.name,
    place: operation.area,
    date: transfer,
    preamble: t.preamble({
      unit: unit.name,
      nation: contingent.nation,
      agency: agency.name,
      site: site.name,
      start,
      transfer,
    }),
    tables: [
      { heading: t.siteHeading, fields: siteFields },
      { heading: t.partiesHeading, fields: parties },
      { heading: t.datesHeading, fields: dates },
    ],
    postOrders: { heading: t.postOrdersHeading, items: site.postOrders, none: t.noPostOrders },
    records: {
      heading: t.recordsHeading,
      fields: [
        field(t.jointGuardRecordedBy, recorded(records.jointGuard)),
        field(t.transferRecordedBy, recorded(records.transfer)),
      ],
      note: signedInSystem ? t.recordsNoteSigned : importedOnly ? t.recordsNoteImported : t.recordsNote,
    },
    signatures: {
      heading: t.signaturesHeading,
      blocks: [
        {
          side: t.handedOverBy,
          role: t.outgoingCommander,
          party: unit.name,
          signed: signatureOf('outgoing'),
          lines: t.signatureLines,
        },
        {
          side: t.takenOverBy,
          role: t.receivingLiaison,
          party: agency.name,
          signed: signatureOf('receiving'),
          lines: t.signatureLines,
        },
      ],
    },
    notes,
    footer: {
      document: `${t.document} ${documentId}`,
      generated: `${t.generated} ${f.instant(input.generatedAt.toISOString())} (${operation.timezone})`,
      pageTemplate: t.pageTemplate,
    },
    meta: {
      title: `${t.title}: ${site.name}`,
      subject: operation.name,
      author: operation.forceName,
      keywords: `${site.id} ${agency.id} ${handover.transfer}`,
    },
  };
}

// ── formatting ────────────────────────────────────────────────────────────────────────────────────────────

const LOCALE: Record<ActLanguage, string> = { ru: 'ru-RU', en: 'en-GB' };

function formats(lang: ActLanguage, timeZone: string) {
  const locale = LOCALE[lang];
  // Calendar dates are already dates in the operation's zone: format them at UTC midnight, in UTC.
  const dateFormat = new Intl.DateTimeFormat(locale, {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });
  const instantFormat = new Intl.DateTimeFormat(locale, {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'shortOffset',
  });
  const degrees = new Intl.NumberFormat(locale, { minimumFractionDigits: 4, maximumFractionDigits: 4 });
  const hemi = TEXT[lang].hemispheres;
  return {
    date: (d: IsoDate) => dateFormat.format(new Date(`${d}T00:00:00Z`)),
    instant: (at: string) => instantFormat.format(new Date(at)),
    coordinates: ({ lat, lon }: { lat: number; lon: number }) =>
      `${degrees.format(Math.abs(lat))}° ${lat >= 0 ? hemi.n : hemi.s}, ${degrees.format(Math.abs(lon))}° ${lon >= 0 ? hemi.e : hemi.w}`,
  };
}

// ── wording ───────────────────────────────────────────────────────────────────────────────────────────────

interface Wording {
  title: string;
  preamble: (p: {
    unit: string;
    nation: string;
    agency: string;
    site: string;
    start: string;
    transfer: string;
  }) => string;
  siteHeading: string;
  siteName: string;
  siteId: string;
  sector: string;
  sectors: Record<Sector, string>;
  criticality: string;
  criticalityValue: (n: number) => string;
  district: string;
  coordinates: string;
  hemispheres: { n: string; s: string; e: string; w: string };
  guards: string;
  persons: (n: number) => string;
  operator: string;
  protectedSince: string;
  partiesHeading: string;
  transferringUnit: string;
  unitStrength: string;
  contingent: string;
  force: string;
  receivingAgency: string;
  datesHeading: string;
  jointGuard: string;
  fromTo: (from: string, to: string) => string;
  transferDate: string;
  transferRecordedAt: string;
  postOrdersHeading: string;
  noPostOrders: string;
  recordsHeading: string;
  jointGuardRecordedBy: string;
  transferRecordedBy: string;
  recordsNote: string;
  recordsNoteSigned: string;
  recordsNoteImported: string;
  signedBy: (name: string, username: string, at: string, version: number) => string;
  importedBy: (name: string, at: string) => string;
  signaturesHeading: string;
  handedOverBy: string;
  takenOverBy: string;
  outgoingCommander: string;
  receivingLiaison: string;
  signatureLines: string[];
  notRecorded: string;
  noRecord: string;
  illustrativeNote: string;
  namesNote: string;
  document: string;
  generated: string;
  pageTemplate: string;
}

const TEXT: Record<ActLanguage, Wording> = {
  en: {
    title: 'Act of transfer of a protected site',
    preamble: (p) =>
      `This act records that the transferring party, ${p.unit} (contingent of ${p.nation}), has handed over, ` +
      `and the receiving party, ${p.agency}, has taken over the protection of the site “${p.site}”. ` +
      `The parties guarded the site jointly from ${p.start} to ${p.transfer}; from ${p.transfer} the receiving ` +
      `party alone is responsible for guarding it.`,
    siteHeading: '1. The site',
    siteName: 'Name',
    siteId: 'Register id',
    sector: 'Sector',
    sectors: {
      food: 'food',
      telecom: 'telecommunications',
      energy: 'energy',
      fuel: 'fuel',
      water: 'water',
      transport: 'transport',
      health: 'health',
      finance: 'finance',
      government: 'government',
      media: 'media',
      other: 'other',
    },
    criticality: 'Criticality',
    criticalityValue: (n) => `${n} of 5`,
    district: 'District',
    coordinates: 'Coordinates',
    hemispheres: { n: 'N', s: 'S', e: 'E', w: 'W' },
    guards: 'Guards on the site',
    persons: (n) => `${n} ${n === 1 ? 'person' : 'persons'}`,
    operator: 'Operator of the facility',
    protectedSince: 'Under protection since',
    partiesHeading: '2. The parties',
    transferringUnit: 'Transferring party (unit)',
    unitStrength: 'Strength of the unit',
    contingent: 'National contingent',
    force: 'Force',
    receivingAgency: 'Receiving party (agency)',
    datesHeading: '3. Dates',
    jointGuard: 'Joint guard',
    fromTo: (from, to) => `from ${from} to ${to}`,
    transferDate: 'Transfer of authority',
    transferRecordedAt: 'Transfer recorded at',
    postOrdersHeading: '4. Post orders handed over',
    noPostOrders: 'No post orders are recorded for this site.',
    recordsHeading: '5. Recorded in the system',
    jointGuardRecordedBy: 'Start of joint guard recorded by',
    transferRecordedBy: 'Transfer of authority recorded by',
    recordsNote:
      'The system holds no electronic signatures of this transfer. The names above are the ones given ' +
      'by whoever recorded each step; they are not signatures. The act takes effect when both parties have signed it below.',
    recordsNoteSigned:
      "Both parties signed the same version of the site's record in the system, each entering their password " +
      'again; the transfer took effect with the second signature. The signatories are named in section 6.',
    recordsNoteImported:
      'This transfer was made before the operation was loaded into the system and came in with its data: the system ' +
      'holds no signatures of it, only the attestation of whoever loaded the data.',
    signedBy: (name, username, at, version) =>
      `Signed in the system by ${name} (${username}), ${at}, version ${version} of the site's record`,
    importedBy: (name, at) => `Entered with the scenario by ${name}, ${at}; not signed in the system`,
    signaturesHeading: '6. Signatures of the parties',
    handedOverBy: 'Handed over by',
    takenOverBy: 'Taken over by',
    outgoingCommander: 'Commander of the outgoing unit',
    receivingLiaison: 'Liaison officer of the receiving agency',
    signatureLines: ['signature', 'rank, name', 'date'],
    notRecorded: 'not recorded',
    noRecord: 'no record in the system (entered with the scenario)',
    illustrativeNote:
      '* Illustrative value: reconstructed for the demonstration operation, not an established fact.',
    namesNote: 'Names are given as they are entered in the register.',
    document: 'Document',
    generated: 'generated',
    pageTemplate: 'page {page} of {pages}',
  },
  ru: {
    title: 'Акт приёма-передачи охраняемого объекта',
    preamble: (p) =>
      `Настоящий акт составлен о том, что передающая сторона — ${p.unit} (контингент: ${p.nation}) — сдала, ` +
      `а принимающая сторона — ${p.agency} — приняла охрану объекта «${p.site}». ` +
      `Совместная охрана объекта осуществлялась с ${p.start} по ${p.transfer}; с ${p.transfer} ответственность ` +
      `за охрану объекта несёт принимающая сторона.`,
    siteHeading: '1. Объект',
    siteName: 'Наименование',
    siteId: 'Идентификатор в реестре',
    sector: 'Отрасль',
    sectors: {
      food: 'продовольствие',
      telecom: 'связь',
      energy: 'энергетика',
      fuel: 'топливо',
      water: 'водоснабжение',
      transport: 'транспорт',
      health: 'здравоохранение',
      finance: 'финансы',
      government: 'органы власти',
      media: 'средства массовой информации',
      other: 'прочее',
    },
    criticality: 'Категория важности',
    criticalityValue: (n) => `${n} из 5`,
    district: 'Район',
    coordinates: 'Координаты',
    hemispheres: { n: 'с. ш.', s: 'ю. ш.', e: 'в. д.', w: 'з. д.' },
    guards: 'Численность охраны',
    persons: (n) => `${n} чел.`,
    operator: 'Эксплуатирующая организация',
    protectedSince: 'Под охраной с',
    partiesHeading: '2. Стороны',
    transferringUnit: 'Передающая сторона (подразделение)',
    unitStrength: 'Численность подразделения',
    contingent: 'Национальный контингент',
    force: 'Силы',
    receivingAgency: 'Принимающая сторона (ведомство)',
    datesHeading: '3. Сроки',
    jointGuard: 'Совместная охрана',
    fromTo: (from, to) => `с ${from} по ${to}`,
    transferDate: 'Передача ответственности',
    transferRecordedAt: 'Передача зафиксирована',
    postOrdersHeading: '4. Передаваемые обязанности на посту',
    noPostOrders: 'Обязанности на посту для этого объекта не записаны.',
    recordsHeading: '5. Записи в системе',
    jointGuardRecordedBy: 'Начало совместной охраны зафиксировал',
    transferRecordedBy: 'Передачу ответственности зафиксировал',
    recordsNote:
      'Электронных подписей этой передачи в системе нет. Выше указаны имена, названные ' +
      'теми, кто вносил записи; это не подписи. Акт вступает в силу после подписания обеими сторонами ниже.',
    recordsNoteSigned:
      'Обе стороны подписали в системе одну и ту же версию записи объекта, каждая — с повторным вводом пароля; ' +
      'передача вступила в силу со второй подписью. Подписавшие названы в разделе 6.',
    recordsNoteImported:
      'Передача состоялась до загрузки операции в систему и внесена вместе с её данными: подписей этой передачи ' +
      'в системе нет, есть только отметка того, кто загрузил данные.',
    signedBy: (name, username, at, version) =>
      `Подписано в системе: ${name} (${username}), ${at}, версия записи объекта ${version}`,
    importedBy: (name, at) => `Внесено со сценарием: ${name}, ${at}; в системе не подписывалось`,
    signaturesHeading: '6. Подписи сторон',
    handedOverBy: 'Сдал',
    takenOverBy: 'Принял',
    outgoingCommander: 'Командир передающего подразделения',
    receivingLiaison: 'Представитель принимающего ведомства',
    signatureLines: ['подпись', 'звание, фамилия, инициалы', 'дата'],
    notRecorded: 'не указано',
    noRecord: 'записи в системе нет (внесено со сценарием)',
    illustrativeNote:
      '* Условное значение: реконструировано для демонстрационной операции, а не установленный факт.',
    namesNote: 'Наименования и имена приведены в том виде, в каком они внесены в реестр.',
    document: 'Документ',
    generated: 'сформирован',
    pageTemplate: 'стр. {page} из {pages}',
  },
};
