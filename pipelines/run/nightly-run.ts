import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { shanghaiDate, shanghaiTimestamp, type Clock } from '../../domain/clock.js';
import type { UnitRegistry } from '../../domain/units.js';
import type { BuildResult } from '../../dashboards/build.js';
import type { Publisher } from '../../dashboards/publisher.js';
import type { ReadLimits } from '../../sources/readers/reader.js';
import type { Source } from '../../sources/source.js';
import { queryRows } from '../../warehouse/query.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { fingerprint, SubmissionStore } from '../../warehouse/load/submission-store.js';
import { withWorkingCopy } from '../../warehouse/working-copy.js';
import type { CheckResult } from '../../warehouse/check/integrity-check.js';
import type { FileOutcome, IngestResult } from '../ingest/ingest.js';
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
  /** The integrity checks run at the end (see `firestat check`). */
  readonly checks: readonly CheckResult[];
  readonly built?: BuildResult;
}

async function yearToBuild(warehouse: Warehouse, asOf: string): Promise<number | undefined> {
  const r = await queryRows(warehouse, `SELECT max(year) AS y FROM submissions WHERE status = 'loaded' AND year <= ${Number(asOf.slice(0, 4))}`);
  const y = r.rows[0]?.y;
  return y === null || y === undefined ? undefined : Number(y);
}

/**
 * One run: take the lock, ingest into a working copy of the warehouse, build the outputs when
 * something changed (or they are missing), publish the copy atomically, release the lock.
 */
export async function nightlyRun(options: NightlyRunOptions): Promise<NightlyRunResult> {
  await mkdir(dirname(options.warehousePath), { recursive: true });
  const release = await acquireRunLock(`${options.warehousePath}.lock`, options.lockWaitMs ?? 5_000, options.clock);
  try {
    if (await nothingNew(options)) {
      options.log('run-skipped', { reason: 'nothing new', source: options.source.description });
      return { checks: [] };
    }
    options.log('run-start', { source: options.source.description, warehouse: options.warehousePath });
    const result = await withWorkingCopy(options.warehousePath, async (warehouse) => {
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
          else if (o.status !== 'unchanged') options.log(`file-${o.status}`, { path: o.path, form: o.form, unit: o.unit, rows: o.rows });
          options.onFile?.(o);
        },
      });
      const b = options.build;
      let built: BuildResult | undefined;
      const changed = ingested.counts.files_loaded + ingested.counts.files_refused + ingested.counts.files_replaced > 0;
      if (b && !ingested.interrupted && (changed || !existsSync(join(b.outDir, 'data', 'index.json')))) {
        const asOf = b.asOf ?? shanghaiDate(options.clock());
        const year = b.year ?? (await yearToBuild(warehouse, asOf));
        if (year !== undefined) {
          const { build } = await import('../../dashboards/build.js');
          built = await build({ warehouse, outDir: b.outDir, year, generatedAt: options.clock().toISOString(), asOf, publishers: await b.publishers() });
          options.log('build-done', { year, files: built.files.length, out: b.outDir });
        }
      }
      const { checkWarehouse, warehouseSound } = await import('../../warehouse/check/integrity-check.js');
      const checks = await checkWarehouse(warehouse);
      const failed = checks.filter((c) => !c.ok);
      options.log(warehouseSound(checks) ? 'check-ok' : 'check-failed', {
        checks: checks.length,
        ...(failed.length ? { problems: failed.map((c) => `${c.check}:${c.violations}`).join(',') } : {}),
      });
      return { ingest: ingested, checks, ...(built ? { built } : {}) };
    });
    const c = result.ingest!.counts;
    options.log(result.ingest!.interrupted ? 'run-interrupted' : 'run-end', {
      run: result.ingest!.runId,
      seen: c.files_seen,
      loaded: c.files_loaded,
      unchanged: c.files_unchanged,
      replaced: c.files_replaced,
      refused: c.files_refused,
      rows: c.rows_loaded,
    });
    return result;
  } finally {
    await release();
  }
}

/**
 * A night with nothing new must cost almost nothing: compare the source's listing with the files
 * the published warehouse has seen (path, size, time), without copying or writing anything.
 */
async function nothingNew(options: NightlyRunOptions): Promise<boolean> {
  if (!existsSync(options.warehousePath)) return false;
  if (options.build && !existsSync(join(options.build.outDir, 'data', 'index.json'))) return false;
  const warehouse = await Warehouse.open({ path: options.warehousePath, readOnly: true });
  try {
    const seen = await new SubmissionStore(warehouse).seenFingerprints();
    for await (const f of options.source.list()) {
      if (!seen.has(fingerprint(f.path, f.bytes, shanghaiTimestamp(f.modifiedAt)))) return false;
    }
    return true;
  } finally {
    await warehouse.close();
  }
}
