import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { shanghaiDate, shanghaiTimestamp, type Clock } from '../../domain/clock.js';
import { recoverStaleStaging } from '../../domain/staged-folder.js';
import { sweepStaleTempFolders } from '../../domain/temp-folders.js';
import { failureLine } from '../../domain/system-errors.js';
import type { UnitRegistry } from '../../domain/units.js';
import type { BuildResult, StagedBuild } from '../../dashboards/build.js';
import { readBuildStamp, restampBuild } from '../../dashboards/build-stamp.js';
import { checkedAsOf } from '../../warehouse/as-of.js';
import type { Publisher } from '../../dashboards/publisher.js';
import { defaultReadLimits, type ReadLimits } from '../../sources/readers/reader.js';
import type { Source, SourceFile } from '../../sources/source.js';
import { queryRows } from '../../warehouse/query.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { SubmissionStore } from '../../warehouse/load/submission-store.js';
import { rulesFingerprint } from '../../domain/rules-fingerprint.js';
import { clearForeignWal, warehouseIdentity, withWorkingCopy } from '../../warehouse/working-copy.js';
import type { CheckResult } from '../../warehouse/check/integrity-check.js';
import type { FileOutcome, IngestResult } from '../ingest/ingest.js';
import type { HashAhead } from '../ingest/file-hash.js';
import { noticesFolder, writeNoticeSet, type WrittenNotices } from '../notices/notice-files.js';
import { composeNotices, type NoticeSet } from '../notices/notices.js';
import { loadPersonalStrings, type PersonalStrings } from '../../warehouse/personal-data.js';
import { acquireRunLock, type RunLock } from './run-lock.js';
import type { RunLog } from './run-log.js';

/** What a nightly run needs; side effects (clock, source, log) are passed in. */
export interface NightlyRunOptions {
  readonly warehousePath: string;
  readonly source: Source;
  readonly registry: UnitRegistry;
  readonly reportsDir: string;
  readonly clock: Clock;
  readonly log: RunLog;
  readonly limits?: ReadLimits;
  readonly maxSecondsPerFile?: number;
  readonly dueDays?: Readonly<Record<string, number>>;
  /** How long to wait for another run's lock before giving up (ms). Default 5000. */
  readonly lockWaitMs?: number;
  readonly signal?: AbortSignal;
  readonly onFile?: (outcome: FileOutcome) => void;
  readonly onStart?: (files: number) => void;
  /** Build outputs after ingesting; omitted for `firestat ingest`. */
  readonly build?: {
    readonly outDir: string;
    /** Loaded only when a build happens (workbooks pull in exceljs). */
    readonly publishers: () => Promise<readonly Publisher[]>;
    readonly year?: number;
    readonly asOf?: string;
  };
}

/** What a run did. */
export interface NightlyRunResult {
  /** Absent when the run found nothing new and left the warehouse as it was. */
  readonly ingest?: IngestResult;
  /** The integrity checks run before publishing (see `firestat check`). */
  readonly checks: readonly CheckResult[];
  readonly built?: BuildResult;
  /** Set when nothing was new but the outputs were stale and rebuilt: why (`as-of-changed` …). */
  readonly rebuilt?: string;
  /** The 催报通知 written after the night, one per unit with something to be told, and the leader's summary (see `pipelines/notices/`). */
  readonly notices?: WrittenNotices;
}

async function yearToBuild(warehouse: Warehouse, asOf: string): Promise<number | undefined> {
  const r = await queryRows(warehouse, `SELECT max(year) AS y FROM submissions WHERE status = 'loaded' AND year <= $1`, [
    Number(checkedAsOf(asOf).slice(0, 4)),
  ]);
  const y = r.rows[0]?.y;
  return y === null || y === undefined ? undefined : Number(y);
}

/** A run that stopped; the (Chinese) message says at which step and whether anything was published. */
export class RunFailedError extends Error {
  override readonly name = 'RunFailedError';
}

/**
 * Why the outputs no longer fit the published warehouse, or undefined when they do: none yet (or
 * built by an earlier version, without a stamp), built for another reference date or year, or
 * from another warehouse file (a run that published the warehouse and died before its outputs).
 */
async function outputsStale(warehousePath: string, b: NonNullable<NightlyRunOptions['build']>, asOf: string): Promise<string | undefined> {
  const stamp = await readBuildStamp(b.outDir);
  if (!stamp) return existsSync(b.outDir) ? 'outputs-unstamped' : 'no-outputs';
  if (stamp.asOf !== asOf) return 'as-of-changed';
  if (b.year !== undefined && stamp.year !== b.year) return 'year-changed';
  if (stamp.warehouse !== (await warehouseIdentity(warehousePath))) return 'warehouse-changed';
  return undefined;
}

/** Where a run is, for its failure message and its clean-up: the step, whether the warehouse is published, the outputs staged. */
interface RunProgress {
  step: string;
  published: boolean;
  outputs?: StagedOutputs;
}

/** Outputs built into a staging folder, and the year they show. */
interface StagedOutputs {
  readonly staged: StagedBuild;
  readonly year: number;
}

/**
 * One run: take the lock; clean up after runs that died (working copy, output staging folders) and
 * remove a foreign WAL beside the published warehouse; ingest into a working copy; check it; build
 * the outputs into a staging folder when something changed; publish the warehouse by an atomic
 * rename; swap the outputs in; release the lock. A failed check, a failed build or a lock taken over
 * publishes nothing and throws {@link RunFailedError}. A night with nothing new copies nothing; it
 * rebuilds the outputs from the published warehouse only when they are stale (see
 * {@link outputsStale}) — every page states its reference date, so a new day means a rebuild.
 */
export async function nightlyRun(options: NightlyRunOptions): Promise<NightlyRunResult> {
  await mkdir(dirname(options.warehousePath), { recursive: true });
  const asOf = checkedAsOf(options.build?.asOf ?? shanghaiDate(options.clock()));
  const lock = await acquireRunLock(`${options.warehousePath}.lock`, options.lockWaitMs ?? 5_000, options.clock);
  const run: RunProgress = { step: '准备运行', published: false };
  try {
    await cleanUpAfterDeadRuns(options, run);
    const news = await whatIsNew(options);
    if (!news) return await quietNight(options, run, asOf);
    return await ingestNight(options, run, lock, asOf, news);
  } catch (e) {
    await run.outputs?.staged.discard();
    throw runFailure(options, run, e);
  } finally {
    await lock.release();
  }
}

/** Removes what runs that died left behind: output staging folders, firestat's temporary folders a day old, and a foreign WAL beside the published warehouse (each logged). */
async function cleanUpAfterDeadRuns(options: NightlyRunOptions, run: RunProgress): Promise<void> {
  if (options.build) {
    const cleaned = await recoverStaleStaging(options.build.outDir);
    if (cleaned.length) options.log('staging-cleaned', { out: options.build.outDir, removed: cleaned.join(',') });
  }
  // Real time, not the run's clock: the folders' times are the file system's.
  const swept = await sweepStaleTempFolders(new Date());
  if (swept.length) options.log('temp-cleaned', { dir: tmpdir(), removed: swept.join(',') });
  run.step = '检查已发布的数据仓库';
  for (const w of await clearForeignWal(options.warehousePath)) {
    options.log('foreign-wal-removed', { file: w.file, bytes: w.bytes, note: '已发布的数据仓库旁有其他程序留下的 WAL 文件，已移除' });
  }
}

/**
 * A night with nothing new: the warehouse is not copied. The outputs are rebuilt from the published
 * warehouse (with the night's 催报通知) only when they are stale; otherwise the run is skipped.
 */
async function quietNight(options: NightlyRunOptions, run: RunProgress, asOf: string): Promise<NightlyRunResult> {
  const b = options.build;
  const stale = b ? await outputsStale(options.warehousePath, b, asOf) : undefined;
  if (!b || !stale) {
    options.log('run-skipped', { reason: 'nothing new', source: options.source.description });
    return { checks: [] };
  }
  run.step = '生成输出';
  options.log('rebuild-start', { reason: stale, asOf, out: b.outDir });
  const warehouse = await Warehouse.open({ path: options.warehousePath, readOnly: true });
  let noticeSet: NoticeSet | undefined;
  try {
    // The personal strings once, for the notices and the build alike.
    const personal = await loadPersonalStrings(warehouse);
    noticeSet = await nightNotices(options, warehouse, personal, asOf);
    run.outputs = await stageOutputs(options, b, warehouse, asOf, personal);
    await run.outputs?.staged.stamp(await warehouseIdentity(options.warehousePath));
  } finally {
    await warehouse.close();
  }
  const written = await writeNotices(options, noticeSet, asOf);
  if (!run.outputs) {
    options.log('run-skipped', { reason: 'nothing new, nothing to build', source: options.source.description });
    return { checks: [], ...(written ? { notices: written } : {}) };
  }
  const built = await commitOutputs(options, run, b, asOf);
  return { checks: [], built, rebuilt: stale, ...(written ? { notices: written } : {}) };
}

/** What the work on the copy leaves for after publishing. */
interface CopyWork {
  readonly ingest: IngestResult;
  readonly checks: readonly CheckResult[];
  readonly noticeSet: NoticeSet | undefined;
  /** Nothing the outputs show changed: they stay, restamped for the warehouse about to be published. */
  readonly restamp: boolean;
}

/**
 * A night with something new: work on a copy of the warehouse (see {@link workOnCopy}), publish it
 * once the lock is still ours, then write the 催报通知 and swap in (or restamp) the outputs.
 */
async function ingestNight(options: NightlyRunOptions, run: RunProgress, lock: RunLock, asOf: string, news: readonly SourceFile[]): Promise<NightlyRunResult> {
  options.log('run-start', { source: options.source.description, warehouse: options.warehousePath });
  run.step = '复制数据仓库';
  // Worked out while the warehouse is copied and opened: the new files' hashes, and the first
  // file's read when it is a large workbook (see `readAhead` in `reader-thread.ts`).
  const ahead = Promise.all([import('../ingest/ingest.js'), import('../ingest/file-hash.js'), import('../../sources/readers/reader-thread.js')]).then(
    ([{ filesToRead }, { HashAhead }, { readAhead }]) => {
      const limits = options.limits ?? defaultReadLimits;
      const files = filesToRead(news, options.clock(), limits);
      const first = files[0];
      return { hashes: new HashAhead(files), stopReading: first && /\.xls[xm]$/i.test(first.path) ? readAhead('xlsx', first, limits) : async () => {} };
    },
  );
  const hashAhead = ahead.then((a) => a.hashes);
  // Settled here, so that a failed import is not unhandled while the copy is made; ingest says it again.
  hashAhead.catch(() => undefined);
  let work: CopyWork;
  try {
    work = await withWorkingCopy(options.warehousePath, (warehouse) => workOnCopy(options, run, warehouse, asOf, hashAhead), {
      beforePublish: async (workPath) => {
        run.step = '发布数据仓库';
        if (!(await lock.held())) throw new RunFailedError('运行锁已被另一个运行接管，本次结果未发布');
        await run.outputs?.staged.stamp(await warehouseIdentity(workPath));
      },
    });
  } finally {
    // Also when the run failed before ingest began: the hashes (and GB18030 copies) not taken are let go,
    // and a read started ahead that ingest did not take is stopped.
    const started = await ahead.catch(() => undefined);
    started?.hashes.dispose();
    await started?.stopReading();
  }
  run.published = true;
  const written = await writeNotices(options, work.noticeSet, asOf);
  let built: BuildResult | undefined;
  if (run.outputs) built = await commitOutputs(options, run, options.build!, asOf);
  else if (work.restamp && options.build) await restampBuild(options.build.outDir, await warehouseIdentity(options.warehousePath));
  logRunEnd(options, work.ingest);
  return { ingest: work.ingest, checks: work.checks, ...(built ? { built } : {}), ...(written ? { notices: written } : {}) };
}

/**
 * The night's work on the working copy: log its schema steps, replay the review journal, ingest,
 * check (an unsound warehouse throws), work out the 催报通知, and stage the outputs when they must change.
 */
async function workOnCopy(options: NightlyRunOptions, run: RunProgress, warehouse: Warehouse, asOf: string, hashAhead: Promise<HashAhead>): Promise<CopyWork> {
  for (const s of warehouse.schemaSteps) {
    options.log('schema-step', { step: s.stepNo, form: s.form, table: s.table, column: s.column ?? undefined, action: s.action });
  }
  run.step = '重放审核日志';
  await replayJournal(options, warehouse);
  run.step = '装入新文件';
  const ingested = await ingestNewFiles(options, warehouse, await hashAhead);
  run.step = '完整性检查';
  const checks = await checkBeforePublishing(options, warehouse);
  const b = options.build;
  // The personal strings once, for the notices and the build alike. The 催报通知 are worked
  // out from the warehouse now, and written once it is published: after every `run`; after a
  // plain `ingest` only when it refused something (it prints where, as `run` does).
  const personal = !ingested.interrupted && (b || ingested.counts.files_refused > 0) ? await loadPersonalStrings(warehouse) : undefined;
  const noticeSet = personal ? await nightNotices(options, warehouse, personal, asOf, ingested.runId) : undefined;
  let restamp = false;
  if (b && !ingested.interrupted) {
    const c = ingested.counts;
    const changed = c.files_loaded + c.files_refused + c.files_replaced + c.files_failed > 0;
    if (changed || (await outputsStale(options.warehousePath, b, asOf))) {
      run.step = '生成输出';
      run.outputs = await stageOutputs(options, b, warehouse, asOf, personal);
    } else {
      // Nothing the outputs show changed: they stay, and now describe the warehouse about to be published.
      restamp = true;
    }
  }
  return { ingest: ingested, checks, noticeSet, restamp };
}

/** The analyst's decisions are primary data: a warehouse built afresh gets them (from the journal) before any file is read. */
async function replayJournal(options: NightlyRunOptions, warehouse: Warehouse): Promise<void> {
  const { journalPath, syncJournal } = await import('../review/journal.js');
  const journal = await syncJournal(warehouse, journalPath(options.warehousePath));
  if (journal.replayed) options.log('review-journal-replayed', { actions: journal.replayed, journal: journalPath(options.warehousePath) });
}

/** Ingests the source's new files into the working copy, logging each file that was not unchanged. */
async function ingestNewFiles(options: NightlyRunOptions, warehouse: Warehouse, hashAhead: HashAhead): Promise<IngestResult> {
  const { ingest } = await import('../ingest/ingest.js');
  return ingest({
    source: options.source,
    hashAhead,
    warehouse,
    registry: options.registry,
    reportsDir: options.reportsDir,
    clock: options.clock,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.maxSecondsPerFile ? { maxSecondsPerFile: options.maxSecondsPerFile } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.dueDays ? { dueDays: options.dueDays } : {}),
    ...(options.onStart ? { onStart: options.onStart } : {}),
    onFile: (o) => {
      if (o.status === 'rejected') options.log('file-refused', { path: o.path, reason: o.reason });
      else if (o.status === 'failed') options.log('file-failed', { path: o.path, reason: o.reason });
      else if (o.status !== 'unchanged') options.log(`file-${o.status}`, { path: o.path, form: o.form, unit: o.unit, rows: o.rows });
      options.onFile?.(o);
    },
  });
}

/**
 * Runs the structural integrity checks on the working copy and logs them; a failed one stops the
 * run before anything is published. (The reconciliation of T1 with the ledgers is the 调度's
 * findings and `firestat check`'s, not a condition for publishing.)
 */
async function checkBeforePublishing(options: NightlyRunOptions, warehouse: Warehouse): Promise<readonly CheckResult[]> {
  const { checkWarehouse } = await import('../../warehouse/check/integrity-check.js');
  // Only structural checks: any one failing makes the warehouse unsound.
  const checks = await checkWarehouse(warehouse, 'structural');
  const failed = checks.filter((c) => !c.ok);
  const sound = failed.length === 0;
  options.log(sound ? 'check-ok' : 'check-failed', {
    checks: checks.length,
    ...(failed.length ? { problems: failed.map((c) => `${c.check}:${c.violations}`).join(',') } : {}),
    ...(sound
      ? {}
      : {
          example: failed
            .flatMap((c) => c.examples)
            .slice(0, 3)
            .join('；'),
        }),
  });
  if (!sound) {
    const broken = failed.map((c) => `${c.description}（${c.violations} 处）`);
    throw new RunFailedError(`完整性检查未通过：${broken.join('；')}。数据仓库和输出都保持上一次发布的状态，本次结果未发布`);
  }
  return checks;
}

/**
 * The outputs for the year to build — the configured one, else the latest year with loaded data up
 * to the reference date — written into a staging folder; undefined when there is no such year.
 */
async function stageOutputs(
  options: NightlyRunOptions,
  b: NonNullable<NightlyRunOptions['build']>,
  warehouse: Warehouse,
  asOf: string,
  personal: PersonalStrings | undefined,
): Promise<StagedOutputs | undefined> {
  const year = b.year ?? (await yearToBuild(warehouse, asOf));
  if (year === undefined) return undefined;
  const { stageBuild } = await import('../../dashboards/build.js');
  const staged = await stageBuild({
    warehouse,
    outDir: b.outDir,
    year,
    generatedAt: options.clock().toISOString(),
    asOf,
    issuer: options.registry.bureau,
    ...(personal ? { personal } : {}),
    publishers: await b.publishers(),
  });
  return { staged, year };
}

/** Swaps the staged outputs in for the output folder and logs it. */
async function commitOutputs(options: NightlyRunOptions, run: RunProgress, b: NonNullable<NightlyRunOptions['build']>, asOf: string): Promise<BuildResult> {
  const { staged, year } = run.outputs!;
  run.step = '替换输出目录';
  await staged.commit();
  options.log('build-done', { year, files: staged.files.length, out: b.outDir, asOf });
  return { files: staged.files, documents: staged.documents };
}

/** Logs the run's end (or its interruption) with the counts. */
function logRunEnd(options: NightlyRunOptions, ingested: IngestResult): void {
  const c = ingested.counts;
  options.log(ingested.interrupted ? 'run-interrupted' : 'run-end', {
    run: ingested.runId,
    seen: c.files_seen,
    loaded: c.files_loaded,
    unchanged: c.files_unchanged,
    replaced: c.files_replaced,
    refused: c.files_refused,
    failed: c.files_failed,
    rows: c.rows_loaded,
  });
}

/**
 * The error a failed run throws, logged: messages written for the operator already are kept (a failed
 * check, a lock taken over, a warehouse in use, a schema the forms cannot reach safely names its table
 * and column); any other says at which step it failed and whether the warehouse was published.
 */
function runFailure(options: NightlyRunOptions, run: RunProgress, e: unknown): RunFailedError {
  const outcome = run.published ? '数据仓库已发布，输出未更新（下次运行时重新生成）' : '本次结果未发布';
  const own = e instanceof RunFailedError || (e instanceof Error && (e.name === 'WarehouseInUseError' || e.name === 'SchemaMismatchError'));
  const message = own ? (e as Error).message : failureLine(e, run.step, outcome);
  options.log('run-failed', { step: run.step, reason: message, ...(own ? {} : { error: e instanceof Error ? e.message.split('\n')[0] : String(e) }) });
  return e instanceof RunFailedError ? e : new RunFailedError(message, { cause: e });
}

/**
 * The night's 催报通知 as at `asOf` (with every refusal of run `runId`). A notice is a convenience
 * beside the refusal reports and the 调度 page: one that cannot be worked out is logged, never stops
 * the run.
 */
async function nightNotices(
  options: NightlyRunOptions,
  warehouse: Warehouse,
  personal: PersonalStrings,
  asOf: string,
  runId?: number,
): Promise<NoticeSet | undefined> {
  try {
    return await composeNotices(warehouse, { asOf, issuer: options.registry.bureau, personal, ...(runId !== undefined ? { runId } : {}) });
  } catch (e) {
    options.log('notices-failed', { error: e instanceof Error ? e.message : String(e) });
    return undefined;
  }
}

/**
 * Writes the night's 催报通知 into `<reports>/催报通知/<date>/`. The warehouse is published already:
 * notices that cannot be written are logged, never fail the run (the refusal reports are there).
 */
async function writeNotices(options: NightlyRunOptions, set: NoticeSet | undefined, asOf: string): Promise<WrittenNotices | undefined> {
  if (!set) return undefined;
  const dir = noticesFolder(options.reportsDir, asOf);
  try {
    const written = await writeNoticeSet(dir, set);
    options.log('notices-written', { dir, units: written.notices.length, quiet: written.quiet.length, summary: written.summary });
    return written;
  } catch (e) {
    options.log('notices-failed', { dir, error: e instanceof Error ? e.message : String(e) });
    return undefined;
  }
}

/**
 * The files the source offers that the published warehouse has not seen (path, size, time), or
 * undefined when there is nothing new: a night with nothing new must cost almost nothing, so
 * nothing is copied or written. Also something new: a form or field added since the last run,
 * failed files still to retry, refusals under another registry, `firestat reprocess` requests —
 * the same decision ingest makes. A warehouse not yet made: every file is new.
 */
async function whatIsNew(options: NightlyRunOptions): Promise<SourceFile[] | undefined> {
  const listed = async (keep: (f: SourceFile) => boolean) => {
    const files: SourceFile[] = [];
    for await (const f of options.source.list()) if (keep(f)) files.push(f);
    return files;
  };
  if (!existsSync(options.warehousePath)) return listed(() => true);
  const warehouse = await Warehouse.open({ path: options.warehousePath, readOnly: true });
  try {
    // A form or field added since the last run: its schema step (and the views over it) is something new.
    const schema = await warehouse.pendingSchema();
    const schemaChanged = schema.steps.length > 0 || schema.mismatches.length > 0;
    const memory = await new SubmissionStore(warehouse).fileMemory(rulesFingerprint(options.registry));
    const news = await listed((f) => !memory.unchanged({ path: f.path, bytes: f.bytes, modifiedAt: shanghaiTimestamp(f.modifiedAt) }));
    return news.length > 0 || schemaChanged ? news : undefined;
  } finally {
    await warehouse.close();
  }
}
