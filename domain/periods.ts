import { smallNumber, squeeze } from './text.js';

/**
 * A reporting period: a month or a calendar quarter of one year
 * (`fromMonth`–`toMonth`, inclusive, 1-based).
 */
export interface Period {
  readonly year: number;
  readonly fromMonth: number;
  readonly toMonth: number;
}

/** A period's kind: `month`, `quarter`, or `other` (a span the forms do not use). */
export function periodKind(p: Period): 'month' | 'quarter' | 'other' {
  if (p.fromMonth === p.toMonth) return 'month';
  if (p.toMonth - p.fromMonth === 2 && (p.fromMonth - 1) % 3 === 0) return 'quarter';
  return 'other';
}

/** The quarter (1–4) a month falls in. */
export function quarterOfMonth(month: number): number {
  return Math.floor((month - 1) / 3) + 1;
}

/** The quarter a period lies in, if it lies within one quarter. */
export function quarterOf(p: Period): number | undefined {
  const q = quarterOfMonth(p.fromMonth);
  return quarterOfMonth(p.toMonth) === q ? q : undefined;
}

export function monthPeriod(year: number, month: number): Period {
  return { year, fromMonth: month, toMonth: month };
}

export function quarterPeriod(year: number, quarter: number): Period {
  return { year, fromMonth: quarter * 3 - 2, toMonth: quarter * 3 };
}

/** Does `outer` contain `inner`? */
export function periodContains(outer: Period, inner: Period): boolean {
  return outer.year === inner.year && outer.fromMonth <= inner.fromMonth && inner.toMonth <= outer.toMonth;
}

const quarterNames = ['一', '二', '三', '四'];

/** Chinese label: `2024年第一季度`, `2024年3月`, `2024年1-5月`. */
export function periodLabel(p: Period): string {
  switch (periodKind(p)) {
    case 'month':
      return `${p.year}年${p.fromMonth}月`;
    case 'quarter':
      return `${p.year}年第${quarterNames[(p.fromMonth - 1) / 3]}季度`;
    default:
      return `${p.year}年${p.fromMonth}-${p.toMonth}月`;
  }
}

const month = '(1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])';
const year = '((?:19|20)\\d{2})';
const quarter = '([1-4一二三四])';

interface Pattern {
  readonly re: RegExp;
  readonly make: (m: RegExpExecArray, contextYear?: number) => Period | undefined;
}

function num(text: string | undefined): number {
  return text === undefined ? NaN : (smallNumber(text) ?? NaN);
}

function range(y: number, from: number, to: number): Period | undefined {
  if (!(y >= 1990 && y <= 2100) || !(from >= 1 && to <= 12 && from <= to)) return undefined;
  return { year: y, fromMonth: from, toMonth: to };
}

/**
 * Patterns in priority order: spans before quarters before single months, so that
 * `2024年1-3月` is not read as March.
 */
const patterns: readonly Pattern[] = [
  // 2024.1-2024.3, 2024年1月-2024年3月, 2024/01~2024/03
  {
    re: new RegExp(`${year}[年./-]${month}月?(?:份)?[-~至到—–]+${year}[年./-]${month}月?`),
    make: (m) => (m[1] === m[3] ? range(Number(m[1]), num(m[2]), num(m[4])) : undefined),
  },
  // 2024年1-3月, 2024年1月-3月, 2024.1-3
  {
    re: new RegExp(`${year}[年./-]${month}月?(?:份)?[-~至到—–]+${month}月`),
    make: (m) => range(Number(m[1]), num(m[2]), num(m[3])),
  },
  // 2024年第一季度, 2024年一季度, 2024年第1季度, 2024年度第一季度
  {
    re: new RegExp(`${year}年度?第?${quarter}季度?`),
    make: (m) => quarterRange(Number(m[1]), num(m[2])),
  },
  // 2024Q1, 2024-Q1, 2024 Q1
  {
    re: new RegExp(`${year}[-_]?[Qq]${quarter}(?![0-9])`),
    make: (m) => quarterRange(Number(m[1]), num(m[2])),
  },
  // 2024年3月, 2024年03月份 (not 2024年3月5日, a day)
  {
    re: new RegExp(`${year}年${month}月(?![0-9一二三四五六七八九十]+[日号])`),
    make: (m) => range(Number(m[1]), num(m[2]), num(m[2])),
  },
  // 1-3月, 4~6月 with the year from context
  {
    re: new RegExp(`(?<![0-9年./-])${month}月?(?:份)?[-~至到—–]+${month}月`),
    make: (m, y) => (y === undefined ? undefined : range(y, num(m[1]), num(m[2]))),
  },
  // 2024-03, 2024.3, 2024/03 (not followed by a day)
  {
    re: new RegExp(`${year}[./-](1[0-2]|0?[1-9])(?![0-9./-])`),
    make: (m) => range(Number(m[1]), num(m[2]), num(m[2])),
  },
  // 202403 in file names
  {
    re: /(?<![0-9])((?:19|20)\d{2})(0[1-9]|1[0-2])(?![0-9])/,
    make: (m) => range(Number(m[1]), Number(m[2]), Number(m[2])),
  },
  // 第一季度 / 一季度 / Q1 with the year from context
  {
    re: new RegExp(`(?:第${quarter}季度|(?<![0-9])${quarter}季度|(?<![A-Za-z0-9])[Qq]${quarter}(?![0-9]))`),
    make: (m, y) => (y === undefined ? undefined : quarterRange(y, num(m[1] ?? m[2] ?? m[3]))),
  },
  // 3月, 3月份 with the year from context
  {
    re: new RegExp(`(?<![0-9])${month}月`),
    make: (m, y) => (y === undefined ? undefined : range(y, num(m[1]), num(m[1]))),
  },
];

function quarterRange(y: number, q: number): Period | undefined {
  if (!(q >= 1 && q <= 4)) return undefined;
  return range(y, q * 3 - 2, q * 3);
}

/** A span of days written out in full: `2025年7月1日至2025年9月30日`, `2025.7.1-9.30`. */
const fullDate = String.raw`((?:19|20)\d{2})(?:年(\d{1,2})月(\d{1,2})[日号]|([./-])(\d{1,2})\4(\d{1,2})(?![0-9]))`;
const dayRange = new RegExp(String.raw`(?:自|从)?${fullDate}(?:起)?[-~至到—–]+(?:((?:19|20)\d{2})[年./-])?(\d{1,2})[月./-](\d{1,2})[日号]?(?:止)?`);
const anyFullDate = new RegExp(fullDate, 'g');

const monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function lastDay(y: number, m: number): number {
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return m === 2 && leap ? 29 : (monthDays[m - 1] ?? 31);
}

/** What a text says about its period, with the words that say it. */
export interface PeriodMention {
  /** The period, when the text states one that the forms can use (whole months). */
  readonly period?: Period;
  /** The words that state it, as written (after NFKC and without spaces). */
  readonly text?: string;
  /** A span of days that is not whole months (a 26th-to-25th statistical month), as written. */
  readonly unaligned?: string;
}

/**
 * A span of days written in full. Whole months (the 1st to the last day) are that period; any
 * other span is reported as unaligned, never rounded to the nearest quarter.
 */
function dayRangeMention(s: string): PeriodMention | undefined {
  const m = dayRange.exec(s);
  if (!m) return undefined;
  const y1 = Number(m[1]);
  const m1 = Number(m[2] ?? m[5]);
  const d1 = Number(m[3] ?? m[6]);
  const y2 = m[7] !== undefined ? Number(m[7]) : y1;
  const m2 = Number(m[8]);
  const d2 = Number(m[9]);
  const text = m[0];
  if (!(m1 >= 1 && m1 <= 12 && m2 >= 1 && m2 <= 12 && d1 >= 1 && d2 >= 1 && d1 <= lastDay(y1, m1) && d2 <= lastDay(y2, m2))) return undefined;
  if (y1 === y2 && d1 === 1 && d2 === lastDay(y2, m2)) {
    const period = range(y1, m1, m2);
    if (period) return { period, text };
  }
  return { unaligned: text };
}

/**
 * What `text` (a title, a sheet or file name) says about its period: the first period written
 * in any of the ways docs/domain.md lists, or a span of days that is not whole months. A bare `3月`
 * or `第一季度` needs `contextYear`. A single full date (`2025年7月1日`) is a day, not a period:
 * its month is never read as the period.
 */
export function findPeriodMention(text: string, contextYear?: number): PeriodMention {
  let s = squeeze(text);
  const span = dayRangeMention(s);
  if (span) return span;
  if (/\d/.test(s)) s = s.replace(anyFullDate, '|');
  for (const p of patterns) {
    const m = p.re.exec(s);
    if (m) {
      const period = p.make(m, contextYear);
      if (period) return { period, text: m[0] };
    }
  }
  return {};
}

/** The first period written anywhere in `text` (see {@link findPeriodMention}). */
export function findPeriod(text: string, contextYear?: number): Period | undefined {
  return findPeriodMention(text, contextYear).period;
}

/**
 * Reads a cell that should hold exactly a period (a `统计期间` or `月份` column).
 * Unlike {@link findPeriod}, the whole text must be the period.
 */
export function parsePeriodCell(value: unknown, contextYear?: number): Period | undefined {
  if (value instanceof Date) {
    return range(value.getUTCFullYear(), value.getUTCMonth() + 1, value.getUTCMonth() + 1);
  }
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 1 && value <= 12 && contextYear !== undefined) {
      return range(contextYear, value, value);
    }
    return undefined;
  }
  if (typeof value !== 'string') return undefined;
  const s = squeeze(value).replace(/份$/, '');
  if (s === '') return undefined;
  const span = dayRangeMention(s);
  if (span) return span.period && span.text === s ? span.period : undefined;
  for (const p of patterns) {
    const anchored = new RegExp(`^(?:${p.re.source})$`);
    const m = anchored.exec(s);
    if (m) {
      const period = p.make(m, contextYear);
      if (period) return period;
    }
  }
  return undefined;
}
