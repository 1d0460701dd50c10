import { writeCumulative, type CumulativeRow } from '../../warehouse/load/cumulative-writer.js';
import { basename } from 'node:path';
import { shanghaiTimestamp, type Clock } from '../../domain/clock.js';
import { forms } from '../../domain/forms/index.js';
import { periodKind, periodLabel, quarterOf, quarterOfMonth, type Period } from '../../domain/periods.js';
import type { Unit, UnitRegistry } from '../../domain/units.js';
import type { FormDefinition } from '../../domain/forms/form-definition.js';
import { readerFor, type ReaderChoice } from '../../sources/readers/index.js';
import { defaultReadLimits, type ReadLimits } from '../../sources/readers/reader.js';
import type { Source, SourceFile } from '../../sources/source.js';
import { FactWriter } from '../../warehouse/load/fact-writer.js';
import { CsvBulkTimeout, prepareCsvBulk, type CsvBulkPlan } from './csv-bulk/csv-bulk-load.js';
import type { CsvScan } from './csv-bulk/csv-byte-scan.js';
import { hashFile, releaseBytes, type FileBytes, type HashAhead } from './file-hash.js';
import { anyRules, maxAttempts, SubmissionStore, type RunCounts, type SeenOutcome } from '../../warehouse/load/submission-store.js';
import { rulesFingerprint } from '../../domain/rules-fingerprint.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { HeaderMatcher } from '../normalize/header-matcher.js';
import { ProblemList, splitTechnical, type Problem } from '../parse/problem.js';
import { SubmissionParser, type ParsedRecord, type ParsedSubmission } from '../parse/submission-parser.js';
import { guessFromPath } from '../parse/stated-unit-period.js';
import { refusalFolder, refusalReason, writeRefusalReport, type RefusalReportInput } from './refusal-report.js';
import { acceptedNotice, acceptedPlacements, type Placement } from '../review/placements.js';

/** What happened to one file in a run. */
export interface FileOutcome {
  readonly path: string;
  /**
   * `loaded` new data; `unchanged` seen before; `replaced` superseded on arrival by a newer file;
   * `rejected` refused for what it holds (for good, unless it moves or the registry or forms
   * change); `failed` could not be processed this time (timeout, I/O or internal error) and is
   * tried again on later runs, up to {@link maxAttempts} times.
   */
  readonly status: 'loaded' | 'unchanged' | 'replaced' | 'rejected' | 'failed';
  readonly submissionId?: number;
  readonly form?: string;
  readonly unit?: string;
  readonly period?: string;
  readonly rows?: number;
  /** Chinese reason for a refusal. */
  readonly reason?: string;
  /** Earlier submissions this file replaced. */
  readonly replacedIds?: readonly number[];
  /** Warnings kept with a loaded file. */
  readonly warnings?: number;
  /** The refusal's text report (`退回说明-<unit>-<period>.txt`), in the refused file's own folder under the reports folder. */
  readonly reportPath?: string;
  /** The marked-up copy of the refused workbook beside the report, when one could be made. */
  readonly markedCopyPath?: string;
  /** The file's content hash, once read. */
  readonly sha256?: string;
  /** For `unchanged` found by its bytes: what became of the earlier file with the same bytes. */
  readonly sameAs?: SeenOutcome;
}

/** The result of a run: one outcome per file, never an exception half-way. */
export interface IngestResult {
  readonly runId: number;
  /** True when the run was stopped by its signal before every file was looked at. */
  readonly interrupted: boolean;
  readonly outcomes: readonly FileOutcome[];
  readonly counts: RunCounts;
}

/** Everything ingest needs, passed in (clock, source, warehouse). */
export interface IngestOptions {
  readonly source: Source;
  readonly warehouse: Warehouse;
  readonly registry: UnitRegistry;
  /**
   * Folder for refusal reports: one folder per refused file, `NNNNNN-<unit>-<period>/` (the
   * submission number first, so nothing is ever overwritten), holding `退回说明-<unit>-<period>.txt`
   * and the marked-up copy `退回-<file name>.xlsx`.
   */
  readonly reportsDir: string;
  readonly clock: Clock;
  readonly limits?: ReadLimits;
  /** Longest time one file may take before it is refused (seconds). Default 120. */
  readonly maxSecondsPerFile?: number;
  /** Called after each file, for progress. */
  readonly onFile?: (outcome: FileOutcome) => void;
  /** Called once the files to look at are known. */
  readonly onStart?: (files: number) => void;
  /** Due days per form code from configuration (default: each form's own). */
  readonly dueDays?: Readonly<Record<string, number>>;
  /** Stops the run between files (SIGTERM): the file in hand is finished, the rest wait for the next run. */
  readonly signal?: AbortSignal;
  /** Hashes worked out ahead (while the warehouse was opened, or the file before was loaded). */
  readonly hashAhead?: HashAhead;
}

class FileTimeout extends Error {}
/** The reader stopped the file for this run (the heap guard); its problem says why. */
class ReadStopped extends Error {}
/** Ends the file's transaction without keeping anything: the file is refused (`problem`, if any, says why besides the parser's). */
class Refusal extends Error {
  constructor(
    readonly status: 'rejected' | 'failed',
    readonly problem?: Problem,
  ) {
    super(`refused (${status})`);
  }
}

/** The problems less those with `code` (the reader's `read_timeout`, said again as the file's timeout). */
function withoutCode(problems: ProblemList, code: string): ProblemList {
  const kept = new ProblemList();
  for (const p of problems.items) if (p.code !== code) kept.add(p);
  return kept;
}

/**
 * Loads every new file the source offers into the warehouse. Each file is loaded whole, in one
 * transaction, or refused with a report; a later file for the same unit, form and period
 * replaces the earlier one. Files seen before (same path, size and time, or same bytes) cost
 * one lookup — except a refusal under another unit registry or form definitions, bytes refused at
 * another path (moved where the refusal asked), a failure (timeout, I/O or internal error) not yet
 * tried {@link maxAttempts} times, and a file `firestat reprocess` asked for: those are read again.
 */
export async function ingest(options: IngestOptions): Promise<IngestResult> {
  const { warehouse, clock } = options;
  const store = new SubmissionStore(warehouse);
  await warehouse.syncUnits(options.registry, options.dueDays);
  const now = clock();
  const runId = await store.startRun(shanghaiTimestamp(now));
  const outcomes: FileOutcome[] = [];
  const matcher = new HeaderMatcher(forms);
  const rules = rulesFingerprint(options.registry);
  // Refused files the analyst let in (`firestat review accept`), by content: read with the stated unit and period.
  const placements = await acceptedPlacements(warehouse, options.registry);
  try {
    const memory = await store.fileMemory(rules);
    const files: SourceFile[] = [];
    for await (const file of options.source.list()) files.push(file);
    // Oldest first, so that when several versions arrive together the newest ends up current. A
    // time in the future (a wrong clock on the sender's PC) counts as now: it cannot make a file
    // win over corrections that arrive later.
    const received = new Map(files.map((f) => [f, receivedBy(f, now)]));
    sortForReading(files, now);
    options.onStart?.(files.length);
    let interrupted = false;
    for (const file of files) {
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      let outcome: FileOutcome;
      const identity = { path: file.path, bytes: file.bytes, modifiedAt: shanghaiTimestamp(file.modifiedAt) };
      if (memory.unchanged(identity)) {
        outcome = { path: file.path, status: 'unchanged' };
      } else {
        const reprocess = memory.reprocessRequested(file.path);
        outcome = await ingestFile(file, {
          ...options,
          store,
          runId,
          matcher,
          rules,
          placements,
          receivedAt: received.get(file)!,
          attempt: memory.failures(identity) + 1,
          reprocess,
        });
        await store.rememberFile({
          ...identity,
          sha256: outcome.sha256 ?? null,
          submissionId: outcome.submissionId ?? null,
          runId,
          outcome: outcome.status === 'unchanged' ? (outcome.sameAs ?? 'loaded') : outcome.status,
          // A refusal by the source (a link out of the inbox, an unsafe name) does not depend on the registry.
          rules: file.refusal ? anyRules : rules,
        });
        if (reprocess) await store.reprocessDone(file.path, runId);
      }
      outcomes.push(outcome);
      options.onFile?.(outcome);
    }
    const counts = countOutcomes(outcomes, files.length);
    await store.finishRun(runId, shanghaiTimestamp(clock()), counts, undefined, interrupted ? 'interrupted' : 'completed');
    return { runId, interrupted, outcomes, counts };
  } catch (e) {
    const counts = countOutcomes(outcomes, outcomes.length);
    await store.finishRun(runId, shanghaiTimestamp(clock()), counts, e instanceof Error ? e.message : String(e));
    throw e;
  } finally {
    // Hashes worked out for files the run did not get to (stopped, or passed over) are let go.
    options.hashAhead?.dispose();
  }
}

/**
 * The order a run reads its files in: oldest first, so that when several versions arrive together
 * the newest ends up current; a time in the future counts as now (see {@link ingest}). Sorts in place.
 */
export function sortForReading(files: SourceFile[], now: Date): SourceFile[] {
  const received = new Map(files.map((f) => [f, receivedBy(f, now).getTime()]));
  return files.sort((a, b) => received.get(a)! - received.get(b)! || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The files of `files` whose bytes a run reads, in the order it reads them: on disk and not
 * refused before a byte is read ({@link refusedUnread}). What the night works out ahead (hashes,
 * the first workbook's read) is worked out for these.
 */
export function filesToRead(files: readonly SourceFile[], now: Date, limits: ReadLimits): SourceFile[] {
  return sortForReading([...files], now).filter((f) => f.localPath && !refusedUnread(f, limits));
}

/** When a file counts as received: as the source says, but never later than the run's clock. */
function receivedBy(file: SourceFile, now: Date): Date {
  return file.receivedAt.getTime() > now.getTime() ? now : file.receivedAt;
}

function countOutcomes(outcomes: readonly FileOutcome[], seen: number): RunCounts {
  const n = (s: FileOutcome['status']) => outcomes.filter((o) => o.status === s).length;
  return {
    files_seen: seen,
    files_loaded: n('loaded'),
    files_unchanged: n('unchanged'),
    files_replaced: outcomes.reduce((acc, o) => acc + (o.replacedIds?.length ?? 0), 0) + n('replaced'),
    files_refused: n('rejected'),
    rows_loaded: outcomes.reduce((acc, o) => acc + (o.status === 'loaded' ? (o.rows ?? 0) : 0), 0),
    files_failed: n('failed'),
  };
}

interface FileContext extends IngestOptions {
  readonly store: SubmissionStore;
  readonly runId: number;
  readonly matcher: HeaderMatcher;
  /** The rules fingerprint of this run (registry and forms). */
  readonly rules: string;
  /** When the file counts as received (capped at the run's clock). */
  readonly receivedAt: Date;
  /** Which try this is for a file that failed before (1 the first time). */
  readonly attempt: number;
  /** `firestat reprocess` asked for this file: read it even if its bytes were dealt with before. */
  readonly reprocess: boolean;
  /** Accepts in force by file SHA-256 (see `pipelines/review/placements.ts`). */
  readonly placements: ReadonlyMap<string, Placement>;
}

function factPeriod(record: ParsedRecord): { year: number; quarter: number; month: number | null } {
  const p = record.period;
  const kind = periodKind(p);
  return { year: p.year, quarter: quarterOf(p) ?? quarterOfMonth(p.toMonth), month: kind === 'month' ? p.fromMonth : null };
}

/** One file in hand: its submission number (kept whether it is loaded or refused), the columns every outcome shares, its problems so far. */
interface FileJob {
  readonly file: SourceFile;
  readonly ctx: FileContext;
  readonly submissionId: number;
  /** When the file counts as received, as a Beijing timestamp. */
  readonly receivedAt: string;
  /** The `submissions` columns a loaded and a refused file alike record. */
  readonly base: { run_id: number; path: string; bytes: number; modified_at: string; received_at: string };
  /** Milliseconds since the file was taken in hand. */
  readonly elapsed: () => number;
  /** The problems a refusal lists (the parser's, once it ran). */
  problems: ProblemList;
}

/** What was found of a file before it was refused, to file the refusal under. */
interface Found {
  form?: string;
  formName?: string;
  unit?: { name: string; code: string };
  period?: Period;
  sha256?: string;
  sheets?: string[];
  /** What the names and titles said where the contents did not settle it. */
  guess?: { unit?: { name: string; code: string }; period?: Period };
}

/**
 * Loads one file whole or refuses it, deciding in this order: what the source says of it and its
 * size; its bytes (read before with the same rules: `unchanged`); its format; then its contents
 * (see {@link readAndLoad}).
 */
async function ingestFile(file: SourceFile, ctx: FileContext): Promise<FileOutcome> {
  const job = await takeInHand(file, ctx);
  const limits = ctx.limits ?? defaultReadLimits;
  const unread = refusedUnread(file, limits);
  if (unread) {
    job.problems.add(unread.problem);
    return refuse(job, undefined, unread.status);
  }
  let bytes: FileBytes;
  try {
    // Worked out ahead when the run could (a failure there is tried again here).
    bytes = (await ctx.hashAhead?.take(file)?.catch(() => undefined)) ?? (await hashFile(file));
  } catch (e) {
    // An I/O error is the disk's or the network share's, not the sender's: tried again later.
    job.problems.add({
      severity: 'error',
      code: 'unreadable',
      message: '文件无法打开：读取磁盘或网络共享上的文件时出错',
      detail: e instanceof Error ? e.message : String(e),
    });
    return refuse(job, undefined, 'failed');
  }
  try {
    return await readHashed(job, bytes, limits);
  } finally {
    await releaseBytes(bytes);
  }
}

/** A file whose bytes are hashed: seen before, or read with the reader its first bytes choose. */
async function readHashed(job: FileJob, bytes: FileBytes, limits: ReadLimits): Promise<FileOutcome> {
  const { file, ctx } = job;
  const { sha256, head, scan } = bytes;
  if (!ctx.reprocess) {
    const sameAs = await ctx.store.contentSeen(sha256, file.path, ctx.rules);
    if (sameAs) return { path: file.path, status: 'unchanged', sha256, sameAs };
  }

  const reader = await readerFor(file, head);
  if ('refusal' in reader) {
    // The reader's own (English) words, if any, are technical detail.
    const { message, detail } = splitTechnical(reader.refusal);
    job.problems.add({ severity: 'error', code: 'unsupported_format', message, ...(detail ? { detail } : {}) });
    return refuse(job, { sha256 });
  }
  return readAndLoad(job, sha256, reader, limits, scan);
}

/** Takes a file in hand: its submission number, the columns every outcome records, and the clock for its duration. */
async function takeInHand(file: SourceFile, ctx: FileContext): Promise<FileJob> {
  const receivedAt = shanghaiTimestamp(ctx.receivedAt);
  const base = {
    run_id: ctx.runId,
    path: file.path,
    bytes: file.bytes,
    modified_at: shanghaiTimestamp(file.modifiedAt),
    received_at: receivedAt,
  };
  const submissionId = await ctx.store.nextSubmissionId();
  const started = performance.now();
  return { file, ctx, submissionId, receivedAt, base, elapsed: () => Math.round(performance.now() - started), problems: new ProblemList() };
}

/**
 * Whether the file is refused before a byte is read: the source refused it (a link out of the inbox,
 * an unsafe name: for good), could not hand it over (tried again), or it is larger than the limit.
 */
function refusedUnread(file: SourceFile, limits: ReadLimits): { problem: Problem; status: 'rejected' | 'failed' } | undefined {
  if (file.refusal) return { problem: { severity: 'error', code: 'source_refused', message: file.refusal }, status: 'rejected' };
  if (file.failure) return { problem: { severity: 'error', code: 'source_failed', message: file.failure }, status: 'failed' };
  if (file.bytes > limits.maxFileBytes) {
    return {
      problem: {
        severity: 'error',
        code: 'too_large',
        message: `文件过大（${Math.round(file.bytes / 1048576)} MB），超过上限 ${Math.round(limits.maxFileBytes / 1048576)} MB。请拆分后报送`,
      },
      status: 'rejected',
    };
  }
  return undefined;
}

/** How far a file got: still reading its contents, or writing them to the warehouse (an error then is the warehouse's). */
type Stage = 'read' | 'write';

/** What reading a file's contents needs inside its transaction. */
interface ContentRead {
  readonly parser: SubmissionParser;
  /** DuckDB reads a large ledger CSV's body (see `csv-bulk/csv-bulk-load.ts`). */
  readonly bulk: CsvBulkPlan | undefined;
  readonly sha256: string;
  /** `Date.now()` past which the file is stopped. */
  readonly deadline: number;
  stage: Stage;
}

/** What a loaded file became, as its transaction returns it. */
interface Loaded {
  readonly status: 'loaded' | 'replaced';
  readonly replaced: number[];
  readonly form: string;
  readonly unit: string;
  readonly period: string;
  readonly rows: number;
}

/**
 * Reads the contents and loads them in one transaction of the Kysely dialect, so a commit that DuckDB
 * turned into a rollback is reported (as a write error), never taken for a load. Whether the file is
 * loaded, refused for its contents, or failed for this run (timeout, heap guard, an error of the
 * program or the warehouse) is decided here; a refusal is filed under what was found so far.
 */
async function readAndLoad(
  job: FileJob,
  sha256: string,
  reader: Extract<ReaderChoice, { load: unknown }>,
  limits: ReadLimits,
  scan: CsvScan | undefined,
): Promise<FileOutcome> {
  const { file, ctx } = job;
  const deadline = Date.now() + (ctx.maxSecondsPerFile ?? 120) * 1000;
  // The readers check the deadline inside the file too (XML and CSV chunks, formula evaluation).
  const parserContext = {
    registry: ctx.registry,
    matcher: ctx.matcher,
    path: file.path,
    ...(ctx.placements.has(sha256) ? { placement: ctx.placements.get(sha256)! } : {}),
  };
  const workbookReader = await reader.load();
  // A large ledger CSV: DuckDB reads the body, the same parser the rest (csv-bulk/csv-bulk-load.ts); else the JS path.
  const bulk = await prepareCsvBulk({
    file,
    reader: workbookReader,
    limits,
    deadline,
    connection: ctx.warehouse.duckdb,
    parserContext,
    scan,
  });
  const parser = bulk?.parser ?? new SubmissionParser(workbookReader.read(file, { ...limits, deadline }), parserContext);
  const read: ContentRead = { parser, bulk, sha256, deadline, stage: 'read' };
  try {
    const loaded = await ctx.store.transaction((trx) => loadInTransaction(job, trx, read));
    job.problems = parser.result.problems;
    return loadedOutcome(job, sha256, loaded);
  } catch (e) {
    job.problems = parser.result.problems;
    if (e instanceof Refusal) {
      if (e.problem) job.problems.add(e.problem);
      return refuse(job, foundSoFar(parser, sha256), e.status, e.status === 'rejected');
    }
    addFailure(job, e, read.stage);
    // A timeout or an error of the program says nothing about the file's contents: tried again
    // later. Filed under what was found so far, so the 调度 matrix shows it as 待处理.
    return refuse(job, foundSoFar(parser, sha256), 'failed');
  } finally {
    await bulk?.dispose();
  }
}

/** What the parser found so far, to file a refusal under. */
function foundSoFar(parser: SubmissionParser, sha256: string): Found {
  const r = parser.result;
  return {
    sha256,
    sheets: r.sheets,
    ...(r.form ? { form: r.form.code, formName: `${r.form.code} ${r.form.name}` } : {}),
    ...(r.unit ? { unit: r.unit } : {}),
    ...(r.period ? { period: r.period } : {}),
    guess: r.guess,
  };
}

/**
 * The transaction's work: stream the facts in, decide whether the contents refuse the file, then
 * record the submission. Anything thrown rolls the transaction back (the fact writer's rows too).
 */
async function loadInTransaction(job: FileJob, trx: SubmissionStore, read: ContentRead): Promise<Loaded> {
  const facts: { writer?: FactWriter } = {};
  try {
    const cumulative = await writeFacts(job, read, facts);
    const contents = settledContents(read.parser);
    read.stage = 'write';
    const open = facts.writer;
    delete facts.writer;
    open?.close();
    await read.bulk?.insert(job.submissionId);
    return await recordSubmission(job, trx, contents, read.sha256, cumulative);
  } finally {
    try {
      facts.writer?.close();
    } catch {
      /* the file is not loaded: the transaction's rollback discards whatever the appender held */
    }
  }
}

/**
 * Streams the parser's records into the form's fact table for as long as the file has no errors, and
 * collects the running totals written beside them (`1-9月累计`). Past the deadline: {@link FileTimeout}.
 */
async function writeFacts(job: FileJob, read: ContentRead, facts: { writer?: FactWriter }): Promise<CumulativeRow[]> {
  const { parser, bulk, deadline } = read;
  const cumulative: CumulativeRow[] = [];
  for await (const record of bulk ? bulk.records() : parser.records()) {
    if (Date.now() > deadline) throw new FileTimeout();
    if (parser.result.problems.hasErrors) continue;
    facts.writer ??= await FactWriter.open(job.ctx.warehouse.duckdb, parser.result.form!);
    const period = factPeriod(record);
    facts.writer.write(job.submissionId, { sheet: record.sheet, rowNumber: record.rowNumber, unit: record.unit, ...period, values: record.values });
    for (const c of record.cumulative ?? [])
      cumulative.push({ sheet: record.sheet, rowNumber: record.rowNumber, cell: c.cell, unit: record.unit, ...period, metric: c.field, value: c.value });
  }
  return cumulative;
}

/** A parser result that settles the file: its form, unit and period. */
interface SettledContents {
  readonly result: ParsedSubmission;
  readonly form: FormDefinition;
  readonly unit: Unit;
  readonly period: Period;
}

/**
 * Whether the contents, read to the end, let the file in: the reader stopped inside it (deadline, heap
 * guard: nothing about its contents, tried again later), the parser found errors (refused — the parser
 * alone decides, as in the browser self-check), or a result without form, unit or period (a program error).
 */
function settledContents(parser: SubmissionParser): SettledContents {
  const codes = new Set(parser.result.problems.items.map((p) => p.code));
  if (codes.has('read_timeout')) throw new FileTimeout();
  // The heap guard, or a fault of the reader itself (a bug, its thread gone): nothing said of the contents.
  if (codes.has('read_out_of_memory') || codes.has('read_internal')) throw new ReadStopped();
  const r = parser.result;
  // The parser's finish() says `incomplete` when no unit or period is settled.
  if (r.problems.hasErrors) throw new Refusal('rejected');
  if (!r.form || !r.unit || !r.period) {
    throw new Refusal('failed', {
      severity: 'error',
      code: 'internal',
      message: '处理该文件时程序出错。文件已保留，请联系系统管理员',
      detail: 'parser result without form, unit or period and without errors',
    });
  }
  return { result: r, form: r.form, unit: r.unit, period: r.period };
}

/**
 * Which current submissions of the same unit and form the file's period covers: those received no
 * later it replaces; one received later supersedes it (the file is kept as `replaced`). A period that
 * only partly overlaps a current one refuses the file.
 */
async function supersession(
  trx: SubmissionStore,
  contents: SettledContents,
  receivedAt: string,
): Promise<{ replaced: number[]; supersededBy: number | undefined }> {
  const { unit, form, period } = contents;
  const overlapping = await trx.overlapping(unit.code, form.code, period.year, period.fromMonth, period.toMonth);
  const replaced: number[] = [];
  let supersededBy: number | undefined;
  for (const cur of overlapping) {
    const contains = period.fromMonth <= cur.period_from && cur.period_to <= period.toMonth;
    if (!contains) {
      throw new Refusal('rejected', {
        severity: 'error',
        code: 'period_overlap',
        message: `本文件的统计期间“${periodLabel(period)}”与已入库的文件“${cur.path}”（${periodLabel({ year: period.year, fromMonth: cur.period_from, toMonth: cur.period_to })}）部分重叠，数据会被重复计算。如需更正，请重新报送整个期间的数据`,
      });
    }
    if (cur.received_at <= receivedAt) replaced.push(cur.submission_id);
    else supersededBy = cur.submission_id;
  }
  return { replaced, supersededBy };
}

/** Records the loaded file: its running totals, what it replaces (or what supersedes it), its submission row, problems and columns. */
async function recordSubmission(
  job: FileJob,
  trx: SubmissionStore,
  contents: SettledContents,
  sha256: string,
  cumulative: readonly CumulativeRow[],
): Promise<Loaded> {
  const { ctx, submissionId } = job;
  const { result: r, form, unit, period } = contents;
  const { replaced, supersededBy } = await supersession(trx, contents, job.receivedAt);
  const status = supersededBy === undefined ? ('loaded' as const) : ('replaced' as const);
  // Lineage of a file let in by the analyst: which decision, what it stated (kept whatever the cap).
  if (ctx.placements.has(sha256)) r.problems.items.push(acceptedNotice(ctx.placements.get(sha256)!));
  await writeCumulative(ctx.warehouse.duckdb, submissionId, form.code, cumulative);
  await trx.markReplaced(status === 'loaded' ? replaced : [], submissionId);
  await trx.insert(
    {
      ...job.base,
      submission_id: submissionId,
      sha256,
      loaded_at: shanghaiTimestamp(ctx.clock()),
      unit: unit.name,
      unit_code: unit.code,
      form: form.code,
      ...periodColumns(period),
      status,
      rows: r.rows,
      reason: null,
      placement_guessed: false,
      rules_fingerprint: ctx.rules,
      replaced_by: supersededBy ?? null,
      sheets: r.sheets,
      report_path: null,
      duration_ms: job.elapsed(),
    },
    r.problems.items,
    r.columns,
  );
  return { status, replaced, form: form.code, unit: unit.name, period: periodLabel(period), rows: r.rows };
}

/** The outcome of a loaded file: its warnings counted, the submissions it replaced listed. */
function loadedOutcome(job: FileJob, sha256: string, loaded: Loaded): FileOutcome {
  const warnings = job.problems.items.filter((p: Problem) => p.severity === 'warning').length;
  return {
    path: job.file.path,
    status: loaded.status,
    submissionId: job.submissionId,
    sha256,
    form: loaded.form,
    unit: loaded.unit,
    period: loaded.period,
    rows: loaded.rows,
    ...(loaded.status === 'loaded' && loaded.replaced.length ? { replacedIds: loaded.replaced } : {}),
    ...(warnings ? { warnings } : {}),
  };
}

/**
 * Says why the file could not be processed this time: a timeout (the reader's own `read_timeout`
 * said once, as the file's), the reader's heap guard (its own problem says it), an error of the
 * program while reading, or the warehouse refusing the write (disk full, a lock, an aborted commit).
 */
function addFailure(job: FileJob, e: unknown, stage: Stage): void {
  if ((stage === 'read' && e instanceof FileTimeout) || e instanceof CsvBulkTimeout) {
    job.problems = withoutCode(job.problems, 'read_timeout');
    job.problems.add({
      severity: 'error',
      code: 'timeout',
      message: `文件处理超过 ${job.ctx.maxSecondsPerFile ?? 120} 秒仍未完成，已停止。请检查文件是否过大或损坏`,
    });
  } else if (stage === 'read' && e instanceof ReadStopped) {
    // The reader's own problem (read_out_of_memory, read_internal) says why.
  } else if (stage === 'read') {
    job.problems.add({
      severity: 'error',
      code: 'internal',
      message: '处理该文件时程序出错。文件已保留，请联系系统管理员',
      detail: e instanceof Error ? e.message : String(e),
    });
  } else {
    // The warehouse refused the write (disk full, a lock, a commit DuckDB aborted): nothing was kept.
    job.problems.add({
      severity: 'error',
      code: 'internal',
      message: '写入数据仓库时出错。文件已保留，请联系系统管理员',
      detail: e instanceof Error ? e.message : String(e),
    });
  }
}

/**
 * Refuses the file (`rejected`: for what it holds, with a report for the clerk and, with `copy`, the
 * marked-up copy; `failed`: not the sender's doing, tried again) and records the refusal, filed under
 * {@link refusalPlace}.
 */
async function refuse(job: FileJob, found?: Found, status: 'rejected' | 'failed' = 'rejected', copy = false): Promise<FileOutcome> {
  const { file, ctx, submissionId, problems } = job;
  const { parsed, period, guessed } = refusalPlace(file.path, ctx.registry, found);
  const reason = refusalReasonFor(job, status);
  const written = status === 'rejected' ? await writeRefusalFiles(job, parsed, period, copy) : { reportPath: null };
  await ctx.store.insert(
    {
      ...job.base,
      submission_id: submissionId,
      sha256: parsed?.sha256 ?? '',
      loaded_at: shanghaiTimestamp(ctx.clock()),
      unit: parsed?.unit?.name ?? null,
      unit_code: parsed?.unit?.code ?? null,
      form: parsed?.form ?? null,
      ...periodColumns(period),
      status,
      rows: 0,
      reason,
      placement_guessed: guessed,
      rules_fingerprint: ctx.rules,
      sheets: parsed?.sheets ?? [],
      report_path: written.reportPath,
      duration_ms: job.elapsed(),
    },
    problems.items,
  );
  return {
    path: file.path,
    status,
    submissionId,
    reason,
    ...(written.reportPath ? { reportPath: written.reportPath } : {}),
    ...(written.markedCopyPath ? { markedCopyPath: written.markedCopyPath } : {}),
    ...(parsed?.sha256 ? { sha256: parsed.sha256 } : {}),
    ...(parsed?.form ? { form: parsed.form } : {}),
    ...(parsed?.unit ? { unit: parsed.unit.name } : {}),
    ...(period ? { period: periodLabel(period) } : {}),
  };
}

/**
 * Where a refused file is filed: what its contents said, else what its names and titles said, else
 * what its path says — so the 调度 matrix shows 退回 rather than 未报 — and whether any of that is a guess.
 */
function refusalPlace(path: string, registry: UnitRegistry, found: Found | undefined): { parsed: Found; period: Period | undefined; guessed: boolean } {
  const fromPath = guessFromPath(path, registry, forms);
  const unit = found?.unit ?? found?.guess?.unit ?? fromPath.unit;
  const period = found?.period ?? found?.guess?.period ?? fromPath.period;
  const parsed = {
    ...found,
    ...(!found?.form && fromPath.form ? { form: fromPath.form.code, formName: `${fromPath.form.code} ${fromPath.form.name}` } : {}),
    ...(unit ? { unit } : {}),
    ...(period ? { period } : {}),
  };
  const guessed = (!found?.form && !!fromPath.form) || (!found?.unit && !!unit) || (!found?.period && !!period);
  return { parsed, period, guessed };
}

/**
 * The refusal's reason: the problems in one line; for a failure (not the sender's doing: no report
 * for them) also, for the administrator, the technical detail and whether later runs try again.
 */
function refusalReasonFor(job: FileJob, status: 'rejected' | 'failed'): string {
  const { problems, ctx, submissionId } = job;
  let reason = refusalReason(problems.items, problems.omittedCount);
  if (status === 'failed') {
    const details = problems.items.filter((p) => p.severity === 'error' && p.detail).map((p) => p.detail);
    if (details.length) reason += `（技术信息：${details.join('；').slice(0, 300)}）`;
    reason +=
      ctx.attempt >= maxAttempts
        ? `（已连续 ${ctx.attempt} 次处理失败，不再自动重试；排除原因后可运行 firestat reprocess --submission ${submissionId} 重新读取）`
        : `（第 ${ctx.attempt} 次处理失败，以后的运行会自动重试，最多 ${maxAttempts} 次）`;
  }
  return reason;
}

/** Writes the refusal's text report for the clerk and, with `copy`, the marked-up copy beside it (named in the report once made). */
async function writeRefusalFiles(
  job: FileJob,
  parsed: Found,
  period: Period | undefined,
  copy: boolean,
): Promise<{ reportPath: string | null; markedCopyPath?: string }> {
  const { file, ctx, submissionId, problems } = job;
  const report: RefusalReportInput = {
    submissionId,
    path: file.path,
    receivedAt: job.receivedAt,
    ...(parsed?.formName ? { formName: parsed.formName } : {}),
    ...(parsed?.unit ? { unit: parsed.unit.name } : {}),
    ...(period ? { period: periodLabel(period) } : {}),
    problems: problems.items,
    omitted: problems.omittedCount,
  };
  const folder = refusalFolder(ctx.reportsDir, report);
  // The text report first: whatever becomes of the marked copy, the refusal is explained.
  const reportPath = await writeRefusalReport(folder, report);
  if (!copy) return { reportPath };
  const written = await markedCopy(folder, file, report);
  if (written.path || written.failure) {
    await writeRefusalReport(folder, {
      ...report,
      ...(written.path ? { markedCopy: basename(written.path) } : {}),
      ...(written.failure ? { technical: [written.failure] } : {}),
    });
  }
  return { reportPath, ...(written.path ? { markedCopyPath: written.path } : {}) };
}

function periodColumns(p: Period | undefined): {
  year: number | null;
  quarter: number | null;
  month: number | null;
  period_from: number | null;
  period_to: number | null;
} {
  if (!p) return { year: null, quarter: null, month: null, period_from: null, period_to: null };
  return {
    year: p.year,
    quarter: quarterOf(p) ?? null,
    month: periodKind(p) === 'month' ? p.fromMonth : null,
    period_from: p.fromMonth,
    period_to: p.toMonth,
  };
}

/**
 * Writes the marked-up copy of a refused file beside its report. Never stops the refusal: a copy
 * that cannot be made is a line in the report's 技术信息 — except where the file could not be read
 * as a table at all, or no problem is in a sheet (then there is nothing to mark, and the report
 * says all there is to say).
 */
async function markedCopy(folder: string, file: SourceFile, report: RefusalReportInput): Promise<{ path?: string; failure?: string }> {
  const unreadable = report.problems.some((p) => p.severity === 'error' && p.code.startsWith('read_') && p.sheet === undefined);
  // Nothing in a sheet to mark (no table found anywhere, a file-level read error): the copy would add nothing.
  if (!report.problems.some((p) => p.severity === 'error' && (p.sheet !== undefined || p.cell !== undefined))) return {};
  try {
    const { writeMarkedCopy } = await import('./marked-copy.js');
    const path = await writeMarkedCopy(folder, {
      file,
      problems: report.problems,
      omitted: report.omitted,
      ...(report.unit ? { unit: report.unit } : {}),
      ...(report.period ? { period: report.period } : {}),
      ...(report.formName ? { formName: report.formName } : {}),
    });
    if (path) return { path };
    return unreadable ? {} : { failure: '标出问题的表格副本未能生成（文件无法按表格重新读取或副本无法写入）' };
  } catch (e) {
    return { failure: `标出问题的表格副本未能生成：${e instanceof Error ? e.message : String(e)}` };
  }
}
