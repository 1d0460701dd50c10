import { existsSync } from 'node:fs';
import { copyFile, rename, rm, stat } from 'node:fs/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import { Warehouse } from './warehouse.js';

/** The files DuckDB keeps beside a database file for changes not yet written into it. */
export function walFiles(path: string): string[] {
  return [`${path}.wal`, `${path}.wal.checkpoint`, `${path}.wal.recovery`];
}

/**
 * Identity of a warehouse file as published: inode, size and modification time. Publishing is a
 * rename, which keeps all three; any write to the file changes them. The outputs record the
 * identity of the warehouse they were built from (`out/.firestat-build.json`).
 */
export async function warehouseIdentity(path: string): Promise<string | null> {
  try {
    const s = await stat(path, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch {
    return null;
  }
}

/** A foreign WAL cannot be cleared because a live process has the warehouse open for writing. */
class WarehouseInUseError extends Error {
  override readonly name = 'WarehouseInUseError';
}

/**
 * Whether a process has `path` open read-write: DuckDB then holds a write lock on the file and a
 * read-only open fails with "Could not set lock". Any other failure (a WAL that does not fit the
 * file, say) is not a live writer.
 */
async function liveWriter(path: string): Promise<string | undefined> {
  try {
    const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
    instance.closeSync();
    return undefined;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return /Could not set lock|Conflicting lock/i.test(message) ? message : undefined;
  }
}

/**
 * Removes a WAL left beside the published warehouse by another read-write client (the DuckDB CLI,
 * DBeaver …) that crashed or was killed. Only firestat writes the published file, and only by
 * renaming a finished working copy over it, so such a WAL never belongs to what firestat
 * published — but DuckDB would replay it onto whatever file has that name next (even a read-only
 * open applies it, in memory), mixing another program's changes into the night's data. Refuses
 * (throws {@link WarehouseInUseError}) while a live process still has the file open read-write.
 * With `always`, checks for a live writer even when there is no WAL yet (before publishing).
 * Returns the files removed with their sizes.
 */
export async function clearForeignWal(path: string, options: { always?: boolean } = {}): Promise<{ file: string; bytes: number }[]> {
  const present = walFiles(path).filter((f) => existsSync(f));
  if (present.length === 0 && !options.always) return [];
  // Without the database file a WAL is an orphan (it would be replayed onto the first file published).
  const writer = existsSync(path) ? await liveWriter(path) : undefined;
  if (writer) {
    throw new WarehouseInUseError(
      `数据仓库 ${path} 正被另一个程序以读写方式打开（${writer.split('\n')[0]}）；firestat 只在它关闭后才发布新数据，以免把它的修改混进来。请关闭该程序后重新运行，本次结果未发布`,
    );
  }
  const removed: { file: string; bytes: number }[] = [];
  for (const f of walFiles(path)) {
    if (!existsSync(f)) continue;
    const bytes = (await stat(f)).size;
    await rm(f, { force: true });
    removed.push({ file: f, bytes });
  }
  return removed;
}

/** What {@link withWorkingCopy} does around the rename. */
export interface PublishHooks {
  /**
   * Called after the working copy is complete and closed, just before it is renamed over the
   * published file; throwing stops the publication (the working copy is then discarded).
   */
  readonly beforePublish?: (workPath: string) => Promise<void>;
}

/**
 * Writes happen on a working copy that is published by an atomic rename, so analysts reading the
 * published file (firestat sql, the DuckDB CLI, DBeaver, Python — all read-only) are never
 * blocked and never see half a night: they see the last complete state until the rename, then
 * the new one. A run that dies leaves the published file untouched; its working copy is
 * discarded by the next run. Before the rename a foreign WAL beside the published file is removed
 * (see {@link clearForeignWal}); publishing is refused while another program has the file open
 * read-write.
 */
export async function withWorkingCopy<T>(publishedPath: string, work: (warehouse: Warehouse) => Promise<T>, hooks: PublishHooks = {}): Promise<T> {
  const workPath = `${publishedPath}.work`;
  const discard = async () => {
    await rm(workPath, { force: true });
    for (const f of walFiles(workPath)) await rm(f, { force: true });
  };
  await discard();
  // Only the checkpointed file is copied: a WAL beside it is not firestat's and is not carried over.
  if (existsSync(publishedPath)) await copyFile(publishedPath, workPath);
  // Opening migrates the copy and brings it to the forms (or stops on a schema mismatch): a copy that fails is discarded.
  const warehouse = await Warehouse.open({ path: workPath }).catch(async (e: unknown) => {
    await discard();
    throw e;
  });
  let result: T;
  try {
    result = await work(warehouse);
    await warehouse.duckdb.run('CHECKPOINT');
  } catch (e) {
    await warehouse.close();
    await discard();
    throw e;
  }
  await warehouse.close();
  try {
    for (const f of walFiles(workPath)) await rm(f, { force: true });
    await hooks.beforePublish?.(workPath);
    await clearForeignWal(publishedPath, { always: true });
    await rename(workPath, publishedPath);
  } catch (e) {
    await discard();
    throw e;
  }
  return result;
}
