import type { FieldDefinition } from '../../domain/forms/form-definition.js';
import { parseDate } from '../../domain/dates.js';
import { parsePeriodCell, type Period } from '../../domain/periods.js';
import { squeeze, tidy } from '../../domain/text.js';
import type { UnitRegistry } from '../../domain/units.js';
import type { CellValue } from '../../sources/readers/reader.js';

/** A cell converted to its field's type; constraints are checked afterwards by the row schema. */
export type FieldValue = number | string | boolean | string[] | Period | null;

/**
 * The outcome of converting one cell. `mark` is set when the cell held a sign meaning "no value"
 * (`—`, `/`, `无`, `未整改`) that was read as empty; `sameAs` when it held a word meaning "the
 * value of that other field" (`当场整改` in 整改期限: the inspection date).
 */
export type Conversion =
  | { readonly ok: true; readonly value: FieldValue; readonly mark?: string; readonly sameAs?: string }
  | { readonly ok: false; readonly mark?: string };

/** What conversion needs besides the cell. */
export interface ConversionContext {
  readonly registry: UnitRegistry;
  /** The year stated for the submission, for bare `3月` or `第一季度`. */
  readonly contextYear?: number;
  /** Aggregate forms read an empty count as 0. */
  readonly emptyCountIsZero: boolean;
}

const ok = (value: FieldValue): Conversion => ({ ok: true, value });
const fail: Conversion = { ok: false };

/** Marks that mean "none" in Chinese statistical tables. */
export const zeroMarks: ReadonlySet<string> = new Set(['-', '—', '–', '/', '无', '－', '——', '0']);

/**
 * Marks that mean "no value" in a field that is not a count: a dash, a slash, 无, 暂无. In an
 * optional field they are read as empty (and said so); in a required field they are an error.
 */
export const noValueMarks: ReadonlySet<string> = new Set([
  '-',
  '--',
  '—',
  '——',
  '–',
  '－',
  '/',
  '／',
  '\\',
  '、',
  '无',
  '暂无',
  '空',
  '空白',
  '不适用',
  '无此项',
  'n/a',
  'na',
  'N/A',
  'NA',
  '#N/A',
]);

/** Is `raw` a mark meaning "no value" for this field (general marks, or the field's own)? */
function noValueMark(field: FieldDefinition, raw: CellValue): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const s = squeeze(raw);
  if (noValueMarks.has(s) || field.noValueMarks?.includes(s)) return s;
  return undefined;
}

const unitSuffix = /(家|处|起|次|名|人次|人|份|件|场次|场|个|元|万元)$/;

/** Reads a number written as a number, as text, with full-width digits, separators or a unit. */
function readNumber(raw: CellValue, unit: string | undefined): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw !== 'string') return undefined;
  let s = squeeze(raw).replace(/^[¥￥]/, '');
  if (unit && s.endsWith(unit)) s = s.slice(0, -unit.length);
  else s = s.replace(unitSuffix, '');
  if (/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) s = s.replace(/,/g, '');
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(s)) return undefined;
  return Number(s);
}

function isEmpty(raw: CellValue): boolean {
  return raw === null || (typeof raw === 'string' && squeeze(raw) === '');
}

const yes = new Set(['是', '有', '已', 'y', 'yes', 'true', '√', '✓', '✔', '1']);
const no = new Set(['否', '无', '未', 'n', 'no', 'false', '×', '✗', '✘', '0']);

function readChoice(field: FieldDefinition, text: string): string | undefined {
  const s = squeeze(text);
  if (field.choices?.includes(s)) return s;
  const alias = field.choiceAliases?.[s];
  return alias === undefined ? undefined : alias;
}

/**
 * Converts one cell to the type its field declares. Returns `{ ok: false }` when the text cannot
 * be read as that type at all; range and format rules are the row schema's job.
 */
export function convertCell(field: FieldDefinition, raw: CellValue, ctx: ConversionContext): Conversion {
  if (isEmpty(raw)) {
    // A blank head count (a stock) is "not reported", never 0: the latest reported value stands.
    return ok(field.type === 'count' && ctx.emptyCountIsZero && field.measure !== 'stock' ? 0 : field.type === 'choices' ? [] : null);
  }
  if (field.type === 'count' || field.type === 'amount') return convertTyped(field, raw, ctx);
  const same = typeof raw === 'string' ? field.sameAs?.marks.find((m) => m === squeeze(raw)) : undefined;
  if (same !== undefined) return { ok: true, value: null, mark: same, sameAs: field.sameAs!.field };
  // Free text takes anything, so its marks are looked at first; a typed field's own vocabulary
  // (无 is 否 in a 是/否 column) comes before the general marks.
  const first = field.type === 'text' || (typeof raw === 'string' && field.noValueMarks?.includes(squeeze(raw)));
  const converted = first ? undefined : convertTyped(field, raw, ctx);
  if (converted?.ok) return converted;
  const mark = noValueMark(field, raw);
  if (mark !== undefined) {
    if (field.required) return { ok: false, mark };
    return { ok: true, value: field.type === 'choices' ? [] : null, mark };
  }
  return converted ?? convertTyped(field, raw, ctx);
}

function convertTyped(field: FieldDefinition, raw: CellValue, ctx: ConversionContext): Conversion {
  switch (field.type) {
    case 'count': {
      if (typeof raw === 'string' && zeroMarks.has(squeeze(raw))) return ok(0);
      const n = readNumber(raw, field.unit);
      if (n === undefined) return fail;
      // Excel stores 3 as 2.9999999999999996 after some formulas.
      const rounded = Math.round(n);
      return ok(Math.abs(n - rounded) < 1e-9 ? rounded : n);
    }
    case 'amount': {
      if (typeof raw === 'string' && zeroMarks.has(squeeze(raw))) return ok(0);
      const n = readNumber(raw, field.unit);
      return n === undefined ? fail : ok(n);
    }
    case 'date': {
      const d = parseDate(raw);
      return d === undefined ? fail : ok(d);
    }
    case 'text':
      return ok(raw instanceof Date ? raw.toISOString().slice(0, 10) : tidy(String(raw)));
    case 'choice': {
      const c = readChoice(field, String(raw));
      return c === undefined ? fail : ok(c);
    }
    case 'choices': {
      const parts = String(raw)
        .split(/[、，,；;\n/|]+/)
        .map((p) => p.trim())
        .filter(Boolean);
      const out: string[] = [];
      for (const part of parts) {
        const c = readChoice(field, part);
        if (c === undefined) return fail;
        if (c !== '' && !out.includes(c)) out.push(c);
      }
      return ok(out);
    }
    case 'yesno': {
      if (typeof raw === 'boolean') return ok(raw);
      const s = squeeze(String(raw)).toLowerCase();
      if (yes.has(s)) return ok(true);
      if (no.has(s)) return ok(false);
      return fail;
    }
    case 'unit': {
      const unit = ctx.registry.resolve(String(raw));
      return unit ? ok(unit.name) : fail;
    }
    case 'period': {
      const p = parsePeriodCell(raw, ctx.contextYear);
      return p ? ok(p) : fail;
    }
  }
}

/** What a field expects, in the words a clerk understands. */
export function expectedText(field: FieldDefinition): string {
  switch (field.type) {
    case 'count':
      return `不小于 0 的整数${field.unit ? `（单位：${field.unit}）` : ''}，没有请填 0`;
    case 'amount':
      return '不小于 0 的金额（元），最多两位小数';
    case 'date':
      return '日期，如 2024-03-05 或 2024年3月5日';
    case 'text':
      return '文字内容';
    case 'choice':
      return `以下之一：${(field.choices ?? []).join('、')}`;
    case 'choices':
      return `以下一项或多项（用顿号分隔）：${(field.choices ?? []).join('、')}`;
    case 'yesno':
      return '“是”或“否”';
    case 'unit':
      return '单位名录中的镇街或科室名称，如“龙兴镇”';
    case 'period':
      return '统计期间，如 2024年第一季度、2024Q1、2024年3月';
  }
}
