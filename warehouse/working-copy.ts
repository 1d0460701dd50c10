import { existsSync } from 'node:fs';
import { copyFile, rename, rm } from 'node:fs/promises';
import { Warehouse } from './warehouse.js';

/**
 * Writes happen on a working copy that is published by an atomic rename, so analysts reading the
 * published file (firestat sql, the DuckDB CLI, DBeaver, Python — all read-only) are never
 * blocked and never see half a night: they see the last complete state until the rename, then
 * the new one. A run that dies leaves the published file untouched; its working copy is
 * discarded by the next run.
 */
export async function withWorkingCopy<T>(publishedPath: string, work: (warehouse: Warehouse) => Promise<T>): Promise<T> {
  const workPath = `${publishedPath}.work`;
  await rm(workPath, { force: true });
  await rm(`${workPath}.wal`, { force: true });
  if (existsSync(publishedPath)) await copyFile(publishedPath, workPath);
  const warehouse = await Warehouse.open({ path: workPath });
  let result: T;
  try {
    result = await work(warehouse);
    await warehouse.connection.run('CHECKPOINT');
  } catch (e) {
    await warehouse.close();
    await rm(workPath, { force: true });
    await rm(`${workPath}.wal`, { force: true });
    throw e;
  }
  await warehouse.close();
  await rm(`${workPath}.wal`, { force: true });
  await rename(workPath, publishedPath);
  return result;
}

