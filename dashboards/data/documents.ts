import { z } from 'zod';

/**
 * The published dashboard data: one JSON document per page and period, each validated by the
 * schema below before it is written. Documents carry no personal data (no party names, ID or
 * phone numbers). `schemaVersion` changes when a document's shape changes incompatibly.
 */
export const schemaVersion = 1 as const;

/** A submission a document was built from. */
const sourceSchema = z.object({
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

const figureSchema = z.object({
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
  /** The year's findings still to check, by rule (acknowledged ones, `firestat review ack`, are checked). */
  findings: z.object({ total: z.number().int(), byRule: z.array(z.object({ rule: z.string(), label: z.string(), count: z.number().int() })) }),
});

/**
 * One row of a 汇总 table (a township, the township total, the bureau or the district). A metric a
 * row has no figure for is absent, not 0: the bureau's row has no township-only figures (办理案件,
 * 联合执法检查, 消防管理岗人员), townships have no bureau-only ones (`bureau_*`, see
 * `bureauOnlyColumns`). 全区合计 adds the bureau's figure to the townships' only where both are
 * declared comparable (same unit); the bureau's 消防监督检查（份）stays apart from 检查社会单位数（家）.
 *
 * Rates are exact (`hazards_rectified / hazards_found` of the same record, unrounded, e.g.
 * 510 / 567 = 0.8994708994708994); outputs round them once with `dashboards/rates.ts`. A rate can
 * exceed 1 when hazards found in earlier quarters were rectified in this one.
 */
const summaryRowSchema = z.object({
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
  /**
   * Columns of the 汇总 table only the 局本级 and 全区合计 rows fill: the bureau's figures whose
   * township counterpart has another unit (`beside`: the township column they stand next to, e.g.
   * 消防监督检查（份）beside 检查社会单位数（家）) and its own cases (`beside` null). Label and unit
   * come from the B1 field declarations.
   */
  bureauOnlyColumns: z.array(
    z.object({ metric: z.string(), label: z.string(), group: z.string().nullable(), unit: z.string(), beside: z.string().nullable() }),
  ),
  bureauRows: z.array(z.object({ unit: z.string(), quarter: z.record(z.string(), z.number()), yearToDate: z.record(z.string(), z.number()) })),
  previousQuarter: z.record(z.string(), z.number()).nullable(),
  casesByType: z.array(z.object({ enforcement: z.string(), procedure: z.string(), quarter: z.number(), yearToDate: z.number() })),
});

const statusSchema = z.enum(['on_time', 'late', 'rejected', 'missing', 'pending']);

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
  /**
   * When `openHazards` are counted: `quarter_end` — a past quarter, its hazards as they stood on
   * its last day (found by then, not rectified by then); `as_of` — the current quarter, at the
   * build's as-of date (what `hazards_open` shows).
   */
  openHazardsAt: z.object({ date: z.string(), basis: z.enum(['quarter_end', 'as_of']) }),
  openHazards: z.array(
    z.object({
      unit: z.string(),
      open: z.number().int(),
      overdue: z.number().int(),
      maxDaysOverdue: z.number().int(),
      byCategory: z.record(z.string(), z.number().int()),
    }),
  ),
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
  /** Findings the statistician acknowledged (`firestat review ack`): kept apart, with the note and when; the 通报 leaves them out. Who acknowledged stays in the warehouse (`review_actions`): a person's name is never published. */
  acknowledged: z.array(
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
      reviewNote: z.string(),
      reviewedAt: z.string(),
    }),
  ),
});

/**
 * A document as the bureau issues it (公文): title, 主送, body blocks in levels (`heading1` 一、,
 * `heading2` （一）, `paragraph`, `item`), 落款 (issuer and 成文日期 in Chinese). The Markdown of
 * `text/`, the `.docx` of `docx/` and the printed page are all rendered from it.
 */
const officialTextSchema = z.object({
  title: z.string(),
  recipients: z.string().nullable(),
  blocks: z.array(z.object({ kind: z.enum(['heading1', 'heading2', 'paragraph', 'item']), text: z.string() })),
  issuer: z.string(),
  date: z.string(),
});

/**
 * 通报: for one quarter and the 22 镇街 it is addressed to (局本级 units are left to the 调度) — the
 * quarter's township figures beside the previous quarter's, case-file review results, rankings,
 * data-quality findings and late or missing reports, and the drafted document (`draft`, and as
 * Markdown `text`).
 */
export const bulletinDocumentSchema = z.object({
  kind: z.literal('bulletin'),
  ...meta,
  quarter: z.number().int(),
  /** The townships' T1 figures summed: this quarter, the previous one (null in Q1), the year to date (stock: latest). */
  overview: z.object({
    townships: z.number().int(),
    /** Townships whose T1 for the quarter is not in the warehouse (not sent, or sent back). */
    notReported: z.array(z.string()),
    quarter: z.record(z.string(), z.number()),
    previousQuarter: z.record(z.string(), z.number()).nullable(),
    yearToDate: z.record(z.string(), z.number()),
    /** The townships' reporting deadline for the quarter (YYYY-MM-DD); the 通报 is dated by it, or by `asOf` when that is earlier. */
    dueDate: z.string().nullable(),
  }),
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
    /** Reviewed case files by 评查结果: 合格 / 基本合格 / 不合格. */
    results: z.record(z.string(), z.number().int()),
    /** The 不合格 case files, by case number (never by party). */
    failed: z.array(z.object({ unit: z.string(), caseNo: z.string() })),
  }),
  /** Townships that sent late, were sent back or did not send. */
  lateOrMissing: z.array(z.object({ unit: z.string(), form: z.string(), month: z.number().int().nullable(), status: statusSchema })),
  /** The townships' data-quality findings of the quarter, located (for the statistician's appendix). */
  findings: dispatchDocumentSchema.shape.findings,
  draft: officialTextSchema,
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
  /**
   * The year-to-date 整改率 (through the last quarter) of the township and of all townships, exact:
   * counts and their quotient, unrounded — the same figures as the 汇总's 累计整改率, so both print
   * the same digits (`districtAverage` is rounded for display and must not be divided).
   */
  rectification: z.object({
    unit: z.object({ rectified: z.number(), found: z.number(), rate: z.number().nullable() }),
    townships: z.object({ rectified: z.number(), found: z.number(), rate: z.number().nullable() }),
  }),
  submissions: z.array(
    z.object({
      submissionId: z.number().int(),
      path: z.string(),
      form: z.string().nullable(),
      period: z.string().nullable(),
      status: z.string(),
      receivedAt: z.string(),
      reason: z.string().nullable(),
    }),
  ),
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
