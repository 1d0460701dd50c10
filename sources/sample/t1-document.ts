import type { IsoDate } from '../../domain/dates.js';
import { townshipStatsForm } from '../../domain/forms/index.js';
import { monthsOfQuarter } from './calendar.js';
import { countCell, type DateStyle, type NumberStyle, type ZeroStyle } from './cell-styles.js';
import { formColumns, writeHeader, type HeaderStyle, type SheetColumn } from './form-headers.js';
import { writeAbove, writeBelow, type Contact } from './paperwork.js';
import type { Prng } from './prng.js';
import type { MonthCounts, SampleUnit } from './sample-records.js';
import { SheetBuilder, type SampleCell, type WorkbookDoc } from './sheet-doc.js';

export const quarterWords = ['一', '二', '三', '四'] as const;

/** How a township writes its T1 (one clerk's habits). */
export interface T1Style {
  readonly header: HeaderStyle;
  /** One row per month plus a 合计 row, or one row for the quarter. */
  readonly rows: 'monthly' | 'quarterly';
  /** What the unit column holds, or no unit column (the title says it). */
  readonly unitColumn: 'full' | 'short' | 'long' | 'none';
  /** How the period column is written, or none (title and file name say it). */
  readonly periodColumn: 'full' | 'short' | 'iso' | 'none';
  readonly serialColumn: boolean;
  readonly title: 'unit-first' | 'period-first' | 'none';
  readonly fillIn: boolean;
  readonly notes: boolean;
  readonly numbers: NumberStyle;
  readonly zero: ZeroStyle;
  readonly fillDateStyle: DateStyle;
}

/** What one T1 file says. */
export interface T1Content {
  readonly unit: SampleUnit;
  readonly year: number;
  readonly quarter: number;
  /** The quarter's three months of counts (already adjusted for any planted disagreement). */
  readonly months: readonly MonthCounts[];
  readonly style: T1Style;
  readonly contact: Contact;
  readonly filledOn: IsoDate;
  /** Title written with another unit's name (a copied template). */
  readonly titleUnit?: SampleUnit;
  /** Text written instead of a count in the first data row: `{ field: 'joint_inspections', text: '待统计' }`. */
  readonly textInCount?: { readonly field: string; readonly text: string };
  /** A 合计 row that does not add up (a formula that left out a row), for monthly rows. */
  readonly wrongTotal?: { readonly field: string; readonly delta: number };
}

const countFields = townshipStatsForm.fields.filter((f) => f.type === 'count').map((f) => f.id);

function periodText(style: T1Style['periodColumn'], year: number, quarter: number, month?: number): string {
  if (month !== undefined) {
    if (style === 'full') return `${year}年${month}月`;
    if (style === 'short') return `${month}月`;
    return `${year}-${String(month).padStart(2, '0')}`;
  }
  if (style === 'full') return `${year}年第${quarterWords[quarter - 1]}季度`;
  if (style === 'short') return `${quarterWords[quarter - 1]}季度`;
  return `${year}Q${quarter}`;
}

/** The quarter's figures: flows summed, the head count as at the quarter's end. */
function quarterTotals(months: readonly MonthCounts[]): MonthCounts {
  const out: MonthCounts = {};
  for (const f of countFields) {
    out[f] = f === 'fire_staff' ? (months[months.length - 1]?.[f] ?? 0) : months.reduce((s, m) => s + (m[f] ?? 0), 0);
  }
  return out;
}

/** Composes a township's quarterly T1 sheet in its clerk's style. */
export function t1Document(rng: Prng, c: T1Content): WorkbookDoc {
  const s = c.style;
  // Monthly rows always carry a period column: without it the three rows would claim the same quarter.
  const without = [...(s.unitColumn === 'none' ? ['township'] : []), ...(s.periodColumn === 'none' && s.rows === 'quarterly' ? ['period'] : [])];
  const columns: SheetColumn[] = [...(s.serialColumn ? [{ header: '序号', width: 6 }] : []), ...formColumns(townshipStatsForm, without)];
  const sheet = new SheetBuilder(rng.pick(['Sheet1', `${c.year}年${quarterWords[c.quarter - 1]}季度`, '统计表']), columns.length);
  const titled = c.titleUnit ?? c.unit;
  const q = quarterWords[c.quarter - 1];
  const title =
    s.title === 'unit-first'
      ? `${titled.long}${c.year}年第${q}季度消防执法工作统计表`
      : s.title === 'period-first'
        ? `${c.year}年第${q}季度${titled.name}镇街消防执法工作统计表`
        : undefined;
  writeAbove(sheet, {
    ...(title ? { title } : {}),
    ...(s.fillIn ? { fillIn: { unit: `${c.unit.long}（盖章）`, date: c.filledOn, dateStyle: s.fillDateStyle } } : {}),
    blankAfterTitle: s.title !== 'none' && rng.chance(0.3),
  });
  writeHeader(rng, sheet, columns, s.header);

  const unitText = s.unitColumn === 'short' ? c.unit.short : s.unitColumn === 'long' ? c.unit.long : c.unit.name;
  const labelColumn = columns.findIndex((col) => col.field?.id === 'township' || col.field?.id === 'period');
  const dataRow = (serial: number | null, period: string | null, counts: MonthCounts, total: boolean): SampleCell[] =>
    columns.map((col, i) => {
      if (!col.field) return total ? null : serial;
      const id = col.field.id;
      if (total && (id === 'township' || id === 'period')) return i === labelColumn ? '合计' : null;
      if (id === 'township') return unitText;
      if (id === 'period') return period;
      if (id === 'fire_staff' && total && rng.chance(0.5)) return null;
      return countCell(rng, counts[id] ?? 0, s.numbers, s.zero);
    });

  const firstData = sheet.nextRow;
  if (s.rows === 'monthly') {
    monthsOfQuarter(c.quarter).forEach((m, i) => {
      sheet.row(dataRow(i + 1, periodText(s.periodColumn, c.year, c.quarter, m), c.months[i] ?? {}, false));
    });
    const totals = quarterTotals(c.months);
    if (c.wrongTotal) totals[c.wrongTotal.field] = (totals[c.wrongTotal.field] ?? 0) + c.wrongTotal.delta;
    sheet.row(dataRow(null, null, totals, true));
  } else {
    sheet.row(dataRow(1, periodText(s.periodColumn, c.year, c.quarter), quarterTotals(c.months), false));
  }
  if (c.textInCount) {
    const col = columns.findIndex((x) => x.field?.id === c.textInCount!.field);
    sheet.set(firstData, col + 1, c.textInCount.text);
  }

  writeBelow(sheet, {
    ...(s.notes ? { contact: c.contact, notes: rng.chance(0.5) ? ['注：消防管理岗人员填报期末在岗人数；案件数按处罚决定日期统计。'] : [] } : {}),
    blankBeforeNotes: rng.chance(0.5),
  });
  const widths = columns.map((col) => col.width ?? (col.field?.type === 'unit' || col.field?.type === 'period' ? 14 : 11));
  return { sheets: [sheet.build(widths)] };
}
