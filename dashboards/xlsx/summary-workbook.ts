import type ExcelJS from 'exceljs';
import type { QuarterDocument } from '../data/documents.js';
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
export function quarterName(q: number): string {
  return `第${quarterNames[q] ?? String(q)}季度`;
}

/** `2024年第一季度`. */
export function quarterPeriod(year: number, q: number): string {
  return `${year}年${quarterName(q)}`;
}

/** `2024年1-6月`: from the start of the year to the end of quarter `q`. */
export function yearToDatePeriod(year: number, q: number): string {
  return `${year}年1-${q * 3}月`;
}

const withUnit = (label: string, unit: string) => (unit ? `${label}（${unit}）` : label);

/** The bureau's figure for its own cases, on the 局本级 and 全区合计 rows. */
const bureauPenalties = 'bureau_penalties';

interface SummaryColumn {
  readonly column: Column;
  readonly value: (row: SummaryRow, scope: Scope) => CellValue;
}

/**
 * The 汇总表's figure columns, in the order of the document's columns, with 整改率 after
 * 整改火灾隐患数 and 本级执法案件 after the case groups: 检查社会单位数（家）, 发现火灾隐患数（处）,
 * 整改火灾隐患数（处）, 整改率, 赋权执法案件 一般程序（起）/简易程序（起）, 委托执法案件 …,
 * 本级执法案件（起）, 联合执法检查（次）, 消防管理岗人员（名）.
 */
function figureColumns(doc: QuarterDocument): SummaryColumn[] {
  const out: SummaryColumn[] = [];
  const lastGrouped = doc.columns.reduce((last, c, i) => (c.group ? i : last), -1);
  const rateColumn: SummaryColumn = {
    column: { header: '整改率', format: 'percent', width: 9 },
    value: (r, s) => (s === 'quarter' ? r.rectificationRate : r.yearToDateRectificationRate) ?? '—',
  };
  const penaltiesColumn: SummaryColumn = {
    column: { header: '本级执法案件（起）', format: 'count' },
    value: (r, s) => r[s][bureauPenalties] ?? null,
  };
  let rate = false;
  let penalties = false;
  doc.columns.forEach((c, i) => {
    out.push({ column: { header: withUnit(c.label, c.unit), group: c.group, format: 'count' }, value: (r, s) => r[s][c.metric] ?? null });
    if (c.metric === 'hazards_rectified') {
      out.push(rateColumn);
      rate = true;
    }
    if (i === lastGrouped) {
      out.push(penaltiesColumn);
      penalties = true;
    }
  });
  if (!rate) out.push(rateColumn);
  if (!penalties) out.push(penaltiesColumn);
  return out;
}

const summaryNotes = [
  '注：1. 整改率 = 整改火灾隐患数 ÷ 发现火灾隐患数。',
  '2. 局本级一行取局本级各科室执法工作月报（B1）中可比的指标：检查社会单位数为消防监督检查份数，发现、整改火灾隐患数为发现隐患、督促整改隐患数；本级执法案件为局本级行政处罚案件数。全区合计 = 镇街合计 + 局本级。',
  '3. 消防管理岗人员为时点数，取各单位期内最后一次报送的人数；其余指标为期内累计数。',
];

/** The 汇总 table of 22 townships, 镇街合计, 局本级 and 全区合计 for one scope. */
function summarySheet(wb: ExcelJS.Workbook, doc: QuarterDocument, scope: Scope, name: string, title: string, period: string): void {
  const figures = figureColumns(doc);
  const columns: Column[] = [
    { header: '序号', format: 'count', width: 6, align: 'center' },
    { header: '单位', width: 14 },
    ...figures.map((f) => f.column),
  ];
  let n = 0;
  const rows: TableRow[] = doc.rows.map((r) => ({
    values: [r.kind === 'township' ? ++n : null, r.unit, ...figures.map((f) => f.value(r, scope))],
    total: r.kind === 'township_total' || r.kind === 'district_total',
  }));
  addTableSheet(wb, { name, title, subtitle: subtitle(period, doc.asOf, doc.generatedAt), columns, rows, freezeColumns: 2, notes: summaryNotes });
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
  const total = (scope: Scope) => Object.fromEntries(doc.bureauColumns.map((c) => [c.metric, doc.bureauRows.reduce((a, r) => a + (r[scope][c.metric] ?? 0), 0)]));
  const units = [
    ...doc.bureauRows.map((r, i) => ({ seq: i + 1 as number | null, unit: r.unit, figures: { quarter: r.quarter, yearToDate: r.yearToDate }, total: false })),
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
  const title = `${head.district}${q}镇街消防执法工作汇总表`;
  const wb = newWorkbook(doc.generatedAt, title, head.bureau);
  summarySheet(wb, doc, 'quarter', quarterName(doc.quarter), title, q);
  summarySheet(wb, doc, 'yearToDate', '年初至今', `${head.district}${ytd}镇街消防执法工作累计汇总表`, ytd);
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
  const title = `${head.district}${period}镇街消防执法工作汇总表`;
  const wb = newWorkbook(last.generatedAt, title, head.bureau);
  summarySheet(wb, last, 'yearToDate', whole ? '全年' : '年初至今', title, period);

  // 分季度: 全区合计 of each quarter, and the year's.
  const figures = figureColumns(last);
  const district = (d: QuarterDocument) => d.rows.find((r) => r.kind === 'district_total');
  const rows: TableRow[] = [];
  for (const d of sorted) {
    const r = district(d);
    if (r) rows.push({ values: [rows.length + 1, quarterName(d.quarter), ...figures.map((f) => f.value(r, 'quarter'))] });
  }
  const lastDistrict = district(last);
  if (lastDistrict) rows.push({ values: [null, whole ? '全年' : '年初至今', ...figures.map((f) => f.value(lastDistrict, 'yearToDate'))], total: true });
  addTableSheet(wb, {
    name: '分季度',
    title: `${head.district}${period}分季度消防执法工作汇总表（全区合计）`,
    subtitle: subtitle(period, last.asOf, last.generatedAt),
    columns: [{ header: '序号', format: 'count', width: 6, align: 'center' }, { header: '季度', width: 12 }, ...figures.map((f) => f.column)],
    rows,
    freezeColumns: 2,
    notes: ['注：各季度为全区合计（镇街合计 + 局本级）；消防管理岗人员为时点数，全年取最后一次报送的人数，不是各季度之和。'],
  });
  bureauSheet(wb, last, `${head.district}${period}局本级执法工作汇总表`, period, [{ scope: 'yearToDate', label: period }]);
  return wb;
}
