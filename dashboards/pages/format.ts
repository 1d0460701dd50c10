/** Numbers, periods and statuses as the pages write them. */

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
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** `95.8%` from 0.9576; `—` when there is nothing to divide by. */
export function percent(rate: number | null | undefined, digits = 1): string {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return '—';
  return `${(rate * 100).toFixed(digits)}%`;
}

/** `+12` / `-3` / `0`, with the relative change when it means something: `+12（+5.3%）`. */
export function change(current: number, previous: number): string {
  const diff = current - previous;
  const sign = diff > 0 ? '+' : '';
  const rel = previous !== 0 ? `（${sign}${((diff / previous) * 100).toFixed(1)}%）` : '';
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
