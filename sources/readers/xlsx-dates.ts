/**
 * Excel dates: which number formats mean "this number is a date", and how a serial becomes a
 * `Date` whose UTC fields are the wall-clock value. Pure arithmetic on milliseconds, so the
 * machine's time zone never leaks in.
 */

const MS_PER_DAY = 86_400_000;
/** Serial of 1970-01-01 in the 1900 system (valid from 1900-03-01, serial 61, on). */
const UNIX_EPOCH_1900 = 25_569;
/** Days between the 1900 and 1904 epochs. */
const DAYS_1904 = 1_462;
/** 9999-12-31, the last day Excel can show. */
const MAX_SERIAL = 2_958_465;

/**
 * Built-in format ids that are dates or times: 14–22 everywhere, and 27–36 and 50–58, the CJK
 * locale dates/times (zh-CN: `yyyy"年"m"月"`, `m"月"d"日"`, `上午/下午h"时"mm"分"` …) that Chinese
 * Excel and WPS write by id only, without a `<numFmt>` entry. 45–47 (`mm:ss`, `[h]:mm:ss`,
 * `mmss.0`) are durations and stay numbers.
 */
const BUILTIN_DATE_IDS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 50, 51, 52, 53, 54, 55, 56, 57, 58]);

/** Whether a built-in number format id (no custom code given) displays a date or time. */
export function isBuiltinDateFormat(id: number): boolean {
  return BUILTIN_DATE_IDS.has(id);
}

/**
 * Whether a format code displays a date or time. Quoted literals (`"年"`), escaped characters,
 * `[DBNum1]`/`[$-804]`/`[Red]` brackets, padding (`_)`) and fills (`* `) are removed first, so
 * `[DBNum1][$-804]General` (Chinese numerals) is a number while `yyyy"年"m"月"d"日"` is a date.
 * Elapsed-time formats (`[h]:mm`) are durations, not points in time, and stay numbers.
 */
export function isDateFormatCode(code: string): boolean {
  const section = code.split(';')[0] ?? '';
  if (/\[(h+|m+|s+)\]/i.test(section)) return false;
  const bare = section
    .replace(/"[^"]*"/g, '')
    .replace(/\\./g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/[_*]./g, '')
    .replace(/general/gi, '');
  return /[ymdhs]/i.test(bare) || /上午|下午/.test(bare);
}

/**
 * Converts a serial to a wall-clock `Date` in UTC fields. 1900 system: serial 1 is 1900-01-01 and
 * Excel's phantom 1900-02-29 (serial 60) is folded onto 02-28; times of day alone (serial < 1) sit
 * on 1899-12-30 like every other reader. Returns undefined outside Excel's calendar.
 */
export function serialToDate(serial: number, date1904: boolean): Date | undefined {
  if (!Number.isFinite(serial) || serial < 0 || serial > MAX_SERIAL) return undefined;
  let days: number;
  if (date1904) days = serial + DAYS_1904 - UNIX_EPOCH_1900;
  else if (serial >= 1 && serial < 60) days = serial - (UNIX_EPOCH_1900 - 1);
  else days = serial - UNIX_EPOCH_1900;
  return new Date(Math.round(days * MS_PER_DAY));
}

/**
 * The serial of a wall-clock `Date` (UTC fields), the inverse of {@link serialToDate}: formulas
 * compute on serials. 1900 system: dates before 1900-03-01 step over the phantom 1900-02-29;
 * times of day alone (1899-12-30) stay below 1.
 */
export function dateToSerial(date: Date, date1904: boolean): number {
  const days = date.getTime() / MS_PER_DAY;
  if (date1904) return days + UNIX_EPOCH_1900 - DAYS_1904;
  const serial = days + UNIX_EPOCH_1900;
  return serial >= 1 && serial < 61 ? serial - 1 : serial;
}

const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const ISO_TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?$/;

/**
 * Parses the ISO 8601 text of a `t="d"` cell. The wall-clock fields are kept as written (an offset
 * is ignored: the cell means the time the sender typed). A bare time lands on 1899-12-30.
 */
export function parseIsoCellDate(text: string): Date | undefined {
  const value = text.trim();
  const date = ISO_DATE.exec(value);
  if (date) {
    const [, y, mo, d, h, mi, s, frac] = date;
    return utcDate(Number(y), Number(mo), Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), frac);
  }
  const time = ISO_TIME.exec(value);
  if (time) {
    const [, h, mi, s, frac] = time;
    return utcDate(1899, 12, 30, Number(h), Number(mi), Number(s ?? 0), frac);
  }
  return undefined;
}

function utcDate(y: number, mo: number, d: number, h: number, mi: number, s: number, frac: string | undefined): Date | undefined {
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  const result = new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms));
  // Date.UTC maps 0099 to 1999 and rolls 02-30 over; both mean the text was not a real date.
  if (result.getUTCFullYear() !== y || result.getUTCMonth() !== mo - 1 || result.getUTCDate() !== d) return undefined;
  return result;
}
