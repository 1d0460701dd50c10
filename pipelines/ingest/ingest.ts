import { writeCumulative, type CumulativeRow } from '../../warehouse/load/cumulative-writer.js';
import { createHash } from 'node:crypto';
import { shanghaiTimestamp, type Clock } from '../../domain/clock.js';
import { forms } from '../../domain/forms/index.js';
import { periodKind, periodLabel, quarterOf, quarterOfMonth, type Period } from '../../domain/periods.js';
import type { UnitRegistry } from '../../domain/units.js';
import { readerFor } from '../../sources/readers/index.js';
import { defaultReadLimits, type ReadLimits } from '../../sources/readers/reader.js';
import type { Source, SourceFile } from '../../sources/source.js';
import { FactWriter } from '../../warehouse/load/fact-writer.js';
import { fingerprint, SubmissionStore, type RunCounts } from '../../warehouse/load/submission-store.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { HeaderMatcher } from '../normalize/header-matcher.js';
import { ProblemList, type Problem } from '../parse/problem.js';
import { SubmissionParser, type ParsedRecord } from '../parse/submission-parser.js';
import { guessFromPath } from '../parse/statements.js';
import { refusalReason, writeRefusalReport } from './refusal-report.js';

/** What happened to one file in a run. */
export interface FileOutcome {
  readonly path: string;
  /** `loaded` new data; `unchanged` seen before; `replaced` superseded on arrival by a newer file; `rejected` refused. */
  readonly status: 'loaded' | 'unchanged' | 'replaced' | 'rejected';
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
  readonly reportPath?: string;
  /** The file's content hash, once read. */
  readonly sha256?: string;
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
  /** Folder for refusal reports (one text file per refused file). */
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

async function sha256Of(file: SourceFile): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of file.open()) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

class FileTimeout extends Error {}

/**
 * Loads every new file the source offers into the warehouse. Each file is loaded whole, in one
 * transaction, or refused with a report; a later file for the same unit, form and period
 * replaces the earlier one. Files seen before (same path, size and time, or same bytes) cost
 * one lookup.
 */
export async function ingest(options: IngestOptions): Promise<IngestResult> {
  const { warehouse, clock } = options;
  const store = new SubmissionStore(warehouse);
  await warehouse.syncUnits(options.registry, options.dueDays);
  const runId = await store.startRun(shanghaiTimestamp(clock()));
  const outcomes: FileOutcome[] = [];
  const matcher = new HeaderMatcher(forms);
  try {
    const seen = await store.seenFingerprints();
    const files: SourceFile[] = [];
    for await (const file of options.source.list()) files.push(file);
    // Oldest first, so that when several versions arrive together the newest ends up current.
    files.sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    options.onStart?.(files.length);
    let interrupted = false;
    for (const file of files) {
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      let outcome: FileOutcome;
      if (seen.has(fingerprint(file.path, file.bytes, shanghaiTimestamp(file.modifiedAt)))) {
        outcome = { path: file.path, status: 'unchanged' };
      } else {
        outcome = await ingestFile(file, { ...options, store, runId, matcher });
        await store.rememberFile({
          path: file.path,
          bytes: file.bytes,
          modifiedAt: shanghaiTimestamp(file.modifiedAt),
          sha256: outcome.sha256 ?? null,
          submissionId: outcome.submissionId ?? null,
          runId,
        });
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

function countOutcomes(outcomes: readonly FileOutcome[], seen: number): RunCounts {
  const n = (s: FileOutcome['status']) => outcomes.filter((o) => o.status === s).length;
  return {
    files_seen: seen,
    files_loaded: n('loaded'),
    files_unchanged: n('unchanged'),
    files_replaced: outcomes.reduce((acc, o) => acc + (o.replacedIds?.length ?? 0), 0) + n('replaced'),
    files_refused: n('rejected'),
    rows_loaded: outcomes.reduce((acc, o) => acc + (o.status === 'loaded' ? (o.rows ?? 0) : 0), 0),
  };
}

interface FileContext extends IngestOptions {
  readonly store: SubmissionStore;
  readonly runId: number;
  readonly matcher: HeaderMatcher;
}

function factPeriod(record: ParsedRecord): { year: number; quarter: number; month: number | null } {
  const p = record.period;
  const kind = periodKind(p);
  return { year: p.year, quarter: quarterOf(p) ?? quarterOfMonth(p.toMonth), month: kind === 'month' ? p.fromMonth : null };
}

async function ingestFile(file: SourceFile, ctx: FileContext): Promise<FileOutcome> {
  const { store, warehouse, clock } = ctx;
  const receivedAt = shanghaiTimestamp(file.receivedAt);
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
  }): Promise<FileOutcome> => {
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
    const reason = refusalReason(problems.items, problems.omittedCount);
    const reportPath = await writeRefusalReport(ctx.reportsDir, {
      submissionId,
      path: file.path,
      receivedAt,
      ...(parsed?.formName ? { formName: parsed.formName } : {}),
      ...(parsed?.unit ? { unit: parsed.unit.name } : {}),
      ...(period ? { period: periodLabel(period) } : {}),
      problems: problems.items,
      omitted: problems.omittedCount,
    });
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
        status: 'rejected',
        rows: 0,
        reason,
        placement_guessed: guessed,
        sheets: parsed?.sheets ?? [],
        report_path: reportPath,
        duration_ms: elapsed(),
      },
      problems.items,
    );
    return { path: file.path, status: 'rejected', submissionId, reason, reportPath, ...(parsed?.sha256 ? { sha256: parsed.sha256 } : {}), ...(parsed?.form ? { form: parsed.form } : {}), ...(parsed?.unit ? { unit: parsed.unit.name } : {}) };
  };

  if (file.refusal) {
    problems.add({ severity: 'error', code: 'source_refused', message: file.refusal });
    return refuse();
  }
  const limits = ctx.limits ?? defaultReadLimits;
  if (file.bytes > limits.maxFileBytes) {
    problems.add({ severity: 'error', code: 'too_large', message: `文件过大（${Math.round(file.bytes / 1048576)} MB），超过上限 ${Math.round(limits.maxFileBytes / 1048576)} MB。请拆分后报送` });
    return refuse();
  }
  let sha256: string;
  try {
    sha256 = await sha256Of(file);
  } catch (e) {
    problems.add({ severity: 'error', code: 'unreadable', message: `文件无法打开：${e instanceof Error ? e.message : String(e)}` });
    return refuse();
  }
  if (await store.seenHash(sha256)) return { path: file.path, status: 'unchanged', sha256 };

  const reader = await readerFor(file);
  if ('refusal' in reader) {
    problems.add({ severity: 'error', code: 'unsupported_format', message: reader.refusal });
    return refuse({ sha256 });
  }

  const parser = new SubmissionParser((await reader.load()).read(file, limits), { registry: ctx.registry, matcher: ctx.matcher, path: file.path });
  const deadline = Date.now() + (ctx.maxSecondsPerFile ?? 120) * 1000;
  let writer: FactWriter | undefined;
  const cumulative: CumulativeRow[] = [];
  await warehouse.connection.run('BEGIN TRANSACTION');
  let open = true;
  const rollback = async () => {
    if (!open) return;
    open = false;
    try {
      writer?.close();
    } catch {
      /* the rollback below discards whatever the appender held */
    }
    await warehouse.connection.run('ROLLBACK');
  };
  try {
    for await (const record of parser.records()) {
      if (Date.now() > deadline) throw new FileTimeout();
      if (parser.result.problems.hasErrors) continue;
      writer ??= await FactWriter.open(warehouse.connection, parser.result.form!);
      const period = factPeriod(record);
      writer.write(submissionId, { sheet: record.sheet, rowNumber: record.rowNumber, unit: record.unit, ...period, values: record.values });
      for (const c of record.cumulative ?? []) cumulative.push({ sheet: record.sheet, rowNumber: record.rowNumber, cell: c.cell, unit: record.unit, ...period, metric: c.field, value: c.value });
    }
  } catch (e) {
    await rollback();
    problems = parser.result.problems;
    if (e instanceof FileTimeout) {
      problems.add({ severity: 'error', code: 'timeout', message: `文件处理超过 ${ctx.maxSecondsPerFile ?? 120} 秒仍未完成，已停止。请检查文件是否过大或损坏` });
    } else {
      problems.add({ severity: 'error', code: 'internal', message: `处理该文件时程序出错：${e instanceof Error ? e.message : String(e)}。文件已保留，请联系系统管理员` });
    }
    return refuse({ sha256, guess: parser.result.guess });
  }

  const r = parser.result;
  problems = r.problems;
  const formInfo = {
    sha256,
    sheets: r.sheets,
    ...(r.form ? { form: r.form.code, formName: `${r.form.code} ${r.form.name}` } : {}),
    ...(r.unit ? { unit: r.unit } : {}),
    ...(r.period ? { period: r.period } : {}),
    guess: r.guess,
  };
  if (r.problems.hasErrors || !r.form || !r.unit || !r.period) {
    await rollback();
    if (!r.problems.hasErrors) {
      problems.add({ severity: 'error', code: 'incomplete', message: !r.unit ? '无法确定报送单位：请在标题、文件名或单位列中写明' : '无法确定统计期间：请在标题或文件名中写明，如“2024年第一季度”' });
    }
    return refuse(formInfo);
  }

  try {
    writer?.close();
    const overlapping = await store.overlapping(r.unit.code, r.form.code, r.period.year, r.period.fromMonth, r.period.toMonth);
    const replaced: number[] = [];
    let supersededBy: number | undefined;
    for (const cur of overlapping) {
      const contains = r.period.fromMonth <= cur.period_from && cur.period_to <= r.period.toMonth;
      if (!contains) {
        await rollback();
        problems.add({
          severity: 'error',
          code: 'period_overlap',
          message: `本文件的统计期间“${periodLabel(r.period)}”与已入库的文件“${cur.path}”（${periodLabel({ year: r.period.year, fromMonth: cur.period_from, toMonth: cur.period_to })}）部分重叠，数据会被重复计算。如需更正，请重新报送整个期间的数据`,
        });
        return refuse(formInfo);
      }
      if (cur.received_at <= receivedAt) replaced.push(cur.submission_id);
      else supersededBy = cur.submission_id;
    }
    const status = supersededBy === undefined ? 'loaded' : 'replaced';
    await writeCumulative(warehouse.connection, submissionId, r.form.code, cumulative);
    await store.markReplaced(status === 'loaded' ? replaced : [], submissionId);
    await store.insert(
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
        replaced_by: supersededBy ?? null,
        sheets: r.sheets,
        report_path: null,
        duration_ms: elapsed(),
      },
      problems.items,
      r.columns,
    );
    await warehouse.connection.run('COMMIT');
    open = false;
    const warnings = problems.items.filter((p: Problem) => p.severity === 'warning').length;
    return {
      path: file.path,
      status,
      submissionId,
      sha256,
      form: r.form.code,
      unit: r.unit.name,
      period: periodLabel(r.period),
      rows: r.rows,
      ...(status === 'loaded' && replaced.length ? { replacedIds: replaced } : {}),
      ...(warnings ? { warnings } : {}),
    };
  } catch (e) {
    await rollback();
    throw e;
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
