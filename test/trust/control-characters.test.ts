import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { printable } from '../../domain/printable.js';
import { formatTable } from '../../pipelines/cli/table-format.js';
import { lineLog } from '../../pipelines/run/run-log.js';
import { t1Header, writeCsv } from '../support/csv-submissions.js';
import { tempDir } from '../support/ingest-helpers.js';

const bin = new URL('../../bin/firestat.js', import.meta.url).pathname;

function firestat(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [bin, ...args], { encoding: 'utf8', env: { ...process.env, TZ: 'Asia/Shanghai' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const esc = '\u001b';
/** A name that would print a log line of its own, and one that would colour the terminal red. */
const forging = 'evil\n2025-01-01 02:00:00 run-end run=99 loaded=22.csv';
const colouring = `T1${esc}[31m.csv`;

describe('control characters from outside are shown escaped', () => {
  it('escapes them with one helper: \\n, \\x1b, and the bidi overrides that disguise names', () => {
    expect(printable(`a\nb\r\tc${esc}[31m\u0000\u007f\u202e.xlsx`)).toBe('a\\nb\\r\\tc\\x1b[31m\\x00\\x7f\\u202e.xlsx');
    expect(printable('龙兴镇 2024年第一季度.xlsx')).toBe('龙兴镇 2024年第一季度.xlsx');
    expect(printable('x'.repeat(10), 4)).toBe('xxxx…');
  });

  it('keeps every log event on one line, whatever a file name holds', () => {
    const lines: string[] = [];
    const log = lineLog(
      (l) => lines.push(l),
      () => new Date('2025-01-02T18:00:03Z'),
    );
    log('file-refused', { path: `2024Q1/${forging}`, reason: 'x' });
    log('file-loaded', { path: `2024Q1/${colouring}`, rows: 3 });
    log('file-loaded', { path: '2024Q1/龙兴镇/统计表.xlsx', note: 'a "b" c\\d' });
    expect(lines).toEqual([
      '2025-01-03 02:00:03 file-refused path="2024Q1/evil\\n2025-01-01 02:00:00 run-end run=99 loaded=22.csv" reason=x\n',
      '2025-01-03 02:00:03 file-loaded path="2024Q1/T1\\x1b[31m.csv" rows=3\n',
      '2025-01-03 02:00:03 file-loaded path=2024Q1/龙兴镇/统计表.xlsx note="a \\"b\\" c\\\\d"\n',
    ]);
  });

  it('escapes them in sql table output', () => {
    const table = formatTable(
      ['path', 'n'],
      [
        { path: `2024Q1/${forging}`, n: 1 },
        { path: colouring, n: 2 },
      ],
    );
    expect(table).not.toContain(esc);
    expect(table.split('\n')).toHaveLength(5);
    expect(table).toContain('2024Q1/evil\\n2025-01-01 02:00:00 run-end run=99 loaded=22.csv');
    expect(table).toContain('T1\\x1b[31m.csv');
  });

  it('in the run log, the run summary and firestat sql, end to end', () => {
    const dir = tempDir();
    const inbox = join(dir, 'inbox');
    const when = new Date('2024-04-05T02:00:00Z');
    // Both refused (待统计), so their names and reasons reach the log and the summary; a cell holds an escape too.
    writeCsv(inbox, `2024Q1/龙兴镇/${forging}`, [t1Header, ['龙兴镇', '2024年第一季度', '待统计', 1, 1, 0, 0, 0, 0, 0, 1]], when);
    writeCsv(inbox, `2024Q1/大湾镇/${colouring}`, [t1Header, ['大湾镇', '2024年第一季度', `待统计${esc}[2J`, 1, 1, 0, 0, 0, 0, 0, 1]], when);
    const wh = join(dir, 'warehouse.duckdb');
    const r = firestat(['run', '--inbox', inbox, '--warehouse', wh, '--out', join(dir, 'out'), '--quiet', '--as-of', '2024-04-20', '--year', '2024']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toContain(esc);
    const lines = r.stdout.split('\n');
    // No line was forged: the only run-end is the real one.
    expect(lines.filter((l) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d run-end /.test(l))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('run=99'))).toHaveLength(2); // the log line and the summary line, each whole
    expect(r.stdout).toContain('file-refused path="2024Q1/大湾镇/T1\\x1b[31m.csv"');
    expect(lines.filter((l) => l.startsWith('  退回  '))).toEqual([
      expect.stringMatching(/^ {2}退回 {2}2024Q1\/大湾镇\/T1\\x1b\[31m\.csv：.*待统计\\x1b\[2J/),
      expect.stringMatching(/^ {2}退回 {2}2024Q1\/龙兴镇\/evil\\n2025-01-01 02:00:00 run-end run=99 loaded=22\.csv：/),
    ]);

    const table = firestat(['sql', '--warehouse', wh, 'SELECT path FROM submissions ORDER BY path']);
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout).not.toContain(esc);
    expect(table.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^path/),
      expect.stringMatching(/^-+$/),
      '2024Q1/大湾镇/T1\\x1b[31m.csv',
      '2024Q1/龙兴镇/evil\\n2025-01-01 02:00:00 run-end run=99 loaded=22.csv',
      '(2 行)',
    ]);
  });
});
