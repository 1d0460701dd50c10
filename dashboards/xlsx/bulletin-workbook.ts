import type ExcelJS from 'exceljs';
import type { BulletinDocument } from '../data/documents.js';
import { statusStyle } from './dispatch-workbook.js';
import { addTableSheet, newWorkbook, subtitle, type CellValue, type Column, type ColumnFormat, type TableRow } from './sheet-layout.js';
import { quarterPeriod, type Letterhead } from './summary-workbook.js';

/** Rates (`*_rate`) as percentages, problems per case with two decimals, counts as they are. */
export function indicatorFormat(indicator: string): ColumnFormat {
  if (indicator.endsWith('_rate')) return 'percent';
  if (indicator === 'problems_per_case') return 'decimal';
  return 'count';
}

/** 排名: one block per indicator side by side — 名次, 镇街, 数值 — each in rank order. */
function rankingSheet(wb: ExcelJS.Workbook, doc: BulletinDocument, head: Letterhead, period: string): void {
  const columns: Column[] = doc.rankings.flatMap((r): Column[] => {
    const group = `${r.label}（${r.better === 'higher' ? '由高到低' : '由低到高'}）`;
    return [
      { header: '名次', group, format: 'count', width: 6, align: 'center' },
      { header: '镇街', group, width: 12 },
      { header: '数值', group, format: indicatorFormat(r.indicator), width: 10 },
    ];
  });
  const length = Math.max(0, ...doc.rankings.map((r) => r.entries.length));
  const rows: TableRow[] = Array.from({ length }, (_, i) => ({
    values: doc.rankings.flatMap((r): CellValue[] => {
      const e = r.entries[i];
      return e ? [e.rank ?? '—', e.unit, e.value ?? '—'] : [null, null, null];
    }),
  }));
  addTableSheet(wb, {
    name: '排名',
    title: `${head.district}${period}镇街消防执法工作主要指标排名`,
    subtitle: subtitle(period, doc.asOf, doc.generatedAt),
    columns,
    rows,
    freezeColumns: 0,
    emptyText: '本季度无排名数据',
    notes: ['注：数值相同者名次并列；“—”表示本季度无可计算的数值（如无评查案卷）。整改率为年初至今累计整改率。'],
  });
}

/** 案卷质量: per township, case files reviewed and how many had each kind of problem. */
function qualitySheet(wb: ExcelJS.Workbook, doc: BulletinDocument, head: Letterhead, period: string): void {
  const q = doc.caseQuality;
  const columns: Column[] = [
    { header: '序号', format: 'count', width: 6, align: 'center' },
    { header: '镇街', width: 14 },
    { header: '评查案卷数（件）', format: 'count', width: 11 },
    ...q.problems.map((p): Column => ({ header: p, group: '存在问题的案卷数（件）', format: 'count', width: 12 })),
  ];
  const rows: TableRow[] = q.byTownship.map((t, i) => ({ values: [i + 1, t.unit, t.reviewed, ...q.problems.map((p) => t.counts[p] ?? 0)] }));
  if (q.byTownship.length > 0) rows.push({ values: [null, '合计', q.reviewed, ...q.problems.map((p) => q.totals[p] ?? 0)], total: true });
  addTableSheet(wb, {
    name: '案卷质量',
    title: `${head.district}${period}镇街行政处罚案卷评查问题统计表`,
    subtitle: subtitle(period, doc.asOf, doc.generatedAt),
    columns,
    rows,
    freezeColumns: 2,
    emptyText: '本季度无评查案卷',
    notes: ['注：一份案卷可能同时存在多类问题，故各类问题之和可大于评查案卷数。'],
  });
}

/** 逾期未报: who sent late, was refused or did not send. */
function lateSheet(wb: ExcelJS.Workbook, doc: BulletinDocument, head: Letterhead, period: string): void {
  addTableSheet(wb, {
    name: '逾期未报',
    title: `${head.district}${period}报表逾期及未报送情况`,
    subtitle: subtitle(period, doc.asOf, doc.generatedAt),
    columns: [
      { header: '序号', format: 'count', width: 6, align: 'center' },
      { header: '单位', width: 14 },
      { header: '报表', width: 8 },
      { header: '月份', width: 8 },
      { header: '情况', width: 10 },
    ],
    rows: doc.lateOrMissing.map((x, i) => ({
      values: [i + 1, x.unit, x.form, x.month === null ? '—' : `${x.month}月`, statusStyle[x.status].text],
      fills: [undefined, undefined, undefined, undefined, statusStyle[x.status].fill],
    })),
    freezeColumns: 2,
    emptyText: '本季度各单位均按时报送',
  });
}

/** `通报-YYYY-Qn.xlsx`: sheets 排名, 案卷质量, 逾期未报. */
export function bulletinWorkbook(doc: BulletinDocument, head: Letterhead): ExcelJS.Workbook {
  const period = quarterPeriod(doc.year, doc.quarter);
  const wb = newWorkbook(doc.generatedAt, `关于${period}全区镇街消防执法工作情况的通报（附表）`, head.bureau);
  rankingSheet(wb, doc, head, period);
  qualitySheet(wb, doc, head, period);
  lateSheet(wb, doc, head, period);
  return wb;
}
