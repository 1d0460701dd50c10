import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { render } from '../../pipelines/cli/sql-command.js';
import { checkWarehouse, warehouseSound } from '../../warehouse/check/integrity-check.js';
import { queryRows } from '../../warehouse/query.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { t1Header, writeCsv } from '../support/csv-submissions.js';
import { deliver, memoryWarehouse, runIngest, tempDir } from '../support/ingest-helpers.js';

let warehouse: Warehouse | undefined;
afterEach(async () => {
  await warehouse?.close();
  warehouse = undefined;
});

describe('paths never escape the inbox', () => {
  it('refuses and records a link that points outside, and reads one that stays inside', async () => {
    const base = tempDir();
    const inbox = join(base, 'inbox');
    const outside = join(base, 'secret');
    mkdirSync(outside);
    writeCsv(outside, 'T1.csv', [t1Header, ['龙兴镇', '2024年第一季度', 1, 1, 1, 0, 0, 0, 0, 0, 1]], new Date('2024-04-05T00:00:00Z'));
    writeCsv(inbox, '2024Q1/大湾镇/T1.csv', [t1Header, ['大湾镇', '2024年第一季度', 2, 1, 1, 0, 0, 0, 0, 0, 1]], new Date('2024-04-05T00:00:00Z'));
    mkdirSync(join(inbox, '2024Q1/龙兴镇'), { recursive: true });
    symlinkSync(join(outside, 'T1.csv'), join(inbox, '2024Q1/龙兴镇/T1.csv'));
    symlinkSync(outside, join(inbox, '2024Q1/外部目录'));
    symlinkSync(join(inbox, '2024Q1/大湾镇/T1.csv'), join(inbox, '2024Q1/大湾镇-链接.csv'));
    warehouse = await memoryWarehouse();
    const r = await runIngest(warehouse, inbox, join(base, 'reports'));
    const byPath = Object.fromEntries(r.outcomes.map((o) => [o.path, o]));
    expect(byPath['2024Q1/龙兴镇/T1.csv']).toMatchObject({ status: 'rejected' });
    expect(byPath['2024Q1/龙兴镇/T1.csv']?.reason).toContain('收件箱以外');
    expect(byPath['2024Q1/外部目录']).toMatchObject({ status: 'rejected' });
    // The link inside the inbox is read; it has the same bytes as its target: loaded once, not twice.
    expect([byPath['2024Q1/大湾镇/T1.csv']?.status, byPath['2024Q1/大湾镇-链接.csv']?.status].sort()).toEqual(['loaded', 'unchanged']);
    const figures = (await queryRows(warehouse, `SELECT unit FROM quarter_figures WHERE metric = 'units_inspected'`)).rows;
    expect(figures).toEqual([{ unit: '大湾镇' }]);
  });

  it('ignores Excel lock files and hidden files', async () => {
    const inbox = tempDir();
    writeCsv(inbox, '2024Q1/大湾镇/T1.csv', [t1Header, ['大湾镇', '2024年第一季度', 2, 1, 1, 0, 0, 0, 0, 0, 1]], new Date('2024-04-05T00:00:00Z'));
    writeFileSync(join(inbox, '2024Q1/大湾镇/~$T1.xlsx'), 'lock');
    writeFileSync(join(inbox, '2024Q1/.DS_Store'), 'x');
    warehouse = await memoryWarehouse();
    const r = await runIngest(warehouse, inbox, join(inbox, '..', 'reports'));
    expect(r.outcomes.map((o) => o.path)).toEqual(['2024Q1/大湾镇/T1.csv']);
  });
});

describe('firestat check', () => {
  it('passes on a sound warehouse and names what is wrong in a damaged one', async () => {
    const inbox = tempDir();
    deliver('inbox', inbox, new Date('2024-04-08T02:00:00Z'));
    warehouse = await memoryWarehouse();
    await runIngest(warehouse, inbox, join(inbox, '..', 'reports'));
    expect(warehouseSound(await checkWarehouse(warehouse))).toBe(true);
    // Half a submission: delete some of its rows; and an orphan row.
    await warehouse.duckdb.run(`DELETE FROM t1_township_stats WHERE source_row = 5`);
    await warehouse.duckdb.run(
      `INSERT INTO l1_cases (submission_id, sheet, source_row, unit, year, quarter, case_no) VALUES (999, 'x', 2, '龙兴镇', 2024, 1, 'X')`,
    );
    const results = await checkWarehouse(warehouse);
    expect(warehouseSound(results)).toBe(false);
    const failed = Object.fromEntries(results.filter((r) => !r.ok).map((r) => [r.check, r]));
    expect(failed.fact_rows_have_submission?.examples[0]).toContain('999');
    expect(failed.row_counts_match?.examples.join()).toMatch(/登记 3 行，实际 2 行/);
  });
});

describe('formula injection in exported CSV', () => {
  it('neutralises submitted text that a spreadsheet would run, keeping numbers', () => {
    const csv = render(
      'csv',
      ['a', 'b'],
      [
        { a: '=HYPERLINK("http://x","点我")', b: -5 },
        { a: '+1+1', b: '@SUM(A1)' },
        { a: '-2', b: '正常文字' },
      ],
    );
    expect(csv.split('\r\n')).toEqual(['a,b', `"'=HYPERLINK(""http://x"",""点我"")",-5`, "'+1+1,'@SUM(A1)", "'-2,正常文字"]);
  });
});
