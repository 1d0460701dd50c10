import type ExcelJS from 'exceljs';
import { rectification } from '../../domain/forms/report-fields.js';
import type { QuarterDocument } from '../data/documents.js';
import { isOverHundred, overHundredNote } from '../rates.js';
import { addTableSheet, newWorkbook, subtitle, type CellValue, type Column, type TableRow } from './sheet-layout.js';

/** What every workbook's titles need beyond the documents. */
export interface Letterhead {
  /** `渝北区`, the start of every title. */
  readonly district: string;
  /** `重庆市渝北区消防救援局`, the workbook's company property. */
  readonly bureau: string;
}

type SummaryRow = QuarterDocument['rows'][number];
type Scope = 'quarter' | 'yearToDate';

const quarterNames = ['', '一', '二', '三', '四'];

/** `第一季度`. */
function quarterName(q: number): string {
  return `第${quarterNames[q] ?? String(q)}季度`;
}

/** `2024年第一季度`. */
export function quarterPeriod(year: number, q: number): string {
  return `${year}年${quarterName(q)}`;
}

/** `2024年1-6月`: from the start of the year to the end of quarter `q`. */
function yearToDatePeriod(year: number, q: number): string {
  return `${year}年1-${q * 3}月`;
}

const withUnit = (label: string, unit: string) => (unit ? `${label}（${unit}）` : label);

/** What a cell shows where a row has no figure for a column (the bureau under township-only columns). */
const notApplicable = '—';

interface SummaryColumn {
  readonly column: Column;
  readonly value: (row: SummaryRow, scope: Scope) => CellValue;
  /** A rate column: cells over 100% carry the note why. */
  readonly rate?: boolean;
}

type BureauOnly = QuarterDocument['bureauOnlyColumns'][number];

/** `局本级消防监督检查（份）`: a column only the bureau fills, named and measured as its B1 field is declared. */
const bureauOnlyHeader = (c: BureauOnly) => withUnit(`局本级${c.label}`, c.unit);

/**
 * The 汇总表's figure columns, in the order of the document's columns, with 整改率 after
 * 整改火灾隐患数, each bureau-only figure beside the township column it corresponds to (局本级消防监督
 * 检查（份）after 检查社会单位数（家）: different units, never added) and the bureau's own cases after
 * the case groups. A row without a figure for a column shows `—` there, not 0.
 */
function figureColumns(doc: QuarterDocument): SummaryColumn[] {
  const out: SummaryColumn[] = [];
  const lastGrouped = doc.columns.reduce((last, c, i) => (c.group ? i : last), -1);
  const rateColumn: SummaryColumn = {
    column: { header: '整改率', format: 'percent', width: 9 },
    value: (r, s) => (s === 'quarter' ? r.rectificationRate : r.yearToDateRectificationRate) ?? notApplicable,
    rate: true,
  };
  const figure = (metric: string) => (r: SummaryRow, s: Scope) => r[s][metric] ?? notApplicable;
  const bureauOnly = (c: BureauOnly): SummaryColumn => ({ column: { header: bureauOnlyHeader(c), format: 'count' }, value: figure(c.metric) });
  const trailing = doc.bureauOnlyColumns.filter((c) => !c.beside || !doc.columns.some((x) => x.metric === c.beside));
  let rate = false;
  let placed = false;
  doc.columns.forEach((c, i) => {
    out.push({ column: { header: withUnit(c.label, c.unit), group: c.group, format: 'count' }, value: figure(c.metric) });
    out.push(...doc.bureauOnlyColumns.filter((b) => b.beside === c.metric).map(bureauOnly));
    if (c.metric === rectification.rectified) {
      out.push(rateColumn);
      rate = true;
    }
    if (i === lastGrouped) {
      out.push(...trailing.map(bureauOnly));
      placed = true;
    }
  });
  if (!rate) out.push(rateColumn);
  if (!placed) out.push(...trailing.map(bureauOnly));
  return out;
}

/** The notes under a 汇总 table, from the document: what the 局本级 row holds and what adds up. */
function summaryNotes(doc: QuarterDocument, overHundred: boolean): string[] {
  const bureau = doc.rows.find((r) => r.kind === 'bureau');
  const label = (m: string) => {
    const c = doc.columns.find((x) => x.metric === m);
    return c ? withUnit(c.group ? `${c.group}·${c.label}` : c.label, c.unit) : m;
  };
  const shared = doc.columns.filter((c) => bureau && bureau.quarter[c.metric] !== undefined).map((c) => label(c.metric));
  const apart = doc.bureauOnlyColumns.filter((c) => c.beside).map((c) => `${bureauOnlyHeader(c)}与${label(c.beside!)}单位不同，分列，不相加`);
  const own = doc.bureauOnlyColumns.filter((c) => !c.beside).map((c) => bureauOnlyHeader(c));
  const notes = [
    '注：1. 整改率 = 整改火灾隐患数 ÷ 发现火灾隐患数。',
    `2. 局本级一行取局本级各科室执法工作月报（B1）中与镇街可比（单位相同）的指标：${shared.join('、')}，计入全区合计；${[...apart, ...(own.length ? [`${own.join('、')}为局本级所有`] : [])].join('；')}。镇街专有的栏目局本级不适用，以“—”表示。全区合计 = 镇街合计 + 局本级（仅可比指标）。`,
    '3. 消防管理岗人员为时点数，取各单位期内最后一次报送的人数；其余指标为期内累计数。',
  ];
  if (overHundred) notes.push(`4. ${overHundredNote}`);
  return notes;
}

/** The 汇总 table of 22 townships, 镇街合计, 局本级 and 全区合计 for one scope. */
function summarySheet(wb: ExcelJS.Workbook, doc: QuarterDocument, scope: Scope, name: string, title: string, period: string): void {
  const figures = figureColumns(doc);
  const columns: Column[] = [{ header: '序号', format: 'count', width: 6, align: 'center' }, { header: '单位', width: 14 }, ...figures.map((f) => f.column)];
  let n = 0;
  const rows: TableRow[] = doc.rows.map((r) => {
    const values = figures.map((f) => f.value(r, scope));
    return {
      values: [r.kind === 'township' ? ++n : null, r.unit, ...values],
      total: r.kind === 'township_total' || r.kind === 'district_total',
      notes: [undefined, undefined, ...rateNotes(figures, values)],
    };
  });
  const overHundred = rows.some((r) => r.notes?.some(Boolean));
  addTableSheet(wb, {
    name,
    title,
    subtitle: subtitle(period, doc.asOf, doc.generatedAt),
    columns,
    rows,
    freezeColumns: 2,
    notes: summaryNotes(doc, overHundred),
  });
}

/** Per figure column, the cell comment of a rate over 100% (why it can be), or nothing. */
function rateNotes(figures: readonly SummaryColumn[], values: readonly CellValue[]): (string | undefined)[] {
  return figures.map((f, i) => {
    const v = values[i];
    return f.rate && typeof v === 'number' && isOverHundred(v) ? overHundredNote : undefined;
  });
}

/** `镇街及局本级` when the table holds the bureau's row, `镇街` otherwise. */
function scopeName(doc: QuarterDocument): string {
  return doc.rows.some((r) => r.kind === 'bureau') ? '镇街及局本级' : '镇街';
}

/** 局本级: each bureau unit's B1 figures, 本季度 and 年初至今 on two rows under the unit's name. */
function bureauSheet(wb: ExcelJS.Workbook, doc: QuarterDocument, title: string, period: string, scopes: readonly { scope: Scope; label: string }[]): void {
  const columns: Column[] = [
    { header: '序号', format: 'count', width: 6, align: 'center' },
    { header: '单位', width: 12 },
    ...(scopes.length > 1 ? [{ header: '统计口径', width: 10 }] : []),
    ...doc.bureauColumns.map((c) => ({ header: withUnit(c.label, c.unit), group: c.group, format: 'count' as const })),
  ];
  const rows: TableRow[] = [];
  const merges: { row: number; col: number; rows: number; cols: number }[] = [];
  const total = (scope: Scope) =>
    Object.fromEntries(doc.bureauColumns.map((c) => [c.metric, doc.bureauRows.reduce((a, r) => a + (r[scope][c.metric] ?? 0), 0)]));
  const units = [
    ...doc.bureauRows.map((r, i) => ({ seq: (i + 1) as number | null, unit: r.unit, figures: { quarter: r.quarter, yearToDate: r.yearToDate }, total: false })),
    { seq: null, unit: '合计', figures: { quarter: total('quarter'), yearToDate: total('yearToDate') }, total: true },
  ];
  for (const u of units) {
    if (scopes.length > 1) merges.push({ row: rows.length, col: 0, rows: scopes.length, cols: 1 }, { row: rows.length, col: 1, rows: scopes.length, cols: 1 });
    for (const s of scopes) {
      rows.push({
        values: [u.seq, u.unit, ...(scopes.length > 1 ? [s.label] : []), ...doc.bureauColumns.map((c) => u.figures[s.scope][c.metric] ?? null)],
        total: u.total,
      });
    }
  }
  addTableSheet(wb, {
    name: '局本级',
    title,
    subtitle: subtitle(period, doc.asOf, doc.generatedAt),
    columns,
    rows,
    freezeColumns: scopes.length > 1 ? 3 : 2,
    headerLines: 3,
    dataMerges: merges,
    notes: ['注：数据来自局本级各科室执法工作月报（B1），期内各月相加。'],
  });
}

/** 数据来源: the current submissions behind the figures, so every number can be traced to its file. */
function sourcesSheet(wb: ExcelJS.Workbook, doc: QuarterDocument, title: string, period: string): void {
  addTableSheet(wb, {
    name: '数据来源',
    title,
    subtitle: subtitle(period, doc.asOf, doc.generatedAt),
    columns: [
      { header: '序号', format: 'count', width: 6, align: 'center' },
      { header: '单位', width: 14 },
      { header: '报表', width: 8 },
      { header: '期间', width: 16 },
      { header: '文件', width: 60, wrap: true },
      { header: '接收时间', width: 20 },
    ],
    rows: doc.sources.map((s, i) => ({ values: [i + 1, s.unit, s.form, s.period, s.path, s.receivedAt] })),
    freezeColumns: 2,
    emptyText: '无',
    autoFilter: true,
  });
}

/** `汇总表-YYYY-Qn.xlsx`: sheets 第n季度, 年初至今, 局本级, 数据来源. */
export function quarterWorkbook(doc: QuarterDocument, head: Letterhead): ExcelJS.Workbook {
  const q = quarterPeriod(doc.year, doc.quarter);
  const ytd = yearToDatePeriod(doc.year, doc.quarter);
  const title = `${head.district}${q}${scopeName(doc)}消防执法工作汇总表`;
  const wb = newWorkbook(doc.generatedAt, title, head.bureau);
  summarySheet(wb, doc, 'quarter', quarterName(doc.quarter), title, q);
  summarySheet(wb, doc, 'yearToDate', '年初至今', `${head.district}${ytd}${scopeName(doc)}消防执法工作累计汇总表`, ytd);
  bureauSheet(wb, doc, `${head.district}${q}局本级执法工作汇总表`, `${q}（年初至今：${ytd}）`, [
    { scope: 'quarter', label: '本季度' },
    { scope: 'yearToDate', label: '年初至今' },
  ]);
  sourcesSheet(wb, doc, `${head.district}${q}汇总表数据来源`, q);
  return wb;
}

/**
 * `年度汇总-YYYY.xlsx` from the last quarter's year-to-date figures: sheets 全年 (or 1-n月 when the
 * year is not over), 分季度 (the district total of each quarter beside the year's), 局本级.
 */
export function yearWorkbook(quarters: readonly QuarterDocument[], head: Letterhead): ExcelJS.Workbook | undefined {
  const sorted = [...quarters].sort((a, b) => a.quarter - b.quarter);
  const last = sorted[sorted.length - 1];
  if (!last) return undefined;
  const whole = last.quarter === 4;
  const period = whole ? `${last.year}年度` : yearToDatePeriod(last.year, last.quarter);
  const title = `${head.district}${period}${scopeName(last)}消防执法工作汇总表`;
  const wb = newWorkbook(last.generatedAt, title, head.bureau);
  summarySheet(wb, last, 'yearToDate', whole ? '全年' : '年初至今', title, period);

  // 分季度: 全区合计 of each quarter, and the year's.
  const figures = figureColumns(last);
  const district = (d: QuarterDocument) => d.rows.find((r) => r.kind === 'district_total');
  const rows: TableRow[] = [];
  for (const d of sorted) {
    const r = district(d);
    if (!r) continue;
    const values = figures.map((f) => f.value(r, 'quarter'));
    rows.push({ values: [rows.length + 1, quarterName(d.quarter), ...values], notes: [undefined, undefined, ...rateNotes(figures, values)] });
  }
  const lastDistrict = district(last);
  if (lastDistrict) {
    const values = figures.map((f) => f.value(lastDistrict, 'yearToDate'));
    rows.push({ values: [null, whole ? '全年' : '年初至今', ...values], total: true, notes: [undefined, undefined, ...rateNotes(figures, values)] });
  }
  const apart = last.bureauOnlyColumns.filter((c) => c.beside).map((c) => bureauOnlyHeader(c));
  addTableSheet(wb, {
    name: '分季度',
    title: `${head.district}${period}分季度消防执法工作汇总表（全区合计）`,
    subtitle: subtitle(period, last.asOf, last.generatedAt),
    columns: [{ header: '序号', format: 'count', width: 6, align: 'center' }, { header: '季度', width: 12 }, ...figures.map((f) => f.column)],
    rows,
    freezeColumns: 2,
    notes: [
      `注：各季度为全区合计（镇街合计 + 局本级，只加单位相同的指标${apart.length ? `；${apart.join('、')}单位不同，分列` : ''}）；消防管理岗人员为时点数，全年取最后一次报送的人数，不是各季度之和。`,
      ...(rows.some((r) => r.notes?.some(Boolean)) ? [overHundredNote] : []),
    ],
  });
  bureauSheet(wb, last, `${head.district}${period}局本级执法工作汇总表`, period, [{ scope: 'yearToDate', label: period }]);
  return wb;
}
