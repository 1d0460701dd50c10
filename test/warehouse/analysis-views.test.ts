import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../warehouse/query.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { l1Header, l2Header, r1Header, t1Header, writeCsv } from '../support/csv-submissions.js';
import { memoryWarehouse, runIngest, tempDir } from '../support/ingest-helpers.js';

let warehouse: Warehouse | undefined;
afterEach(async () => {
  await warehouse?.close();
  warehouse = undefined;
});

const at = (iso: string) => new Date(`${iso}T10:00:00+08:00`);

async function q(sql: string): Promise<Record<string, unknown>[]> {
  return (await queryRows(warehouse!, sql)).rows;
}

describe('调度 and 通报 views over a realistic two-night inbox', () => {
  it('gives the right findings, missing list, case quality and no false year-to-date finding', async () => {
    const inbox = tempDir();
    const reports = join(inbox, '..', 'reports');
    // 龙兴镇: Q1 found 10 rectified 5; Q2 found 5 rectified 8 — more than found in Q2, but 13 ≤ 15 over the year: no finding.
    writeCsv(inbox, '2024Q1/龙兴镇/T1.csv', [t1Header, ['龙兴镇', '2024年第一季度', 50, 10, 5, 1, 1, 0, 0, 3, 2]], at('2024-04-08'));
    writeCsv(inbox, '2024Q2/龙兴镇/T1.csv', [t1Header, ['龙兴镇', '2024年第二季度', 40, 5, 8, 0, 0, 0, 0, 2, 2]], at('2024-07-05'));
    // 大湾镇: Q1 found 4 rectified 6 — a year-to-date breach. Sent late (due 2024-04-10).
    writeCsv(inbox, '2024Q1/大湾镇/T1.csv', [t1Header, ['大湾镇', '2024年第一季度', 20, 4, 6, 0, 0, 0, 0, 1, 1]], at('2024-04-15'));
    // 龙兴镇's L1 for Q1: one 赋权·简易 case over the cap (500 元 to a person), one 赋权·一般 case — agrees with T1 (1 + 1).
    writeCsv(
      inbox,
      '2024Q1/龙兴镇/L1.csv',
      [
        l1Header,
        [
          '渝北龙兴消行罚决字〔2024〕001号',
          '龙兴镇',
          '赋权执法',
          '简易程序',
          '张某',
          '个人',
          '占用疏散通道',
          '2024-02-01',
          '2024-02-01',
          '罚款',
          500,
          '否',
          '否',
          '是',
        ],
        [
          '渝北龙兴消行罚决字〔2024〕002号',
          '龙兴镇',
          '赋权执法',
          '一般程序',
          '某公司',
          '单位',
          '消防设施未保持完好有效',
          '2024-02-10',
          '2024-03-01',
          '罚款',
          5000,
          '是',
          '否',
          '是',
        ],
      ],
      at('2024-04-08'),
    );
    // 龙兴镇's L2 for Q1: 9 hazards found in Q1 (T1 says 10), 5 rectified in Q1, one rectified before it was found.
    const hazards = Array.from({ length: 9 }, (_, i) => [
      '龙兴镇',
      `2024-03-0${i + 1}`,
      `单位${i + 1}`,
      '消防设施',
      `隐患${i + 1}`,
      '2024-04-30',
      i < 5 ? (i === 4 ? '2024-03-01' : `2024-03-2${i}`) : '',
      i < 5 ? '已整改' : '未整改',
    ]);
    writeCsv(inbox, '2024Q1/龙兴镇/L2.csv', [l2Header, ...hazards], at('2024-04-08'));
    // 法制科 reviews two of 龙兴镇's cases in Q1.
    writeCsv(
      inbox,
      '2024Q1/法制科/R1.csv',
      [
        r1Header,
        ['渝北龙兴消行罚决字〔2024〕001号', '龙兴镇', '2024年一季度', '不合格', '执法程序不规范、文书填写不全面', '简易程序罚款超限'],
        ['渝北龙兴消行罚决字〔2024〕002号', '龙兴镇', '2024年一季度', '基本合格', '文书填写不全面', '告知书缺期限'],
      ],
      at('2024-04-09'),
    );
    warehouse = await memoryWarehouse();
    await runIngest(warehouse, inbox, reports, at('2024-04-20'));
    // Night two: 大湾镇 sends a refused Q2 file (待统计); nobody else sends Q2 except 龙兴镇.
    writeCsv(inbox, '2024Q2/大湾镇/T1.csv', [t1Header, ['大湾镇', '2024年第二季度', '待统计', 1, 1, 0, 0, 0, 0, 0, 1]], at('2024-07-08'));
    await runIngest(warehouse, inbox, reports, at('2024-07-20'));
    await warehouse.duckdb.run(`SET VARIABLE as_of = DATE '2024-07-20'`);

    const findings = await q(`SELECT rule, unit, quarter, message, cell FROM findings ORDER BY rule, unit, message`);
    expect(findings).toEqual([
      {
        rule: 'fine_over_cap',
        unit: '龙兴镇',
        quarter: 1,
        message: '案件（第 2 行）适用简易程序（当场处罚），对个人罚款 500 元，超过法定上限 200 元（《行政处罚法》第五十一条），属执法程序不规范',
        cell: 'K2',
      },
      {
        rule: 'rectified_before_found',
        unit: '龙兴镇',
        quarter: 1,
        message: '2024-03-05 检查发现的“消防设施”类隐患，整改完成日期 2024-03-01 早于检查日期 2024-03-05',
        cell: 'G6',
      },
      {
        rule: 't1_ledger_mismatch',
        unit: '龙兴镇',
        quarter: 1,
        message: '2024年第一季度 T1 填报“发现火灾隐患数” 10，但火灾隐患整改台账中按日期计入该季度的为 9，相差 1',
        cell: null,
      },
      { rule: 'ytd_rectified_exceeds_found', unit: '大湾镇', quarter: 1, message: '2024年截至第一季度累计整改火灾隐患数 6 超过累计发现数 4', cell: null },
    ]);

    const status = await q(
      `SELECT quarter, unit, form, status FROM submission_status WHERE unit IN ('龙兴镇', '大湾镇') AND form = 'T1' ORDER BY quarter, unit`,
    );
    expect(status).toEqual([
      { quarter: 1, unit: '大湾镇', form: 'T1', status: 'late' },
      { quarter: 1, unit: '龙兴镇', form: 'T1', status: 'on_time' },
      { quarter: 2, unit: '大湾镇', form: 'T1', status: 'rejected' },
      { quarter: 2, unit: '龙兴镇', form: 'T1', status: 'on_time' },
    ]);
    const missing = await q(`SELECT count(*) AS n FROM submission_status WHERE form = 'T1' AND status = 'missing' AND quarter = 1`);
    expect(missing).toEqual([{ n: 20 }]);
    const reason = await q(`SELECT reason FROM submission_status WHERE unit = '大湾镇' AND quarter = 2 AND form = 'T1'`);
    expect(String(reason[0]?.reason)).toContain('待统计');

    const quality = await q(`SELECT unit, problem, cases, reviewed_cases FROM case_quality ORDER BY problem`);
    expect(quality).toEqual([
      { unit: '龙兴镇', problem: '执法程序不规范', cases: 1, reviewed_cases: 2 },
      { unit: '龙兴镇', problem: '文书填写不全面', cases: 2, reviewed_cases: 2 },
    ]);
    const open = await q(`SELECT count(*) AS n, max(days_overdue) AS d FROM hazards_open`);
    expect(open).toEqual([{ n: 4, d: 81 }]);
    const ranking = await q(`SELECT unit, value, rank FROM township_ranking WHERE quarter = 1 AND indicator = 'inspections' AND rank <= 2 ORDER BY rank`);
    expect(ranking).toEqual([
      { unit: '龙兴镇', value: 50, rank: 1 },
      { unit: '大湾镇', value: 20, rank: 2 },
    ]);

    // A correction replaces 大湾镇's Q1 T1 (rectified 3): the year-to-date finding goes away.
    writeCsv(inbox, '2024Q1/大湾镇/T1-更正.csv', [t1Header, ['大湾镇', '2024年第一季度', 20, 4, 3, 0, 0, 0, 0, 1, 1]], at('2024-07-21'));
    await runIngest(warehouse, inbox, reports, at('2024-07-22'));
    expect(await q(`SELECT count(*) AS n FROM findings WHERE rule = 'ytd_rectified_exceeds_found'`)).toEqual([{ n: 0 }]);
  });
});
