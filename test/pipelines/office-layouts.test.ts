import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../warehouse/query.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { t1Header, writeCsv } from '../support/csv-submissions.js';
import { deliverFile, fixturesDir, memoryWarehouse, runIngest, tempDir } from '../support/ingest-helpers.js';

/**
 * What the office layouts of test/fixtures/office/ mean once other files are in the warehouse:
 * a 累计 column checked against the year so far, a blank head count that keeps the last one
 * reported, a refused file that still counts as received in the 调度.
 */
let warehouse: Warehouse | undefined;
afterEach(async () => {
  await warehouse?.close();
  warehouse = undefined;
});

const at = (iso: string) => new Date(`${iso}T10:00:00+08:00`);
const office = (rel: string) => join(fixturesDir, 'office', rel);

async function q(sql: string): Promise<Record<string, unknown>[]> {
  return (await queryRows(warehouse!, sql)).rows;
}

describe('本季度 / 1-9月累计 columns', () => {
  // 统景镇's Q3 file (office fixture) says, for 1-9月: 140 units, 61 found, 55 rectified, 2/9/1/1 cases, 11 joint checks.
  const q1 = ['统景镇', '2025年第一季度', 40, 20, 17, 1, 3, 1, 0, 4, 2];
  const q2 = ['统景镇', '2025年第二季度', 50, 21, 19, 0, 3, 0, 0, 3, 2];

  it('loads 本季度 and finds exactly the 累计 figure that disagrees with the year so far, at its cell', async () => {
    const inbox = tempDir();
    writeCsv(inbox, '2025Q1/统景镇/T1.csv', [t1Header, q1], at('2025-04-05'));
    writeCsv(inbox, '2025Q2/统景镇/T1.csv', [t1Header, q2], at('2025-07-05'));
    deliverFile(office('2025Q3/统景镇/统景镇2025年第三季度统计表.xlsx'), inbox, '2025Q3/统景镇/统景镇2025年第三季度统计表.xlsx', at('2025-10-08'));
    warehouse = await memoryWarehouse();
    const result = await runIngest(warehouse, inbox, join(inbox, '..', 'reports'), at('2025-10-20'));
    expect(result.outcomes.filter((f) => f.status === 'loaded')).toHaveLength(3);
    // The quarter's own figures load; the 累计 ones do not add to them.
    const year = await q(`SELECT metric, sum(value)::INTEGER AS v FROM quarter_figures WHERE unit = '统景镇' AND year = 2025 GROUP BY metric ORDER BY metric`);
    expect(Object.fromEntries(year.map((r) => [r.metric, r.v]))).toMatchObject({
      units_inspected: 140,
      hazards_found: 61,
      hazards_rectified: 54,
      joint_inspections: 11,
    });
    // 17 + 19 + 18 = 54 rectified, the file says 55 in its 1-9月累计 column (G5).
    const findings = await q(`SELECT rule, message, cell, sheet FROM findings WHERE rule = 'cumulative_mismatch'`);
    expect(findings).toEqual([
      {
        rule: 'cumulative_mismatch',
        message: '2025年截至第三季度“整改火灾隐患数”填报的累计数为 55，但已入库的本年各期合计为 54，相差 1',
        cell: 'G5',
        sheet: '三季度',
      },
    ]);
  });

  it('does not compare a 累计 figure while an earlier quarter is missing', async () => {
    const inbox = tempDir();
    writeCsv(inbox, '2025Q1/统景镇/T1.csv', [t1Header, q1], at('2025-04-05'));
    deliverFile(office('2025Q3/统景镇/统景镇2025年第三季度统计表.xlsx'), inbox, '2025Q3/统景镇/统景镇2025年第三季度统计表.xlsx', at('2025-10-08'));
    warehouse = await memoryWarehouse();
    await runIngest(warehouse, inbox, join(inbox, '..', 'reports'), at('2025-10-20'));
    expect(await q(`SELECT count(*)::INTEGER AS n FROM cumulative_figures`)).toEqual([{ n: 8 }]);
    expect(await q(`SELECT * FROM findings WHERE rule = 'cumulative_mismatch'`)).toEqual([]);
  });
});

describe('a blank head count', () => {
  it('is not reported, so the latest reported one stands for the quarter and the year', async () => {
    const inbox = tempDir();
    deliverFile(office('2025Q3/茨竹镇/茨竹镇2025年三季度月报.xlsx'), inbox, '2025Q3/茨竹镇/月报.xlsx', at('2025-10-08'));
    warehouse = await memoryWarehouse();
    await runIngest(warehouse, inbox, join(inbox, '..', 'reports'), at('2025-10-20'));
    // July 3, August 4, September blank: the quarter's head count is August's 4, not 0.
    expect(await q(`SELECT month, fire_staff FROM t1_township_stats ORDER BY month`)).toEqual([
      { month: 7, fire_staff: 3 },
      { month: 8, fire_staff: 4 },
      { month: 9, fire_staff: null },
    ]);
    expect(await q(`SELECT value::INTEGER AS v FROM quarter_figures WHERE unit = '茨竹镇' AND metric = 'fire_staff'`)).toEqual([{ v: 4 }]);
    expect(await q(`SELECT sum(value)::INTEGER AS v FROM year_figures WHERE metric = 'fire_staff' AND year = 2025`)).toEqual([{ v: 4 }]);
  });
});

describe('a refused file in the 调度', () => {
  it('shows 退回 for the unit and quarter its path or title states, marked as a guess when the contents did not settle it', async () => {
    const inbox = tempDir();
    // The fill-in row names 大湾镇 against the title's 龙兴镇: refused; its path and title say 龙兴镇, 2025 Q3.
    deliverFile(office('bad/龙兴镇2025年第三季度消防执法统计表.xlsx'), inbox, '龙兴镇2025年第三季度消防执法统计表.xlsx', at('2025-10-08'));
    // A file whose path says nothing, refused for a bad cell: its title places it (大湾镇, Q3), not a guess.
    writeCsv(
      inbox,
      'x/统计表.csv',
      [['渝北区大湾镇2025年第三季度消防执法工作统计表'], t1Header, ['大湾镇', '', '待统计', 1, 1, 0, 0, 0, 0, 1, 1]],
      at('2025-10-08'),
    );
    warehouse = await memoryWarehouse();
    await runIngest(warehouse, inbox, join(inbox, '..', 'reports'), at('2025-10-20'));
    await warehouse.duckdb.run(`SET VARIABLE as_of = DATE '2025-11-01'`);
    const rows = await q(
      `SELECT unit, status, placement_guessed FROM submission_status WHERE form = 'T1' AND year = 2025 AND quarter = 3 AND unit IN ('龙兴镇', '大湾镇') ORDER BY unit`,
    );
    expect(rows).toEqual([
      { unit: '大湾镇', status: 'rejected', placement_guessed: false },
      { unit: '龙兴镇', status: 'rejected', placement_guessed: true },
    ]);
    // The reason quotes the words that state each unit, never the clerk's name or number beside them.
    const [{ reason }] = (await q(`SELECT reason FROM submissions WHERE unit = '龙兴镇'`)) as [{ reason: string }];
    expect(reason).toContain('“大湾镇人民政府”（即大湾镇）');
    expect(reason).not.toMatch(/王小明|138\d{8}|填表人/);
  });
});
