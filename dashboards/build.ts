import { join } from 'node:path';
import { writeFileAtomic } from '../domain/atomic-write.js';
import { queryRows } from '../warehouse/query.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import {
  bulletinDocument,
  dispatchDocument,
  quarterDocument,
  townshipDocument,
  yearDocument,
  type BuildContext,
} from './data/build-documents.js';
import { indexDocumentSchema, schemaVersion } from './data/documents.js';
import type { DocumentSet, OutputFile, Publisher } from './publisher.js';

/** What a build needs. */
export interface BuildOptions {
  readonly warehouse: Warehouse;
  readonly outDir: string;
  readonly year: number;
  /** ISO time stamped into every document. */
  readonly generatedAt: string;
  /** Reference date (YYYY-MM-DD) for overdue hazards and missing submissions. */
  readonly asOf: string;
  readonly publishers: readonly Publisher[];
}

/** What a build wrote. */
export interface BuildResult {
  readonly files: readonly string[];
  readonly documents: DocumentSet;
}

/** Computes every document from the warehouse (validated by its schema). */
export async function buildDocuments(ctx: BuildContext): Promise<DocumentSet> {
  await ctx.warehouse.connection.run(`SET VARIABLE as_of = DATE '${ctx.asOf}'`);
  const units = (await queryRows(ctx.warehouse, `SELECT code, name, kind FROM units ORDER BY code`)).rows;
  const towns = units.filter((u) => u.kind === 'township').map((u) => ({ name: String(u.name), code: String(u.code) }));
  const bureau = units.filter((u) => u.kind === 'bureau').map((u) => String(u.name));
  const quarters = (await queryRows(ctx.warehouse, `SELECT DISTINCT quarter FROM submission_status WHERE year = ${ctx.year} ORDER BY quarter`)).rows.map((r) => Number(r.quarter));
  const year = await yearDocument(ctx);
  const quarterDocs = [];
  const dispatch = [];
  const bulletins = [];
  for (const q of quarters) {
    quarterDocs.push(await quarterDocument(ctx, q, towns.map((t) => t.name), bureau));
    dispatch.push(await dispatchDocument(ctx, q));
    bulletins.push(await bulletinDocument(ctx, q, towns.map((t) => t.name)));
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
      { kind: 'year', file: `data/year-${y}.json`, title: `${y}年度总览` },
      ...quarters.flatMap((q) => [
        { kind: 'quarter', file: `data/quarter-${y}-Q${q}.json`, title: `${y}年第${q}季度汇总` },
        { kind: 'dispatch', file: `data/dispatch-${y}-Q${q}.json`, title: `${y}年第${q}季度调度` },
        { kind: 'bulletin', file: `data/bulletin-${y}-Q${q}.json`, title: `${y}年第${q}季度通报` },
      ]),
      ...towns.map((t) => ({ kind: 'township', file: `data/township-${t.code}-${y}.json`, title: `${t.name}${y}年` })),
    ],
  });
  return { index, year, quarters: quarterDocs, dispatch, bulletins, townships };
}

/**
 * Builds every output. All documents and files are computed first; only then are files written,
 * each through a temporary name and a rename — a failed build leaves the last good output.
 */
export async function build(options: BuildOptions): Promise<BuildResult> {
  const documents = await buildDocuments({ warehouse: options.warehouse, year: options.year, generatedAt: options.generatedAt, asOf: options.asOf });
  const files: OutputFile[] = [];
  for (const p of options.publishers) files.push(...(await p.publish(documents)));
  for (const f of files) await writeFileAtomic(join(options.outDir, f.path), f.content);
  return { files: files.map((f) => f.path), documents };
}
