/**
 * The CSV bulk path: large ledger CSVs at DuckDB's own speed, with every promise of the JS path.
 *
 * TypeScript keeps the start of the file: the real CSV reader reads the first records (encoding
 * sniffing, delimiter), and a probe run of the real {@link SubmissionParser} over them finds the
 * table, the form, the unit and the period exactly as the JS path does. DuckDB's `read_csv` then
 * reads the body into a staging table (autocommit, all VARCHAR, a plain projection: its rowid, in
 * insertion order, is the record number after the head). Values whose text is canonical (ISO
 * dates, exact choices, text NFKC changes only by folding full-width ASCII, plain numbers) are
 * converted in SQL; every distinct other value goes once through the real `convertCell` and the
 * form's zod schema and comes back as a map table.
 *
 * Where the time goes (a million rows, 177 MB, 2 cores, `FIRESTAT_CSV_BULK_DEBUG=1`): DuckDB's
 * staging read 0.8 s, one aggregate pass 0.55–0.6 s, the INSERT into the fact table 1.15–1.2 s; before
 * them 0.9 s of start, imports, the warehouse's creation and the hash (README "Performance"). The
 * aggregate pass reads, for each column whose values repeat (a sample of the body tells: units,
 * dates, categories, statuses), its distinct values, which JS judges whole, so no cell of those is
 * tested in SQL; for the others (names, descriptions, serial numbers) the per-cell tests (canonical
 * text, no label, no header word or mark) give the few odd values JS judges. Full-width folding uses
 * only the characters the file holds (found while its bytes are hashed), and only on cells holding
 * one; the INSERT is the staging table joined to the (small) maps, minus the suspects, with no regex
 * left in it; a clean file needs no pass to find suspects.
 * A row is loaded by SQL only when every one of its cells is such a value and nothing in it could
 * make it a 合计, 累计, 注释 or repeated header row; every other row ("suspect") goes, in record
 * order after the head, through the real parser, which says the same problems and notices in the
 * same order as the JS path. Only the final `INSERT … SELECT` into the fact table runs inside the
 * file's transaction, so a file still loads whole or not at all.
 *
 * The file's bytes are checked while it is hashed (`csv-byte-scan.ts`, on the hashing thread for a
 * large file: `../hash-thread.ts`): a blank line or a lone CR, which would shift DuckDB's record
 * numbers, and the full-width characters it holds. A GB18030 file is transcoded to UTF-8 for DuckDB by
 * table (`gb18030-utf8.ts`) in the same read when its first bytes already say it is not UTF-8 (on a
 * night's first file while the warehouse opens: `pipelines/ingest/file-hash.ts`).
 *
 * Whenever the bulk path cannot promise identical rows and problems it steps aside and the JS path
 * reads the file: aggregate forms, a period column, cumulative columns, UTF-16, a blank line or a
 * lone CR in the file, DuckDB refusing the CSV, a head that already has problems, a body row that
 * does not match the JS reader's, a 合计 row where sums are checked, too many suspect rows.
 * `test/pipelines/csv-bulk-differential.test.ts` runs both paths on the same inputs.
 *
 * @module
 */
import { open } from 'node:fs/promises';
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { LIST, VARCHAR } from '@duckdb/node-api';
import type { FieldDefinition, FormDefinition } from '../../../domain/forms/form-definition.js';
import { quarterOf, quarterOfMonth, periodKind, type Period } from '../../../domain/periods.js';
import { squeeze } from '../../../domain/text.js';
import type { Unit } from '../../../domain/units.js';
import { CsvBookReader, detectDelimiter, type CsvWorkbookStream } from '../../../sources/readers/csv-book.js';
import type { CellValue, ReadLimits, SheetRow, SheetStream, WorkbookReader, WorkbookStream } from '../../../sources/readers/reader.js';
import type { SourceFile } from '../../../sources/source.js';
import { factColumns } from '../../../warehouse/schema/fact-tables.js';
import { convertCell, type FieldValue, noValueMarks, zeroMarks } from '../../normalize/cell-values.js';
import { headerSearchRows, isLocateFailure, locateTable } from '../../normalize/table-locator.js';
import { cumulativeLabel, notesRow, SubmissionParser, totalLabel, type ParsedRecord, type ParserContext } from '../../parse/submission-parser.js';
import { rowSchema } from '../../validate/row-schema.js';
import { readLocalChunks } from '../file-digest.js';
import { GbCopy, type CsvScan } from './csv-byte-scan.js';

/** When the bulk path is tried (`auto`, the default; `FIRESTAT_CSV_BULK=always` ignores the size, for tests). */
export const csvBulkSettings = {
  /** Files smaller than this are read by the JS path (below it the bulk path gains nothing). */
  minBytes: 8 * 1024 * 1024,
  /** More rows than this needing the JS parser: the JS path reads the whole file instead. */
  maxSuspectRows: 20_000,
  /** More distinct non-canonical values than this (all columns): the JS path instead. */
  maxDistinctValues: 300_000,
  /** Rows at the start and the end of the body (half each) that tell which columns hold few distinct values (at most 1 in 32 of them). */
  sampleRows: 65_536,
  /** Tests: judge every column's values in JS (`all`) or test every cell in SQL (`none`) instead of asking the sample. */
  fewValues: undefined as 'all' | 'none' | undefined,
  /** DuckDB's memory limit while a file takes the bulk path, reset after it (1M rows, peak RSS: none ~880 MiB, 300MB ~520, 250MB ~470 at the same speed); empty: DuckDB's default. */
  memoryLimit: process.env.FIRESTAT_CSV_BULK_MEMORY ?? '250MB',
};

/** What the bulk path did with the files it was offered (tests look at it). */
export const csvBulkStats = {
  used: 0,
  fallbacks: [] as string[],
  /** The last file's columns whose every distinct value JS judged (1-based). */ fewColumns: [] as number[],
};

/** The file's time ran out while DuckDB read it; ingest treats it as its own timeout. */
export class CsvBulkTimeout extends Error {}

/** A file the bulk path takes: the parser over the head and the suspect rows, and the SQL insert. */
export interface CsvBulkPlan {
  /** The real parser, over the head rows and the rows that need it (its result is the file's). */
  readonly parser: SubmissionParser;
  /** The parser's records; at the end the SQL-loaded rows are added to `parser.result.rows`. */
  records(): AsyncGenerator<ParsedRecord>;
  /** Inserts the rows SQL converted (call inside the file's transaction, only when nothing refuses the file). */
  insert(submissionId: number): Promise<number>;
  /** Drops the staging tables and the transcoded copy (outside the transaction). */
  dispose(): Promise<void>;
}

export interface CsvBulkInput {
  readonly file: SourceFile;
  /** The file's bytes as checked while they were hashed ({@link csvByteScanFor}); undefined: the JS path reads the file. */
  readonly scan: CsvScan | undefined;
  readonly reader: WorkbookReader;
  readonly limits: ReadLimits;
  readonly deadline: number;
  readonly connection: DuckDBConnection;
  /** The parser's context, exactly as the JS path gives it. */
  readonly parserContext: ParserContext;
}

class Fallback extends Error {}

let staging = 0;

/** A character that keeps a text from being one `squeeze`/`tidy` turn into itself with full-width ASCII folded (whitespace, anything else NFKC changes). */
const nonCanonicalRe = '[^!-~一-鿿！-～]';
/** A cell holding full-width ASCII (RE2 class). */
const fullWidthRe = '[！-～]';

/** SQL folding the full-width ASCII of `col` that the file holds (`chars`) to ASCII, as NFKC does. */
function foldSql(col: string, chars: readonly number[]): string {
  if (!chars.length) return col;
  const from = chars.map((c) => String.fromCharCode(c));
  const to = chars.map((c) => String.fromCharCode(c - 0xfee0));
  if (chars.length > 4) return `translate(${col}, ${q(from.join(''))}, ${q(to.join(''))})`;
  // `contains` first: `replace` copies every string it is given (a million cells: 0.15–0.25 s a
  // character), `contains` only looks (0.01 s).
  const replaced = from.reduce((e, f, i) => `replace(${e}, ${q(f)}, ${q(to[i]!)})`, col);
  return `CASE WHEN ${from.map((f) => `contains(${col}, ${q(f)})`).join(' OR ')} THEN ${replaced} ELSE ${col} END`;
}

const q = (text: string): string => `'${text.replace(/'/g, "''")}'`;
/** A JS regex's source as RE2 text (the label regexes use no lookaround and no `\u` escapes). */
const re2 = (r: RegExp): string => r.source.replace(/\\u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
const suspiciousRes = [totalLabel, cumulativeLabel, notesRow];
const suspiciousSql = suspiciousRes.map((r) => `(?:${re2(r)})`).join('|');

/** The general "no value" and "none" marks of `cell-values.ts` — any of them keeps a text cell off the SQL path. */
const generalMarks = [...noValueMarks, ...zeroMarks];

/**
 * On by default for large files (`auto`); `FIRESTAT_CSV_BULK=off` keeps every file on the JS path,
 * `always` ignores the size (tests). Measured on the 2-core machine, 100k rows (17 MB): JS path
 * 8.0 s, bulk 4.5 s end to end; at 4 MB both take the same (fixed costs dominate), hence `minBytes`.
 */
function mode(): 'auto' | 'off' | 'always' {
  const v = process.env.FIRESTAT_CSV_BULK;
  return v === 'off' || v === 'always' ? v : 'auto';
}

function fallback(reason: string): undefined {
  csvBulkStats.fallbacks.push(reason);
  if (debug) process.stderr.write(`csv-bulk fallback: ${reason}\n`);
  return undefined;
}

/**
 * Prepares the bulk load of `file`, or returns undefined when the JS path must read it. Never
 * throws for the file's contents; a timeout becomes a plan whose `records()` throws {@link CsvBulkTimeout}.
 */
export async function prepareCsvBulk(input: CsvBulkInput): Promise<CsvBulkPlan | undefined> {
  // No scan: not a file the bulk path may take (see csvByteScanFor).
  if (!input.scan || !(input.reader instanceof CsvBookReader)) return undefined;
  const cleanup: (() => Promise<void> | void)[] = [];
  const dispose = async () => {
    for (const c of cleanup.splice(0).reverse()) {
      try {
        await c();
      } catch {
        /* best effort: temp tables die with the connection, temp files with the machine */
      }
    }
  };
  try {
    const plan = await prepare(input, input.scan, cleanup, dispose);
    if (!plan) await dispose();
    else csvBulkStats.used++;
    return plan;
  } catch (e) {
    await dispose();
    if (e instanceof Fallback) return fallback(e.message);
    if (e instanceof CsvBulkTimeout) {
      // The file's time ran out while DuckDB read it: ingest says so as for any timeout.
      const parser = new SubmissionParser(
        workbookOf('', () => listed([]), []),
        input.parserContext,
      );
      return {
        parser,
        // biome-ignore lint/correctness/useYield: it only throws, as the JS reader does on a timeout
        async *records() {
          throw new CsvBulkTimeout();
        },
        insert: async () => 0,
        dispose: async () => undefined,
      };
    }
    return fallback(`error: ${e instanceof Error ? e.message : String(e)}`);
  }
}

interface Head {
  readonly rows: SheetRow[];
  /** The first row after the head, if any (to check DuckDB reads the body as the JS reader does). */
  readonly guard?: SheetRow;
  readonly stream: CsvWorkbookStream;
  readonly sheetName: string;
}

async function readHead(input: CsvBulkInput): Promise<Head> {
  const stream = input.reader.read(input.file, { ...input.limits, deadline: input.deadline }) as CsvWorkbookStream;
  const sheets = stream.sheets[Symbol.asyncIterator]();
  const rows: SheetRow[] = [];
  let guard: SheetRow | undefined;
  let sheetName = '';
  try {
    const first = await sheets.next();
    if (first.done) throw new Fallback('no sheet');
    const sheet: SheetStream = first.value;
    sheetName = sheet.name;
    const it = sheet.rows[Symbol.asyncIterator]();
    try {
      while (rows.length < headerSearchRows + 1) {
        const n = await it.next();
        if (n.done) break;
        rows.push(n.value);
      }
      if (rows.length === headerSearchRows + 1) {
        const n = await it.next();
        if (!n.done) guard = n.value;
      }
    } finally {
      await it.return?.();
    }
  } catch (e) {
    if (e instanceof Fallback) throw e;
    // The JS path says what is wrong with the file.
    throw new Fallback(`head: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await sheets.return?.();
  }
  return { rows, ...(guard ? { guard } : {}), stream, sheetName };
}

/** A workbook of one sheet whose rows are given. */
function workbookOf(name: string, rows: () => AsyncIterable<SheetRow>, notices: WorkbookStream['notices']): WorkbookStream {
  const sheet: SheetStream = { name, index: 0, rows: { [Symbol.asyncIterator]: () => rows()[Symbol.asyncIterator]() } };
  return {
    sheets: {
      async *[Symbol.asyncIterator]() {
        yield sheet;
      },
    },
    notices,
  };
}

async function* listed(rows: readonly SheetRow[]): AsyncGenerator<SheetRow> {
  for (const r of rows) yield r;
}

/** Whether the bulk path may take `file` (a CSV on disk, large enough or `FIRESTAT_CSV_BULK=always`): its bytes are then scanned while hashed ({@link CsvByteScan}). */
export function csvBulkMayTake(file: SourceFile): boolean {
  const m = mode();
  if (m === 'off' || !/\.csv$/i.test(file.path) || !file.localPath) return false;
  return m === 'always' || file.bytes >= csvBulkSettings.minBytes;
}

/** The body as UTF-8 for DuckDB: the file itself, or a GB18030 file transcoded (by table, see `gb18030-utf8.ts`). */
async function utf8Body(
  file: SourceFile,
  encoding: string,
  cleanup: (() => void)[],
  scan: CsvScan,
): Promise<{ path: string; newline: string; fullWidth: readonly number[] }> {
  const check = scan.state;
  if (encoding === 'utf-8') {
    if (check.bad) throw new Fallback(check.bad);
    return { path: file.localPath!, newline: check.crlf ? '\\r\\n' : '\\n', fullWidth: check.fullWidth };
  }
  if (encoding !== 'gb18030') throw new Fallback(`encoding ${encoding}`);
  // Line ends are the same bytes in GB18030 (no multi-byte sequence holds CR or LF): the scan made
  // while hashing holds; the full-width characters are looked for in the UTF-8 written.
  if (check.bad) throw new Fallback(check.bad);
  const copy = scan.gbCopy;
  const differ = 'bytes the two GB18030 decoders read differently, or not at all';
  if (copy?.differs) throw new Fallback(differ);
  // Transcoded while it was hashed (the copy is the scan's, removed with it).
  if (copy) return { path: copy.path, newline: check.crlf ? '\\r\\n' : '\\n', fullWidth: copy.fullWidth };
  // Not transcoded while hashed (its first bytes were ASCII): the same copy, made now.
  const late = new GbCopy();
  cleanup.push(() => void late.dispose());
  await readLocalChunks(file.localPath!, (chunk) => late.write(chunk));
  await late.end();
  const made = late.done();
  if (!made) throw new Fallback('the UTF-8 copy could not be written');
  if (made.differs) throw new Fallback(differ);
  return { path: made.path, newline: check.crlf ? '\\r\\n' : '\\n', fullWidth: made.fullWidth };
}

/** `FIRESTAT_CSV_BULK_DEBUG=1`: phase timings on stderr; `=explain`: also the INSERT's `EXPLAIN ANALYZE`. */
const explain = process.env.FIRESTAT_CSV_BULK_DEBUG === 'explain';
const debug = process.env.FIRESTAT_CSV_BULK_DEBUG === '1' || explain;
let debugAt = performance.now();
function lap(what: string): void {
  if (!debug) return;
  const now = performance.now();
  process.stderr.write(`csv-bulk ${what}: ${Math.round(now - debugAt)} ms (at ${Math.round(now)} ms)\n`);
  debugAt = now;
}

/** Runs `fn`, interrupting DuckDB when the file's time is up. */
async function timed<T>(connection: DuckDBConnection, deadline: number, fn: () => Promise<T>): Promise<T> {
  lap('before query');
  const left = deadline - Date.now();
  if (left <= 0) throw new CsvBulkTimeout();
  const timer = setTimeout(() => connection.interrupt(), left);
  try {
    return await fn();
  } catch (e) {
    if (Date.now() >= deadline) throw new CsvBulkTimeout();
    throw e;
  } finally {
    clearTimeout(timer);
    lap('query');
  }
}

/** A column of the CSV: its field (if it maps to one) and the SQL pieces built for it. */
interface Col {
  readonly index: number;
  readonly name: string;
  readonly field?: FieldDefinition;
  /** Values SQL converts itself (non-NULL text); the rest go through the map. */
  fast: string;
  /** SQL value for such a text. */
  fastValue: string;
  /** Whether an empty cell leaves the row simple, and its value. */
  nullOk: boolean;
  nullValue: string;
  map?: string;
  /** How many of the map's values the JS conversion refused (their rows go to the parser). */
  bad?: number;
  /** The map's accepted values as SQL literals, when few: the INSERT needs no join. */
  inline?: [string, string][];
}

function mapType(field: FieldDefinition | undefined): string {
  if (!field) return 'VARCHAR';
  switch (field.type) {
    case 'count':
      return 'INTEGER';
    case 'amount':
      return 'DOUBLE';
    case 'yesno':
      return 'BOOLEAN';
    case 'choices':
      return 'VARCHAR[]';
    default:
      return 'VARCHAR';
  }
}

function sqlLiteral(field: FieldDefinition | undefined, value: FieldValue): string {
  if (value === null || value === undefined) return 'NULL';
  if (Array.isArray(value)) return value.length ? `[${value.map((v) => q(v)).join(', ')}]::VARCHAR[]` : '[]::VARCHAR[]';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'object') return 'NULL';
  return field?.type === 'date' ? `DATE ${q(value)}` : q(value);
}

async function prepare(
  input: CsvBulkInput,
  scan: CsvScan,
  cleanup: (() => Promise<void> | void)[],
  dispose: () => Promise<void>,
): Promise<CsvBulkPlan | undefined> {
  const { file, connection, deadline, limits } = input;
  const registry = input.parserContext.registry;
  const matcher = input.parserContext.matcher;
  const head = await readHead(input);
  const encoding = head.stream.encoding?.encoding;
  if (!encoding) throw new Fallback('encoding not decided in the head');
  const parserCtx = input.parserContext;

  // The probe: the real parser over the head alone says form, unit, period and any problem.
  const probe = new SubmissionParser(
    workbookOf(head.sheetName, () => listed(head.rows), []),
    parserCtx,
  );
  for await (const _ of probe.records()) void _;
  const pr = probe.result;
  const form = pr.form;
  if (!head.guard) {
    // The whole file is in the head: the parser over it is the whole answer, nothing for SQL.
    const whole = new SubmissionParser(
      workbookOf(head.sheetName, () => listed(head.rows), head.stream.notices),
      parserCtx,
    );
    return {
      parser: whole,
      records: () => whole.records(),
      insert: async () => 0,
      dispose,
    };
  }
  if (pr.problems.hasErrors) throw new Fallback('the head has problems');
  if (form?.kind !== 'ledger' || form.periodField) throw new Fallback('not a ledger');
  if (!pr.unit || !pr.period) throw new Fallback('no unit or period');
  const layout = locateTable(head.rows.slice(0, headerSearchRows + 1), matcher);
  if (isLocateFailure(layout) || layout.form !== form) throw new Fallback('layout');
  if (layout.cumulativeColumns.length) throw new Fallback('cumulative columns');
  const unit = pr.unit;
  const period = pr.period;
  const skip = head.rows[head.rows.length - 1]!.rowNumber;
  const width = Math.max(...head.rows.map((r) => r.cells.length), head.guard.cells.length);
  if (width < 1 || width > limits.maxColumns) throw new Fallback('width');

  const { path: body, newline, fullWidth } = await utf8Body(file, encoding, cleanup as (() => void)[], scan);
  const tag = `${process.pid}_${++staging}`;
  const stage = `fs_csv_stage_${tag}`;
  const cols: Col[] = [];
  const mapped = new Map(layout.columns.map((c) => [c.column, c.field]));
  for (let i = 1; i <= width; i++)
    cols.push({
      index: i,
      name: `c${i}`,
      ...(mapped.get(i) ? { field: mapped.get(i)! } : {}),
      fast: 'false',
      fastValue: 'NULL',
      nullOk: true,
      nullValue: 'NULL',
    });
  const delimiter = await delimiterOf(body);

  // Header words (as the classifier sees them): a row holding one goes to the parser.
  const headerTexts = new Set<string>();
  for (const r of head.rows) {
    if (!layout.headerRowNumbers.includes(r.rowNumber)) continue;
    for (const c of r.cells) {
      const t = c === null || c === undefined ? '' : c instanceof Date ? c.toISOString().slice(0, 10) : squeeze(String(c));
      if (t) headerTexts.add(t);
    }
  }
  const schema = rowSchema(form);
  const convCtx = { registry, emptyCountIsZero: false, ...(period ? { contextYear: period.year } : {}) };
  // The contextYear the parser uses: stated by names and titles; a ledger's cells only read dates, which ignore it.
  const judge = (field: FieldDefinition | undefined, raw: string | null): { ok: boolean; value: FieldValue } => {
    if (raw !== null) {
      const text = squeeze(raw);
      if (text === '' || headerTexts.has(text) || suspiciousRes.some((r) => r.test(text))) return { ok: false, value: null };
    }
    if (!field) return { ok: true, value: null };
    const conv = convertCell(field, raw, convCtx);
    if (!conv.ok || conv.mark !== undefined || conv.sameAs) return { ok: false, value: null };
    const fieldSchema = (schema.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>)[field.id]!;
    if (!fieldSchema.safeParse(conv.value).success) return { ok: false, value: null };
    if (field.id === form.unitField) {
      if (conv.value === null) return { ok: true, value: unit.name };
      const named = registry.byName(String(conv.value));
      if (!named || !sameUnit(named, unit, form)) return { ok: false, value: null };
      return { ok: true, value: named.name };
    }
    return { ok: true, value: conv.value };
  };

  // Which cells SQL converts itself, tested once per cell on the raw text. The label regexes hold
  // only CJK and `:`/`：`, so folding full-width ASCII cannot change their answer; header words
  // and "no value" marks can hold ASCII, so a short text cell with full-width ASCII (which could
  // fold into one) goes to the JS conversion. Typed columns test only their value's shape: a
  // date, a number or an exact choice holds no CJK (no label), and the header words and marks of
  // that shape are listed (checked here in JS).
  const hasFullWidth = (c: string) => `regexp_matches(${c}, ${q(fullWidthRe)})`;
  // How many cells before column i are filled, as SQL. A column whose empty cell makes its row a
  // suspect (not nullOk) counts as filled: a cell's test only matters in a row that is not one, so
  // with three such columns before it the answer is known without looking.
  const nonNullBefore = (i: number): { sure: number; sql: string } => {
    const before = cols.slice(0, i - 1);
    const sure = before.filter((c) => !c.nullOk).length;
    return { sure, sql: [String(sure), ...before.filter((c) => c.nullOk).map((c) => `(${c.name} IS NOT NULL)::INT`)].join(' + ') };
  };
  const asciiLen = (texts: Iterable<string>) => Math.max(0, ...[...texts].filter((t) => /[!-~]/.test(t)).map((t) => [...t].length));
  const notIn = (n: string, texts: Iterable<string>) => {
    const list = [...new Set(texts)];
    return list.length ? [`${n} NOT IN (${list.map(q).join(', ')})`] : [];
  };
  /** All of `conds`, tested in order, each only on the rows the ones before let through. */
  const every = (conds: readonly string[]) =>
    conds.length === 1 ? conds[0]! : `CASE ${conds.map((x) => `WHEN NOT (${x}) THEN false`).join(' ')} ELSE true END`;
  const dateRe = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
  const countRe = /^(0|[1-9][0-9]{0,6})$/;
  const amountRe = /^(0|[1-9][0-9]{0,10})(\.[0-9]{1,2})?$/;
  for (const c of cols) {
    const n = c.name;
    const f = c.field;
    const marks = f ? [...new Set([...generalMarks, ...(f.noValueMarks ?? []), ...(f.sameAs?.marks ?? [])])] : [];
    const nv = judge(f, null);
    c.nullOk = nv.ok;
    c.nullValue = f?.id === form.unitField ? q(unit.name) : sqlLiteral(f, nv.value);
    // CASE, not OR: DuckDB then runs the regex only on the rows that need it.
    const before = nonNullBefore(c.index);
    const labels =
      c.index <= 3
        ? `NOT regexp_matches(${n}, ${q(suspiciousSql)})`
        : before.sure >= 3
          ? 'true'
          : `CASE WHEN ${before.sql} >= 3 THEN true ELSE NOT regexp_matches(${n}, ${q(suspiciousSql)}) END`;
    const foldable = Math.max(asciiLen(headerTexts), asciiLen(marks));
    // Header words and marks in one list, looked up only for cells short enough to be one of them.
    const wordsAndMarks = [...new Set([...headerTexts, ...marks])];
    const listedBytes = Math.max(0, ...wordsAndMarks.map((t) => Buffer.byteLength(t)));
    const textual = [
      ...(wordsAndMarks.length ? [`CASE WHEN strlen(${n}) > ${listedBytes} THEN true ELSE ${n} NOT IN (${wordsAndMarks.map(q).join(', ')}) END`] : []),
      // No character outside the canonical set (a search for one is cheaper than a full match; cells are never empty).
      `NOT regexp_matches(${n}, ${q(nonCanonicalRe)})`,
      ...(labels === 'true' ? [] : [labels]),
      // `length` counts characters one by one, `strlen` is stored: a cell of more bytes than four per character is longer.
      ...(foldable && fullWidth.length
        ? [`CASE WHEN strlen(${n}) > ${4 * foldable} OR length(${n}) > ${foldable} THEN true ELSE NOT ${hasFullWidth(n)} END`]
        : []),
    ];
    const shaped = (re: RegExp) =>
      notIn(
        n,
        [...headerTexts, ...marks].filter((t) => re.test(t)),
      );
    if (!f) {
      // A column no field reads only decides whether its row is simple. Printable ASCII without
      // spaces (serial numbers, codes) is neither a label (they all start or end in CJK) nor
      // changed by squeezing: only an ASCII header word would send its row to the parser.
      const asciiListed = wordsAndMarks.filter((t) => /^[!-~]+$/.test(t));
      c.fast = `CASE WHEN NOT regexp_matches(${n}, '[^!-~]') THEN ${asciiListed.length ? `${n} NOT IN (${asciiListed.map(q).join(', ')})` : 'true'} ELSE ${every(textual)} END`;
      continue;
    }
    switch (f.type) {
      case 'text':
        c.fast = every([`strlen(${n}) <= 4000 OR length(${n}) <= 4000`, ...textual]);
        c.fastValue = foldSql(n, fullWidth);
        break;
      case 'date':
        c.fast = every([
          `regexp_full_match(${n}, '[0-9]{4}-[0-9]{2}-[0-9]{2}')`,
          ...shaped(dateRe),
          `substr(${n}, 1, 4) BETWEEN '1900' AND '2100'`,
          `TRY_CAST(${n} AS DATE) IS NOT NULL`,
        ]);
        c.fastValue = `TRY_CAST(${n} AS DATE)`;
        break;
      case 'choice': {
        // The choices a cell may equal and stay simple: plain text, no label, header word or mark.
        const ok = (f.choices ?? []).filter(
          (x) => /^[!-~\u4e00-\u9fff]+$/.test(x) && !headerTexts.has(x) && !marks.includes(x) && !suspiciousRes.some((r) => r.test(x)),
        );
        c.fast = ok.length ? `${n} IN (${ok.map(q).join(', ')})` : 'false';
        c.fastValue = n;
        break;
      }
      case 'count':
        c.fast = every([`regexp_full_match(${n}, '0|[1-9][0-9]{0,6}')`, ...shaped(countRe)]);
        c.fastValue = `CAST(${n} AS INTEGER)`;
        break;
      case 'amount':
        c.fast = every([`regexp_full_match(${n}, '(0|[1-9][0-9]{0,10})(\\.[0-9]{1,2})?')`, ...shaped(amountRe)]);
        c.fastValue = `CAST(${n} AS DOUBLE)`;
        break;
      default:
        c.fast = 'false';
    }
  }

  // Staging: the body as text. Only a plain projection keeps DuckDB's insertion order (the rowid
  // is the record number); heavier expressions in the same statement reorder rows. An empty field,
  // quoted or not, is NULL (`allow_quoted_nulls`, DuckDB's default, said explicitly: every emptiness test below relies on it).
  const stageSql = (parallel: boolean) =>
    `CREATE TEMP TABLE ${stage} AS SELECT ${cols.map((c) => c.name).join(', ')} FROM read_csv(${q(body)}, header = false, all_varchar = true, auto_detect = false, allow_quoted_nulls = true, delim = ${q(delimiter)}, quote = '"', escape = '"', new_line = ${q(newline)}, skip = ${skip}, null_padding = true, parallel = ${parallel}, columns = {${cols.map((c) => `${q(c.name)}: 'VARCHAR'`).join(', ')}})`;
  cleanup.push(() => connection.run(`DROP TABLE IF EXISTS ${stage}`).then(() => undefined));
  if (csvBulkSettings.memoryLimit) {
    // The staging tables spill to DuckDB's temp directory instead of growing the process.
    await connection.run(`SET memory_limit = ${q(csvBulkSettings.memoryLimit)}`);
    // Back to DuckDB's default: nothing else in firestat sets a memory limit (one that did would be undone here).
    cleanup.push(() => connection.run('RESET memory_limit').then(() => undefined));
  }
  try {
    await timed(connection, deadline, () => connection.run(stageSql(true)));
  } catch (e) {
    if (e instanceof CsvBulkTimeout) throw e;
    try {
      await timed(connection, deadline, () => connection.run(stageSql(false)));
    } catch (e2) {
      if (e2 instanceof CsvBulkTimeout) throw e2;
      throw new Fallback(`read_csv: ${e2 instanceof Error ? e2.message.split('\n')[0] : String(e2)}`);
    }
  }

  // The JS reader's next row must be among DuckDB's first rows, once: DuckDB's `skip` counts a
  // quoted two-line title as two. Rows before it are the head's; record numbers follow from it.
  const g = await connection.runAndReadAll(`SELECT rowid AS r, ${cols.map((c) => c.name).join(', ')} FROM ${stage} WHERE rowid < 16 ORDER BY rowid`);
  const hits = g.getRows().filter((row) =>
    sameCells(
      row.slice(1).map((v) => (v === null ? null : String(v).replace(/\r\n?/g, '\n'))),
      head.guard!.cells,
    ),
  );
  if (hits.length !== 1) throw new Fallback('body does not start where the JS reader says');
  const r0 = Number(hits[0]![0]);
  const base = head.guard.rowNumber - r0;

  // Which columns hold few distinct values, judged on the first and last rows of the body: every distinct value of
  // those goes once through the JS conversion and no cell of theirs is tested in SQL. The others
  // (names, descriptions, numbers) are tested cell by cell in SQL, and only their odd values go to JS.
  // Either way a row is simple only when each of its cells is a value JS or SQL accepted; the
  // choice changes the time, never the rows (a label-like value in a later column of a full row,
  // which SQL lets through, goes to the parser instead).
  const forced = csvBulkSettings.fewValues;
  const half = csvBulkSettings.sampleRows / 2;
  const stageRows = forced ? 0 : Number((await timed(connection, deadline, () => connection.runAndReadAll(`SELECT count(*) FROM ${stage}`))).getRows()[0]![0]);
  const sr = forced
    ? {}
    : (
        await timed(connection, deadline, () =>
          connection.runAndReadAll(
            // The first and the last rows of the body (a ledger sorted by date or township can
            // leave a column empty at one end): two range scans, cheap at any size.
            `SELECT count(*) AS n, ${cols.map((c) => `approx_count_distinct(${c.name}) AS k${c.index}, count(${c.name}) AS f${c.index}`).join(', ')} FROM (SELECT * FROM ${stage} WHERE rowid >= ${r0} AND rowid < ${r0 + half} UNION ALL SELECT * FROM ${stage} WHERE rowid >= ${Math.max(r0 + half, stageRows - half)})`,
          ),
        )
      ).getRowObjects()[0]!;
  const few = new Set(
    cols.filter(
      (c) =>
        c.fast === 'false' ||
        // A column empty at both ends says nothing of its middle: tested cell by cell.
        (forced ? forced === 'all' : Number(sr[`f${c.index}`]) > 0 && Number(sr[`k${c.index}`]) <= Math.max(64, Number(sr.n) / 32)),
    ),
  );
  csvBulkStats.fewColumns = [...few].map((c) => c.index);

  // One pass: the row count, the widest cell, the rows whose empty cells or cell count send them to
  // the parser, and the distinct values JS is to judge.
  const filled = cols.map((c) => `(${c.name} IS NOT NULL)::INT`).join(' + ');
  const nullBad = cols.filter((c) => !c.nullOk).map((c) => `${c.name} IS NULL`);
  // Fewer than two cells filled (a heading or note row): with two columns that may not be empty, one of them is.
  const nb = [...(nullBad.length >= 2 ? [] : [`(${filled}) < 2`]), ...nullBad].join(' OR ') || 'false';
  const forJs = (c: Col) => (few.has(c) ? `${c.name} IS NOT NULL` : `${c.name} IS NOT NULL AND NOT coalesce(${c.fast}, false)`);
  const agg = await timed(connection, deadline, () =>
    connection.runAndReadAll(
      `SELECT count(*) AS n, count(*) FILTER (WHERE ${nb}) AS nb, ${cols.map((c) => `max(strlen(${c.name})) AS w${c.index}, list(DISTINCT ${c.name}) FILTER (WHERE ${forJs(c)}) AS d${c.index}`).join(', ')} FROM ${stage} WHERE rowid >= ${r0}`,
    ),
  );
  const a = agg.getRowObjects()[0]!;
  const total = Number(a.n);
  if (base + r0 + total + 2 > limits.maxRowsPerSheet) throw new Fallback('rows limit');
  let distinct = 0;
  for (const c of cols) {
    if (Number(a[`w${c.index}`] ?? 0) > limits.maxCellChars) throw new Fallback('cell limit');
    const values = ((a[`d${c.index}`] as { items?: unknown[] } | null)?.items ?? []) as (string | null)[];
    distinct += values.length;
    if (distinct > csvBulkSettings.maxDistinctValues) throw new Fallback('too many distinct values');
    if (!values.length) continue;
    const map = `fs_csv_map_${tag}_${c.index}`;
    const type = mapType(c.field);
    await connection.run(`CREATE TEMP TABLE ${map} (raw VARCHAR, ok BOOLEAN, val ${type})`);
    cleanup.push(() => connection.run(`DROP TABLE IF EXISTS ${map}`).then(() => undefined));
    const app = await connection.createAppender(map, 'main', 'temp');
    let bad = 0;
    const inline: [string, string][] = [];
    for (const raw of values) {
      const j = judge(c.field, String(raw).replace(/\r\n?/g, '\n'));
      app.appendVarchar(String(raw));
      app.appendBoolean(j.ok);
      appendValue(app, type, j.ok ? j.value : null);
      app.endRow();
      if (!j.ok) bad++;
      else if (j.value === null || typeof j.value !== 'object' || Array.isArray(j.value)) inline.push([String(raw), sqlLiteral(c.field, j.value)]);
    }
    app.closeSync();
    c.map = map;
    c.bad = bad;
    // A few accepted values: a CASE in the INSERT instead of a hash join over every row.
    if (inline.length === values.length - bad && inline.length <= 8) c.inline = inline;
  }
  lap('maps');

  // The rows for the parser: an empty cell that may not be, too few cells, or a refused value
  // (a clean file has none, and skips this pass).
  const refused = cols
    .filter((c) => c.map && c.bad)
    .map((c) => ` OR ${c.name} IN (SELECT raw FROM ${c.map} WHERE NOT ok)`)
    .join('');
  const suspects =
    Number(a.nb) > 0 || refused
      ? (
          await timed(connection, deadline, () =>
            connection.runAndReadAll(
              `SELECT rowid AS r, ${cols.map((c) => c.name).join(', ')} FROM ${stage} WHERE rowid >= ${r0} AND (${nb}${refused}) ORDER BY rowid LIMIT ${csvBulkSettings.maxSuspectRows + 1}`,
            ),
          )
        ).getRows()
      : [];
  if (suspects.length > csvBulkSettings.maxSuspectRows) throw new Fallback('too many rows for the parser');
  const suspectTable = `fs_csv_suspects_${tag}`;
  if (suspects.length) {
    // Their record numbers, for the INSERT to leave out.
    cleanup.push(() => connection.run(`DROP TABLE IF EXISTS ${suspectTable}`).then(() => undefined));
    await connection.run(`CREATE TEMP TABLE ${suspectTable} (r BIGINT)`);
    const app = await connection.createAppender(suspectTable, 'main', 'temp');
    for (const row of suspects) {
      app.appendBigInt(BigInt(row[0] as bigint));
      app.endRow();
    }
    app.closeSync();
  }
  const suspectRows: SheetRow[] = [];
  for (const row of suspects) {
    const cells = row.slice(1).map((v) => (v === null ? null : String(v).replace(/\r\n?/g, '\n'))) as CellValue[];
    while (cells.length && cells[cells.length - 1] === null) cells.pop();
    if (!cells.length) continue; // a record of empty fields: the JS reader skips it too
    suspectRows.push({ rowNumber: base + Number(row[0]), cells });
  }
  const counted = layout.columns.some((c) => c.field.type === 'count' || c.field.type === 'amount');
  if (counted && suspectRows.some((r) => r.cells.some((v) => typeof v === 'string' && totalLabel.test(squeeze(v)))))
    throw new Fallback('a total row where sums are checked');
  const simpleRows = total - suspects.length;

  const parser = new SubmissionParser(
    workbookOf(head.sheetName, () => listed([...head.rows, ...suspectRows]), head.stream.notices),
    parserCtx,
  );
  const fp = factPeriod(period);
  const fieldExpr = (f: FieldDefinition): string => {
    const c = cols.find((x) => x.field === f);
    if (!c) return f.type === 'choices' ? '[]::VARCHAR[]' : 'NULL';
    const value = c.fastValue.replace(new RegExp(`\\b${c.name}\\b`, 'g'), `s.${c.name}`);
    // A non-empty cell of a simple row is in its map (then the JS conversion's value) or SQL converts it.
    if (c.inline)
      return `CASE WHEN s.${c.name} IS NULL THEN ${c.nullValue} ${c.inline.map(([raw, lit]) => `WHEN s.${c.name} = ${q(raw)} THEN ${lit}`).join(' ')} ELSE ${value} END`;
    return `CASE WHEN s.${c.name} IS NULL THEN ${c.nullValue} ${c.map ? `WHEN ${c.map}.raw IS NOT NULL THEN ${f.type === 'date' ? `CAST(${c.map}.val AS DATE)` : `${c.map}.val`} ` : ''}ELSE ${value} END`;
  };
  const unitField = form.unitField ? form.fields.find((f) => f.id === form.unitField) : undefined;
  const unitCol = unitField ? cols.find((c) => c.field === unitField) : undefined;
  const sheetName = head.sheetName;
  return {
    parser,
    async *records() {
      yield* parser.records();
      parser.result.rows += simpleRows;
    },
    async insert(submissionId: number): Promise<number> {
      if (simpleRows === 0) return 0;
      const exprs = factColumns(form).map((fc) => {
        switch (fc.name) {
          case 'submission_id':
            return String(submissionId);
          case 'sheet':
            return q(sheetName);
          case 'source_row':
            return `${base} + s.rowid`;
          case 'unit':
            return unitCol ? `coalesce(${fieldExpr(unitField!)}, ${q(unit.name)})` : q(unit.name);
          case 'year':
            return String(fp.year);
          case 'quarter':
            return String(fp.quarter);
          case 'month':
            return fp.month === null ? 'NULL' : String(fp.month);
          default:
            return fieldExpr(fc.field!);
        }
      });
      const names = factColumns(form).map((fc) => fc.name);
      const select = `SELECT ${exprs.join(', ')} FROM ${stage} s ${cols
        .filter((c) => c.field && c.map && !c.inline)
        .map((c) => `LEFT JOIN ${c.map} ON ${c.map}.raw = s.${c.name}`)
        .join(' ')} WHERE s.rowid >= ${r0}${suspects.length ? ` AND s.rowid NOT IN (SELECT r FROM ${suspectTable})` : ''}`;
      if (explain) {
        const plan = await connection.runAndReadAll(`EXPLAIN ANALYZE ${select}`);
        process.stderr.write(`${String(plan.getRows()[0]?.[1] ?? '')}\n`);
        lap('explain analyze');
      }
      const r = await timed(connection, deadline, () => connection.runAndReadAll(`INSERT INTO ${form.table} (${names.join(', ')}) ${select}`));
      const n = Number(r.getRows()[0]?.[0] ?? 0);
      if (n !== simpleRows) throw new Error(`CSV bulk load inserted ${n} rows, expected ${simpleRows}`);
      lap('insert done');
      return n;
    },
    dispose,
  };
}

function appendValue(app: DuckDBAppender, type: string, v: FieldValue): void {
  if (v === null || v === undefined) app.appendNull();
  else if (type === 'INTEGER') app.appendInteger(v as number);
  else if (type === 'DOUBLE') app.appendDouble(v as number);
  else if (type === 'BOOLEAN') app.appendBoolean(v as boolean);
  else if (type === 'VARCHAR[]') app.appendList(v as string[], LIST(VARCHAR));
  else app.appendVarchar(String(v));
}

/** A unit cell's unit that the parser accepts beside the sheet's without a word (unit_conflict otherwise). */
function sameUnit(named: Unit, unit: Unit, form: FormDefinition): boolean {
  return named.code === unit.code || (named.kind === 'bureau' && unit.kind === 'bureau' && form.kind === 'ledger');
}

function factPeriod(p: Period): { year: number; quarter: number; month: number | null } {
  return { year: p.year, quarter: quarterOf(p) ?? quarterOfMonth(p.toMonth), month: periodKind(p) === 'month' ? p.fromMonth : null };
}

function sameCells(duck: readonly (string | null)[], js: readonly CellValue[]): boolean {
  const d = [...duck];
  while (d.length && d[d.length - 1] === null) d.pop();
  if (d.length !== js.length) return false;
  return d.every((v, i) => v === (js[i] ?? null));
}

/** The delimiter the JS reader chose: the same choice (`detectDelimiter`) on the same first lines. */
async function delimiterOf(body: string): Promise<string> {
  const handle = await open(body, 'r');
  try {
    const buf = Buffer.alloc(256 * 1024);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    let text = buf.subarray(0, bytesRead).toString('utf8');
    const lastLF = text.lastIndexOf('\n');
    if (lastLF >= 0) text = text.slice(0, lastLF + 1);
    text = text.replace(/^\uFEFF+/, '').replace(/\r\n?/g, '\n');
    return detectDelimiter(text, false);
  } finally {
    await handle.close();
  }
}
