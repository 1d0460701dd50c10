import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { t1Header } from '../support/csv-submissions.js';
import { afterEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../warehouse/query.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { deliverFile, fixturesDir, memoryWarehouse, runIngest, tempDir } from '../support/ingest-helpers.js';

let warehouse: Warehouse | undefined;
afterEach(async () => {
  await warehouse?.close();
  warehouse = undefined;
});

const night1 = new Date('2024-04-08T12:00:00Z');
const night2 = new Date('2024-04-12T12:00:00Z');

async function figures(w: Warehouse, unit: string): Promise<Record<string, number>> {
  const { rows } = await queryRows(w, `SELECT metric, value FROM quarter_figures WHERE unit = '${unit}' AND year = 2024 AND quarter = 1`);
  return Object.fromEntries(rows.map((r) => [String(r.metric), Number(r.value)]));
}

describe('two nights of a realistic inbox', () => {
  it('loads, refuses, replaces and ends with exactly the right figures', async () => {
    const inbox = tempDir();
    const reports = join(inbox, '..', `reports-${Date.now()}`);
    // Night 1: 龙兴镇 sends a T1 with 待统计 in it; 大湾镇 a good GBK CSV; 古路镇 a damaged workbook.
    deliverFile(join(fixturesDir, 'bad/2024Q1/龙兴镇/龙兴镇2024年一季度统计表.xlsx'), inbox, '2024Q1/龙兴镇/龙兴镇2024年一季度统计表.xlsx', night1);
    deliverFile(join(fixturesDir, 'inbox/2024Q1/大湾镇2024一季度统计.csv'), inbox, '2024Q1/大湾镇2024一季度统计.csv', night1);
    deliverFile(join(fixturesDir, 'bad/2024Q1/古路镇2024年一季度统计表.xlsx'), inbox, '2024Q1/古路镇2024年一季度统计表.xlsx', night1);
    deliverFile(join(fixturesDir, 'inbox/2024Q1/龙兴镇/隐患台账.xlsx'), inbox, '2024Q1/龙兴镇/隐患台账.xlsx', night1);
    warehouse = await memoryWarehouse();
    const first = await runIngest(warehouse, inbox, reports);
    expect(first.counts).toMatchObject({ files_seen: 4, files_loaded: 2, files_refused: 2, files_unchanged: 0 });
    const refusedT1 = first.outcomes.find((o) => o.path.includes('龙兴镇2024年一季度统计表'))!;
    expect(refusedT1.status).toBe('rejected');
    expect(refusedT1.reason).toContain('C6 单元格');
    expect(refusedT1.reason).toContain('待统计');
    // The refused file stays where it was, and a Chinese report sits beside the warehouse.
    expect(existsSync(join(inbox, '2024Q1/龙兴镇/龙兴镇2024年一季度统计表.xlsx'))).toBe(true);
    const report = readFileSync(refusedT1.reportPath!, 'utf8');
    expect(report).toContain('C6 单元格“检查社会单位数”填的是 “待统计”');
    expect(report).toContain('J8 单元格“联合执法检查”填的是 “-2”');
    expect(await figures(warehouse, '龙兴镇')).toEqual({});

    // Night 2: 龙兴镇 sends the corrected file (same name), 大湾镇 resends its CSV unchanged.
    rmSync(join(inbox, '2024Q1/龙兴镇/龙兴镇2024年一季度统计表.xlsx'));
    deliverFile(join(fixturesDir, 'inbox/2024Q1/龙兴镇/龙兴镇2024年一季度统计表.xlsx'), inbox, '2024Q1/龙兴镇/龙兴镇2024年一季度统计表.xlsx', night2);
    const second = await runIngest(warehouse, inbox, reports, new Date('2024-04-13T02:00:00Z'));
    expect(second.counts).toMatchObject({ files_seen: 4, files_loaded: 1, files_unchanged: 3, files_refused: 0 });
    expect(await figures(warehouse, '龙兴镇')).toEqual({
      units_inspected: 1063,
      hazards_found: 36,
      hazards_rectified: 32,
      empowered_general_cases: 1,
      empowered_simple_cases: 4,
      entrusted_general_cases: 2,
      entrusted_simple_cases: 0,
      joint_inspections: 11,
      fire_staff: 3,
    });
    expect((await figures(warehouse, '大湾镇')).units_inspected).toBe(120);
    const { rows } = await queryRows(warehouse, 'SELECT path, status, unit FROM submissions ORDER BY path, submission_id');
    expect(rows).toEqual([
      { path: '2024Q1/古路镇2024年一季度统计表.xlsx', status: 'rejected', unit: '古路镇' },
      { path: '2024Q1/大湾镇2024一季度统计.csv', status: 'loaded', unit: '大湾镇' },
      { path: '2024Q1/龙兴镇/隐患台账.xlsx', status: 'loaded', unit: '龙兴镇' },
      { path: '2024Q1/龙兴镇/龙兴镇2024年一季度统计表.xlsx', status: 'rejected', unit: '龙兴镇' },
      { path: '2024Q1/龙兴镇/龙兴镇2024年一季度统计表.xlsx', status: 'loaded', unit: '龙兴镇' },
    ]);
  });

  it('replaces an earlier submission for the same unit, form and period, keeping its record', async () => {
    const inbox = tempDir();
    deliverFile(join(fixturesDir, 'inbox/2024Q1/龙兴镇/龙兴镇2024年一季度统计表.xlsx'), inbox, '2024Q1/龙兴镇/第一次.xlsx', night1);
    warehouse = await memoryWarehouse();
    await runIngest(warehouse, inbox, join(inbox, '..', 'r'));
    // A corrected quarter, sent later as one quarterly row in a plain workbook.
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Sheet1');
    ws.addRow(t1Header);
    ws.addRow(['龙兴镇', '2024年第一季度', 1070, 36, 32, 1, 4, 2, 0, 12, 3]);
    const corrected = join(tempDir(), 'x.xlsx');
    await wb.xlsx.writeFile(corrected);
    deliverFile(corrected, inbox, '2024Q1/龙兴镇/龙兴镇一季度统计表（更正）.xlsx', new Date('2024-04-10T12:00:00Z'));
    const replacing = await runIngest(warehouse, inbox, join(inbox, '..', 'r'));
    expect(replacing.outcomes.find((o) => o.path.includes('更正'))).toMatchObject({ status: 'loaded', replacedIds: [1] });
    expect(await figures(warehouse, '龙兴镇')).toMatchObject({ units_inspected: 1070, joint_inspections: 12 });
    const { rows: history } = await queryRows(warehouse, 'SELECT submission_id, status, replaced_by FROM submissions ORDER BY submission_id');
    expect(history).toEqual([
      { submission_id: 1, status: 'replaced', replaced_by: 2 },
      { submission_id: 2, status: 'loaded', replaced_by: null },
    ]);
    // An older copy of the first version turning up late does not win over the correction.
    deliverFile(
      join(fixturesDir, 'inbox/2024Q1/龙兴镇/龙兴镇2024年一季度统计表.xlsx'),
      inbox,
      '2024Q1/龙兴镇/补发/旧版.xlsx',
      new Date('2024-04-09T12:00:00Z'),
    );
    const late = await runIngest(warehouse, inbox, join(inbox, '..', 'r'));
    // Same bytes as the first version: recognised by its hash and not loaded again.
    expect(late.outcomes.find((o) => o.path.endsWith('旧版.xlsx'))?.status).toBe('unchanged');
    expect((await figures(warehouse, '龙兴镇')).units_inspected).toBe(1070);
    // A file whose rows and title name 大湾镇 but whose path says 龙兴镇 cannot replace anything.
    deliverFile(join(fixturesDir, 'inbox/2024Q1/大湾镇2024一季度统计.csv'), inbox, '2024Q1/更正/龙兴镇2024年第一季度（更正）.csv', night2);
    const second = await runIngest(warehouse, inbox, join(inbox, '..', 'r'));
    expect(second.outcomes.find((o) => o.path.endsWith('（更正）.csv'))?.status).toBe('rejected');
    expect((await figures(warehouse, '龙兴镇')).units_inspected).toBe(1070);

    expect((await figures(warehouse, '龙兴镇')).units_inspected).toBe(1070);
  });

  it('costs one lookup per file when nothing is new', async () => {
    const inbox = tempDir();
    for (const f of ['inbox/2024Q1/大湾镇2024一季度统计.csv', 'inbox/2024Q1/局本级/防火监督科2024年第一季度月报.xlsx', 'inbox/2024Q1/法制科/案卷评查表.xlsx']) {
      deliverFile(join(fixturesDir, f), inbox, f.replace(/^inbox\//, ''), night1);
    }
    warehouse = await memoryWarehouse();
    const first = await runIngest(warehouse, inbox, join(inbox, '..', 'r'));
    expect(first.counts.files_loaded).toBe(3);
    const before = await queryRows(warehouse, 'SELECT count(*) AS n FROM submissions');
    const again = await runIngest(warehouse, inbox, join(inbox, '..', 'r'));
    expect(again.counts).toMatchObject({ files_seen: 3, files_loaded: 0, files_unchanged: 3, rows_loaded: 0 });
    const after = await queryRows(warehouse, 'SELECT count(*) AS n FROM submissions');
    expect(after.rows).toEqual(before.rows);
    const runs = await queryRows(warehouse, 'SELECT run_id, status, files_unchanged FROM runs ORDER BY run_id');
    expect(runs.rows).toEqual([
      { run_id: 1, status: 'completed', files_unchanged: 0 },
      { run_id: 2, status: 'completed', files_unchanged: 3 },
    ]);
  });
});
