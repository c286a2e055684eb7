import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useOperation } from '../api/operation.tsx';

/**
 * Dates and numbers in the user's language and the operation's time zone. Timestamps (`2022-01-12T…Z`)
 * are shown in the operation's zone; whole dates (`2022-01-14`) are calendar days of the operation and
 * are shown as they are, never shifted by a zone.
 */
let operationTimeZone = 'Asia/Almaty';
export function setOperationTimeZone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    operationTimeZone = tz;
  } catch {
    // an unknown zone keeps the previous one
  }
}
export const getOperationTimeZone = () => operationTimeZone;

const WHOLE_DATE = /^\d{4}-\d{2}-\d{2}$/;

function toDate(v: string | number | Date): Date {
  if (v instanceof Date) return v;
  if (typeof v === 'string' && WHOLE_DATE.test(v)) return new Date(`${v}T00:00:00Z`);
  return new Date(v);
}

export interface Formatters {
  locale: string;
  /** A whole date or the date of a timestamp: "14 Jan 2022" / "14 янв. 2022 г." */
  date(v: string | number | Date): string;
  /** Short date without year: "14 Jan". */
  day(v: string | number | Date): string;
  /** A timestamp with date and time in the operation's zone. */
  dateTime(v: string | number | Date): string;
  time(v: string | number | Date): string;
  number(n: number, opts?: Intl.NumberFormatOptions): string;
  percent(share: number): string;
  /** "3 hours ago" for a timestamp. */
  relative(v: string | number | Date, now?: number): string;
}

export function formatters(locale: string, timeZone = operationTimeZone): Formatters {
  const zoneFor = (v: string | number | Date) =>
    typeof v === 'string' && WHOLE_DATE.test(v) ? 'UTC' : timeZone;
  const cache = new Map<string, Intl.DateTimeFormat>();
  const dtf = (opts: Intl.DateTimeFormatOptions, zone: string) => {
    const key = JSON.stringify(opts) + zone;
    let f = cache.get(key);
    if (!f) cache.set(key, (f = new Intl.DateTimeFormat(locale, { ...opts, timeZone: zone })));
    return f;
  };
  const nf = new Intl.NumberFormat(locale);
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  return {
    locale,
    date: (v) => dtf({ day: 'numeric', month: 'short', year: 'numeric' }, zoneFor(v)).format(toDate(v)),
    day: (v) => dtf({ day: 'numeric', month: 'short' }, zoneFor(v)).format(toDate(v)),
    dateTime: (v) =>
      dtf(
        { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' },
        timeZone,
      ).format(toDate(v)),
    time: (v) => dtf({ hour: '2-digit', minute: '2-digit' }, timeZone).format(toDate(v)),
    number: (n, opts) => (opts ? new Intl.NumberFormat(locale, opts).format(n) : nf.format(n)),
    percent: (share) =>
      new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(share),
    relative: (v, now = Date.now()) => {
      const s = (toDate(v).getTime() - now) / 1000;
      const abs = Math.abs(s);
      if (abs < 60) return rtf.format(Math.round(s), 'second');
      if (abs < 3600) return rtf.format(Math.round(s / 60), 'minute');
      if (abs < 86400) return rtf.format(Math.round(s / 3600), 'hour');
      return rtf.format(Math.round(s / 86400), 'day');
    },
  };
}

/** Formatters for the current language; components re-render when it changes. */
export function useFormat(): Formatters {
  const { i18n } = useTranslation();
  const lang = i18n.language;
  const tz = useOperation()?.timezone ?? operationTimeZone;
  return useMemo(() => formatters(localeOf(lang), tz), [lang, tz]);
}

/** The Intl locale for a UI language (en-GB: day before month, 24-hour clock, as staff officers write). */
export function localeOf(lang: string): string {
  return lang === 'ru' ? 'ru-RU' : lang === 'kk' ? 'kk-KZ' : 'en-GB';
}
