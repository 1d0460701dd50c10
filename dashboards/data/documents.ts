import { z } from 'zod';

/**
 * The published dashboard data: one JSON document per page and period, each validated by the
 * schema below before it is written. Documents carry no personal data (no party names, ID or
 * phone numbers). `schemaVersion` changes when a document's shape changes incompatibly.
 */
export const schemaVersion = 1 as const;

/** A submission a document was built from. */
export const sourceSchema = z.object({
  submissionId: z.number().int(),
  path: z.string(),
  unit: z.string(),
  form: z.string(),
  period: z.string(),
  receivedAt: z.string(),
});

const meta = {
  schemaVersion: z.literal(schemaVersion),
  /** ISO time the document was generated (the only part that changes between identical builds). */
  generatedAt: z.string(),
  /** Reference date for 调度 figures (overdue, missing). */
  asOf: z.string(),
  year: z.number().int(),
  /** The current submissions behind the figures. */
  sources: z.array(sourceSchema),
};

export const figureSchema = z.object({
  metric: z.string(),
  label: z.string(),
  unit: z.string(),
  value: z.number(),
  /** The figure as the report writes it: `10万`, `300余`. */
  phrase: z.string(),
});

/** 年度总览: the year's figures as the report lists them, trends, the drafted paragraph. */
export const yearDocumentSchema = z.object({
  kind: z.literal('year'),
  ...meta,
  bureau: z.array(figureSchema),
  townships: z.array(figureSchema),
  byQuarter: z.array(z.object({ quarter: z.number().int(), scope: z.enum(['township', 'bureau']), metric: z.string(), label: z.string(), value: z.number() })),
  byMonth: z.array(z.object({ month: z.number().int(), metric: z.string(), label: z.string(), value: z.number() })),
  paragraphs: z.array(z.string()),
  findings: z.object({ total: z.number().int(), byRule: z.array(z.object({ rule: z.string(), label: z.string(), count: z.number().int() })) }),
});

/** One row of a 汇总 table (a township, the township total, the bureau or the district). */
export const summaryRowSchema = z.object({
  unit: z.string(),
  kind: z.enum(['township', 'township_total', 'bureau', 'district_total']),
  quarter: z.record(z.string(), z.number()),
  yearToDate: z.record(z.string(), z.number()),
  rectificationRate: z.number().nullable(),
  yearToDateRectificationRate: z.number().nullable(),
});

/** 季度汇总: 22 townships + bureau + totals for one quarter, with year-to-date and the previous quarter. */
export const quarterDocumentSchema = z.object({
  kind: z.literal('quarter'),
  ...meta,
  quarter: z.number().int(),
  columns: z.array(z.object({ metric: z.string(), label: z.string(), group: z.string().nullable(), unit: z.string() })),
  rows: z.array(summaryRowSchema),
  bureauColumns: z.array(z.object({ metric: z.string(), label: z.string(), group: z.string().nullable(), unit: z.string() })),
  bureauRows: z.array(z.object({ unit: z.string(), quarter: z.record(z.string(), z.number()), yearToDate: z.record(z.string(), z.number()) })),
  previousQuarter: z.record(z.string(), z.number()).nullable(),
  casesByType: z.array(z.object({ enforcement: z.string(), procedure: z.string(), quarter: z.number(), yearToDate: z.number() })),
});

export const statusSchema = z.enum(['on_time', 'late', 'rejected', 'missing', 'pending']);

/** 调度: who sent what, open hazards, reconciliation findings — for one quarter. */
export const dispatchDocumentSchema = z.object({
  kind: z.literal('dispatch'),
  ...meta,
  quarter: z.number().int(),
  forms: z.array(z.object({ code: z.string(), name: z.string() })),
  matrix: z.array(
    z.object({
      unit: z.string(),
      unitKind: z.enum(['township', 'bureau']),
      form: z.string(),
      month: z.number().int().nullable(),
      status: statusSchema,
      dueDate: z.string(),
      receivedAt: z.string().nullable(),
      versions: z.number().int(),
      submissionId: z.number().int().nullable(),
      reason: z.string().nullable(),
    }),
  ),
  statusCounts: z.record(statusSchema, z.number().int()),
  openHazards: z.array(z.object({ unit: z.string(), open: z.number().int(), overdue: z.number().int(), maxDaysOverdue: z.number().int(), byCategory: z.record(z.string(), z.number().int()) })),
  findings: z.array(
    z.object({
      findingId: z.string(),
      rule: z.string(),
      ruleLabel: z.string(),
      severity: z.enum(['error', 'warning']),
      unit: z.string(),
      form: z.string(),
      message: z.string(),
      path: z.string().nullable(),
      sheet: z.string().nullable(),
      cell: z.string().nullable(),
      submissionId: z.number().int().nullable(),
    }),
  ),
});

/** 通报: rankings and case-quality problems for one quarter, and the drafted text. */
export const bulletinDocumentSchema = z.object({
  kind: z.literal('bulletin'),
  ...meta,
  quarter: z.number().int(),
  rankings: z.array(
    z.object({
      indicator: z.string(),
      label: z.string(),
      better: z.enum(['higher', 'lower']),
      entries: z.array(z.object({ unit: z.string(), value: z.number().nullable(), rank: z.number().int().nullable() })),
    }),
  ),
  caseQuality: z.object({
    problems: z.array(z.string()),
    byTownship: z.array(z.object({ unit: z.string(), reviewed: z.number().int(), counts: z.record(z.string(), z.number().int()) })),
    totals: z.record(z.string(), z.number().int()),
    reviewed: z.number().int(),
  }),
  lateOrMissing: z.array(z.object({ unit: z.string(), form: z.string(), month: z.number().int().nullable(), status: statusSchema })),
  text: z.string(),
});

/** One township's year: its figures beside the district's, its submissions and findings. */
export const townshipDocumentSchema = z.object({
  kind: z.literal('township'),
  ...meta,
  unit: z.string(),
  code: z.string(),
  quarters: z.array(z.object({ quarter: z.number().int(), values: z.record(z.string(), z.number()), districtAverage: z.record(z.string(), z.number()) })),
  columns: z.array(z.object({ metric: z.string(), label: z.string(), group: z.string().nullable(), unit: z.string() })),
  submissions: z.array(z.object({ submissionId: z.number().int(), path: z.string(), form: z.string().nullable(), period: z.string().nullable(), status: z.string(), receivedAt: z.string(), reason: z.string().nullable() })),
  findings: dispatchDocumentSchema.shape.findings,
});

/** The site index: which documents exist. */
export const indexDocumentSchema = z.object({
  kind: z.literal('index'),
  schemaVersion: z.literal(schemaVersion),
  generatedAt: z.string(),
  asOf: z.string(),
  year: z.number().int(),
  quarters: z.array(z.number().int()),
  townships: z.array(z.object({ unit: z.string(), code: z.string() })),
  documents: z.array(z.object({ kind: z.string(), file: z.string(), title: z.string() })),
});

export type YearDocument = z.infer<typeof yearDocumentSchema>;
export type QuarterDocument = z.infer<typeof quarterDocumentSchema>;
export type DispatchDocument = z.infer<typeof dispatchDocumentSchema>;
export type BulletinDocument = z.infer<typeof bulletinDocumentSchema>;
export type TownshipDocument = z.infer<typeof townshipDocumentSchema>;
export type IndexDocument = z.infer<typeof indexDocumentSchema>;
export type Source = z.infer<typeof sourceSchema>;
