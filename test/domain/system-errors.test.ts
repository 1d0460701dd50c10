import { describe, expect, it } from 'vitest';
import { displayPath, failureLine, systemErrorLine } from '../../domain/system-errors.js';
import { AsOfError, checkedAsOf } from '../../warehouse/as-of.js';

function errno(code: string, syscall: string, path?: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`${code}: ${syscall}${path ? ` '${path}'` : ''}`);
  e.code = code;
  e.syscall = syscall;
  if (path) e.path = path;
  return e;
}

describe('system errors in Chinese', () => {
  it('names what went wrong, the step and the file as the reader knows it', () => {
    expect(systemErrorLine(errno('ENOSPC', 'write', '/srv/.out.staging-12-345-abcd/xlsx/汇总表-2024-Q1.xlsx'), '生成输出')).toBe(
      '磁盘空间不足，生成输出：写入 /srv/out/xlsx/汇总表-2024-Q1.xlsx 时失败，本次结果未发布',
    );
    expect(systemErrorLine(errno('EACCES', 'open', '/srv/data/warehouse.duckdb.work'), '复制数据仓库')).toBe(
      '没有权限，复制数据仓库：打开 /srv/data/warehouse.duckdb.work 时失败，本次结果未发布',
    );
    expect(systemErrorLine(errno('EROFS', 'rename'), '发布数据仓库', '数据仓库已发布，输出未更新')).toBe(
      '文件系统是只读的，发布数据仓库：改名文件时失败，数据仓库已发布，输出未更新',
    );
  });

  it('recognises DuckDB’s English messages', () => {
    expect(systemErrorLine(new Error('IO Error: Could not write file "/srv/data/warehouse.duckdb.work": No space left on device'), '装入新文件')).toBe(
      '磁盘空间不足，装入新文件：访问 /srv/data/warehouse.duckdb.work 时失败，本次结果未发布',
    );
    expect(
      systemErrorLine(new Error('IO Error: Could not set lock on file "/srv/w.duckdb": Conflicting lock is held in /usr/bin/duckdb (PID 42)'), '发布数据仓库'),
    ).toMatch(/^数据仓库正被另一个程序以读写方式打开，发布数据仓库：访问 \/srv\/w\.duckdb 时失败/);
    expect(systemErrorLine(new Error('Catalog Error: Table with name x does not exist!'), '生成输出')).toBeUndefined();
    expect(failureLine(new Error('Catalog Error: Table with name x does not exist!'), '生成输出')).toBe(
      '生成输出时失败：Catalog Error: Table with name x does not exist!，本次结果未发布',
    );
  });

  it('shows staging paths as the output folder', () => {
    expect(displayPath('/a/b/.out.staging-1-2-ff/data/x.json')).toBe('/a/b/out/data/x.json');
    expect(displayPath('relative/.site.staging-9-0-00')).toBe('relative/site');
  });
});

describe('reference dates', () => {
  it('accepts real dates only', () => {
    expect(checkedAsOf('2024-02-29')).toBe('2024-02-29');
    for (const bad of ['2025-02-29', '2024-04-31', '2024-00-10', '2024-7-1', ' 2024-07-01', "2024-07-01'; DROP TABLE units; --", '']) {
      expect(() => checkedAsOf(bad), bad).toThrow(AsOfError);
    }
  });
});
