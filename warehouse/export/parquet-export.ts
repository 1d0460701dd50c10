import { existsSync } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { shanghaiDate } from '../../domain/clock.js';
import { stageFolder } from '../../domain/staged-folder.js';
import { AsOfError, checkedAsOf, setAsOf } from '../as-of.js';
import { forms } from '../../domain/forms/index.js';
import { readCatalog, schemaVersion, sqlIdent, type CatalogRelation } from '../docs/catalog.js';
import { loadRedactor, SQL_REDACT_FUNCTION, useSqlRedactor } from '../personal-data.js';
import { queryRows } from '../query.js';
import type { Warehouse } from '../warehouse.js';

/**
 * What is exported: every fact table (all submissions, with lineage columns), the two registers
 * analysts join against, and the documented views. Left out: `runs`, `submission_problems`,
 * `submission_columns`, `forms`, `form_expectations` (bookkeeping of the pipeline) and
 * `hazards_open` (a function of the reference date; `hazards` + a date gives it).
 */
export const exportedRelations: readonly string[] = [
  ...forms.map((f) => f.table),
  'submissions',
  'units',
  'quarter_figures',
  'year_figures',
  ...forms.flatMap((f) => (f.currentView ? [f.currentView.name] : [])),
  'findings',
  'submission_status',
  'case_quality',
  'township_ranking',
];

/** Hive partition keys, in order, used when a relation has them. */
const partitionKeys = ['year', 'quarter'] as const;

/** The file written for a relation without partition columns, or with no rows. */
const SINGLE_FILE = 'data_0.parquet';

/** Name of the manifest in the export folder. */
export const MANIFEST_FILE = '_manifest.json';

/** One exported table or view. */
interface ExportedRelation {
  readonly name: string;
  readonly kind: 'table' | 'view';
  readonly comment: string | null;
  /** Rows written. */
  readonly rows: number;
  /** Hive partition columns (folders `year=2024/quarter=1/`); empty for a single file. */
  readonly partitionedBy: readonly string[];
  /** Glob, relative to the export folder, that reads the whole relation. */
  readonly glob: string;
  /** Columns in the Parquet files plus the partition columns. */
  readonly columns: readonly string[];
  /** Personal-data columns left out (empty with `includePersonal`). */
  readonly droppedColumns: readonly string[];
  /**
   * Text columns written redacted — names, ID and phone numbers masked as on the published pages
   * (`domain/redact.ts`); empty with `includePersonal`.
   */
  readonly redactedColumns: readonly string[];
  readonly files: number;
  readonly bytes: number;
}

/** `_manifest.json`. */
export interface ExportManifest {
  readonly format: 'firestat-parquet-export';
  readonly manifestVersion: 1;
  readonly generatedAt: string;
  /** Absolute path of the warehouse file exported. */
  readonly warehouse: string;
  /** Latest schema migration of the warehouse. */
  readonly schemaVersion: string | null;
  /** Reference date of the 调度 views (`submission_status`, `findings`). */
  readonly asOf: string;
  /** Whether columns marked `个人信息` were kept. */
  readonly includePersonal: boolean;
  readonly relations: readonly ExportedRelation[];
  readonly totalRows: number;
  readonly totalBytes: number;
  /** How to read one relation back. */
  readonly readWith: string;
}

/** Options of {@link exportParquet}. */
export interface ExportOptions {
  readonly warehouse: Warehouse;
  /** Folder that will hold one sub-folder per relation; replaced as a whole. */
  readonly outDir: string;
  /**
   * Keep columns marked personal data (a form's `personal` fields, in its table and view) and the text as it is, for
   * an internal copy. Default false: personal columns left out, every text column redacted.
   */
  readonly includePersonal?: boolean;
  /** Reference date `YYYY-MM-DD` of the 调度 views; default today in Beijing. */
  readonly asOf?: string;
  /** ISO time stamped into the manifest; default now. */
  readonly generatedAt?: string;
  /** Relations to export (default {@link exportedRelations}). */
  readonly relations?: readonly string[];
}

/** Thrown when the export cannot be done as asked (Chinese message). */
export class ExportError extends Error {
  override readonly name = 'ExportError';
}

function sqlPath(path: string): string {
  return `'${path.replace(/'/g, "''")}'`;
}

async function filesUnder(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      const sub = await filesUnder(p);
      files += sub.files;
      bytes += sub.bytes;
    } else {
      files += 1;
      bytes += (await stat(p)).size;
    }
  }
  return { files, bytes };
}

/** Text columns that hold digests, not text: never redacted. */
const digestColumns = new Set(['sha256', 'finding_id']);

async function exportOne(warehouse: Warehouse, relation: CatalogRelation, tmpDir: string, includePersonal: boolean): Promise<ExportedRelation> {
  const dropped = includePersonal ? [] : relation.columns.filter((c) => c.personal).map((c) => c.name);
  const keptColumns = relation.columns.filter((c) => !dropped.includes(c.name));
  const kept = keptColumns.map((c) => c.name);
  // Without personal columns the export is closer to published than the warehouse is: every text
  // column (hazard descriptions, reasons, messages, file paths, sheet names…) is redacted too.
  const redacted = includePersonal ? [] : keptColumns.filter((c) => (c.type === 'VARCHAR' || c.type === 'VARCHAR[]') && !digestColumns.has(c.name));
  const expression = (name: string): string => {
    const c = redacted.find((x) => x.name === name);
    if (!c) return sqlIdent(name);
    const value = c.type === 'VARCHAR[]' ? `list_transform(${sqlIdent(name)}, x -> ${SQL_REDACT_FUNCTION}(x))` : `${SQL_REDACT_FUNCTION}(${sqlIdent(name)})`;
    return `${value} AS ${sqlIdent(name)}`;
  };
  const select = `SELECT ${kept.map(expression).join(', ')} FROM ${sqlIdent(relation.name)}`;
  const target = join(tmpDir, relation.name);
  await mkdir(target, { recursive: true });
  const count = await queryRows(warehouse, `SELECT count(*) AS n FROM ${sqlIdent(relation.name)}`);
  const expected = Number(count.rows[0]?.n ?? 0);
  let partitionedBy: string[] = partitionKeys.filter((k) => kept.includes(k));
  // An empty relation has no partition to write into: a single (empty) file keeps its columns readable.
  if (expected === 0) partitionedBy = [];
  const copied = partitionedBy.length
    ? await queryRows(
        warehouse,
        `COPY (${select}) TO ${sqlPath(target)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (${partitionedBy.map(sqlIdent).join(', ')}), OVERWRITE_OR_IGNORE)`,
      )
    : await queryRows(warehouse, `COPY (${select}) TO ${sqlPath(join(target, SINGLE_FILE))} (FORMAT parquet, COMPRESSION zstd)`);
  const written = Number(copied.rows[0]?.Count ?? expected);
  const size = await filesUnder(target);
  return {
    name: relation.name,
    kind: relation.kind,
    comment: relation.comment,
    rows: written,
    partitionedBy,
    glob: `${relation.name}/**/*.parquet`,
    columns: [...kept.filter((c) => !partitionedBy.includes(c)), ...partitionedBy],
    droppedColumns: dropped,
    redactedColumns: redacted.map((c) => c.name),
    files: size.files,
    bytes: size.bytes,
  };
}

/**
 * Exports the fact tables, `submissions`, `units` and the documented views as Parquet, each in
 * its own folder under `outDir`, Hive-partitioned by `year` and `quarter` where the relation has
 * them (`quarter_figures/year=2024/quarter=1/data_0.parquet`; a NULL key goes to
 * `__HIVE_DEFAULT_PARTITION__` and reads back as NULL); relations without them (and empty ones)
 * are one `data_0.parquet`. Columns whose comment marks personal data are left out and every
 * text column is redacted (names, ID and phone numbers masked, `domain/redact.ts`) unless
 * `includePersonal`. Everything is read in one transaction (one consistent state of the
 * warehouse), written into a temporary sibling folder with `_manifest.json` last, and only then
 * renamed into place: readers see the previous export or the new one, never half of one. An
 * existing `outDir` is replaced only if it is an earlier export (has a `_manifest.json`) or empty.
 */
export async function exportParquet(options: ExportOptions): Promise<ExportManifest> {
  const { warehouse } = options;
  const includePersonal = options.includePersonal === true;
  const asOf = options.asOf ?? shanghaiDate(new Date());
  try {
    checkedAsOf(asOf, '截止日期');
  } catch (e) {
    throw e instanceof AsOfError ? new ExportError(e.message) : e;
  }
  const outDir = resolve(options.outDir);
  if (existsSync(outDir)) {
    const entries = await readdir(outDir);
    if (entries.length > 0 && !entries.includes(MANIFEST_FILE)) {
      throw new ExportError(`导出目录 ${outDir} 已存在且不是 firestat 的导出（没有 ${MANIFEST_FILE}），为免误删不予覆盖；请换一个目录或先清空它`);
    }
  }
  const wanted = options.relations ?? exportedRelations;
  const catalog = new Map((await readCatalog(warehouse)).map((r) => [r.name, r]));
  const missing = wanted.filter((n) => !catalog.has(n));
  if (missing.length) throw new ExportError(`数据仓库中没有这些表或视图：${missing.join('、')}（数据仓库结构是否过旧？）`);

  if (!includePersonal) useSqlRedactor(warehouse, await loadRedactor(warehouse));
  const staging = await stageFolder(outDir);
  const tmpDir = staging.path;
  const relations: ExportedRelation[] = [];
  try {
    await setAsOf(warehouse, asOf);
    await warehouse.duckdb.run('BEGIN TRANSACTION');
    try {
      for (const name of wanted) relations.push(await exportOne(warehouse, catalog.get(name)!, tmpDir, includePersonal));
    } catch (e) {
      await warehouse.duckdb.run('ROLLBACK').catch(() => {});
      throw e;
    }
    await warehouse.duckdb.run('COMMIT');
    const manifest: ExportManifest = {
      format: 'firestat-parquet-export',
      manifestVersion: 1,
      generatedAt: options.generatedAt ?? new Date().toISOString(),
      warehouse: warehouse.path === ':memory:' ? warehouse.path : resolve(warehouse.path),
      schemaVersion: await schemaVersion(warehouse),
      asOf,
      includePersonal,
      relations,
      totalRows: relations.reduce((s, r) => s + r.rows, 0),
      totalBytes: relations.reduce((s, r) => s + r.bytes, 0),
      readWith: `SELECT * FROM read_parquet('<导出目录>/<name>/**/*.parquet', hive_partitioning = true)`,
    };
    await staging.write(MANIFEST_FILE, `${JSON.stringify(manifest, null, 2)}\n`);
    await staging.commit();
    return manifest;
  } catch (e) {
    await staging.discard();
    throw e;
  }
}

/** A Chinese summary for the CLI: totals, personal columns left out, one line per relation. */
export function summarizeExport(manifest: ExportManifest, outDir: string): string {
  const lines = [
    `已导出 ${manifest.relations.length} 个表和视图，共 ${manifest.totalRows} 行、${(manifest.totalBytes / 1024).toFixed(0)} KiB：${outDir}`,
    manifest.includePersonal
      ? '  注意：含个人信息列（--include-personal），不得对外发布'
      : `  已去掉个人信息列：${manifest.relations.flatMap((r) => r.droppedColumns.map((c) => `${r.name}.${c}`)).join('、') || '无'}；文本列中的姓名、身份证号和电话号码已遮盖`,
  ];
  for (const r of manifest.relations) {
    const parts = r.partitionedBy.length ? `按 ${r.partitionedBy.join('/')} 分区，${r.files} 个文件` : '单个文件';
    lines.push(`  ${r.name.padEnd(20)} ${String(r.rows).padStart(8)} 行  ${parts}`);
  }
  lines.push(`  读取：SELECT * FROM read_parquet('${join(outDir, 'quarter_figures')}/**/*.parquet', hive_partitioning = true)`);
  return lines.join('\n');
}
