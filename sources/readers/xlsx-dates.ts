/**
 * Excel dates: which number formats mean "this number is a date", and the ISO text of `t="d"`
 * cells. How a serial becomes a `Date` is `domain/excel-serial.ts`.
 */

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

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?$/i;
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
