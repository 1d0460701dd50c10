import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import ExcelJS from 'exceljs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { forms } from '../../domain/forms/index.js';
import { UnitRegistry } from '../../domain/units.js';
import { markedCopyLimits, markedCopyName, noticeSheetName, writeMarkedCopy, type MarkedCopyInput } from '../../pipelines/ingest/marked-copy.js';
import { refusalReportText } from '../../pipelines/ingest/refusal-report.js';
import { HeaderMatcher } from '../../pipelines/normalize/header-matcher.js';
import { technicalNoticeCodes, type Problem } from '../../pipelines/parse/problem.js';
import { SubmissionParser } from '../../pipelines/parse/submission-parser.js';
import { readerFor } from '../../sources/readers/index.js';
import { cellRange, defaultReadLimits, type CellValue, type ReadableFile } from '../../sources/readers/reader.js';
import { l1Header, t1Header, writeCsv } from '../support/csv-submissions.js';
import { fixturesDir, tempDir } from '../support/ingest-helpers.js';

/**
 * The clerk's own workbook, marked up (issue 13): every refusal fixture is read by the real readers
 * and parser, the marked copy is written, then opened with exceljs (and its XML read raw) to find
 * every reported cell red with a note, the 退回说明 sheet listing the same problems in the words of
 * the text report with links to the cells, nothing in it that could run, and the original's bytes
 * unchanged. One copy is rendered by LibreOffice to PDF and PNG.
 */

const registry = UnitRegistry.sample();
const matcher = new HeaderMatcher(forms);
const received = new Date('2024-04-05T02:00:00Z');

function fileAt(root: string, rel: string): ReadableFile {
  const localPath = join(root, rel);
  return { path: rel, bytes: statSync(localPath).size, localPath, open: () => createReadStream(localPath) };
}

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

interface Checked {
  readonly input: MarkedCopyInput;
  readonly errors: readonly Problem[];
}

/** What ingest finds wrong with a file: the reader's refusal, or the parser's problems. */
async function problemsOf(file: ReadableFile): Promise<Checked> {
  const choice = await readerFor(file);
  if ('refusal' in choice) {
    const problems: Problem[] = [{ severity: 'error', code: 'unsupported_format', message: choice.refusal }];
    return { input: { file, problems, omitted: 0 }, errors: problems };
  }
  const parser = new SubmissionParser((await choice.load()).read(file, defaultReadLimits), { registry, matcher, path: file.path });
  for await (const record of parser.records()) void record;
  const r = parser.result;
  const problems = r.problems.items;
  return {
    input: {
      file,
      problems,
      omitted: r.problems.omittedCount,
      ...(r.form ? { formName: `${r.form.code} ${r.form.name}` } : {}),
      ...(r.unit ? { unit: r.unit.name } : {}),
      ...(r.period ? { period: `${r.period.year}年${r.period.fromMonth}-${r.period.toMonth}月` } : {}),
    },
    errors: problems.filter((p) => p.severity === 'error'),
  };
}

/** The sheets as the project's readers read them (row number → cells), or undefined when none opens the file. */
async function readSheets(file: ReadableFile): Promise<Map<string, Map<number, readonly CellValue[]>> | undefined> {
  const choice = await readerFor(file);
  if ('refusal' in choice) return undefined;
  const out = new Map<string, Map<number, readonly CellValue[]>>();
  try {
    for await (const sheet of (await choice.load()).read(file, defaultReadLimits).sheets) {
      const rows = new Map<number, readonly CellValue[]>();
      out.set(sheet.name, rows);
      for await (const row of sheet.rows) rows.set(row.rowNumber, row.cells);
    }
  } catch {
    if (out.size === 0) return undefined;
  }
  return out;
}

function plain(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    const o = v as { richText?: { text: string }[]; text?: unknown; result?: unknown };
    if (Array.isArray(o.richText)) return o.richText.map((r) => r.text).join('');
    if ('text' in o) return plain(o.text);
  }
  return String(v).replace(/\s+/g, ' ').trim();
}

function noteText(cell: ExcelJS.Cell): string {
  const note = cell.note as unknown;
  if (!note) return '';
  if (typeof note === 'string') return note;
  return ((note as { texts?: { text: string }[] }).texts ?? []).map((t) => t.text).join('');
}

/** A 退回说明 row of the problem list. */
interface ListedRow {
  readonly row: number;
  readonly n: string;
  readonly sheet: string;
  readonly place: string;
  readonly field: string;
  readonly problem: string;
  readonly fix: string;
}

interface OpenedCopy {
  readonly wb: ExcelJS.Workbook;
  readonly parts: Record<string, Uint8Array>;
  readonly listed: ListedRow[];
  /** Hyperlinks of the 退回说明 sheet: cell → location. */
  readonly links: Map<string, string>;
  /** The 退回说明 sheet's text, line by line (first column). */
  readonly lines: string[];
}

async function openCopy(path: string): Promise<OpenedCopy> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  const parts = unzipSync(readFileSync(path));
  const ws = wb.worksheets[0]!;
  const listed: ListedRow[] = [];
  const lines: string[] = [];
  let header = 0;
  ws.eachRow({ includeEmpty: false }, (row) => {
    const cells = [1, 2, 3, 4, 5, 6].map((c) => plain(row.getCell(c).value));
    lines.push(cells[0]!);
    if (cells[0] === '序号' && cells[4] === '问题') header = row.number;
    else if (header && (/^\d+$/.test(cells[0]!) || cells[0] === '提示') && cells[1] !== cells[0]) {
      listed.push({ row: row.number, n: cells[0]!, sheet: cells[1]!, place: cells[2]!, field: cells[3]!, problem: cells[4]!, fix: cells[5]! });
    }
  });
  // exceljs drops in-document links on load: read them from the sheet's XML.
  const workbookXml = strFromU8(parts['xl/workbook.xml']!);
  const firstSheet = /<sheet\b[^>]*r:id="([^"]+)"/.exec(workbookXml)![1]!;
  const target = new RegExp(`Id="${firstSheet}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="${firstSheet}"`).exec(
    strFromU8(parts['xl/_rels/workbook.xml.rels']!),
  )!;
  const sheetXml = strFromU8(parts[`xl/${(target[1] ?? target[2])!.replace(/^\/?xl\//, '')}`]!);
  const links = new Map<string, string>();
  for (const m of sheetXml.matchAll(/<hyperlink\b([^>]*)\/>/g)) {
    const ref = /ref="([^"]+)"/.exec(m[1]!)?.[1];
    const location = /location="([^"]+)"/.exec(m[1]!)?.[1];
    if (ref && location)
      links.set(
        ref,
        location
          .replace(/&apos;/g, "'")
          .replace(/&amp;/g, '&')
          .replace(/&quot;/g, '"'),
      );
  }
  return { wb, parts, listed, links, lines };
}

/** The text report's lines: its numbered problems (`1. 工作表“一季度” C6 单元格…`) and its hints (`- …`). */
function reportLines(input: MarkedCopyInput): { numbered: string[]; hints: string[] } {
  const text = refusalReportText({
    submissionId: 1,
    path: input.file.path,
    receivedAt: '2024-04-05 10:00:00',
    problems: input.problems,
    omitted: input.omitted,
    ...(input.formName ? { formName: input.formName } : {}),
  });
  const lines = text.split(/\r?\n/);
  const from = lines.findIndex((l) => l.startsWith('其他提示'));
  const to = lines.findIndex((l) => l.startsWith('技术信息'));
  return {
    numbered: lines.filter((l) => /^\d+\. /.test(l)),
    hints: from < 0 ? [] : lines.slice(from + 1, to < 0 ? undefined : to).filter((l) => l.startsWith('- ')),
  };
}

/** The report's line is the list's 问题, then (when the problem says how) `改正方法：` and the fix. */
function sameWording(reportLine: string, problem: string, fix: string | undefined): void {
  expect(reportLine.startsWith(problem), `${reportLine} / ${problem}`).toBe(true);
  const tail = reportLine.slice(problem.length);
  expect(tail).toBe(fix ? `${/[。！？]$/.test(problem) ? '' : '。'}改正方法：${fix}` : '');
}

const red = 'FFFFC7CE';

function fillOf(cell: ExcelJS.Cell): string | undefined {
  const fill = cell.fill as ExcelJS.FillPattern | undefined;
  return fill?.type === 'pattern' && fill.pattern === 'solid' ? fill.fgColor?.argb : undefined;
}

/**
 * Everything a marked copy must be: listed problems = the file's problems in the report's words,
 * links to the cells, those cells red with a note, the cells' values as the reader read them,
 * nothing that runs or reaches outside, and the original untouched.
 */
async function checkCopy(copy: string, checked: Checked, read: Map<string, Map<number, readonly CellValue[]>>): Promise<OpenedCopy> {
  const { input, errors } = checked;
  expect(basename(copy)).toBe(markedCopyName(input.file.path));
  const opened = await openCopy(copy);
  const { wb, listed, links, parts } = opened;
  expect(wb.worksheets[0]!.name).toBe(noticeSheetName);

  // The same problems, in the same order and words as the text report.
  const numbered = listed.filter((r) => /^\d+$/.test(r.n));
  expect(numbered.map((r) => r.n)).toEqual(errors.map((_, i) => String(i + 1)));
  const report = reportLines(input);
  expect(report.numbered).toHaveLength(errors.length);
  errors.forEach((p, i) => {
    const row = numbered[i]!;
    sameWording(report.numbered[i]!, `${i + 1}. ${row.problem}`, p.fix);
    if (p.fix) expect(row.fix).toBe(p.fix);
    expect(row.problem).toContain(p.message);
    expect(row.sheet).toBe(p.sheet ?? '');
    if (p.cell) expect(row.place).toBe(p.cell);
    else expect(row.place).toMatch(/^[\u4e00-\u9fff]+$/);
  });
  const hints = input.problems.filter((p) => p.severity !== 'error' && !technicalNoticeCodes.has(p.code));
  const hintRows = listed.filter((r) => r.n === '提示');
  expect(hintRows).toHaveLength(hints.length);
  expect(report.hints).toHaveLength(hints.length);
  hints.forEach((p, i) => {
    sameWording(report.hints[i]!, `- ${hintRows[i]!.problem}`, p.fix);
  });
  if (input.omitted > 0) expect(opened.lines.some((l) => l.includes(`另有 ${input.omitted} 处问题`))).toBe(true);

  // Each located error: linked, red, noted, and holding what the reader read there.
  const marked = new Set<string>();
  errors.forEach((p, i) => {
    if (!p.sheet || !p.cell || !read.has(p.sheet)) return;
    const location = links.get(`C${numbered[i]!.row}`);
    expect(location, `link for ${p.sheet}!${p.cell}`).toBeDefined();
    const m = /^'((?:[^']|'')+)'!\$([A-Z]+)\$(\d+)$/.exec(location!);
    expect(m, location).not.toBeNull();
    const ws = wb.getWorksheet(m![1]!.replace(/''/g, "'"));
    expect(ws, `sheet of ${location}`).toBeDefined();
    const cell = ws!.getCell(`${m![2]}${m![3]}`);
    const own = ws!.getCell(p.cell);
    expect(cell.address).toBe(own.master.address);
    expect(fillOf(cell), `${p.sheet}!${p.cell} red`).toBe(red);
    marked.add(`${ws!.name}!${cell.address}`);
    expect(noteText(cell)).toContain(p.message);
    const range = cellRange(p.cell)!;
    const seen = read.get(p.sheet)!.get(range.r1)?.[range.c1 - 1] ?? null;
    expect(plain(own.value), `${p.sheet}!${p.cell} as read`).toBe(plain(seen));
  });
  // Nothing else on the sheets is red.
  const redCells: string[] = [];
  for (const ws of wb.worksheets.slice(1)) {
    ws.eachRow({ includeEmpty: true }, (row) =>
      row.eachCell({ includeEmpty: true }, (c) => void (fillOf(c) === red && redCells.push(`${ws.name}!${c.address}`))),
    );
  }
  expect(new Set(redCells)).toEqual(marked);

  checkSafe(parts);
  return opened;
}

/** No macros, external links, embedded objects or formulas; an .xlsx content type; links stay inside. */
function checkSafe(parts: Record<string, Uint8Array>): void {
  const names = Object.keys(parts);
  expect(names.filter((n) => /vbaProject|externalLink|activeX|embeddings|ctrlProps|connections/i.test(n))).toEqual([]);
  const types = strFromU8(parts['[Content_Types].xml']!);
  expect(types).toContain('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml');
  expect(types).not.toMatch(/macroEnabled|vbaProject/i);
  for (const n of names.filter((x) => /^xl\/worksheets\/[^/]+\.xml$/.test(x))) expect(strFromU8(parts[n]!), n).not.toMatch(/<f[ >]/);
  for (const n of names.filter((x) => x.endsWith('.rels'))) expect(strFromU8(parts[n]!), n).not.toContain('TargetMode="External"');
  expect(strFromU8(parts['xl/workbook.xml']!)).not.toMatch(/\[\d+\]/);
}

/** Problems, copy, checks, for every file under `root`; returns which files got a copy and which none. */
async function markAll(root: string): Promise<{ copied: string[]; none: string[]; loadable: string[] }> {
  const out = tempDir('firestat-marked-');
  const result = { copied: [] as string[], none: [] as string[], loadable: [] as string[] };
  for (const path of walk(root)) {
    const rel = relative(root, path);
    const file = fileAt(root, rel);
    const checked = await problemsOf(file);
    if (checked.errors.length === 0) {
      result.loadable.push(rel);
      continue;
    }
    const before = sha256(path);
    const copy = await writeMarkedCopy(out, checked.input);
    expect(sha256(path), `${rel} unchanged`).toBe(before);
    const read = await readSheets(file);
    if (!read) {
      expect(copy, `${rel}: no reader opens it, no copy`).toBeUndefined();
      expect(existsSync(join(out, markedCopyName(rel)))).toBe(false);
      result.none.push(rel);
      continue;
    }
    expect(copy, `${rel}: a copy`).toBeDefined();
    await checkCopy(copy!, checked, read);
    result.copied.push(rel);
  }
  return result;
}

describe('the marked copy of every refusal fixture', () => {
  it('test/fixtures/bad', async () => {
    const r = await markAll(join(fixturesDir, 'bad'));
    expect(r.copied.sort()).toEqual(['2024Q1/大湾镇2024年一季度统计表.xlsx', '2024Q1/龙兴镇/龙兴镇2024年一季度统计表.xlsx']);
    expect(r.none.sort()).toEqual(['2024Q1/古路镇2024年一季度统计表.xlsx', '2024Q1/石船镇一季度.xls']);
  });

  it('test/fixtures/office/bad', async () => {
    const r = await markAll(join(fixturesDir, 'office', 'bad'));
    expect(r.copied).toHaveLength(3);
    expect(r.none).toEqual([]);
  });

  it('test/fixtures/xls (the refused legacy files open in no reader: no copy)', async () => {
    const r = await markAll(join(fixturesDir, 'xls', '2024Q1'));
    expect(r.none.sort()).toEqual(
      [
        '兴隆镇/兴隆镇2024年一季度统计表.xls',
        '古路镇/古路镇2024年一季度统计表.xls',
        '木耳镇/木耳镇2024年一季度统计表.xls',
        '王家街道/王家街道2024年一季度统计表.xls',
        '茨竹镇/茨竹镇2024年一季度统计表.xls',
        '龙兴镇/龙兴镇2024年一季度统计表.xls',
      ].sort(),
    );
    expect(r.copied).toEqual([]);
    expect(r.loadable.length).toBeGreaterThan(5);
  });

  it('test/fixtures/marked: refused .xls files are rebuilt, several kinds of problem marked at once', async () => {
    const root = join(fixturesDir, 'marked', '2024Q1');
    const r = await markAll(root);
    expect(r.copied.sort()).toEqual(['木耳镇/木耳镇2024年一季度统计表.xls', '统景镇/隐患台账.xls']);

    const file = fileAt(root, '木耳镇/木耳镇2024年一季度统计表.xls');
    const checked = await problemsOf(file);
    expect(checked.errors.map((p) => p.cell).sort()).toEqual(['C5', 'D6', 'E7', 'J6']);
    const copy = (await writeMarkedCopy(tempDir('firestat-marked-'), checked.input))!;
    const { wb, lines } = await openCopy(copy);
    expect(lines.some((l) => l.includes('重新生成'))).toBe(true);
    // Every cell as read, at its address; dates as dates.
    const read = (await readSheets(file))!;
    const ws = wb.getWorksheet('一季度')!;
    for (const [rowNumber, cells] of read.get('一季度')!) {
      cells.forEach((v, i) => {
        expect(plain(ws.getCell(rowNumber, i + 1).value), `row ${rowNumber} col ${i + 1}`).toBe(plain(v));
      });
    }
    expect(ws.getCell('J6').value).toBeInstanceOf(Date);
    expect(ws.getCell('J6').numFmt).toBe('yyyy-mm-dd');
    expect(ws.getCell('E7').value).toBe('十一');
  });
});

describe('CSV refusals are rebuilt', () => {
  it('a GBK CSV: Chinese intact, formula-looking text stored as text', async () => {
    const dir = tempDir('firestat-marked-csv-');
    const rel = '2024Q1/大湾镇/大湾镇2024年一季度统计表.csv';
    const lines = [
      '渝北区大湾镇2024年第一季度消防执法工作统计表,,,,,,,,,,',
      '镇街,统计期间,检查社会单位数(家),发现火灾隐患数（处）,整改火灾隐患数（处）,赋权执法一般程序（起）,赋权执法简易程序（起）,委托执法一般程序（起）,委托执法简易程序（起）,联合执法检查（次）,消防管理岗人员（名）',
      '大湾镇,2024年1月,40,-5,12,1,2,0,0,3,1',
      '大湾镇,2024年2月,41,12,2.5,1,2,0,0,3,1',
      '大湾镇,2024年3月,=1+2,12,10,＋5,2,0,0,@SUM(A1),1',
    ];
    mkdirSync(join(dir, dirname(rel)), { recursive: true });
    writeFileSync(join(dir, rel), iconv.encode(`${lines.join('\r\n')}\r\n`, 'gb18030'));
    const file = fileAt(dir, rel);
    const checked = await problemsOf(file);
    expect(checked.errors.length).toBeGreaterThanOrEqual(3);
    const before = sha256(join(dir, rel));
    const copy = (await writeMarkedCopy(join(dir, 'out'), checked.input))!;
    expect(sha256(join(dir, rel))).toBe(before);
    const { wb, lines: notice } = await checkCopy(copy, checked, (await readSheets(file))!);
    expect(notice.some((l) => l.includes('重新生成'))).toBe(true);
    const ws = wb.worksheets[1]!;
    expect(ws.name).toBe('大湾镇2024年一季度统计表');
    expect(ws.getCell('A1').value).toBe('渝北区大湾镇2024年第一季度消防执法工作统计表');
    for (const [address, text] of [
      ['C5', '=1+2'],
      ['F5', '＋5'],
      ['J5', '@SUM(A1)'],
    ] as const) {
      expect(ws.getCell(address).value, address).toBe(text);
      expect(ws.getCell(address).numFmt, address).toBe('@');
    }
  });

  it('a CSV whose name is no valid sheet name: the sheet is renamed, marks and links follow', async () => {
    const dir = tempDir('firestat-marked-csv-');
    const rel = '2024Q1/古路镇/古路镇2024年第一季度消防执法工作统计表[最终版]（WPS导出）修改后再次确认.csv';
    const rows: (string | number)[][] = [t1Header, ['古路镇', '2024年1月', 10, -1, 1, 0, 0, 0, 0, 1, 1]];
    writeCsv(dir, rel, rows, received);
    const file = fileAt(dir, rel);
    const checked = await problemsOf(file);
    expect(checked.errors.some((p) => p.cell === 'D2' && p.sheet!.length > 31)).toBe(true);
    const copy = (await writeMarkedCopy(join(dir, 'out'), checked.input))!;
    const { wb, listed } = await checkCopy(copy, checked, (await readSheets(file))!);
    const sheet = wb.worksheets[1]!;
    expect(sheet.name.length).toBeLessThanOrEqual(31);
    expect(sheet.name).not.toMatch(/[[\]]/);
    expect(fillOf(sheet.getCell('D2'))).toBe(red);
    // The list names the sheet as the clerk's file does.
    expect(listed[0]!.sheet).toBe(checked.errors[0]!.sheet);
  });

  it('a file the reader gives up on part way: the copy holds what was read and says where it stops', async () => {
    const dir = tempDir('firestat-marked-csv-');
    const rel = '2024Q1/古路镇/古路镇2024年一季度统计表.csv';
    const rows: (string | number)[][] = [
      t1Header,
      ['古路镇', '2024年1月', -4, 1, 1, 0, 0, 0, 0, 1, 1],
      ['古路镇', '2024年2月', 5, 1, 1, 0, 0, 0, 0, 1, 1],
      Array.from({ length: 600 }, () => 1),
    ];
    writeCsv(dir, rel, rows, received);
    const file = fileAt(dir, rel);
    const checked = await problemsOf(file);
    expect(checked.errors.some((p) => p.code.includes('too_many_columns'))).toBe(true);
    const copy = (await writeMarkedCopy(join(dir, 'out'), checked.input))!;
    const { wb, lines } = await openCopy(copy);
    expect(lines.some((l) => l.includes('第 3 行之后无法继续读取'))).toBe(true);
    expect(lines.some((l) => l.includes('请在原来的文件中改正后报送'))).toBe(true);
    const sheet = wb.worksheets[1]!;
    expect(sheet.getCell('B3').value).toBe('2024年2月');
    expect(sheet.getCell('C2').value).toBe('-4');
  });

  it('a ledger CSV written as townships export it (test/support/csv-submissions.ts)', async () => {
    const dir = tempDir('firestat-marked-csv-');
    const rel = '2024Q1/龙兴镇/行政处罚案件台账.csv';
    writeCsv(
      dir,
      rel,
      [
        ['龙兴镇2024年第一季度行政处罚案件台账'],
        l1Header,
        ['YX2024-001', '龙兴镇', '赋权执法', '一般程序', '某某餐馆', '单位', '占用疏散通道', '2024-01-10', '2024-02-01', '罚款', '-500', '是', '否', '是'],
        ['YX2024-002', '龙兴镇', '赋权执法', '简易程序', '', '单位', '消防设施未保持完好有效', '2024-02-11', '2024-02-11', '警告', '0', '是', '否', '是'],
      ],
      received,
    );
    const file = fileAt(dir, rel);
    const checked = await problemsOf(file);
    expect(checked.errors.filter((p) => p.cell).length).toBeGreaterThanOrEqual(1);
    const copy = (await writeMarkedCopy(join(dir, 'out'), checked.input))!;
    await checkCopy(copy, checked, (await readSheets(file))!);
  });

  it('a sheet longer than the bound is cut, and says so; problems below the cut are listed, not marked', async () => {
    const dir = tempDir('firestat-marked-csv-');
    const rel = '2024Q1/古路镇/古路镇2024年一季度统计表.csv';
    const rows: (string | number)[][] = [t1Header];
    for (let m = 1; m <= 30; m++) rows.push(['古路镇', `2024年${((m - 1) % 3) + 1}月`, m === 3 || m === 25 ? -1 : 10, 1, 1, 0, 0, 0, 0, 1, 1]);
    writeCsv(dir, rel, rows, received);
    const file = fileAt(dir, rel);
    const checked = await problemsOf(file);
    const cells = checked.errors.map((p) => p.cell);
    expect(cells).toContain('C4');
    expect(cells).toContain('C26');
    const copy = (await writeMarkedCopy(join(dir, 'out'), checked.input, { ...markedCopyLimits, maxRowsPerSheet: 20 }))!;
    const { wb, lines, links, listed } = await openCopy(copy);
    expect(lines.some((l) => l.includes('共有 31 行，本副本只写入了前 20 行'))).toBe(true);
    const ws = wb.worksheets[1]!;
    expect(fillOf(ws.getCell('C4'))).toBe(red);
    expect(ws.getCell('C26').value).toBeNull();
    expect(fillOf(ws.getCell('C26'))).toBeUndefined();
    const below = listed.find((r) => r.place === 'C26')!;
    expect(below).toBeDefined();
    expect(links.has(`C${below.row}`)).toBe(false);
    expect(links.has(`C${listed.find((r) => r.place === 'C4')!.row}`)).toBe(true);
    // The bound on all filled cells cuts the same way: 110 cells are the header and 9 rows of 11.
    const byCells = await openCopy((await writeMarkedCopy(join(dir, 'out-cells'), checked.input, { ...markedCopyLimits, maxCells: 110 }))!);
    expect(byCells.lines.some((l) => l.includes('共有 31 行，本副本只写入了前 10 行'))).toBe(true);
    expect(byCells.wb.worksheets[1]!.getCell('A11').value).toBeNull();
  });
});

/** The bad T1 of test/fixtures/bad, as a workbook to change. */
async function badT1(): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(join(fixturesDir, 'bad', '2024Q1', '龙兴镇', '龙兴镇2024年一季度统计表.xlsx'));
  return wb;
}

describe('xlsx refusals keep their layout', () => {
  it('values, merges, widths and the header stay; only the problem cells are marked', async () => {
    const root = join(fixturesDir, 'bad');
    const rel = '2024Q1/龙兴镇/龙兴镇2024年一季度统计表.xlsx';
    const file = fileAt(root, rel);
    const checked = await problemsOf(file);
    const copy = (await writeMarkedCopy(tempDir('firestat-marked-'), checked.input))!;
    const { wb, lines } = await checkCopy(copy, checked, (await readSheets(file))!);
    expect(lines.some((l) => l.includes('重新生成'))).toBe(false);
    const original = await badT1();
    const a = original.getWorksheet('一季度')!;
    const b = wb.getWorksheet('一季度')!;
    expect(wb.worksheets.map((w) => w.name)).toEqual([noticeSheetName, ...original.worksheets.map((w) => w.name)]);
    expect(Object.keys((b as unknown as { _merges: object })._merges).sort()).toEqual(Object.keys((a as unknown as { _merges: object })._merges).sort());
    a.eachRow({ includeEmpty: true }, (row) =>
      row.eachCell({ includeEmpty: true }, (c) => expect(plain(b.getCell(c.address).value), c.address).toBe(plain(c.value))),
    );
    for (let col = 1; col <= 11; col++) expect(b.getColumn(col).width).toBe(a.getColumn(col).width);
    expect(noteText(b.getCell('C6'))).toMatch(/^【需改正】C6/);
    expect(noteText(b.getCell('J8'))).toContain('“-2”');
  });

  it('a contradicting title cell is marked like any other', async () => {
    const root = join(fixturesDir, 'bad');
    const file = fileAt(root, '2024Q1/大湾镇2024年一季度统计表.xlsx');
    const checked = await problemsOf(file);
    const conflict = checked.errors.find((p) => p.code === 'unit_conflict')!;
    expect(conflict.cell).toBe('A1');
    const copy = (await writeMarkedCopy(tempDir('firestat-marked-'), checked.input))!;
    const { wb } = await checkCopy(copy, checked, (await readSheets(file))!);
    expect(fillOf(wb.getWorksheet('一季度')!.getCell('A1'))).toBe(red);
  });

  it('an .xlsm keeps no macro, no formula, no external link, no conditional format', async () => {
    const wb = await badT1();
    const ws = wb.getWorksheet('一季度')!;
    ws.getCell('C9').value = { formula: 'SUM(C5:C8)', result: 1063 } as ExcelJS.CellFormulaValue;
    ws.getCell('D9').value = { formula: 'SUM(D5:D8)' } as ExcelJS.CellFormulaValue; // no saved result: firestat's evaluator computes it
    ws.getCell('A12').value = { text: '填报说明', hyperlink: 'http://example.invalid/evil' };
    ws.addConditionalFormatting({
      ref: 'A5:K9',
      rules: [{ type: 'expression', priority: 1, formulae: ['TRUE'], style: { fill: { type: 'pattern', pattern: 'solid', bgColor: { argb: 'FFFFFFFF' } } } }],
    });
    const parts = unzipSync(new Uint8Array(await wb.xlsx.writeBuffer()));
    parts['xl/vbaProject.bin'] = strToU8('Attribute VB_Name = "ThisWorkbook"\nSub Workbook_Open(): Shell "calc": End Sub');
    parts['[Content_Types].xml'] = strToU8(
      strFromU8(parts['[Content_Types].xml']!)
        .replace('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml', 'application/vnd.ms-excel.sheet.macroEnabled.main+xml')
        .replace('</Types>', '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'),
    );
    parts['xl/_rels/workbook.xml.rels'] = strToU8(
      strFromU8(parts['xl/_rels/workbook.xml.rels']!).replace(
        '</Relationships>',
        '<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>',
      ),
    );
    const dir = tempDir('firestat-marked-xlsm-');
    const rel = '2024Q1/龙兴镇/龙兴镇2024年一季度统计表.xlsm';
    mkdirSync(join(dir, dirname(rel)), { recursive: true });
    writeFileSync(join(dir, rel), zipSync(parts));
    const file = fileAt(dir, rel);
    const checked = await problemsOf(file);
    expect(checked.errors.length).toBeGreaterThan(0);
    const copy = (await writeMarkedCopy(join(dir, 'out'), checked.input))!;
    expect(basename(copy)).toBe('退回-龙兴镇2024年一季度统计表.xlsx');
    const read = (await readSheets(file))!;
    const { wb: marked, parts: out, lines } = await checkCopy(copy, checked, read);
    expect(lines.some((l) => l.includes('重新生成'))).toBe(false);
    const sheet = marked.getWorksheet('一季度')!;
    expect(sheet.getCell('C9').value).toBe(1063);
    // The value ingest saw (SUM skips the text '１２'), as a plain number.
    const evaluated = read.get('一季度')!.get(9)![3];
    expect(typeof evaluated).toBe('number');
    expect(sheet.getCell('D9').value).toBe(evaluated);
    expect(sheet.getCell('A12').value).toBe('填报说明');
    const sheetXml = Object.entries(out)
      .filter(([n]) => /^xl\/worksheets\/[^/]+\.xml$/.test(n))
      .map(([, b]) => strFromU8(b))
      .join('');
    expect(sheetXml).not.toContain('conditionalFormatting');
    expect(sheetXml).not.toContain('example.invalid');
  });

  it('shared formulas without saved results become the values firestat computed', async () => {
    const root = join(fixturesDir, 'formulas');
    const rel = '2024Q1/龙兴镇/龙兴镇2024年一季度统计表（共享公式）.xlsx';
    const file = fileAt(root, rel);
    const raw = strFromU8(unzipSync(readFileSync(join(root, rel)))['xl/worksheets/sheet1.xml']!);
    expect(raw).toMatch(/<f t="shared"[^>]*\/><v><\/v>/);
    const base = await problemsOf(file);
    const problems: Problem[] = [
      ...base.input.problems,
      { severity: 'error', code: 'total_mismatch', sheet: '一季度', cell: 'D9', message: 'D9 单元格的合计与各月之和不符' },
    ];
    const checked: Checked = { input: { ...base.input, problems }, errors: problems.filter((p) => p.severity === 'error') };
    const read = (await readSheets(file))!;
    const copy = (await writeMarkedCopy(tempDir('firestat-marked-'), checked.input))!;
    const { wb, lines } = await checkCopy(copy, checked, read);
    expect(lines.some((l) => l.includes('重新生成'))).toBe(false);
    const sheet = wb.getWorksheet('一季度')!;
    read
      .get('一季度')!
      .get(9)!
      .forEach((v, i) => {
        if (i >= 2 && i <= 9) {
          expect(typeof v).toBe('number');
          expect(sheet.getCell(9, i + 1).value).toBe(v);
        }
      });
  });

  it('a package exceljs reads wrongly is rebuilt from what the reader read', async () => {
    // The workbook part under another name, found through _rels/.rels as OPC allows: the project's
    // reader follows the relationship, exceljs looks for xl/workbook.xml only.
    const parts = unzipSync(readFileSync(join(fixturesDir, 'bad', '2024Q1', '龙兴镇', '龙兴镇2024年一季度统计表.xlsx')));
    parts['xl/book.xml'] = parts['xl/workbook.xml']!;
    delete parts['xl/workbook.xml'];
    parts['xl/_rels/book.xml.rels'] = parts['xl/_rels/workbook.xml.rels']!;
    delete parts['xl/_rels/workbook.xml.rels'];
    parts['_rels/.rels'] = strToU8(strFromU8(parts['_rels/.rels']!).replace('xl/workbook.xml', 'xl/book.xml'));
    parts['[Content_Types].xml'] = strToU8(strFromU8(parts['[Content_Types].xml']!).replace('/xl/workbook.xml', '/xl/book.xml'));
    const dir = tempDir('firestat-marked-odd-');
    const rel = '2024Q1/龙兴镇/龙兴镇2024年一季度统计表.xlsx';
    mkdirSync(join(dir, dirname(rel)), { recursive: true });
    writeFileSync(join(dir, rel), zipSync(parts));
    const file = fileAt(dir, rel);
    const checked = await problemsOf(file);
    expect(checked.errors.map((p) => p.cell).sort()).toEqual(['C6', 'J8']);
    const copy = (await writeMarkedCopy(join(dir, 'out'), checked.input))!;
    const { lines } = await checkCopy(copy, checked, (await readSheets(file))!);
    expect(lines.some((l) => l.includes('重新生成'))).toBe(true);
  });

  it('a workbook longer than the bound is rebuilt, not loaded whole', async () => {
    const root = join(fixturesDir, 'bad');
    const file = fileAt(root, '2024Q1/龙兴镇/龙兴镇2024年一季度统计表.xlsx');
    const checked = await problemsOf(file);
    const copy = (await writeMarkedCopy(tempDir('firestat-marked-'), checked.input, { ...markedCopyLimits, maxRowsPerSheet: 10 }))!;
    const { lines } = await checkCopy(copy, checked, (await readSheets(file))!);
    expect(lines.some((l) => l.includes('重新生成'))).toBe(true);
  });

  it('a marked copy sent back: the old marks and the old 退回说明 go, the cells still wrong are marked again', async () => {
    const first = (await writeMarkedCopy(
      tempDir('firestat-marked-'),
      (
        await problemsOf(fileAt(join(fixturesDir, 'bad'), '2024Q1/龙兴镇/龙兴镇2024年一季度统计表.xlsx'))
      ).input,
    ))!;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(first);
    wb.getWorksheet('一季度')!.getCell('C6').value = 31; // the clerk fixed C6 in the copy, not J8
    const dir = tempDir('firestat-marked-again-');
    const rel = '2024Q1/龙兴镇/龙兴镇2024年一季度统计表.xlsx';
    mkdirSync(join(dir, dirname(rel)), { recursive: true });
    await wb.xlsx.writeFile(join(dir, rel));
    const file = fileAt(dir, rel);
    const checked = await problemsOf(file);
    expect(checked.errors.map((p) => p.cell)).toEqual(['J8']);
    const copy = (await writeMarkedCopy(join(dir, 'out'), checked.input))!;
    const { wb: again } = await checkCopy(copy, checked, (await readSheets(file))!);
    expect(again.worksheets.filter((w) => w.name.startsWith(noticeSheetName))).toHaveLength(1);
    const c6 = again.getWorksheet('一季度')!.getCell('C6');
    expect(fillOf(c6)).toBeUndefined();
    expect(noteText(c6)).toBe('');
  });
});

describe('problems outside the cells', () => {
  it('a file-name contradiction, a sheet-name contradiction, several problems on one cell, and the cap', async () => {
    const root = join(fixturesDir, 'bad');
    const file = fileAt(root, '2024Q1/龙兴镇/龙兴镇2024年一季度统计表.xlsx');
    const base = await problemsOf(file);
    const problems: Problem[] = [
      ...base.input.problems,
      {
        severity: 'error',
        code: 'unit_conflict',
        source: 'file_name',
        message: '报送单位前后不一致：文件名写的是“大湾镇”，表内写的是“龙兴镇”。请核对后只保留正确的单位',
        fix: '把文件名改为“龙兴镇2024年一季度统计表.xlsx”',
      },
      { severity: 'error', code: 'period_conflict', source: 'sheet_name', sheet: '一季度', message: '工作表名“一季度”与标题写的期间不一致' },
      { severity: 'error', code: 'total_mismatch', sheet: '一季度', cell: 'J8', message: 'J8 与合计行不符', detail: 'sum(J5:J8)=9, J9=11' },
    ];
    const checked: Checked = { input: { ...base.input, problems, omitted: 7 }, errors: problems.filter((p) => p.severity === 'error') };
    const copy = (await writeMarkedCopy(tempDir('firestat-marked-'), checked.input))!;
    const { wb, listed, lines } = await checkCopy(copy, checked, (await readSheets(file))!);
    expect(listed.find((r) => r.problem.includes('文件名写的是'))).toMatchObject({ place: '文件名', fix: '把文件名改为“龙兴镇2024年一季度统计表.xlsx”' });
    expect(listed.find((r) => r.problem.includes('工作表名'))).toMatchObject({ place: '工作表名' });
    const sheet = wb.getWorksheet('一季度')!;
    expect(sheet.properties.tabColor?.argb).toBe('FFFF0000');
    const j8 = noteText(sheet.getCell('J8'));
    expect(j8).toContain('1. J8 单元格');
    expect(j8).toContain('2. J8 与合计行不符');
    expect(lines.some((l) => l.includes('技术信息'))).toBe(true);
    expect(lines.some((l) => l.includes('sum(J5:J8)=9, J9=11'))).toBe(true);
  });
});

describe('names', () => {
  it('keeps the original name without its extension', () => {
    expect(markedCopyName('2024Q1/石船镇/隐患台账.et')).toBe('退回-隐患台账.xlsx');
    expect(markedCopyName('2024Q1/龙兴镇/龙兴镇2024年一季度统计表.xlsx')).toBe('退回-龙兴镇2024年一季度统计表.xlsx');
    expect(markedCopyName('a/统计表?:*.csv')).toBe('退回-统计表___.xlsx');
  });
});

describe('LibreOffice opens a marked copy', () => {
  it('renders it to PDF and PNG, and follows its links', async () => {
    const dir = tempDir('firestat-marked-lo-');
    const root = join(fixturesDir, 'marked', '2024Q1');
    const checked = await problemsOf(fileAt(root, '木耳镇/木耳镇2024年一季度统计表.xls'));
    const copy = (await writeMarkedCopy(dir, checked.input))!;
    const profile = join(dir, 'lo-profile');
    try {
      for (const format of ['pdf', 'ods']) {
        execFileSync('soffice', [`-env:UserInstallation=file://${profile}`, '--headless', '--norestore', '--convert-to', format, '--outdir', dir, copy], {
          stdio: 'pipe',
          timeout: 180_000,
        });
      }
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
    // LibreOffice turned every link into its own in-document form ('一季度'.$C$5): it knows where each leads.
    const content = strFromU8(unzipSync(readFileSync(copy.replace(/\.xlsx$/, '.ods')))['content.xml']!).replace(/&apos;/g, "'");
    const hrefs = [...content.matchAll(/xlink:href="([^"]*)"/g)].map((m) => m[1]);
    expect(hrefs.sort()).toEqual(checked.errors.map((p) => `#'${p.sheet}'.$${p.cell!.replace(/\d+/, '')}$${p.cell!.replace(/[A-Z]+/, '')}`).sort());
    const pdf = copy.replace(/\.xlsx$/, '.pdf');
    expect(existsSync(pdf), 'LibreOffice wrote a PDF').toBe(true);
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    expect(text).toContain('报送文件退回说明');
    expect(text).toContain('木耳镇');
    for (const p of checked.errors) expect(text.replace(/\s+/g, '')).toContain(p.cell!);
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '2', pdf, join(dir, 'page')]);
    const pngs = readdirSync(dir).filter((n) => n.endsWith('.png'));
    expect(pngs.length).toBe(2);
    for (const png of pngs) expect(statSync(join(dir, png)).size).toBeGreaterThan(2000);
    if (process.env.MARKED_COPY_PNG_DIR) for (const png of pngs) writeFileSync(join(process.env.MARKED_COPY_PNG_DIR, png), readFileSync(join(dir, png)));
  });
});
