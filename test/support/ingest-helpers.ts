import { cpSync, mkdirSync, mkdtempSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnitRegistry } from '../../domain/units.js';
import { ingest, type IngestResult } from '../../pipelines/ingest/ingest.js';
import { FolderInbox } from '../../sources/inbox/folder-inbox.js';
import { Warehouse } from '../../warehouse/warehouse.js';

export const fixturesDir = new URL('../fixtures/', import.meta.url).pathname;

/** A fresh temp folder for one test. */
export function tempDir(prefix = 'firestat-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Sets the modification time of every file under `dir` (the pipeline's received time). */
function touchAll(dir: string, when: Date): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) touchAll(p, when);
    else utimesSync(p, when, when);
  }
}

/** Copies a fixture folder into `inbox`, stamping the copies as received at `when`. */
export function deliver(fixture: string, inbox: string, when: Date): void {
  mkdirSync(inbox, { recursive: true });
  const staging = tempDir('firestat-stage-');
  cpSync(join(fixturesDir, fixture), staging, { recursive: true });
  touchAll(staging, when);
  cpSync(staging, inbox, { recursive: true, preserveTimestamps: true });
}

/** Runs one ingest of `inbox` into the warehouse with a pinned clock. */
export async function runIngest(warehouse: Warehouse, inbox: string, reportsDir: string, now = new Date('2024-04-20T02:00:00Z')): Promise<IngestResult> {
  return ingest({
    source: new FolderInbox(inbox),
    warehouse,
    registry: UnitRegistry.sample(),
    reportsDir,
    clock: () => now,
  });
}

/** A fresh in-memory warehouse. */
export function memoryWarehouse(): Promise<Warehouse> {
  return Warehouse.open({ path: ':memory:' });
}

/** Copies one file into `inbox` at `relPath`, stamped as received at `when`. */
export function deliverFile(source: string, inbox: string, relPath: string, when: Date): void {
  const target = join(inbox, relPath);
  mkdirSync(join(target, '..'), { recursive: true });
  cpSync(source, target);
  utimesSync(target, when, when);
}
