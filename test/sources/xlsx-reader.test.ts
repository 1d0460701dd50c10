import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadError, defaultReadLimits } from '../../sources/readers/reader.js';
import type { CellValue, ReadLimits, ReadableFile, ReaderNotice, SheetRow } from '../../sources/readers/reader.js';
import { XlsxReader } from '../../sources/readers/xlsx-reader.js';
import { inspectXlsxPackage } from '../../sources/readers/zip-guard.js';
import { bytesZipSource } from '../../sources/readers/zip-bytes.js';
import { fileZipSource } from '../../sources/readers/xlsx-zip.js';
import { buildZip, craftXlsx } from './xlsx-test-zip.js';
import type { CraftedWorkbook, ZipMember } from './xlsx-test-zip.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpusDir = path.resolve(repoRoot, 'test/corpus/real-world');
const CHINESE = /[\u4e00-\u9fff]/;

interface ReadSheet {
  readonly name: string;
  readonly index: number;
  readonly rows: SheetRow[];
}

interface ReadBook {
  readonly sheets: ReadSheet[];
  readonly notices: ReaderNotice[];
}

let tmp = '';
let counter = 0;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'firestat-xlsx-test-'));
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function fileAt(localPath: string, withLocalPath = true): ReadableFile {
  return {
    path: path.basename(localPath),
    bytes: fs.statSync(localPath).size,
    open: () => fs.createReadStream(localPath),
    ...(withLocalPath ? { localPath } : {}),
  };
}

function readAll(localPath: string, limits: ReadLimits = defaultReadLimits, withLocalPath = true): Promise<ReadBook> {
  return readFile(fileAt(localPath, withLocalPath), limits);
}

async function readFile(file: ReadableFile, limits: ReadLimits = defaultReadLimits): Promise<ReadBook> {
  const book = new XlsxReader().read(file, limits);
  const sheets: ReadSheet[] = [];
  for await (const sheet of book.sheets) {
    const rows: SheetRow[] = [];
    for await (const row of sheet.rows) rows.push(row);
    sheets.push({ name: sheet.name, index: sheet.index, rows });
  }
  return { sheets, notices: book.notices };
}

async function readError(work: Promise<unknown>): Promise<ReadError> {
  try {
    await work;
  } catch (err) {
    expect(err).toBeInstanceOf(ReadError);
    const error = err as ReadError;
    expect(error.message).toMatch(CHINESE);
    return error;
  }
  throw new Error('expected a ReadError, but the read succeeded');
}

function writeTemp(data: Buffer, ext = '.xlsx'): string {
  const file = path.join(tmp, `f${++counter}${ext}`);
  fs.writeFileSync(file, data);
  return file;
}

function crafted(book: CraftedWorkbook): string {
  return writeTemp(buildZip(craftXlsx(book)));
}

async function writeExcel(build: (wb: ExcelJS.Workbook) => void): Promise<string> {
  const wb = new ExcelJS.Workbook();
  build(wb);
  const file = path.join(tmp, `x${++counter}.xlsx`);
  await wb.xlsx.writeFile(file);
  return file;
}

function cellsOf(sheet: ReadSheet | undefined, rowNumber: number): readonly CellValue[] | undefined {
  return sheet?.rows.find((r) => r.rowNumber === rowNumber)?.cells;
}

const utc = (...args: [number, number, number, number?, number?, number?, number?]): Date =>
  new Date(Date.UTC(args[0], args[1], args[2], args[3] ?? 0, args[4] ?? 0, args[5] ?? 0, args[6] ?? 0));

describe('XlsxReader on exceljs-written submissions', () => {
  it('reads a township form with a title row, merged two-level header, text numbers and notes', async () => {
    const file = await writeExcel((wb) => {
      const ws = wb.addWorksheet('龙兴镇');
      ws.getCell('A1').value = '渝北区龙兴镇2024年第二季度消防执法工作统计表';
      ws.mergeCells('A1:F1');
      ws.getCell('A2').value = '镇街';
      ws.getCell('B2').value = '检查社会单位数（家）';
      ws.getCell('C2').value = '赋权执法案件';
      ws.mergeCells('C2:D2');
      ws.getCell('E2').value = '委托执法案件';
      ws.mergeCells('E2:F2');
      ws.getRow(3).values = [null, null, '一般程序', '简易程序', '一般程序', '简易程序'];
      ws.getRow(4).values = ['龙兴镇', '12', 3, null, 1, 0];
      ws.getRow(6).values = ['填表人：张三  联系电话：13800000000'];
    });
    const { sheets, notices } = await readAll(file);
    expect(notices).toEqual([]);
    expect(sheets.map((s) => [s.name, s.index])).toEqual([['龙兴镇', 0]]);
    const sheet = sheets[0];
    expect(cellsOf(sheet, 1)).toEqual(['渝北区龙兴镇2024年第二季度消防执法工作统计表']);
    expect(cellsOf(sheet, 2)).toEqual(['镇街', '检查社会单位数（家）', '赋权执法案件', null, '委托执法案件']);
    expect(cellsOf(sheet, 3)).toEqual([null, null, '一般程序', '简易程序', '一般程序', '简易程序']);
    expect(cellsOf(sheet, 4)).toEqual(['龙兴镇', '12', 3, null, 1, 0]);
    expect(cellsOf(sheet, 6)).toEqual(['填表人：张三  联系电话：13800000000']);
    expect(sheet?.rows.map((r) => r.rowNumber)).toEqual([1, 2, 3, 4, 6]);
  });

  it('turns Chinese date formats into calendar dates and leaves numbers and durations alone', async () => {
    const formats = ['yyyy"年"m"月"d"日"', '[DBNum1][$-804]yyyy"年"m"月"d"日"', '[$-F800]dddd, mmmm dd, yyyy', 'yyyy/m/d', 'yyyy"年"m"月"'];
    const file = await writeExcel((wb) => {
      const ws = wb.addWorksheet('日期');
      formats.forEach((numFmt, i) => {
        const cell = ws.getCell(i + 1, 1);
        cell.value = utc(2024, 2, 5);
        cell.numFmt = numFmt;
      });
      const withTime = ws.getCell(6, 1);
      withTime.value = utc(2024, 2, 5, 14, 30, 15);
      withTime.numFmt = 'yyyy"年"m"月"d"日" h:mm:ss';
      ws.getCell(7, 1).value = 1234.5;
      ws.getCell(7, 1).numFmt = '#,##0.00';
      ws.getCell(8, 1).value = 12;
      ws.getCell(8, 1).numFmt = '[DBNum1][$-804]General';
      ws.getCell(9, 1).value = 1.5;
      ws.getCell(9, 1).numFmt = '[h]:mm';
      ws.getCell(10, 1).value = '2024年3月5日';
    });
    const { sheets } = await readAll(file);
    const column = sheets[0]?.rows.map((r) => r.cells[0]);
    expect(column).toEqual([...formats.map(() => utc(2024, 2, 5)), utc(2024, 2, 5, 14, 30, 15), 1234.5, 12, 1.5, '2024年3月5日']);
  });

  it('skips hidden and very hidden sheets with a notice and keeps tab order', async () => {
    const file = await writeExcel((wb) => {
      wb.addWorksheet('一季度').getCell('A1').value = 1;
      wb.addWorksheet('隐藏', { state: 'hidden' }).getCell('A1').value = 2;
      wb.addWorksheet('二季度').getCell('A1').value = 3;
      wb.addWorksheet('深度隐藏', { state: 'veryHidden' }).getCell('A1').value = 4;
    });
    const { sheets, notices } = await readAll(file);
    expect(sheets.map((s) => [s.name, s.index, s.rows[0]?.cells[0]])).toEqual([
      ['一季度', 0, 1],
      ['二季度', 2, 3],
    ]);
    expect(notices.map((n) => [n.code, n.sheet])).toEqual([
      ['hidden_sheet_skipped', '隐藏'],
      ['hidden_sheet_skipped', '深度隐藏'],
    ]);
    for (const notice of notices) expect(notice.message).toContain(notice.sheet);
  });

  it('gives formulas their cached results and flattens rich text and hyperlinks', async () => {
    const file = await writeExcel((wb) => {
      const ws = wb.addWorksheet('公式');
      ws.getRow(1).values = [4, 3];
      ws.getCell('C1').value = { formula: 'A1+B1', result: 7 };
      ws.getCell('D1').value = { formula: 'A1&"处"', result: '4处' };
      ws.getCell('E1').value = { formula: 'DATE(2024,3,5)', result: utc(2024, 2, 5) };
      ws.getCell('E1').numFmt = 'yyyy-mm-dd';
      ws.getCell('F1').value = { formula: '1/0', result: { error: '#DIV/0!' } };
      ws.getCell('G1').value = { formula: 'A1*2' } as ExcelJS.CellFormulaValue;
      ws.getCell('H1').value = true;
      ws.getCell('A2').value = { richText: [{ text: '富' }, { font: { bold: true }, text: '文本' }] };
      ws.getCell('B2').value = { text: '通报链接', hyperlink: 'https://example.org/' };
    });
    const { sheets } = await readAll(file);
    // G1 has no cached result: firestat evaluates it (A1*2).
    expect(cellsOf(sheets[0], 1)).toEqual([4, 3, 7, '4处', utc(2024, 2, 5), '#DIV/0!', 8, true]);
    expect(cellsOf(sheets[0], 2)).toEqual(['富文本', '通报链接']);
  });

  it('spools a file that has no local path', async () => {
    const file = await writeExcel((wb) => {
      wb.addWorksheet('表1').getCell('B2').value = '流';
    });
    const { sheets } = await readAll(file, defaultReadLimits, false);
    expect(cellsOf(sheets[0], 2)).toEqual([null, '流']);
  });
});

describe('XlsxReader on crafted packages', () => {
  it('honours the 1904 date system and CJK built-in date formats', async () => {
    // 2024-03-05 is serial 45356 in the 1900 system and 43894 in the 1904 system.
    const file = crafted({
      date1904: true,
      xfNumFmtIds: [0, 14, 31, 57, 58],
      sheets: [
        {
          name: 'Mac',
          rows: '<row r="1"><c r="A1" s="1"><v>43894</v></c><c r="B1" s="2"><v>43894.5</v></c><c r="C1" s="3"><v>43894</v></c><c r="D1" s="4"><v>0</v></c><c r="E1"><v>43894</v></c></row>',
        },
      ],
    });
    const { sheets } = await readAll(file);
    expect(cellsOf(sheets[0], 1)).toEqual([utc(2024, 2, 5), utc(2024, 2, 5, 12), utc(2024, 2, 5), utc(1904, 0, 1), 43894]);
  });

  it('reads the 1900 system, including serials before the phantom 1900-02-29', async () => {
    const file = crafted({
      xfNumFmtIds: [0, 14],
      sheets: [{ name: 'S', rows: '<row r="1"><c s="1"><v>45356</v></c><c s="1"><v>1</v></c><c s="1"><v>59</v></c><c s="1"><v>61</v></c></row>' }],
    });
    const { sheets } = await readAll(file);
    expect(cellsOf(sheets[0], 1)).toEqual([utc(2024, 2, 5), utc(1900, 0, 1), utc(1900, 1, 28), utc(1900, 2, 1)]);
  });

  it('reads prefixed namespaces, missing r= attributes, inline CDATA, escapes, phonetics and typed cells', async () => {
    const file = crafted({
      prefix: 'x',
      sharedStrings: [
        '<x:si><x:t>漢字</x:t><x:rPh sb="0" eb="2"><x:t>カンジ</x:t></x:rPh></x:si>',
        '<x:si><x:r><x:t>第一</x:t></x:r><x:r><x:t xml:space="preserve"> 段</x:t></x:r></x:si>',
        '<x:si><x:t>换_x000D_\n行</x:t></x:si>',
      ],
      sheets: [
        {
          name: '类型',
          rows:
            '<x:row><x:c t="s"><x:v>0</x:v></x:c><x:c t="s"><x:v>1</x:v></x:c><x:c t="s"><x:v>2</x:v></x:c></x:row>' +
            '<x:row><x:c t="inlineStr"><x:is><x:t><![CDATA[a<b & c]]></x:t></x:is></x:c><x:c t="b"><x:v>0</x:v></x:c>' +
            '<x:c t="e"><x:v>#N/A</x:v></x:c><x:c t="d"><x:v>2024-03-05T08:09:10</x:v></x:c><x:c t="d"><x:v>2024-03-05</x:v></x:c></x:row>' +
            '<x:row r="5"><x:c r="C5" t="s"/><x:c r="D5"><x:v>-1.5e3</x:v></x:c><x:c r="E5" t="str"><x:f>1</x:f><x:v>文本结果</x:v></x:c></x:row>' +
            '<x:row><x:c><x:v>1</x:v></x:c></x:row>',
        },
      ],
    });
    const { sheets } = await readAll(file);
    expect(sheets[0]?.rows).toEqual([
      { rowNumber: 1, cells: ['漢字', '第一 段', '换\r\n行'] },
      { rowNumber: 2, cells: ['a<b & c', false, '#N/A', utc(2024, 2, 5, 8, 9, 10), utc(2024, 2, 5)] },
      { rowNumber: 5, cells: [null, null, null, -1500, '文本结果'] },
      { rowNumber: 6, cells: [1] },
    ]);
  });

  it('counts only real values against maxColumns and trims styled empty cells', async () => {
    const styledEmpty = '<row r="1"><c r="A1" t="inlineStr"><is><t>表头</t></is></c><c r="B1" s="0"/><c r="XFD1" s="0"/></row>';
    const ok = await readAll(crafted({ sheets: [{ name: 'S', rows: styledEmpty }] }));
    expect(ok.sheets[0]?.rows).toEqual([{ rowNumber: 1, cells: ['表头'] }]);

    const wide = crafted({ sheets: [{ name: '宽表', rows: '<row r="3"><c r="TA3"><v>1</v></c></row>' }] });
    const error = await readError(readAll(wide));
    expect(error.code).toBe('too_many_columns');
    expect([error.sheet, error.cell]).toEqual(['宽表', 'TA3']);
  });

  it('enforces maxRowsPerSheet and maxCellChars', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => `<row r="${i + 1}"><c><v>${i}</v></c></row>`).join('');
    const tooMany = await readError(readAll(crafted({ sheets: [{ name: '长表', rows }] }), { ...defaultReadLimits, maxRowsPerSheet: 10 }));
    expect([tooMany.code, tooMany.sheet]).toEqual(['too_many_rows', '长表']);

    const long = 'x'.repeat(40_000);
    const shared = await readError(
      readAll(crafted({ sharedStrings: [`<si><t>${long}</t></si>`], sheets: [{ name: 'S', rows: '<row><c t="s"><v>0</v></c></row>' }] })),
    );
    expect([shared.code, shared.cell]).toEqual(['too_large', 'A1']);
    const inline = await readError(readAll(crafted({ sheets: [{ name: 'S', rows: `<row><c t="inlineStr"><is><t>${long}</t></is></c></row>` }] })));
    expect(inline.code).toBe('too_large');
  });

  it('names the sheet when its XML is malformed or its CRC is wrong', async () => {
    const broken = await readError(readAll(crafted({ sheets: [{ name: '坏表', rows: '<row><c><v>1</v></row>' }] })));
    expect([broken.code, broken.sheet]).toEqual(['corrupt', '坏表']);
    expect(broken.message).toContain('坏表');

    const members = craftXlsx({ sheets: [{ name: '校验', rows: '<row><c><v>1</v></c></row>' }] }).map(
      (m): ZipMember => (m.name.endsWith('sheet1.xml') ? { ...m, crc: 12345 } : m),
    );
    const crc = await readError(readAll(writeTemp(buildZip(members))));
    expect(crc.code).toBe('corrupt');
    expect(crc.message).toMatch(/CRC/);
  });

  it('refuses DTDs (billion laughs) before expanding anything', async () => {
    const members = craftXlsx({ sheets: [{ name: 'S', rows: '' }] }).map(
      (m): ZipMember => (m.name.endsWith('workbook.xml') ? { ...m, data: String(m.data).replace('?>', '?><!DOCTYPE x [<!ENTITY a "aaaa">]>') } : m),
    );
    const error = await readError(readAll(writeTemp(buildZip(members))));
    expect(error.code).toBe('corrupt');
    expect(error.message).toContain('DOCTYPE');
  });

  it('refuses a workbook with no visible worksheet as empty', async () => {
    const error = await readError(readAll(crafted({ sheets: [{ name: '藏', rows: '', state: 'hidden' }] })));
    expect(error.code).toBe('empty');
  });
});

describe('XlsxReader resource handling', () => {
  const openFds = (): number => fs.readdirSync('/proc/self/fd').length;

  async function settledFds(baseline: number): Promise<number> {
    for (let i = 0; i < 50 && openFds() > baseline; i++) await new Promise((r) => setTimeout(r, 10));
    return openFds();
  }

  it.runIf(fs.existsSync('/proc/self/fd'))('closes the file when the consumer stops early', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `<row r="${i + 1}"><c><v>${i}</v></c></row>`).join('');
    const file = crafted({
      sheets: [
        { name: 'A', rows },
        { name: 'B', rows },
      ],
    });
    const baseline = openFds();
    const book = new XlsxReader().read(fileAt(file), defaultReadLimits);
    for await (const sheet of book.sheets) {
      for await (const row of sheet.rows) {
        if (row.rowNumber === 3) break;
      }
      break;
    }
    expect(await settledFds(baseline)).toBe(baseline);
  });

  it('turns unreadable inputs into ReadErrors', async () => {
    const failing: ReadableFile = {
      path: 'broken-upload.xlsx',
      bytes: 10,
      open: () =>
        new Readable({
          read() {
            this.destroy(new Error('EIO: i/o error'));
          },
        }),
    };
    expect((await readError(readFile(failing))).code).toBe('corrupt');
    const missing = { ...fileAt(crafted({ sheets: [{ name: 'S', rows: '' }] })), localPath: path.join(tmp, 'gone.xlsx') };
    expect((await readError(readFile(missing))).code).toBe('corrupt');
  });

  it('fails loudly when rows of a sheet are read after the next sheet was requested', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `<row r="${i + 1}"><c><v>${i}</v></c></row>`).join('');
    const file = crafted({
      sheets: [
        { name: 'A', rows },
        { name: 'B', rows },
      ],
    });
    const sheets = new XlsxReader().read(fileAt(file), defaultReadLimits).sheets[Symbol.asyncIterator]();
    const first = await sheets.next();
    const rowsA = first.done ? undefined : first.value.rows[Symbol.asyncIterator]();
    expect((await rowsA?.next())?.value).toEqual({ rowNumber: 1, cells: [0] });
    await sheets.next();
    await expect(rowsA?.next()).rejects.toThrow(/next sheet/);
    await sheets.return?.(undefined);
  });
});

/** A settled guard as the two zip readers must agree on it: the package's parts, or the refusal's code and lead text. */
function verdict(result: PromiseSettledResult<unknown>): unknown {
  if (result.status === 'fulfilled') return result.value;
  const e = result.reason as ReadError;
  // The technical detail in brackets is each zip library's own wording.
  return { code: e.code, message: e.message.replace(/（[^（）]*）[。]?$/, '') };
}

/**
 * The guard over the file on disk (yauzl, the nightly run) and over its bytes in memory (fflate,
 * the self-check page): both must come to the same verdict; the on-disk one is returned.
 */
async function inspectBoth(file: string, limits: ReadLimits): Promise<unknown> {
  const [onDisk, inMemory] = await Promise.allSettled([
    inspectXlsxPackage(fileZipSource(file), limits),
    inspectXlsxPackage(bytesZipSource(fs.readFileSync(file)), limits),
  ]);
  expect(verdict(inMemory)).toEqual(verdict(onDisk));
  if (onDisk.status === 'rejected') throw onDisk.reason;
  return onDisk.value;
}

describe('zip guard', () => {
  const guard = (file: string, limits: ReadLimits = defaultReadLimits): Promise<unknown> => inspectBoth(file, limits);
  const base = (): ZipMember[] => craftXlsx({ sheets: [{ name: 'S', rows: '' }] });

  it('accepts a valid package and lists its parts', async () => {
    const info = (await inspectBoth(crafted({ sheets: [{ name: 'S', rows: '' }] }), defaultReadLimits)) as { entryNames: string[]; backslashNames: boolean };
    expect(info.entryNames).toContain('xl/workbook.xml');
    expect(info.backslashNames).toBe(false);
  });

  it.each([
    ['an empty file', Buffer.alloc(0), 'empty'],
    ['random bytes', Buffer.from([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]), 'corrupt'],
    ['a CSV renamed', Buffer.from('镇街,检查单位\n龙兴镇,12\n'), 'unsupported_format'],
    ['an OLE2 .xls', Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]), 'unsupported_format'],
    [
      'an encrypted OLE2 package',
      Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504), Buffer.from('EncryptedPackage', 'utf16le')]),
      'encrypted',
    ],
    ['a truncated zip', buildZip(craftXlsx({ sheets: [{ name: 'S', rows: '' }] })).subarray(0, 300), 'corrupt'],
    ['an empty zip', buildZip([]), 'corrupt'],
  ])('refuses %s', async (_label, bytes, code) => {
    expect((await readError(guard(writeTemp(bytes)))).code).toBe(code);
  });

  it.each([
    ['duplicate part names', () => [...base(), { name: 'XL/Workbook.xml', data: '<x/>' }], 'corrupt'],
    ['a ../ traversal', () => [...base(), { name: '../evil.xml', data: '<x/>' }], 'corrupt'],
    ['a backslash traversal', () => [...base(), { name: 'xl\\..\\..\\evil.xml', data: '<x/>' }], 'corrupt'],
    ['an absolute path', () => [...base(), { name: '/etc/evil.xml', data: '<x/>' }], 'corrupt'],
    ['a zip bomb', () => [...base(), { name: 'xl/media/bomb.bin', data: Buffer.alloc(4 * 1024 * 1024), deflate: true }], 'too_large'],
    [
      'an OpenDocument spreadsheet',
      () => [
        { name: 'mimetype', data: 'application/vnd.oasis.opendocument.spreadsheet' },
        { name: 'content.xml', data: '<x/>' },
      ],
      'unsupported_format',
    ],
    [
      'a renamed .docx',
      () => [
        {
          name: '[Content_Types].xml',
          data: '<Types><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        },
        { name: 'word/document.xml', data: '<w:document/>' },
      ],
      'unsupported_format',
    ],
    ['a plain zip', () => [{ name: 'readme.txt', data: 'hello' }], 'unsupported_format'],
  ])('refuses %s', async (_label, members: () => ZipMember[], code) => {
    expect((await readError(guard(writeTemp(buildZip(members()))))).code).toBe(code);
  });

  it('enforces the size limits', async () => {
    const file = crafted({ sharedStrings: [`<si><t>${'字'.repeat(3000)}</t></si>`], sheets: [{ name: 'S', rows: '' }] });
    expect((await readError(guard(file, { ...defaultReadLimits, maxSharedStringsBytes: 4096 }))).code).toBe('too_large');
    expect((await readError(guard(file, { ...defaultReadLimits, maxEntryBytes: 4096 }))).code).toBe('too_large');
    expect((await readError(guard(file, { ...defaultReadLimits, maxUncompressedBytes: 8192 }))).code).toBe('too_large');
    expect((await readError(guard(file, { ...defaultReadLimits, maxFileBytes: 100 }))).code).toBe('too_large');
  });
});

/** Expected outcome per corpus file: `ok` (sheets come out) or the ReadError code. */
const CORPUS_EXPECTATIONS: Readonly<Record<string, string>> = {
  'calamine__pass_protected_encrypted.xlsx': 'encrypted',
  'calamine__issue252_bad_crc.xlsx': 'corrupt',
  'exceljs__invalid_xml.xlsx': 'corrupt',
  'poi__54764_billion_laughs.xlsx': 'corrupt',
  'poi__poc_shared_strings_expansion.xlsx': 'too_large',
  'poi__duplicate_zip_entry.xlsx': 'corrupt',
  'poi__fuzz_docx_named_xlsx.xlsx': 'unsupported_format',
  'poi__fuzz_truncated_zip.xlsx': 'corrupt',
  'poi__opc_invalid_empty_zip.xlsx': 'corrupt',
  'poi__xlsx_corrupted_rels.xlsx': 'corrupt',
  'sheetjs__large_strings_60MB_uncompressed.xlsx': 'ok',
  'poi__57893_50000_merges.xlsx': 'ok',
  'calamine__issue_174_gnumeric_wide.xlsx': 'ok',
  'easyexcel__t03_xfd_empty_styled_cols.xlsx': 'ok',
  'calamine__issue_530_backslash_paths_zh.xlsx': 'ok',
  'poi__49609_lowercase_ct_backslashes.xlsx': 'ok',
  'calamine__minimal_package_root_parts.xlsx': 'ok',
  'sheetjs__wtf_path_nonstandard_dir.xlsx': 'ok',
  'easyexcel__t02_x_prefixed_ns_zh.xlsx': 'ok',
  'easyexcel__t04_tencent_docs_ns2_merges_zh.xlsx': 'ok',
  'calamine__strict_iso_paths.xlsx': 'ok',
  'calamine__issue_261_missing_r_attrs.xlsx': 'ok',
};

describe('the real-world corpus', () => {
  const all = fs.readdirSync(corpusDir).sort();
  const workbooks = all.filter((f) => /\.xls[xm]$/i.test(f));
  const corpus = (name: string): string => path.join(corpusDir, name);
  const cache = new Map<string, Promise<ReadBook>>();
  const book = (name: string): Promise<ReadBook> => {
    let pending = cache.get(name);
    if (!pending) {
      pending = readAll(corpus(name));
      // Failures are asserted where they are awaited; this keeps a cached rejection from going unhandled.
      pending.catch(() => undefined);
      cache.set(name, pending);
    }
    return pending;
  };

  it('is in the repository (test/corpus, with its MANIFEST of sources and licences)', () => {
    expect(all.length).toBe(84);
  });

  it.each(workbooks)('%s is read or refused with a ReadError', async (name) => {
    const expected = CORPUS_EXPECTATIONS[name];
    try {
      const { sheets } = await book(name);
      expect(sheets.length).toBeGreaterThan(0);
      for (const sheet of sheets) {
        let last = 0;
        for (const row of sheet.rows) {
          expect(row.rowNumber).toBeGreaterThan(last);
          last = row.rowNumber;
          expect(row.cells.length).toBeLessThanOrEqual(defaultReadLimits.maxColumns);
          if (row.cells.length > 0) expect(row.cells[row.cells.length - 1]).not.toBeNull();
        }
      }
      if (expected) expect(expected).toBe('ok');
    } catch (err) {
      if (!(err instanceof ReadError)) throw err;
      expect(err.message).toMatch(CHINESE);
      if (expected) expect(err.code).toBe(expected);
    }
  });

  it.each([
    ['calamine__any_sheets.ods', 'unsupported_format'],
    ['calamine__any_sheets_biff8.xls', 'unsupported_format'],
    ['sheetjs__excel_unicode_text_utf16le_he.txt', 'unsupported_format'],
  ])('the guard refuses %s', async (name, code) => {
    expect((await readError(inspectBoth(corpus(name), defaultReadLimits))).code).toBe(code);
  });

  it('reads Chinese text and dates of poi__49273_zh_merged.xlsx', async () => {
    const { sheets } = await book('poi__49273_zh_merged.xlsx');
    const row = cellsOf(sheets[0], 1);
    expect(row).toContain('合并单元格');
    expect(row).toContain('中文字体');
    expect(row?.[4]).toEqual(utc(2010, 2, 21));
  });

  it('reads the 1904 dates of poi__date_format_tests_1904.xlsx', async () => {
    const { sheets } = await book('poi__date_format_tests_1904.xlsx');
    const tests = sheets.find((s) => s.name === 'Tests');
    expect(cellsOf(tests, 2)?.[2]).toEqual(utc(1952, 9, 11, 14, 35, 27));
  });

  it('reads t="d" and inline cells of sheetjs__xlsx_stream_d_date_cell.xlsx', async () => {
    const { sheets } = await book('sheetjs__xlsx_stream_d_date_cell.xlsx');
    expect(cellsOf(sheets[0], 1)).toEqual(['String', 'てすと', `&'";<>`, '&amp;']);
    expect(cellsOf(sheets[0], 4)).toEqual(['Boolean', true, false]);
    expect(cellsOf(sheets[0], 5)).toEqual(['Date', utc(2014, 1, 14, 8, 27, 48, 765)]);
  });

  it('reads odd layouts and producers', async () => {
    expect((await book('calamine__issue_530_backslash_paths_zh.xlsx')).sheets[0]?.name).toBe('出勤分类组织汇总表');
    expect((await book('easyexcel__t04_tencent_docs_ns2_merges_zh.xlsx')).sheets[0]?.rows).toHaveLength(200);
    expect(cellsOf((await book('easyexcel__t02_x_prefixed_ns_zh.xlsx')).sheets[0], 1)).toEqual(['测试配方1027']);
    expect(cellsOf((await book('calamine__inlineStr_cdata.xlsx')).sheets[0], 1)?.[0]).toBe('Hello CDATA');
    expect(cellsOf((await book('calamine__has_x000D_escapes.xlsx')).sheets[0], 1)).toEqual(['ABC\r\nDEF']);
    expect(cellsOf((await book('sheetjs__phonetic_text_ja.xlsx')).sheets[0], 1)).toEqual(['漢字']);
    expect(cellsOf((await book('poi__54071_zh_sheetname_time.xlsx')).sheets[0], 2)).toEqual([utc(2012, 10, 11, 23, 59, 59)]);
    const dates = (await book('easyexcel__dataformat_zh_dates.xlsx')).sheets[0];
    expect(cellsOf(dates, 2)?.[0]).toEqual(utc(2020, 0, 1, 1, 1, 1));
    const wide = (await book('easyexcel__t03_xfd_empty_styled_cols.xlsx')).sheets[0];
    expect(cellsOf(wide, 1)?.slice(0, 2)).toEqual(['单据号', '服务产品编码']);
  });

  it('infers positions of rows and cells without r= (calamine issue 261)', async () => {
    const sheet = (await book('calamine__issue_261_missing_r_attrs.xlsx')).sheets[0];
    // The first five rows lack r=; then r="7" (row 6 absent), one without r= (8), r="10".
    expect(sheet?.rows.map((r) => r.rowNumber).slice(0, 8)).toEqual([1, 2, 3, 4, 5, 7, 8, 10]);
    expect(cellsOf(sheet, 1)?.[0]).toBe('String Value 32');
  });

  it('skips hidden, very hidden and chart sheets with notices', async () => {
    const { sheets, notices } = await book('calamine__any_sheets_chartsheet_hidden.xlsx');
    expect(sheets.map((s) => s.name)).toEqual(['Visible']);
    expect(notices.map((n) => [n.code, n.sheet])).toEqual([
      ['hidden_sheet_skipped', 'Hidden'],
      ['hidden_sheet_skipped', 'VeryHidden'],
      ['chart_sheet_skipped', 'Chart'],
    ]);
    const strict = await book('sheetjs__sheet_visibility_strict.xlsx');
    expect(strict.sheets.map((s) => s.name)).toEqual(['Visible']);
  });
});
