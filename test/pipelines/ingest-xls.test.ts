import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formByCode } from '../../domain/forms/index.js';
import { queryRows } from '../../warehouse/query.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { deliverFile, fixturesDir, runIngest, tempDir } from '../support/ingest-helpers.js';

/**
 * .xls (BIFF8/BIFF5), .et and misnamed files through the real ingest into a real DuckDB file:
 * each legacy file must load the same figures as the .xlsx it is equivalent to
 * (test/fixtures/make-xls-fixtures.ts says how each was made), and the files that cannot be
 * read must be refused saying what they really are.
 */

const xls = join(fixturesDir, 'xls');
const received = new Date('2024-04-05T02:00:00Z');

interface Loaded {
  readonly submission: Record<string, unknown>;
  readonly facts: Record<string, unknown>[];
  readonly problems: Record<string, unknown>[];
}

/** Ingests one file, delivered at `rel` (its folders state unit and period), into a fresh warehouse file. */
async function ingestOne(source: string, rel: string): Promise<Loaded> {
  const dir = tempDir('firestat-xls-e2e-');
  deliverFile(source, join(dir, 'inbox'), rel, received);
  const warehouse = await Warehouse.open({ path: join(dir, 'w.duckdb') });
  try {
    await runIngest(warehouse, join(dir, 'inbox'), join(dir, 'reports'));
    const { rows: subs } = await queryRows(
      warehouse,
      'SELECT path, status, form, unit, year, quarter, month, period_from, period_to, rows, reason FROM submissions ORDER BY submission_id',
    );
    const { rows: problems } = await queryRows(warehouse, 'SELECT severity, code, sheet, message FROM submission_problems ORDER BY submission_id, seq');
    const submission = subs[0] ?? {};
    const form = formByCode(String(submission.form ?? ''));
    const facts = form ? (await queryRows(warehouse, `SELECT * EXCLUDE (submission_id) FROM ${form.table} ORDER BY sheet, source_row`)).rows : [];
    return JSON.parse(JSON.stringify({ submission, facts, problems })) as Loaded;
  } finally {
    await warehouse.close();
  }
}

const same = (s: Record<string, unknown>): Record<string, unknown> => ({ ...s, path: undefined });

describe('legacy workbooks load the same figures as the equivalent .xlsx', () => {
  it.each([
    ['石船镇/石船镇2024年一季度统计表.xls', '石船镇/石船镇2024年一季度统计表.xlsx', 'T1, BIFF8 by LibreOffice'],
    ['洛碛镇/洛碛镇2024年一季度统计表.xls', '洛碛镇/洛碛镇2024年一季度统计表.xlsx', 'T1, BIFF5 by gnumeric'],
    ['统景镇/统景镇2024年一季度统计表.xls', '统景镇/统景镇2024年一季度统计表.xlsx', 'T1 with hidden sheets, BIFF8 by gnumeric'],
    ['石船镇/隐患台账.xls', '石船镇/隐患台账.xlsx', 'L2 with merged 检查日期/被检查单位'],
    ['石船镇/隐患台账.et', '石船镇/隐患台账.xlsx', 'the same ledger named .et'],
    ['大盛镇/隐患台账.xls', '大盛镇/隐患台账.xlsx', 'L2 in the 1904 date system'],
    ['大湾镇/大湾镇2024年一季度统计表.xls', '大湾镇/大湾镇2024年一季度统计表.xlsx', 'an .xlsx named .xls'],
  ])('%s (%s)', async (legacy, equivalent) => {
    const [a, b] = await Promise.all([
      ingestOne(join(xls, '2024Q1', legacy), `2024Q1/${legacy}`),
      ingestOne(join(xls, 'equivalent/2024Q1', equivalent), `2024Q1/${equivalent}`),
    ]);
    expect(b.submission.status).toBe('loaded');
    expect(a.submission.status, String(a.submission.reason)).toBe('loaded');
    expect(same(a.submission)).toEqual(same(b.submission));
    expect(a.facts.length).toBeGreaterThan(0);
    expect(a.facts).toEqual(b.facts);
    expect(a.problems.filter((p) => p.severity !== 'notice')).toEqual(b.problems.filter((p) => p.severity !== 'notice'));
  });

  it('loads the T1 figures themselves, not just equal ones', async () => {
    const { facts, problems } = await ingestOne(join(xls, '2024Q1/石船镇/石船镇2024年一季度统计表.xls'), '2024Q1/石船镇/石船镇2024年一季度统计表.xls');
    expect(
      facts.map((f) => [f.source_row, f.unit, f.month, f.units_inspected, f.hazards_found, f.hazards_rectified, f.joint_inspections, f.fire_staff]),
    ).toEqual([
      [5, '石船镇', 1, 30, 12, 10, 5, 2],
      [6, '石船镇', 2, 31, 12, 11, 3, 2],
      [7, '石船镇', 3, 1002, 12, 11, 3, 3],
    ]);
    // The 合计 row (E8 and F8 are SUM formulas: their cached results) agreed with the month rows.
    expect(problems.map((p) => p.code)).toEqual(['total_row_dropped']);
  });

  it('loads every hazard of the merged ledger with its inspection date and place, and says it spread them', async () => {
    const { submission, facts, problems } = await ingestOne(join(xls, '2024Q1/石船镇/隐患台账.xls'), '2024Q1/石船镇/隐患台账.xls');
    expect(submission).toMatchObject({ status: 'loaded', form: 'L2', unit: '石船镇', rows: 5 });
    expect(facts.map((f) => [f.inspection_date, f.inspected_entity, f.description])).toEqual([
      ['2024-01-15', '石船镇某某农家乐', '灭火器过期'],
      ['2024-01-15', '石船镇某某农家乐', '安全出口上锁'],
      ['2024-01-15', '石船镇某某农家乐', '私拉乱接电线'],
      ['2024-03-05', '某某加油站', '消防栓无水'],
      ['2024-03-05', '某某加油站', '未落实每日防火巡查'],
    ]);
    expect(problems).toContainEqual({
      severity: 'notice',
      code: 'merged_spread',
      sheet: '台账',
      message: '工作表“台账”中合并单元格 C3:C5、D3:D5、C6:C7、D6:D7 的值已填入其覆盖的每一行',
    });
  });

  it('tells the sender when the content was another format than the name', async () => {
    const xlsx = await ingestOne(join(xls, '2024Q1/大湾镇/大湾镇2024年一季度统计表.xls'), '2024Q1/大湾镇/大湾镇2024年一季度统计表.xls');
    expect(xlsx.problems).toContainEqual({
      severity: 'notice',
      code: 'format_detected',
      sheet: null,
      message: '文件扩展名是 .xls，但内容是 Excel 工作簿（.xlsx），已按 .xlsx 读取',
    });
    const csv = await ingestOne(join(xls, '2024Q1/玉峰山镇/玉峰山镇2024年一季度统计表.xls'), '2024Q1/玉峰山镇/玉峰山镇2024年一季度统计表.xls');
    expect(csv.submission.status, String(csv.submission.reason)).toBe('loaded');
    expect(csv.problems.map((p) => p.code)).toContain('format_detected');
    const equivalent = await ingestOne(
      join(xls, 'equivalent/2024Q1/玉峰山镇/玉峰山镇2024年一季度统计表.xlsx'),
      '2024Q1/玉峰山镇/玉峰山镇2024年一季度统计表.xlsx',
    );
    // A CSV's only sheet is named after the file; the figures are the same.
    const figures = (facts: Record<string, unknown>[]): Record<string, unknown>[] => facts.map((f) => ({ ...f, sheet: undefined }));
    expect(figures(csv.facts)).toEqual(figures(equivalent.facts));
  });
});

describe('legacy-named files that cannot be read are refused saying what they are', () => {
  it.each([
    ['古路镇/古路镇2024年一季度统计表.xls', /设置了打开密码（已加密）/],
    ['木耳镇/木耳镇2024年一季度统计表.xls', /Office 复合文档.*已损坏或不完整/],
    ['兴隆镇/兴隆镇2024年一季度统计表.xls', /这个 \.xls 文件实际上是网页（HTML）格式.*另存为/],
    ['茨竹镇/茨竹镇2024年一季度统计表.xls', /这个 \.xls 文件实际上是 XML 表格（Excel 2003 XML，SpreadsheetML）格式/],
    ['龙兴镇/龙兴镇2024年一季度统计表.xls', /这个 \.xls 文件实际上是 Word 文档（\.doc）/],
    ['王家街道/王家街道2024年一季度统计表.xls', /这个 \.xls 文件实际上是 PDF 文件/],
  ])('%s', async (rel, says) => {
    const { submission, problems, facts } = await ingestOne(join(xls, '2024Q1', rel), `2024Q1/${rel}`);
    expect(submission.status).toBe('rejected');
    expect(String(submission.reason)).toMatch(says);
    expect(problems.filter((p) => p.severity === 'error')).toHaveLength(1);
    expect(facts).toEqual([]);
  });

  it('accounts for every fixture when they all arrive in one night', async () => {
    const dir = tempDir('firestat-xls-night-');
    const inbox = join(dir, 'inbox');
    const all = [
      '石船镇/石船镇2024年一季度统计表.xls',
      '石船镇/隐患台账.xls',
      '洛碛镇/洛碛镇2024年一季度统计表.xls',
      '统景镇/统景镇2024年一季度统计表.xls',
      '大盛镇/隐患台账.xls',
      '大湾镇/大湾镇2024年一季度统计表.xls',
      '玉峰山镇/玉峰山镇2024年一季度统计表.xls',
      '古路镇/古路镇2024年一季度统计表.xls',
      '木耳镇/木耳镇2024年一季度统计表.xls',
      '兴隆镇/兴隆镇2024年一季度统计表.xls',
      '茨竹镇/茨竹镇2024年一季度统计表.xls',
      '龙兴镇/龙兴镇2024年一季度统计表.xls',
      '王家街道/王家街道2024年一季度统计表.xls',
    ];
    for (const rel of all) deliverFile(join(xls, '2024Q1', rel), inbox, `2024Q1/${rel}`, received);
    const warehouse = await Warehouse.open({ path: join(dir, 'w.duckdb') });
    try {
      const result = await runIngest(warehouse, inbox, join(dir, 'reports'));
      const status = Object.fromEntries(result.outcomes.map((o) => [o.path.replace(/^2024Q1\//, ''), o.status]));
      expect(status).toEqual(Object.fromEntries(all.map((rel, i) => [rel, i < 7 ? 'loaded' : 'rejected'])));
      const { rows } = await queryRows(
        warehouse,
        "SELECT unit, sum(value) AS v FROM quarter_figures WHERE metric = 'units_inspected' AND year = 2024 AND quarter = 1 GROUP BY unit",
      );
      expect(Object.fromEntries(rows.map((r) => [String(r.unit), Number(r.v)]))).toEqual({
        大湾镇: 1063,
        洛碛镇: 1063,
        玉峰山镇: 1063,
        石船镇: 1063,
        统景镇: 1063,
      });
    } finally {
      await warehouse.close();
    }
  });
});
