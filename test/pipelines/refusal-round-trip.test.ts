import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forms } from '../../domain/forms/index.js';
import { UnitRegistry } from '../../domain/units.js';
import { HeaderMatcher } from '../../pipelines/normalize/header-matcher.js';
import type { Problem } from '../../pipelines/parse/problem.js';
import { SubmissionParser } from '../../pipelines/parse/submission-parser.js';
import { nightlyRun, type NightlyRunResult } from '../../pipelines/run/nightly-run.js';
import { FolderInbox } from '../../sources/inbox/folder-inbox.js';
import { readerFor } from '../../sources/readers/index.js';
import { defaultReadLimits } from '../../sources/readers/reader.js';
import { queryRows } from '../../warehouse/query.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { t1Header, writeCsv } from '../support/csv-submissions.js';
import { deliverFile, fixturesDir, tempDir } from '../support/ingest-helpers.js';
import { filesUnder } from '../support/files.js';

/**
 * Issue 13, one round trip: a refused file's report lists every problem in it, with its cell, in
 * plain Chinese (technical words last, under 技术信息); the report is a Notepad-ready text named by
 * unit and period in the refused file's own folder; the unit's 催报通知 lists it with the date to
 * send again by.
 */

const fixture = 'refusal/2024Q2/龙兴镇2024年第二季度统计（李明）.xlsx';
const inboxPath = '2024Q2/龙兴镇2024年第二季度统计（李明）.xlsx';
const at = (iso: string) => new Date(`${iso}T10:00:00+08:00`);

interface Night {
  readonly result: NightlyRunResult;
  readonly log: string[];
}

async function night(dir: string, day: string, extra: { dueDays?: Record<string, number> } = {}): Promise<Night> {
  const log: string[] = [];
  const result = await nightlyRun({
    warehousePath: join(dir, 'warehouse.duckdb'),
    source: new FolderInbox(join(dir, 'inbox')),
    registry: UnitRegistry.sample(),
    reportsDir: join(dir, 'reports'),
    clock: () => at(day),
    log: (event, fields) => log.push(`${event} ${JSON.stringify(fields ?? {})}`),
    ...(extra.dueDays ? { dueDays: extra.dueDays } : {}),
  });
  return { result, log };
}

async function rows(dir: string, sql: string): Promise<Record<string, unknown>[]> {
  const w = await Warehouse.open({ path: join(dir, 'warehouse.duckdb'), readOnly: true });
  try {
    return (await queryRows(w, sql)).rows;
  } finally {
    await w.close();
  }
}

/** What the parser alone says about a file (the browser self-check runs the same). */
async function parse(path: string, inboxRel: string): Promise<Problem[]> {
  const bytes = readFileSync(path);
  const file = { path: inboxRel, bytes: bytes.length, localPath: path, open: () => createReadStream(path) };
  const reader = await readerFor(file, bytes.subarray(0, 4096));
  if ('refusal' in reader) throw new Error(reader.refusal);
  const parser = new SubmissionParser((await reader.load()).read(file, defaultReadLimits), {
    registry: UnitRegistry.sample(),
    matcher: new HeaderMatcher(forms),
    path: inboxRel,
  });
  for await (const record of parser.records()) void record;
  return parser.result.problems.items;
}

/** A Notepad-ready text: UTF-8 with a byte order mark, every line ended by CRLF. */
function expectNotepadText(path: string): string {
  const bytes = readFileSync(path);
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const text = bytes.subarray(3).toString('utf8');
  expect(text).toContain('\r\n');
  expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  return text.replace(/\r\n/g, '\n');
}

describe('a file with problems of several kinds is refused once, listing every one', () => {
  it('parser: every cell of every row and sheet, the contradiction said once with its title cell and the file name marked', async () => {
    const problems = await parse(join(fixturesDir, fixture), inboxPath);
    const errors = problems.filter((p) => p.severity === 'error');
    expect(errors.map((p) => [p.code, p.sheet, p.cell ?? null])).toEqual([
      ['unit_conflict', '统计表', 'A1'],
      // One row, three problems of two stages (the numeral cannot be read; the others break the form's rules), left to right.
      ['invalid_value', '统计表', 'C4'],
      ['invalid_value', '统计表', 'D4'],
      ['invalid_value', '统计表', 'E4'],
      ['mixed_forms', '隐患台账', null],
      // The second sheet is of another form: still checked cell by cell.
      ['required', '隐患台账', 'D5'],
    ]);
    const [conflict, negative, decimal, numeral, , missing] = errors;
    expect(conflict).toMatchObject({ source: 'file_name', message: expect.stringContaining('文件名写的是“龙兴镇”，A1 单元格写的是“大湾镇”') });
    expect(negative).toMatchObject({ field: 'units_inspected', found: '“-3”', fix: expect.stringContaining('不能填负数') });
    expect(decimal).toMatchObject({ field: 'hazards_found', found: '“2.5”', fix: expect.stringContaining('整数') });
    expect(numeral).toMatchObject({ field: 'hazards_rectified', found: '“十二”', fix: '请改用阿拉伯数字填写，即 12' });
    expect(missing).toMatchObject({ field: 'inspected_entity', message: 'D5 单元格“被检查单位”为必填项，不能为空' });
    // Nothing said as a consequence of the contradiction: no row is "of no known unit".
    expect(problems.map((p) => p.code)).not.toContain('unit_unknown');
    // Every problem about a cell names it; no sentence has an empty address (` 单元格` with nothing before it).
    for (const p of errors) expect(p.message).not.toMatch(/(?<![A-Z]{1,3}[0-9]{1,7} )单元格/);
  });

  it("ingest and nightly run: one refusal, a Notepad report named by unit and period, the marked copy beside it, the unit's 催报通知 with the deadline", async () => {
    const dir = tempDir();
    deliverFile(join(fixturesDir, fixture), join(dir, 'inbox'), inboxPath, at('2024-07-05'));
    const { result, log } = await night(dir, '2024-07-08');
    expect(result.ingest?.counts).toMatchObject({ files_seen: 1, files_refused: 1, files_loaded: 0 });
    const outcome = result.ingest!.outcomes[0]!;
    expect(outcome).toMatchObject({ status: 'rejected', unit: '龙兴镇', form: 'T1', period: '2024年第二季度' });

    // The report: its own folder (the submission number first), its name shows the extension.
    const reportPath = outcome.reportPath!;
    expect(basename(reportPath)).toBe('退回说明-龙兴镇-2024年第二季度.txt');
    expect(basename(dirname(reportPath))).toBe(`${String(outcome.submissionId).padStart(6, '0')}-龙兴镇-2024年第二季度`);
    expect(await rows(dir, 'SELECT report_path, status FROM submissions')).toEqual([{ report_path: reportPath, status: 'rejected' }]);
    const report = expectNotepadText(reportPath);
    expect(report).toContain('请改正以下 6 处问题后重新报送');
    const listed = report.split('\n').filter((l) => /^\d+\. /.test(l));
    expect(listed).toEqual([
      '1. 工作表“统计表”：报送单位前后不一致：文件名写的是“龙兴镇”，A1 单元格写的是“大湾镇”。请核对后只保留正确的单位',
      expect.stringMatching(/^2\. 工作表“统计表” C4 单元格“检查社会单位数”填的是 “-3”，应填写不小于 0 的整数（单位：家），没有请填 0。改正方法：不能填负数/),
      expect.stringMatching(/^3\. 工作表“统计表” D4 单元格“发现火灾隐患数”填的是 “2\.5”，应填写不小于 0 的整数（单位：处），没有请填 0。改正方法：.*整数/),
      '4. 工作表“统计表” E4 单元格“整改火灾隐患数”填的是 “十二”，应填写不小于 0 的整数（单位：处），没有请填 0。改正方法：请改用阿拉伯数字填写，即 12',
      '5. 一个文件只能报送一种报表：工作表“统计表”是“镇街消防执法工作统计表”，工作表“隐患台账”是“火灾隐患整改台账”。请分成两个文件报送',
      '6. 工作表“隐患台账” D5 单元格“被检查单位”为必填项，不能为空',
    ]);
    // The marked-up copy sits beside the report, and the report says so.
    expect(outcome.markedCopyPath).toBe(join(dirname(reportPath), '退回-龙兴镇2024年第二季度统计（李明）.xlsx'));
    expect(existsSync(outcome.markedCopyPath!)).toBe(true);
    expect(report).toContain('“退回-龙兴镇2024年第二季度统计（李明）.xlsx”');
    // The original is never changed.
    expect(readFileSync(join(dir, 'inbox', inboxPath))).toEqual(readFileSync(join(fixturesDir, fixture)));

    // The 催报通知 of 龙兴镇, dated the run's day, lists the refusal with the T1 deadline (end of Q2 + 10 days).
    const mine = result.notices?.notices.find((n) => n.unit === '龙兴镇');
    expect([basename(mine!.path), mine!.refused]).toEqual(['催报通知-龙兴镇-2024-07-08.txt', 1]);
    const notice = expectNotepadText(mine!.path);
    expect(notice.split('\n')[0]).toBe('龙兴镇：');
    expect(notice).toContain('T1 镇街消防执法工作统计表，2024年第二季度');
    expect(notice).toContain('报送单位前后不一致');
    expect(notice).toContain('另有 5 处问题');
    expect(notice).toContain('请于 2024年7月10日前重新报送');
    // The clerk signed the file name: her name is not in a text meant for a group chat.
    expect(notice).not.toContain('李明');
    expect(notice).toContain('统计（李*）.xlsx');
    expect(log.some((l) => l.startsWith('notices-written ') && l.includes(join('催报通知', '2024-07-08')))).toBe(true);
  });

  it('reads the deadline from the 调度 (configured due days), and says when it has passed', async () => {
    const dir = tempDir();
    deliverFile(join(fixturesDir, fixture), join(dir, 'inbox'), inboxPath, at('2024-07-05'));
    const early = await night(dir, '2024-07-08', { dueDays: { T1: 15 } });
    const longxing = (r: NightlyRunResult) => r.notices!.notices.find((n) => n.unit === '龙兴镇')!.path;
    expect(readFileSync(longxing(early.result), 'utf8')).toContain('请于 2024年7月15日前重新报送');
    expect(
      await rows(
        dir,
        `SET VARIABLE as_of = DATE '2024-07-20'; SELECT strftime(due_date, '%Y-%m-%d') AS due FROM submission_status WHERE unit = '龙兴镇' AND form = 'T1' AND year = 2024 AND quarter = 2`,
      ),
    ).toEqual([{ due: '2024-07-15' }]);

    // Sent again, still wrong, after the deadline: a second refusal, in a folder of its own.
    deliverFile(join(fixturesDir, fixture), join(dir, 'inbox'), '2024Q2/龙兴镇2024年第二季度统计（更正）.xlsx', at('2024-07-20'));
    const late = await night(dir, '2024-07-20', { dueDays: { T1: 15 } });
    expect(late.result.ingest?.counts).toMatchObject({ files_refused: 1 });
    const notice = readFileSync(longxing(late.result), 'utf8');
    expect(notice).toContain('报送截止日期 2024年7月15日已过（已逾期 5 天），请尽快重新报送');
    const reports = filesUnder(join(dir, 'reports')).filter((p) => p.endsWith('.txt') && basename(p).startsWith('退回说明'));
    expect(reports.map((p) => basename(dirname(p))).sort()).toEqual(['000001-龙兴镇-2024年第二季度', '000002-龙兴镇-2024年第二季度']);
    expect(reports.map((p) => basename(p))).toEqual(['退回说明-龙兴镇-2024年第二季度.txt', '退回说明-龙兴镇-2024年第二季度.txt']);
    // Two nights' notices, each in its date's folder.
    expect(early.result.notices!.dir).not.toBe(late.result.notices!.dir);
    expect(existsSync(longxing(early.result))).toBe(true);
  });

  it('a damaged file: the clerk reads plain Chinese; the library English is last, under 技术信息', async () => {
    const dir = tempDir();
    deliverFile(join(fixturesDir, 'bad/2024Q1/古路镇2024年一季度统计表.xlsx'), join(dir, 'inbox'), '2024Q1/古路镇2024年一季度统计表.xlsx', at('2024-04-05'));
    const { result } = await night(dir, '2024-04-08');
    const outcome = result.ingest!.outcomes[0]!;
    expect(basename(outcome.reportPath!)).toBe('退回说明-古路镇-2024年第一季度.txt');
    const report = expectNotepadText(outcome.reportPath!);
    const [clerk, technical] = report.split('技术信息');
    expect(clerk).toContain('1. 文件不完整或已损坏：找不到压缩包目录');
    expect(clerk).not.toMatch(/central directory|signature|truncated/i);
    expect(technical).toContain('End of central directory record signature not found');
    expect(outcome.reason).not.toContain('End of central directory');
    // Nothing in a sheet to mark: no copy, and the report does not promise one.
    expect(outcome.markedCopyPath).toBeUndefined();
    expect(report).not.toContain('退回-');
    expect(readFileSync(result.notices!.notices.find((n) => n.unit === '古路镇')!.path, 'utf8')).toContain('原因：文件不完整或已损坏');
  });

  it('a contradiction in the title: the rows are still read, the contradiction is said once, no row is "unknown"', async () => {
    const dir = tempDir();
    // A T1 without a 镇街 column; the folder says 龙兴镇, the title 大湾镇. Two rows with errors, one clean.
    const header = t1Header.slice(1);
    writeCsv(
      join(dir, 'inbox'),
      '2024Q1/龙兴镇/统计表.csv',
      [
        ['大湾镇2024年第一季度消防执法工作统计表'],
        header,
        ['1月', 40, 12, 10, 1, 2, 0, 0, 2, 2],
        ['2月', 'abc', 11, 11, 0, 1, 1, 0, 1, 2],
        ['3月', 42, 13, 12, 0, 2, 0, 1, -1, 2],
      ],
      at('2024-04-05'),
    );
    const { result } = await night(dir, '2024-04-08');
    expect(result.ingest?.counts).toMatchObject({ files_refused: 1 });
    const problems = await rows(dir, `SELECT code, cell FROM submission_problems WHERE severity = 'error' ORDER BY seq`);
    expect(problems).toEqual([
      { code: 'unit_conflict', cell: 'A1' },
      { code: 'invalid_value', cell: 'B4' },
      { code: 'invalid_value', cell: 'I5' },
    ]);
    // Filed under what its path says, so the 调度 shows 退回 for 龙兴镇.
    expect(await rows(dir, 'SELECT unit, year, quarter FROM submissions')).toEqual([{ unit: '龙兴镇', year: 2024, quarter: 1 }]);
  });

  it('a repeated column and a bad cell in one file: both said; no unit anywhere: the parser itself says so', async () => {
    const dir = tempDir();
    const header = [...t1Header, '检查社会单位数'];
    writeCsv(dir, '2024Q1/龙兴镇/统计表.csv', [header, ['龙兴镇', '2024年第一季度', 'abc', 2, 1, 0, 0, 0, 0, 0, 1, 5]], at('2024-04-05'));
    const twice = await parse(join(dir, '2024Q1/龙兴镇/统计表.csv'), '2024Q1/龙兴镇/统计表.csv');
    expect(twice.filter((p) => p.severity === 'error').map((p) => [p.code, p.cell])).toEqual([
      ['duplicate_column', 'L1'],
      ['invalid_value', 'C2'],
    ]);
    // An empty ledger (a real answer) from nowhere in particular: refused by the parser's own finish(), not by ingest.
    writeCsv(
      dir,
      '待分类/台账.csv',
      [['镇街/单位', '检查日期', '被检查单位', '隐患类别', '隐患描述', '整改期限', '整改完成日期', '整改状态']],
      at('2024-04-05'),
    );
    const nowhere = await parse(join(dir, '待分类/台账.csv'), '待分类/台账.csv');
    expect(nowhere.filter((p) => p.severity === 'error').map((p) => [p.code, p.message])).toEqual([
      ['incomplete', '无法确定报送单位：请在标题、文件名或单位列中写明'],
      ['incomplete', '无法确定统计期间：请在标题或文件名中写明，如“2024年第一季度”'],
    ]);
  });

  it('the cap: a sheet full of one mistake lists the first 500 and counts the rest', async () => {
    const dir = tempDir();
    const lines: (string | number)[][] = [['龙兴镇2024年第一季度消防执法工作统计表'], t1Header];
    for (let m = 0; m < 300; m++) lines.push(['龙兴镇', '2024年第一季度', 'x', 'y', 1, 0, 0, 0, 0, 0, 1]);
    writeCsv(join(dir, 'inbox'), '2024Q1/龙兴镇/统计表.csv', lines, at('2024-04-05'));
    const { result } = await night(dir, '2024-04-08');
    const report = readFileSync(result.ingest!.outcomes[0]!.reportPath!, 'utf8');
    // 600 bad cells, 299 repeated periods: 500 listed, the rest counted.
    expect(report.split('\r\n').filter((l) => /^\d+\. /.test(l))).toHaveLength(500);
    expect(report).toContain('请改正以下 899 处问题后重新报送');
    expect(report).toContain('……另有 399 处问题未列出');
  });
});
