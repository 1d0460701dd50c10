import { forms, stockMetrics } from '../../domain/forms/index.js';
import { findingRuleLabels } from '../../domain/forms/finding-rules.js';
import { daysOverdueAt, foundYear, openAt, openHazardCategory, openHazardsSource, overdueAt } from '../../domain/forms/open-hazards.js';
import { rankingIndicators } from '../../domain/forms/ranking-indicators.js';
import {
  bureauCaseField,
  bureauFiguresForm,
  caseTypeOf,
  choicesOf,
  rectification,
  reviewCaseNoField,
  reviewForm,
  reviewProblemsField,
  reviewResultField,
  reviewUnitField,
  townshipCaseFields,
  townshipFiguresForm,
} from '../../domain/forms/report-fields.js';
import { UnitRegistry } from '../../domain/units.js';
import { comparable, fullLabel, type FieldDefinition } from '../../domain/forms/form-definition.js';
import { periodLabel } from '../../domain/periods.js';
import { Redactor } from '../../domain/redact.js';
import { checkedAsOf } from '../../warehouse/as-of.js';
import { loadRedactor, type PersonalStrings } from '../../warehouse/personal-data.js';
import { queryRows } from '../../warehouse/query.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { rateOf } from '../rates.js';
import { phraseWithUnit } from '../text/report-phrasing.js';
import { bulletinDraft } from '../text/bulletin-text.js';
import { officialMarkdown } from '../text/official-text.js';
import { yearParagraphs, type YearCaseReview } from '../text/year-paragraph.js';
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
  /** Who issues the 通报 (its 落款): the configured registry's bureau; default the sample's. */
  readonly issuer?: string;
  /** The warehouse's personal strings, when the caller loaded them already; else loaded here. */
  readonly personal?: PersonalStrings;
}

const redactors = new WeakMap<BuildContext, Promise<Redactor>>();

/**
 * The redactor of one build: the warehouse's personal strings (`warehouse/personal-data.ts`),
 * loaded once per build context.
 */
export function redactorFor(ctx: BuildContext): Promise<Redactor> {
  let r = redactors.get(ctx);
  if (!r) {
    r = ctx.personal ? Promise.resolve(new Redactor(ctx.personal)) : loadRedactor(ctx.warehouse);
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

/** The Chinese name of a finding rule, for tables and the bulletin (from the rule catalogue). */
const ruleLabel = (code: string, labels = findingRuleLabels()): string => labels.get(code) ?? code;

const countFields = (fields: readonly FieldDefinition[]) => fields.filter((f) => f.type === 'count');
const columnsOf = (fields: readonly FieldDefinition[]) =>
  countFields(fields).map((f) => ({ metric: f.id, label: f.label, group: f.group ?? null, unit: f.unit ?? '' }));

/** The rows of `sql`, its values bound as `params` (`$1`, `$2`, …), never spliced into the text. */
async function rows(ctx: BuildContext, sql: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
  return (await queryRows(ctx.warehouse, sql, params)).rows;
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** The loaded submissions of the year that match `where` (its values bound as `params`, from `$2` on: `$1` is the year). */
async function sources(ctx: BuildContext, where: string, params: readonly unknown[] = []): Promise<Source[]> {
  const r = await rows(
    ctx,
    `SELECT submission_id, path, unit, form, year, period_from, period_to, strftime(received_at, '%Y-%m-%d %H:%M:%S') AS received_at
     FROM current_submissions WHERE year = $1 AND (${where}) ORDER BY submission_id`,
    [ctx.year, ...params],
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

/** The year's review of the townships' case files (R1), for the year-end text's 通报 sentence. */
async function yearCaseReview(ctx: BuildContext): Promise<YearCaseReview> {
  const towns = await rows(ctx, `SELECT count(*) AS n FROM units WHERE kind = 'township'`);
  const reviews = await rows(
    ctx,
    `SELECT r.${reviewResultField.id} AS result, r.${reviewProblemsField.id} AS problems FROM ${reviewForm.currentView!.name} r JOIN units u ON u.name = r.${reviewUnitField.id} AND u.kind = 'township' WHERE r.year = $1`,
    [ctx.year],
  );
  const problemsOf = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
  return {
    townships: num(towns[0]?.n),
    reviewed: reviews.length,
    results: Object.fromEntries(choicesOf(reviewResultField).map((c) => [c, reviews.filter((r) => r.result === c).length])),
    problems: choicesOf(reviewProblemsField).map((p) => ({ problem: p, cases: reviews.filter((r) => problemsOf(r.problems).includes(p)).length })),
  };
}

/** The 年度总览 document. */
export async function yearDocument(ctx: BuildContext): Promise<YearDocument> {
  const yf = await rows(ctx, `SELECT scope, metric, label, value FROM year_figures WHERE year = $1`, [ctx.year]);
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
     FROM quarter_figures WHERE year = $1 AND (${senderScopes.sql(2)})
     GROUP BY quarter, unit_kind, metric, label ORDER BY quarter, scope, metric`,
    [ctx.year, ...senderScopes.params()],
  );
  const b1Ids = countFields(bureauFiguresForm.fields).map((f) => f.id);
  const monthly = await rows(
    ctx,
    `SELECT month, metric, value FROM (
       SELECT b.month, ${b1Ids.map((id) => `sum(b.${id}) AS ${id}`).join(', ')}
       FROM ${bureauFiguresForm.table} b JOIN current_submissions s ON s.submission_id = b.submission_id
       WHERE b.year = $1 AND b.month IS NOT NULL GROUP BY b.month
     ) UNPIVOT (value FOR metric IN (${b1Ids.join(', ')}))
     ORDER BY month, metric`,
    [ctx.year],
  );
  const labels = new Map(countFields(bureauFiguresForm.fields).map((f) => [f.id, fullLabel(f)]));
  // Still to check: a finding the statistician acknowledged (`firestat review ack`) is checked, as the 调度 and the 通报 count it.
  const findings = await rows(
    ctx,
    `SELECT rule, count(*) AS n FROM findings WHERE year = $1 AND status IS DISTINCT FROM 'acknowledged' GROUP BY rule ORDER BY rule`,
    [ctx.year],
  );
  const doc: YearDocument = {
    kind: 'year',
    ...meta(ctx, await sources(ctx, 'true')),
    bureau: figures('bureau', bureauFiguresForm.fields),
    townships: figures('township', townshipFiguresForm.fields),
    byQuarter: quarterly.map((r) => ({
      quarter: num(r.quarter),
      scope: r.scope === 'bureau' ? 'bureau' : 'township',
      metric: String(r.metric),
      label: String(r.label),
      value: num(r.value),
    })),
    byMonth: monthly.map((r) => ({
      month: num(r.month),
      metric: String(r.metric),
      label: labels.get(String(r.metric)) ?? String(r.metric),
      value: num(r.value),
    })),
    paragraphs: yearParagraphs(ctx.year, bureau, townships, await yearCaseReview(ctx)),
    findings: {
      total: findings.reduce((a, r) => a + num(r.n), 0),
      byRule: findings.map((r) => ({ rule: String(r.rule), label: ruleLabel(String(r.rule)), count: num(r.n) })),
    },
  };
  return publishable(ctx, yearDocumentSchema.parse(doc));
}

/**
 * Each aggregate form in the scope of the units that send it (the township form's figures are the
 * townships', the bureau form's the bureau's), as SQL with bound parameters from `$first` on.
 */
const senderScopes = {
  pairs: () => forms.filter((f) => f.kind === 'aggregate').flatMap((f) => f.senders.map((kind) => [f.code, kind] as const)),
  sql: (first: number) =>
    senderScopes
      .pairs()
      .map((_, i) => `(form = $${first + 2 * i} AND unit_kind = $${first + 2 * i + 1})`)
      .join(' OR '),
  params: () => senderScopes.pairs().flat(),
};

const t1Metrics = countFields(townshipFiguresForm.fields).map((f) => f.id);
const b1Metrics = countFields(bureauFiguresForm.fields).map((f) => f.id);

/** The rectification rate of a row of figures (整改 ÷ 发现). */
const rateOfRow = (r: Record<string, number>): number | null => rate(r[rectification.rectified], r[rectification.found]);

/** The exact rectification rate (not rounded: outputs round it once, with `dashboards/rates.ts`). */
function rate(rectified: number | undefined, found: number | undefined): number | null {
  return found ? rateOf(rectified ?? 0, found) : null;
}

/**
 * How the bureau's B1 figures stand beside the townships' T1 columns in the 汇总表, from the field
 * declarations (`counterpart`, `comparable`): `shared` — T1 columns the bureau fills with a
 * comparable B1 figure (added into 全区合计); `apart` — B1 figures whose counterpart has another
 * unit, shown in a column of their own beside it and never added to it.
 */
const bureauBeside = (() => {
  const shared = new Map<string, string>();
  const apart: { b1: FieldDefinition; beside: string }[] = [];
  for (const b of countFields(bureauFiguresForm.fields)) {
    if (b.counterpart?.form !== townshipFiguresForm.code) continue;
    const t = townshipFiguresForm.fields.find((f) => f.id === b.counterpart!.field);
    if (!t) continue;
    if (comparable(b, t)) shared.set(t.id, b.id);
    else apart.push({ b1: b, beside: t.id });
  }
  return { shared, apart };
})();

/** The key of a bureau-only figure in a 汇总 row's record: `bureau_inspections`. */
const bureauKey = (b1Field: string) => `bureau_${b1Field}`;

type UnitFigures = Map<string, { q: Record<string, number>; ytd: Record<string, number> }>;
/** One build asks for a form's quarter from the 汇总, the 通报 and the next quarter's comparison: once each. */
const figuresCache = new WeakMap<BuildContext, Map<string, Promise<UnitFigures>>>();

/** Per unit: metric → value for one quarter, and year-to-date (stock: latest). Read-only: the result is shared within a build. */
function figuresByUnit(ctx: BuildContext, form: string, quarter: number): Promise<UnitFigures> {
  let byKey = figuresCache.get(ctx);
  if (!byKey) {
    byKey = new Map();
    figuresCache.set(ctx, byKey);
  }
  const key = `${form}:${quarter}`;
  let figures = byKey.get(key);
  if (!figures) {
    figures = queryFiguresByUnit(ctx, form, quarter);
    byKey.set(key, figures);
  }
  return figures;
}

async function queryFiguresByUnit(ctx: BuildContext, form: string, quarter: number): Promise<UnitFigures> {
  const r = await rows(
    ctx,
    `SELECT unit, metric, quarter, value FROM quarter_figures WHERE form = $1 AND year = $2 AND quarter <= $3 ORDER BY unit, metric, quarter`,
    [form, ctx.year, quarter],
  );
  const out: UnitFigures = new Map();
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

const districtCache = new WeakMap<BuildContext, Promise<Record<string, unknown>[]>>();

/** The townships' T1 figures summed per quarter and metric: the same for every township page of a build, read once. */
function districtFigures(ctx: BuildContext): Promise<Record<string, unknown>[]> {
  let all = districtCache.get(ctx);
  if (!all) {
    all = rows(ctx, `SELECT quarter, metric, sum(value) AS value FROM quarter_figures WHERE form = $2 AND year = $1 AND unit_kind = 'township' GROUP BY ALL`, [
      ctx.year,
      townshipFiguresForm.code,
    ]);
    districtCache.set(ctx, all);
  }
  return all;
}

function sum(records: readonly Record<string, number>[], metrics: readonly string[]): Record<string, number> {
  return Object.fromEntries(metrics.map((m) => [m, records.reduce((a, r) => a + (r[m] ?? 0), 0)]));
}

/** The 季度汇总 document for one quarter. */
export async function quarterDocument(
  ctx: BuildContext,
  quarter: number,
  townshipNames: readonly string[],
  bureauNames: readonly string[],
): Promise<QuarterDocument> {
  const t1 = await figuresByUnit(ctx, townshipFiguresForm.code, quarter);
  const b1 = await figuresByUnit(ctx, bureauFiguresForm.code, quarter);
  const zero = Object.fromEntries(t1Metrics.map((m) => [m, 0]));
  const townshipRows = townshipNames.map((unit) => {
    const e = t1.get(unit);
    const q = { ...zero, ...e?.q };
    const ytd = { ...zero, ...e?.ytd };
    return { unit, kind: 'township' as const, quarter: q, yearToDate: ytd, rectificationRate: rateOfRow(q), yearToDateRectificationRate: rateOfRow(ytd) };
  });
  const tq = sum(
    townshipRows.map((r) => r.quarter),
    t1Metrics,
  );
  const tytd = sum(
    townshipRows.map((r) => r.yearToDate),
    t1Metrics,
  );
  const bZero = Object.fromEntries(b1Metrics.map((m) => [m, 0]));
  const bureauRows = bureauNames.map((unit) => ({ unit, quarter: { ...bZero, ...b1.get(unit)?.q }, yearToDate: { ...bZero, ...b1.get(unit)?.ytd } }));
  const bq = sum(
    bureauRows.map((r) => r.quarter),
    b1Metrics,
  );
  const bytd = sum(
    bureauRows.map((r) => r.yearToDate),
    b1Metrics,
  );
  // The bureau's row in the township table: its comparable figures under the township columns
  // (absent under township-only columns: not 0 but "does not apply"), its incomparable ones and
  // its own cases under keys of their own (`bureau_inspections`, `bureau_penalties`).
  const asTownship = (b: Record<string, number>): Record<string, number> => ({
    ...Object.fromEntries([...bureauBeside.shared].map(([t, b1]) => [t, b[b1] ?? 0])),
    ...Object.fromEntries(bureauBeside.apart.map((a) => [bureauKey(a.b1.id), b[a.b1.id] ?? 0])),
    [bureauKey(bureauCaseField.id)]: b[bureauCaseField.id] ?? 0,
  });
  const bureauQ = asTownship(bq);
  const bureauY = asTownship(bytd);
  // 全区合计: townships plus the bureau where the figures are comparable; the bureau-only figures
  // as they are; never 家 plus 份.
  const district = (towns: Record<string, number>, bureau: Record<string, number>): Record<string, number> => ({
    ...Object.fromEntries(t1Metrics.map((m) => [m, (towns[m] ?? 0) + (bureauBeside.shared.has(m) ? (bureau[m] ?? 0) : 0)])),
    ...Object.fromEntries(
      Object.keys(bureau)
        .filter((k) => !t1Metrics.includes(k))
        .map((k) => [k, bureau[k]!]),
    ),
  });
  const districtQ = district(tq, bureauQ);
  const districtY = district(tytd, bureauY);
  const rows_ = [
    ...townshipRows,
    {
      unit: '镇街合计',
      kind: 'township_total' as const,
      quarter: tq,
      yearToDate: tytd,
      rectificationRate: rateOfRow(tq),
      yearToDateRectificationRate: rateOfRow(tytd),
    },
    {
      unit: '局本级',
      kind: 'bureau' as const,
      quarter: bureauQ,
      yearToDate: bureauY,
      rectificationRate: rateOfRow(bureauQ),
      yearToDateRectificationRate: rateOfRow(bureauY),
    },
    {
      unit: '全区合计',
      kind: 'district_total' as const,
      quarter: districtQ,
      yearToDate: districtY,
      rectificationRate: rateOfRow(districtQ),
      yearToDateRectificationRate: rateOfRow(districtY),
    },
  ];
  let previousQuarter: Record<string, number> | null = null;
  if (quarter > 1) {
    const prev = await figuresByUnit(ctx, townshipFiguresForm.code, quarter - 1);
    previousQuarter = sum(
      [...prev.values()].map((e) => e.q),
      t1Metrics,
    );
  }
  const doc: QuarterDocument = {
    kind: 'quarter',
    ...meta(
      ctx,
      await sources(ctx, `form IN ($4, $5) AND period_from <= $2 AND period_to >= $3`, [
        quarter * 3,
        quarter * 3 - 2,
        townshipFiguresForm.code,
        bureauFiguresForm.code,
      ]),
    ),
    quarter,
    columns: columnsOf(townshipFiguresForm.fields),
    rows: rows_,
    bureauColumns: columnsOf(bureauFiguresForm.fields),
    bureauOnlyColumns: [
      ...bureauBeside.apart.map((a) => ({ metric: bureauKey(a.b1.id), label: a.b1.label, group: a.b1.group ?? null, unit: a.b1.unit ?? '', beside: a.beside })),
      ...[bureauCaseField].map((f) => ({ metric: bureauKey(f.id), label: f.label, group: null, unit: f.unit ?? '', beside: null })),
    ],
    bureauRows,
    previousQuarter,
    casesByType: [
      ...townshipCaseFields.map((f) => ({ ...caseTypeOf(f), quarter: tq[f.id] ?? 0, yearToDate: tytd[f.id] ?? 0 })),
      { enforcement: '本级执法', procedure: '全部', quarter: bq[bureauCaseField.id] ?? 0, yearToDate: bytd[bureauCaseField.id] ?? 0 },
    ],
  };
  return publishable(ctx, quarterDocumentSchema.parse(doc));
}

type Finding = DispatchDocument['findings'][number] & { readonly year: number; readonly quarter: number | null } & Omit<
    DispatchDocument['acknowledged'][number],
    keyof DispatchDocument['findings'][number]
  > & { readonly open: boolean };

const findingsCache = new WeakMap<BuildContext, Promise<Finding[]>>();

/** The year's findings, read once per build (the view is costly) and filtered here. */
async function findingsFor(ctx: BuildContext, keep: (f: Finding) => boolean): Promise<DispatchDocument['findings']> {
  let all = findingsCache.get(ctx);
  if (!all) {
    const labels = findingRuleLabels();
    all = rows(ctx, `SELECT * FROM findings WHERE year = $1 ORDER BY severity, rule, unit, finding_id`, [ctx.year]).then((r) =>
      r.map((x) => ({
        findingId: String(x.finding_id),
        rule: String(x.rule),
        ruleLabel: ruleLabel(String(x.rule), labels),
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
        // `firestat review ack`: acknowledged findings leave the 通报; the 调度 lists them apart.
        open: x.status !== 'acknowledged',
        reviewNote: String(x.review_note ?? ''),
        reviewedAt: String(x.reviewed_at ?? ''),
      })),
    );
    findingsCache.set(ctx, all);
  }
  return (await all).filter((f) => f.open && keep(f)).map(({ year: _y, quarter: _q, open: _o, reviewNote: _n, reviewedAt: _a, ...f }) => f);
}

/** The year's acknowledged findings (`firestat review ack`), with the note, filtered by `keep`. */
async function acknowledgedFor(ctx: BuildContext, keep: (f: Finding) => boolean): Promise<DispatchDocument['acknowledged']> {
  await findingsFor(ctx, () => false);
  return (await findingsCache.get(ctx)!).filter((f) => !f.open && keep(f)).map(({ year: _y, quarter: _q, open: _o, ...f }) => f);
}

/** The last day of a quarter, `YYYY-MM-DD`. */
function quarterEndDate(year: number, quarter: number): string {
  return new Date(Date.UTC(year, quarter * 3, 0)).toISOString().slice(0, 10);
}

/**
 * The date a 调度's open hazards are counted at: the build's as-of date for the current quarter
 * (the last one of the build, whose 调度 is under way), the quarter's last day for a past one — so
 * an earlier quarter's page shows its backlog as it stood then, not today's.
 */
function openHazardsDate(ctx: BuildContext, quarter: number, current: boolean): DispatchDocument['openHazardsAt'] {
  if (current) return { date: ctx.asOf, basis: 'as_of' };
  const end = quarterEndDate(ctx.year, quarter);
  // biome-ignore lint/complexity/useMathMinMax: ISO dates as text (`YYYY-MM-DD`); Math.min would make them NaN
  return { date: end < ctx.asOf ? end : ctx.asOf, basis: 'quarter_end' };
}

/**
 * Hazards open at a date D — the rule of `hazards_open` read at D instead of the as-of date: found
 * on or before D (检查日期 ≤ D) and not rectified by D (整改完成日期 after D, or none and not marked
 * 已整改). A hazard marked 已整改 without a date counts as rectified, as in `hazards_open` (the
 * `hazard_status_mismatch` finding flags it). Overdue: 整改期限 before D. Counts only, since
 * 被检查单位 may name a person's business.
 */
function openHazardsQuery(year: number, date: string): { sql: string; params: unknown[] } {
  const d = 'CAST($2 AS DATE)';
  const sql = `SELECT h.unit, h.${openHazardCategory.id} AS cat, ${overdueAt('h', d)} AS overdue,
       ${daysOverdueAt('h', d)} AS days_overdue
     FROM ${openHazardsSource} h
     WHERE coalesce(${foundYear('h')} <= $1, true) AND ${openAt('h', d)}`;
  return { sql, params: [year, checkedAsOf(date, '隐患统计日期')] };
}

/**
 * The 调度 document for one quarter. `current`: this is the quarter whose 调度 is under way (the
 * build's last), so open hazards are counted at the as-of date; otherwise at the quarter's end.
 */
export async function dispatchDocument(ctx: BuildContext, quarter: number, current = true): Promise<DispatchDocument> {
  const m = await rows(
    ctx,
    `SELECT unit, unit_kind, form, month, status, strftime(due_date, '%Y-%m-%d') AS due_date, strftime(received_at, '%Y-%m-%d %H:%M:%S') AS received_at, versions, submission_id, reason
     FROM submission_status s JOIN units u ON u.name = s.unit
     WHERE year = $1 AND quarter = $2 ORDER BY u.kind DESC, u.code, form, month`,
    [ctx.year, quarter],
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
  // Open hazards at the quarter's end (past quarters) or the as-of date (the current one), whatever
  // quarter they were found in.
  const openHazardsAt = openHazardsDate(ctx, quarter, current);
  const openAt = openHazardsQuery(ctx.year, openHazardsAt.date);
  const open = await rows(
    ctx,
    `SELECT unit, count(*) AS open, count(*) FILTER (WHERE overdue) AS overdue, coalesce(max(days_overdue), 0) AS max_days
     FROM (${openAt.sql}) GROUP BY unit ORDER BY open DESC, unit`,
    openAt.params,
  );
  const cats = await rows(ctx, `SELECT unit, cat, count(*) AS n FROM (${openAt.sql}) GROUP BY ALL ORDER BY unit, cat`, openAt.params);
  const doc: DispatchDocument = {
    kind: 'dispatch',
    ...meta(ctx, await sources(ctx, `period_from <= $2 AND period_to >= $3`, [quarter * 3, quarter * 3 - 2])),
    quarter,
    forms: forms.map((f) => ({ code: f.code, name: f.name })),
    matrix,
    statusCounts,
    openHazardsAt,
    openHazards: open.map((x) => ({
      unit: String(x.unit),
      open: num(x.open),
      overdue: num(x.overdue),
      maxDaysOverdue: num(x.max_days),
      byCategory: Object.fromEntries(cats.filter((c) => c.unit === x.unit).map((c) => [String(c.cat), num(c.n)])),
    })),
    findings: await findingsFor(ctx, (f) => f.quarter === quarter),
    acknowledged: await acknowledgedFor(ctx, (f) => f.quarter === quarter),
  };
  return publishable(ctx, dispatchDocumentSchema.parse(doc));
}

/** 问题类型 and 评查结果 as the review form declares them. */
const problemTypes = choicesOf(reviewProblemsField);
const reviewResults = choicesOf(reviewResultField);
/** The indicators in the catalogue's order. */
const indicatorOrder = rankingIndicators.map((i) => i.code);

/**
 * The 通报 document for one quarter, addressed to the townships: only townships are ranked,
 * reviewed, listed as late or found at fault (the bureau's own units are the 调度's business).
 */
export async function bulletinDocument(ctx: BuildContext, quarter: number, townshipNames: readonly string[]): Promise<BulletinDocument> {
  const towns = new Set(townshipNames);
  const ranking = await rows(
    ctx,
    `SELECT indicator, label, unit, value, rank FROM township_ranking WHERE year = $1 AND quarter = $2 ORDER BY indicator, rank NULLS LAST, unit`,
    [ctx.year, quarter],
  );
  const indicators = [...new Set(ranking.map((r) => String(r.indicator)))];
  indicators.sort((a, b) => indicatorOrder.indexOf(a) - indicatorOrder.indexOf(b));
  const quality = await rows(ctx, `SELECT unit, problem, cases, reviewed_cases FROM case_quality WHERE year = $1 AND quarter = $2`, [ctx.year, quarter]);
  const reviewed = { unit: reviewUnitField.id, ref: reviewCaseNoField.id, result: reviewResultField.id };
  const reviews = (
    await rows(
      ctx,
      `SELECT ${reviewed.unit} AS unit, ${reviewed.ref} AS ref, ${reviewed.result} AS result FROM ${reviewForm.currentView!.name} WHERE year = $1 AND quarter = $2 ORDER BY ${reviewed.unit}, ${reviewed.ref}`,
      [ctx.year, quarter],
    )
  ).filter((r) => towns.has(String(r.unit)));
  const byTownship = townshipNames
    .map((unit) => ({
      unit,
      reviewed: reviews.filter((r) => r.unit === unit).length,
      counts: Object.fromEntries(problemTypes.map((p) => [p, num(quality.find((q) => q.unit === unit && q.problem === p)?.cases)])),
    }))
    .filter((x) => x.reviewed > 0);
  const totals = Object.fromEntries(problemTypes.map((p) => [p, byTownship.reduce((a, t) => a + (t.counts[p] ?? 0), 0)]));
  const results = Object.fromEntries(reviewResults.map((r) => [r, reviews.filter((x) => x.result === r).length]));
  const order = new Map(townshipNames.map((t, i) => [t, i]));
  const failed = reviews
    .filter((r) => r.result === '不合格')
    .map((r) => ({ unit: String(r.unit), caseNo: String(r.ref) }))
    .sort((a, b) => (order.get(a.unit) ?? 0) - (order.get(b.unit) ?? 0) || a.caseNo.localeCompare(b.caseNo));
  const late = await rows(
    ctx,
    `SELECT unit, form, month, status FROM submission_status s JOIN units u ON u.name = s.unit
     WHERE year = $1 AND quarter = $2 AND u.kind = 'township' AND status IN ('late', 'missing', 'rejected') ORDER BY u.code, form, month`,
    [ctx.year, quarter],
  );
  const due = await rows(
    ctx,
    `SELECT strftime(max(due_date), '%Y-%m-%d') AS due FROM submission_status WHERE year = $1 AND quarter = $2 AND unit_kind = 'township'`,
    [ctx.year, quarter],
  );
  const rankings = indicators.map((indicator) => ({
    indicator,
    label: String(ranking.find((r) => r.indicator === indicator)?.label ?? indicator),
    better: rankingIndicators.find((i) => i.code === indicator)?.better ?? ('higher' as const),
    entries: ranking
      .filter((r) => r.indicator === indicator)
      .map((r) => ({ unit: String(r.unit), value: r.value === null ? null : num(r.value), rank: r.rank === null ? null : num(r.rank) })),
  }));
  const lateOrMissing = late.map((x) => ({
    unit: String(x.unit),
    form: String(x.form),
    month: x.month === null || x.month === undefined ? null : num(x.month),
    status: String(x.status) as BulletinDocument['lateOrMissing'][number]['status'],
  }));
  const caseQuality = { problems: problemTypes, byTownship, totals, reviewed: byTownship.reduce((a, x) => a + x.reviewed, 0), results, failed };
  // The townships' figures: this quarter, the previous one, the year to date.
  const t1 = await figuresByUnit(ctx, townshipFiguresForm.code, quarter);
  const mine = townshipNames.map((u) => t1.get(u)).filter((e) => e !== undefined);
  const prev = quarter > 1 ? await figuresByUnit(ctx, townshipFiguresForm.code, quarter - 1) : null;
  const overview = {
    townships: townshipNames.length,
    notReported: townshipNames.filter((u) => Object.keys(t1.get(u)?.q ?? {}).length === 0),
    quarter: sum(
      mine.map((e) => e.q),
      t1Metrics,
    ),
    previousQuarter: prev
      ? sum(
          townshipNames.map((u) => prev.get(u)?.q ?? {}),
          t1Metrics,
        )
      : null,
    yearToDate: sum(
      mine.map((e) => e.ytd),
      t1Metrics,
    ),
    dueDate: str(due[0]?.due),
  };
  const findings = await findingsFor(ctx, (f) => f.quarter === quarter && towns.has(f.unit));
  const data = { year: ctx.year, quarter, asOf: ctx.asOf, overview, rankings, caseQuality, lateOrMissing, findings };
  const draft = bulletinDraft({ ...data, issuer: ctx.issuer ?? UnitRegistry.sample().bureau });
  const doc: BulletinDocument = {
    kind: 'bulletin',
    ...meta(
      ctx,
      await sources(ctx, `form IN ($4, $5) AND period_from <= $2 AND period_to >= $3`, [
        quarter * 3,
        quarter * 3 - 2,
        townshipFiguresForm.code,
        reviewForm.code,
      ]),
    ),
    quarter,
    overview,
    rankings,
    caseQuality,
    lateOrMissing,
    findings,
    draft,
    text: officialMarkdown(draft),
  };
  return publishable(ctx, bulletinDocumentSchema.parse(doc));
}

/** One township's page for the year. */
export async function townshipDocument(
  ctx: BuildContext,
  unit: { name: string; code: string },
  quarters: readonly number[],
  townshipCount: number,
): Promise<TownshipDocument> {
  const mine = await rows(ctx, `SELECT quarter, metric, value FROM quarter_figures WHERE form = $3 AND year = $1 AND unit = $2`, [
    ctx.year,
    unit.name,
    townshipFiguresForm.code,
  ]);
  const all = await districtFigures(ctx);
  const subs = await rows(
    ctx,
    `SELECT submission_id, path, form, year, period_from, period_to, status, strftime(received_at, '%Y-%m-%d %H:%M:%S') AS received_at, reason
     FROM submissions WHERE unit_code = $1 AND (year = $2 OR year IS NULL) ORDER BY received_at, submission_id`,
    [unit.code, ctx.year],
  );
  const doc: TownshipDocument = {
    kind: 'township',
    ...meta(ctx, await sources(ctx, 'unit_code = $2', [unit.code])),
    unit: unit.name,
    code: unit.code,
    columns: columnsOf(townshipFiguresForm.fields),
    quarters: quarters.map((q) => ({
      quarter: q,
      values: Object.fromEntries(t1Metrics.map((m) => [m, num(mine.find((r) => num(r.quarter) === q && r.metric === m)?.value)])),
      districtAverage: Object.fromEntries(
        t1Metrics.map((m) => [m, Math.round((num(all.find((r) => num(r.quarter) === q && r.metric === m)?.value) / townshipCount) * 10) / 10]),
      ),
    })),
    rectification: (() => {
      const through = (from: readonly Record<string, unknown>[], m: string) =>
        from.filter((r) => quarters.includes(num(r.quarter)) && r.metric === m).reduce((a, r) => a + num(r.value), 0);
      const parts = (from: readonly Record<string, unknown>[]) => {
        const rectified = through(from, rectification.rectified);
        const found = through(from, rectification.found);
        return { rectified, found, rate: rate(rectified, found) };
      };
      return { unit: parts(mine), townships: parts(all) };
    })(),
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
