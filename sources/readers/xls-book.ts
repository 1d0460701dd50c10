import * as XLSX from '@e965/xlsx';
import { ReadError, cellAddress, readWhole } from './reader.js';
import type { CellValue, ReadLimits, ReadableFile, ReaderNotice, SheetRow, SheetStream, WorkbookReader, WorkbookStream } from './reader.js';
import { actuallyIs, extensionOf, isBiffStream } from './sniff.js';
import { serialToDate } from '../../domain/excel-serial.js';
import { isDateFormatCode } from './xlsx-dates.js';
import { MergeSpreader, verticalMerges } from './xlsx-merges.js';

/**
 * Reads Excel 97-2003 workbooks (.xls, BIFF8), Excel 5.0/95 (BIFF5), the bare BIFF2–4 files of
 * Excel 2.x–4.x, and WPS 表格 .et files (BIFF8 inside), with SheetJS Community Edition
 * (`@e965/xlsx`, the npm republication of SheetJS 0.20.3; Apache-2.0).
 *
 * SheetJS is used for BIFF only. The bytes are checked first: an OLE2 compound file must hold an
 * Excel `Workbook`/`Book` stream (a Word .doc, a PowerPoint, an encrypted .xlsx are refused as what
 * they are, from their stream names), or the file must be a bare BIFF stream; nothing else (HTML,
 * XML, CSV named .xls) ever reaches SheetJS — `readerFor` routes those elsewhere and this reader
 * refuses them again. Password-protected files (FILEPASS record) are refused before parsing.
 *
 * SheetJS parses the whole file in memory (about 35–40 bytes of heap per byte of .xls: a 12 MB
 * 65,000 × 10 sheet peaks near 460 MB RSS), so .xls files are capped at {@link XLS_MAX_BYTES};
 * a real .xls has at most 65,536 rows anyway. Options keep memory down: dense sheets, no styles,
 * no HTML, no formula text, no formatted text, `sheetRows` bounded by the row limit.
 *
 * Rows come out as the xlsx reader gives them: 1-based numbers, cells from column A, `null` for
 * empty, numbers as numbers, dates (numbers under a date format, 1900 or 1904 system) as `Date`s
 * with the wall-clock value in UTC fields, formula cells as their cached result. A vertically merged
 * range gives its value to the cell in its first column on every row it covers (a `merged_spread`
 * notice lists them); cells to the right in a merge stay empty, as in xlsx.
 *
 * What depends on where it runs is given to it ({@link XlsPlatform}): the code-page tables BIFF5
 * text is decoded with, and how SheetJS is handed the bytes. `xls-reader.ts` is the Node reader
 * (SheetJS's own tables); the self-check page gives the browser's `TextDecoder`.
 */
export class XlsBookReader implements WorkbookReader {
  readonly extensions: readonly string[] = ['.xls', '.et'];

  constructor(
    private readonly platform: XlsPlatform,
    private readonly options: { readonly maxBytes?: number } = {},
  ) {}

  /** Opens the file lazily: nothing is read until `sheets` is iterated. */
  read(file: ReadableFile, limits: ReadLimits): WorkbookStream {
    const notices: ReaderNotice[] = [];
    const maxBytes = Math.min(limits.maxFileBytes, this.options.maxBytes ?? XLS_MAX_BYTES);
    return { notices, sheets: readSheets(file, limits, maxBytes, notices, this.platform) };
  }
}

/** What the .xls reader is given by the platform it runs on. */
export interface XlsPlatform {
  /** SheetJS's code-page interface (`set_cptable`): `utils.decode(codepage, bytes)` and `utils.encode`. */
  readonly codepages: unknown;
  /** How SheetJS is told the bytes are given: `buffer` (a Node Buffer) or `array` (a Uint8Array). */
  readonly bytesType: 'buffer' | 'array';
}

/** Largest .xls read (16 MiB): measured peak RSS about 0.6 GB at this size. */
export const XLS_MAX_BYTES = 16 * 1024 * 1024;

const RESAVE = '请用 Excel 或 WPS 打开后“另存为” Excel 工作簿（*.xlsx）再报送';

/** BIFF error codes → the text Excel shows. */
const ERROR_TEXT: Readonly<Record<number, string>> = {
  0: '#NULL!', // 0x00
  7: '#DIV/0!', // 0x07
  15: '#VALUE!', // 0x0F
  23: '#REF!', // 0x17
  29: '#NAME?', // 0x1D
  36: '#NUM!', // 0x24
  42: '#N/A', // 0x2A
  43: '#GETTING_DATA', // 0x2B
};

/**
 * Built-in zh-CN date/time formats Chinese Excel and WPS refer to by id only, with no FORMAT
 * record (ids 27–36, 50–58; see xlsx-dates.ts). SheetJS's table lacks them, so a date under
 * `yyyy"年"m"月"d"日"` (id 31) would come out as a bare number; they are loaded before each parse.
 */
const CJK_BUILTIN_FORMATS: Readonly<Record<number, string>> = {
  27: 'yyyy"年"m"月"',
  28: 'm"月"d"日"',
  29: 'm"月"d"日"',
  30: 'm-d-yy',
  31: 'yyyy"年"m"月"d"日"',
  32: 'h"时"mm"分"',
  33: 'h"时"mm"分"ss"秒"',
  34: '上午/下午h"时"mm"分"',
  35: '上午/下午h"时"mm"分"ss"秒"',
  36: 'yyyy"年"m"月"',
  50: 'yyyy"年"m"月"',
  51: 'm"月"d"日"',
  52: 'yyyy"年"m"月"',
  53: 'm"月"d"日"',
  54: 'm"月"d"日"',
  55: '上午/下午h"时"mm"分"',
  56: '上午/下午h"时"mm"分"ss"秒"',
  57: 'yyyy"年"m"月"',
  58: 'm"月"d"日"',
};

/** Built-in durations (ids 45–47): elapsed time, not a point in time; xlsx treats them as numbers too. */
const DURATION_FORMATS = new Set(['mm:ss', '[h]:mm:ss', 'mmss.0']);

let codepagesLoaded: unknown;

interface SheetJsCell {
  readonly t: string;
  readonly v?: unknown;
  readonly z?: string | number;
}

interface SheetJsSheet {
  readonly '!data'?: (SheetJsCell[] | undefined)[];
  readonly '!merges'?: readonly { s: { r: number; c: number }; e: { r: number; c: number } }[];
  readonly '!fullref'?: string;
  readonly '!ref'?: string;
  readonly '!type'?: string;
}

/** What the bytes hold, as far as this reader is concerned. */
interface Container {
  /** Chinese name of the format, for messages: `Excel 97-2003 工作簿（.xls）`. */
  readonly what: string;
}

async function* readSheets(
  file: ReadableFile,
  limits: ReadLimits,
  maxBytes: number,
  notices: ReaderNotice[],
  platform: XlsPlatform,
): AsyncGenerator<SheetStream> {
  let released: (() => void) | undefined;
  try {
    if (file.bytes > limits.maxFileBytes) {
      throw new ReadError('too_large', `文件过大（${file.bytes} 字节，上限 ${limits.maxFileBytes} 字节），请拆分后报送。`);
    }
    if (file.bytes > maxBytes) throw tooLargeXls(file.bytes, maxBytes);
    let bytes: Buffer | undefined = await readAll(file, maxBytes);
    if (bytes.length === 0) throw new ReadError('empty', '文件是空的（0 字节），请重新导出后再报送。');
    const container = inspect(bytes, file.path, platform);
    const workbook = parse(bytes, container, limits, platform);
    bytes = undefined; // parsed: the raw bytes are not kept while rows are handed out
    const date1904 = Boolean(workbook.Workbook?.WBProps?.date1904);
    let yielded = 0;
    for (const [index, name] of workbook.SheetNames.entries()) {
      const sheet = workbook.Sheets[name] as SheetJsSheet | undefined;
      if (!readable(name, workbook.Workbook?.Sheets?.[index]?.Hidden ?? 0, sheet, notices)) continue;
      if (!sheet) {
        throw new ReadError('corrupt', `文件已损坏：找不到工作表“${name}”的数据。${RESAVE}。`, name);
      }
      released?.();
      const session: Session = { data: undefined };
      released = () => {
        // The parsed sheet is no longer needed: let it go before the next one is converted.
        session.data = undefined;
        delete (workbook.Sheets as Record<string, unknown>)[name];
      };
      const rows = sheetRows(sheet, name, date1904, limits, notices, session);
      yield { name, index, rows };
      yielded++;
    }
    released?.();
    if (yielded === 0) {
      throw new ReadError('empty', '工作簿中没有可读取的可见工作表（全部隐藏、只有图表或没有工作表）。');
    }
  } catch (err) {
    throw asReadError(err, file.path);
  }
}

function tooLargeXls(bytes: number, maxBytes: number): ReadError {
  return new ReadError(
    'too_large',
    `旧版 Excel 97-2003 工作簿（.xls）过大（${mib(bytes)}，此格式上限 ${mib(maxBytes)}）：这种格式须整体读入内存才能读取。${RESAVE}（.xlsx 可大得多），或拆分后报送。`,
  );
}

/** The whole file, refusing it as soon as it grows past `maxBytes` (a file may grow after listing). */
async function readAll(file: ReadableFile, maxBytes: number): Promise<Buffer> {
  const bytes = await readWhole(file, maxBytes, (length) => tooLargeXls(length, maxBytes));
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const OLE2_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

/**
 * Makes sure the bytes are Excel BIFF before SheetJS sees them, and refuses what is not: another
 * Office document in an OLE2 container, an encrypted .xlsx, a password-protected .xls.
 */
function inspect(bytes: Buffer, path: string, platform: XlsPlatform): Container {
  if (isBiffStream(bytes)) {
    if (filePassIn(bytes)) throw encryptedXls();
    return { what: biffName(bytes, 0) };
  }
  if (!bytes.subarray(0, 8).equals(OLE2_MAGIC)) {
    // readerFor never sends anything else here; a direct caller gets a clear refusal, not SheetJS.
    throw new ReadError('unsupported_format', `文件内容不是 Excel 97-2003 工作簿（.xls）。${RESAVE}。`);
  }
  let cfb: { FullPaths: string[]; FileIndex: { name: string; type: number; content?: Uint8Array | number[] }[] };
  try {
    cfb = quietly(() => XLSX.CFB.read(bytes, { type: platform.bytesType }));
  } catch (err) {
    throw new ReadError(
      'corrupt',
      `文件开头是 Office 复合文档（OLE2，旧版 .xls/.doc 等使用的格式）的标记，但文件已损坏或不完整（可能在下载、拷贝时被截断），无法读取。${RESAVE}。${technical(err)}`,
    );
  }
  const streams = new Map<string, Uint8Array | number[] | undefined>();
  for (const entry of cfb.FileIndex) if (entry.type === 2) streams.set(entry.name.toLowerCase(), entry.content);
  if (streams.has('encryptioninfo') || streams.has('encryptedpackage')) {
    throw new ReadError(
      'encrypted',
      `${actuallyIs(path, '设置了打开密码（已加密）的 Excel 工作簿（.xlsx）', ['.xlsx', '.xlsm'])}，无法读取。请在 Excel/WPS 中取消文件密码后另存为 .xlsx 再报送。`,
    );
  }
  const book = streams.get('workbook') ?? streams.get('book');
  if (book === undefined) throw foreignOle2(streams, path);
  // SheetJS hands a stream's content as a Buffer where Node's Buffer is at hand, else (the browser) maybe as a plain array.
  const stream = book instanceof Uint8Array ? Buffer.from(book.buffer, book.byteOffset, book.length) : Buffer.from(book as ArrayLike<number>);
  if (stream.length < 8) {
    throw new ReadError('corrupt', `文件中的 Excel 工作簿数据是空的或不完整，文件已损坏。${RESAVE}。`);
  }
  if (filePassIn(stream)) throw encryptedXls();
  return { what: biffName(stream, streams.has('workbook') ? 8 : 5) };
}

function foreignOle2(streams: ReadonlyMap<string, unknown>, path: string): ReadError {
  const names = [...streams.keys()];
  if (streams.has('worddocument')) {
    return new ReadError('unsupported_format', `${actuallyIs(path, ' Word 文档（.doc）', ['.doc', '.wps'])}，不是表格。请使用统一模板（.xlsx）填报。`);
  }
  if (streams.has('powerpoint document')) {
    return new ReadError(
      'unsupported_format',
      `${actuallyIs(path, ' PowerPoint 演示文稿（.ppt）', ['.ppt', '.dps'])}，不是表格。请使用统一模板（.xlsx）填报。`,
    );
  }
  if (names.some((n) => n.startsWith('__substg1.0_'))) {
    return new ReadError(
      'unsupported_format',
      `${actuallyIs(path, ' Outlook 邮件（.msg）', ['.msg'])}，不是表格。请把邮件附件中的 Excel 工作簿（*.xlsx）另存出来后报送。`,
    );
  }
  return new ReadError(
    'unsupported_format',
    `${actuallyIs(path, '旧版 Office 复合文档（OLE2）')}，但其中没有 Excel 工作表数据（可能是其他软件的文件，或已损坏）。${RESAVE}。`,
  );
}

function encryptedXls(): ReadError {
  return new ReadError('encrypted', `文件设置了打开密码（已加密），无法读取。请在 Excel 或 WPS 中打开，取消文件密码后“另存为” Excel 工作簿（*.xlsx）再报送。`);
}

/**
 * Whether the workbook globals are encrypted: a FILEPASS record (0x002F) comes right after the
 * BOF. Only the first records are looked at; a broken length ends the scan.
 */
function filePassIn(stream: Buffer): boolean {
  let pos = 0;
  for (let n = 0; n < 8 && pos + 4 <= stream.length; n++) {
    const type = stream.readUInt16LE(pos);
    const length = stream.readUInt16LE(pos + 2);
    if (type === 0x002f) return true;
    if (n > 0 && (type === 0x0085 || type === 0x000a)) return false; // BOUNDSHEET or EOF: past the place
    pos += 4 + length;
  }
  return false;
}

/** Chinese name of the BIFF version, from the BOF record (or the stream's name). */
function biffName(stream: Buffer, guess: number): string {
  const type = stream.readUInt16LE(0);
  const version = type === 0x0809 && stream.length >= 6 ? stream.readUInt16LE(4) : 0;
  if (type === 0x0009 || type === 0x0209 || type === 0x0409) return 'Excel 2.x–4.x 工作表（BIFF2–4）';
  if (version === 0x0600 || (version === 0 && guess === 8)) return 'Excel 97-2003 工作簿（.xls）';
  return 'Excel 5.0/95 工作簿（.xls，BIFF5）';
}

interface ParsedWorkbook {
  readonly SheetNames: string[];
  readonly Sheets: Record<string, unknown>;
  readonly Workbook?: { WBProps?: { date1904?: boolean }; Sheets?: { Hidden?: number }[] };
}

function parse(bytes: Buffer, container: Container, limits: ReadLimits, platform: XlsPlatform): ParsedWorkbook {
  if (codepagesLoaded !== platform.codepages) {
    // BIFF5 and older keep text in the workbook's code page (936 = GBK for Chinese).
    XLSX.set_cptable(platform.codepages);
    codepagesLoaded = platform.codepages;
  }
  for (const [id, code] of Object.entries(CJK_BUILTIN_FORMATS)) XLSX.SSF.load(code, Number(id));
  try {
    return quietly(() =>
      XLSX.read(bytes, {
        type: platform.bytesType,
        dense: true,
        cellNF: true,
        cellDates: false,
        cellFormula: false,
        cellHTML: false,
        cellText: false,
        cellStyles: false,
        bookVBA: false,
        sheetStubs: false,
        sheetRows: Math.min(limits.maxRowsPerSheet, 2_000_000) + 1,
      }),
    ) as unknown as ParsedWorkbook;
  } catch (err) {
    if (err instanceof ReadError) throw err;
    if (err instanceof Error && /password|encrypt/i.test(err.message)) throw encryptedXls();
    if (err instanceof RangeError) {
      throw new ReadError('too_large', `这个${container.what}内容过大，无法读取。${RESAVE}，或拆分后报送。${technical(err)}`);
    }
    throw new ReadError('corrupt', `这个${container.what}已损坏或不完整，无法读取。${RESAVE}。${technical(err)}`);
  }
}

/** Whether a sheet is read; hidden, chart, macro and dialog sheets are skipped with the xlsx reader's notices. */
function readable(name: string, hidden: number, sheet: SheetJsSheet | undefined, notices: ReaderNotice[]): boolean {
  if (hidden === 1 || hidden === 2) {
    const how = hidden === 2 ? '深度隐藏（veryHidden）' : '隐藏';
    notices.push({
      code: 'hidden_sheet_skipped',
      sheet: name,
      message: `工作表“${name}”是${how}的，已跳过，其中数据未读取。如需报送，请取消隐藏后重新报送。`,
    });
    return false;
  }
  const type = sheet?.['!type'];
  if (type === 'chart') {
    notices.push({ code: 'chart_sheet_skipped', sheet: name, message: `工作表“${name}”是图表工作表，没有表格数据，已跳过。` });
    return false;
  }
  if (type === 'macro' || type === 'dialog') {
    notices.push({
      code: 'other',
      sheet: name,
      message: `工作表“${name}”是对话框或宏表（${type}），不是普通工作表，已跳过。`,
    });
    return false;
  }
  return true;
}

/** The rows of the sheet being read; cleared when the consumer moves on to the next sheet. */
interface Session {
  data: readonly (SheetJsCell[] | undefined)[] | undefined;
}

/**
 * The rows of one parsed sheet, converted as they are pulled, with vertically merged ranges
 * spread by the same code as the xlsx reader's (`xlsx-merges.ts`), so both say and fill the same.
 */
function sheetRows(
  sheet: SheetJsSheet,
  name: string,
  date1904: boolean,
  limits: ReadLimits,
  notices: ReaderNotice[],
  session: Session,
): AsyncIterable<SheetRow> {
  const full = sheet['!fullref'];
  if (full && XLSX.utils.decode_range(full).e.r + 1 > limits.maxRowsPerSheet) throw tooManyRows(name, limits);
  session.data = sheet['!data'] ?? [];
  const refs = (sheet['!merges'] ?? []).map((m) => XLSX.utils.encode_range(m));
  const merges = verticalMerges(refs, limits.maxColumns);
  return {
    [Symbol.asyncIterator]: async function* (): AsyncGenerator<SheetRow> {
      const spreader = new MergeSpreader(merges);
      let count = 0;
      for (let r = 0; ; r++) {
        const data = session.data;
        if (!data) throw misuse(name);
        if (r >= data.length) break;
        const raw = data[r];
        // A row with no cell record at all is not in the file (as a missing <row> in xlsx).
        if (!raw) continue;
        if (++count > limits.maxRowsPerSheet) throw tooManyRows(name, limits);
        const cells: CellValue[] = [];
        for (let c = 0; c < raw.length; c++) {
          const value = cellValue(raw[c], date1904, name, limits, r, c);
          if (value === null) continue;
          while (cells.length < c) cells.push(null);
          cells[c] = value;
        }
        yield spreader.apply({ rowNumber: r + 1, cells });
      }
      const notice = spreader.notice(name);
      if (notice) notices.push(notice);
    },
  };
}

/** One SheetJS cell → the pipeline's value, enforcing the column and text limits. */
function cellValue(cell: SheetJsCell | undefined, date1904: boolean, sheet: string, limits: ReadLimits, row: number, column: number): CellValue {
  if (!cell) return null;
  let value: CellValue;
  switch (cell.t) {
    case 's':
      value = typeof cell.v === 'string' && cell.v !== '' ? cell.v : null;
      break;
    case 'n':
      value = typeof cell.v === 'number' ? numberValue(cell.v, cell.z, date1904) : null;
      break;
    case 'b':
      value = typeof cell.v === 'boolean' ? cell.v : null;
      break;
    case 'e':
      value = typeof cell.v === 'number' ? (ERROR_TEXT[cell.v] ?? '#N/A') : null;
      break;
    case 'd':
      value = cell.v instanceof Date && !Number.isNaN(cell.v.getTime()) ? cell.v : null;
      break;
    default:
      value = null;
  }
  if (value === null) return null;
  if (column + 1 > limits.maxColumns) {
    const address = cellAddress(row + 1, column + 1);
    throw new ReadError(
      'too_many_columns',
      `工作表“${sheet}”的单元格 ${address} 有数据，超出了允许的列数（${limits.maxColumns} 列）。请删除表格右侧多余的内容后再报送。`,
      sheet,
      address,
    );
  }
  if (typeof value === 'string' && value.length > limits.maxCellChars) {
    const address = cellAddress(row + 1, column + 1);
    throw new ReadError(
      'too_large',
      `工作表“${sheet}”的单元格 ${address} 内容过长（${value.length} 个字符，上限 ${limits.maxCellChars} 个），可能是异常或恶意构造的文件。`,
      sheet,
      address,
    );
  }
  return value;
}

function numberValue(number: number, format: string | number | undefined, date1904: boolean): CellValue {
  if (!Number.isFinite(number)) return null;
  if (typeof format === 'string' && !DURATION_FORMATS.has(format) && isDateFormatCode(format)) {
    return serialToDate(number, date1904) ?? number;
  }
  return number;
}

function tooManyRows(sheet: string, limits: ReadLimits): ReadError {
  return new ReadError('too_many_rows', `工作表“${sheet}”行数过多（超过 ${limits.maxRowsPerSheet} 行），请拆分后报送。`, sheet);
}

/** A consumer bug, not a file problem, hence not a `ReadError`. */
function misuse(sheet: string): Error {
  return new Error(`SheetStream.rows of “${sheet}” used after the next sheet was requested or the workbook closed`);
}

/**
 * Runs a synchronous SheetJS call with its console chatter ("Missing Info for XLS Record …" on
 * every unknown record of a damaged file) kept off the night's log. Nothing else can run meanwhile.
 */
function quietly<T>(work: () => T): T {
  const { error, warn, log } = console;
  console.error = console.warn = console.log = () => undefined;
  try {
    return work();
  } finally {
    console.error = error;
    console.warn = warn;
    console.log = log;
  }
}

function technical(err: unknown): string {
  const detail = err instanceof Error ? err.message : String(err);
  return detail ? `技术信息：${detail.slice(0, 300)}` : '';
}

function asReadError(err: unknown, path: string): unknown {
  if (err instanceof ReadError) return err;
  if (err instanceof Error && err.message.startsWith('SheetStream.rows')) return err;
  if (err instanceof RangeError) return new ReadError('too_large', `文件内容过大，无法读取。${RESAVE}。${technical(err)}`);
  const what = extensionOf(path) === '.et' ? 'WPS 表格文件（.et）' : 'Excel 97-2003 工作簿（.xls）';
  return new ReadError('corrupt', `读取${what}时出错，文件可能已损坏。${RESAVE}。${technical(err)}`);
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
