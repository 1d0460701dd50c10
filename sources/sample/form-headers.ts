import { canonicalHeader, type FieldDefinition, type FormDefinition } from '../../domain/forms/form-definition.js';
import { headerText } from './cell-styles.js';
import type { Prng } from './prng.js';
import type { MergedRange, SampleCell, SheetBuilder } from './sheet-doc.js';

/** How a sheet's header row(s) are written. */
export interface HeaderStyle {
  /** `two-level`: group headers (`赋权执法案件`) merged over their sub-columns; `flat`: one row. */
  readonly levels: 'two-level' | 'flat';
  /**
   * `template`: the canonical header exactly (`赋权执法案件·一般程序（起）`), as a system export writes
   * it; `canonical`: the canonical label retyped; `synonyms`: the other words people use (from the
   * form definition).
   */
  readonly wording: 'template' | 'canonical' | 'synonyms';
  readonly breaks: boolean;
  readonly brackets: 'full' | 'half' | 'none' | 'mixed';
}

/** A column of a sheet: a form field, or an extra column (序号, 备注, …) with its own header. */
export interface SheetColumn {
  readonly field?: FieldDefinition;
  /** Header text for extra columns, or to force a field's header. */
  readonly header?: string;
  readonly width?: number;
}

function fieldWord(rng: Prng, field: FieldDefinition, style: HeaderStyle, flat: boolean): string {
  const base = field.group && flat ? `${field.group}${field.label}` : field.label;
  if (style.wording === 'canonical' || !field.synonyms?.length) return base;
  // Under a group header only the bare label fits; flat headers may use any synonym.
  if (field.group && !flat) return field.label;
  return rng.chance(0.55) ? rng.pick(field.synonyms) : base;
}

/** The column's header text (for a two-level header: the lower cell of a grouped column). */
function columnHeader(rng: Prng, column: SheetColumn, style: HeaderStyle, flat = style.levels === 'flat'): string {
  if (column.header !== undefined) return column.header;
  const field = column.field;
  if (!field) return '';
  if (style.wording === 'template') return flat ? canonicalHeader(field) : field.label;
  const word = fieldWord(rng, field, style, flat);
  return headerText(rng, word, field.group && !flat ? undefined : field.unit, style);
}

/**
 * Writes the header of `columns` into the sheet and returns the header row numbers. A two-level
 * header puts each group once over its sub-columns (merged) and merges ungrouped columns down.
 */
export function writeHeader(rng: Prng, sheet: SheetBuilder, columns: readonly SheetColumn[], style: HeaderStyle): number[] {
  const grouped = style.levels === 'two-level' && columns.some((c) => c.field?.group);
  if (!grouped) {
    const r = sheet.row(columns.map((c) => columnHeader(rng, c, style, true)));
    sheet.header(r);
    return [r];
  }
  const upper: SampleCell[] = [];
  const lower: SampleCell[] = [];
  const merges: MergedRange[] = [];
  const top = sheet.nextRow;
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i]!;
    const group = column.field?.group;
    if (!group) {
      upper.push(columnHeader(rng, column, style, true));
      lower.push(null);
      merges.push({ top, left: i + 1, bottom: top + 1, right: i + 1 });
      continue;
    }
    let span = 1;
    while (columns[i + span]?.field?.group === group) span++;
    const unit = column.field?.unit;
    upper.push(headerText(rng, group, unit, { ...style, breaks: false }));
    for (let k = 0; k < span; k++) {
      if (k > 0) upper.push(null);
      lower.push(columnHeader(rng, columns[i + k]!, style, false));
    }
    if (span > 1) merges.push({ top, left: i + 1, bottom: top, right: i + span });
    i += span - 1;
  }
  const r1 = sheet.row(upper);
  const r2 = sheet.row(lower);
  for (const m of merges) sheet.merge(m);
  sheet.header(r1, r2);
  return [r1, r2];
}

/** The columns of a form in canonical order, optionally without some fields. */
export function formColumns(form: FormDefinition, without: readonly string[] = []): SheetColumn[] {
  return form.fields.filter((f) => !without.includes(f.id)).map((field) => ({ field }));
}
