import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deliverFile, fixturesDir, tempDir } from '../support/ingest-helpers.js';

const bin = new URL('../../bin/firestat.js', import.meta.url).pathname;

function firestat(args: string[], cwd?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, TZ: 'Asia/Shanghai' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('firestat CLI', () => {
  it('has --help on every command', () => {
    for (const args of [['--help'], ['ingest', '--help'], ['sql', '--help']]) {
      const r = firestat(args);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/Usage: firestat/);
    }
  });

  it('ingests, prints a summary with reasons, and answers SQL as JSON numbers', () => {
    const dir = tempDir();
    const inbox = join(dir, 'inbox');
    deliverFile(join(fixturesDir, 'inbox/2024Q1/大湾镇2024一季度统计.csv'), inbox, '2024Q1/大湾镇2024一季度统计.csv', new Date('2024-04-05T02:00:00Z'));
    deliverFile(join(fixturesDir, 'bad/2024Q1/龙兴镇/龙兴镇2024年一季度统计表.xlsx'), inbox, '2024Q1/龙兴镇/T1.xlsx', new Date('2024-04-05T02:00:00Z'));
    const wh = join(dir, 'data', 'w.duckdb');
    const r = firestat(['ingest', '--inbox', inbox, '--warehouse', wh]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('入库 1');
    expect(r.stdout).toContain('退回 1');
    expect(r.stdout).toContain('C6 单元格“检查社会单位数”填的是 “待统计”');
    const q = firestat(['sql', '--warehouse', wh, '--format', 'json', "SELECT unit, metric, value FROM quarter_figures WHERE metric = 'units_inspected'"]);
    expect(q.status).toBe(0);
    expect(JSON.parse(q.stdout)).toEqual([{ unit: '大湾镇', metric: 'units_inspected', value: 120 }]);
    const csv = firestat(['sql', '--warehouse', wh, '--format', 'csv', 'SELECT status, count(*) AS n FROM submissions GROUP BY status ORDER BY status']);
    expect(csv.stdout.trim().split('\n')).toEqual(['status,n', 'loaded,1', 'rejected,1']);
    const table = firestat(['sql', '--warehouse', wh, "SELECT unit, 'x' AS k FROM submissions ORDER BY submission_id"]);
    // Chinese is two columns wide: the header rule matches the widest value.
    expect(table.stdout.split('\n')[1]).toBe('------  -');
  });

  it('exits non-zero only when it cannot run, naming the bad config key', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'firestat.config.json'), JSON.stringify({ inbox: 'in', maxSecondsPerFile: 'soon' }));
    mkdirSync(join(dir, 'in'));
    const r = firestat(['ingest'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('maxSecondsPerFile');
    writeFileSync(join(dir, 'firestat.config.json'), JSON.stringify({ inbox: 'in', inboxx: 'x' }));
    expect(firestat(['ingest'], dir).stderr).toContain('未知的配置项 inboxx');
    writeFileSync(join(dir, 'firestat.config.json'), JSON.stringify({ inbox: 'in', warehouse: 'w.duckdb' }));
    const ok = firestat(['ingest'], dir);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('发现 0 个文件');
    const missing = firestat(['ingest', '--inbox', join(dir, 'nope')], dir);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('收件箱目录不存在');
    expect(execFileSync('node', [bin, 'sql', '--warehouse', join(dir, 'w.duckdb'), 'SELECT 1 AS one'], { encoding: 'utf8' })).toContain('one');
  });
});
