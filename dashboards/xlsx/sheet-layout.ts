import { columnLetters } from '../../sources/readers/reader.js';
import ExcelJS from 'exceljs';
import { shanghaiTimestamp } from '../../domain/clock.js';
import { safeText } from './safe-text.js';

/**
 * The layout every firestat workbook shares, the way a bureau's printed table looks: a title row
 * merged across the table, a subtitle row (统计期间, 数据截至, 生成时间), one or two header rows
 * (a group header such as `赋权执法案件` merged over its columns, the other headers merged down),
 * the data rows, notes under the table. Thin borders, 宋体, centred and wrapped headers, frozen
 * headers, A4 landscape fitted to one page wide, header rows repeated on every printed page, page
 * numbers in the footer.
 *
 * Every string written goes through {@link safeText}, whatever its origin.
 */

/** How a column's numbers are shown. */
export type ColumnFormat = 'text' | 'count' | 'percent' | 'decimal';

export interface Column {
  /** The leaf header, units in full-width brackets: `一般程序（起）`. */
  readonly header: string;
  /** A group header over adjacent columns with the same group: `赋权执法案件`. */
  readonly group?: string | null;
  readonly format?: ColumnFormat;
  /** Width in Excel character units; computed from the contents when left out. */
  readonly width?: number;
  /** Wrap long text (left-aligned, row height estimated). */
  readonly wrap?: boolean;
  /** Horizontal alignment of the data cells; numbers right, text centred unless set. */
  readonly align?: 'left' | 'center' | 'right';
}

export type CellValue = string | number | null;

/** Fill colours (ARGB), the light palette Excel uses for 好/中性/差. */
export const fills = {
  green: 'FFC6EFCE',
  amber: 'FFFFEB9C',
  red: 'FFFFC7CE',
  grey: 'FFD9D9D9',
  header: 'FFF2F2F2',
  total: 'FFF2F2F2',
} as const;

export interface TableRow {
  readonly values: readonly CellValue[];
  /** A 合计 row: bold, shaded. */
  readonly total?: boolean;
  /** Per column, a fill colour (ARGB). */
  readonly fills?: readonly (string | undefined)[];
  /** Per column, a cell comment (批注). */
  readonly notes?: readonly (string | undefined)[];
}

export interface TableSheet {
  readonly name: string;
  readonly title: string;
  readonly subtitle: string;
  readonly columns: readonly Column[];
  readonly rows: readonly TableRow[];
  /** Columns kept in view when scrolling right (序号, 单位). */
  readonly freezeColumns: number;
  /** Merges inside the data, relative to the first data row (0-based) and column (0-based). */
  readonly dataMerges?: readonly { readonly row: number; readonly col: number; readonly rows: number; readonly cols: number }[];
  /** Lines under the table (说明, 图例). */
  readonly notes?: readonly string[];
  /** Text shown when there are no rows: `本季度未发现数据问题`. */
  readonly emptyText?: string;
  /** Turn on Excel's filter buttons on the (last) header row. */
  readonly autoFilter?: boolean;
  /** Lines a header may wrap to when widths are computed (2; 3 for many narrow columns). */
  readonly headerLines?: number;
}

/** What {@link addTableSheet} laid out where (1-based rows). */
export interface TableLayout {
  readonly worksheet: ExcelJS.Worksheet;
  readonly headerRows: readonly number[];
  readonly firstDataRow: number;
}

const fontName = '宋体';
const thin = { style: 'thin' as const };
const border: Partial<ExcelJS.Borders> = { top: thin, left: thin, bottom: thin, right: thin };
const numFmts: Record<ColumnFormat, string | undefined> = { text: undefined, count: '0', percent: '0.0%', decimal: '0.00' };

/** Width of a text in Excel character units: CJK and full-width characters count two. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    w += (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || c >= 0x20000 ? 2 : 1;
  }
  return w;
}

function shown(v: CellValue, format: ColumnFormat): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (format === 'percent') return `${(v * 100).toFixed(1)}%`;
  if (format === 'decimal') return v.toFixed(2);
  return String(v);
}

function columnWidth(col: Column, rows: readonly TableRow[], index: number, headerLines: number): number {
  if (col.width !== undefined) return col.width;
  const data = Math.max(0, ...rows.map((r) => displayWidth(shown(r.values[index] ?? null, col.format ?? 'text'))));
  // Headers wrap: a header may take `headerLines` lines.
  const header = Math.ceil(displayWidth(col.header) / headerLines);
  return Math.min(40, Math.max(6, data + 2, header + 3));
}

/** Lines a text takes in a column of the given width (an estimate for row heights). */
function lines(text: string, width: number): number {
  const usable = Math.max(2, width - 1.5);
  return text.split('\n').reduce((n, part) => n + Math.max(1, Math.ceil(displayWidth(part) / usable)), 0);
}

/**
 * A header as a printed table sets it: when it does not fit on one line, the unit in brackets goes
 * on a line of its own (`检查社会单位数` / `（家）`) rather than being split wherever the line ends.
 */
export function headerText(header: string, width: number): string {
  const unit = /（[^（）]*）$/.exec(header);
  return unit && unit.index > 0 && lines(header, width) > 1 ? `${header.slice(0, unit.index)}\n${unit[0]}` : header;
}

/** Writes a value; strings always through {@link safeText}. */
export function setValue(cell: ExcelJS.Cell, value: CellValue): void {
  cell.value = typeof value === 'string' ? safeText(value) : value;
}

/** `统计期间：…　数据截至：…　生成时间：…（北京时间）`. */
export function subtitle(period: string, asOf: string, generatedAt: string): string {
  const at = new Date(generatedAt);
  const when = Number.isNaN(at.getTime()) ? generatedAt : `${shanghaiTimestamp(at).slice(0, 16)}（北京时间）`;
  return `统计期间：${period}　　数据截至：${asOf}　　生成时间：${when}`;
}

/** A4 landscape, one page wide, header rows on every page, page numbers in the footer. */
export function printSetup(ws: ExcelJS.Worksheet, headerRows: readonly number[], lastColumn: number, lastRow: number): void {
  ws.pageSetup = {
    ...ws.pageSetup,
    paperSize: 9,
    orientation: 'landscape',
    fitToPage: true,
    fitToWidth: 1,
    fitToHeight: 0,
    horizontalCentered: true,
    margins: { left: 0.5, right: 0.5, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 },
    printArea: `A1:${columnLetter(Math.max(lastColumn, 1))}${Math.max(lastRow, 1)}`,
    ...(headerRows.length > 0 ? { printTitlesRow: `${headerRows[0]}:${headerRows[headerRows.length - 1]}` } : {}),
  };
  ws.headerFooter = { ...ws.headerFooter, oddFooter: '&C第 &P 页，共 &N 页' };
}

/** Column letters of a 1-based column number (the readers' helper, re-exported for the workbooks). */
export const columnLetter = columnLetters;

/** Adds a sheet holding one table, laid out and formatted as described above. */
export function addTableSheet(wb: ExcelJS.Workbook, spec: TableSheet): TableLayout {
  const ws = wb.addWorksheet(spec.name);
  const width = spec.columns.length;
  const grouped = spec.columns.some((c) => c.group);
  const headerRows = grouped ? [3, 4] : [3];
  const firstDataRow = headerRows[headerRows.length - 1]! + 1;
  const widths = spec.columns.map((c, i) => columnWidth(c, spec.rows, i, spec.headerLines ?? 2));
  const headers = spec.columns.map((c, i) => headerText(c.header, widths[i]!));
  widths.forEach((w, i) => (ws.getColumn(i + 1).width = w));

  // Title and subtitle, merged across the table.
  const title = ws.getCell(1, 1);
  setValue(title, spec.title);
  title.font = { name: fontName, size: 16, bold: true };
  title.alignment = { horizontal: 'center', vertical: 'middle' };
  ws.getRow(1).height = 32;
  const sub = ws.getCell(2, 1);
  setValue(sub, spec.subtitle);
  sub.font = { name: fontName, size: 10 };
  sub.alignment = { horizontal: 'right', vertical: 'middle' };
  ws.getRow(2).height = 20;
  if (width > 1) {
    ws.mergeCells(1, 1, 1, width);
    ws.mergeCells(2, 1, 2, width);
  }

  // Headers: a group spans its adjacent columns on the first header row; the others span both rows.
  const headerStyle = (cell: ExcelJS.Cell) => {
    cell.font = { name: fontName, size: 11, bold: true };
    cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: fills.header } };
    cell.border = border;
  };
  const top = headerRows[0]!;
  const bottom = headerRows[headerRows.length - 1]!;
  for (let c = 1; c <= width; c++) for (const r of headerRows) headerStyle(ws.getCell(r, c));
  for (let i = 0; i < width; ) {
    const col = spec.columns[i]!;
    if (grouped && col.group) {
      let j = i;
      while (j + 1 < width && spec.columns[j + 1]!.group === col.group) j++;
      setValue(ws.getCell(top, i + 1), col.group);
      if (j > i) ws.mergeCells(top, i + 1, top, j + 1);
      for (let k = i; k <= j; k++) setValue(ws.getCell(bottom, k + 1), headers[k]!);
      i = j + 1;
    } else {
      setValue(ws.getCell(top, i + 1), headers[i]!);
      if (bottom > top) ws.mergeCells(top, i + 1, bottom, i + 1);
      i++;
    }
  }
  // Row heights for the wrapped headers (Excel does not grow rows with merged cells by itself).
  const lineHeight = 14.5;
  if (grouped) {
    const groupLines = Math.max(1, ...spec.columns.map((c) => (c.group ? lines(c.group, widths.filter((_, k) => spec.columns[k]!.group === c.group).reduce((a, w) => a + w, 0)) : 1)));
    const leafLines = Math.max(1, ...spec.columns.map((c, i) => (c.group ? lines(headers[i]!, widths[i]!) : 1)));
    const spanLines = Math.max(1, ...spec.columns.map((c, i) => (c.group ? 1 : lines(headers[i]!, widths[i]!))));
    const h3 = 6 + lineHeight * groupLines;
    ws.getRow(top).height = h3;
    ws.getRow(bottom).height = Math.max(6 + lineHeight * leafLines, 12 + lineHeight * spanLines - h3);
  } else {
    ws.getRow(top).height = 6 + lineHeight * Math.max(1, ...headers.map((h, i) => lines(h, widths[i]!)));
  }

  // Data.
  spec.rows.forEach((row, ri) => {
    const r = firstDataRow + ri;
    let height = 1;
    spec.columns.forEach((col, ci) => {
      const cell = ws.getCell(r, ci + 1);
      const value = row.values[ci] ?? null;
      setValue(cell, value);
      const format = col.format ?? 'text';
      const fmt = typeof value === 'number' ? numFmts[format] : undefined;
      if (fmt) cell.numFmt = fmt;
      cell.font = { name: fontName, size: 11, bold: row.total === true };
      cell.border = border;
      cell.alignment = col.wrap
        ? { horizontal: 'left', vertical: 'middle', wrapText: true }
        : { horizontal: col.align ?? (typeof value === 'number' ? 'right' : 'center'), vertical: 'middle' };
      const fill = row.fills?.[ci] ?? (row.total ? fills.total : undefined);
      if (fill) cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: fill } };
      const note = row.notes?.[ci];
      if (note) cell.note = safeText(note);
      if (col.wrap && typeof value === 'string') height = Math.max(height, lines(value, widths[ci]!));
    });
    ws.getRow(r).height = Math.max(18, 4 + lineHeight * height);
  });
  for (const m of spec.dataMerges ?? []) {
    ws.mergeCells(firstDataRow + m.row, m.col + 1, firstDataRow + m.row + m.rows - 1, m.col + m.cols);
  }
  let lastRow = firstDataRow + spec.rows.length - 1;
  if (spec.rows.length === 0 && spec.emptyText) {
    lastRow = firstDataRow;
    const cell = ws.getCell(firstDataRow, 1);
    setValue(cell, spec.emptyText);
    cell.font = { name: fontName, size: 11 };
    cell.alignment = { horizontal: 'center', vertical: 'middle' };
    for (let c = 1; c <= width; c++) ws.getCell(firstDataRow, c).border = border;
    if (width > 1) ws.mergeCells(firstDataRow, 1, firstDataRow, width);
    ws.getRow(firstDataRow).height = 22;
  }

  // Notes under the table.
  for (const text of spec.notes ?? []) {
    lastRow += 1;
    const cell = ws.getCell(lastRow, 1);
    setValue(cell, text);
    cell.font = { name: fontName, size: 10 };
    cell.alignment = { horizontal: 'left', vertical: 'middle', wrapText: true };
    if (width > 1) ws.mergeCells(lastRow, 1, lastRow, width);
    const total = widths.reduce((a, w) => a + w, 0);
    ws.getRow(lastRow).height = Math.max(18, 4 + 14 * lines(text, total));
  }

  ws.views = [
    {
      state: 'frozen',
      xSplit: spec.freezeColumns,
      ySplit: bottom,
      topLeftCell: `${columnLetter(spec.freezeColumns + 1)}${bottom + 1}`,
      activeCell: `${columnLetter(spec.freezeColumns + 1)}${bottom + 1}`,
    },
  ];
  if (spec.autoFilter && spec.rows.length > 0) ws.autoFilter = { from: { row: bottom, column: 1 }, to: { row: bottom, column: width } };
  printSetup(ws, headerRows, width, lastRow);
  return { worksheet: ws, headerRows, firstDataRow };
}

/** A workbook with its properties fixed from the documents (same documents → same contents). */
export function newWorkbook(generatedAt: string, title: string, company: string): ExcelJS.Workbook {
  const wb = new ExcelJS.Workbook();
  const at = new Date(generatedAt);
  const when = Number.isNaN(at.getTime()) ? new Date(0) : at;
  wb.creator = 'firestat';
  wb.lastModifiedBy = 'firestat';
  wb.created = when;
  wb.modified = when;
  wb.title = safeText(title);
  wb.company = safeText(company);
  wb.calcProperties = { fullCalcOnLoad: false };
  return wb;
}
