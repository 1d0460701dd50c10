import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadError, defaultReadLimits } from '../../sources/readers/reader.js';
import type { CellValue, ReadLimits, ReaderNotice, SheetRow } from '../../sources/readers/reader.js';
import { Evaluator, FormulaSheet, excelRound, numberText } from '../../sources/readers/xlsx-formula-eval.js';
import type { CollectedFormula, EvaluationBudget } from '../../sources/readers/xlsx-formula-eval.js';
import { parseFormula, shiftFormula } from '../../sources/readers/xlsx-formula.js';
import { XlsxReader } from '../../sources/readers/xlsx-reader.js';
import { buildZip, craftXlsx } from './xlsx-test-zip.js';
import type { CraftedSheet } from './xlsx-test-zip.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = path.join(repoRoot, 'test/fixtures/formulas/2024Q1');
const corpusDir = path.resolve(repoRoot, 'test/corpus/real-world');
const SAVE_HINT = /请在 Excel\/WPS 中打开并保存后再报送$/;

interface ReadBook {
  readonly sheets: { name: string; rows: SheetRow[] }[];
  readonly notices: ReaderNotice[];
}

let tmp = '';
let counter = 0;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'firestat-formulas-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function read(localPath: string, limits: ReadLimits = defaultReadLimits): Promise<ReadBook> {
  const book = new XlsxReader().read(
    { path: path.basename(localPath), bytes: fs.statSync(localPath).size, open: () => fs.createReadStream(localPath), localPath },
    limits,
  );
  const sheets: { name: string; rows: SheetRow[] }[] = [];
  for await (const sheet of book.sheets) {
    const rows: SheetRow[] = [];
    for await (const row of sheet.rows) rows.push(row);
    sheets.push({ name: sheet.name, rows });
  }
  return { sheets, notices: book.notices };
}

async function refusal(work: Promise<unknown>): Promise<ReadError> {
  try {
    await work;
  } catch (err) {
    expect(err).toBeInstanceOf(ReadError);
    return err as ReadError;
  }
  throw new Error('expected a ReadError, but the read succeeded');
}

function crafted(sheets: CraftedSheet[], extra: { xfNumFmtIds?: number[]; sharedStrings?: string[] } = {}): string {
  const file = path.join(tmp, `c${++counter}.xlsx`);
  fs.writeFileSync(file, buildZip(craftXlsx({ sheets, ...extra })));
  return file;
}

/** `<c>` cells: numbers as `<v>`, `=…` as a formula without a result, other text inline. */
function row(r: number, cells: Record<string, number | string>): string {
  const xml = Object.entries(cells).map(([col, v]) => {
    const ref = `${col}${r}`;
    if (typeof v === 'number') return `<c r="${ref}"><v>${v}</v></c>`;
    if (v.startsWith('=')) return `<c r="${ref}"><f>${v.slice(1).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</f></c>`;
    return `<c r="${ref}" t="inlineStr"><is><t>${v}</t></is></c>`;
  });
  return `<row r="${r}">${xml.join('')}</row>`;
}

function cells(book: ReadBook, sheet: number, rowNumber: number): readonly CellValue[] | undefined {
  return book.sheets[sheet]?.rows.find((r) => r.rowNumber === rowNumber)?.cells;
}

describe('formulas saved without a result (fixtures as programs write them)', () => {
  it('evaluates the exceljs T1 to exactly what Excel saves: hidden-sheet references and SUM', async () => {
    const uncached = await read(path.join(fixtures, '龙兴镇/龙兴镇2024年一季度统计表（程序生成公式）.xlsx'));
    const cached = await read(path.join(fixtures, '龙兴镇/龙兴镇2024年一季度统计表（Excel保存）.xlsx'));
    expect(uncached.sheets.map((s) => s.name)).toEqual(['一季度']);
    expect(uncached.sheets[0]!.rows).toEqual(cached.sheets[0]!.rows);
    expect(cells(uncached, 0, 9)).toEqual(['合计', null, 1063, 36, 32, 4, 4, 3, 6, 11, 7]);
    const notice = uncached.notices.find((n) => n.code === 'formula_evaluated');
    expect(notice).toEqual({
      code: 'formula_evaluated',
      sheet: '一季度',
      message: '工作表“一季度”中 36 个公式单元格没有保存计算结果，已由系统按公式计算（如 C5 =数据!B2）',
    });
    // The hidden sheet is still skipped as a table; the cached file needs no evaluation.
    expect(uncached.notices.map((n) => n.code)).toContain('hidden_sheet_skipped');
    expect(cached.notices.map((n) => n.code)).not.toContain('formula_evaluated');
  });

  it('evaluates the openpyxl/POI style: <v></v> and <v/>, shared formulas, a quoted hidden sheet, an array formula', async () => {
    const shared = await read(path.join(fixtures, '龙兴镇/龙兴镇2024年一季度统计表（共享公式）.xlsx'));
    const cached = await read(path.join(fixtures, '龙兴镇/龙兴镇2024年一季度统计表（Excel保存）.xlsx'));
    for (const r of [5, 6, 8, 9]) expect(cells(shared, 0, r)).toEqual(cells(cached, 0, r));
    expect(shared.notices.find((n) => n.code === 'formula_evaluated')?.message).toContain("C5 ='原始 数据'!B2");
  });

  it('refuses a file whose formulas cannot be evaluated, naming the cells and their formulas', async () => {
    const error = await refusal(read(path.join(fixtures, '大湾镇/大湾镇2024年一季度统计表（不支持的公式）.xlsx')));
    expect(error.code).toBe('formula_unevaluated');
    expect(error.sheet).toBe('一季度');
    expect(error.cell).toBe('C5');
    expect(error.message).toContain('C5 =INDIRECT("数据!B2")：使用了易变函数 INDIRECT');
    expect(error.message).toContain('D6 =[1]Sheet1!C3：引用了其他工作簿的外部链接');
    // The 合计 cells that depend on them are named after the causes.
    expect(error.message).toContain('C8 =SUM(C5:C7)：引用的单元格 一季度!C5 无法计算');
    expect(error.message).toMatch(SAVE_HINT);
  });

  it('spreads 检查日期 and 被检查单位 merged over three rows, with a notice', async () => {
    const book = await read(path.join(fixtures, '龙兴镇/龙兴镇隐患台账（合并单元格）.xlsx'));
    const day = (m: number, d: number) => new Date(Date.UTC(2024, m, d));
    expect(cells(book, 0, 4)?.slice(0, 4)).toEqual([2, '龙兴镇', day(0, 15), '龙兴古镇某客栈']);
    expect(cells(book, 0, 5)?.slice(0, 4)).toEqual([3, '龙兴镇', day(0, 15), '龙兴古镇某客栈']);
    expect(cells(book, 0, 8)?.slice(0, 4)).toEqual([6, '龙兴镇', day(2, 6), '某某商贸有限公司']);
    expect(book.notices).toEqual([
      { code: 'merged_spread', sheet: '隐患台账', message: '工作表“隐患台账”中合并单元格 C3:C5、D3:D5、C6:C8、D6:D8 的值已填入其覆盖的每一行' },
    ]);
  });

  it('spreads merged header cells without a notice (text-only rows are headers or titles)', async () => {
    const book = await read(path.join(fixtures, '龙兴镇/龙兴镇2024年一季度统计表（Excel保存）.xlsx'));
    expect(cells(book, 0, 4)?.slice(0, 3)).toEqual(['镇街', '统计期间', '检查社会\n单位数（家）']);
    expect(book.notices.map((n) => n.code)).not.toContain('merged_spread');
  });
});

describe('formulas without a result in crafted packages', () => {
  it('reads chains, ranges into later rows, other sheets and Excel semantics', async () => {
    const file = crafted([
      {
        name: '统计表',
        rows: [
          row(1, { A: '=B1+C9', B: 2 }),
          row(2, { A: '=SUBTOTAL(109,A5:A8)', B: '=SUBTOTAL(9,A5:A8)', C: '=A5&"处"', D: '=IF(A5>1,"多","少")', E: '=IFERROR(1/0,"除零")', F: '=1/0' }),
          row(3, { A: '=SUMIF(A5:A8,">=2")', B: '=COUNTIF(A5:A8,"<>")', C: '=AVERAGE(A5:A8)', D: '=ROUND(2.345,2)', E: '=-2^2', F: '=50%*4' }),
          row(5, { A: 1 }),
          `<row r="6" hidden="1"><c r="A6"><v>2</v></c></row>`,
          row(7, { A: '=SUBTOTAL(9,A5:A6)' }),
          row(8, { A: 4 }),
          row(9, { C: "='原始 数据'!A1*10" }),
        ].join(''),
      },
      { name: '原始 数据', state: 'hidden', rows: row(1, { A: '=数据2!A1+1' }) },
      { name: '数据2', state: 'veryHidden', rows: row(1, { A: 4 }) },
    ]);
    const book = await read(file);
    expect(book.sheets.map((s) => s.name)).toEqual(['统计表']);
    expect(cells(book, 0, 1)).toEqual([52, 2]);
    // SUBTOTAL leaves out the nested SUBTOTAL in A7; 109 also the hidden row 6.
    expect(cells(book, 0, 2)).toEqual([5, 7, '1处', '少', '除零', '#DIV/0!']);
    expect(cells(book, 0, 3)).toEqual([9, 4, 2.5, 2.35, 4, 2]);
    expect(cells(book, 0, 7)).toEqual([3]);
    expect(cells(book, 0, 9)).toEqual([null, null, 50]);
    expect(book.notices.find((n) => n.code === 'formula_evaluated')?.message).toBe(
      '工作表“统计表”中 15 个公式单元格没有保存计算结果，已由系统按公式计算（如 A1 =B1+C9）',
    );
  });

  it('shifts shared formulas and keeps a cached empty text (t="str", <v></v>) as Excel saved it', async () => {
    const file = crafted([
      {
        name: 'S',
        rows:
          row(1, { A: 1, B: 10 }) +
          row(2, { A: 2, B: 20 }) +
          `<row r="3"><c r="A3"><f t="shared" ref="A3:B3" si="7">SUM(A1:A2)*$B$1</f><v></v></c><c r="B3"><f t="shared" si="7"/></c>` +
          // Excel's own cached "" — even with a function firestat does not evaluate.
          `<c r="C3" t="str"><f>VLOOKUP(A1,A1:B2,2,FALSE)</f><v></v></c></row>`,
      },
    ]);
    const book = await read(file);
    expect(cells(book, 0, 3)).toEqual([30, 300]);
    expect(book.notices.find((n) => n.code === 'formula_evaluated')?.message).toContain('2 个公式单元格');
  });

  it('turns results into dates by the cell style, and reads date cells as serials', async () => {
    const file = crafted([{ name: 'S', rows: `<row r="1"><c r="A1" s="1"><v>45306</v></c><c r="B1" s="1"><f>A1+30</f></c><c r="C1"><f>B1-A1</f></c></row>` }], {
      xfNumFmtIds: [0, 14],
    });
    const book = await read(file);
    expect(cells(book, 0, 1)).toEqual([new Date(Date.UTC(2024, 0, 15)), new Date(Date.UTC(2024, 1, 14)), 30]);
  });

  it('refuses cycles, unknown names and functions, #REF! and missing sheets — never an empty cell', async () => {
    const file = crafted([
      {
        name: 'S',
        rows: row(1, { A: '=B1+1', B: '=A1+1', C: '=合计数*2', D: '=XLOOKUP(1,A1:A2,B1:B2)', E: '=#REF!+1', F: '=缺失表!A1', G: '=TODAY()' }),
      },
    ]);
    const error = await refusal(read(file));
    expect(error.code).toBe('formula_unevaluated');
    expect(error.message).toContain('循环引用');
    expect(error.message).toContain('C1 =合计数*2：使用了定义的名称或无法识别的引用“合计数”');
    expect(error.message).toContain('D1 =XLOOKUP(1,A1:A2,B1:B2)：使用了系统不支持的函数 XLOOKUP');
    expect(error.message).toContain('E1 =#REF!+1：引用无效（#REF!）');
    expect(error.message).toContain('F1 =缺失表!A1：引用了不存在或无法读取的工作表“缺失表”');
    expect(error.message).toContain('G1 =TODAY()：使用了易变函数 TODAY');
    expect(error.message).toMatch(SAVE_HINT);
  });

  it('names at most ten cells and counts the rest', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 15; i++) many[String.fromCharCode(65 + i)] = '=RAND()';
    const error = await refusal(read(crafted([{ name: 'S', rows: row(1, many) }])));
    expect(error.message).toContain('有 15 个公式单元格');
    expect(error.message).toContain('；等 15 个单元格');
    expect(error.message).toContain('J1 =RAND()');
    expect(error.message).not.toContain('K1 =RAND()');
    expect(error.cell).toBe('A1');
  });

  it('applies the read limits to results: maxColumns and maxCellChars', async () => {
    const limits = { ...defaultReadLimits, maxColumns: 3, maxCellChars: 10 };
    const wide = await refusal(read(crafted([{ name: 'S', rows: row(1, { A: 1, D: '=A1*2' }) }]), limits));
    expect(wide.code).toBe('too_many_columns');
    expect(wide.cell).toBe('D1');
    const long = await refusal(read(crafted([{ name: 'S', rows: row(1, { A: '甲乙丙丁戊', B: '=A1&A1&A1' }) }]), limits));
    expect(long.code).toBe('too_large');
    expect(long.cell).toBe('B1');
  });

  it('follows a chain of 20,000 formulas without exhausting the stack', async () => {
    // B1 is evaluated first and needs A20000, which needs A19999 … down to A1.
    const rows = [row(1, { A: 1, B: '=A20000' })];
    for (let r = 2; r <= 20_000; r++) rows.push(row(r, { A: `=A${r - 1}+1` }));
    const book = await read(crafted([{ name: 'S', rows: rows.join('') }]));
    expect(cells(book, 0, 1)).toEqual([1, 20_000]);
    expect(cells(book, 0, 20_000)).toEqual([20_000]);
  });

  it('refuses, naming the problem, formulas without a result in a sheet too large to survey', async () => {
    // Over 16 MiB of XML (varied, so the zip guard's compression-ratio check lets it through).
    const padding: string[] = [];
    let x = 12345;
    for (let r = 1; r <= 400_000; r++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      padding.push(`<row r="${r}"><c r="A${r}"><v>${x}</v></c><c r="B${r}"><v>${x % 9973}</v></c></row>`);
    }
    const file = crafted([{ name: '大表', rows: padding.join('') + row(400_001, { A: '=1+1' }) }]);
    const error = await refusal(read(file));
    expect(error.code).toBe('formula_unevaluated');
    expect(error.cell).toBe('A400001');
    expect(error.message).toContain('A400001 =1+1');
    expect(error.message).toContain('该工作表过大');
    expect(error.message).toMatch(SAVE_HINT);
  });

  it('finds formulas without results under a namespace prefix', async () => {
    const file = path.join(tmp, `p${++counter}.xlsx`);
    fs.writeFileSync(
      file,
      buildZip(
        craftXlsx({ prefix: 'x', sheets: [{ name: 'S', rows: '<x:row r="1"><x:c r="A1"><x:v>2</x:v></x:c><x:c r="B1"><x:f>A1*3</x:f></x:c></x:row>' }] }),
      ),
    );
    expect(cells(await read(file), 0, 1)).toEqual([2, 6]);
  });
});

describe('the evaluator alone', () => {
  function sheet(rows: Record<number, CellValue[]>, formulas: Record<string, string>): FormulaSheet {
    const list: CollectedFormula[] = Object.entries(formulas).map(([ref, text]) => {
      const m = /^([A-Z])(\d+)$/.exec(ref)!;
      return { row: Number(m[2]), col: m[1]!.charCodeAt(0) - 64, text, type: 'normal', si: undefined, ref: undefined, cached: false, style: 0 };
    });
    const sheetRows = Object.entries(rows).map(([r, cells]) => ({ rowNumber: Number(r), cells: [...cells] }));
    for (const f of list) if (!sheetRows.some((r) => r.rowNumber === f.row)) sheetRows.push({ rowNumber: f.row, cells: [] });
    sheetRows.sort((a, b) => a.rowNumber - b.rowNumber);
    return new FormulaSheet('S', sheetRows, list, new Set(), new Set(), false);
  }

  function evaluate(s: FormulaSheet, budget?: EvaluationBudget): Map<string, unknown> {
    const ev = new Evaluator((name) => (name === 'S' ? s : undefined), budget);
    const out = new Map<string, unknown>();
    for (const cell of s.pending) {
      ev.evaluate(cell);
      out.set(`${String.fromCharCode(64 + cell.col)}${cell.row}`, cell.state === 'done' ? cell.result : `failed: ${cell.failure?.reason}`);
    }
    return out;
  }

  it('follows Excel on coercion, comparison and criteria', () => {
    const s = sheet(
      { 1: [1, '2', true, null, '1,002', 'abc', ''] },
      {
        A2: 'SUM(A1:G1)',
        B2: 'SUM(1,"2",TRUE)',
        C2: 'A1+B1+C1+D1',
        D2: 'E1*1',
        E2: 'F1+1',
        F2: 'COUNTA(A1:G1)',
        G2: 'COUNT(A1:G1)',
        H2: '"a"<"B"',
        I2: '1<"1"',
        J2: 'D1=0',
        K2: 'COUNTIF(A1:G1,"a*")',
        L2: 'SUMPRODUCT((A1:C1=1)*1)',
        M2: 'MAX(A1:G1)+MIN(A1:G1)',
        N2: '1&2.5&TRUE',
      },
    );
    const r = evaluate(s);
    expect(Object.fromEntries(r)).toEqual({
      A2: 1,
      B2: 4,
      C2: 4,
      D2: 1002,
      E2: expect.objectContaining({ code: '#VALUE!' }),
      F2: 6,
      G2: 1,
      H2: true,
      I2: true,
      J2: true,
      K2: 1,
      L2: 1,
      M2: 2,
      N2: '12.5TRUE',
    });
  });

  it('stops at its budget instead of running on', () => {
    const s = sheet({ 1: [1] }, { B1: Array(60).fill('SUM(A1:A1048576)').join('+') });
    const r = evaluate(s, { maxFormulas: 10, maxSteps: 50, maxDepth: 10, maxTextChars: 100 });
    expect(r.get('B1')).toBe('failed: 公式计算量过大');
    const chain = sheet({}, { A1: 'A2', A2: 'A3', A3: 'A4', A4: 'A5', A5: '1' });
    expect(evaluate(chain, { maxFormulas: 10, maxSteps: 1000, maxDepth: 3, maxTextChars: 100 }).get('A1')).toMatch(/^failed: /);
  });

  it('rounds half away from zero on the shown decimal, formats numbers as General', () => {
    expect(excelRound(2.345, 2)).toBe(2.35);
    expect(excelRound(-2.5, 0)).toBe(-3);
    expect(excelRound(1234.5, -2)).toBe(1200);
    expect(excelRound(1.005, 2)).toBe(1.01);
    expect(numberText(0.1 + 0.2)).toBe('0.3');
    expect(numberText(1 / 3)).toBe('0.333333333333333');
  });

  it('shifts relative references of shared formulas and parses what producers write', () => {
    expect(shiftFormula('SUM(C5:C7)+$A$1+数据!B2+C:C', 1, 2)).toBe('SUM(E6:E8)+$A$1+数据!D3+E:E');
    expect(shiftFormula("'原始 数据'!B$2*A1", 3, 0)).toBe("'原始 数据'!B$2*A4");
    expect(shiftFormula('A1', -1, 0)).toBe('#REF!');
    expect(parseFormula('_xlfn.IFNA(A1,0)')).toMatchObject({ k: 'call', name: 'IFNA' });
    expect(parseFormula('LOG10(1)')).toMatchObject({ k: 'call', name: 'LOG10' });
    expect(() => parseFormula('A1:A3 A2:C2')).toThrow(/无法识别/);
    expect(() => parseFormula('{1,2}')).toThrow(/数组常量/);
    expect(() => parseFormula('Sheet1:Sheet3!A1')).toThrow(/三维引用/);
  });
});

describe('the real-world corpus', () => {
  const corpus = (name: string): string => path.join(corpusDir, name);
  it("evaluates POI's workbook saved without results (bug 60858)", async () => {
    const book = await read(corpus('poi__bug60858_formulas_no_cached_values.xlsx'));
    expect(cells(book, 0, 2)?.slice(5, 12)).toEqual([0, 0, ' ', ' ', ' ', ' ', ' ']);
    expect(book.notices.map((n) => n.code)).toContain('formula_evaluated');
  });

  it("evaluates SheetJS's array formulas and TRANSPOSE", async () => {
    const book = await read(corpus('sheetjs__wtf_path_nonstandard_dir.xlsx'));
    expect(cells(book, 0, 1)).toEqual([1, 2, 3, 14, 1]);
    expect(cells(book, 0, 4)?.[4]).toBe(14);
  });

  it("keeps the cached results of Excel Online's shared formulas", async () => {
    const book = await read(corpus('calamine__issue_553_excel_online_shared_formula.xlsx'));
    expect(cells(book, 0, 6)?.[1]).toBe('한글');
    expect(book.notices.map((n) => n.code)).not.toContain('formula_evaluated');
  });
});
