/**
 * Reader for CSV files and Excel "Unicode text" (.txt, UTF-16LE tab-separated).
 *
 * Pipeline per iteration of `rows`: file bytes → {@link decodeTextStream} (encoding sniffing,
 * chunk-safe decoding) → line breaks normalised to LF → papaparse's core `Parser`, fed chunk by
 * chunk → {@link SheetRow}s. Everything is pulled: nothing is read or parsed before the consumer
 * asks for the next row, so memory is bounded by one chunk plus one record.
 *
 * Why papaparse's `Parser` and not `Papa.parse(stream)`: in papaparse 5.x, pausing from a
 * `chunk`/`step` callback stops the parser but not the input stream (the streamer keeps queueing
 * `data` events), so a slow consumer makes it buffer the whole file. Driving the `Parser` with
 * the same "partial last record" bookkeeping the streamer uses gives exact backpressure.
 *
 * What depends on where it runs is given to it ({@link CsvPlatform}): the read budget and the
 * GB18030 decoder. `csv-reader.ts` is the Node reader; the self-check page builds its own.
 *
 * @module
 */
import Papa from 'papaparse';
import {
  ReadError,
  cellAddress,
  defaultReadLimits,
  type ByteStream,
  type CellValue,
  type ReadBudget,
  type ReadLimits,
  type ReadableFile,
  type ReaderNotice,
  type SheetRow,
  type SheetStream,
  type WorkbookReader,
  type WorkbookStream,
} from './reader.js';
import { basename, extname } from './file-names.js';
import { decodeTextStream, describeEncoding, type DetectedEncoding, type TextPlatform } from './text-decoding.js';

/** Field separators recognised in CSV/TXT reports. */
export type CsvDelimiter = ',' | ';' | '\t';

/** A {@link WorkbookStream} that also tells which encoding the file was read with. */
export interface CsvWorkbookStream extends WorkbookStream {
  /** Set once the first rows have been decoded (pure-ASCII files: at the end). */
  readonly encoding: DetectedEncoding | undefined;
}

/** What the CSV reader is given by the platform it runs on. */
export interface CsvPlatform {
  readonly budget: ReadBudget;
  readonly text: TextPlatform;
}

/** Reads `.csv` and `.txt` files as a workbook with one sheet named after the file. */
export class CsvBookReader implements WorkbookReader {
  /** `.txt` is what Excel writes for "Unicode 文本" (UTF-16LE, tab-separated). */
  readonly extensions: readonly string[] = ['.csv', '.txt'];

  constructor(private readonly platform: CsvPlatform) {}

  /** Opens `file`; nothing is read until `sheets` is iterated. */
  read(file: ReadableFile, limits: ReadLimits = defaultReadLimits): CsvWorkbookStream {
    const notices: ReaderNotice[] = [];
    const name = sheetNameOf(file.path);
    let encoding: DetectedEncoding | undefined;
    const onDetected = (detected: DetectedEncoding): void => {
      if (encoding) return; // rows iterated twice: one notice is enough
      encoding = detected;
      notices.push({ code: 'encoding_detected', sheet: name, message: encodingNotice(detected) });
    };
    const platform = this.platform;
    const sheet: SheetStream = {
      name,
      index: 0,
      rows: { [Symbol.asyncIterator]: () => readRows(file, limits, onDetected, platform) },
    };
    async function* sheets(): AsyncGenerator<SheetStream, void, undefined> {
      if (file.bytes === 0) throw fileError(file, 'empty', '文件是空的（0 字节），没有任何内容。');
      if (file.bytes > limits.maxFileBytes) throw tooLarge(file, limits);
      yield sheet;
    }
    return {
      sheets: { [Symbol.asyncIterator]: sheets },
      notices,
      get encoding() {
        return encoding;
      },
    };
  }
}

function sheetNameOf(path: string): string {
  const base = basename(path.replace(/\\/g, '/'));
  const ext = extname(base);
  return ext ? base.slice(0, -ext.length) : base;
}

function encodingNotice(detected: DetectedEncoding): string {
  const name = describeEncoding(detected.encoding);
  if (detected.basis === 'bom') return `文件带有字节顺序标记（BOM），按 ${name} 编码读取。`;
  if (detected.basis === 'ascii') return `文件只含英文字母、数字和符号，按 ${name} 编码读取。`;
  return `文件未标明编码，根据内容判断为 ${name} 编码读取。`;
}

function fileError(file: ReadableFile, code: ReadError['code'], message: string, cell?: string): ReadError {
  return new ReadError(code, `${file.path}：${message}`, sheetNameOf(file.path), cell);
}

function tooLarge(file: ReadableFile, limits: ReadLimits): ReadError {
  const mib = (n: number): string => (n / 1024 / 1024).toFixed(1);
  return fileError(file, 'too_large', `文件超过 ${mib(limits.maxFileBytes)} MB 的上限，请拆分后重新报送。`);
}

/** Any failure inside the pipeline becomes a ReadError that names the file. */
function asReadError(error: unknown, file: ReadableFile): ReadError {
  if (error instanceof ReadError) {
    return error.message.startsWith(`${file.path}：`) ? error : fileError(file, error.code, error.message, error.cell);
  }
  const detail = error instanceof Error ? error.message : String(error);
  const wrapped = fileError(file, 'corrupt', `读取文件时出错：${detail}`);
  wrapped.cause = error;
  return wrapped;
}

/** The rows of one pass over the file. */
async function* readRows(
  file: ReadableFile,
  limits: ReadLimits,
  onDetected: (detected: DetectedEncoding) => void,
  platform: CsvPlatform,
): AsyncGenerator<SheetRow, void, undefined> {
  let input: ByteStream | undefined;
  try {
    input = file.open();
    const text = normalizeLineBreaks(decodeTextStream(limitBytes(input, file, limits, platform.budget), { onDetected, platform: platform.text }));
    const records = new RecordSplitter(file, limits);
    let rowNumber = 0;
    let yielded = 0;
    for await (const batch of records.split(text)) {
      for (const fields of batch) {
        rowNumber++;
        if (rowNumber > limits.maxRowsPerSheet) {
          throw fileError(file, 'too_many_rows', `行数超过上限 ${limits.maxRowsPerSheet} 行，请拆分后重新报送。`);
        }
        const cells = toCells(fields, rowNumber, file, limits);
        if (cells) {
          yielded++;
          yield { rowNumber, cells };
        }
      }
    }
    if (yielded === 0) throw fileError(file, 'empty', '文件里没有任何数据（只有空行）。');
  } catch (error) {
    throw asReadError(error, file);
  } finally {
    // Also runs when the consumer stops early (`break`): release the file handle now.
    input?.destroy();
  }
}

/**
 * Counts bytes so a file that grows past its announced size still hits the limit; each chunk
 * checks the read's deadline and the heap guard.
 */
async function* limitBytes(input: ByteStream, file: ReadableFile, limits: ReadLimits, budget: ReadBudget): AsyncGenerator<Uint8Array, void, undefined> {
  let total = 0;
  for await (const chunk of input as AsyncIterable<unknown>) {
    budget(limits);
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (!(bytes instanceof Uint8Array)) throw new Error('文件流返回了非字节数据');
    total += bytes.length;
    if (total > limits.maxFileBytes) throw tooLarge(file, limits);
    yield bytes;
  }
  if (total === 0) throw fileError(file, 'empty', '文件是空的（0 字节），没有任何内容。');
}

/**
 * CRLF and lone CR (classic Mac Excel) become LF, so the parser needs one newline and mixed
 * files split correctly. Inside quoted cells this turns CRLF/CR into LF, which is how Excel
 * stores line breaks in a cell anyway.
 */
async function* normalizeLineBreaks(chunks: AsyncIterable<string>): AsyncGenerator<string, void, undefined> {
  let first = true;
  let pendingCR = false;
  for await (let text of chunks) {
    if (first) {
      // A second BOM (file saved twice with BOM) must not end up in the first header cell.
      text = text.replace(/^\uFEFF+/, '');
      first = text.length === 0;
    }
    if (pendingCR) text = `\r${text}`;
    pendingCR = text.endsWith('\r'); // CRLF may straddle two chunks
    if (pendingCR) text = text.slice(0, -1);
    if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
    if (text) yield text;
  }
  if (pendingCR) yield '\n';
}

/** What papaparse's core `Parser.parse` returns (typed `any` upstream). */
interface PapaChunk {
  readonly data: string[][];
  readonly errors: readonly PapaChunkError[];
  readonly meta: { readonly cursor: number };
}

/** The core parser always sets `row` (index into `data`) and `index` (offset into the input). */
interface PapaChunkError {
  readonly code: Papa.ParseError['code'];
  readonly row: number;
  readonly index: number;
}

/** How much text is read before choosing the delimiter. */
const DIALECT_SAMPLE_CHARS = 64 * 1024;
const DIALECT_SAMPLE_LINES = 20;

/** Splits LF-normalised text into records with papaparse, chunk by chunk. */
class RecordSplitter {
  private delimiter: CsvDelimiter = ',';
  /** Text after the last complete record; re-parsed with the next chunk. */
  private partial = '';
  private pending: string[] = [];
  private pendingChars = 0;
  /** Records returned so far, to turn per-chunk error rows into file row numbers. */
  private records = 0;
  private readonly maxRecordChars: number;

  constructor(
    private readonly file: ReadableFile,
    limits: ReadLimits,
  ) {
    // The longest record a file within limits can hold (every cell full and quoted).
    this.maxRecordChars = limits.maxColumns * (limits.maxCellChars + 3);
  }

  async *split(text: AsyncIterable<string>): AsyncGenerator<string[][], void, undefined> {
    let sample = '';
    let decided = false;
    for await (const chunk of text) {
      if (!decided) {
        sample += chunk;
        if (sample.length < DIALECT_SAMPLE_CHARS && countLF(sample) < DIALECT_SAMPLE_LINES) continue;
        this.delimiter = detectDelimiter(sample, false);
        decided = true;
        yield this.feed(sample);
        sample = '';
        continue;
      }
      yield this.feed(chunk);
    }
    if (!decided) this.delimiter = detectDelimiter(sample, true);
    if (sample) this.pushPending(sample);
    yield this.parse(true);
  }

  private pushPending(text: string): void {
    this.pending.push(text);
    this.pendingChars += text.length;
  }

  private feed(text: string): string[][] {
    this.pushPending(text);
    if (this.partial.length + this.pendingChars > this.maxRecordChars) {
      throw fileError(
        this.file,
        'too_large',
        `第 ${this.records + 1} 行起的一条记录超过 ${this.maxRecordChars} 个字符，` +
          '多半是某个英文双引号没有闭合，后面的内容都被当成了同一个单元格。请检查该行的引号。',
      );
    }
    // A long record (multi-line quoted cell) is re-parsed from its start on every parse; waiting
    // until the new text is as long as the partial record keeps the total work linear.
    if (this.pendingChars < this.partial.length) return [];
    return this.parse(false);
  }

  private parse(final: boolean): string[][] {
    const input = this.partial + this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    const parser = new Papa.Parser({ delimiter: this.delimiter, newline: '\n', quoteChar: '"' });
    const result = parser.parse(input, 0, !final) as PapaChunk;
    this.partial = final ? '' : input.slice(result.meta.cursor);
    for (const error of result.errors) {
      // Errors on the unfinished last record are provisional: it is parsed again with more text.
      if (!final && error.row >= result.data.length) continue;
      throw this.quoteError(error, input);
    }
    this.records += result.data.length;
    return result.data;
  }

  /**
   * Both papaparse quote errors are fatal: `MissingQuotes` swallowed the rest of the file into
   * one cell, `InvalidQuotes` (text after a closing quote) made it merge cells or rows. A
   * half-read report is worse than a refused one. Field-count errors do not occur (no header
   * mode) — title rows with fewer fields are normal.
   */
  private quoteError(error: PapaChunkError, input: string): ReadError {
    const row = this.records + error.row + 1;
    const near = input.slice(Math.max(0, error.index - 1), error.index + 24).replace(/\s+/g, ' ');
    const what =
      error.code === 'MissingQuotes'
        ? '有一个英文双引号没有闭合，从这里到文件末尾都被当成了同一个单元格'
        : '引号用法不规范（右引号后面紧跟着其他文字），单元格的分隔无法确定';
    return fileError(this.file, 'corrupt', `第 ${row} 行${what}（附近内容：“${near}”）。请检查该行的引号后重新报送。`);
  }
}

function countLF(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Ties go to the delimiter listed first: consistent tabs or semicolons are never accidental. */
const DELIMITER_PRIORITY: readonly CsvDelimiter[] = ['\t', ';', ','];

/**
 * Chooses the field separator from the first lines of LF-normalised `sample`: the candidate
 * that occurs the same (non-zero) number of times on the most lines, outside quotes. A title
 * row without separators does not disturb it; a decimal comma inside semicolon-separated
 * numbers (`1,5;2,5`) loses because its count varies from line to line. Defaults to comma.
 *
 * @param complete whether `sample` is the whole file (otherwise its last line may be cut).
 */
export function detectDelimiter(sample: string, complete: boolean): CsvDelimiter {
  const lines: Map<CsvDelimiter, number>[] = [];
  let counts = new Map<CsvDelimiter, number>();
  let inQuotes = false;
  let lineHasText = false;
  for (let i = 0; i < sample.length && lines.length < DIALECT_SAMPLE_LINES; i++) {
    const ch = sample[i];
    if (ch === '"') inQuotes = !inQuotes;
    else if (ch === '\n' && !inQuotes) {
      if (lineHasText) lines.push(counts);
      counts = new Map();
      lineHasText = false;
      continue;
    } else if (!inQuotes && (ch === ',' || ch === ';' || ch === '\t')) {
      counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
    lineHasText = true;
  }
  if (complete && lineHasText && lines.length < DIALECT_SAMPLE_LINES) lines.push(counts);

  let best: CsvDelimiter = ',';
  let bestScore = 0;
  for (const delimiter of DELIMITER_PRIORITY) {
    const frequency = new Map<number, number>();
    for (const line of lines) {
      const n = line.get(delimiter) ?? 0;
      if (n > 0) frequency.set(n, (frequency.get(n) ?? 0) + 1);
    }
    const score = Math.max(0, ...frequency.values());
    if (score > bestScore) {
      best = delimiter;
      bestScore = score;
    }
  }
  return best;
}

/**
 * Record fields → cells: '' → null, trailing empties dropped (Excel pads rows to the used
 * range), values kept as text for the normaliser. `null` for a row with no content.
 */
function toCells(fields: readonly string[], rowNumber: number, file: ReadableFile, limits: ReadLimits): CellValue[] | null {
  let width = fields.length;
  while (width > 0 && fields[width - 1] === '') width--;
  if (width === 0) return null;
  if (width > limits.maxColumns) {
    throw fileError(
      file,
      'too_many_columns',
      `第 ${rowNumber} 行有 ${width} 列，超过上限 ${limits.maxColumns} 列；请确认分隔符正确，或删去多余的列后重新报送。`,
    );
  }
  const cells = new Array<CellValue>(width);
  for (let i = 0; i < width; i++) {
    const value = fields[i] as string;
    if (value.length > limits.maxCellChars) {
      const address = cellAddress(rowNumber, i + 1);
      throw fileError(file, 'too_large', `单元格 ${address} 有 ${value.length} 个字符，超过上限 ${limits.maxCellChars} 个字符。`, address);
    }
    cells[i] = value === '' ? null : value;
  }
  return cells;
}
