import { ReadError } from './reader.js';
import type { ReadBudget, ReadLimits, ReadableFile, ReaderNotice, SheetRow, SheetStream, WorkbookReader, WorkbookStream } from './reader.js';
import type { ZipSource } from './zip-archive.js';
import { FormulaBook } from './xlsx-formula-book.js';
import { defaultEvaluationBudget } from './xlsx-formula-eval.js';
import { MergeSpreader, verticalMerges } from './xlsx-merges.js';
import { XlsxPackage } from './xlsx-package.js';
import { readSheetRows } from './xlsx-sheet.js';
import type { SheetContext, SheetFindings } from './xlsx-sheet.js';
import { SURVEY_MAX_ENTRY_BYTES, sliceStream, surveySheet } from './xlsx-survey.js';
import { loadDateStyles, loadSharedStrings, loadWorkbook } from './xlsx-workbook.js';
import type { SheetEntry } from './xlsx-workbook.js';

/**
 * Reads .xlsx/.xlsm workbooks sheet by sheet with bounded memory.
 *
 * The zip guard runs first; then the workbook, styles and shared strings are read, and each
 * visible worksheet's XML is streamed straight from the zip (random access, so sheets come in tab
 * order whatever the member order). exceljs's streaming `WorkbookReader` is not used: on the corpus
 * it mis-orders and mis-names sheets, throws TypeErrors on prefixed namespaces and LibreOffice member
 * order, drops CDATA, reads phonetic text instead of the value, cannot read rows without `r=`, and
 * does not find parts outside `xl/`. The package's XML goes through our own scanner instead
 * (`xml-scanner.ts`: saxes's events, which exceljs's parser gives, at twice the speed).
 *
 * Before a sheet's rows are yielded, a small sheet (≤ 16 MiB of XML) is surveyed on its raw
 * bytes: formulas a program wrote without a cached result are evaluated over the sheets held in
 * memory (`xlsx-formula-book.ts`) or the file is refused naming the cells, and vertically merged
 * ranges give their value to every row they cover (`xlsx-merges.ts`). Larger sheets stream as
 * before; a formula without a result there refuses the file at the end of the sheet.
 *
 * Memory per file is bounded whatever a part holds: every part goes through `xlsx-xml-bounds.ts`
 * (comments and PIs dropped, no run of text or tag over a cap reaches the scanner), and every chunk and
 * every 65,536 formula steps check the read's budget (the deadline; on Node the heap guard too).
 *
 * What depends on where it runs is given to it: how the file's zip is opened and the budget.
 * `xlsx-reader.ts` is the Node reader (yauzl over a file on disk, heap guard); the self-check page
 * builds one over the dropped file's bytes (fflate, deadline only).
 */
export class XlsxBookReader implements WorkbookReader {
  readonly extensions: readonly string[] = ['.xlsx', '.xlsm'];

  constructor(private readonly platform: XlsxPlatform) {}

  /** Opens the file lazily: nothing is read until `sheets` is iterated. */
  read(file: ReadableFile, limits: ReadLimits): WorkbookStream {
    const notices: ReaderNotice[] = [];
    return { notices, sheets: readSheets(file, limits, notices, this.platform) };
  }
}

/** A file's zip, opened for reading, and how to let go of it (a temporary copy on disk). */
export interface OpenedZip {
  readonly source: ZipSource;
  cleanup(): Promise<void>;
}

/** What the xlsx reader is given by the platform it runs on. */
export interface XlsxPlatform {
  /** Makes the file's zip readable with random access (Node: the file itself, or a copy on disk). */
  readonly openZip: (file: ReadableFile, limits: ReadLimits) => Promise<OpenedZip>;
  readonly budget: ReadBudget;
}

/** Row iterations of the current sheet, and whether the package is already closed. */
interface Session {
  readonly open: Set<SheetRowsIterator>;
  closed: boolean;
}

async function* readSheets(file: ReadableFile, limits: ReadLimits, notices: ReaderNotice[], platform: XlsxPlatform): AsyncGenerator<SheetStream> {
  const session: Session = { open: new Set(), closed: false };
  const { open } = session;
  const { budget } = platform;
  let copy: OpenedZip | undefined;
  let pkg: XlsxPackage | undefined;
  try {
    if (file.bytes > limits.maxFileBytes) {
      throw new ReadError('too_large', `文件过大（${file.bytes} 字节，上限 ${limits.maxFileBytes} 字节），请拆分后报送。`);
    }
    copy = await platform.openZip(file, limits);
    pkg = await XlsxPackage.open(copy.source, limits, budget);
    const workbook = await loadWorkbook(pkg);
    const dateStyles = await loadDateStyles(pkg, workbook.stylesPart);
    const sharedStrings = await loadSharedStrings(pkg, workbook.sharedStringsPart, limits.maxCellChars);
    const contextOf = (sheet: SheetEntry): SheetContext => ({ sheetName: sheet.name, sharedStrings, dateStyles, date1904: workbook.date1904, limits, budget });
    const formulas = new FormulaBook(pkg, workbook, contextOf, { ...defaultEvaluationBudget, checkpoint: () => budget(limits) });
    let yielded = 0;
    for (const sheet of workbook.sheets) {
      const part = readablePart(sheet, pkg, notices);
      if (!part) continue;
      await abandonAll(open);
      const rows = await plannedRows(pkg, part, sheet, contextOf(sheet), formulas, notices);
      yield { name: sheet.name, index: sheet.index, rows: sheetRows(rows, sheet.name, session) };
      yielded++;
    }
    await abandonAll(open);
    if (yielded === 0) {
      throw new ReadError('empty', '工作簿中没有可读取的可见工作表（全部隐藏、只有图表或没有工作表）。');
    }
  } catch (err) {
    throw asReadError(err);
  } finally {
    session.closed = true;
    await abandonAll(open);
    pkg?.close();
    await copy?.cleanup();
  }
}

/** The part to stream for a sheet, or undefined (with a notice) when the sheet is not read. */
function readablePart(sheet: SheetEntry, pkg: XlsxPackage, notices: ReaderNotice[]): string | undefined {
  if (sheet.visibility !== 'visible') {
    const how = sheet.visibility === 'veryHidden' ? '深度隐藏（veryHidden）' : '隐藏';
    notices.push({
      code: 'hidden_sheet_skipped',
      sheet: sheet.name,
      message: `工作表“${sheet.name}”是${how}的，已跳过，其中数据未读取。如需报送，请取消隐藏后重新报送。`,
    });
    return undefined;
  }
  if (sheet.kind === 'chartsheet') {
    notices.push({ code: 'chart_sheet_skipped', sheet: sheet.name, message: `工作表“${sheet.name}”是图表工作表，没有表格数据，已跳过。` });
    return undefined;
  }
  if (sheet.kind !== 'worksheet' && sheet.kind !== '') {
    notices.push({
      code: 'other',
      sheet: sheet.name,
      message: `工作表“${sheet.name}”是对话框或宏表（${sheet.kind}），不是普通工作表，已跳过。`,
    });
    return undefined;
  }
  if (!sheet.part || !pkg.has(sheet.part)) {
    throw new ReadError('corrupt', `文件已损坏：找不到工作表“${sheet.name}”的数据部件。请用 Excel/WPS 打开后重新另存为 .xlsx。`, sheet.name);
  }
  return sheet.part;
}

/** Starts the row iteration of one sheet. */
type RowSource = () => AsyncGenerator<SheetRow>;

/**
 * How a sheet's rows will be produced: surveyed small sheets from their kept bytes (or, when
 * formulas need results, from memory after evaluation) with merges spread; large sheets
 * streamed from the zip as they are.
 */
async function plannedRows(
  pkg: XlsxPackage,
  part: string,
  sheet: SheetEntry,
  context: SheetContext,
  formulas: FormulaBook,
  notices: ReaderNotice[],
): Promise<RowSource> {
  const size = pkg.size(part);
  if (size > SURVEY_MAX_ENTRY_BYTES) {
    return () => readSheetRows(pkg.chunks(part), part, context, (found) => finishLargeSheet(found, sheet.name, size, context, notices));
  }
  const survey = await surveySheet(pkg.chunks(part), SURVEY_MAX_ENTRY_BYTES, sheet.name);
  if (survey.uncachedFormulas) {
    const result = await formulas.evaluateSheet(sheet, sliceStream(survey.bytes));
    if (result.evaluated > 0) {
      notices.push({
        code: 'formula_evaluated',
        sheet: sheet.name,
        message: `工作表“${sheet.name}”中 ${result.evaluated} 个公式单元格没有保存计算结果，已由系统按公式计算（如 ${result.example ?? ''}）`,
      });
    }
    const merges = verticalMerges(result.merges, context.limits.maxColumns);
    return () => spreadRows(fromMemory(result.rows), merges, sheet.name, notices);
  }
  const merges = verticalMerges(survey.merges, context.limits.maxColumns);
  const streamed = (): AsyncGenerator<SheetRow> =>
    readSheetRows(sliceStream(survey.bytes), part, context, (found) => {
      // The survey found every formula cached; the parser checks each cell all the same.
      if (found.uncachedCount > 0) throw uncachedRefusal(found, sheet.name, '系统未能计算这些公式。');
    });
  return () => spreadRows(streamed(), merges, sheet.name, notices);
}

async function* fromMemory(rows: readonly SheetRow[]): AsyncGenerator<SheetRow> {
  yield* rows;
}

async function* spreadRows(
  rows: AsyncGenerator<SheetRow>,
  merges: ReturnType<typeof verticalMerges>,
  sheet: string,
  notices: ReaderNotice[],
): AsyncGenerator<SheetRow> {
  if (merges.length === 0) {
    yield* rows;
    return;
  }
  const spreader = new MergeSpreader(merges);
  for await (const row of rows) yield spreader.apply(row);
  const notice = spreader.notice(sheet);
  if (notice) notices.push(notice);
}

/** End of a sheet too large to survey: formulas without results refuse it; merges are only reported. */
function finishLargeSheet(found: SheetFindings, sheet: string, size: number, context: SheetContext, notices: ReaderNotice[]): void {
  if (found.uncachedCount > 0) {
    throw uncachedRefusal(found, sheet, `该工作表过大（${mib(size)}，超过 ${mib(SURVEY_MAX_ENTRY_BYTES)}），系统无法在读取时计算这些公式。`);
  }
  const merges = verticalMerges(found.merges, context.limits.maxColumns);
  if (merges.length > 0) {
    const shown = merges
      .slice(0, 10)
      .map((m) => m.ref)
      .join('、');
    notices.push({
      code: 'other',
      sheet,
      message: `工作表“${sheet}”较大（${mib(size)}），其中纵向合并的单元格 ${shown}${merges.length > 10 ? ` 等 ${merges.length} 处` : ''} 未逐行填充；如有必填栏目因此为空，请取消合并并逐行填写后再报送。`,
    });
  }
}

function uncachedRefusal(found: SheetFindings, sheet: string, why: string): ReadError {
  const samples = found.uncachedSamples.map((s) => `${s.address} =${s.formula}`);
  const more = found.uncachedCount > samples.length ? ` 等 ${found.uncachedCount} 个单元格` : '';
  return new ReadError(
    'formula_unevaluated',
    `工作表“${sheet}”中有 ${found.uncachedCount} 个公式单元格没有保存计算结果（${samples.join('；')}${more}），${why}请在 Excel/WPS 中打开并保存后再报送`,
    sheet,
    found.uncachedSamples[0]?.address,
  );
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function sheetRows(source: RowSource, sheetName: string, session: Session): AsyncIterable<SheetRow> {
  return {
    [Symbol.asyncIterator]: () => {
      if (session.closed) throw misuse(sheetName);
      const rows = new SheetRowsIterator(source(), sheetName);
      session.open.add(rows);
      return rows;
    },
  };
}

/** A consumer bug, not a file problem, hence not a `ReadError`. */
function misuse(sheet: string): Error {
  return new Error(`SheetStream.rows of “${sheet}” used after the next sheet was requested or the workbook closed`);
}

async function abandonAll(open: Set<SheetRowsIterator>): Promise<void> {
  const pending = [...open];
  open.clear();
  await Promise.all(pending.map((rows) => rows.abandon()));
}

/**
 * Row iteration that can be cut off when the consumer moves on to the next sheet (or stops):
 * the member stream is closed, and a later `next()` fails loudly instead of looking like the end.
 */
class SheetRowsIterator implements AsyncIterableIterator<SheetRow> {
  private finished = false;
  private abandoned = false;

  constructor(
    private readonly inner: AsyncGenerator<SheetRow>,
    private readonly sheet: string,
  ) {}

  async next(): Promise<IteratorResult<SheetRow>> {
    if (this.abandoned) throw misuse(this.sheet);
    const step = await this.inner.next();
    if (step.done) this.finished = true;
    return step;
  }

  async return(): Promise<IteratorResult<SheetRow>> {
    this.finished = true;
    await this.inner.return(undefined);
    return { done: true, value: undefined };
  }

  /** Closes the member stream; rows not yet read are never silently treated as the end. */
  async abandon(): Promise<void> {
    if (this.finished) return;
    this.abandoned = true;
    await this.inner.return(undefined).catch(() => undefined);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<SheetRow> {
    return this;
  }
}

function asReadError(err: unknown): ReadError {
  if (err instanceof ReadError) return err;
  if (err instanceof RangeError) return new ReadError('too_large', `文件内容过大，无法读取。（${err.message}）`);
  const detail = err instanceof Error ? err.message : String(err);
  return new ReadError('corrupt', `读取 Excel 文件时出错，文件可能已损坏。（${detail}）`);
}
