import type ExcelJS from 'exceljs';
import type ExcelModule from 'exceljs';
import { unzipSync, zipSync, type Unzipped } from 'fflate';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../../domain/atomic-write.js';
import { displayWidth, startsLikeFormula, withoutControlCharacters } from '../../domain/cell-text.js';
import { formByCode, forms, fullLabel, type FormDefinition } from '../../domain/forms/index.js';
import { readerFor } from '../../sources/readers/index.js';
import { cellAddress, cellRange, defaultReadLimits, readWhole, type CellValue, type ReadableFile } from '../../sources/readers/reader.js';
import { readHead, sniffBytes } from '../../sources/readers/sniff.js';
import { technicalNoticeCodes, type Problem } from '../parse/problem.js';
import { problemLine, reportLine } from './refusal-report.js';
import { escapeXml } from '../../domain/html-text.js';

/**
 * The clerk's own workbook, marked up: for a refused `.xlsx`/`.xlsm`/`.xls`/`.et`/`.csv`, a copy of
 * the submitted table as `.xlsx` with every cell a problem names filled red and carrying a note
 * (what is wrong, what to write instead), and a first sheet `退回说明` listing every problem with a
 * link to its cell, in the words of the text report ({@link problemText}).
 *
 * Two ways to make the copy:
 *
 * * **Layout kept** — a zip package (xlsx, xlsm, or an xlsx renamed .xls) small enough
 *   ({@link markedCopyLimits}) is loaded with exceljs, cleaned (formulas become the values they
 *   showed, cell hyperlinks plain text, conditional formats dropped because they could hide the red,
 *   defined names and validations that call functions or other files dropped; exceljs writes no
 *   macros, external links or embedded objects), marked, and written as `.xlsx`.
 * * **Rebuilt** — anything else (an .xls, a CSV, a big workbook, a package exceljs cannot load) is
 *   read with the project's own readers (the same ones ingest uses, so the addresses agree with the
 *   problems) and each sheet's rows are written at the same addresses into a sheet of the same
 *   name: values as read, dates as dates, text that would start a formula stored as text (`@`
 *   format). At most {@link markedCopyLimits}`.maxRowsPerSheet` rows per sheet and `.maxCells`
 *   filled cells in all; the 退回说明 sheet says where a sheet was cut.
 *
 * A file no reader can open (a corrupt zip, a PDF renamed .xlsx) gets no copy: the text report says
 * all there is to say. The original file is only read, never written.
 */

export interface MarkedCopyInput {
  /** The file as ingest saw it (`sources/readers/reader.ts` ReadableFile; has localPath when on disk). */
  readonly file: ReadableFile;
  readonly problems: readonly Problem[];
  /** Problems not kept because of the cap. */
  readonly omitted: number;
  readonly unit?: string;
  readonly period?: string;
  readonly formName?: string;
}

/** Bounds of the marked copy. */
export interface MarkedCopyLimits {
  /** Largest file whose layout is kept (exceljs holds the whole package in memory). */
  readonly maxLayoutBytes: number;
  /** Largest total uncompressed size of a package whose layout is kept. */
  readonly maxLayoutUncompressedBytes: number;
  /** Most rows in any sheet of a workbook whose layout is kept; also the most rows a rebuilt sheet gets. */
  readonly maxRowsPerSheet: number;
  /** Most filled cells kept in all (exceljs holds each as an object); a workbook with more is rebuilt and cut. */
  readonly maxCells: number;
  /** Most filled cells of a workbook whose layout is kept. */
  readonly maxLayoutCells: number;
  /** Seconds the read of the file may take before the copy is given up. */
  readonly maxSeconds: number;
}

export const markedCopyLimits: MarkedCopyLimits = {
  maxLayoutBytes: 10 * 1024 * 1024,
  maxLayoutUncompressedBytes: 100 * 1024 * 1024,
  maxRowsPerSheet: 50_000,
  maxCells: 200_000,
  maxLayoutCells: 200_000,
  maxSeconds: 60,
};

/** Name of the first sheet, which lists the problems. */
export const noticeSheetName = '退回说明';

/** Excel's "bad" style: light red fill, dark red text. */
const errorFill = 'FFFFC7CE';
const errorFont = 'FF9C0006';
/** Excel's "neutral" style, for warnings and notices that name a cell (nothing to fix, worth a look). */
const noticeFill = 'FFFFEB9C';
const noticeFont = 'FF9C5700';
/** First words of every note this module writes; a resent marked copy's old notes are recognised by them. */
const errorNoteHead = '【需改正】';
const noticeNoteHead = '【提示】';

/** `龙兴镇2024年一季度统计表.xlsx` → `退回-龙兴镇2024年一季度统计表.xlsx` (characters Windows forbids become `_`). */
export function markedCopyName(path: string): string {
  const base = basename(path.replace(/\\/g, '/'));
  const stem = base.replace(/\.[^.]*$/, '') || base;
  const safe = stem
    .replace(/[<>:"/\\|?*\u0000-\u001f]/g, '_')
    .replace(/[. ]+$/, '')
    .slice(0, 120);
  return `退回-${safe || '报送文件'}.xlsx`;
}

/** The wording of a problem's fix: the parser's own advice, else what is expected. */
function fixText(p: Problem): string {
  if (p.fix) return p.fix;
  return p.expected ? `请填写${p.expected}` : '';
}

/**
 * What the 问题 column says: the text report's line for the problem ({@link reportLine}) without its
 * `改正方法` tail, which has a column of its own. The report's numbered line is this text, then the fix.
 */
function problemText(p: Problem): string {
  const { fix: _fix, ...rest } = p;
  return reportLine(rest);
}

/** What the 单元格 column says: the cell, else where outside the cells the problem is stated. */
function placeText(p: Problem): string {
  if (p.cell) return p.cell;
  switch (p.source) {
    case 'file_name':
      return '文件名';
    case 'folder_name':
      return '文件夹名';
    case 'sheet_name':
      return '工作表名';
    default:
      return p.sheet ? '整个工作表' : '整个文件';
  }
}

/** A sheet as the project's readers saw it. */
interface ReadSheet {
  readonly name: string;
  readonly rows: { rowNumber: number; cells: readonly CellValue[] }[];
  /** Rows in the sheet (also those beyond the cap). */
  total: number;
  /** Largest row number seen. */
  lastRow: number;
  /** Filled cells kept. */
  cells: number;
  /** The reader stopped in this sheet (an error part way): nothing after it was read. */
  stopped?: boolean;
}

/** How the copy was made, for the 退回说明 sheet. */
interface CopyNotes {
  readonly rebuilt: boolean;
  readonly cut: { sheet: string; total: number; kept: number }[];
  /** The sheet in which the file could not be read further, and its last row read. */
  readonly stopped?: { sheet: string; lastRow: number };
}

/** A workbook ready to be marked: sheet names as read → as in the copy; rows past a cut, by copy sheet name. */
interface Built {
  readonly wb: ExcelJS.Workbook;
  readonly names: Map<string, string>;
  readonly notes: CopyNotes;
  /** Last row written of a sheet that was cut: cells below it are not in the copy. */
  readonly lastRow: Map<string, number>;
}

/**
 * Writes `退回-<name>.xlsx` into `dir`; returns its path, or undefined when no copy can be made.
 *
 * Never throws: a copy that cannot be made (no reader opens the file, the disk refuses the write)
 * is undefined, and the text report still goes out.
 */
export async function writeMarkedCopy(dir: string, input: MarkedCopyInput, limits: MarkedCopyLimits = markedCopyLimits): Promise<string | undefined> {
  try {
    const bytes = await markedCopyBytes(input, limits);
    if (!bytes) return undefined;
    const path = join(dir, markedCopyName(input.file.path));
    await writeFileAtomic(path, bytes);
    return path;
  } catch {
    return undefined;
  }
}

/** The marked copy's bytes, or undefined when no reader can open the file. */
async function markedCopyBytes(input: MarkedCopyInput, limits: MarkedCopyLimits = markedCopyLimits): Promise<Uint8Array | undefined> {
  const sheets = await readAsIngestDoes(input.file, limits);
  if (!sheets) return undefined;
  const ExcelJS = (await import('exceljs')).default;
  let built: Built | undefined;
  if (await layoutCanBeKept(input.file, sheets, limits)) {
    try {
      built = await keptLayout(ExcelJS, input, sheets, limits);
    } catch {
      built = undefined; // exceljs throws on some real packages: rebuild from what the reader read
    }
  }
  built ??= rebuilt(
    ExcelJS,
    sheets.filter((s) => !isOldNotice(s.name, input.problems)),
  );
  const { wb, notes } = built;
  const links = markProblems(built, input.problems, input.formName);
  const notice = addNoticeSheet(wb, input, notes, links);
  const written = new Uint8Array(await wb.xlsx.writeBuffer());
  return finishPackage(written, notice);
}

/* ----------------------------------------------------------------------------------------------
 * Reading as ingest does
 * -------------------------------------------------------------------------------------------- */

/** The file's sheets as the project's readers give them, or undefined when no reader opens it. */
async function readAsIngestDoes(file: ReadableFile, limits: MarkedCopyLimits): Promise<ReadSheet[] | undefined> {
  const choice = await readerFor(file);
  if ('refusal' in choice) return undefined;
  const reader = await choice.load();
  const stream = reader.read(file, { ...defaultReadLimits, deadline: Date.now() + limits.maxSeconds * 1000 });
  const sheets: ReadSheet[] = [];
  let cells = 0;
  try {
    for await (const sheet of stream.sheets) {
      const read: ReadSheet = { name: sheet.name, rows: [], total: 0, lastRow: 0, cells: 0 };
      sheets.push(read);
      let full = false;
      for await (const row of sheet.rows) {
        read.total++;
        read.lastRow = Math.max(read.lastRow, row.rowNumber);
        if (full) continue;
        const filled = row.cells.reduce((n: number, v) => n + (v === null || v === '' ? 0 : 1), 0);
        // Rows are kept from the top, without gaps: a sheet is cut once, where it first does not fit.
        full = read.rows.length >= limits.maxRowsPerSheet || cells + filled > limits.maxCells;
        if (full) continue;
        read.rows.push({ rowNumber: row.rowNumber, cells: row.cells });
        read.cells += filled;
        cells += filled;
      }
    }
  } catch {
    // A file refused part way (too many columns in the second sheet): what was read is still worth marking.
    if (sheets.length === 0) return undefined;
    sheets.at(-1)!.stopped = true;
  }
  return sheets;
}

/** A zip package small enough for exceljs, with no sheet longer than the bound. */
async function layoutCanBeKept(file: ReadableFile, sheets: readonly ReadSheet[], limits: MarkedCopyLimits): Promise<boolean> {
  if (file.bytes > limits.maxLayoutBytes) return false;
  if (sheets.some((s) => s.rows.length < s.total || s.lastRow > limits.maxRowsPerSheet)) return false;
  if (sheets.reduce((n, s) => n + s.cells, 0) > limits.maxLayoutCells) return false;
  const head = await readHead(file).catch(() => undefined);
  return head !== undefined && sniffBytes(head).kind === 'zip';
}

async function readAll(file: ReadableFile, max: number): Promise<Buffer> {
  const bytes = await readWhole(file, max, () => new Error('file larger than the layout bound'));
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/* ----------------------------------------------------------------------------------------------
 * Layout kept
 * -------------------------------------------------------------------------------------------- */

async function keptLayout(ExcelJS: typeof ExcelModule, input: MarkedCopyInput, sheets: readonly ReadSheet[], limits: MarkedCopyLimits): Promise<Built> {
  const buffer = await readAll(input.file, limits.maxLayoutBytes);
  // A zip bomb stays a zip bomb in exceljs: add up the declared sizes before anything is inflated.
  let inflated = 0;
  unzipSync(buffer, {
    filter: (f) => {
      inflated += f.originalSize;
      return false;
    },
  });
  if (inflated > limits.maxLayoutUncompressedBytes) throw new Error('package too large for exceljs');

  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buffer as unknown as ArrayBuffer);

  const readByName = new Map(sheets.map((s) => [s.name, s]));
  for (const ws of [...wb.worksheets]) if (isOldNotice(ws.name, input.problems)) wb.removeWorksheet(ws.id);
  const names = new Map<string, string>();
  for (const ws of wb.worksheets) {
    names.set(ws.name, ws.name);
    cleanSheet(ws, readByName.get(ws.name));
  }
  if (names.has(noticeSheetName)) {
    const ws = wb.worksheets.find((w: ExcelJS.Worksheet) => w.name === noticeSheetName)!;
    ws.name = uniqueName(`${noticeSheetName}（原）`, new Set(names.values()));
    names.set(noticeSheetName, ws.name);
  }
  cleanDefinedNames(wb);
  // exceljs can also load a package wrongly without a word (a workbook part under another name):
  // the copy must show what ingest read, at the cells the problems name.
  for (const read of sheets) {
    if (isOldNotice(read.name, input.problems)) continue;
    const ws = wb.getWorksheet(read.name);
    if (!ws) throw new Error(`exceljs lost sheet ${read.name}`);
    const rows = new Map(read.rows.map((r) => [r.rowNumber, r.cells]));
    for (const p of input.problems) {
      const range = p.sheet === read.name ? cellRange(p.cell) : undefined;
      if (!range) continue;
      const seen = rows.get(range.r1)?.[range.c1 - 1] ?? null;
      if (comparable(seen) !== comparable(ws.getCell(range.r1, range.c1).value)) throw new Error(`exceljs disagrees at ${read.name}!${p.cell}`);
    }
  }
  return { wb, names, notes: { rebuilt: false, cut: [] }, lastRow: new Map() };
}

/** A marked copy sent back: its old 退回说明 sheet goes (a new one is written), unless a problem is in its cells. */
function isOldNotice(name: string, problems: readonly Problem[]): boolean {
  return name === noticeSheetName && !problems.some((p) => p.sheet === noticeSheetName && p.cell);
}

/** Formulas become the values they showed, links plain text, old marks go; nothing that runs stays. */
function cleanSheet(ws: ExcelJS.Worksheet, read: ReadSheet | undefined): void {
  const readRows = new Map(read?.rows.map((r) => [r.rowNumber, r.cells]) ?? []);
  ws.eachRow({ includeEmpty: false }, (row) => {
    row.eachCell({ includeEmpty: false }, (cell) => {
      const v = cell.value as unknown;
      if (v && typeof v === 'object' && !(v instanceof Date)) {
        const o = v as Record<string, unknown>;
        if ('formula' in o || 'sharedFormula' in o) {
          const result = o['result'];
          const seen = readRows.get(Number(row.number))?.[Number(cell.col) - 1];
          cell.value = (result === undefined || result === null ? (seen ?? null) : result) as ExcelJS.CellValue;
        } else if ('hyperlink' in o) {
          const text = o['text'];
          cell.value = (typeof text === 'string' || (text && typeof text === 'object') ? text : String(o['hyperlink'] ?? '')) as ExcelJS.CellValue;
        }
      }
      const note = cell.note as unknown;
      const noteText = typeof note === 'string' ? note : noteTexts(note);
      if (noteText.startsWith(errorNoteHead) || noteText.startsWith(noticeNoteHead)) {
        cell.note = undefined as unknown as string;
        const fill = cell.fill as ExcelJS.FillPattern | undefined;
        const argb = fill?.type === 'pattern' ? fill.fgColor?.argb : undefined;
        if (argb === errorFill || argb === noticeFill) {
          // Cells loaded with the same style share one style object: give this cell its own.
          const { fill: _fill, ...style } = cell.style;
          cell.style = { ...style, font: { ...style.font, color: { argb: 'FF000000' } } };
        }
      }
    });
  });
  // Conditional formats could paint over the red; validations that call functions or other files go.
  (ws as unknown as { conditionalFormattings: unknown[] }).conditionalFormattings = [];
  const validations = (ws as unknown as { dataValidations?: { model: Record<string, { formulae?: unknown[] }> } }).dataValidations;
  if (validations?.model) {
    for (const [range, rule] of Object.entries(validations.model)) {
      if ((rule?.formulae ?? []).some((f) => /[([]/.test(String(f)))) delete validations.model[range];
    }
  }
}

/** A cell value as text for comparing what exceljs loaded with what the reader read. */
function comparable(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return String(v.getTime());
  if (typeof v === 'object') {
    const o = v as { richText?: { text: string }[]; text?: unknown; error?: unknown };
    if (Array.isArray(o.richText)) return comparable(o.richText.map((r) => r.text).join(''));
    if (o.error !== undefined) return String(o.error);
    if (o.text !== undefined) return comparable(o.text);
  }
  return String(v).replace(/\s+/g, ' ').trim();
}

function noteTexts(note: unknown): string {
  if (!note || typeof note !== 'object') return '';
  const texts = (note as { texts?: { text?: string }[] }).texts;
  return Array.isArray(texts) ? texts.map((t) => t.text ?? '').join('') : '';
}

/** Print areas and plain ranges stay; names that call functions or point into other files go. */
function cleanDefinedNames(wb: ExcelJS.Workbook): void {
  const dn = (wb as unknown as { definedNames: { model: { name: string; ranges: string[] }[] } }).definedNames;
  try {
    dn.model = dn.model.filter((n) => n.ranges.every((r) => !/[([]/.test(r)));
  } catch {
    dn.model = [];
  }
}

/* ----------------------------------------------------------------------------------------------
 * Rebuilt
 * -------------------------------------------------------------------------------------------- */

function rebuilt(ExcelJS: typeof ExcelModule, sheets: readonly ReadSheet[]): Built {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'firestat';
  wb.created = new Date(Date.UTC(2000, 0, 1));
  wb.modified = wb.created;
  const names = new Map<string, string>();
  const taken = new Set<string>([noticeSheetName]);
  const cut: CopyNotes['cut'] = [];
  const lastRow = new Map<string, number>();
  for (const sheet of sheets) {
    const name = uniqueName(sheet.name, taken);
    taken.add(name);
    names.set(sheet.name, name);
    const ws = wb.addWorksheet(name);
    const widths: number[] = [];
    for (const row of sheet.rows) {
      const r = ws.getRow(row.rowNumber);
      // A title or a note row (one or two cells) runs over its neighbours; it does not set the widths.
      const filled = row.cells.reduce((n: number, v) => n + (v === null || v === '' ? 0 : 1), 0);
      row.cells.forEach((v, i) => {
        if (v === null || v === '') return;
        const cell = r.getCell(i + 1);
        if (v instanceof Date) {
          cell.value = v;
          const midnight = v.getUTCHours() === 0 && v.getUTCMinutes() === 0 && v.getUTCSeconds() === 0;
          cell.numFmt = midnight ? 'yyyy-mm-dd' : 'yyyy-mm-dd hh:mm:ss';
        } else if (typeof v === 'string') {
          cell.value = withoutControlCharacters(v);
          if (startsLikeFormula(v)) cell.numFmt = '@';
          if (v.includes('\n')) cell.alignment = { wrapText: true, vertical: 'top' };
        } else {
          cell.value = v;
        }
        if (row.rowNumber <= 1000 && filled >= 3) widths[i] = Math.max(widths[i] ?? 0, displayWidth(v instanceof Date ? '2024-01-01 00:00' : String(v)));
      });
    }
    widths.forEach((w, i) => {
      if (w) ws.getColumn(i + 1).width = Math.min(30, Math.max(6, w + 2));
    });
    ws.pageSetup = { orientation: 'landscape', paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0 };
    if (sheet.total > sheet.rows.length) {
      cut.push({ sheet: sheet.name, total: sheet.total, kept: sheet.rows.length });
      lastRow.set(name, sheet.rows.at(-1)?.rowNumber ?? 0);
    }
  }
  const stopped = sheets.find((s) => s.stopped);
  return { wb, names, notes: { rebuilt: true, cut, ...(stopped ? { stopped: { sheet: stopped.name, lastRow: stopped.lastRow } } : {}) }, lastRow };
}

/** A sheet name Excel accepts (≤ 31 characters, none of `[]:*?/\`), unique (case-insensitively) among `taken`. */
function uniqueName(wanted: string, taken: ReadonlySet<string>): string {
  const lower = new Set([...taken].map((t) => t.toLowerCase()));
  let base =
    wanted
      .replace(/[[\]:*?/\\]/g, '_')
      .replace(/^'+|'+$/g, '')
      .slice(0, 31) || '表';
  if (base.toLowerCase() === 'history') base = `${base}_`;
  let name = base;
  for (let i = 2; lower.has(name.toLowerCase()); i++) name = `${base.slice(0, 31 - String(i).length - 2)}（${i}）`;
  return name;
}

/* ----------------------------------------------------------------------------------------------
 * Marking
 * -------------------------------------------------------------------------------------------- */

/** A link the 退回说明 sheet gets: its row → the sheet (name in the copy) and cell. */
interface Link {
  readonly sheet: string;
  readonly cell: string;
}

/** Fills and notes each problem's cell; returns, per problem index, the cell its link points at. */
function markProblems({ wb, names, lastRow }: Built, problems: readonly Problem[], formName: string | undefined): Map<number, Link> {
  const form = formOf(formName);
  const byCell = new Map<string, { ws: ExcelJS.Worksheet; address: string; items: Problem[] }>();
  const links = new Map<number, Link>();
  problems.forEach((p, i) => {
    const name = p.sheet === undefined ? undefined : names.get(p.sheet);
    const ws = name === undefined ? undefined : wb.getWorksheet(name);
    if (!ws) return;
    // The sheet's name contradicts the file: its tab turns red.
    if (p.source === 'sheet_name' && p.severity === 'error') ws.properties.tabColor = { argb: 'FFFF0000' };
    const addresses = [p.cell, ...(p.cells ?? [])];
    addresses.forEach((ref, n) => {
      const range = cellRange(ref);
      if (!range || range.r1 > (lastRow.get(ws.name) ?? Infinity)) return;
      // A cell inside a merged range shows nothing of its own: mark the range's first cell.
      const shown = ws.getCell(cellAddress(range.r1, range.c1)).master.address;
      if (n === 0) links.set(i, { sheet: ws.name, cell: shown });
      const key = `${ws.name}\u0000${shown}`;
      const entry = byCell.get(key) ?? { ws, address: shown, items: [] };
      if (!entry.items.includes(p)) entry.items.push(p);
      byCell.set(key, entry);
    });
  });
  for (const { ws, address, items } of byCell.values()) {
    const error = items.some((p) => p.severity === 'error');
    const cell = ws.getCell(address);
    // Cells loaded with the same style share one style object: give this cell its own.
    cell.style = {
      ...cell.style,
      fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: error ? errorFill : noticeFill }, bgColor: { argb: error ? errorFill : noticeFill } },
      font: { ...cell.style.font, color: { argb: error ? errorFont : noticeFont } },
    };
    // A problem in a hidden row or column would stay hidden.
    ws.getRow(cell.row as unknown as number).hidden = false;
    ws.getColumn(cell.col as unknown as number).hidden = false;
    const ordered = [...items.filter((p) => p.severity === 'error'), ...items.filter((p) => p.severity !== 'error')];
    cell.note = {
      texts: [
        {
          font: { bold: true, size: 10, color: { argb: error ? errorFont : noticeFont } },
          text: `${error ? errorNoteHead : noticeNoteHead}${address}${labelOf(ordered, form)}\n`,
        },
        ...ordered.flatMap((p, n) => noteEntry(p, n, ordered.length)),
      ],
    } as ExcelJS.Comment;
  }
  return links;
}

function noteEntry(p: Problem, n: number, of: number): ExcelJS.RichText[] {
  const fix = fixText(p);
  const lead = of > 1 ? `${n + 1}. ` : '';
  return [{ font: { size: 10 }, text: `${lead}${p.message}\n` }, ...(fix ? [{ font: { size: 10, bold: true }, text: `改正：${fix}\n` }] : [])];
}

/** ` 检查日期` when the cell's problems name one field. */
function labelOf(items: readonly Problem[], form: FormDefinition | undefined): string {
  const labels = new Set(items.map((p) => fieldLabel(p.field, form)).filter(Boolean));
  return labels.size === 1 ? ` ${[...labels][0]}` : '';
}

function formOf(formName: string | undefined): FormDefinition | undefined {
  const code = formName?.trim().split(/\s+/)[0];
  return code ? formByCode(code) : undefined;
}

/** The field's Chinese label (`赋权执法案件·一般程序`), from the file's form, else from the one form that has the field. */
function fieldLabel(field: string | undefined, form?: FormDefinition): string {
  if (!field) return '';
  const own = form?.fields.find((f) => f.id === field);
  if (own) return fullLabel(own);
  const labels = new Set(forms.flatMap((f) => f.fields.filter((x) => x.id === field).map(fullLabel)));
  return labels.size === 1 ? [...labels][0]! : '';
}

/* ----------------------------------------------------------------------------------------------
 * The 退回说明 sheet
 * -------------------------------------------------------------------------------------------- */

/** Column headings of the problem list. */
const noticeColumns = ['序号', '工作表', '单元格', '栏目', '问题', '改正方法'] as const;

/** Where the list starts and which of its rows link where. */
interface NoticeSheet {
  readonly name: string;
  /** Row of the 退回说明 sheet (1-based) → link target. */
  readonly links: Map<number, Link>;
}

function addNoticeSheet(wb: ExcelJS.Workbook, input: MarkedCopyInput, notes: CopyNotes, problemLinks: ReadonlyMap<number, Link>): NoticeSheet {
  const ws = wb.addWorksheet(noticeSheetName, { properties: { tabColor: { argb: 'FFC00000' } } });
  // First in the workbook, and the one that opens.
  const others = wb.worksheets.filter((w) => w !== ws);
  (ws as unknown as { orderNo: number }).orderNo = Math.min(0, ...others.map((w) => (w as unknown as { orderNo: number }).orderNo)) - 1;
  for (const w of others) w.views = (w.views ?? []).map((v) => ({ ...v, tabSelected: false })) as typeof w.views;
  ws.views = [{ state: 'frozen', ySplit: 0, xSplit: 0, tabSelected: true, activeCell: 'A1', showGridLines: false } as unknown as ExcelJS.WorksheetView];
  wb.views = [{ x: 0, y: 0, width: 20000, height: 12000, firstSheet: 0, activeTab: 0, visibility: 'visible' }];

  const form = formOf(input.formName);
  const errors = input.problems.map((p, i) => ({ p, i })).filter(({ p }) => p.severity === 'error');
  // As in the text report: how the file was decoded is for the statistician only (技术信息).
  const hints = input.problems.map((p, i) => ({ p, i })).filter(({ p }) => p.severity !== 'error' && !technicalNoticeCodes.has(p.code));

  ws.columns = [{ width: 6 }, { width: 16 }, { width: 10 }, { width: 20 }, { width: 64 }, { width: 40 }];
  const wrap: Partial<ExcelJS.Alignment> = { wrapText: true, vertical: 'top' };
  let at = 1;
  const line = (text: string, font?: Partial<ExcelJS.Font>) => {
    const r = ws.getRow(at++);
    r.getCell(1).value = text;
    if (font) r.getCell(1).font = font;
    ws.mergeCells(r.number, 1, r.number, noticeColumns.length);
    r.getCell(1).alignment = wrap;
    const chars = [...text].reduce((n, ch) => n + (/[\u1100-\uffff]/.test(ch) ? 2 : 1), 0);
    r.height = Math.max(1, Math.ceil(chars / 150)) * 16 + 2;
  };
  line('报送文件退回说明', { bold: true, size: 16 });
  line(`文件：${input.file.path}`);
  if (input.formName) line(`报表：${input.formName}`);
  if (input.unit) line(`单位：${input.unit}`);
  if (input.period) line(`期间：${input.period}`);
  const count = errors.length + input.omitted;
  line(
    `结论：本文件未入库。请改正以下 ${count} 处问题后重新报送。` +
      (problemLinks.size > 0 ? '表中标红的单元格就是需要改正的单元格，鼠标移到单元格上可看到批注说明；点下表“单元格”一栏的链接可跳到该单元格。' : '') +
      (notes.cut.length > 0 || notes.stopped
        ? '本副本没有写入全部行（见下面的说明），请在原来的文件中改正后报送。'
        : '可以直接在本副本中改正后报送，也可以在原来的文件中改正后报送。'),
    { bold: true, color: { argb: errorFont } },
  );
  if (notes.rebuilt) line('说明：本副本是按读取到的内容重新生成的，只保留了各单元格的值和位置，原表的格式、合并单元格和公式没有保留。', { italic: true });
  if (notes.stopped)
    line(`说明：文件在工作表“${notes.stopped.sheet}”第 ${notes.stopped.lastRow} 行之后无法继续读取，本副本只有此前读到的内容。`, { italic: true });
  for (const c of notes.cut) line(`说明：工作表“${c.sheet}”共有 ${c.total} 行，本副本只写入了前 ${c.kept} 行。`, { italic: true });
  at++;

  const header = ws.getRow(at++);
  header.values = [...noticeColumns];
  header.eachCell((cell) => {
    cell.font = { bold: true };
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9D9D9' } };
    cell.border = thin;
    cell.alignment = { vertical: 'middle', horizontal: 'center' };
  });
  ws.views = [
    { state: 'frozen', ySplit: header.number, xSplit: 0, tabSelected: true, activeCell: 'A1', showGridLines: false } as unknown as ExcelJS.WorksheetView,
  ];

  const rowLinks = new Map<number, Link>();
  const listRow = (n: string, p: Problem, i: number) => {
    const r = ws.getRow(at++);
    const link = problemLinks.get(i);
    r.values = [n, p.sheet ?? '', placeText(p), fieldLabel(p.field, form), problemText(p), fixText(p)];
    r.eachCell({ includeEmpty: true }, (cell) => {
      cell.alignment = wrap;
      cell.border = thin;
    });
    if (link) {
      r.getCell(3).font = { color: { argb: 'FF0563C1' }, underline: true };
      rowLinks.set(r.number, link);
    } else if (!p.cell && p.severity === 'error') {
      r.getCell(3).font = { color: { argb: errorFont } };
    }
    const longest = Math.max(displayWidth(problemText(p)) / 62, displayWidth(fixText(p)) / 38, displayWidth(p.sheet ?? '') / 14);
    r.height = Math.max(1, Math.ceil(longest)) * 15 + 3;
  };
  errors.forEach(({ p, i }, n) => {
    listRow(String(n + 1), p, i);
  });
  if (input.omitted > 0) line(`……另有 ${input.omitted} 处问题未列出，改正上述问题后请整体检查一遍。`, { bold: true });
  if (hints.length) {
    at++;
    line('其他提示（不影响入库，请留意）：', { bold: true });
    for (const { p, i } of hints) listRow('提示', p, i);
  }
  // Technical text last, for the statistician, as in the text report.
  const technical = [
    ...errors.flatMap(({ p }, n) => (p.detail ? [`第 ${n + 1} 条：${p.detail}`] : [])),
    ...input.problems
      .filter((p) => p.severity !== 'error' && p.detail)
      .map((p) => (technicalNoticeCodes.has(p.code) ? p.detail! : `${problemLine(p)}：${p.detail}`)),
  ];
  if (technical.length) {
    at++;
    line('技术信息（供统计人员核对，填报人不必理会）：', { bold: true, color: { argb: 'FF7F7F7F' } });
    for (const text of technical) line(text, { color: { argb: 'FF7F7F7F' } });
  }
  ws.pageSetup = {
    orientation: 'landscape',
    paperSize: 9,
    fitToPage: true,
    fitToWidth: 1,
    fitToHeight: 0,
    margins: { left: 0.4, right: 0.4, top: 0.5, bottom: 0.5, header: 0.3, footer: 0.3 },
  };
  return { name: ws.name, links: rowLinks };
}

const thin: Partial<ExcelJS.Borders> = {
  top: { style: 'thin', color: { argb: 'FFBFBFBF' } },
  left: { style: 'thin', color: { argb: 'FFBFBFBF' } },
  bottom: { style: 'thin', color: { argb: 'FFBFBFBF' } },
  right: { style: 'thin', color: { argb: 'FFBFBFBF' } },
};

/* ----------------------------------------------------------------------------------------------
 * The package as written
 * -------------------------------------------------------------------------------------------- */

/** Parts that must never be in the copy, whatever wrote it. */
const forbiddenPart =
  /^(xl\/vbaProject\.bin|xl\/vbaProjectSignature\.bin|xl\/externalLinks\/|xl\/activeX\/|xl\/ctrlProps\/|xl\/embeddings\/|customUI\/|xl\/customUI|xl\/connections\.xml|xl\/queryTables\/)/i;

/**
 * exceljs's output, finished: the 退回说明 links become in-document links (`location`, no
 * relationship), note boxes are sized to their text, and any part that could run or reach
 * outside is dropped. Entries get a fixed time, so the same input gives the same bytes.
 */
function finishPackage(bytes: Uint8Array, notice: NoticeSheet): Uint8Array {
  const files: Unzipped = unzipSync(bytes);
  const text = (name: string) => (files[name] ? new TextDecoder().decode(files[name]) : undefined);
  const put = (name: string, s: string) => {
    files[name] = new TextEncoder().encode(s);
  };
  for (const name of Object.keys(files)) if (forbiddenPart.test(name)) delete files[name];

  const workbookXml = text('xl/workbook.xml') ?? '';
  const workbookRels = text('xl/_rels/workbook.xml.rels') ?? '';
  const sheetParts = new Map<string, string>();
  for (const m of workbookXml.matchAll(/<sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]+)"/g)) {
    const target =
      new RegExp(`<Relationship\\b[^>]*Id="${m[2]}"[^>]*Target="([^"]+)"`).exec(workbookRels)?.[1] ??
      new RegExp(`<Relationship\\b[^>]*Target="([^"]+)"[^>]*Id="${m[2]}"`).exec(workbookRels)?.[1];
    if (target) sheetParts.set(unescapeXml(m[1]!), `xl/${target.replace(/^\/?xl\//, '').replace(/^\//, '')}`);
  }

  // In-document links on the 退回说明 sheet.
  const noticePart = sheetParts.get(notice.name);
  const noticeXml = noticePart ? text(noticePart) : undefined;
  if (noticePart && noticeXml !== undefined && notice.links.size > 0) {
    const items = [...notice.links.entries()]
      // Absolute (`$C$5`): LibreOffice reads a bare `C5` as R1C1 ("column 5") and leaves the link dead.
      .map(
        ([row, l]) =>
          `<hyperlink ref="C${row}" location="${escapeXml(`'${l.sheet.replace(/'/g, "''")}'!${l.cell.replace(/^([A-Z]+)(\d+)$/, '$$$1$$$2')}`)}" display="${escapeXml(l.cell)}"/>`,
      )
      .join('');
    let xml = noticeXml.replace(/<hyperlinks>[\s\S]*?<\/hyperlinks>/, '');
    const before = /<(printOptions|pageMargins|pageSetup|headerFooter|rowBreaks|colBreaks|drawing|legacyDrawing|tableParts|extLst)\b|<\/worksheet>/.exec(xml);
    const at = before?.index ?? xml.length;
    xml = `${xml.slice(0, at)}<hyperlinks>${items}</hyperlinks>${xml.slice(at)}`;
    put(noticePart, xml);
  }

  // Every sheet: no relationship leaves the package; note boxes sized to their text.
  for (const part of sheetParts.values()) {
    const relsName = part.replace(/([^/]+)$/, '_rels/$1.rels');
    let rels = text(relsName);
    if (rels === undefined) continue;
    const external = [...rels.matchAll(/<Relationship\b[^>]*\/>/g)].map((m) => m[0]).filter((r) => /TargetMode="External"/.test(r));
    if (external.length) {
      let xml = text(part) ?? '';
      for (const r of external) {
        const id = /Id="([^"]+)"/.exec(r)?.[1];
        rels = rels.replace(r, '');
        if (id) xml = xml.replace(new RegExp(`<hyperlink\\b[^>]*r:id="${id}"[^>]*/>`, 'g'), '');
      }
      xml = xml.replace(/<hyperlinks><\/hyperlinks>/, '');
      put(part, xml);
      put(relsName, rels);
    }
    const comments = /Target="([^"]*comments[^"]*\.xml)"/.exec(rels)?.[1];
    const vml = /Target="([^"]*vmlDrawing[^"]*)"/.exec(rels)?.[1];
    if (comments && vml) sizeNotes(files, resolvePart(part, comments), resolvePart(part, vml));
  }
  // The copy is an .xlsx: no macro-enabled content type, whatever was read.
  const types = text('[Content_Types].xml');
  if (types !== undefined) {
    put(
      '[Content_Types].xml',
      types
        .replace(/application\/vnd\.ms-excel\.sheet\.macroEnabled\.main\+xml/g, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml')
        .replace(/<(Default|Override)\b[^>]*(vbaProject|externalLink|activeX|ctrlProp|macroEnabled)[^>]*\/>/gi, ''),
    );
  }
  const fixed = new Date(Date.UTC(2000, 0, 1));
  return zipSync(files, { level: 6, mtime: fixed });
}

/** Grows each note box of one sheet so its text shows when the clerk points at the cell. */
function sizeNotes(files: Unzipped, commentsPart: string, vmlPart: string): void {
  const comments = files[commentsPart];
  const vml = files[vmlPart];
  if (!comments || !vml) return;
  const lengths = new Map<string, number>();
  for (const m of new TextDecoder().decode(comments).matchAll(/<comment\b[^>]*ref="([A-Z]+\d+)"[^>]*>([\s\S]*?)<\/comment>/g)) {
    const plain = unescapeXml(m[2]!.replace(/<[^>]+>/g, ''));
    // Lines as shown in a box 5 columns wide (about 22 CJK characters).
    const lines = plain.split('\n').reduce((n, l) => n + Math.max(1, Math.ceil(displayWidth(l) / 44)), 0);
    lengths.set(m[1]!, lines);
  }
  const xml = new TextDecoder().decode(vml).replace(/<v:shape\b[\s\S]*?<\/v:shape>/g, (shape) => {
    const row = Number(/<x:Row>(\d+)<\/x:Row>/.exec(shape)?.[1]);
    const col = Number(/<x:Column>(\d+)<\/x:Column>/.exec(shape)?.[1]);
    if (!Number.isFinite(row) || !Number.isFinite(col)) return shape;
    const lines = lengths.get(cellAddress(row + 1, col + 1));
    if (lines === undefined) return shape;
    const top = Math.max(row - 1, 0);
    const anchor = [col + 1, 12, top, 4, col + 6, 12, top + Math.min(40, lines + 1), 4].join(', ');
    return shape.replace(/<x:Anchor>[^<]*<\/x:Anchor>/, `<x:Anchor>${anchor}</x:Anchor>`);
  });
  files[vmlPart] = new TextEncoder().encode(xml);
}

function resolvePart(from: string, target: string): string {
  if (target.startsWith('/')) return target.slice(1);
  const parts = from.split('/').slice(0, -1);
  for (const seg of target.split('/')) {
    if (seg === '..') parts.pop();
    else if (seg !== '.') parts.push(seg);
  }
  return parts.join('/');
}

function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&amp;/g, '&');
}
