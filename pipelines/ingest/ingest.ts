import { writeCumulative, type CumulativeRow } from '../../warehouse/load/cumulative-writer.js';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { shanghaiTimestamp, type Clock } from '../../domain/clock.js';
import { forms } from '../../domain/forms/index.js';
import { periodKind, periodLabel, quarterOf, quarterOfMonth, type Period } from '../../domain/periods.js';
import type { UnitRegistry } from '../../domain/units.js';
import { readerFor } from '../../sources/readers/index.js';
import { SNIFF_BYTES } from '../../sources/readers/sniff.js';
import { defaultReadLimits, type ReadLimits } from '../../sources/readers/reader.js';
import type { Source, SourceFile } from '../../sources/source.js';
import { FactWriter } from '../../warehouse/load/fact-writer.js';
import { CsvBulkTimeout, prepareCsvBulk } from './csv-bulk/csv-bulk-load.js';
import { anyRules, maxAttempts, SubmissionStore, type RunCounts, type SeenOutcome } from '../../warehouse/load/submission-store.js';
import { rulesFingerprint } from '../../domain/rules-fingerprint.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { HeaderMatcher } from '../normalize/header-matcher.js';
import { ProblemList, splitTechnical, type Problem } from '../parse/problem.js';
import { SubmissionParser, type ParsedRecord } from '../parse/submission-parser.js';
import { guessFromPath } from '../parse/statements.js';
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
}

/** The file's hash, and its first bytes for recognising its format (one read, not two). */
async function sha256Of(file: SourceFile): Promise<{ sha256: string; head: Buffer }> {
  const hash = createHash('sha256');
  const head: Buffer[] = [];
  let headBytes = 0;
  for await (const chunk of file.open()) {
    const buf = chunk as Buffer;
    hash.update(buf);
    if (headBytes < SNIFF_BYTES) {
      head.push(buf);
      headBytes += buf.length;
    }
  }
  return { sha256: hash.digest('hex'), head: Buffer.concat(head).subarray(0, SNIFF_BYTES) };
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
    files.sort((a, b) => received.get(a)!.getTime() - received.get(b)!.getTime() || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
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
        outcome = await ingestFile(file, { ...options, store, runId, matcher, rules, placements, receivedAt: received.get(file)!, attempt: memory.failures(identity) + 1, reprocess });
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
  }
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

async function ingestFile(file: SourceFile, ctx: FileContext): Promise<FileOutcome> {
  const { store, warehouse, clock } = ctx;
  const receivedAt = shanghaiTimestamp(ctx.receivedAt);
  const base = {
    run_id: ctx.runId,
    path: file.path,
    bytes: file.bytes,
    modified_at: shanghaiTimestamp(file.modifiedAt),
    received_at: receivedAt,
  };
  const submissionId = await store.nextSubmissionId();
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let problems = new ProblemList();

  const refuse = async (found?: {
    form?: string;
    formName?: string;
    unit?: { name: string; code: string };
    period?: Period;
    sha256?: string;
    sheets?: string[];
    /** What the names and titles said where the contents did not settle it. */
    guess?: { unit?: { name: string; code: string }; period?: Period };
  }, status: 'rejected' | 'failed' = 'rejected', copy = false): Promise<FileOutcome> => {
    // What the contents did not say, the titles or the path may: the 调度 matrix files the
    // refusal under it (marked as a guess), so it shows 退回 rather than 未报.
    const fromPath = guessFromPath(file.path, ctx.registry, forms);
    const unit = found?.unit ?? found?.guess?.unit ?? fromPath.unit;
    const period = found?.period ?? found?.guess?.period ?? fromPath.period;
    const parsed = {
      ...found,
      ...(!found?.form && fromPath.form ? { form: fromPath.form.code, formName: `${fromPath.form.code} ${fromPath.form.name}` } : {}),
      ...(unit ? { unit } : {}),
      ...(period ? { period } : {}),
    };
    const guessed = (!found?.form && !!fromPath.form) || (!found?.unit && !!unit) || (!found?.period && !!period);
    let reason = refusalReason(problems.items, problems.omittedCount);
    if (status === 'failed') {
      // Not the sender's doing: no refusal report for them; the reason, for the administrator, says
      // what went wrong (the technical detail) and what happens next.
      const details = problems.items.filter((p) => p.severity === 'error' && p.detail).map((p) => p.detail);
      if (details.length) reason += `（技术信息：${details.join('；').slice(0, 300)}）`;
      reason +=
        ctx.attempt >= maxAttempts
          ? `（已连续 ${ctx.attempt} 次处理失败，不再自动重试；排除原因后可运行 firestat reprocess --submission ${submissionId} 重新读取）`
          : `（第 ${ctx.attempt} 次处理失败，以后的运行会自动重试，最多 ${maxAttempts} 次）`;
    }
    let reportPath: string | null = null;
    let markedCopyPath: string | undefined;
    if (status === 'rejected') {
      const report: RefusalReportInput = {
        submissionId,
        path: file.path,
        receivedAt,
        ...(parsed?.formName ? { formName: parsed.formName } : {}),
        ...(parsed?.unit ? { unit: parsed.unit.name } : {}),
        ...(period ? { period: periodLabel(period) } : {}),
        problems: problems.items,
        omitted: problems.omittedCount,
      };
      const folder = refusalFolder(ctx.reportsDir, report);
      // The text report first: whatever becomes of the marked copy, the refusal is explained.
      reportPath = await writeRefusalReport(folder, report);
      if (copy) {
        const written = await markedCopy(folder, file, report);
        if (written.path) markedCopyPath = written.path;
        if (written.path || written.failure) {
          await writeRefusalReport(folder, { ...report, ...(written.path ? { markedCopy: basename(written.path) } : {}), ...(written.failure ? { technical: [written.failure] } : {}) });
        }
      }
    }
    await store.insert(
      {
        ...base,
        submission_id: submissionId,
        sha256: parsed?.sha256 ?? '',
        loaded_at: shanghaiTimestamp(clock()),
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
        report_path: reportPath,
        duration_ms: elapsed(),
      },
      problems.items,
    );
    return {
      path: file.path,
      status,
      submissionId,
      reason,
      ...(reportPath ? { reportPath } : {}),
      ...(markedCopyPath ? { markedCopyPath } : {}),
      ...(parsed?.sha256 ? { sha256: parsed.sha256 } : {}),
      ...(parsed?.form ? { form: parsed.form } : {}),
      ...(parsed?.unit ? { unit: parsed.unit.name } : {}),
      ...(period ? { period: periodLabel(period) } : {}),
    };
  };

  if (file.refusal) {
    problems.add({ severity: 'error', code: 'source_refused', message: file.refusal });
    return refuse();
  }
  if (file.failure) {
    problems.add({ severity: 'error', code: 'source_failed', message: file.failure });
    return refuse(undefined, 'failed');
  }
  const limits = ctx.limits ?? defaultReadLimits;
  if (file.bytes > limits.maxFileBytes) {
    problems.add({ severity: 'error', code: 'too_large', message: `文件过大（${Math.round(file.bytes / 1048576)} MB），超过上限 ${Math.round(limits.maxFileBytes / 1048576)} MB。请拆分后报送` });
    return refuse();
  }
  let sha256: string;
  let head: Buffer;
  try {
    ({ sha256, head } = await sha256Of(file));
  } catch (e) {
    // An I/O error is the disk's or the network share's, not the sender's: tried again later.
    problems.add({ severity: 'error', code: 'unreadable', message: '文件无法打开：读取磁盘或网络共享上的文件时出错', detail: e instanceof Error ? e.message : String(e) });
    return refuse(undefined, 'failed');
  }
  if (!ctx.reprocess) {
    const sameAs = await store.contentSeen(sha256, file.path, ctx.rules);
    if (sameAs) return { path: file.path, status: 'unchanged', sha256, sameAs };
  }

  const reader = await readerFor(file, head);
  if ('refusal' in reader) {
    // The reader's own (English) words, if any, are technical detail.
    const { message, detail } = splitTechnical(reader.refusal);
    problems.add({ severity: 'error', code: 'unsupported_format', message, ...(detail ? { detail } : {}) });
    return refuse({ sha256 });
  }

  const deadline = Date.now() + (ctx.maxSecondsPerFile ?? 120) * 1000;
  // The readers check the deadline inside the file too (XML and CSV chunks, formula evaluation).
  const parserContext = { registry: ctx.registry, matcher: ctx.matcher, path: file.path, ...(ctx.placements.has(sha256) ? { placement: ctx.placements.get(sha256)! } : {}) };
  const workbookReader = await reader.load();
  // A large ledger CSV: DuckDB reads the body, the same parser the rest (csv-bulk/csv-bulk-load.ts); else the JS path.
  const bulk = await prepareCsvBulk({ file, reader: workbookReader, limits, deadline, connection: warehouse.connection, parserContext });
  const parser = bulk?.parser ?? new SubmissionParser(workbookReader.read(file, { ...limits, deadline }), parserContext);
  /** What the parser found so far, to file a refusal under. */
  const found = () => {
    const r = parser.result;
    return { sha256, sheets: r.sheets, ...(r.form ? { form: r.form.code, formName: `${r.form.code} ${r.form.name}` } : {}), ...(r.unit ? { unit: r.unit } : {}), ...(r.period ? { period: r.period } : {}), guess: r.guess };
  };
  // The file is loaded in one transaction of the Kysely dialect, so a commit that DuckDB turned
  // into a rollback is reported (as a write error), never taken for a load.
  let stage: 'read' | 'write' = 'read';
  try {
    const loaded = await store.transaction(async (trx) => {
      let writer: FactWriter | undefined;
      try {
        const cumulative: CumulativeRow[] = [];
        for await (const record of bulk ? bulk.records() : parser.records()) {
          if (Date.now() > deadline) throw new FileTimeout();
          if (parser.result.problems.hasErrors) continue;
          writer ??= await FactWriter.open(warehouse.connection, parser.result.form!);
          const period = factPeriod(record);
          writer.write(submissionId, { sheet: record.sheet, rowNumber: record.rowNumber, unit: record.unit, ...period, values: record.values });
          for (const c of record.cumulative ?? []) cumulative.push({ sheet: record.sheet, rowNumber: record.rowNumber, cell: c.cell, unit: record.unit, ...period, metric: c.field, value: c.value });
        }
        // The reader stopped inside the file (deadline, heap guard): nothing about its contents, tried again later.
        const codes = new Set(parser.result.problems.items.map((p) => p.code));
        if (codes.has('read_timeout')) throw new FileTimeout();
        if (codes.has('read_out_of_memory')) throw new ReadStopped();

        const r = parser.result;
        // The parser alone decides whether the contents refuse the file (its finish() says `incomplete`
        // when no unit or period is settled); the same parser runs in the browser self-check.
        if (r.problems.hasErrors) throw new Refusal('rejected');
        if (!r.form || !r.unit || !r.period) {
          throw new Refusal('failed', { severity: 'error', code: 'internal', message: '处理该文件时程序出错。文件已保留，请联系系统管理员', detail: 'parser result without form, unit or period and without errors' });
        }
        stage = 'write';
        const open = writer;
        writer = undefined;
        open?.close();
        await bulk?.insert(submissionId);
        const overlapping = await trx.overlapping(r.unit.code, r.form.code, r.period.year, r.period.fromMonth, r.period.toMonth);
        const replaced: number[] = [];
        let supersededBy: number | undefined;
        for (const cur of overlapping) {
          const contains = r.period.fromMonth <= cur.period_from && cur.period_to <= r.period.toMonth;
          if (!contains) {
            throw new Refusal('rejected', {
              severity: 'error',
              code: 'period_overlap',
              message: `本文件的统计期间“${periodLabel(r.period)}”与已入库的文件“${cur.path}”（${periodLabel({ year: r.period.year, fromMonth: cur.period_from, toMonth: cur.period_to })}）部分重叠，数据会被重复计算。如需更正，请重新报送整个期间的数据`,
            });
          }
          if (cur.received_at <= receivedAt) replaced.push(cur.submission_id);
          else supersededBy = cur.submission_id;
        }
        const status = supersededBy === undefined ? ('loaded' as const) : ('replaced' as const);
        // Lineage of a file let in by the analyst: which decision, what it stated (kept whatever the cap).
        if (ctx.placements.has(sha256)) r.problems.items.push(acceptedNotice(ctx.placements.get(sha256)!));
        await writeCumulative(warehouse.connection, submissionId, r.form.code, cumulative);
        await trx.markReplaced(status === 'loaded' ? replaced : [], submissionId);
        await trx.insert(
          {
            ...base,
            submission_id: submissionId,
            sha256,
            loaded_at: shanghaiTimestamp(clock()),
            unit: r.unit.name,
            unit_code: r.unit.code,
            form: r.form.code,
            ...periodColumns(r.period),
            status,
            rows: r.rows,
            reason: null,
            placement_guessed: false,
            rules_fingerprint: ctx.rules,
            replaced_by: supersededBy ?? null,
            sheets: r.sheets,
            report_path: null,
            duration_ms: elapsed(),
          },
          r.problems.items,
          r.columns,
        );
        return { status, replaced, form: r.form.code, unit: r.unit.name, period: periodLabel(r.period), rows: r.rows };
      } finally {
        try {
          writer?.close();
        } catch {
          /* the file is not loaded: the transaction's rollback discards whatever the appender held */
        }
      }
    });
    problems = parser.result.problems;
    const warnings = problems.items.filter((p: Problem) => p.severity === 'warning').length;
    return {
      path: file.path,
      status: loaded.status,
      submissionId,
      sha256,
      form: loaded.form,
      unit: loaded.unit,
      period: loaded.period,
      rows: loaded.rows,
      ...(loaded.status === 'loaded' && loaded.replaced.length ? { replacedIds: loaded.replaced } : {}),
      ...(warnings ? { warnings } : {}),
    };
  } catch (e) {
    problems = parser.result.problems;
    if (e instanceof Refusal) {
      if (e.problem) problems.add(e.problem);
      return refuse(found(), e.status, e.status === 'rejected');
    }
    if ((stage === 'read' && e instanceof FileTimeout) || e instanceof CsvBulkTimeout) {
      problems = withoutCode(problems, 'read_timeout');
      problems.add({ severity: 'error', code: 'timeout', message: `文件处理超过 ${ctx.maxSecondsPerFile ?? 120} 秒仍未完成，已停止。请检查文件是否过大或损坏` });
    } else if (stage === 'read' && e instanceof ReadStopped) {
      // The reader's own problem (read_out_of_memory) says why.
    } else if (stage === 'read') {
      problems.add({ severity: 'error', code: 'internal', message: '处理该文件时程序出错。文件已保留，请联系系统管理员', detail: e instanceof Error ? e.message : String(e) });
    } else {
      // The warehouse refused the write (disk full, a lock, a commit DuckDB aborted): nothing was kept.
      problems.add({ severity: 'error', code: 'internal', message: '写入数据仓库时出错。文件已保留，请联系系统管理员', detail: e instanceof Error ? e.message : String(e) });
    }
    // A timeout or an error of the program says nothing about the file's contents: tried again
    // later. Filed under what was found so far, so the 调度 matrix shows it as 待处理.
    return refuse(found(), 'failed');
  } finally {
    await bulk?.dispose();
  }
}

function periodColumns(p: Period | undefined): { year: number | null; quarter: number | null; month: number | null; period_from: number | null; period_to: number | null } {
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
