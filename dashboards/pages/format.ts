/** Numbers, periods and statuses as the pages write them. */

import { decimalText, isOverHundred, overHundredMark, overHundredNote, percentText, percentTextOf } from '../rates.js';

const quarterNumerals = ['', '一', '二', '三', '四'];

/** `一` for 1. */
export function quarterNumeral(q: number): string {
  return quarterNumerals[q] ?? String(q);
}

/** `2024年第一季度`. */
export function quarterName(year: number, q: number): string {
  return `${year}年第${quarterNumeral(q)}季度`;
}

/** `1—3月`: the months a quarter covers. */
export function quarterMonths(q: number): string {
  return `${q * 3 - 2}—${q * 3}月`;
}

/** A count as the report writes it: no grouping separators (`9858`); one decimal for averages. */
export function count(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return Number.isInteger(value) ? String(value) : decimalText(value, 1);
}

/**
 * `89.9%` from 510/567 = 0.89947…; `—` when there is nothing to divide by. Rounded once, half-up, by
 * `dashboards/rates.ts` — the same digits as the text, the JSON readers and the workbooks. A rate
 * over 100% gets the mark `※`; the page that shows one carries the note explaining it
 * ({@link overHundredFootnote}, added by the page layout).
 */
export function percent(rate: number | null | undefined, digits = 1): string {
  const text = percentText(rate, digits);
  return isOverHundred(rate) ? `${text}${overHundredMark}` : text;
}

/** The footnote a page carries when it shows a rate over 100% (marked `※` by {@link percent}). */
export function overHundredFootnote(pageText: string): string | undefined {
  return pageText.includes(overHundredMark) ? `${overHundredMark} ${overHundredNote}` : undefined;
}

/** `+12` / `-3` / `0`, with the relative change when it means something: `+12（+5.3%）`. */
export function change(current: number, previous: number): string {
  const diff = current - previous;
  const sign = diff > 0 ? '+' : '';
  const rel = previous !== 0 ? `（${sign}${percentTextOf(diff, previous)}）` : '';
  return `${sign}${count(diff)}${rel}`;
}

/** 调度 statuses. */
export const statusLabels: Readonly<Record<string, string>> = {
  on_time: '按时',
  late: '逾期',
  rejected: '退回',
  missing: '未报',
  pending: '未到期',
};

/** Longer wording for legends and hover text. */
export const statusDescriptions: Readonly<Record<string, string>> = {
  on_time: '按时报送',
  late: '逾期报送',
  rejected: '被退回且未重报',
  missing: '截止日已过仍未报送',
  pending: '尚未到截止日',
};

/** Submission states in the warehouse. */
export const submissionStatusLabels: Readonly<Record<string, string>> = {
  loaded: '已入库',
  replaced: '已被更正件替换',
  rejected: '退回',
};

/** Finding severities. */
export const severityLabels: Readonly<Record<string, string>> = { error: '错误', warning: '提示' };

/** An ISO instant as Beijing time: `2025-01-20 10:00:00`. */
export function beijingTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const shifted = new Date(d.getTime() + 8 * 3600_000);
  return shifted.toISOString().slice(0, 19).replace('T', ' ');
}
