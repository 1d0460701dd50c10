import type { FieldDefinition, FormDefinition } from '../../domain/forms/form-definition.js';
import type { CellValue, SheetRow } from '../../sources/readers/reader.js';
import { columnLetters } from '../../sources/readers/reader.js';
import type { HeaderMatcher } from './header-matcher.js';
import { squeeze } from '../../domain/text.js';
import { headerParts } from './header-text.js';

/** A column of the located table and the field it holds. */
interface MappedColumn {
  /** 1-based column number. */
  readonly column: number;
  readonly field: FieldDefinition;
  /** The header as written (two-level headers joined with `·`). */
  readonly header: string;
}

/** Where the table is in a sheet and what it holds. */
export interface TableLayout {
  readonly form: FormDefinition;
  /** Sheet row numbers of the header row(s). */
  readonly headerRowNumbers: readonly number[];
  /** Columns that map to fields, in sheet order. */
  readonly columns: readonly MappedColumn[];
  /**
   * Columns holding a running total of a field (`1-9月累计` beside `本季度`): not loaded, but
   * checked against the year-to-date figures the warehouse holds.
   */
  readonly cumulativeColumns: readonly MappedColumn[];
  /** Columns comparing with another period (`上年同期`, `同比`): ignored, with a notice. */
  readonly comparisonColumns: readonly { column: number; text: string }[];
  /** Header cells that matched no field of the form (ignored; reported as notices). */
  readonly unknownHeaders: readonly { column: number; text: string }[];
  /** Text of the rows above the header (titles, fill-in lines), for unit and period search. */
  readonly titleTexts: readonly string[];
  /** The same rows with their row numbers and cell texts, to say which cell stated what. */
  readonly titleRows: readonly { readonly rowNumber: number; readonly cells: readonly string[] }[];
  /** Fields the form needs that have no column. */
  readonly missingFields: readonly FieldDefinition[];
  /** Columns whose header states a different scale than the field's (`罚款（万元）` for 元). */
  readonly unitMismatches: readonly { column: number; header: string; stated: string; field: FieldDefinition }[];
  /** Second columns for a field that already has one (ignored; the first is read): each refuses the file. */
  readonly duplicateColumns: readonly { column: number; message: string; cell: string }[];
}

/** Why no table could be located. */
export interface LocateFailure {
  readonly reason: 'no_header' | 'ambiguous';
  /** Chinese explanation. */
  readonly message: string;
  readonly cell?: string;
}

/** How many leading rows are searched for the header. */
export const headerSearchRows = 30;

function cellText(value: CellValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value).trim();
}

/** A sub-header saying the column holds this period's figure: `本季度`, `本期`, `本月`. */
const currentQualifier = /^(本期|本期数|本季|本季度|本季度数|本季数|本月|本月数|当期|当季|当季度|当月|本期发生|本季发生|本期合计|本季合计|本月合计)$/;
/** A sub-header saying the column holds a running total: `累计`, `1-9月累计`, `本年累计`. */
const cumulativeQualifier =
  /^(?:(?:1|一)?(?:[-~至到—–])?(?:1[0-2]|[1-9]|十[一二]?|[一二三四五六七八九])?月?份?)?(?:累计|累计数|本年累计|年累计|全年累计|年度累计|累计发生|累计完成)$|^(?:本年|年初至今|今年)累计/;
/** A sub-header comparing with another period: `上年同期`, `同比`. */
const comparisonQualifier =
  /^(上年同期|去年同期|同期|同期数|同比|同比增减|同比增减率|增减|增减数|增减率|增减幅度|同比增长|增长率|环比|上期|上季度|上月)(\(%\)|%|数)?$/;

/** What a sub-header says about its column's period, if it is such a sub-header. */
function qualifierOf(text: string): 'current' | 'cumulative' | 'comparison' | undefined {
  const t = squeeze(text);
  if (currentQualifier.test(t)) return 'current';
  if (cumulativeQualifier.test(t)) return 'cumulative';
  if (comparisonQualifier.test(t)) return 'comparison';
  return undefined;
}

/** The labels of a candidate header, and each column's period qualifier when the last row is one. */
interface HeaderReading {
  readonly labels: string[];
  readonly qualifiers?: readonly (ReturnType<typeof qualifierOf> | '')[];
}

/**
 * Header labels of each column when rows `i` … `i + depth - 1` are the header. A merged group
 * header keeps its text only in its first cell: it is carried right over the blank cells of the
 * merge, as long as a row below names the sub-columns. A last row of period sub-headers
 * (`本季度` | `1-9月累计` under each indicator) is not part of the label but the column's
 * qualifier; three rows are read only in that case.
 */
function headerLabels(rows: readonly SheetRow[], i: number, depth: 1 | 2 | 3): HeaderReading {
  const levels = Array.from({ length: depth }, (_, k) => rows[i + k]?.cells ?? []);
  const width = Math.max(...levels.map((l) => l.length));
  const texts = levels.map((l) => Array.from({ length: width }, (_, c) => cellText(l[c])));
  // The last row is a row of period sub-headers when it says nothing else.
  let qualified = false;
  if (depth > 1) {
    const last = texts[depth - 1]!;
    const above = texts[depth - 2]!;
    let q = 0;
    let other = 0;
    for (let c = 0; c < width; c++) {
      const t = last[c]!;
      if (!t || t === above[c]) continue;
      if (qualifierOf(t)) q++;
      else other++;
    }
    qualified = q >= 2 && other === 0;
  }
  if (depth === 3 && !qualified) return { labels: [] };
  const carry: string[] = Array.from({ length: depth }, () => '');
  const labels: string[] = [];
  const qualifiers: (ReturnType<typeof qualifierOf> | '')[] = [];
  for (let c = 0; c < width; c++) {
    const parts: string[] = [];
    for (let level = 0; level < depth; level++) {
      const own = texts[level]![c]!;
      const below = texts.slice(level + 1).some((t) => t[c] !== '');
      let effective: string;
      if (own !== '') {
        carry[level] = below ? own : '';
        for (let deeper = level + 1; deeper < depth; deeper++) carry[deeper] = '';
        effective = own;
      } else {
        if (!below) carry[level] = '';
        effective = carry[level]!;
      }
      // A header merged over two rows reads the same in each once merges are spread: one label.
      if (effective && parts[parts.length - 1] !== effective) parts.push(effective);
    }
    if (qualified) {
      const q = texts[depth - 1]![c]!;
      const kind = q && q !== texts[depth - 2]![c] ? qualifierOf(q) : undefined;
      if (kind && parts[parts.length - 1] === q) parts.pop();
      qualifiers.push(kind ?? '');
    }
    labels.push(parts.join('·'));
  }
  return qualified ? { labels, qualifiers } : { labels };
}

interface Candidate {
  readonly form: FormDefinition;
  readonly rowIndex: number;
  readonly depth: 1 | 2 | 3;
  readonly score: number;
  readonly reading: HeaderReading;
}

/**
 * Finds the header row(s) among the first rows of a sheet, flattens two-level headers, and
 * decides which form the table is — the form whose fields the header names best.
 */
export function locateTable(rows: readonly SheetRow[], matcher: HeaderMatcher): TableLayout | LocateFailure {
  const candidates: Candidate[] = [];
  const limit = Math.min(rows.length, headerSearchRows);
  for (let i = 0; i < limit; i++) {
    for (const depth of [1, 2, 3] as const) {
      if (i + depth - 1 >= rows.length) continue;
      const reading = headerLabels(rows, i, depth);
      const perForm = new Map<FormDefinition, Set<string>>();
      for (const label of reading.labels) {
        if (!label) continue;
        for (const { form, field } of matcher.match(label)) {
          const set = perForm.get(form) ?? new Set<string>();
          set.add(field.id);
          perForm.set(form, set);
        }
      }
      for (const [form, set] of perForm) candidates.push({ form, rowIndex: i, depth, score: set.size, reading });
    }
  }
  // A header whose last row is period sub-headers (本季度 | 累计) wins a tie: read without it,
  // that row would be taken for data.
  const qualified = (c: Candidate) => (c.reading.qualifiers ? 0 : 1);
  candidates.sort((a, b) => b.score - a.score || qualified(a) - qualified(b) || a.depth - b.depth || a.rowIndex - b.rowIndex);
  const best = candidates[0];
  if (!best || best.score < 3) {
    return {
      reason: 'no_header',
      message: '未找到表头：前 30 行中没有一行能对应到任何报表（T1/B1/L1/L2/R1）的栏目，请使用标准模板的表头',
    };
  }
  const rival = candidates.find((c) => c.form !== best.form && c.score === best.score);
  if (rival) {
    return {
      reason: 'ambiguous',
      message: `无法判断报表类型：表头既像“${best.form.name}”也像“${rival.form.name}”，请使用标准模板的表头`,
    };
  }

  const columns: MappedColumn[] = [];
  const unknownHeaders: { column: number; text: string }[] = [];
  const byField = new Map<string, MappedColumn>();
  const unitMismatches: { column: number; header: string; stated: string; field: FieldDefinition }[] = [];
  const headerRow = rows[best.rowIndex + best.depth - 1]?.rowNumber ?? 0;
  const cumulativeColumns: MappedColumn[] = [];
  const comparisonColumns: { column: number; text: string }[] = [];
  // A repeated column is refused, but the rest of the table is still read so every problem is said at once.
  const duplicateColumns: { column: number; message: string; cell: string }[] = [];
  for (const [index, label] of best.reading.labels.entries()) {
    if (!label) continue;
    const column = index + 1;
    const hit = matcher.match(label).find((c) => c.form === best.form);
    const qualifier = best.reading.qualifiers?.[index];
    const written = qualifier ? `${label}·${cellText(rows[best.rowIndex + best.depth - 1]?.cells[index])}` : label;
    if (qualifier === 'comparison') {
      comparisonColumns.push({ column, text: written });
      continue;
    }
    if (!hit) {
      if (!matcher.isIgnorable(label)) unknownHeaders.push({ column, text: written });
      continue;
    }
    if (qualifier === 'cumulative') {
      if (cumulativeColumns.some((c) => c.field === hit.field)) {
        duplicateColumns.push({ column, message: `表头重复：有两列都是“${written}”，请删除其中一列`, cell: `${columnLetters(column)}${headerRow}` });
        continue;
      }
      cumulativeColumns.push({ column, field: hit.field, header: written });
      continue;
    }
    const previous = byField.get(hit.field.id);
    if (previous) {
      const name = hit.field.group ? `${hit.field.group}·${hit.field.label}` : hit.field.label;
      duplicateColumns.push({
        column,
        message: `表头重复：${columnLetters(previous.column)} 列“${previous.header}”和 ${columnLetters(column)} 列“${label}”都对应栏目“${name}”，请删除其中一列`,
        cell: `${columnLetters(column)}${headerRow}`,
      });
      continue;
    }
    const mapped: MappedColumn = { column, field: hit.field, header: written };
    byField.set(hit.field.id, mapped);
    columns.push(mapped);
    const stated = headerParts(label).unit;
    if (stated && hit.field.unit && stated !== hit.field.unit && scaleDiffers(stated, hit.field.unit)) {
      unitMismatches.push({ column, header: label, stated, field: hit.field });
    }
  }

  const headerRowNumbers = rows.slice(best.rowIndex, best.rowIndex + best.depth).map((r) => r.rowNumber);
  const titleRows = rows
    .slice(0, best.rowIndex)
    .map((r) => ({ rowNumber: r.rowNumber, cells: r.cells.map(cellText) }))
    .filter((r) => r.cells.some(Boolean));
  const titleTexts = titleRows.map((r) => r.cells.filter(Boolean).join(' '));
  // The unit and the period may be stated outside the table; a ledger's optional fields may be
  // left out. Every count of an aggregate form must have its column: a missing column is not 0.
  const foundElsewhere = new Set([best.form.unitField, best.form.periodField]);
  const missingFields = best.form.fields.filter((f) => !byField.has(f.id) && !foundElsewhere.has(f.id) && (best.form.kind === 'aggregate' || f.required));
  return {
    form: best.form,
    headerRowNumbers,
    columns,
    cumulativeColumns,
    comparisonColumns,
    unknownHeaders,
    titleTexts,
    titleRows,
    missingFields,
    unitMismatches,
    duplicateColumns,
  };
}

/** True when the locate step failed. */
export function isLocateFailure(x: TableLayout | LocateFailure): x is LocateFailure {
  return 'reason' in x;
}

/** Units whose numbers differ in scale: reading 万元 as 元 would be off by 10,000. */
function scaleDiffers(a: string, b: string): boolean {
  const money = new Set(['元', '万元']);
  return money.has(a) && money.has(b);
}
