import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../domain/atomic-write.js';
import { shanghaiDate, shanghaiTimestamp, type Clock } from '../../domain/clock.js';
import { recoverStaleStaging } from '../../domain/staged-folder.js';
import { failureLine } from '../../domain/system-errors.js';
import type { UnitRegistry } from '../../domain/units.js';
import type { BuildResult, StagedBuild } from '../../dashboards/build.js';
import { BUILD_STAMP, readBuildStamp } from '../../dashboards/build-stamp.js';
import { checkedAsOf } from '../../warehouse/as-of.js';
import type { Publisher } from '../../dashboards/publisher.js';
import type { ReadLimits } from '../../sources/readers/reader.js';
import type { Source } from '../../sources/source.js';
import { queryRows } from '../../warehouse/query.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { SubmissionStore } from '../../warehouse/load/submission-store.js';
import { rulesFingerprint } from '../../domain/rules-fingerprint.js';
import { clearForeignWal, warehouseIdentity, withWorkingCopy } from '../../warehouse/working-copy.js';
import type { CheckResult } from '../../warehouse/check/integrity-check.js';
import type { FileOutcome, IngestResult } from '../ingest/ingest.js';
import { noticesFolder, writeNoticeSet, type WrittenNotices } from '../notices/notice-files.js';
import { composeNotices, type NoticeSet } from '../notices/notices.js';
import { loadPersonalStrings, type PersonalStrings } from '../../warehouse/personal-data.js';
import { acquireRunLock } from './run-lock.js';
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
  const r = await queryRows(warehouse, `SELECT max(year) AS y FROM submissions WHERE status = 'loaded' AND year <= $1`, [Number(checkedAsOf(asOf).slice(0, 4))]);
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
  const b = options.build;
  const asOf = checkedAsOf(b?.asOf ?? shanghaiDate(options.clock()));
  const lock = await acquireRunLock(`${options.warehousePath}.lock`, options.lockWaitMs ?? 5_000, options.clock);
  let step = '准备运行';
  let published = false;
  let staged: StagedBuild | undefined;
  let builtYear: number | undefined;
  try {
    if (b) {
      const cleaned = await recoverStaleStaging(b.outDir);
      if (cleaned.length) options.log('staging-cleaned', { out: b.outDir, removed: cleaned.join(',') });
    }
    step = '检查已发布的数据仓库';
    for (const w of await clearForeignWal(options.warehousePath)) {
      options.log('foreign-wal-removed', { file: w.file, bytes: w.bytes, note: '已发布的数据仓库旁有其他程序留下的 WAL 文件，已移除' });
    }
    if (await nothingNew(options)) {
      const stale = b ? await outputsStale(options.warehousePath, b, asOf) : undefined;
      if (!b || !stale) {
        options.log('run-skipped', { reason: 'nothing new', source: options.source.description });
        return { checks: [] };
      }
      step = '生成输出';
      options.log('rebuild-start', { reason: stale, asOf, out: b.outDir });
      const { stageBuild } = await import('../../dashboards/build.js');
      const warehouse = await Warehouse.open({ path: options.warehousePath, readOnly: true });
      let noticeSet: NoticeSet | undefined;
      try {
        // The personal strings once, for the notices and the build alike.
        const personal = await loadPersonalStrings(warehouse);
        noticeSet = await nightNotices(options, warehouse, personal, asOf);
        builtYear = b.year ?? (await yearToBuild(warehouse, asOf));
        if (builtYear !== undefined) {
          staged = await stageBuild({ warehouse, outDir: b.outDir, year: builtYear, generatedAt: options.clock().toISOString(), asOf, issuer: options.registry.bureau, personal, publishers: await b.publishers() });
          await staged.stamp(await warehouseIdentity(options.warehousePath));
        }
      } finally {
        await warehouse.close();
      }
      const written = await writeNotices(options, noticeSet, asOf);
      if (!staged) {
        options.log('run-skipped', { reason: 'nothing new, nothing to build', source: options.source.description });
        return { checks: [], ...(written ? { notices: written } : {}) };
      }
      step = '替换输出目录';
      await staged.commit();
      options.log('build-done', { year: builtYear, files: staged.files.length, out: b.outDir, asOf });
      return { checks: [], built: { files: staged.files, documents: staged.documents }, rebuilt: stale, ...(written ? { notices: written } : {}) };
    }
    options.log('run-start', { source: options.source.description, warehouse: options.warehousePath });
    step = '复制数据仓库';
    let restamp = false;
    let noticeSet: NoticeSet | undefined;
    const result = await withWorkingCopy(
      options.warehousePath,
      async (warehouse) => {
        for (const s of warehouse.schemaSteps) {
          options.log('schema-step', { step: s.stepNo, form: s.form, table: s.table, column: s.column ?? undefined, action: s.action });
        }
        step = '重放审核日志';
        // The analyst's decisions are primary data: a warehouse built afresh gets them before any file is read.
        const { journalPath, syncJournal } = await import('../review/journal.js');
        const journal = await syncJournal(warehouse, journalPath(options.warehousePath));
        if (journal.replayed) options.log('review-journal-replayed', { actions: journal.replayed, journal: journalPath(options.warehousePath) });
        step = '装入新文件';
        const { ingest } = await import('../ingest/ingest.js');
        const ingested = await ingest({
          source: options.source,
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
        step = '完整性检查';
        const { checkWarehouse, structuralChecks, warehouseSound } = await import('../../warehouse/check/integrity-check.js');
        const checks = await checkWarehouse(warehouse);
        const failed = checks.filter((c) => !c.ok);
        const sound = warehouseSound(checks);
        options.log(sound ? 'check-ok' : 'check-failed', {
          checks: checks.length,
          ...(failed.length ? { problems: failed.map((c) => `${c.check}:${c.violations}`).join(',') } : {}),
          ...(sound ? {} : { example: failed.flatMap((c) => c.examples).slice(0, 3).join('；') }),
        });
        if (!sound) {
          const broken = failed.filter((c) => structuralChecks.has(c.check)).map((c) => `${c.description}（${c.violations} 处）`);
          throw new RunFailedError(`完整性检查未通过：${broken.join('；')}。数据仓库和输出都保持上一次发布的状态，本次结果未发布`);
        }
        // The personal strings once, for the notices and the build alike. The 催报通知 are worked
        // out from the warehouse now, and written once it is published: after every `run`; after a
        // plain `ingest` only when it refused something (it prints where, as `run` does).
        const personal = b || ingested.counts.files_refused > 0 ? await loadPersonalStrings(warehouse) : undefined;
        if (personal && !ingested.interrupted) noticeSet = await nightNotices(options, warehouse, personal, asOf, ingested.runId);
        const changed = ingested.counts.files_loaded + ingested.counts.files_refused + ingested.counts.files_replaced + ingested.counts.files_failed > 0;
        if (b && !ingested.interrupted) {
          const stale = await outputsStale(options.warehousePath, b, asOf);
          if (changed || stale) {
            step = '生成输出';
            builtYear = b.year ?? (await yearToBuild(warehouse, asOf));
            if (builtYear !== undefined) {
              const { stageBuild } = await import('../../dashboards/build.js');
              staged = await stageBuild({
                warehouse,
                outDir: b.outDir,
                year: builtYear,
                generatedAt: options.clock().toISOString(),
                asOf,
                issuer: options.registry.bureau,
                ...(personal ? { personal } : {}),
                publishers: await b.publishers(),
              });
            }
          } else {
            // Nothing the outputs show changed: they stay, and now describe the warehouse about to be published.
            restamp = true;
          }
        }
        return { ingest: ingested, checks };
      },
      {
        beforePublish: async (workPath) => {
          step = '发布数据仓库';
          if (!(await lock.held())) throw new RunFailedError('运行锁已被另一个运行接管，本次结果未发布');
          await staged?.stamp(await warehouseIdentity(workPath));
        },
      },
    );
    published = true;
    const written = await writeNotices(options, noticeSet, asOf);
    let built: BuildResult | undefined;
    if (staged) {
      step = '替换输出目录';
      await staged.commit();
      built = { files: staged.files, documents: staged.documents };
      options.log('build-done', { year: builtYear, files: staged.files.length, out: b!.outDir, asOf });
    } else if (restamp && b) {
      const stamp = await readBuildStamp(b.outDir);
      if (stamp) await writeFileAtomic(join(b.outDir, BUILD_STAMP), `${JSON.stringify({ ...stamp, warehouse: await warehouseIdentity(options.warehousePath) }, null, 2)}\n`);
    }
    const c = result.ingest.counts;
    options.log(result.ingest.interrupted ? 'run-interrupted' : 'run-end', {
      run: result.ingest.runId,
      seen: c.files_seen,
      loaded: c.files_loaded,
      unchanged: c.files_unchanged,
      replaced: c.files_replaced,
      refused: c.files_refused,
      failed: c.files_failed,
      rows: c.rows_loaded,
    });
    return { ...result, ...(built ? { built } : {}), ...(written ? { notices: written } : {}) };
  } catch (e) {
    await staged?.discard();
    const outcome = published ? '数据仓库已发布，输出未更新（下次运行时重新生成）' : '本次结果未发布';
    // Messages written for the operator already (a schema the forms cannot reach safely names its table and column).
    const own = e instanceof RunFailedError || (e instanceof Error && (e.name === 'WarehouseInUseError' || e.name === 'SchemaMismatchError'));
    const message = own ? (e as Error).message : failureLine(e, step, outcome);
    options.log('run-failed', { step, reason: message, ...(own ? {} : { error: e instanceof Error ? e.message.split('\n')[0] : String(e) }) });
    throw e instanceof RunFailedError ? e : new RunFailedError(message, { cause: e });
  } finally {
    await lock.release();
  }
}

/**
 * The night's 催报通知 as at `asOf` (with every refusal of run `runId`). A notice is a convenience
 * beside the refusal reports and the 调度 page: one that cannot be worked out is logged, never stops
 * the run.
 */
async function nightNotices(options: NightlyRunOptions, warehouse: Warehouse, personal: PersonalStrings, asOf: string, runId?: number): Promise<NoticeSet | undefined> {
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
 * A night with nothing new must cost almost nothing: compare the source's listing with the files
 * the published warehouse has seen (path, size, time), without copying or writing anything.
 */
async function nothingNew(options: NightlyRunOptions): Promise<boolean> {
  if (!existsSync(options.warehousePath)) return false;
  const warehouse = await Warehouse.open({ path: options.warehousePath, readOnly: true });
  try {
    // A form or field added since the last run: its schema step (and the views over it) is something new.
    const schema = await warehouse.pendingSchema();
    if (schema.steps.length > 0 || schema.mismatches.length > 0) return false;
    // The same decision ingest makes: failed files still to retry, refusals under another registry
    // and `firestat reprocess` requests are something new.
    const memory = await new SubmissionStore(warehouse).fileMemory(rulesFingerprint(options.registry));
    for await (const f of options.source.list()) {
      if (!memory.unchanged({ path: f.path, bytes: f.bytes, modifiedAt: shanghaiTimestamp(f.modifiedAt) })) return false;
    }
    return true;
  } finally {
    await warehouse.close();
  }
}
