import type { FieldDefinition, FormDefinition } from '../../domain/forms/form-definition.js';
import { columnLetters } from '../../sources/readers/reader.js';

/**
 * Where everything is on a form's template sheet. The writer lays the sheet out from this, and a
 * test (or a tool that pre-fills templates) can find the cells from it:
 *
 * ```
 * 1  渝北区XX镇街2024年第X季度消防执法工作统计表             (title, merged across the table)
 * 2  填报单位：[unit ▼]   统计期间：[period ▼]               (fill-in row)
 * 3  镇街 | 统计期间 | 检查社会单位数（家）| … | 赋权执法案件 | … (header; grouped forms: two rows,
 * 4       |          |                      | … | 一般程序（起）| 简易程序（起）| …   groups merged over their columns)
 * 5… empty formatted rows carrying the validations (22 for T1/B1, 200 for ledgers)
 * n  填表人：        联系电话：        审核人：                  (notes row, skipped by the reader)
 * ```
 */
export interface TemplateLayout {
  readonly form: FormDefinition;
  readonly titleRow: number;
  readonly fillRow: number;
  /** One row, or two for forms with grouped fields. */
  readonly headerRows: readonly number[];
  readonly firstDataRow: number;
  readonly lastDataRow: number;
  readonly notesRow: number;
  /** One column per field, in the form's order (1-based). */
  readonly columns: readonly { readonly field: FieldDefinition; readonly column: number; readonly letter: string }[];
  /** The fill-in cells: `B2` (填报单位), `E2` (统计期间); their labels sit in the cell to the left. */
  readonly unitCell: { readonly row: number; readonly column: number; readonly address: string };
  readonly periodCell: { readonly row: number; readonly column: number; readonly address: string };
  /** Columns the notes row's labels start in. */
  readonly notesColumns: readonly number[];
}

/** Empty rows in a template: enough for a township's months or every township; a quarter's ledger. */
function defaultDataRows(form: FormDefinition): number {
  return form.kind === 'aggregate' ? 22 : 200;
}

export function templateLayout(form: FormDefinition, dataRows = defaultDataRows(form)): TemplateLayout {
  const grouped = form.fields.some((f) => f.group);
  const headerRows = grouped ? [3, 4] : [3];
  const firstDataRow = headerRows[headerRows.length - 1]! + 1;
  const lastDataRow = firstDataRow + dataRows - 1;
  const width = form.fields.length;
  // Labels over three evenly spread places; with at least 6 columns every form has room.
  const third = Math.max(2, Math.floor(width / 3));
  return {
    form,
    titleRow: 1,
    fillRow: 2,
    headerRows,
    firstDataRow,
    lastDataRow,
    notesRow: lastDataRow + 1,
    columns: form.fields.map((field, i) => ({ field, column: i + 1, letter: columnLetters(i + 1) })),
    unitCell: { row: 2, column: 2, address: 'B2' },
    periodCell: { row: 2, column: 5, address: 'E2' },
    notesColumns: [1, 1 + third, 1 + 2 * third],
  };
}
