import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { UnitRegistry } from '../../domain/units.js';
import { build } from '../../dashboards/build.js';
import type { DocumentSet } from '../../dashboards/publisher.js';
import { defaultPublishers } from '../../dashboards/publishers.js';
import { ingest } from '../../pipelines/ingest/ingest.js';
import { FolderInbox } from '../../sources/inbox/folder-inbox.js';
import { writeSampleInbox } from '../../sources/sample/index.js';
import { Warehouse } from '../../warehouse/warehouse.js';

/** The demo year as `firestat demo` builds it, with every output the default publishers write. */
export interface BuiltYear {
  /** Scratch folder holding inbox, warehouse and outputs. */
  readonly dir: string;
  /** The output folder (pages, `data/`, `xlsx/`, `text/`, `docx/` when published). */
  readonly out: string;
  /** Output files, relative to `out`, sorted. */
  readonly files: readonly string[];
  readonly documents: DocumentSet;
  /** The warehouse file (closed; open it again to query). */
  readonly warehousePath: string;
}

export const demoAsOf = '2025-01-20';
export const demoGeneratedAt = '2025-01-20T02:00:00.000Z';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)) : [join(dir, n)]));
}

/**
 * The sample year (seed 1, as `firestat demo`) through the real pipeline: sample inbox → ingest →
 * warehouse → every default publisher (pages, JSON, text, workbooks, and whatever else is
 * registered), written to a fresh folder. Takes about half a minute; build it once per test file.
 */
export async function buildDemoYear(prefix = 'firestat-demo-'): Promise<BuiltYear> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const inbox = join(dir, 'inbox');
  await writeSampleInbox({ outDir: inbox, year: 2024, seed: 1 });
  const warehousePath = join(dir, 'warehouse.duckdb');
  const warehouse = await Warehouse.open({ path: warehousePath });
  try {
    await ingest({ source: new FolderInbox(inbox), warehouse, registry: UnitRegistry.sample(), reportsDir: join(dir, 'reports'), clock: () => new Date(`${demoAsOf}T02:00:00Z`) });
    const out = join(dir, 'out');
    const built = await build({ warehouse, outDir: out, year: 2024, generatedAt: demoGeneratedAt, asOf: demoAsOf, publishers: await defaultPublishers() });
    return { dir, out, files: filesUnder(out).map((f) => relative(out, f)).sort(), documents: built.documents, warehousePath };
  } finally {
    await warehouse.close();
  }
}
