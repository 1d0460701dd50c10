import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bureauMonthlyForm, caseReviewsForm, comparable, townshipStatsForm } from '../../domain/forms/index.js';
import type { QuarterDocument } from '../../dashboards/data/documents.js';
import { displayWidth } from '../../domain/cell-text.js';
import { demoYear, type BuiltYear } from '../support/demo-year.js';
import { tempDir } from '../support/ingest-helpers.js';
import { decodeEntities, Office } from './office-convert.js';

/**
 * The published workbooks as a bureau prints them: every workbook of the demo year converts to PDF
 * with LibreOffice; the first pages of the 汇总表, 调度表 and 通报 are rendered to PNG under
 * `test/screenshots/workbooks/` to be looked at; and what can be checked in code is: titles fit
 * their merged cells, headers break only between words and their columns are wide enough that no
 * spreadsheet breaks them again, the 局本级 row shows "—" under township-only columns, 全区合计
 * never adds 家 to 份, units are the declared ones (as on the pages), a table with the 局本级 row is
 * not titled 镇街…, and the file list sits on its own sheet.
 */

const screenshots = new URL('../screenshots/workbooks/', import.meta.url).pathname;

let built: BuiltYear;
let scratch: string;
let pdfs: string[];
const workbooks = new Map<string, ExcelJS.Workbook>();

beforeAll(async () => {
  built = demoYear();
  scratch = tempDir('firestat-print-');
  const files = built.files.filter((f) => f.startsWith('xlsx/') && f.endsWith('.xlsx'));
  const office = new Office();
  try {
    pdfs = await office.toPdf(
      files.map((f) => join(built.out, f)),
      join(scratch, 'pdf'),
    );
  } finally {
    office.dispose();
  }
  for (const f of files) {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync(join(built.out, f)) as unknown as Parameters<typeof wb.xlsx.load>[0]);
    workbooks.set(basename(f), wb);
  }
}, 900_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const text = (v: ExcelJS.CellValue): string =>
  typeof v === 'string'
    ? v
    : v === null || v === undefined
      ? ''
      : typeof v === 'object' && 'richText' in v
        ? v.richText.map((r) => r.text).join('')
        : String(v);
const flat = (s: string) => s.replace(/\s/g, '');

/** The columns (1-based, inclusive) a cell's merge spans, or the cell's own column. */
function span(ws: ExcelJS.Worksheet, row: number, col: number): [number, number] {
  const merges = (ws.model as { merges?: string[] }).merges ?? [];
  for (const m of merges) {
    const [a, b] = m.split(':');
    const from = ws.getCell(a!);
    const to = ws.getCell(b!);
    const [c0, c1] = [Number(from.col), Number(to.col)];
    if (Number(from.row) <= row && row <= Number(to.row) && c0 <= col && col <= c1) return [c0, c1];
  }
  return [col, col];
}

const widthOf = (ws: ExcelJS.Worksheet, [from, to]: [number, number]) => {
  let w = 0;
  for (let c = from; c <= to; c++) w += ws.getColumn(c).width ?? 8.43;
  return w;
};

/** Header rows: 3 up to the frozen split. */
function headerRows(ws: ExcelJS.Worksheet): number[] {
  const split = (ws.views[0] as { ySplit?: number } | undefined)?.ySplit ?? 3;
  return Array.from({ length: split - 2 }, (_, i) => i + 3);
}

function* sheets(): Generator<[string, ExcelJS.Worksheet]> {
  for (const [file, wb] of workbooks) for (const ws of wb.worksheets) yield [file, ws];
}

/** Row of the 单位 (column 2) `unit`, or undefined. */
function rowOf(ws: ExcelJS.Worksheet, unit: string): number | undefined {
  for (let r = 1; r <= ws.rowCount; r++) if (text(ws.getCell(r, 2).value) === unit) return r;
  return undefined;
}

/** Column (1-based) whose flattened header is `header`. */
function colOf(ws: ExcelJS.Worksheet, header: string): number | undefined {
  for (const r of headerRows(ws)) for (let c = 1; c <= ws.columnCount; c++) if (flat(text(ws.getCell(r, c).value)) === header) return c;
  return undefined;
}

/** Words a line break must never split (the test's own list, not the layout's). */
const wholeWords = [
  '检查',
  '隐患',
  '整改',
  '评查',
  '案卷',
  '台账',
  '镇街',
  '局本级',
  '通知书',
  '执法',
  '程序',
  '消防',
  '监督',
  '单位数',
  '隐患数',
  '管理岗',
  '报送',
  '统计表',
  '月报',
  '人次',
  '场次',
];

const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

describe('published workbooks, printed', () => {
  it('every workbook converts to PDF with LibreOffice; the first pages are rendered to look at', () => {
    expect(pdfs.length).toBeGreaterThanOrEqual(13);
    for (const pdf of pdfs) {
      expect(statSync(pdf).size, pdf).toBeGreaterThan(5000);
      const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }))?.[1]);
      expect(pages, pdf).toBeGreaterThanOrEqual(workbooks.get(basename(pdf).replace(/\.pdf$/, '.xlsx'))!.worksheets.length);
    }
    mkdirSync(screenshots, { recursive: true });
    for (const name of ['汇总表-2024-Q4', '调度表-2024-Q4', '通报-2024-Q4']) {
      const pdf = pdfs.find((p) => basename(p) === `${name}.pdf`)!;
      // The 通报's every sheet (its last, 逾期未报, was clipped); the others' first page.
      const last = name.startsWith('通报') ? [] : ['-l', '1'];
      execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', ...last, pdf, join(screenshots, name)]);
      expect(statSync(join(screenshots, `${name}-1.png`)).size).toBeGreaterThan(10_000);
    }
  });

  it('titles and subtitles fit their merged rows (CJK characters two units, scaled to the font size)', () => {
    const tooNarrow: string[] = [];
    for (const [file, ws] of sheets()) {
      const title = text(ws.getCell(1, 1).value);
      const titleSpan = span(ws, 1, 1);
      expect(titleSpan[1], `${file} ${ws.name}: title merged across the table`).toBe(ws.columnCount);
      const size = ws.getCell(1, 1).font?.size ?? 11;
      if (widthOf(ws, titleSpan) < displayWidth(title) * (size / 11)) tooNarrow.push(`${file} ${ws.name}: ${title}`);
      const sub = ws.getCell(2, 1);
      const subSize = sub.font?.size ?? 11;
      for (const line of text(sub.value).split('\n'))
        if (widthOf(ws, span(ws, 2, 1)) < displayWidth(line) * (subSize / 11)) tooNarrow.push(`${file} ${ws.name}: ${line}`);
      if (text(sub.value).includes('\n')) expect(sub.alignment?.wrapText, `${file} ${ws.name} subtitle wraps`).toBe(true);
      // Row height enough for the subtitle's lines.
      expect(ws.getRow(2).height ?? 15, `${file} ${ws.name} subtitle height`).toBeGreaterThanOrEqual(12 * text(sub.value).split('\n').length);
    }
    expect(tooNarrow).toEqual([]);
    // The sheet that was clipped.
    const late = workbooks.get('通报-2024-Q4.xlsx')!.getWorksheet('逾期未报')!;
    expect(widthOf(late, [1, late.columnCount])).toBeGreaterThanOrEqual(displayWidth(text(late.getCell(1, 1).value)) * (16 / 11));
  });

  it('headers break between words, never inside one, and their columns hold each line whole', () => {
    const bad: string[] = [];
    let broken = 0;
    for (const [file, ws] of sheets()) {
      for (const r of headerRows(ws)) {
        for (let c = 1; c <= ws.columnCount; c++) {
          const value = text(ws.getCell(r, c).value);
          if (!value || (ws.getCell(r, c).isMerged && ws.getCell(r, c).master.address !== ws.getCell(r, c).address)) continue;
          const where = `${file} ${ws.name} ${ws.getCell(r, c).address} ${JSON.stringify(value)}`;
          const lines = value.split('\n');
          const width = widthOf(ws, span(ws, r, c));
          // Wide enough that the spreadsheet adds no break of its own (bold 11 pt: CJK two units, plus padding).
          for (const line of lines) if (width < displayWidth(line) + 1) bad.push(`${where}: line ${line} wider than the column (${width})`);
          if (lines.length === 1) continue;
          broken++;
          const whole = lines.join('');
          const boundaries = new Set([...segmenter.segment(whole)].map((s) => s.index));
          let at = 0;
          for (let i = 0; i < lines.length - 1; i++) {
            const line = lines[i]!;
            at += line.length;
            const next = lines[i + 1]!;
            if (!boundaries.has(at)) bad.push(`${where}: break inside an ICU word`);
            if ([...line].length === 1 || [...next].length === 1) bad.push(`${where}: a line of one character`);
            if (/[（(]/.test(line.slice(-1)) || /^[）)]/.test(next) || line.split('（').length !== line.split('）').length)
              bad.push(`${where}: break inside brackets`);
            for (const w of wholeWords) {
              const i0 = whole.indexOf(w);
              for (let k = i0; k >= 0; k = whole.indexOf(w, k + 1)) if (k < at && at < k + w.length) bad.push(`${where}: break inside ${w}`);
            }
          }
        }
      }
    }
    expect(bad).toEqual([]);
    expect(broken, 'some headers are set on several lines').toBeGreaterThan(20);
    // The two that were wrong.
    const all = [...sheets()].flatMap(([, ws]) =>
      headerRows(ws).flatMap((r) => Array.from({ length: ws.columnCount }, (_, c) => text(ws.getCell(r, c + 1).value))),
    );
    expect(all.filter((h) => h.includes('检\n查') || h.includes('（件\n）') || h.includes('（份\n）'))).toEqual([]);
  });

  /** T1 columns the bureau has no comparable figure for, and bureau figures apart from theirs, from the declarations. */
  const declared = () => {
    const counterparts = bureauMonthlyForm.fields.filter((b) => b.counterpart?.form === townshipStatsForm.code);
    const shared = townshipStatsForm.fields.filter((t) => counterparts.some((b) => b.counterpart!.field === t.id && comparable(b, t)));
    const townshipOnly = townshipStatsForm.fields.filter((t) => t.type === 'count' && !shared.includes(t));
    const apart = counterparts.filter((b) => !comparable(b, townshipStatsForm.fields.find((t) => t.id === b.counterpart!.field)!));
    return { shared, townshipOnly, apart };
  };
  const header = (f: { label: string; unit?: string }) => `${f.label}（${f.unit}）`;

  function summarySheets(): [string, ExcelJS.Worksheet][] {
    return [...sheets()].filter(([, ws]) => rowOf(ws, '局本级') !== undefined && rowOf(ws, '全区合计') !== undefined);
  }

  it('the 局本级 row shows — under township-only columns; 全区合计 adds only comparable figures, never 家 to 份', () => {
    const { shared, townshipOnly, apart } = declared();
    expect(townshipOnly.map((f) => f.id)).toContain('units_inspected');
    expect(apart.map((f) => f.id)).toContain('inspections');
    const list = summarySheets();
    expect(list.length).toBeGreaterThanOrEqual(9);
    for (const [file, ws] of list) {
      const where = `${file} ${ws.name}`;
      const bureau = rowOf(ws, '局本级')!;
      const towns = rowOf(ws, '镇街合计')!;
      const district = rowOf(ws, '全区合计')!;
      for (const f of townshipOnly) {
        const c = f.group ? undefined : colOf(ws, header(f));
        if (c) expect(ws.getCell(bureau, c).value, `${where} 局本级 under ${header(f)}`).toBe('—');
      }
      // Grouped township-only columns (案件) under their group: all — on the bureau row.
      for (let c = 3; c <= ws.columnCount; c++) {
        const group = text(ws.getCell(3, c).value);
        if (townshipOnly.some((f) => f.group && flat(group) === f.group)) expect(ws.getCell(bureau, c).value, `${where} 局本级 col ${c}`).toBe('—');
      }
      for (const f of shared) {
        const c = colOf(ws, header(f))!;
        expect(c, `${where} ${header(f)}`).toBeDefined();
        expect(typeof ws.getCell(bureau, c).value, `${where} 局本级 ${header(f)}`).toBe('number');
      }
      // Every figure column: 全区合计 = 镇街合计 + 局本级, counting "—" as "not in this column".
      for (let c = 3; c <= ws.columnCount; c++) {
        const h = flat(
          headerRows(ws)
            .map((r) => text(ws.getCell(r, c).value))
            .join(''),
        );
        if (h.includes('率') || h.includes('序号')) continue;
        const t = ws.getCell(towns, c).value;
        const b = ws.getCell(bureau, c).value;
        const d = ws.getCell(district, c).value;
        const sum = (typeof t === 'number' ? t : 0) + (typeof b === 'number' ? b : 0);
        expect(d, `${where} 全区合计 under ${h}`).toBe(typeof t !== 'number' && typeof b !== 'number' ? '—' : sum);
      }
      // 检查社会单位数（家）holds the townships' only; the bureau's 份 stand in a column of their own.
      const homes = colOf(ws, header(townshipStatsForm.fields.find((f) => f.id === 'units_inspected')!))!;
      expect(ws.getCell(district, homes).value, where).toBe(ws.getCell(towns, homes).value);
      for (const b of apart) {
        const c = colOf(ws, `局本级${header(b)}`);
        expect(c, `${where}: 局本级${header(b)} column`).toBeDefined();
        expect(ws.getCell(towns, c!).value).toBe('—');
        expect(typeof ws.getCell(bureau, c!).value).toBe('number');
      }
    }
    // The bureau's 份 on the 汇总 sheet are the 局本级 sheet's 消防监督检查 total for the quarter.
    const wb = workbooks.get('汇总表-2024-Q4.xlsx')!;
    const summary = wb.getWorksheet('第四季度')!;
    const bureauSheet = wb.getWorksheet('局本级')!;
    const total = rowOf(bureauSheet, '合计')!;
    const inspections = colOf(bureauSheet, header(bureauMonthlyForm.fields.find((f) => f.id === 'inspections')!))!;
    expect(summary.getCell(rowOf(summary, '局本级')!, colOf(summary, '局本级消防监督检查（份）')!).value).toBe(bureauSheet.getCell(total, inspections).value);
  });

  it('a table holding the 局本级 row is not titled 镇街…汇总表', () => {
    for (const [file, ws] of summarySheets()) {
      const title = text(ws.getCell(1, 1).value);
      expect(title, `${file} ${ws.name}`).not.toMatch(/镇街消防执法工作(累计)?汇总表/);
      expect(title, `${file} ${ws.name}`).toMatch(/局本级|全区/);
    }
  });

  it('the file list is a sheet of its own; the printed tables hold no file paths', () => {
    const doc = built.documents.quarters.find((d) => d.quarter === 4) as QuarterDocument;
    const wb = workbooks.get('汇总表-2024-Q4.xlsx')!;
    const list = wb.getWorksheet('数据来源')!;
    const listed = new Set<string>();
    list.eachRow((row) => row.eachCell((cell) => listed.add(text(cell.value))));
    for (const s of doc.sources) expect(listed.has(s.path), s.path).toBe(true);
    for (const [file, ws] of sheets()) {
      if (ws.name === '数据来源' || ws.name === '数据问题' || ws.name.startsWith('附录')) continue;
      ws.eachRow((row) =>
        row.eachCell((cell) => expect(text(cell.value), `${file} ${ws.name} ${cell.address}`).not.toMatch(/\.(xlsx|xlsm|xls|csv|et)\b|\/.*\//i)),
      );
    }
  });

  it('units are the declared ones, as on the pages (评查案卷 份; every T1 column)', () => {
    const unit = caseReviewsForm.rowUnit;
    expect(unit).toBe('份');
    const quality = workbooks.get('通报-2024-Q4.xlsx')!.getWorksheet('案卷质量')!;
    expect(colOf(quality, `评查案卷数（${unit}）`)).toBeDefined();
    const bulletinPage = decodeEntities(readFileSync(join(built.out, 'bulletin-2024-Q4.html'), 'utf8').replace(/<[^>]+>/g, ''));
    expect(/评查案卷[^（]{0,4}（(.)）/.exec(bulletinPage)?.[1], 'the bulletin page counts case files in the same unit').toBe(unit);
    // Every header with a unit on the quarter page has the same unit in the workbook.
    const html = readFileSync(join(built.out, 'quarter-2024-Q4.html'), 'utf8');
    const at = html.indexOf('<section id="summary"');
    const page = html.slice(at, html.indexOf('</table>', at));
    const pageHeaders = [...page.matchAll(/<th scope="col"[^>]*>([\s\S]*?)<\/th>/g)].map((m) => flat(decodeEntities(m[1]!.replace(/<[^>]+>/g, ''))));
    const summary = workbooks.get('汇总表-2024-Q4.xlsx')!.getWorksheet('第四季度')!;
    const sheetHeaders = headerRows(summary).flatMap((r) => Array.from({ length: summary.columnCount }, (_, c) => flat(text(summary.getCell(r, c + 1).value))));
    const withUnit = pageHeaders.filter((h) => /（.+）$/.test(h));
    expect(withUnit.length).toBeGreaterThan(8);
    for (const h of withUnit) expect(sheetHeaders, h).toContain(h);
  });
});
