import type { FieldDefinition, FormDefinition } from '../../domain/forms/form-definition.js';
import type { CellValue, SheetRow } from '../../sources/readers/reader.js';
import { columnLetters } from '../../sources/readers/reader.js';
import type { HeaderMatcher } from './header-matcher.js';
import { headerParts } from './header-text.js';

/** A column of the located table and the field it holds. */
export interface MappedColumn {
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
}

/** Why no table could be located. */
export interface LocateFailure {
  readonly reason: 'no_header' | 'ambiguous' | 'duplicate_column';
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

/** Header labels of each column when row `i` (and `i + 1` for two-level headers) is the header. */
function headerLabels(rows: readonly SheetRow[], i: number, depth: 1 | 2): string[] {
  const upper = rows[i]?.cells ?? [];
  if (depth === 1) return upper.map(cellText);
  const lower = rows[i + 1]?.cells ?? [];
  const width = Math.max(upper.length, lower.length);
  const labels: string[] = [];
  let group = '';
  for (let c = 0; c < width; c++) {
    const top = cellText(upper[c]);
    // A header merged over both rows reads the same in each once merges are spread: one label.
    const bottom = cellText(lower[c]) === top ? '' : cellText(lower[c]);
    // A merged group header keeps its text only in its first cell: carry it right over the
    // blank cells of the merge, as long as the row below names the sub-columns.
    if (top !== '') group = bottom !== '' ? top : '';
    else if (bottom === '') group = '';
    const effectiveTop = top !== '' ? top : group;
    labels.push(effectiveTop && bottom ? `${effectiveTop}·${bottom}` : effectiveTop || bottom);
  }
  return labels;
}

interface Candidate {
  readonly form: FormDefinition;
  readonly rowIndex: number;
  readonly depth: 1 | 2;
  readonly score: number;
  readonly labels: string[];
}

/**
 * Finds the header row(s) among the first rows of a sheet, flattens two-level headers, and
 * decides which form the table is — the form whose fields the header names best.
 */
export function locateTable(
  rows: readonly SheetRow[],
  matcher: HeaderMatcher,
): TableLayout | LocateFailure {
  const candidates: Candidate[] = [];
  const limit = Math.min(rows.length, headerSearchRows);
  for (let i = 0; i < limit; i++) {
    for (const depth of [1, 2] as const) {
      if (depth === 2 && i + 1 >= rows.length) continue;
      const labels = headerLabels(rows, i, depth);
      const perForm = new Map<FormDefinition, Set<string>>();
      for (const label of labels) {
        if (!label) continue;
        for (const { form, field } of matcher.match(label)) {
          const set = perForm.get(form) ?? new Set<string>();
          set.add(field.id);
          perForm.set(form, set);
        }
      }
      for (const [form, set] of perForm) candidates.push({ form, rowIndex: i, depth, score: set.size, labels });
    }
  }
  candidates.sort((a, b) => b.score - a.score || a.depth - b.depth || a.rowIndex - b.rowIndex);
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
  for (const [index, label] of best.labels.entries()) {
    if (!label) continue;
    const column = index + 1;
    const hit = matcher.match(label).find((c) => c.form === best.form);
    if (!hit) {
      if (!matcher.isIgnorable(label)) unknownHeaders.push({ column, text: label });
      continue;
    }
    const previous = byField.get(hit.field.id);
    if (previous) {
      const name = hit.field.group ? `${hit.field.group}·${hit.field.label}` : hit.field.label;
      return {
        reason: 'duplicate_column',
        message: `表头重复：${columnLetters(previous.column)} 列“${previous.header}”和 ${columnLetters(column)} 列“${label}”都对应栏目“${name}”，请删除其中一列`,
        cell: `${columnLetters(column)}${headerRow}`,
      };
    }
    const mapped: MappedColumn = { column, field: hit.field, header: label };
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
  const missingFields = best.form.fields.filter(
    (f) => !byField.has(f.id) && !foundElsewhere.has(f.id) && (best.form.kind === 'aggregate' || f.required),
  );
  return { form: best.form, headerRowNumbers, columns, unknownHeaders, titleTexts, titleRows, missingFields, unitMismatches };
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
