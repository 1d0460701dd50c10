import { stageFolder } from '../domain/staged-folder.js';
import { setAsOf } from '../warehouse/as-of.js';
import { queryRows } from '../warehouse/query.js';
import type { PersonalStrings } from '../warehouse/personal-data.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { bulletinDocument, dispatchDocument, quarterDocument, redactorFor, townshipDocument, yearDocument, type BuildContext } from './data/build-documents.js';
import { indexDocumentSchema, schemaVersion } from './data/documents.js';
import { BUILD_STAMP, buildStampText, type BuildStamp } from './build-stamp.js';
import { jsonFiles } from './json-publisher.js';
import { redactFile, type DocumentSet, type OutputFile, type Publisher } from './publisher.js';

/** What a build needs. */
export interface BuildOptions {
  readonly warehouse: Warehouse;
  readonly outDir: string;
  readonly year: number;
  /** ISO time stamped into every document. */
  readonly generatedAt: string;
  /** Reference date (YYYY-MM-DD) for overdue hazards and missing submissions. */
  readonly asOf: string;
  /** Who issues the 通报: the configured registry's bureau (default the sample's). */
  readonly issuer?: string;
  /** The warehouse's personal strings when the caller loaded them already (a run: once, for the build and the notices). */
  readonly personal?: PersonalStrings;
  readonly publishers: readonly Publisher[];
}

/** What a build wrote. */
export interface BuildResult {
  readonly files: readonly string[];
  readonly documents: DocumentSet;
}

/** Computes every document from the warehouse (validated by its schema). */
export async function buildDocuments(ctx: BuildContext): Promise<DocumentSet> {
  await setAsOf(ctx.warehouse, ctx.asOf);
  const units = (await queryRows(ctx.warehouse, `SELECT code, name, kind FROM units ORDER BY code`)).rows;
  const towns = units.filter((u) => u.kind === 'township').map((u) => ({ name: String(u.name), code: String(u.code) }));
  const bureau = units.filter((u) => u.kind === 'bureau').map((u) => String(u.name));
  const quarters = (await queryRows(ctx.warehouse, `SELECT DISTINCT quarter FROM submission_status WHERE year = $1 ORDER BY quarter`, [ctx.year])).rows.map(
    (r) => Number(r.quarter),
  );
  const year = await yearDocument(ctx);
  const quarterDocs = [];
  const dispatch = [];
  const bulletins = [];
  const townNames = towns.map((t) => t.name);
  for (const q of quarters) {
    quarterDocs.push(await quarterDocument(ctx, q, townNames, bureau));
    dispatch.push(await dispatchDocument(ctx, q, q === quarters.at(-1)));
    bulletins.push(await bulletinDocument(ctx, q, townNames));
  }
  const townships = [];
  for (const t of towns) townships.push(await townshipDocument(ctx, t, quarters, towns.length));
  const y = ctx.year;
  const index = indexDocumentSchema.parse({
    kind: 'index',
    schemaVersion,
    generatedAt: ctx.generatedAt,
    asOf: ctx.asOf,
    year: y,
    quarters,
    townships: towns.map((t) => ({ unit: t.name, code: t.code })),
    documents: [
      { kind: 'year', file: jsonFiles.year(y), title: `${y}年度总览` },
      ...quarters.flatMap((q) => [
        { kind: 'quarter', file: jsonFiles.quarter(y, q), title: `${y}年第${q}季度汇总` },
        { kind: 'dispatch', file: jsonFiles.dispatch(y, q), title: `${y}年第${q}季度调度` },
        { kind: 'bulletin', file: jsonFiles.bulletin(y, q), title: `${y}年第${q}季度通报` },
      ]),
      ...towns.map((t) => ({ kind: 'township', file: jsonFiles.township(t.code, y), title: `${t.name}${y}年` })),
    ],
  });
  return { index, year, quarters: quarterDocs, dispatch, bulletins, townships };
}

/**
 * Top-level names a build writes (and so replaces): everything else found in the output folder —
 * a Parquet export or data dictionary someone put there — is carried over into the new one.
 */
function isBuildOutput(name: string): boolean {
  return ['data', 'text', 'docx', 'xlsx', 'assets', BUILD_STAMP].includes(name) || name.endsWith('.html') || /\.\d+\.\d+\.tmp$/.test(name);
}

/** A build written into a staging folder beside the output folder, not yet in place. */
export interface StagedBuild extends BuildResult {
  /** Records what the outputs were built from ({@link BUILD_STAMP}). */
  stamp(warehouseIdentity: string | null): Promise<void>;
  /** Swaps the staging folder in as the output folder (see `domain/staged-folder.ts`). */
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/**
 * Computes every document and file, then writes them into a staging folder beside `outDir`
 * (`.out.staging-…`). Nothing in `outDir` changes until {@link StagedBuild.commit}; a failure
 * (full disk, kill) leaves the previous outputs whole, and the staging folder of a process that died
 * is removed by the next build.
 */
export async function stageBuild(options: BuildOptions): Promise<StagedBuild> {
  const ctx: BuildContext = {
    warehouse: options.warehouse,
    year: options.year,
    generatedAt: options.generatedAt,
    asOf: options.asOf,
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.personal ? { personal: options.personal } : {}),
  };
  const documents = await buildDocuments(ctx);
  // Every document is redacted where it is built; every text file once more where it is written.
  const redactor = await redactorFor(ctx);
  const files: OutputFile[] = [];
  // Publishers that link to the others' files (the pages) run last, told what was written.
  const linking = options.publishers.filter((p) => p.linksOutputs);
  for (const p of options.publishers.filter((x) => !x.linksOutputs)) files.push(...(await p.publish(documents)).map((f) => redactFile(redactor, f)));
  const written = files.map((f) => f.path);
  for (const p of linking) files.push(...(await p.publish(documents, written)).map((f) => redactFile(redactor, f)));
  const staging = await stageFolder(options.outDir);
  try {
    for (const f of files) await staging.write(f.path, f.content);
  } catch (e) {
    await staging.discard();
    throw e;
  }
  return {
    files: files.map((f) => f.path),
    documents,
    stamp: async (warehouse) => {
      const stamp: BuildStamp = { format: 'firestat-build', asOf: options.asOf, year: options.year, generatedAt: options.generatedAt, warehouse };
      try {
        await staging.write(BUILD_STAMP, buildStampText(stamp));
      } catch (e) {
        await staging.discard();
        throw e;
      }
    },
    commit: () => staging.commit((name) => !isBuildOutput(name)),
    discard: () => staging.discard(),
  };
}

/**
 * Builds every output and puts them in place as a whole: computed first, written into a staging
 * folder, then swapped in for `outDir` — a failed build leaves the last good output. With
 * `warehouseIdentity` the folder records what it was built from ({@link BUILD_STAMP}).
 */
export async function build(options: BuildOptions & { readonly warehouseIdentity?: string | null }): Promise<BuildResult> {
  const staged = await stageBuild(options);
  if (options.warehouseIdentity !== undefined) await staged.stamp(options.warehouseIdentity);
  try {
    await staged.commit();
  } catch (e) {
    await staged.discard();
    throw e;
  }
  return { files: staged.files, documents: staged.documents };
}
