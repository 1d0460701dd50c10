import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shanghaiDate } from '../../domain/clock.js';
import { UnitRegistry } from '../../domain/units.js';
import { CONTINUATION_PROMPT, HISTORY_LIMIT, PROMPT, oneLine, runRepl, splitStatements, type ReplOptions } from '../../pipelines/cli/repl.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { tempDir } from '../support/ingest-helpers.js';

let warehouse: Warehouse;
let warehousePath: string;
beforeAll(async () => {
  // As the CLI does: a warehouse file, opened read-only.
  const path = join(tempDir(), 'warehouse.duckdb');
  warehousePath = path;
  const writable = await Warehouse.open({ path });
  await writable.syncUnits(UnitRegistry.sample());
  await writable.close();
  warehouse = await Warehouse.open({ path, readOnly: true });
});
afterAll(async () => {
  await warehouse.close();
});

/** Feeds `script` to a REPL over streams and returns what it printed. */
async function session(script: string, options: Partial<ReplOptions> = {}) {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  const done = runRepl({ input, output, warehouse, historyFile: null, prompts: true, ...options });
  input.end(script);
  const result = await done;
  return { result, text };
}

describe('firestat sql REPL', () => {
  it('runs a multi-line query, .tables, .schema, survives an SQL error, and stops at .quit', async () => {
    const historyFile = join(tempDir(), 'history');
    const { result, text } = await session(
      [
        'SELECT code,',
        '       name   -- 单位名称',
        '  FROM units',
        "  WHERE kind = 'township'",
        '  ORDER BY code LIMIT 2;',
        '.tables',
        '.schema submissions',
        'SELEC name FROM units;',
        'SELECT count(*) AS n FROM units;',
        '.quit',
        "SELECT 'not run' AS after_quit;",
        '',
      ].join('\n'),
      { historyFile },
    );
    expect(result).toEqual({ statements: 3, errors: 1, ended: 'quit' });
    // The greeting names the 数据截至日 of the 调度 views: Beijing's today, as for the pages.
    expect(text).toContain(`调度视图按数据截至日 ${shanghaiDate(new Date())} 计算`);
    // Prompts: a new statement, then the continuation prompt for each further line.
    expect(text).toContain(PROMPT);
    expect(text.split(CONTINUATION_PROMPT).length - 1).toBe(4);
    // The multi-line query, as an aligned table.
    expect(text).toMatch(/code\s+name\n-+\s+-+\nZJ01\s+\S+\nZJ02\s+\S+\n\(2 行\)/);
    // .tables: tables and views with their Chinese comments, core tables first.
    expect(text).toMatch(/units\s+核心表\s+报送单位名录/);
    expect(text).toMatch(/l1_cases\s+事实表\s+L1 行政处罚案件台账/);
    expect(text).toMatch(/quarter_figures\s+视图\s+季度数字（长表）/);
    expect(text.indexOf('submission_problems ')).toBeLessThan(text.indexOf('t1_township_stats '));
    // .schema submissions: columns, types, comments.
    expect(text).toContain('submissions（表）：每个收到的报送文件一行');
    expect(text).toMatch(/submission_id\s+BIGINT\s+报送文件编号（只增不减）/);
    expect(text).toMatch(/status\s+VARCHAR\s+状态：loaded 已入库/);
    // The error is explained in Chinese, DuckDB's message follows, and the next query still runs.
    expect(text).toContain('错误：SQL 语法错误');
    expect(text).toContain('DuckDB：Parser Error');
    expect(text).toMatch(/firestat> n\n-+\n\s*26\n\(1 行\)/);
    expect(text).not.toContain('not run');
    // The history holds each statement on one line (the line comment dropped) and each command.
    expect(readFileSync(historyFile, 'utf8').split('\n')).toEqual([
      "SELECT code, name FROM units WHERE kind = 'township' ORDER BY code LIMIT 2;",
      '.tables',
      '.schema submissions',
      'SELEC name FROM units;',
      'SELECT count(*) AS n FROM units;',
      '.quit',
      '',
    ]);
  });

  it('switches formats, explains read-only and unknown names in Chinese, and runs a last statement without ;', async () => {
    const { result, text } = await session(
      [
        '.format json',
        "SELECT code FROM units WHERE code = 'ZJ01';",
        '.format csv',
        "SELECT 'a;b' AS s, 1 AS n; SELECT 2 AS m; -- two statements, one line",
        '.format xml',
        '.schema no_such_table',
        'SELECT * FROM no_such_table;',
        'DELETE FROM units;',
        '.bogus',
        '.help',
        'SELECT 3 AS last',
      ].join('\n'),
      { prompts: false },
    );
    expect(result).toEqual({ statements: 6, errors: 5, ended: 'eof' });
    expect(text).not.toContain(PROMPT);
    expect(text).toContain('[\n  {\n    "code": "ZJ01"\n  }\n]');
    // CSV lines end in CRLF, as in a CSV file Excel writes.
    expect(text).toContain('s,n\r\na;b,1\r\n');
    expect(text).toContain('m\r\n2\r\n');
    expect(text).toContain('错误：没有 “xml” 这种输出格式');
    expect(text).toContain('错误：没有名为 “no_such_table” 的表或视图');
    expect(text).toContain('错误：找不到所引用的表、视图、列或函数');
    expect(text).toContain('错误：数据仓库以只读方式打开，不能修改数据或表结构');
    expect(text).toContain('错误：没有 .bogus 这个命令');
    expect(text).toContain('.schema 名称');
    expect(text).toContain('last\r\n3\r\n');
  });

  it('keeps history across sessions: the last session’s statements come back with the up arrow', async () => {
    const historyFile = join(tempDir(), 'nested', 'firestat_history');
    await session("SELECT 'first session' AS s;\n", { historyFile, prompts: false });
    expect(existsSync(historyFile)).toBe(true);
    // A terminal session: arrow-up then Enter recalls and runs the previous session's statement.
    const { result, text } = await session('\x1b[A\r', { historyFile, terminal: true });
    expect(result.statements).toBe(1);
    expect(text).toContain('first session');
    expect(text.match(/first session/g)!.length).toBeGreaterThanOrEqual(2); // echoed, then the result
  });

  it('trims the history file to the last entries', async () => {
    const historyFile = join(tempDir(), 'h');
    writeFileSync(historyFile, Array.from({ length: HISTORY_LIMIT + 50 }, (_, i) => `SELECT ${i};`).join('\n'));
    await session('SELECT 1 AS x;\n', { historyFile, prompts: false });
    const lines = readFileSync(historyFile, 'utf8').trim().split('\n');
    expect(lines.length).toBe(HISTORY_LIMIT + 1);
    expect(lines[0]).toBe('SELECT 50;');
    expect(lines.at(-1)).toBe('SELECT 1 AS x;');
  });
});

const bin = new URL('../../bin/firestat.js', import.meta.url).pathname;
const cliHasRepl = spawnSync('node', [bin, 'sql', '--help'], { encoding: 'utf8' }).stdout.includes('[query]');

describe('firestat sql without a query (the CLI)', () => {
  // Runs once `firestat sql` takes an optional query (pipelines/cli/main.ts).
  it.skipIf(!cliHasRepl)('reads statements from stdin, prints results only, and keeps its history where told', () => {
    const historyFile = join(tempDir(), 'history');
    const r = spawnSync('node', [bin, 'sql', '--warehouse', warehousePath, '--format', 'csv', '--history', historyFile], {
      input: 'SELECT kind, count(*) AS n\n  FROM units GROUP BY kind ORDER BY kind;\nSELECT nope FROM units;\n.quit\n',
      encoding: 'utf8',
      env: { ...process.env, TZ: 'Asia/Shanghai' },
    });
    expect(r.status).toBe(0);
    // A script's CSV goes to a file: the byte order mark once at the start, CRLF line ends.
    expect(r.stdout.startsWith('\uFEFFkind,n\r\nbureau,4\r\ntownship,22\r\n')).toBe(true);
    expect(r.stdout.split('\uFEFF').length).toBe(2);
    expect(r.stdout).toContain('错误：无法解析列名或表达式');
    expect(r.stdout).not.toContain(PROMPT);
    expect(readFileSync(historyFile, 'utf8')).toContain('SELECT kind, count(*) AS n FROM units GROUP BY kind ORDER BY kind;');
  });
});

/** Runs the real CLI on the test warehouse; `input` goes to stdin (the terminal reading a script). */
function cli(args: readonly string[], input?: string) {
  const r = spawnSync('node', [bin, 'sql', '--warehouse', warehousePath, ...args], {
    input: input ?? '',
    encoding: 'utf8',
    env: { ...process.env, TZ: 'Asia/Shanghai' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('firestat sql ".tables" / ".schema NAME" / a failing query, one-shot (the CLI)', () => {
  it('prints .tables and .schema exactly as the terminal does', () => {
    for (const command of ['.tables', '.schema township_ranking']) {
      const once = cli([command]);
      const terminal = cli(['--no-history'], `${command}\n`);
      expect(once.status, `${command}: ${once.stderr}`).toBe(0);
      expect(terminal.status).toBe(0);
      expect(once.stderr).toBe('');
      expect(once.stdout).toBe(terminal.stdout);
    }
    const tables = cli(['.tables']).stdout;
    expect(tables).toMatch(/^名称\s+类别\s+说明\n/);
    expect(tables).toMatch(/\ntownship_ranking\s+视图\s+镇街排名/);
    expect(tables).toMatch(/\nunits\s+核心表\s+报送单位名录/);
    const schema = cli(['.schema', 'township_ranking']);
    expect(schema.status).toBe(1); // the name must be in the same argument, as in the terminal's line
    const ranking = cli(['.schema township_ranking']).stdout;
    expect(ranking.split('\n')[0]).toMatch(/^township_ranking（视图）：镇街排名/);
    expect(ranking).toMatch(/\nrank\s+BIGINT\s+名次/);
    // Other formats too: the same rendering as the terminal's after .format.
    expect(cli(['--format', 'json', '.schema township_ranking']).stdout).toBe(cli(['--no-history', '--format', 'json'], '.schema township_ranking\n').stdout);
  });

  it('explains a failed one-shot query in the same Chinese as the terminal, on stderr, and exits 1', () => {
    for (const [query, words] of [
      ['SELEC name FROM units', '错误：SQL 语法错误'],
      ['SELECT * FROM no_such_table', '错误：找不到所引用的表、视图、列或函数'],
    ] as const) {
      const once = cli([query]);
      const terminal = cli(['--no-history'], `${query};\n`);
      expect(once.status, query).toBe(1);
      expect(once.stdout).toBe('');
      expect(terminal.stdout).toContain(words);
      expect(terminal.stdout).toContain('  DuckDB：');
      expect(once.stderr).toBe(`firestat: ${terminal.stdout}`);
    }
    // A dot-command that fails fails the same way; what only a session can do is refused.
    const unknown = cli(['.schema no_such_table']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toBe(`firestat: ${cli(['--no-history'], '.schema no_such_table\n').stdout}`);
    const format = cli(['.format csv']);
    expect(format.status).toBe(1);
    expect(format.stderr).toContain('只在交互式终端中使用；单次执行时用 --format');
    expect(cli(['.bogus']).stderr).toContain('错误：没有 .bogus 这个命令');
  });
});

describe('statement splitting', () => {
  it('ends statements at top-level semicolons only', () => {
    expect(splitStatements('SELECT \';\' AS a; SELECT "x;y" FROM t;\nSELECT 1 -- ; not here\n')).toEqual({
      statements: ["SELECT ';' AS a", 'SELECT "x;y" FROM t'],
      rest: '\nSELECT 1 -- ; not here\n',
    });
    expect(splitStatements('SELECT /* ; */ 1;  -- done')).toEqual({ statements: ['SELECT /* ; */ 1'], rest: '' });
    expect(splitStatements("SELECT 'it''s;' AS s;")).toEqual({ statements: ["SELECT 'it''s;' AS s"], rest: '' });
    expect(splitStatements('SELECT $$a;b$$;;')).toEqual({ statements: ['SELECT $$a;b$$'], rest: '' });
    expect(splitStatements("SELECT 'open;")).toEqual({ statements: [], rest: "SELECT 'open;" });
  });

  it('puts a statement on one line for the history', () => {
    expect(oneLine("SELECT a, -- x\n  b  -- y\nFROM t WHERE s = '--not a comment'")).toBe("SELECT a, b FROM t WHERE s = '--not a comment'");
  });
});
