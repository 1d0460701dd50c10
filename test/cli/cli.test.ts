import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { addTableSheet, newWorkbook } from '../../dashboards/xlsx/sheet-layout.js';
import { shanghaiDate } from '../../domain/clock.js';
import { l2Header, writeCsv } from '../support/csv-submissions.js';
import { deliverFile, fixturesDir, tempDir } from '../support/ingest-helpers.js';

const bin = new URL('../../bin/firestat.js', import.meta.url).pathname;

function firestat(args: string[], cwd?: string, tz = 'Asia/Shanghai'): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, TZ: tz } });
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
    expect(csv.stdout).toBe('\uFEFFstatus,n\r\nloaded,1\r\nrejected,1\r\n');
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

/** Text a spreadsheet would run as a formula, and text it would not. */
const planted: readonly (readonly [number, string])[] = [
  [1, '＝HYPERLINK("http://example.com/x","点击查看")'],
  [2, ' =1+1'],
  [3, '@SUM(A1)'],
  [4, '-2+3'],
  [5, '+86 123'],
  [6, '\u3000＋1'],
  [7, '\t=1'],
  [8, '＠cmd'],
  [9, '龙兴镇'],
  [10, 'a=b，含,逗号和"引号"'],
  [11, '2024-03-01'],
];
const sqlText = (s: string) => `'${s.replace(/'/g, "''")}'`;

describe('firestat sql --format csv: a file Excel on Chinese Windows opens as it is', () => {
  it('starts with the UTF-8 byte order mark, ends lines in CRLF, and neutralises formulas exactly as the workbooks do', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'in'));
    const wh = join(dir, 'w.duckdb');
    expect(firestat(['ingest', '--inbox', join(dir, 'in'), '--warehouse', wh]).status).toBe(0);
    const query = `SELECT n, v, -n AS minus FROM (VALUES ${planted.map(([n, v]) => `(${n}, ${sqlText(v)})`).join(', ')}) t(n, v) ORDER BY n`;
    const r = spawnSync('node', [bin, 'sql', '--warehouse', wh, '--format', 'csv', query], { env: { ...process.env, TZ: 'Asia/Shanghai' } });
    expect(r.status, r.stderr.toString()).toBe(0);
    const bytes = r.stdout as Buffer;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/); // every line ends in CRLF, none in a bare LF
    const parsed = Papa.parse<string[]>(text.slice(0, -2), { newline: '\r\n' });
    expect(parsed.errors).toEqual([]);
    const [header, ...rows] = parsed.data;
    expect(header).toEqual(['n', 'v', 'minus']);
    expect(rows.length).toBe(planted.length);
    const csvOf = new Map(rows.map((row) => [Number(row[0]), row[1]!]));
    // Numbers are numbers: a negative number is not a formula.
    expect(rows.map((row) => row[2])).toEqual(planted.map(([n]) => String(-n)));
    expect(csvOf.get(1)).toBe(`'＝HYPERLINK("http://example.com/x","点击查看")`);
    expect(csvOf.get(2)).toBe("' =1+1");
    expect(csvOf.get(3)).toBe("'@SUM(A1)");
    expect(csvOf.get(4)).toBe("'-2+3");
    expect(csvOf.get(9)).toBe('龙兴镇');
    expect(csvOf.get(10)).toBe('a=b，含,逗号和"引号"');
    expect(csvOf.get(11)).toBe('2024-03-01');

    // The same values written by the workbooks' own table writer and read back from the .xlsx.
    const wb = newWorkbook('2025-01-20T02:00:00.000Z', '测试', '测试');
    const layout = addTableSheet(wb, {
      name: '测试',
      title: '公式测试',
      subtitle: '统计期间：—',
      columns: [{ header: '序号', format: 'count' }, { header: '内容' }],
      rows: planted.map(([n, v]) => ({ values: [n, v] })),
      freezeColumns: 1,
    });
    const first = layout.firstDataRow;
    const back = new ExcelJS.Workbook();
    await back.xlsx.load((await wb.xlsx.writeBuffer()) as unknown as ArrayBuffer);
    const ws = back.getWorksheet('测试')!;
    planted.forEach(([n], i) => {
      const cell = ws.getCell(first + i, 2);
      expect(Number(ws.getCell(first + i, 1).value)).toBe(n);
      expect(cell.type).toBe(ExcelJS.ValueType.String);
      expect(cell.value, `row ${n}`).toBe(csvOf.get(n));
    });
  });
});

describe('firestat sql --as-of: the 调度 views as of a date, by default Beijing’s today', () => {
  it('lists the hazards open at the date, with days overdue counted to it', () => {
    const dir = tempDir();
    const inbox = join(dir, 'in');
    writeCsv(
      inbox,
      '2024Q1/龙兴镇/L2.csv',
      [
        l2Header,
        ['龙兴镇', '2024-03-01', '某超市', '消防设施', '灭火器过期', '2024-04-30', '', '未整改'],
        ['龙兴镇', '2024-03-05', '某商场', '疏散通道', '通道堵塞', '2024-04-30', '2024-06-01', '已整改'],
      ],
      new Date('2024-04-08T10:00:00+08:00'),
    );
    const wh = join(dir, 'w.duckdb');
    const ingest = firestat(['ingest', '--inbox', inbox, '--warehouse', wh]);
    expect(ingest.stdout).toContain('入库 1');
    const open = (asOf?: string, tz?: string) => {
      const r = firestat(
        [
          'sql',
          '--warehouse',
          wh,
          '--format',
          'json',
          ...(asOf ? ['--as-of', asOf] : []),
          'SELECT inspection_date, days_overdue FROM hazards_open ORDER BY inspection_date',
        ],
        undefined,
        tz,
      );
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { inspection_date: string; days_overdue: number }[];
    };
    expect(open('2024-02-29')).toEqual([]); // neither found yet
    expect(open('2024-03-03')).toEqual([{ inspection_date: '2024-03-01', days_overdue: 0 }]);
    expect(open('2024-05-10')).toEqual([
      { inspection_date: '2024-03-01', days_overdue: 10 },
      { inspection_date: '2024-03-05', days_overdue: 10 }, // rectified later: open on 2024-05-10
    ]);
    expect(open('2024-06-02')).toEqual([{ inspection_date: '2024-03-01', days_overdue: 33 }]);
    // No --as-of: Beijing's today, as `firestat build` picks the pages' date — not the machine's
    // date (here a zone 20 hours behind Beijing, so the two differ most of the day).
    const before = shanghaiDate(new Date());
    const today = open(undefined, 'Etc/GMT+12');
    const after = shanghaiDate(new Date());
    const days = (d: string) => Math.round((Date.parse(`${d}T00:00:00Z`) - Date.parse('2024-04-30T00:00:00Z')) / 86_400_000);
    expect(today.length).toBe(1);
    expect([days(before), days(after)]).toContain(today[0]!.days_overdue);
    // submission_status holds the periods ended before the date.
    const quarters = (asOf: string) =>
      JSON.parse(
        firestat([
          'sql',
          '--warehouse',
          wh,
          '--format',
          'json',
          '--as-of',
          asOf,
          'SELECT DISTINCT quarter FROM submission_status WHERE year = 2024 ORDER BY quarter',
        ]).stdout,
      ) as unknown[];
    expect(quarters('2024-04-05')).toEqual([{ quarter: 1 }]);
    expect(quarters('2024-07-05')).toEqual([{ quarter: 1 }, { quarter: 2 }]);
    // A date that does not exist is refused before any SQL.
    const bad = firestat(['sql', '--warehouse', wh, '--as-of', '2024-02-30', 'SELECT 1']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('应为实际存在的日期');
  });
});
