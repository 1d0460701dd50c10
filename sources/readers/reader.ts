/**
 * A cell as a reader hands it on. Dates are JavaScript `Date`s holding the wall-clock
 * calendar value in UTC fields (2024-03-05 00:00 → `Date.UTC(2024, 2, 5)`), never shifted by
 * the machine's time zone. Empty cells are `null`. Formula cells carry their cached result.
 */
export type CellValue = string | number | boolean | Date | null;

/** One row of a sheet, as it stands in the file. */
export interface SheetRow {
  /** 1-based row number in the sheet (CSV: 1-based line/record number). */
  readonly rowNumber: number;
  /** Cells from column A; `cells[0]` is column A. Trailing empty cells may be omitted. */
  readonly cells: readonly CellValue[];
}

/** One table-bearing sheet of a workbook (a CSV file is a workbook of one sheet). */
export interface SheetStream {
  /** Sheet name as the producer wrote it (CSV: the file name without extension). */
  readonly name: string;
  /** 0-based position among the workbook's sheets. */
  readonly index: number;
  /** Rows in order. Must be consumed before the next sheet is requested. */
  readonly rows: AsyncIterable<SheetRow>;
}

/** A notice from a reader that is not fatal (a hidden sheet skipped, an encoding guessed). */
export interface ReaderNotice {
  readonly code:
    | 'hidden_sheet_skipped'
    | 'chart_sheet_skipped'
    | 'encoding_detected'
    /** A formula without a saved result was evaluated by firestat. */
    | 'formula_evaluated'
    /** A merged range's value was given to the cells it covers. */
    | 'merged_spread'
    /** The file's bytes say it is another format than its extension (an .xlsx named .xls). */
    | 'format_detected'
    | 'other';
  readonly sheet?: string;
  /** Chinese text for the sender/analyst. */
  readonly message: string;
}

/** Bounds every reader enforces so that no file can exhaust memory or hang the run. */
export interface ReadLimits {
  /** Largest accepted input file in bytes. Default 256 MiB. */
  readonly maxFileBytes: number;
  /** Largest total uncompressed size of a zip package (xlsx). Default 1 GiB. */
  readonly maxUncompressedBytes: number;
  /** Largest uncompressed size of any one zip entry. Default 512 MiB. */
  readonly maxEntryBytes: number;
  /** Largest uncompressed size of xl/sharedStrings.xml (held in memory by the reader). Default 64 MiB. */
  readonly maxSharedStringsBytes: number;
  /** Largest compression ratio of any zip entry (uncompressed / compressed). Default 200. */
  readonly maxCompressionRatio: number;
  /** Most rows read from one sheet. Default 2,000,000. */
  readonly maxRowsPerSheet: number;
  /** Most columns read from one row; cells beyond are an error. Default 512. */
  readonly maxColumns: number;
  /** Longest single cell text in characters. Default 32,767 (Excel's own limit). */
  readonly maxCellChars: number;
  /** When (`Date.now()` ms) a read in progress stops with `ReadError('timeout')`, checked inside the file. None by default. */
  readonly deadline?: number;
}

export const defaultReadLimits: ReadLimits = {
  maxFileBytes: 256 * 1024 * 1024,
  maxUncompressedBytes: 1024 * 1024 * 1024,
  maxEntryBytes: 512 * 1024 * 1024,
  maxSharedStringsBytes: 64 * 1024 * 1024,
  maxCompressionRatio: 200,
  maxRowsPerSheet: 2_000_000,
  maxColumns: 512,
  maxCellChars: 32_767,
};

/**
 * The bytes of a file, chunk by chunk, from the start: a Node `Readable` is one (the sources hand
 * out `createReadStream`s); the browser's self-check page hands out the dropped file's bytes.
 * `destroy()` lets go of it when the reader stops early.
 */
export interface ByteStream extends AsyncIterable<Uint8Array> {
  destroy(): void;
}

/** What a reader is given: a file it can open as often as it needs. */
export interface ReadableFile {
  /** Path relative to the inbox, with `/` separators; used in messages. */
  readonly path: string;
  /** Size in bytes. */
  readonly bytes: number;
  /** Opens a fresh stream over the whole file. */
  open(): ByteStream;
  /** Absolute local path when the file is on disk (readers that need random access use it). */
  readonly localPath?: string;
}

/** Why a reader refused a file. Stable codes; `message` is Chinese, for the sender. */
export type ReadErrorCode =
  | 'unsupported_format'
  | 'encrypted'
  | 'corrupt'
  | 'too_large'
  | 'too_many_rows'
  | 'too_many_columns'
  | 'empty'
  | 'encoding'
  /** Formula cells without a saved result that firestat cannot evaluate. */
  | 'formula_unevaluated'
  /** Stopped for this run, not for the file's contents: past `deadline`, or the heap nearly full (tried again later). */
  | 'timeout'
  | 'out_of_memory';

/** A file that cannot be read. Terminal: sending the same bytes again fails the same way. */
export class ReadError extends Error {
  constructor(
    readonly code: ReadErrorCode,
    message: string,
    readonly sheet?: string,
    readonly cell?: string,
  ) {
    super(message);
    this.name = 'ReadError';
  }
}

/** The sheets of one file plus non-fatal notices. */
export interface WorkbookStream {
  /** Sheets in workbook order (hidden and chart sheets are not yielded; a notice says so). */
  readonly sheets: AsyncIterable<SheetStream>;
  /** Filled while `sheets` is consumed. */
  readonly notices: ReaderNotice[];
}

/**
 * What every reader loop (each XML or CSV chunk, every 65,536 formula steps) calls to stop a read
 * that has taken too long: throws `ReadError('timeout')` past `limits.deadline`. The Node readers
 * also stop a read that nearly fills the heap (`read-budget.ts`); the browser's only the deadline
 * (`read-deadline.ts`).
 */
export type ReadBudget = (limits: Pick<ReadLimits, 'deadline'>) => void;

/** A reader for one family of file formats. */
export interface WorkbookReader {
  /** Lower-case extensions this reader handles, with the dot: `.xlsx`. */
  readonly extensions: readonly string[];
  /** Opens the file. Errors (also those raised while iterating) are `ReadError`s. */
  read(file: ReadableFile, limits: ReadLimits): WorkbookStream;
}

/**
 * The whole of a file as one array, for what must be read whole (a zip in the browser, an .xls,
 * the marked copy's layout). Stops as soon as the file grows past `maxBytes` (a file may grow after
 * listing), throwing `tooLarge(bytes read so far)`; `eachChunk` runs after every chunk (a deadline).
 * A file held in memory (chunks that are consecutive views of one buffer) comes back as a view of
 * its own bytes, not a copy: the page's self-check never holds a dropped file twice.
 */
export async function readWhole(file: ReadableFile, maxBytes: number, tooLarge: (bytes: number) => Error, eachChunk?: () => void): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  const stream = file.open();
  try {
    for await (const chunk of stream) {
      total += chunk.length;
      if (total > maxBytes) throw tooLarge(total);
      eachChunk?.();
      parts.push(chunk);
    }
  } finally {
    stream.destroy();
  }
  const first = parts[0];
  if (first === undefined) return new Uint8Array(0);
  let end = first.byteOffset;
  let contiguous = true;
  for (const p of parts) {
    contiguous &&= p.buffer === first.buffer && p.byteOffset === end;
    end += p.length;
  }
  if (contiguous) return new Uint8Array(first.buffer, first.byteOffset, total);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Converts a 1-based column number to its letters: 1 → A, 27 → AA. */
export function columnLetters(column: number): string {
  let n = column;
  let out = '';
  while (n > 0) {
    const rem = (n - 1) % 26;
    out = String.fromCharCode(65 + rem) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

/** Column letters to a 1-based number: A → 1, AA → 27 (the inverse of {@link columnLetters}). */
export function columnNumber(letters: string): number {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n;
}

/** A range `B5:C7` (or a single cell `B5`, `$`s allowed), normalised so r1 ≤ r2 and c1 ≤ c2. */
export function cellRange(ref: string | undefined): { r1: number; c1: number; r2: number; c2: number } | undefined {
  const m = /^\$?([A-Za-z]{1,3})\$?(\d{1,7})(?::\$?([A-Za-z]{1,3})\$?(\d{1,7}))?$/.exec(ref?.trim() ?? '');
  if (!m) return undefined;
  const ra = Number(m[2]);
  const ca = columnNumber(m[1]!);
  const rb = m[4] !== undefined ? Number(m[4]) : ra;
  const cb = m[3] !== undefined ? columnNumber(m[3]) : ca;
  return { r1: Math.min(ra, rb), c1: Math.min(ca, cb), r2: Math.max(ra, rb), c2: Math.max(ca, cb) };
}

/** A1-style address of a 1-based row and column. */
export function cellAddress(row: number, column: number): string {
  return `${columnLetters(column)}${row}`;
}
