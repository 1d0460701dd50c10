import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deliverFile, fixturesDir, tempDir } from '../support/ingest-helpers.js';

const bin = new URL('../../bin/firestat.js', import.meta.url).pathname;

function firestat(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [bin, ...args], { encoding: 'utf8', env: { ...process.env, TZ: 'Asia/Shanghai' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json(wh: string, sql: string): unknown {
  const r = firestat(['sql', '--warehouse', wh, '--format', 'json', sql]);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('firestat reprocess', () => {
  it('makes the next ingest read a file again, by submission or by path', () => {
    const dir = tempDir();
    const inbox = join(dir, 'inbox');
    deliverFile(join(fixturesDir, 'bad/2024Q1/龙兴镇/龙兴镇2024年一季度统计表.xlsx'), inbox, '2024Q1/龙兴镇/T1.xlsx', new Date('2024-04-05T02:00:00Z'));
    deliverFile(join(fixturesDir, 'inbox/2024Q1/大湾镇2024一季度统计.csv'), inbox, '2024Q1/大湾镇2024一季度统计.csv', new Date('2024-04-05T02:00:00Z'));
    const wh = join(dir, 'data', 'w.duckdb');
    expect(firestat(['ingest', '--inbox', inbox, '--warehouse', wh]).stdout).toContain('退回 1');
    expect(firestat(['ingest', '--inbox', inbox, '--warehouse', wh]).stdout).toContain('没有新文件');

    const refusedId = (json(wh, `SELECT submission_id FROM submissions WHERE status = 'rejected'`) as { submission_id: number }[])[0]!.submission_id;
    const asked = firestat(['reprocess', '--submission', String(refusedId), '--warehouse', wh]);
    expect(asked.status, asked.stderr).toBe(0);
    expect(asked.stdout).toContain(`将重新读取 2024Q1/龙兴镇/T1.xlsx（编号 ${refusedId}）`);
    const again = firestat(['ingest', '--inbox', inbox, '--warehouse', wh]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/入库 0，未变 1，替换旧文件 0，退回 1/);
    expect(firestat(['ingest', '--inbox', inbox, '--warehouse', wh]).stdout).toContain('没有新文件');

    expect(firestat(['reprocess', '--path', '2024Q1/大湾镇2024一季度统计.csv', '--warehouse', wh]).status).toBe(0);
    expect(firestat(['ingest', '--inbox', inbox, '--warehouse', wh]).stdout).toMatch(/入库 1，未变 1，替换旧文件 1/);
    expect(json(wh, 'SELECT path, status FROM submissions ORDER BY submission_id')).toEqual([
      { path: '2024Q1/大湾镇2024一季度统计.csv', status: 'replaced' },
      { path: '2024Q1/龙兴镇/T1.xlsx', status: 'rejected' },
      { path: '2024Q1/龙兴镇/T1.xlsx', status: 'rejected' },
      { path: '2024Q1/大湾镇2024一季度统计.csv', status: 'loaded' },
    ]);
    expect(json(wh, 'SELECT count(*) AS pending FROM reprocess_requests WHERE done_run_id IS NULL')).toEqual([{ pending: 0 }]);
  });

  it('says clearly what it cannot do', () => {
    const dir = tempDir();
    const inbox = join(dir, 'inbox');
    deliverFile(join(fixturesDir, 'inbox/2024Q1/大湾镇2024一季度统计.csv'), inbox, '2024Q1/a.csv', new Date('2024-04-05T02:00:00Z'));
    const wh = join(dir, 'w.duckdb');
    expect(firestat(['reprocess', '--submission', '1', '--warehouse', wh]).stderr).toContain('数据仓库文件不存在');
    expect(firestat(['ingest', '--inbox', inbox, '--warehouse', wh]).status).toBe(0);
    const none = firestat(['reprocess', '--submission', '99', '--warehouse', wh]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('没有编号为 99 的报送文件');
    expect(firestat(['reprocess', '--path', 'nope.csv', '--warehouse', wh]).stderr).toContain('没有见过路径为“nope.csv”的文件');
    expect(firestat(['reprocess', '--warehouse', wh]).stderr).toContain('二者选一');
    expect(firestat(['reprocess', '--submission', 'x', '--warehouse', wh]).stderr).toContain('正整数');
  });
});
