import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UnitRegistry } from '../../domain/units.js';
import { ingest } from '../../pipelines/ingest/ingest.js';
import { FolderInbox } from '../../sources/inbox/folder-inbox.js';
import { queryRows } from '../../warehouse/query.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { buildZip, craftXlsx } from '../sources/xlsx-test-zip.js';
import { t1Header, writeCsv } from '../support/csv-submissions.js';
import { writeHostileXlsx } from '../support/hostile-xlsx.js';
import { fixturesDir, memoryWarehouse, tempDir } from '../support/ingest-helpers.js';

/** Issue 14: one file must not kill the night. */

const repoRoot = new URL('../../', import.meta.url).pathname;
const bin = join(repoRoot, 'bin/firestat.js');
const goodXlsx = join(fixturesDir, 'inbox/2024Q1/龙兴镇/龙兴镇2024年一季度统计表.xlsx');

let warehouse: Warehouse | undefined;
afterEach(async () => {
  await warehouse?.close();
  warehouse = undefined;
});

describe('a night with a hostile file in the inbox', () => {
  it('records the file of issue 14 (a 24 M-character comment) and loads the good file beside it, in a 256 MB heap', async () => {
    const dir = tempDir();
    const folder = join(dir, 'inbox/2024Q1/龙兴镇');
    mkdirSync(folder, { recursive: true });
    copyFileSync(goodXlsx, join(folder, '龙兴镇2024年一季度统计表.xlsx'));
    // Before the XML bounds: about 750 MB of heap, a V8 abort (exit 134) and nothing recorded.
    writeHostileXlsx(join(folder, '说明.xlsx'), 'comment', 24_000_000);
    const wh = join(dir, 'w.duckdb');
    const r = spawnSync(process.execPath, ['--max-old-space-size=256', bin, 'ingest', '--inbox', join(dir, 'inbox'), '--warehouse', wh, '--quiet'], {
      encoding: 'utf8',
      env: { ...process.env, FIRESTAT_REPORT_RSS: '1' },
      timeout: 240_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const rss = Number(/firestat-peak-rss-kib (\d+)/.exec(r.stderr)?.[1]);
    expect(rss).toBeLessThan(400 * 1024);

    const w = await Warehouse.open({ path: wh, readOnly: true });
    try {
      const { rows } = await queryRows(w, 'SELECT path, status, reason FROM submissions ORDER BY path');
      expect(rows.map((x) => [x.path, x.status])).toEqual([
        ['2024Q1/龙兴镇/说明.xlsx', 'rejected'],
        ['2024Q1/龙兴镇/龙兴镇2024年一季度统计表.xlsx', 'loaded'],
      ]);
      expect(String(rows[0]!.reason)).toContain('没有找到');
    } finally {
      await w.close();
    }
  });

  it('stops a file past maxSecondsPerFile inside one sheet, records it as failed, and goes on', async () => {
    const inbox = tempDir();
    const sentAt = new Date('2024-04-05T10:00:00+08:00');
    writeCsv(inbox, '2024Q1/龙兴镇/T1.csv', [t1Header, ['龙兴镇', '2024年第一季度', 10, 2, 1, 0, 0, 0, 0, 0, 1]], sentAt);
    // Formulas without saved results that take seconds to evaluate: SUM over 20,000 cells, 600 times.
    const rows: string[] = [];
    for (let r = 1; r <= 20_000; r++) {
      rows.push(`<row r="${r}"><c r="A${r}"><v>${r}</v></c>${r <= 600 ? `<c r="B${r}"><f>SUM($A$1:$A$20000)+${r}</f></c>` : ''}</row>`);
    }
    mkdirSync(join(inbox, '2024Q1/大湾镇'), { recursive: true });
    writeFileSync(join(inbox, '2024Q1/大湾镇/汇总.xlsx'), buildZip(craftXlsx({ sheets: [{ name: '汇总', rows: rows.join('') }] })));
    warehouse = await memoryWarehouse();
    const result = await ingest({
      source: new FolderInbox(inbox),
      warehouse,
      registry: UnitRegistry.sample(),
      reportsDir: join(tempDir(), 'reports'),
      clock: () => new Date('2024-04-20T10:00:00+08:00'),
      maxSecondsPerFile: 1,
    });
    const byPath = Object.fromEntries(result.outcomes.map((o) => [o.path, o]));
    expect(byPath['2024Q1/大湾镇/汇总.xlsx']).toMatchObject({ status: 'failed' });
    expect(byPath['2024Q1/大湾镇/汇总.xlsx']!.reason).toMatch(/超过 1 秒仍未完成.*第 1 次处理失败，以后的运行会自动重试/);
    expect(byPath['2024Q1/龙兴镇/T1.csv']).toMatchObject({ status: 'loaded', rows: 1 });
    const { rows: recorded } = await queryRows(warehouse, "SELECT duration_ms FROM submissions WHERE path = '2024Q1/大湾镇/汇总.xlsx'");
    // Stopped inside the evaluation, soon after the deadline (evaluating it all takes several seconds).
    expect(Number(recorded[0]!.duration_ms)).toBeLessThan(4000);
  });
});
