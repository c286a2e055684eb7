/**
 * Calendar dates of the operation are ISO strings (YYYY-MM-DD) in the operation's time zone.
 * Day arithmetic is done on UTC midnights so that no time zone or DST rule can shift a day.
 */
export type IsoDate = string;

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True when `s` is a real calendar date (2022-02-30 is not). */
export function isIsoDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

export function dateToEpochDay(date: IsoDate): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

export function epochDayToDate(day: number): IsoDate {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Day index relative to the operation's start (day 0). */
export function dayIndex(start: IsoDate, date: IsoDate): number {
  return dateToEpochDay(date) - dateToEpochDay(start);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  return epochDayToDate(dateToEpochDay(date) + days);
}

/** The calendar date of an instant in a time zone, e.g. the operation's Asia/Almaty. */
export function dateInZone(instant: Date, timeZone: string): IsoDate {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(instant);
  return parts;
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** An instant with an explicit offset: 2022-01-11T08:30:00+06:00 or ...Z. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
export function isIsoInstant(s: string): boolean {
  return ISO_INSTANT.test(s) && isIsoDate(s.slice(0, 10)) && !Number.isNaN(Date.parse(s));
}
