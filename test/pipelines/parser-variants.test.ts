import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../warehouse/query.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { l1Header, r1Header, t1Header, writeCsv } from '../support/csv-submissions.js';
import { deliverFile, memoryWarehouse, runIngest, tempDir } from '../support/ingest-helpers.js';

let warehouse: Warehouse | undefined;
async function reset(): Promise<void> {
  await warehouse?.close();
  warehouse = undefined;
}
afterEach(reset);

const when = new Date('2024-04-06T02:00:00Z');

async function ingestOne(write: (inbox: string) => Promise<void> | void): Promise<{ status: string; reason: string | null; rows: number; problems: string[] }> {
  const inbox = tempDir();
  await write(inbox);
  warehouse = await memoryWarehouse();
  await runIngest(warehouse, inbox, join(inbox, '..', 'reports'));
  const s = (await queryRows(warehouse, 'SELECT status, reason, rows FROM submissions')).rows[0]!;
  const p = (await queryRows(warehouse, "SELECT message FROM submission_problems WHERE severity <> 'notice' ORDER BY seq")).rows;
  return { status: String(s.status), reason: s.reason === null ? null : String(s.reason), rows: Number(s.rows), problems: p.map((x) => String(x.message)) };
}

async function xlsx(inbox: string, rel: string, sheets: Record<string, unknown[][]>): Promise<void> {
  const wb = new ExcelJS.Workbook();
  for (const [name, rows] of Object.entries(sheets)) {
    const ws = wb.addWorksheet(name);
    for (const r of rows) ws.addRow(r);
  }
  const tmp = join(tempDir(), 'x.xlsx');
  await wb.xlsx.writeFile(tmp);
  deliverFile(tmp, inbox, rel, when);
}

const b1Header = [
  '单位',
  '出动执法人员',
  '消防监督检查',
  '发现隐患',
  '督促整改隐患',
  '责令改正通知书',
  '重大火灾隐患整改通知书',
  '整改重大火灾隐患',
  '处理投诉',
  '行政许可',
  '行政处罚',
  '责令三停',
  '责令查封',
  '火灾调查一般程序',
  '火灾调查简易程序',
  '火灾调查轻微火灾',
  '案件移送通知书',
  '宣传教育',
  '培训',
];
const b1Row = (n: number) => ['火灾调查科', n, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0];

describe('layouts people really send', () => {
  it('does not take a fill-in date above the header for the period', async () => {
    const r = await ingestOne((inbox) =>
      xlsx(inbox, '2024Q1/统景镇/统计表.xlsx', {
        Sheet1: [['填报单位：统景镇', '', '填报日期：2024年4月5日'], t1Header, ['统景镇', '', 1, 2, 1, 0, 0, 0, 0, 1, 1]],
      }),
    );
    expect(r).toMatchObject({ status: 'loaded', rows: 1 });
  });

  it('refuses a workbook whose summary sheet repeats its month sheets, naming both', async () => {
    const r = await ingestOne((inbox) =>
      xlsx(inbox, '2024Q1/局本级/火灾调查科2024年第一季度月报.xlsx', {
        '1月': [b1Header, b1Row(10)],
        '2月': [b1Header, b1Row(11)],
        '3月': [b1Header, b1Row(12)],
        一季度汇总: [b1Header, b1Row(33)],
      }),
    );
    expect(r.status).toBe('rejected');
    expect(r.reason).toContain('工作表“一季度汇总”');
    expect(r.reason).toContain('与工作表“1月”第 2 行（2024年1月）的统计期间重复');
  });

  it('reads R1 with both 问题描述 and 备注, and 统计期间 written 1-3月', async () => {
    const r1 = await ingestOne((inbox) =>
      writeCsv(
        inbox,
        '2024Q1/法制科/评查.csv',
        [
          [...r1Header, '备注'],
          ['渝北龙兴消行罚决字〔2024〕001号', '龙兴镇', '2024年一季度', '合格', '', '', '抽查'],
        ],
        when,
      ),
    );
    expect(r1).toMatchObject({ status: 'loaded', rows: 1 });
    await reset();
    const t1 = await ingestOne((inbox) => writeCsv(inbox, '2024Q1/龙兴镇/T1.csv', [t1Header, ['龙兴镇', '1-3月', 5, 1, 1, 0, 0, 0, 0, 0, 1]], when));
    expect(t1).toMatchObject({ status: 'loaded', rows: 1 });
  });

  it('accepts a ledger with no cases this quarter', async () => {
    const r = await ingestOne((inbox) => writeCsv(inbox, '2024Q1/古路镇/古路镇行政处罚案件台账.csv', [l1Header, ['本季度无行政处罚案件']], when));
    expect(r).toMatchObject({ status: 'loaded', rows: 0 });
  });

  it('matches header variants and refuses a money column in 万元', async () => {
    const header = [
      '案件编号',
      '承办单位',
      '执法类型',
      '程序类型',
      '当事人名称/姓名',
      '当事人类型',
      '违法行为',
      '立案日期',
      '决定日期',
      '处罚种类',
      '罚款（元）',
      '是否经法制审核',
      '集体讨论',
      '是否公示',
    ];
    const row = [
      '渝北龙兴消行罚决字〔2024〕009号',
      '龙兴镇',
      '赋权执法',
      '一般程序',
      '某公司',
      '单位',
      '堵塞通道',
      '2024-02-01',
      '2024-02-20',
      '罚款',
      5000,
      '是',
      '否',
      '是',
    ];
    const ok = await ingestOne((inbox) => writeCsv(inbox, '2024Q1/龙兴镇/L1.csv', [header, row], when));
    expect(ok).toMatchObject({ status: 'loaded', rows: 1 });
    await reset();
    const wan = await ingestOne((inbox) => writeCsv(inbox, '2024Q1/龙兴镇/L1.csv', [header.map((h) => (h === '罚款（元）' ? '罚款（万元）' : h)), row], when));
    expect(wan.status).toBe('rejected');
    expect(wan.reason).toContain('K1 单元格表头“罚款（万元）”以万元为单位');

    const t1 = [
      '镇街',
      '统计期间',
      '检查社会单位数',
      '发现火灾隐患数',
      '整改火灾隐患数',
      '赋权执法案件（一般程序）',
      '赋权执法案件（简易程序）',
      '委托执法案件',
      '',
      '联合执法检查',
      '消防管理岗人员',
    ];
    const sub = ['', '', '', '', '', '', '', '其中：一般程序', '其中：简易程序', '', ''];
    await reset();
    const two = await ingestOne((inbox) =>
      xlsx(inbox, '2024Q1/龙兴镇/T1.xlsx', { Sheet1: [t1, sub, ['龙兴镇', '2024年第一季度', 5, 1, 1, 1, 2, 3, 4, 0, 1]] }),
    );
    expect(two).toMatchObject({ status: 'loaded', rows: 1 });
    const v = (
      await queryRows(
        warehouse!,
        'SELECT empowered_general_cases a, empowered_simple_cases b, entrusted_general_cases c, entrusted_simple_cases d FROM t1_township_stats',
      )
    ).rows;
    expect(v).toEqual([{ a: 1, b: 2, c: 3, d: 4 }]);
  });
});
