import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { shanghaiTimestamp } from '../../domain/clock.js';
import { UnitRegistry } from '../../domain/units.js';
import { ingest, type IngestResult } from '../../pipelines/ingest/ingest.js';
import { nightlyRun } from '../../pipelines/run/nightly-run.js';
import { FolderInbox } from '../../sources/inbox/folder-inbox.js';
import type { Source, SourceFile } from '../../sources/source.js';
import { checkWarehouse, warehouseSound } from '../../warehouse/check/integrity-check.js';
import { SubmissionStore } from '../../warehouse/load/submission-store.js';
import { queryRows } from '../../warehouse/query.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { t1Header, writeCsv } from '../support/csv-submissions.js';
import { memoryWarehouse, tempDir } from '../support/ingest-helpers.js';

let warehouse: Warehouse | undefined;
afterEach(async () => {
  await warehouse?.close();
  warehouse = undefined;
});

const at = (iso: string) => new Date(`${iso}T10:00:00+08:00`);
const sentAt = at('2024-04-05');

function run(w: Warehouse, source: Source | string, now: Date, extra: { registry?: UnitRegistry; maxSecondsPerFile?: number } = {}): Promise<IngestResult> {
  return ingest({
    source: typeof source === 'string' ? new FolderInbox(source) : source,
    warehouse: w,
    registry: extra.registry ?? UnitRegistry.sample(),
    reportsDir: join(tempDir(), 'reports'),
    clock: () => now,
    ...(extra.maxSecondsPerFile !== undefined ? { maxSecondsPerFile: extra.maxSecondsPerFile } : {}),
  });
}

async function q(w: Warehouse, sql: string): Promise<Record<string, unknown>[]> {
  return (await queryRows(w, sql)).rows;
}

const t1Row = (unit: string, inspected: number) => [unit, '2024年第一季度', inspected, 2, 1, 0, 0, 0, 0, 0, 1];

describe('a refusal is final only for the same bytes, place and rules', () => {
  it('reads a refused file again once it is moved to the folder its refusal asked for', async () => {
    const inbox = tempDir();
    // No unit in the file and none in its folder: refused, asking for the unit.
    writeCsv(inbox, '待分类/T1.csv', [t1Header.slice(1), t1Row('', 10).slice(1)], sentAt);
    warehouse = await memoryWarehouse();
    const first = await run(warehouse, inbox, at('2024-04-08'));
    expect(first.outcomes[0]).toMatchObject({ path: '待分类/T1.csv', status: 'rejected' });
    expect(first.outcomes[0]!.reason).toContain('单位');
    // Unchanged where it is: one lookup, no new record.
    expect((await run(warehouse, inbox, at('2024-04-09'))).outcomes[0]).toMatchObject({ status: 'unchanged' });

    renameSync(join(inbox, '待分类'), join(inbox, '龙兴镇'));
    const moved = await run(warehouse, inbox, at('2024-04-10'));
    expect(moved.outcomes[0]).toMatchObject({ path: '龙兴镇/T1.csv', status: 'loaded', unit: '龙兴镇', rows: 1 });
    expect(await q(warehouse, 'SELECT path, status FROM submissions ORDER BY submission_id')).toEqual([
      { path: '待分类/T1.csv', status: 'rejected' },
      { path: '龙兴镇/T1.csv', status: 'loaded' },
    ]);
  });

  it('reads files refused under another unit registry again once the registry changes', async () => {
    const inbox = tempDir();
    writeCsv(inbox, '2024Q1/新城街道/T1.csv', [t1Header, t1Row('新城街道', 7)], sentAt);
    warehouse = await memoryWarehouse();
    const refused = await run(warehouse, inbox, at('2024-04-08'));
    expect(refused.outcomes[0]).toMatchObject({ status: 'rejected' });
    expect(refused.outcomes[0]!.reason).toContain('新城街道');
    expect((await run(warehouse, inbox, at('2024-04-09'))).outcomes[0]!.status).toBe('unchanged');

    // The registry gains the new 街道 (as domain/units.json would be edited).
    const data = JSON.parse(readFileSync(new URL('../../domain/units.json', import.meta.url), 'utf8')) as { units: unknown[] };
    const registry = new UnitRegistry({
      ...data,
      units: [...data.units, { code: 'ZJ99', name: '新城街道', kind: 'township', aliases: ['新城'], validFrom: '2024-01-01' }],
    } as never);
    const fixed = await run(warehouse, inbox, at('2024-04-10'), { registry });
    expect(fixed.outcomes[0]).toMatchObject({ status: 'loaded', unit: '新城街道' });
    const rows = await q(warehouse, 'SELECT status, rules_fingerprint FROM submissions ORDER BY submission_id');
    expect(rows.map((r) => r.status)).toEqual(['rejected', 'loaded']);
    expect(rows[0]!.rules_fingerprint).not.toBe(rows[1]!.rules_fingerprint);
    // And once is enough.
    expect((await run(warehouse, inbox, at('2024-04-11'), { registry })).outcomes[0]!.status).toBe('unchanged');
  });
});

describe('a failure that may pass is tried again', () => {
  it('retries a file that timed out, showing it as pending (not refused) in the meantime', async () => {
    const inbox = tempDir();
    // Named as people name it: the name says unit, period and form, so even a file stopped before
    // its first row is filed under its slot in the 调度 matrix.
    writeCsv(inbox, '2024Q1/龙兴镇/龙兴镇2024年一季度统计表.csv', [t1Header, t1Row('龙兴镇', 10)], sentAt);
    warehouse = await memoryWarehouse();
    const slow = await run(warehouse, inbox, at('2024-04-20'), { maxSecondsPerFile: -1 });
    expect(slow.outcomes[0]).toMatchObject({ status: 'failed' });
    expect(slow.outcomes[0]!.reason).toMatch(/(时限|秒).*第 1 次处理失败，以后的运行会自动重试/);
    expect(slow.outcomes[0]!.reportPath).toBeUndefined();
    expect(slow.counts).toMatchObject({ files_failed: 1, files_refused: 0 });
    expect(await q(warehouse, 'SELECT status, files_failed FROM runs')).toEqual([{ status: 'completed', files_failed: 1 }]);
    // Past its due date (2024-04-10) and sent: 待处理, not 未报 and not 退回.
    await warehouse.duckdb.run(`SET VARIABLE as_of = DATE '2024-04-20'`);
    expect(await q(warehouse, `SELECT status FROM submission_status WHERE unit = '龙兴镇' AND form = 'T1' AND year = 2024 AND quarter = 1`)).toEqual([
      { status: 'pending' },
    ]);
    expect(warehouseSound(await checkWarehouse(warehouse))).toBe(true);

    const retried = await run(warehouse, inbox, at('2024-04-21'));
    expect(retried.outcomes[0]).toMatchObject({ status: 'loaded', rows: 1 });
    expect(await q(warehouse, `SELECT status FROM submission_status WHERE unit = '龙兴镇' AND form = 'T1' AND year = 2024 AND quarter = 1`)).toEqual([
      { status: 'on_time' },
    ]);
  });

  it('gives up after three failed tries with a clear message, until firestat reprocess asks again', async () => {
    let broken = true;
    const csv = Buffer.from(`${t1Header.join(',')}\n${t1Row('龙兴镇', 10).join(',')}\n`);
    const file: SourceFile = {
      path: '2024Q1/龙兴镇/T1.csv',
      bytes: csv.length,
      receivedAt: sentAt,
      modifiedAt: sentAt,
      open: () =>
        broken
          ? new Readable({
              read() {
                this.destroy(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }));
              },
            })
          : Readable.from([csv]),
    };
    const source: Source = {
      description: 'test',
      list: async function* () {
        yield file;
      },
    };
    warehouse = await memoryWarehouse();
    const reasons: string[] = [];
    for (const day of ['2024-04-06', '2024-04-07', '2024-04-08']) {
      const r = await run(warehouse, source, at(day));
      expect(r.outcomes[0]!.status).toBe('failed');
      reasons.push(r.outcomes[0]!.reason!);
    }
    // The administrator's reason: the plain sentence, the system's own words as technical detail, what happens next.
    expect(reasons[0]).toMatch(/^文件无法打开：读取磁盘或网络共享上的文件时出错（技术信息：EIO.*）（第 1 次处理失败/);
    expect(reasons[1]).toContain('第 2 次处理失败');
    expect(reasons[2]).toMatch(/已连续 3 次处理失败，不再自动重试；排除原因后可运行 firestat reprocess --submission 3 重新读取/);
    // Left alone: one lookup, nothing recorded.
    expect((await run(warehouse, source, at('2024-04-09'))).outcomes[0]!.status).toBe('unchanged');
    expect(await q(warehouse, 'SELECT count(*) AS n FROM submissions')).toEqual([{ n: 3 }]);

    // The disk is fixed; `firestat reprocess --submission 3` asks for the file again.
    broken = false;
    const store = new SubmissionStore(warehouse);
    await store.requestReprocess((await store.submissionPath(3))!, 3, shanghaiTimestamp(at('2024-04-10')));
    const again = await run(warehouse, source, at('2024-04-10'));
    expect(again.outcomes[0]).toMatchObject({ status: 'loaded', unit: '龙兴镇' });
    expect(await q(warehouse, 'SELECT path, submission_id, done_run_id FROM reprocess_requests')).toEqual([
      { path: '2024Q1/龙兴镇/T1.csv', submission_id: 3, done_run_id: 5 },
    ]);
    expect((await run(warehouse, source, at('2024-04-11'))).outcomes[0]!.status).toBe('unchanged');
    expect(warehouseSound(await checkWarehouse(warehouse))).toBe(true);
  });

  it('reads a loaded file again when asked, replacing its earlier load', async () => {
    const inbox = tempDir();
    writeCsv(inbox, '2024Q1/龙兴镇/T1.csv', [t1Header, t1Row('龙兴镇', 10)], sentAt);
    warehouse = await memoryWarehouse();
    await run(warehouse, inbox, at('2024-04-08'));
    await new SubmissionStore(warehouse).requestReprocess('2024Q1/龙兴镇/T1.csv', null, shanghaiTimestamp(at('2024-04-09')));
    const again = await run(warehouse, inbox, at('2024-04-09'));
    expect(again.outcomes[0]).toMatchObject({ status: 'loaded', replacedIds: [1] });
    expect(warehouseSound(await checkWarehouse(warehouse))).toBe(true);
  });

  it('a night after a failure is not "nothing new": the nightly run retries it', async () => {
    const dir = tempDir();
    const inbox = join(dir, 'inbox');
    writeCsv(inbox, '2024Q1/龙兴镇/T1.csv', [t1Header, t1Row('龙兴镇', 10)], sentAt);
    const lines: string[] = [];
    const night = (day: string, maxSecondsPerFile?: number) =>
      nightlyRun({
        warehousePath: join(dir, 'warehouse.duckdb'),
        source: new FolderInbox(inbox),
        registry: UnitRegistry.sample(),
        reportsDir: join(dir, 'reports'),
        clock: () => at(day),
        log: (event, fields) => lines.push(`${event} ${JSON.stringify(fields ?? {})}`),
        ...(maxSecondsPerFile !== undefined ? { maxSecondsPerFile } : {}),
      });
    expect((await night('2024-04-06', -1)).ingest?.counts).toMatchObject({ files_failed: 1 });
    expect(lines.some((l) => l.startsWith('file-failed'))).toBe(true);
    expect((await night('2024-04-07')).ingest?.counts).toMatchObject({ files_loaded: 1, files_failed: 0 });
    expect((await night('2024-04-08')).ingest).toBeUndefined();
    expect(lines.at(-1)).toMatch(/^run-skipped/);
  });
});

describe('received times', () => {
  it('counts a time in the future as the run time, so it cannot block a later correction', async () => {
    const inbox = tempDir();
    // The sender's PC clock says 2030.
    writeCsv(inbox, '2024Q1/龙兴镇/T1.csv', [t1Header, t1Row('龙兴镇', 10)], at('2030-01-01'));
    warehouse = await memoryWarehouse();
    await run(warehouse, inbox, at('2024-04-20'));
    expect(await q(warehouse, `SELECT strftime(received_at, '%Y-%m-%d') AS received, strftime(modified_at, '%Y') AS modified FROM submissions`)).toEqual([
      { received: '2024-04-20', modified: '2030' },
    ]);
    writeCsv(inbox, '2024Q1/龙兴镇/T1-更正.csv', [t1Header, t1Row('龙兴镇', 20)], at('2024-04-22'));
    const corrected = await run(warehouse, inbox, at('2024-04-25'));
    expect(corrected.outcomes.find((o) => o.path.endsWith('更正.csv'))).toMatchObject({ status: 'loaded', replacedIds: [1] });
    expect(await q(warehouse, `SELECT value FROM quarter_figures WHERE unit = '龙兴镇' AND metric = 'units_inspected'`)).toEqual([{ value: 20 }]);
  });
});
