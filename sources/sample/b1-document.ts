import type { IsoDate } from '../../domain/dates.js';
import { bureauMonthlyForm } from '../../domain/forms/index.js';
import { countCell, type DateStyle, type NumberStyle, type ZeroStyle } from './cell-styles.js';
import { formColumns, writeHeader, type HeaderStyle, type SheetColumn } from './form-headers.js';
import { writeAbove, writeBelow, type Contact } from './paperwork.js';
import type { Prng } from './prng.js';
import type { MonthCounts, SampleUnit } from './sample-records.js';
import { SheetBuilder, type SampleCell, type SheetDoc, type WorkbookDoc } from './sheet-doc.js';

/** How a bureau unit writes its B1. */
export interface B1Style {
  readonly header: HeaderStyle;
  /** The unit column: official name, an alias (`火调科`), or none (title and file name say it). */
  readonly unitColumn: 'full' | 'alias' | 'none';
  readonly monthColumn: 'full' | 'short' | 'none';
  readonly title: boolean;
  readonly fillIn: boolean;
  readonly notes: boolean;
  readonly numbers: NumberStyle;
  /** Counts the unit does not handle are left blank or dashed. */
  readonly zero: ZeroStyle;
  readonly fillDateStyle: DateStyle;
}

/** One month of one unit. */
export interface B1Month {
  readonly month: number;
  readonly counts: MonthCounts;
  readonly filledOn: IsoDate;
}

export interface B1Content {
  readonly unit: SampleUnit;
  /** Another way people write the unit (`火调科`). */
  readonly alias: string;
  readonly year: number;
  /** One month (a monthly file) or three (a quarterly workbook, one sheet per month named `1月`…). */
  readonly months: readonly B1Month[];
  readonly style: B1Style;
  readonly contact: Contact;
}

function monthSheet(rng: Prng, c: B1Content, m: B1Month, sheetName: string): SheetDoc {
  const s = c.style;
  const without = [...(s.unitColumn === 'none' ? ['unit'] : []), ...(s.monthColumn === 'none' ? ['month'] : [])];
  const columns: SheetColumn[] = formColumns(bureauMonthlyForm, without);
  const sheet = new SheetBuilder(sheetName, columns.length);
  writeAbove(sheet, {
    ...(s.title ? { title: `${c.unit.name}${c.year}年${m.month}月执法工作月报` } : {}),
    ...(s.fillIn ? { fillIn: { unit: `重庆市渝北区消防救援局${c.unit.name}`, date: m.filledOn, dateStyle: s.fillDateStyle } } : {}),
  });
  writeHeader(rng, sheet, columns, s.header);
  const row: SampleCell[] = columns.map((col) => {
    const id = col.field?.id;
    if (id === 'unit') return s.unitColumn === 'alias' ? c.alias : c.unit.name;
    if (id === 'month') return s.monthColumn === 'full' ? `${c.year}年${m.month}月` : `${m.month}月`;
    return countCell(rng, m.counts[id ?? ''] ?? 0, s.numbers, s.zero);
  });
  sheet.row(row);
  writeBelow(sheet, s.notes ? { contact: c.contact, blankBeforeNotes: true } : {});
  return sheet.build(columns.map((col) => (col.field?.type === 'unit' || col.field?.type === 'period' ? 14 : 10)));
}

/** A unit's B1 for one month, or a quarterly workbook with one sheet per month. */
export function b1Document(rng: Prng, c: B1Content): WorkbookDoc {
  if (c.months.length === 1) {
    const m = c.months[0]!;
    return { sheets: [monthSheet(rng, c, m, rng.pick(['Sheet1', `${m.month}月`, '月报']))] };
  }
  return { sheets: c.months.map((m) => monthSheet(rng, c, m, `${m.month}月`)) };
}
