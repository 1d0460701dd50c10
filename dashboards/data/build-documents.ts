import { bureauMonthlyForm, forms, townshipStatsForm } from '../../domain/forms/index.js';
import { fullLabel, type FieldDefinition } from '../../domain/forms/form-definition.js';
import { periodLabel } from '../../domain/periods.js';
import type { Redactor } from '../../domain/redact.js';
import { loadRedactor } from '../../warehouse/personal-data.js';
import { queryRows } from '../../warehouse/query.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { phraseWithUnit } from '../text/report-phrasing.js';
import { bulletinText } from '../text/bulletin-text.js';
import { yearParagraphs } from '../text/year-paragraph.js';
import {
  bulletinDocumentSchema,
  dispatchDocumentSchema,
  quarterDocumentSchema,
  schemaVersion,
  townshipDocumentSchema,
  yearDocumentSchema,
  type BulletinDocument,
  type DispatchDocument,
  type QuarterDocument,
  type Source,
  type TownshipDocument,
  type YearDocument,
} from './documents.js';

/** What every document shares. */
export interface BuildContext {
  readonly warehouse: Warehouse;
  readonly year: number;
  /** ISO generation time. */
  readonly generatedAt: string;
  /** Reference date (YYYY-MM-DD) for overdue and missing. */
  readonly asOf: string;
}

const redactors = new WeakMap<BuildContext, Promise<Redactor>>();

/**
 * The redactor of one build: the warehouse's personal strings (`warehouse/personal-data.ts`),
 * loaded once per build context.
 */
export function redactorFor(ctx: BuildContext): Promise<Redactor> {
  let r = redactors.get(ctx);
  if (!r) {
    r = loadRedactor(ctx.warehouse);
    redactors.set(ctx, r);
  }
  return r;
}

/**
 * A document as it may be published: every text in it — finding messages, refusal reasons, file
 * paths and sheet names, the drafted 通报 — with names, ID and phone numbers masked. Every document
 * function returns through here, so no page, JSON, text or workbook sees an unredacted string.
 */
async function publishable<T>(ctx: BuildContext, doc: T): Promise<T> {
  return (await redactorFor(ctx)).value(doc);
}

/** Chinese names of the finding rules, for tables and the bulletin. */
export const ruleLabels: Readonly<Record<string, string>> = {
  fine_over_cap: '简易程序罚款超过法定上限',
  decision_before_filing: '决定日期早于立案日期',
  rectified_before_found: '整改完成日期早于检查日期',
  hazard_status_mismatch: '整改状态与整改日期不符',
  case_number_duplicate: '案件编号重复',
  ytd_rectified_exceeds_found: '累计整改数超过累计发现数',
  t1_ledger_mismatch: '统计表与台账不符',
  b1_penalties_mismatch: '月报行政处罚数与案件台账不符',
  total_row_mismatch: '合计行与各行之和不符',
};

const countFields = (fields: readonly FieldDefinition[]) => fields.filter((f) => f.type === 'count');
const columnsOf = (fields: readonly FieldDefinition[]) =>
  countFields(fields).map((f) => ({ metric: f.id, label: f.label, group: f.group ?? null, unit: f.unit ?? '' }));

async function rows(ctx: BuildContext, sql: string): Promise<Record<string, unknown>[]> {
  return (await queryRows(ctx.warehouse, sql)).rows;
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

async function sources(ctx: BuildContext, where: string): Promise<Source[]> {
  const r = await rows(
    ctx,
    `SELECT submission_id, path, unit, form, year, period_from, period_to, strftime(received_at, '%Y-%m-%d %H:%M:%S') AS received_at
     FROM submissions WHERE status = 'loaded' AND year = ${ctx.year} AND (${where}) ORDER BY submission_id`,
  );
  return r.map((x) => ({
    submissionId: num(x.submission_id),
    path: String(x.path),
    unit: String(x.unit),
    form: String(x.form),
    period: periodLabel({ year: num(x.year), fromMonth: num(x.period_from), toMonth: num(x.period_to) }),
    receivedAt: String(x.received_at),
  }));
}

function meta(ctx: BuildContext, src: Source[]) {
  return { schemaVersion, generatedAt: ctx.generatedAt, asOf: ctx.asOf, year: ctx.year, sources: src };
}

/** The 年度总览 document. */
export async function yearDocument(ctx: BuildContext): Promise<YearDocument> {
  const yf = await rows(ctx, `SELECT scope, metric, label, value FROM year_figures WHERE year = ${ctx.year}`);
  const byScope = (scope: string) => Object.fromEntries(yf.filter((r) => r.scope === scope).map((r) => [String(r.metric), num(r.value)]));
  const bureau = byScope('bureau');
  const townships = byScope('township');
  const figures = (scope: string, fields: readonly FieldDefinition[]) =>
    countFields(fields).map((f) => {
      const value = num(yf.find((r) => r.scope === scope && r.metric === f.id)?.value);
      return { metric: f.id, label: f.reportLabel ?? fullLabel(f), unit: f.unit ?? '', value, phrase: phraseWithUnit(value, f.unit, f.reportRounding) };
    });
  const quarterly = await rows(
    ctx,
    `SELECT quarter, unit_kind AS scope, metric, label, CAST(sum(value) AS BIGINT) AS value
     FROM quarter_figures WHERE year = ${ctx.year} AND ((form = 'T1' AND unit_kind = 'township') OR (form = 'B1' AND unit_kind = 'bureau'))
     GROUP BY quarter, unit_kind, metric, label ORDER BY quarter, scope, metric`,
  );
  const b1Ids = countFields(bureauMonthlyForm.fields).map((f) => f.id);
  const monthly = await rows(
    ctx,
    `SELECT month, metric, value FROM (
       SELECT b.month, ${b1Ids.map((id) => `sum(b.${id}) AS ${id}`).join(', ')}
       FROM b1_bureau_monthly b JOIN submissions s ON s.submission_id = b.submission_id AND s.status = 'loaded'
       WHERE b.year = ${ctx.year} AND b.month IS NOT NULL GROUP BY b.month
     ) UNPIVOT (value FOR metric IN (${b1Ids.join(', ')}))
     ORDER BY month, metric`,
  );
  const labels = new Map(countFields(bureauMonthlyForm.fields).map((f) => [f.id, fullLabel(f)]));
  const findings = await rows(ctx, `SELECT rule, count(*) AS n FROM findings WHERE year = ${ctx.year} GROUP BY rule ORDER BY rule`);
  const doc: YearDocument = {
    kind: 'year',
    ...meta(ctx, await sources(ctx, 'true')),
    bureau: figures('bureau', bureauMonthlyForm.fields),
    townships: figures('township', townshipStatsForm.fields),
    byQuarter: quarterly.map((r) => ({ quarter: num(r.quarter), scope: r.scope === 'bureau' ? 'bureau' : 'township', metric: String(r.metric), label: String(r.label), value: num(r.value) })),
    byMonth: monthly.map((r) => ({ month: num(r.month), metric: String(r.metric), label: labels.get(String(r.metric)) ?? String(r.metric), value: num(r.value) })),
    paragraphs: yearParagraphs(ctx.year, bureau, townships),
    findings: {
      total: findings.reduce((a, r) => a + num(r.n), 0),
      byRule: findings.map((r) => ({ rule: String(r.rule), label: ruleLabels[String(r.rule)] ?? String(r.rule), count: num(r.n) })),
    },
  };
  return publishable(ctx, yearDocumentSchema.parse(doc));
}

const t1Metrics = countFields(townshipStatsForm.fields).map((f) => f.id);
const b1Metrics = countFields(bureauMonthlyForm.fields).map((f) => f.id);
const stockMetrics = new Set([...townshipStatsForm.fields, ...bureauMonthlyForm.fields].filter((f) => f.measure === 'stock').map((f) => f.id));

function rate(rectified: number | undefined, found: number | undefined): number | null {
  return found ? Math.round(((rectified ?? 0) / found) * 10000) / 10000 : null;
}

/** Per unit: metric → value for one quarter, and year-to-date (stock: latest). */
async function figuresByUnit(ctx: BuildContext, form: string, quarter: number): Promise<Map<string, { q: Record<string, number>; ytd: Record<string, number> }>> {
  const r = await rows(
    ctx,
    `SELECT unit, metric, quarter, value FROM quarter_figures WHERE form = '${form}' AND year = ${ctx.year} AND quarter <= ${quarter} ORDER BY unit, metric, quarter`,
  );
  const out = new Map<string, { q: Record<string, number>; ytd: Record<string, number> }>();
  for (const x of r) {
    const unit = String(x.unit);
    const entry = out.get(unit) ?? { q: {}, ytd: {} };
    const metric = String(x.metric);
    const value = num(x.value);
    if (num(x.quarter) === quarter) entry.q[metric] = value;
    entry.ytd[metric] = stockMetrics.has(metric) ? value : (entry.ytd[metric] ?? 0) + value;
    out.set(unit, entry);
  }
  return out;
}

function sum(records: readonly Record<string, number>[], metrics: readonly string[]): Record<string, number> {
  return Object.fromEntries(metrics.map((m) => [m, records.reduce((a, r) => a + (r[m] ?? 0), 0)]));
}

/** The 季度汇总 document for one quarter. */
export async function quarterDocument(ctx: BuildContext, quarter: number, townshipNames: readonly string[], bureauNames: readonly string[]): Promise<QuarterDocument> {
  const t1 = await figuresByUnit(ctx, 'T1', quarter);
  const b1 = await figuresByUnit(ctx, 'B1', quarter);
  const zero = Object.fromEntries(t1Metrics.map((m) => [m, 0]));
  const townshipRows = townshipNames.map((unit) => {
    const e = t1.get(unit);
    const q = { ...zero, ...e?.q };
    const ytd = { ...zero, ...e?.ytd };
    return { unit, kind: 'township' as const, quarter: q, yearToDate: ytd, rectificationRate: rate(q.hazards_rectified, q.hazards_found), yearToDateRectificationRate: rate(ytd.hazards_rectified, ytd.hazards_found) };
  });
  const tq = sum(townshipRows.map((r) => r.quarter), t1Metrics);
  const tytd = sum(townshipRows.map((r) => r.yearToDate), t1Metrics);
  const bZero = Object.fromEntries(b1Metrics.map((m) => [m, 0]));
  const bureauRows = bureauNames.map((unit) => ({ unit, quarter: { ...bZero, ...b1.get(unit)?.q }, yearToDate: { ...bZero, ...b1.get(unit)?.ytd } }));
  const bq = sum(bureauRows.map((r) => r.quarter), b1Metrics);
  const bytd = sum(bureauRows.map((r) => r.yearToDate), b1Metrics);
  // The bureau's row in the township table: its comparable measures under the township columns.
  const asTownship = (b: Record<string, number>) => ({ ...zero, units_inspected: b.inspections ?? 0, hazards_found: b.hazards_found ?? 0, hazards_rectified: b.hazards_rectified ?? 0 });
  const bureauQ = asTownship(bq);
  const bureauY = asTownship(bytd);
  const districtQ: Record<string, number> = { ...sum([tq, bureauQ], t1Metrics), bureau_penalties: bq.penalties ?? 0 };
  const districtY: Record<string, number> = { ...sum([tytd, bureauY], t1Metrics), bureau_penalties: bytd.penalties ?? 0 };
  const rows_ = [
    ...townshipRows,
    { unit: '镇街合计', kind: 'township_total' as const, quarter: tq, yearToDate: tytd, rectificationRate: rate(tq.hazards_rectified, tq.hazards_found), yearToDateRectificationRate: rate(tytd.hazards_rectified, tytd.hazards_found) },
    { unit: '局本级', kind: 'bureau' as const, quarter: { ...bureauQ, bureau_penalties: bq.penalties ?? 0 }, yearToDate: { ...bureauY, bureau_penalties: bytd.penalties ?? 0 }, rectificationRate: rate(bq.hazards_rectified, bq.hazards_found), yearToDateRectificationRate: rate(bytd.hazards_rectified, bytd.hazards_found) },
    { unit: '全区合计', kind: 'district_total' as const, quarter: districtQ, yearToDate: districtY, rectificationRate: rate(districtQ.hazards_rectified, districtQ.hazards_found), yearToDateRectificationRate: rate(districtY.hazards_rectified, districtY.hazards_found) },
  ];
  let previousQuarter: Record<string, number> | null = null;
  if (quarter > 1) {
    const prev = await figuresByUnit(ctx, 'T1', quarter - 1);
    previousQuarter = sum([...prev.values()].map((e) => e.q), t1Metrics);
  }
  const casePairs: [string, string, string][] = [
    ['赋权执法', '一般程序', 'empowered_general_cases'],
    ['赋权执法', '简易程序', 'empowered_simple_cases'],
    ['委托执法', '一般程序', 'entrusted_general_cases'],
    ['委托执法', '简易程序', 'entrusted_simple_cases'],
  ];
  const doc: QuarterDocument = {
    kind: 'quarter',
    ...meta(ctx, await sources(ctx, `form IN ('T1', 'B1') AND period_from <= ${quarter * 3} AND period_to >= ${quarter * 3 - 2}`)),
    quarter,
    columns: columnsOf(townshipStatsForm.fields),
    rows: rows_,
    bureauColumns: columnsOf(bureauMonthlyForm.fields),
    bureauRows,
    previousQuarter,
    casesByType: [
      ...casePairs.map(([enforcement, procedure, m]) => ({ enforcement, procedure, quarter: tq[m] ?? 0, yearToDate: tytd[m] ?? 0 })),
      { enforcement: '本级执法', procedure: '全部', quarter: bq.penalties ?? 0, yearToDate: bytd.penalties ?? 0 },
    ],
  };
  return publishable(ctx, quarterDocumentSchema.parse(doc));
}

type Finding = DispatchDocument['findings'][number] & { readonly year: number; readonly quarter: number | null };

const findingsCache = new WeakMap<BuildContext, Promise<Finding[]>>();

/** The year's findings, read once per build (the view is costly) and filtered here. */
async function findingsFor(ctx: BuildContext, keep: (f: Finding) => boolean): Promise<DispatchDocument['findings']> {
  let all = findingsCache.get(ctx);
  if (!all) {
    all = rows(ctx, `SELECT * FROM findings WHERE year = ${ctx.year} ORDER BY severity, rule, unit, finding_id`).then((r) =>
      r.map((x) => ({
        findingId: String(x.finding_id),
        rule: String(x.rule),
        ruleLabel: ruleLabels[String(x.rule)] ?? String(x.rule),
        severity: x.severity === 'error' ? ('error' as const) : ('warning' as const),
        unit: String(x.unit ?? ''),
        form: String(x.form ?? ''),
        message: String(x.message),
        path: str(x.path),
        sheet: str(x.sheet),
        cell: str(x.cell),
        submissionId: x.submission_id === null || x.submission_id === undefined ? null : num(x.submission_id),
        year: num(x.year),
        quarter: x.quarter === null || x.quarter === undefined ? null : num(x.quarter),
      })),
    );
    findingsCache.set(ctx, all);
  }
  return (await all).filter(keep).map(({ year: _y, quarter: _q, ...f }) => f);
}

/** The 调度 document for one quarter. */
export async function dispatchDocument(ctx: BuildContext, quarter: number): Promise<DispatchDocument> {
  const m = await rows(
    ctx,
    `SELECT unit, unit_kind, form, month, status, strftime(due_date, '%Y-%m-%d') AS due_date, strftime(received_at, '%Y-%m-%d %H:%M:%S') AS received_at, versions, submission_id, reason
     FROM submission_status s JOIN units u ON u.name = s.unit
     WHERE year = ${ctx.year} AND quarter = ${quarter} ORDER BY u.kind DESC, u.code, form, month`,
  );
  const matrix = m.map((x) => ({
    unit: String(x.unit),
    unitKind: x.unit_kind === 'bureau' ? ('bureau' as const) : ('township' as const),
    form: String(x.form),
    month: x.month === null || x.month === undefined ? null : num(x.month),
    status: String(x.status) as DispatchDocument['matrix'][number]['status'],
    dueDate: String(x.due_date),
    receivedAt: str(x.received_at),
    versions: num(x.versions),
    submissionId: x.submission_id === null || x.submission_id === undefined ? null : num(x.submission_id),
    reason: str(x.reason),
  }));
  const statusCounts = { on_time: 0, late: 0, rejected: 0, missing: 0, pending: 0 };
  for (const x of matrix) statusCounts[x.status]++;
  // Open hazards as of the reference date, whatever quarter they were found in: counts only,
  // since 被检查单位 may name a person's business.
  const open = await rows(
    ctx,
    `SELECT unit, count(*) AS open, count(*) FILTER (WHERE overdue) AS overdue, coalesce(max(days_overdue), 0) AS max_days
     FROM hazards_open WHERE year <= ${ctx.year} GROUP BY unit ORDER BY open DESC, unit`,
  );
  const cats = await rows(ctx, `SELECT unit, category, count(*) AS n FROM hazards_open WHERE year <= ${ctx.year} GROUP BY ALL ORDER BY unit, category`);
  const doc: DispatchDocument = {
    kind: 'dispatch',
    ...meta(ctx, await sources(ctx, `period_from <= ${quarter * 3} AND period_to >= ${quarter * 3 - 2}`)),
    quarter,
    forms: forms.map((f) => ({ code: f.code, name: f.name })),
    matrix,
    statusCounts,
    openHazards: open.map((x) => ({
      unit: String(x.unit),
      open: num(x.open),
      overdue: num(x.overdue),
      maxDaysOverdue: num(x.max_days),
      byCategory: Object.fromEntries(cats.filter((c) => c.unit === x.unit).map((c) => [String(c.category), num(c.n)])),
    })),
    findings: await findingsFor(ctx, (f) => f.quarter === quarter),
  };
  return publishable(ctx, dispatchDocumentSchema.parse(doc));
}

const problemTypes = ['文书填写不全面', '调查取证资料不规范', '执法程序不规范', '其他'];

/** The 通报 document for one quarter. */
export async function bulletinDocument(ctx: BuildContext, quarter: number, townshipNames: readonly string[]): Promise<BulletinDocument> {
  const ranking = await rows(ctx, `SELECT indicator, label, unit, value, rank FROM township_ranking WHERE year = ${ctx.year} AND quarter = ${quarter} ORDER BY indicator, rank NULLS LAST, unit`);
  const indicators = [...new Set(ranking.map((r) => String(r.indicator)))];
  const order = ['inspections', 'rectification_rate', 'cases', 'problems_per_case', 'on_time_rate'];
  indicators.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const quality = await rows(ctx, `SELECT unit, problem, cases, reviewed_cases FROM case_quality WHERE year = ${ctx.year} AND quarter = ${quarter}`);
  const reviewed = await rows(ctx, `SELECT handling_unit AS unit, count(*) AS n FROM case_reviews WHERE year = ${ctx.year} AND quarter = ${quarter} GROUP BY ALL`);
  const byTownship = townshipNames
    .map((unit) => ({
      unit,
      reviewed: num(reviewed.find((r) => r.unit === unit)?.n),
      counts: Object.fromEntries(problemTypes.map((p) => [p, num(quality.find((q) => q.unit === unit && q.problem === p)?.cases)])),
    }))
    .filter((x) => x.reviewed > 0);
  const totals = Object.fromEntries(problemTypes.map((p) => [p, quality.filter((q) => q.problem === p).reduce((a, q) => a + num(q.cases), 0)]));
  const late = await rows(
    ctx,
    `SELECT unit, form, month, status FROM submission_status s JOIN units u ON u.name = s.unit
     WHERE year = ${ctx.year} AND quarter = ${quarter} AND status IN ('late', 'missing', 'rejected') ORDER BY u.kind DESC, u.code, form, month`,
  );
  const rankings = indicators.map((indicator) => ({
    indicator,
    label: String(ranking.find((r) => r.indicator === indicator)?.label ?? indicator),
    better: indicator === 'problems_per_case' ? ('lower' as const) : ('higher' as const),
    entries: ranking.filter((r) => r.indicator === indicator).map((r) => ({ unit: String(r.unit), value: r.value === null ? null : num(r.value), rank: r.rank === null ? null : num(r.rank) })),
  }));
  const lateOrMissing = late.map((x) => ({ unit: String(x.unit), form: String(x.form), month: x.month === null || x.month === undefined ? null : num(x.month), status: String(x.status) as BulletinDocument['lateOrMissing'][number]['status'] }));
  const caseQuality = { problems: problemTypes, byTownship, totals, reviewed: byTownship.reduce((a, x) => a + x.reviewed, 0) };
  const doc: BulletinDocument = {
    kind: 'bulletin',
    ...meta(ctx, await sources(ctx, `form IN ('T1', 'R1') AND period_from <= ${quarter * 3} AND period_to >= ${quarter * 3 - 2}`)),
    quarter,
    rankings,
    caseQuality,
    lateOrMissing,
    text: bulletinText({ year: ctx.year, quarter, rankings, caseQuality, lateOrMissing, findings: await findingsFor(ctx, (f) => f.quarter === quarter && ['T1', 'L1', 'L2', 'R1'].includes(f.form)) }),
  };
  return publishable(ctx, bulletinDocumentSchema.parse(doc));
}

/** One township's page for the year. */
export async function townshipDocument(ctx: BuildContext, unit: { name: string; code: string }, quarters: readonly number[], townshipCount: number): Promise<TownshipDocument> {
  const mine = await rows(ctx, `SELECT quarter, metric, value FROM quarter_figures WHERE form = 'T1' AND year = ${ctx.year} AND unit = '${unit.name.replace(/'/g, "''")}'`);
  const all = await rows(ctx, `SELECT quarter, metric, sum(value) AS value FROM quarter_figures WHERE form = 'T1' AND year = ${ctx.year} AND unit_kind = 'township' GROUP BY ALL`);
  const subs = await rows(
    ctx,
    `SELECT submission_id, path, form, year, period_from, period_to, status, strftime(received_at, '%Y-%m-%d %H:%M:%S') AS received_at, reason
     FROM submissions WHERE unit_code = '${unit.code}' AND (year = ${ctx.year} OR year IS NULL) ORDER BY received_at, submission_id`,
  );
  const doc: TownshipDocument = {
    kind: 'township',
    ...meta(ctx, await sources(ctx, `unit_code = '${unit.code}'`)),
    unit: unit.name,
    code: unit.code,
    columns: columnsOf(townshipStatsForm.fields),
    quarters: quarters.map((q) => ({
      quarter: q,
      values: Object.fromEntries(t1Metrics.map((m) => [m, num(mine.find((r) => num(r.quarter) === q && r.metric === m)?.value)])),
      districtAverage: Object.fromEntries(t1Metrics.map((m) => [m, Math.round((num(all.find((r) => num(r.quarter) === q && r.metric === m)?.value) / townshipCount) * 10) / 10])),
    })),
    submissions: subs.map((x) => ({
      submissionId: num(x.submission_id),
      path: String(x.path),
      form: str(x.form),
      period: x.period_from === null || x.year === null ? null : periodLabel({ year: num(x.year), fromMonth: num(x.period_from), toMonth: num(x.period_to) }),
      status: String(x.status),
      receivedAt: String(x.received_at),
      reason: str(x.reason),
    })),
    findings: await findingsFor(ctx, (f) => f.unit === unit.name),
  };
  return publishable(ctx, townshipDocumentSchema.parse(doc));
}
