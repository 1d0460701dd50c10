import type ExcelJS from 'exceljs';
import { caseReviewsForm, forms } from '../../domain/forms/index.js';
import type { BulletinDocument } from '../data/documents.js';
import { statusStyle } from './dispatch-workbook.js';
import { addTableSheet, newWorkbook, subtitle, type CellValue, type Column, type ColumnFormat, type TableRow } from './sheet-layout.js';
import { quarterPeriod, type Letterhead } from './summary-workbook.js';

/** Rates (`*_rate`) as percentages, problems per case with two decimals, counts as they are. */
function indicatorFormat(indicator: string): ColumnFormat {
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

/** The measure word of reviewed case files (`份`), as the 案卷评查表 declares it — the pages' unit too. */
const reviewUnit = caseReviewsForm.rowUnit ?? '份';

/** 案卷质量: per township, case files reviewed and how many had each kind of problem. */
function qualitySheet(wb: ExcelJS.Workbook, doc: BulletinDocument, head: Letterhead, period: string): void {
  const q = doc.caseQuality;
  const columns: Column[] = [
    { header: '序号', format: 'count', width: 6, align: 'center' },
    { header: '镇街', width: 14 },
    { header: `评查案卷数（${reviewUnit}）`, format: 'count', width: 11 },
    ...q.problems.map((p): Column => ({ header: p, group: `存在问题的案卷数（${reviewUnit}）`, format: 'count', width: 12 })),
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

/**
 * 附录（统计人员）: what the 通报 sent to the townships leaves out — each data-quality finding with
 * its form, file, sheet and cell, the exact values behind the rankings and how they were computed —
 * for the statisticians who check and correct the figures.
 */
function appendixSheet(wb: ExcelJS.Workbook, doc: BulletinDocument, head: Letterhead, period: string): void {
  const formNames = new Map(forms.map((f) => [f.code, f.name]));
  addTableSheet(wb, {
    name: '附录（统计人员）',
    title: `${head.district}${period}通报附录：数据问题明细（统计人员用）`,
    subtitle: subtitle(period, doc.asOf, doc.generatedAt),
    columns: [
      { header: '序号', format: 'count', width: 6, align: 'center' },
      { header: '镇街', width: 12 },
      { header: '报表', width: 22, wrap: true },
      { header: '问题类型', width: 18, wrap: true },
      { header: '问题说明', width: 48, wrap: true },
      { header: '文件', width: 30, wrap: true },
      { header: '工作表', width: 12, wrap: true },
      { header: '单元格', width: 8, align: 'center' },
    ],
    rows: doc.findings.map((f, i) => ({
      values: [
        i + 1,
        f.unit,
        f.form ? `${f.form} ${formNames.get(f.form) ?? ''}`.trim() : '—',
        f.ruleLabel,
        f.message,
        f.path ?? '—',
        f.sheet ?? '—',
        f.cell ?? '—',
      ],
    })),
    freezeColumns: 2,
    emptyText: '本季度各镇街报送的数据未发现不一致',
    notes: [
      `说明：数据截至 ${doc.asOf}；本表列出通报正文“存在的问题”所指的每一处，文件路径相对于收件箱，单元格为原文件中的位置。`,
      '排名取自数据仓库视图 township_ranking：比率和平均数按未经四舍五入的精确值排名，数值相同者名次并列，显示时统一保留一位小数；累计整改率 = 年初至本季度末累计整改数 ÷ 累计发现数；每案评查问题数 = 问题数 ÷ 评查案卷数，越少越好；按时报送率 = 按时报送的报表数 ÷ 应报报表数。',
      '读取规则：报表中的“合计”“小计”“累计”行与上方各行核对后不入库，不符者列为“合计行与各行之和不符”；同一单位、报表、期间以最新一次成功报送的文件为准。',
      `报表代码：${forms.map((f) => `${f.code} ${f.name}`).join('；')}。`,
    ],
  });
}

/** `通报-YYYY-Qn.xlsx`: sheets 排名, 案卷质量, 逾期未报, 附录（统计人员）. */
export function bulletinWorkbook(doc: BulletinDocument, head: Letterhead): ExcelJS.Workbook {
  const period = quarterPeriod(doc.year, doc.quarter);
  const wb = newWorkbook(doc.generatedAt, `关于${period}全区镇街消防执法工作情况的通报（附表）`, head.bureau);
  rankingSheet(wb, doc, head, period);
  qualitySheet(wb, doc, head, period);
  lateSheet(wb, doc, head, period);
  appendixSheet(wb, doc, head, period);
  return wb;
}
