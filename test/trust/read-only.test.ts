import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { deliverFile, fixturesDir, tempDir } from '../support/ingest-helpers.js';

const bin = fileURLToPath(new URL('../../bin/firestat.js', import.meta.url));

function firestat(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [bin, ...args], { encoding: 'utf8', input, env: { ...process.env, TZ: 'Asia/Shanghai' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

let dir: string;
let inbox: string;
let wh: string;
beforeAll(() => {
  dir = tempDir();
  inbox = join(dir, 'inbox');
  wh = join(dir, 'data', 'warehouse.duckdb');
  deliverFile(join(fixturesDir, 'inbox/2024Q1/大湾镇2024一季度统计.csv'), inbox, '2024Q1/大湾镇2024一季度统计.csv', new Date('2024-04-05T02:00:00Z'));
  const r = firestat(['ingest', '--inbox', inbox, '--warehouse', wh, '--quiet']);
  expect(r.status, r.stderr).toBe(0);
});

describe('firestat sql is read-only', () => {
  it('refuses COPY … TO and reading other files, in Chinese, leaving the warehouse byte for byte as it was', () => {
    const before = sha(wh);
    const copy = firestat(['sql', '--warehouse', wh, `COPY (SELECT 'oops') TO '${wh}'`]);
    expect(copy.status).not.toBe(0);
    expect(copy.stderr).toContain('为保护数据仓库，SQL 不能读写数据仓库以外的文件');
    expect(copy.stderr).toContain('Permission Error');
    const read = firestat(['sql', '--warehouse', wh, "SELECT * FROM read_text('/etc/hostname')"]);
    expect(read.status).not.toBe(0);
    expect(read.stderr).toContain('为保护数据仓库');
    expect(read.stdout).toBe('');
    // Nor can a statement lift the restriction.
    const unlock = firestat(['sql', '--warehouse', wh, 'SET enable_external_access = true']);
    expect(unlock.status).not.toBe(0);
    expect(unlock.stderr).toContain('会话设置已锁定');
    expect(sha(wh)).toBe(before);
  });

  it('refuses them in the interactive terminal too, and the session goes on', () => {
    const before = sha(wh);
    const other = join(dir, 'elsewhere.csv');
    const r = firestat(
      ['sql', '--warehouse', wh],
      [
        `COPY (SELECT 'oops') TO '${wh}';`,
        "SELECT * FROM read_text('/etc/hostname');",
        `COPY (SELECT 1 AS x) TO '${other}';`,
        `ATTACH '${join(dir, 'other.duckdb')}';`,
        'SELECT count(*) AS n FROM submissions;',
        '',
      ].join('\n'),
    );
    expect(r.status).toBe(0);
    expect(r.stdout.match(/错误：为保护数据仓库/g)).toHaveLength(4);
    expect(r.stdout).toMatch(/n\n-+\n\s*1\n\(1 行\)/);
    expect(existsSync(other)).toBe(false);
    expect(existsSync(join(dir, 'other.duckdb'))).toBe(false);
    expect(sha(wh)).toBe(before);
  });

  it('reads an export with --allow-files, and never the warehouse’s own folder', () => {
    const parquet = join(dir, 'exports', 'parquet');
    mkdirSync(join(dir, 'exports'), { recursive: true });
    expect(firestat(['export', '--warehouse', wh, '--parquet', parquet, '--as-of', '2024-04-20']).status).toBe(0);
    const query = `SELECT count(*) AS n FROM read_parquet('${parquet}/quarter_figures/**/*.parquet', hive_partitioning = true)`;
    const refused = firestat(['sql', '--warehouse', wh, query]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('--allow-files');
    const allowed = firestat(['sql', '--warehouse', wh, '--allow-files', parquet, '--format', 'json', query]);
    expect(allowed.status, allowed.stderr).toBe(0);
    expect(JSON.parse(allowed.stdout)[0].n).toBeGreaterThan(0);
    // Still nothing outside the allowed folder.
    expect(firestat(['sql', '--warehouse', wh, '--allow-files', parquet, "SELECT * FROM read_text('/etc/hostname')"]).status).not.toBe(0);
    // A folder holding the warehouse is not allowed: COPY … TO could overwrite it.
    const before = sha(wh);
    const wide = firestat(['sql', '--warehouse', wh, '--allow-files', dir, `COPY (SELECT 'oops') TO '${wh}'`]);
    expect(wide.status).toBe(2);
    expect(wide.stderr).toContain('--allow-files 不能指定数据仓库所在的目录');
    expect(sha(wh)).toBe(before);
  });
});

describe('--as-of is a real date before it reaches SQL', () => {
  it('refuses a crafted --as-of in Chinese and creates nothing', () => {
    const evil = "2024-04-20'; CREATE TABLE pwned AS SELECT 1; --";
    const run = firestat(['run', '--inbox', inbox, '--warehouse', wh, '--out', join(dir, 'out'), '--as-of', evil, '--quiet']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('截止日期（--as-of）应为实际存在的日期，写作 YYYY-MM-DD');
    const build = firestat(['build', '--warehouse', wh, '--out', join(dir, 'out'), '--as-of', evil]);
    expect(build.status).toBe(2);
    expect(build.stderr).toContain('应为实际存在的日期');
    for (const bad of ['2025-02-29', '2024-13-01', '2024-7-1', '2024-07-01 junk']) {
      const r = firestat(['build', '--warehouse', wh, '--out', join(dir, 'out'), '--as-of', bad]);
      expect(r.status, bad).toBe(2);
    }
    expect(firestat(['export', '--warehouse', wh, '--parquet', join(dir, 'p2'), '--as-of', '2024-02-30']).status).toBe(2);
    const tables = firestat(['sql', '--warehouse', wh, '--format', 'csv', "SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'pwned'"]);
    expect(tables.stdout).toBe('\uFEFFn\r\n0\r\n'); // a CSV for Excel: byte order mark, CRLF
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});
