import { serialToDate } from './excel-serial.js';
import { squeeze } from './text.js';

/** A calendar date as `YYYY-MM-DD` (Asia/Shanghai wall date; no time zone arithmetic). */
export type IsoDate = string;

/** Excel serials accepted as dates: 1990-01-01 … 2099-12-31. Other numbers are not dates. */
const serialMin = 32874;
const serialMax = 73050;

const monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function iso(y: number, m: number, d: number): IsoDate | undefined {
  if (!(y >= 1900 && y <= 2100 && m >= 1 && m <= 12 && d >= 1)) return undefined;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (d > (m === 2 && leap ? 29 : monthDays[m - 1]!)) return undefined;
  return `${y}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

const isoShape = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The calendar date of a `Date` whose UTC fields hold the wall-clock value (as readers give). */
function isoFromDate(value: Date): IsoDate | undefined {
  if (Number.isNaN(value.getTime())) return undefined;
  return iso(value.getUTCFullYear(), value.getUTCMonth() + 1, value.getUTCDate());
}

/** The calendar date of an Excel 1900-system serial number (time of day ignored). */
function isoFromSerial(serial: number): IsoDate | undefined {
  if (!(serial >= serialMin && serial <= serialMax)) return undefined;
  const date = serialToDate(Math.floor(serial), false);
  return date && isoFromDate(date);
}

const datePatterns: readonly RegExp[] = [
  // 2024年3月5日, 2024年03月05号
  /^((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})[日号]?$/,
  // 2024-3-5, 2024/03/05, 2024.3.5, optionally followed by a time
  /^((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ]?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/,
  // 20240305
  /^((?:19|20)\d{2})(\d{2})(\d{2})$/,
];

/**
 * Reads a date written in any of the ways docs/domain.md lists: a `Date` from the reader, an Excel
 * serial (number or digits), `2024年3月5日`, `2024.3.5`, `2024/03/05`, `2024-3-5`, `20240305`.
 * Returns undefined when the value is not a real calendar date (2024-02-30 is not).
 */
export function parseDate(value: unknown): IsoDate | undefined {
  if (value instanceof Date) return isoFromDate(value);
  if (typeof value === 'number') return isoFromSerial(value);
  if (typeof value !== 'string') return undefined;
  // Already ISO (system exports, CSVs from databases): the common case of big files.
  const quick = isoShape.exec(value);
  if (quick) return iso(Number(quick[1]), Number(quick[2]), Number(quick[3]));
  const s = squeeze(value);
  if (/^\d{5}(\.\d+)?$/.test(s)) return isoFromSerial(Number(s));
  // A time after the date, written with a space, was squeezed together: 2024-03-0510:00.
  const withTime = /^((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})(\d{1,2}:\d{2}(?::\d{2})?)$/.exec(s);
  if (withTime) return iso(Number(withTime[1]), Number(withTime[2]), Number(withTime[3]));
  for (const re of datePatterns) {
    const m = re.exec(s);
    if (m) return iso(Number(m[1]), Number(m[2]), Number(m[3]));
  }
  return undefined;
}

/** `2025年1月10日` from `2025-01-10` (the 成文日期 of GB/T 9704: Arabic numerals, no leading zeros). */
export function chineseDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!m) throw new Error(`not a date: ${iso}`);
  return `${Number(m[1])}年${Number(m[2])}月${Number(m[3])}日`;
}
