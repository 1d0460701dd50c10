import type { IsoDate } from '../../domain/dates.js';
import { dateCell, type DateStyle } from './cell-styles.js';
import type { SampleCell, SheetBuilder } from './sheet-doc.js';

/** The person who filled a sheet and the one who checked it (fictitious). */
export interface Contact {
  readonly name: string;
  readonly phone: string;
  readonly reviewer: string;
}

/** What surrounds a table on paper: title, fill-in line, notes with the contact. */
export interface Paperwork {
  readonly title?: string;
  /** `填报单位：渝北区龙兴镇（盖章）` … `填报日期：2024年4月5日`. */
  readonly fillIn?: { readonly unit: string; readonly date: IsoDate; readonly dateStyle: DateStyle };
  readonly blankAfterTitle?: boolean;
  /** Note lines under the table (`注：…`). */
  readonly notes?: readonly string[];
  /** Adds `填表人：… 联系电话：… 审核人：…` under the table. */
  readonly contact?: Contact;
  readonly blankBeforeNotes?: boolean;
}

/** Title, fill-in line and blank row above the table. */
export function writeAbove(sheet: SheetBuilder, p: Paperwork): void {
  if (p.title) sheet.title(p.title);
  if (p.fillIn) {
    const date = dateCell(p.fillIn.date, p.fillIn.dateStyle);
    const dateText = typeof date === 'string' ? date : p.fillIn.date;
    const cells: SampleCell[] = [`填报单位：${p.fillIn.unit}`];
    while (cells.length < Math.max(2, sheet.width - 3)) cells.push(null);
    cells.push(`填报日期：${dateText}`);
    sheet.row(cells);
  }
  if (p.blankAfterTitle) sheet.blank();
}

/** Notes and the contact line under the table. */
export function writeBelow(sheet: SheetBuilder, p: Paperwork): void {
  if (!p.notes?.length && !p.contact) return;
  if (p.blankBeforeNotes) sheet.blank();
  if (p.contact) {
    const cells: SampleCell[] = [`填表人：${p.contact.name}`];
    const third = Math.max(2, Math.floor(sheet.width / 3));
    while (cells.length < third) cells.push(null);
    cells.push(`联系电话：${p.contact.phone}`);
    while (cells.length < third * 2) cells.push(null);
    cells.push(`审核人：${p.contact.reviewer}`);
    sheet.row(cells);
  }
  for (const note of p.notes ?? []) sheet.row([note]);
}
