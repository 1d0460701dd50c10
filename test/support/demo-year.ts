import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { inject } from 'vitest';
import { UnitRegistry } from '../../domain/units.js';
import { build } from '../../dashboards/build.js';
import type { DocumentSet } from '../../dashboards/publisher.js';
import { defaultPublishers } from '../../dashboards/publishers.js';
import { ingest } from '../../pipelines/ingest/ingest.js';
import { FolderInbox } from '../../sources/inbox/folder-inbox.js';
import { writeSampleInbox, type SampleManifest } from '../../sources/sample/index.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { filesUnder } from './files.js';

/** The demo year as `firestat demo` builds it, with every output the default publishers write. */
export interface BuiltYear {
  /** Folder holding inbox, warehouse, reports and outputs. Shared: read it, never write into it. */
  readonly dir: string;
  /** The output folder (pages, `data/`, `xlsx/`, `text/`, `docx/`, `自检.html`). */
  readonly out: string;
  /** Output files, relative to `out`, sorted. */
  readonly files: readonly string[];
  readonly documents: DocumentSet;
  /** What the sample generator planted (names, phones: personal data to look for). */
  readonly manifest: SampleManifest;
  /** The warehouse file (closed; open it `readOnly` to query — other test files read it at the same time). */
  readonly warehousePath: string;
}

/** Where the shared year is, as the global setup hands it to the test files. */
interface DemoYearLocation {
  readonly dir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    demoYear: DemoYearLocation;
  }
}

export const demoAsOf = '2025-01-20';
const demoGeneratedAt = '2025-01-20T02:00:00.000Z';

/**
 * The sample year (seed 1, as `firestat demo`) through the real pipeline: sample inbox → ingest →
 * warehouse → every default publisher, written to `dir`, with `documents.json` and `manifest.json`
 * beside it and `done` written last. About half a minute.
 */
export async function buildDemoYearInto(dir: string): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const inbox = join(dir, 'inbox');
  const manifest = await writeSampleInbox({ outDir: inbox, year: 2024, seed: 1 });
  const warehousePath = join(dir, 'warehouse.duckdb');
  const warehouse = await Warehouse.open({ path: warehousePath });
  try {
    await ingest({
      source: new FolderInbox(inbox),
      warehouse,
      registry: UnitRegistry.sample(),
      reportsDir: join(dir, 'reports'),
      clock: () => new Date(`${demoAsOf}T02:00:00Z`),
    });
    const built = await build({
      warehouse,
      outDir: join(dir, 'out'),
      year: 2024,
      generatedAt: demoGeneratedAt,
      asOf: demoAsOf,
      publishers: await defaultPublishers(),
    });
    writeFileSync(join(dir, 'documents.json'), JSON.stringify(built.documents));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  } finally {
    await warehouse.close();
  }
  writeFileSync(join(dir, 'done'), new Date().toISOString());
}

/**
 * A hash of everything that makes the demo year: the sources, the dependencies' lock and the
 * sample generator. The shared year is rebuilt when any of them changes.
 */
export function demoYearKey(root: string): string {
  const hash = createHash('sha256');
  const walk = (rel: string): void => {
    const abs = join(root, rel);
    if (!existsSync(abs)) return;
    if (statSync(abs).isDirectory()) {
      for (const n of readdirSync(abs).sort()) walk(join(rel, n));
    } else if (/\.(ts|json|mjs|js)$/.test(rel)) {
      hash.update(rel).update('\0').update(readFileSync(abs)).update('\0');
    }
  };
  for (const top of ['domain', 'sources', 'pipelines', 'warehouse', 'dashboards', 'package-lock.json', 'test/support/demo-year.ts']) walk(top);
  return hash.digest('hex').slice(0, 16);
}

/** The shared demo year, built once per test run by `test/global-setup.ts` (cached by {@link demoYearKey}). */
export function demoYear(): BuiltYear {
  const { dir } = inject('demoYear');
  if (!existsSync(join(dir, 'done'))) throw new Error(`共享的样例年度不完整：${dir}（由 test/global-setup.ts 生成）`);
  const out = join(dir, 'out');
  return {
    dir,
    out,
    files: filesUnder(out)
      .map((f) => relative(out, f))
      .sort(),
    documents: JSON.parse(readFileSync(join(dir, 'documents.json'), 'utf8')) as DocumentSet,
    manifest: JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as SampleManifest,
    warehousePath: join(dir, 'warehouse.duckdb'),
  };
}
