import { columnLetters } from '../../sources/readers/reader.js';
import ExcelJS from 'exceljs';
import { shanghaiTimestamp } from '../../domain/clock.js';
import { percentNumFmt, percentText } from '../rates.js';
import { displayWidth, safeText } from '../../domain/cell-text.js';

/**
 * The layout every firestat workbook shares, the way a bureau's printed table looks: a title row
 * merged across the table, a subtitle row (统计期间, 数据截至, 生成时间), one or two header rows
 * (a group header such as `赋权执法案件` merged over its columns, the other headers merged down),
 * the data rows, notes under the table. Thin borders, 宋体, centred headers, frozen headers, A4
 * landscape fitted to one page wide, header rows repeated on every printed page, page numbers in
 * the footer.
 *
 * Sized for print: the title and subtitle fit their merged rows (columns are widened for the title;
 * the subtitle breaks between its parts); headers break where this module breaks them — between
 * words, before the unit in brackets — never where a line happens to end (`消防监督检\n查`), and each
 * column is at least as wide as its header's longest word. Widths are measured with
 * {@link printWidth}: CJK characters count two, scaled by font size.
 *
 * Rates are stored exact with the number format `0.0%` (`dashboards/rates.ts`), so the sheet shows
 * the same digits as the pages and the text.
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
const numFmts: Record<ColumnFormat, string | undefined> = { text: undefined, count: '0', percent: percentNumFmt, decimal: '0.00' };

/** Font sizes (pt) of the title, subtitle, headers and data. */
const fontSizes = { title: 16, subtitle: 10, header: 11, data: 11, note: 10 } as const;

/**
 * Width of a text in Excel column units when printed at `size` pt (bold a little wider): Excel's unit
 * is the width of a digit of the 11 pt default font, and a 宋体 character is about 1.05 of it (CJK:
 * two). Cell padding not included.
 */
function printWidth(text: string, size: number = fontSizes.data, bold = false): number {
  const widest = Math.max(0, ...text.split('\n').map((line) => displayWidth(line)));
  return widest * 1.05 * (size / 11) * (bold ? 1.08 : 1);
}

/** Room a cell needs besides its text (left and right padding, border), in column units. */
const cellPadding = 1.5;

/** The column width a text needs to sit on its lines without the spreadsheet breaking it further. */
function widthFor(text: string, size: number = fontSizes.data, bold = false): number {
  return Math.ceil((printWidth(text, size, bold) + cellPadding) * 10) / 10;
}

/** A data value as the sheet shows it (for widths). */
function shown(v: CellValue, format: ColumnFormat): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (format === 'percent') return percentText(v);
  if (format === 'decimal') return v.toFixed(2);
  return String(v);
}

const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });
const cjk = /[\u3400-\u9fff\uf900-\ufaff]/;
/** Characters that read as the start of the word after them (不规范, 未整改, 已超期). */
const prefixChars = new Set(['不', '未', '已', '非', '无', '被', '各', '总', '按']);
/** Joiners a line may end with but not start with. */
const joiners = /^[·、/／,，;；:：]$/;

/**
 * The words of a header, in order, as the places a line may break between: a part in brackets
 * (`（件）`, `（T1）`) is one word; Chinese text is split where ICU's dictionary finds word
 * boundaries, and a single character it leaves alone is joined to its neighbour — runs of them
 * together (`评|查` → `评查`), a negation to the next word (`不|规范` → `不规范`), others to the
 * word before (`通知|书` → `通知书`, `单位|数` → `单位数`); a joiner (`·`, `、`) stays at the end
 * of the word before it; explicit line breaks are kept as breaks.
 */
function headerWords(text: string): string[] {
  const words: string[] = [];
  for (const [li, line] of text.split('\n').entries()) {
    if (li > 0) words.push('\n');
    // Bracketed parts whole; the rest segmented.
    for (const part of line.split(/([（(][^（）()]*[）)])/)) {
      if (!part) continue;
      if (/^[（(]/.test(part)) {
        words.push(part);
        continue;
      }
      const segs = segment(part);
      const merged: string[] = [];
      for (let i = 0; i < segs.length; i++) {
        const seg = segs[i]!;
        const single = [...seg].length === 1 && cjk.test(seg);
        if (!single) {
          if (joiners.test(seg) && merged.length > 0) merged[merged.length - 1] += seg;
          else merged.push(seg);
          continue;
        }
        // A run of single characters makes one word.
        let run = seg;
        while (i + 1 < segs.length && [...segs[i + 1]!].length === 1 && cjk.test(segs[i + 1]!)) run += segs[++i]!;
        if ([...run].length > 1) merged.push(run);
        else if (prefixChars.has(run) && i + 1 < segs.length) segs[i + 1] = run + segs[i + 1]!;
        else if (merged.length > 0) merged[merged.length - 1] += run;
        else if (i + 1 < segs.length) segs[i + 1] = run + segs[i + 1]!;
        else merged.push(run);
      }
      words.push(...merged);
    }
  }
  return words;
}

/**
 * Words of this domain that ICU's general dictionary splits (`评|查`, `整|改`, `局|本|级`): kept
 * whole when a header is broken into lines. Longest first.
 */
const domainWords = [
  '局本级',
  '通知书',
  '评查',
  '案卷',
  '整改',
  '台账',
  '镇街',
  '隐患',
  '三停',
  '查封',
  '赋权',
  '委托',
  '消防',
  '执法',
  '超期',
  '报送',
  '逾期',
].sort((a, b) => b.length - a.length);

/** ICU's words of a text, with {@link domainWords} kept whole. */
function segment(text: string): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest !== '') {
    let at = -1;
    let word = '';
    for (const w of domainWords) {
      const i = rest.indexOf(w);
      if (i >= 0 && (at < 0 || i < at || (i === at && w.length > word.length))) {
        at = i;
        word = w;
      }
    }
    const gap = at < 0 ? rest : rest.slice(0, at);
    out.push(...[...segmenter.segment(gap)].map((x) => x.segment));
    if (at < 0) break;
    out.push(word);
    rest = rest.slice(at + word.length);
  }
  return out.filter((x) => x.trim() !== '');
}

/** Words packed greedily into lines no wider than `width` display units (a word never split). */
function packWords(words: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (w === '\n') {
      lines.push(line);
      line = '';
    } else if (line === '' || displayWidth(line + w) <= width) line += w;
    else {
      lines.push(line);
      line = w;
    }
  }
  lines.push(line);
  return lines.filter((l, i) => l !== '' || i === 0);
}

/**
 * A header set in lines for a column `width` units wide: words packed into lines, the unit in
 * brackets on its own line when the header needs more than one (`检查社会单位数` / `（家）`).
 */
function headerLayout(header: string, width: number): string[] {
  const words = headerWords(header);
  const room = Math.max(1, Math.floor((width - cellPadding) / (1.05 * 1.08)));
  const one = packWords(words, room);
  if (one.length === 1) return one;
  const last = words[words.length - 1];
  if (last && /^[（(]/.test(last) && words.length > 1 && displayWidth(last) <= room) {
    const label = [...packWords(words.slice(0, -1), room), last];
    if (label.length <= one.length) return label;
  }
  return one;
}

/** `检查社会单位数\n（家）`: the header text with its line breaks, for a column `width` units wide. */
function headerText(header: string, width: number): string {
  return headerLayout(header, width).join('\n');
}

/** The narrowest width at which a header takes at most `maxLines` lines (never narrower than its longest word). */
function headerWidth(header: string, maxLines: number): number {
  const words = headerWords(header).filter((w) => w !== '\n');
  let width = widthFor(
    words.reduce((a, w) => (displayWidth(w) > displayWidth(a) ? w : a), ''),
    fontSizes.header,
    true,
  );
  const full = widthFor(header, fontSizes.header, true);
  while (width < full && headerLayout(header, width).length > maxLines) width += 0.5;
  return width;
}

function columnWidth(col: Column, rows: readonly TableRow[], index: number, headerLines: number): number {
  // Never narrower than the header's longest word, so no line breaks inside a word.
  const longestWord = headerWidth(col.header, Number.MAX_SAFE_INTEGER);
  if (col.width !== undefined) return Math.max(col.width, longestWord);
  const data = Math.max(0, ...rows.map((r) => widthFor(shown(r.values[index] ?? null, col.format ?? 'text'))));
  return Math.min(40, Math.max(6, data + 0.5, headerWidth(col.header, headerLines)));
}

/** Lines a text takes in a column of the given width at `size` pt (an estimate for row heights). */
function lines(text: string, width: number, size: number = fontSizes.data): number {
  const usable = Math.max(2, width - cellPadding);
  return text.split('\n').reduce((n, part) => n + Math.max(1, Math.ceil(printWidth(part, size) / usable)), 0);
}

/** Writes a value; strings always through {@link safeText}. */
function setValue(cell: ExcelJS.Cell, value: CellValue): void {
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
const columnLetter = columnLetters;

/**
 * Column widths widened, when the title needs more than they add up to, so that the title fits its
 * merged row: the extra is shared among the columns wider than a 序号 column, in proportion.
 */
function fitTitle(widths: readonly number[], titleWidth: number): number[] {
  const total = widths.reduce((a, w) => a + w, 0);
  if (titleWidth <= total) return [...widths];
  const wide = widths.map((w) => w > 6.5);
  const base = widths.reduce((a, w, i) => a + (wide[i] || !wide.some(Boolean) ? w : 0), 0);
  const extra = titleWidth - total;
  return widths.map((w, i) => (wide[i] || !wide.some(Boolean) ? Math.ceil((w + (extra * w) / base) * 10) / 10 : w));
}

/** Parts joined into as few lines as `fits` allows (a part never split). */
function packParts(parts: readonly string[], fits: (line: string) => boolean): string[] {
  const out: string[] = [];
  let line = '';
  for (const p of parts) {
    if (line === '' || fits(line + p)) line += p;
    else {
      out.push(line);
      line = p;
    }
  }
  if (line !== '') out.push(line);
  return out;
}

/** Adds a sheet holding one table, laid out and formatted as described above. */
export function addTableSheet(wb: ExcelJS.Workbook, spec: TableSheet): TableLayout {
  const ws = wb.addWorksheet(spec.name);
  const width = spec.columns.length;
  const grouped = spec.columns.some((c) => c.group);
  const headerRows = grouped ? [3, 4] : [3];
  const firstDataRow = headerRows[headerRows.length - 1]! + 1;
  const widths = fitTitle(
    spec.columns.map((c, i) => columnWidth(c, spec.rows, i, spec.headerLines ?? 2)),
    widthFor(spec.title, fontSizes.title, true),
  );
  const headers = spec.columns.map((c, i) => headerText(c.header, widths[i]!));
  widths.forEach((w, i) => {
    ws.getColumn(i + 1).width = w;
  });
  const tableWidth = widths.reduce((a, w) => a + w, 0);

  // Title and subtitle, merged across the table; the subtitle breaks between its parts when the
  // table is narrower than it.
  const title = ws.getCell(1, 1);
  setValue(title, spec.title);
  title.font = { name: fontName, size: fontSizes.title, bold: true };
  title.alignment = { horizontal: 'center', vertical: 'middle' };
  ws.getRow(1).height = 32;
  const sub = ws.getCell(2, 1);
  const subLines = packParts(spec.subtitle.split(/(?<=　)(?=[^　])/), (line) => widthFor(line.trim(), fontSizes.subtitle) <= tableWidth);
  setValue(sub, subLines.map((l) => l.trim()).join('\n'));
  sub.font = { name: fontName, size: fontSizes.subtitle };
  sub.alignment = { horizontal: 'right', vertical: 'middle', wrapText: subLines.length > 1 };
  ws.getRow(2).height = 7 + 13 * subLines.length;
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
  const groupLines: number[] = [];
  for (let i = 0; i < width; ) {
    const col = spec.columns[i]!;
    if (grouped && col.group) {
      let j = i;
      while (j + 1 < width && spec.columns[j + 1]!.group === col.group) j++;
      const group = headerText(
        col.group,
        widths.slice(i, j + 1).reduce((a, w) => a + w, 0),
      );
      groupLines.push(group.split('\n').length);
      setValue(ws.getCell(top, i + 1), group);
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
  const headerLineCount = (i: number) => headers[i]!.split('\n').length;
  if (grouped) {
    const leafLines = Math.max(1, ...spec.columns.map((c, i) => (c.group ? headerLineCount(i) : 1)));
    const spanLines = Math.max(1, ...spec.columns.map((c, i) => (c.group ? 1 : headerLineCount(i))));
    const h3 = 6 + lineHeight * Math.max(1, ...groupLines);
    ws.getRow(top).height = h3;
    ws.getRow(bottom).height = Math.max(6 + lineHeight * leafLines, 12 + lineHeight * spanLines - h3);
  } else {
    ws.getRow(top).height = 6 + lineHeight * Math.max(1, ...headers.map((_, i) => headerLineCount(i)));
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
    cell.font = { name: fontName, size: fontSizes.note };
    cell.alignment = { horizontal: 'left', vertical: 'middle', wrapText: true };
    if (width > 1) ws.mergeCells(lastRow, 1, lastRow, width);
    ws.getRow(lastRow).height = Math.max(18, 4 + 14 * lines(text, tableWidth, fontSizes.note));
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
