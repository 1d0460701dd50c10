import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Writes a UTF-8 CSV submission into an inbox with a given received time. */
export function writeCsv(inbox: string, relPath: string, rows: readonly (readonly (string | number)[])[], receivedAt: Date): void {
  const path = join(inbox, relPath);
  mkdirSync(dirname(path), { recursive: true });
  const esc = (v: string | number) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  writeFileSync(path, `${rows.map((r) => r.map(esc).join(',')).join('\n')}\n`);
  utimesSync(path, receivedAt, receivedAt);
}

export const t1Header = [
  '镇街',
  '统计期间',
  '检查社会单位数',
  '发现火灾隐患数',
  '整改火灾隐患数',
  '赋权执法一般程序',
  '赋权执法简易程序',
  '委托执法一般程序',
  '委托执法简易程序',
  '联合执法检查',
  '消防管理岗人员',
];
export const l1Header = [
  '案件编号',
  '承办单位',
  '执法类型',
  '程序类型',
  '当事人',
  '当事人类型',
  '违法行为',
  '立案日期',
  '决定日期',
  '处罚种类',
  '罚款金额',
  '法制审核',
  '集体讨论',
  '是否公示',
];
export const l2Header = ['镇街/单位', '检查日期', '被检查单位', '隐患类别', '隐患描述', '整改期限', '整改完成日期', '整改状态'];
export const r1Header = ['案件编号', '承办单位', '评查季度', '评查结果', '问题类型', '问题描述'];
