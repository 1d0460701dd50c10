import type ExcelJS from 'exceljs';
import type { DispatchDocument } from '../data/documents.js';
import { addTableSheet, fills, newWorkbook, subtitle, type CellValue, type Column, type TableRow } from './sheet-layout.js';
import { quarterPeriod, type Letterhead } from './summary-workbook.js';

type Status = DispatchDocument['matrix'][number]['status'];
type MatrixEntry = DispatchDocument['matrix'][number];

/** Chinese status text and fill colour of a 报送情况 cell. */
export const statusStyle: Readonly<Record<Status, { readonly text: string; readonly fill: string }>> = {
  on_time: { text: '按时', fill: fills.green },
  late: { text: '逾期', fill: fills.amber },
  rejected: { text: '被退回', fill: fills.red },
  missing: { text: '未报', fill: fills.red },
  pending: { text: '未到期', fill: fills.grey },
};

const statusOrder: readonly Status[] = ['on_time', 'late', 'rejected', 'missing', 'pending'];

const formLabel = (doc: DispatchDocument, code: string) => {
  const name = doc.forms.find((f) => f.code === code)?.name;
  return name ? `${name}（${code}）` : code;
};

/** A cell comment for a status that needs explaining: when it was due, when it came, why it was refused. */
function statusNote(e: MatrixEntry): string | undefined {
  if (e.status === 'on_time' && !e.reason && e.versions <= 1) return undefined;
  const lines = [`${statusStyle[e.status].text}：截止日期 ${e.dueDate}`];
  if (e.receivedAt) lines.push(`报送时间：${e.receivedAt}`);
  if (e.versions > 1) lines.push(`共报送 ${e.versions} 个版本，以最后一版为准`);
  if (e.reason) lines.push(`原因：${e.reason}`);
  return lines.join('\n');
}

/** The 备注 text for one unit: every entry that is not simply on time. */
function remark(entries: readonly MatrixEntry[]): string {
  return entries
    .filter((e) => e.status !== 'on_time' || e.reason)
    .map((e) => {
      const what = `${e.form}${e.month === null ? '' : ` ${e.month}月`}`;
      const when = e.receivedAt ? `${e.receivedAt.slice(0, 10)} 报送，截止 ${e.dueDate}` : `截止 ${e.dueDate}`;
      return `${what}${statusStyle[e.status].text}（${when}${e.reason ? `；${e.reason}` : ''}）`;
    })
    .join('；');
}

/** 报送情况: unit × form (B1 one column per month), status text and colour, explanations. */
function statusSheet(wb: ExcelJS.Workbook, doc: DispatchDocument, head: Letterhead, period: string): void {
  const formIndex = (code: string) => {
    const i = doc.forms.findIndex((f) => f.code === code);
    return i < 0 ? doc.forms.length : i;
  };
  const keyOf = (e: { form: string; month: number | null }) => `${e.form}|${e.month ?? ''}`;
  const slots = [...new Map(doc.matrix.map((e) => [keyOf(e), { form: e.form, month: e.month }])).values()].sort(
    (a, b) => formIndex(a.form) - formIndex(b.form) || (a.form < b.form ? -1 : a.form > b.form ? 1 : 0) || (a.month ?? 0) - (b.month ?? 0),
  );
  const monthly = new Set(slots.filter((s) => s.month !== null).map((s) => s.form));
  const columns: Column[] = [
    { header: '序号', format: 'count', width: 6, align: 'center' },
    { header: '单位', width: 14 },
    ...slots.map(
      (s): Column =>
        monthly.has(s.form)
          ? { header: s.month === null ? '全季度' : `${s.month}月`, group: formLabel(doc, s.form), width: 9 }
          : { header: formLabel(doc, s.form) },
    ),
    { header: '备注', width: 48, wrap: true },
  ];
  const units = [...new Set(doc.matrix.map((e) => e.unit))];
  const rows: TableRow[] = units.map((unit, i) => {
    const entries = doc.matrix.filter((e) => e.unit === unit);
    const cells = slots.map((s) => entries.find((e) => keyOf(e) === keyOf(s)));
    return {
      values: [i + 1, unit, ...cells.map((e): CellValue => (e ? statusStyle[e.status].text : null)), remark(entries)],
      fills: [undefined, undefined, ...cells.map((e) => (e ? statusStyle[e.status].fill : undefined)), undefined],
      notes: [undefined, undefined, ...cells.map((e) => (e ? statusNote(e) : undefined)), undefined],
    };
  });
  const counts = statusOrder.map((s) => `${statusStyle[s].text} ${doc.statusCounts[s] ?? 0} 项`).join('，');
  addTableSheet(wb, {
    name: '报送情况',
    title: `${head.district}${period}报表报送情况调度表`,
    subtitle: subtitle(period, doc.asOf, doc.generatedAt),
    columns,
    rows,
    freezeColumns: 2,
    headerLines: 3,
    emptyText: '本季度无应报报表',
    notes: [
      `合计：${counts}。`,
      '图例：按时（绿色）、逾期（黄色）、被退回或未报（红色）、未到期（灰色）；空白表示该单位不报送此表。逾期、被退回的原因等见单元格批注及备注栏。',
    ],
  });
}

/** 未整改隐患: open and overdue hazards per unit, by category. */
function hazardSheet(wb: ExcelJS.Workbook, doc: DispatchDocument, head: Letterhead, period: string): void {
  const categories = [...new Set(doc.openHazards.flatMap((h) => Object.keys(h.byCategory)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const columns: Column[] = [
    { header: '序号', format: 'count', width: 6, align: 'center' },
    { header: '单位', width: 14 },
    { header: '未整改（处）', format: 'count', width: 10 },
    { header: '已超期（处）', format: 'count', width: 10 },
    { header: '最长超期天数（天）', format: 'count', width: 11 },
    ...categories.map((c): Column => ({ header: c, group: '按隐患类别（处）', format: 'count', width: 10 })),
  ];
  const rows: TableRow[] = doc.openHazards.map((h, i) => ({
    values: [i + 1, h.unit, h.open, h.overdue, h.maxDaysOverdue, ...categories.map((c) => h.byCategory[c] ?? 0)],
    fills: [undefined, undefined, undefined, h.overdue > 0 ? fills.amber : undefined],
  }));
  if (doc.openHazards.length > 0) {
    const sum = (f: (h: DispatchDocument['openHazards'][number]) => number) => doc.openHazards.reduce((a, h) => a + f(h), 0);
    rows.push({
      values: [
        null,
        '合计',
        sum((h) => h.open),
        sum((h) => h.overdue),
        Math.max(...doc.openHazards.map((h) => h.maxDaysOverdue)),
        ...categories.map((c) => sum((h) => h.byCategory[c] ?? 0)),
      ],
      total: true,
    });
  }
  addTableSheet(wb, {
    name: '未整改隐患',
    title: `${head.district}火灾隐患未整改情况调度表（截至 ${doc.openHazardsAt.date}${doc.openHazardsAt.basis === 'quarter_end' ? '，季度末' : ''}）`,
    subtitle: subtitle(period, doc.asOf, doc.generatedAt),
    columns,
    rows,
    freezeColumns: 2,
    emptyText: '截至统计日，各单位无未整改的火灾隐患',
    notes: [
      doc.openHazardsAt.basis === 'quarter_end'
        ? `注：本季度已结束，未整改隐患为季度末（${doc.openHazardsAt.date}）当日的情况：检查日期在当日或以前、当日尚未整改完成的隐患（含以往季度发现的，按现行台账计算）；已超期为当日已过整改期限的；合计行的最长超期天数取各单位最大值。`
        : '注：未整改隐患为截至数据截止日尚未整改完成的隐患（含以往季度发现的）；已超期为已过整改期限仍未整改的；合计行的最长超期天数取各单位最大值。',
    ],
  });
}

const severityText = { error: '错误', warning: '提示' } as const;

/** 数据问题: reconciliation and rule findings, each with the file, sheet and cell it is about. */
function findingsSheet(wb: ExcelJS.Workbook, doc: DispatchDocument, head: Letterhead, period: string): void {
  addTableSheet(wb, {
    name: '数据问题',
    title: `${head.district}${period}报表数据问题清单`,
    subtitle: subtitle(period, doc.asOf, doc.generatedAt),
    columns: [
      { header: '序号', format: 'count', width: 6, align: 'center' },
      { header: '单位', width: 14 },
      { header: '报表', width: 14, wrap: true },
      { header: '问题类型', width: 20, wrap: true },
      { header: '级别', width: 7 },
      { header: '说明', width: 50, wrap: true },
      { header: '文件', width: 34, wrap: true },
      { header: '工作表', width: 14, wrap: true },
      { header: '单元格', width: 8 },
    ],
    rows: doc.findings.map((f, i) => ({
      values: [i + 1, f.unit, formLabel(doc, f.form), f.ruleLabel, severityText[f.severity], f.message, f.path, f.sheet, f.cell],
      fills: [undefined, undefined, undefined, undefined, f.severity === 'error' ? fills.red : fills.amber],
    })),
    freezeColumns: 2,
    emptyText: '本季度未发现数据问题',
    autoFilter: true,
    notes: ['注：错误为数据明显不成立（如整改日期早于检查日期），请核实更正后重新报送；提示为需要核对说明的情况（如统计表与台账不符）。'],
  });
}

/** 已核实问题: findings the statistician acknowledged (`firestat review ack`), with the note (not who: names are not published). */
function acknowledgedSheet(wb: ExcelJS.Workbook, doc: DispatchDocument, head: Letterhead, period: string): void {
  addTableSheet(wb, {
    name: '已核实问题',
    title: `${head.district}${period}已核实的数据问题`,
    subtitle: subtitle(period, doc.asOf, doc.generatedAt),
    columns: [
      { header: '序号', format: 'count', width: 6, align: 'center' },
      { header: '单位', width: 14 },
      { header: '报表', width: 14, wrap: true },
      { header: '问题类型', width: 20, wrap: true },
      { header: '说明', width: 50, wrap: true },
      { header: '工作表', width: 14, wrap: true },
      { header: '单元格', width: 8 },
      { header: '核实情况', width: 36, wrap: true },
      { header: '核实时间', width: 18 },
    ],
    rows: doc.acknowledged.map((f, i) => ({
      values: [i + 1, f.unit, formLabel(doc, f.form), f.ruleLabel, f.message, f.sheet, f.cell, f.reviewNote, f.reviewedAt],
    })),
    freezeColumns: 2,
    emptyText: '本季度没有已核实的问题',
    autoFilter: true,
    notes: ['注：统计人员已向报送单位核实并说明的问题（firestat review ack），不列入通报；所涉数值变了会重新列为待核实。'],
  });
}

/** `调度表-YYYY-Qn.xlsx`: sheets 报送情况, 未整改隐患, 数据问题, 已核实问题. */
export function dispatchWorkbook(doc: DispatchDocument, head: Letterhead): ExcelJS.Workbook {
  const period = quarterPeriod(doc.year, doc.quarter);
  const wb = newWorkbook(doc.generatedAt, `${head.district}${period}消防执法工作调度表`, head.bureau);
  statusSheet(wb, doc, head, period);
  hazardSheet(wb, doc, head, period);
  findingsSheet(wb, doc, head, period);
  acknowledgedSheet(wb, doc, head, period);
  return wb;
}
