import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as XLSX from '@e965/xlsx';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readerFor } from '../../sources/readers/index.js';
import { ReadError, defaultReadLimits } from '../../sources/readers/reader.js';
import type { ReadLimits, ReadableFile, ReaderNotice, SheetRow, WorkbookReader } from '../../sources/readers/reader.js';
import { sniffBytes } from '../../sources/readers/sniff.js';
import { XlsReader } from '../../sources/readers/xls-reader.js';
import { XlsxReader } from '../../sources/readers/xlsx-reader.js';
import { buildZip } from './xlsx-test-zip.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = path.join(repoRoot, 'test/fixtures/xls/2024Q1');
const equivalents = path.join(repoRoot, 'test/fixtures/xls/equivalent/2024Q1');
const corpusDir = path.resolve(repoRoot, 'test/corpus/real-world');
const CHINESE = /[\u4e00-\u9fff]/;
const RESAVE = '请用 Excel 或 WPS 打开后“另存为” Excel 工作簿（*.xlsx）再报送';

const fixture = (rel: string): string => path.join(fixtures, rel);
const utc = (y: number, m: number, d: number): Date => new Date(Date.UTC(y, m - 1, d));

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
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'firestat-xls-test-'));
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A file as the inbox hands it over; `name` is the path shown in messages (its extension matters). */
function fileAt(localPath: string, name = path.basename(localPath)): ReadableFile {
  return { path: name, bytes: fs.statSync(localPath).size, open: () => fs.createReadStream(localPath), localPath };
}

function writeTemp(data: Uint8Array, ext: string): string {
  const file = path.join(tmp, `f${++counter}${ext}`);
  fs.writeFileSync(file, data);
  return file;
}

async function collect(reader: WorkbookReader, file: ReadableFile, limits: ReadLimits = defaultReadLimits): Promise<ReadBook> {
  const book = reader.read(file, limits);
  const sheets: ReadSheet[] = [];
  for await (const sheet of book.sheets) {
    const rows: SheetRow[] = [];
    for await (const row of sheet.rows) rows.push(row);
    sheets.push({ name: sheet.name, index: sheet.index, rows });
  }
  return { sheets, notices: book.notices };
}

const readXls = (localPath: string, limits?: ReadLimits, reader = new XlsReader()): Promise<ReadBook> => collect(reader, fileAt(localPath), limits);
const readXlsx = (localPath: string): Promise<ReadBook> => collect(new XlsxReader(), fileAt(localPath));

/** Reads a file the way the ingest does: the reader chosen by its bytes. */
async function ingestRead(localPath: string, name = path.basename(localPath)): Promise<ReadBook | { refusal: string }> {
  const file = fileAt(localPath, name);
  const choice = await readerFor(file);
  if ('refusal' in choice) return choice;
  return collect(await choice.load(), file);
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

function rowsOf(book: ReadBook, sheet = 0): SheetRow[] {
  const found = book.sheets[sheet];
  if (!found) throw new Error(`no sheet ${sheet}`);
  return found.rows;
}

function cells(book: ReadBook, rowNumber: number, sheet = 0): unknown[] | undefined {
  return rowsOf(book, sheet).find((r) => r.rowNumber === rowNumber)?.cells as unknown[] | undefined;
}

describe('BIFF8 written by LibreOffice (T1 statistics table)', () => {
  const t1 = fixture('石船镇/石船镇2024年一季度统计表.xls');

  it('yields 1-based rows, cells from column A, numbers as numbers, null for gaps', async () => {
    const book = await readXls(t1);
    expect(book.sheets.map((s) => [s.name, s.index])).toEqual([['一季度', 0]]);
    expect(rowsOf(book).map((r) => r.rowNumber)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 10]);
    expect(cells(book, 1)).toEqual(['渝北区石船镇2024年第一季度消防执法工作统计表']);
    expect(cells(book, 2)).toEqual(['填报单位（盖章）：石船镇人民政府', null, null, null, null, null, null, null, '填报日期：2024年4月3日']);
    // Text that looks like a number stays text, as the sender typed it; real numbers are numbers.
    expect(cells(book, 5)).toEqual(['石船', '1月', 30, '１２', 10, 1, 2, 0, null, 5, 2]);
    expect(cells(book, 7)).toEqual(['石船镇', '3月份', '1,002', 12, 11, 0, 1, 1, '-', 3, 3]);
  });

  it('hands on the cached result of formula cells', async () => {
    const book = await readXls(t1);
    // E8 is =SUM(E5:E7), F8 is =SUM(F5:F7): BIFF stores the result beside the formula.
    expect(cells(book, 8)).toEqual(['合计', null, 1063, 36, 32, 1, 4, 2, 0, 11, 3]);
  });

  it('gives exactly the rows the xlsx reader gives for the equivalent .xlsx', async () => {
    const xls = await readXls(t1);
    const xlsx = await readXlsx(path.join(equivalents, '石船镇/石船镇2024年一季度统计表.xlsx'));
    expect(xls.sheets).toEqual(xlsx.sheets);
    expect(xls.notices).toEqual(xlsx.notices);
  });
});

describe('BIFF5 (Excel 5.0/95) written by gnumeric, code page 936', () => {
  it('decodes GBK text and gives the same rows as the equivalent .xlsx', async () => {
    const xls = await readXls(fixture('洛碛镇/洛碛镇2024年一季度统计表.xls'));
    expect(cells(xls, 1)).toEqual(['渝北区洛碛镇2024年第一季度消防执法工作统计表']);
    const xlsx = await readXlsx(path.join(equivalents, '洛碛镇/洛碛镇2024年一季度统计表.xlsx'));
    expect(xls.sheets).toEqual(xlsx.sheets);
  });
});

describe('L2 hazard ledger with vertically merged 检查日期 and 被检查单位', () => {
  const ledger = fixture('石船镇/隐患台账.xls');

  it('reads dates as wall-clock Dates in UTC fields', async () => {
    const book = await readXls(ledger);
    expect(cells(book, 3)).toEqual([1, '石船镇', utc(2024, 1, 15), '石船镇某某农家乐', '消防设施', '灭火器过期', utc(2024, 2, 15), utc(2024, 2, 1), '已整改']);
  });

  it('gives the merged value to every row the merge covers, in its first column only', async () => {
    const book = await readXls(ledger);
    for (const row of [4, 5]) {
      expect(cells(book, row)?.slice(2, 4)).toEqual([utc(2024, 1, 15), '石船镇某某农家乐']);
    }
    expect(cells(book, 5)).toEqual([3, '石船镇', utc(2024, 1, 15), '石船镇某某农家乐', '电气线路', '私拉乱接电线', '2024年3月15日', null, '整改中']);
    expect(cells(book, 7)?.slice(2, 4)).toEqual([utc(2024, 3, 5), '某某加油站']);
    // The title merged across A1:I1 is not spread to the right.
    expect(cells(book, 1)).toEqual(['石船镇火灾隐患整改台账（2024年第一季度）']);
  });

  it('says which ranges were spread, in Chinese', async () => {
    const book = await readXls(ledger);
    expect(book.notices).toEqual([
      { code: 'merged_spread', sheet: '台账', message: '工作表“台账”中合并单元格 C3:C5、D3:D5、C6:C7、D6:D7 的值已填入其覆盖的每一行' },
    ]);
  });

  it('equals the same ledger written with the values on every row', async () => {
    const xls = await readXls(ledger);
    const xlsx = await readXlsx(path.join(equivalents, '石船镇/隐患台账.xlsx'));
    expect(xls.sheets).toEqual(xlsx.sheets);
  });

  it('reads the 1904 date system to the same calendar dates', async () => {
    const book = await readXls(fixture('大盛镇/隐患台账.xls'));
    expect(cells(book, 3)?.slice(2, 8)).toEqual([utc(2024, 1, 15), '石船镇某某农家乐', '消防设施', '灭火器过期', utc(2024, 2, 15), utc(2024, 2, 1)]);
    const xlsx = await readXlsx(path.join(equivalents, '大盛镇/隐患台账.xlsx'));
    expect(book.sheets).toEqual(xlsx.sheets);
  });

  it('reads the same bytes named .et (WPS 表格)', async () => {
    const et = fixture('石船镇/隐患台账.et');
    expect(fs.readFileSync(et).equals(fs.readFileSync(ledger))).toBe(true);
    expect(await readXls(et)).toEqual(await readXls(ledger));
  });

  it('reads a date under a built-in Chinese date format that has no FORMAT record (id 31)', async () => {
    // Chinese Excel writes `yyyy"年"m"月"d"日"` as built-in format 31, by id only. Re-point the XF
    // records of LibreOffice's own copy of that format at id 31 to make such a file.
    const cfb = XLSX.CFB.read(fs.readFileSync(ledger), { type: 'buffer' });
    const entry = XLSX.CFB.find(cfb, 'Workbook') as { content: Uint8Array };
    const stream = Buffer.from(entry.content);
    const records: { type: number; at: number; length: number }[] = [];
    for (let pos = 0; pos + 4 <= stream.length; ) {
      const type = stream.readUInt16LE(pos);
      const length = stream.readUInt16LE(pos + 2);
      records.push({ type, at: pos + 4, length });
      pos += 4 + length;
    }
    const chineseDate = records
      .filter((r) => r.type === 0x041e)
      .find((r) => {
        const cch = stream.readUInt16LE(r.at + 2);
        const wide = (stream[r.at + 4] as number) & 1;
        const text = wide ? stream.subarray(r.at + 5, r.at + 5 + cch * 2).toString('utf16le') : stream.subarray(r.at + 5, r.at + 5 + cch).toString('latin1');
        return text.includes('年');
      });
    expect(chineseDate).toBeDefined();
    const id = stream.readUInt16LE((chineseDate as { at: number }).at);
    let patched = 0;
    for (const xf of records.filter((r) => r.type === 0x00e0)) {
      if (stream.readUInt16LE(xf.at + 2) === id) {
        stream.writeUInt16LE(31, xf.at + 2);
        patched++;
      }
    }
    expect(patched).toBeGreaterThan(0);
    entry.content = stream;
    const file = writeTemp(XLSX.CFB.write(cfb, { type: 'buffer' }) as Uint8Array, '.xls');
    const book = await readXls(file);
    expect(cells(book, 3)?.[2]).toEqual(utc(2024, 1, 15));
  });
});

describe('hidden sheets', () => {
  it('skips hidden and very hidden sheets with the xlsx reader’s notice', async () => {
    const book = await readXls(fixture('统景镇/统景镇2024年一季度统计表.xls'));
    expect(book.sheets.map((s) => s.name)).toEqual(['一季度']);
    const hidden = book.notices.filter((n) => n.code === 'hidden_sheet_skipped');
    expect(hidden.map((n) => n.sheet)).toEqual(['计算过程', '参数']);
    expect(JSON.stringify(book.sheets)).not.toContain('不应读取的内容');

    // The same wording as the xlsx reader for the same workbook.
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('一季度').getCell('A1').value = '镇街';
    const a = wb.addWorksheet('计算过程');
    a.state = 'hidden';
    const b = wb.addWorksheet('参数');
    b.state = 'veryHidden';
    const xlsxPath = path.join(tmp, 'hidden.xlsx');
    await wb.xlsx.writeFile(xlsxPath);
    const xlsx = await readXlsx(xlsxPath);
    expect(hidden).toEqual(xlsx.notices.filter((n) => n.code === 'hidden_sheet_skipped'));
    expect(hidden[1]?.message).toContain('深度隐藏（veryHidden）');
  });

  it('gives the visible sheet the rows of the equivalent .xlsx', async () => {
    const xls = await readXls(fixture('统景镇/统景镇2024年一季度统计表.xls'));
    const xlsx = await readXlsx(path.join(equivalents, '统景镇/统景镇2024年一季度统计表.xlsx'));
    expect(xls.sheets).toEqual(xlsx.sheets);
  });

  it('skips the hidden, very hidden and chart sheets of calamine’s any_sheets.xls', async () => {
    const book = await readXls(path.join(corpusDir, 'calamine__any_sheets_biff8.xls'));
    expect(book.sheets.map((s) => [s.name, s.index])).toEqual([['Visible', 0]]);
    expect(rowsOf(book)).toEqual([
      { rowNumber: 1, cells: [1, 2] },
      { rowNumber: 2, cells: [3, 4] },
      { rowNumber: 3, cells: [5, 6] },
      { rowNumber: 5, cells: ['This workbook contains 4 sheets: Visible, Hidden, VeryHidden and Chart'] },
    ]);
    expect(book.notices.map((n) => [n.code, n.sheet])).toEqual([
      ['hidden_sheet_skipped', 'Hidden'],
      ['hidden_sheet_skipped', 'VeryHidden'],
      ['chart_sheet_skipped', 'Chart'],
    ]);
  });
});

describe('limits', () => {
  const t1 = fixture('石船镇/石船镇2024年一季度统计表.xls');

  it('refuses a file over maxFileBytes before parsing', async () => {
    const error = await readError(readXls(t1, { ...defaultReadLimits, maxFileBytes: 1000 }));
    expect(error.code).toBe('too_large');
  });

  it('refuses an .xls over the in-memory cap, saying why and what to do', async () => {
    const error = await readError(readXls(t1, defaultReadLimits, new XlsReader({ maxBytes: 4096 })));
    expect(error.code).toBe('too_large');
    expect(error.message).toContain('.xls');
    expect(error.message).toContain('另存为');
  });

  it('enforces maxRowsPerSheet', async () => {
    const error = await readError(readXls(t1, { ...defaultReadLimits, maxRowsPerSheet: 3 }));
    expect(error.code).toBe('too_many_rows');
    expect(error.sheet).toBe('一季度');
    expect(error.message).toContain('超过 3 行');
    // Within the limit the same file is read.
    expect(rowsOf(await readXls(t1, { ...defaultReadLimits, maxRowsPerSheet: 9 }))).toHaveLength(9);
  });

  it('enforces maxColumns, naming the first cell beyond', async () => {
    const error = await readError(readXls(t1, { ...defaultReadLimits, maxColumns: 5 }));
    expect(error.code).toBe('too_many_columns');
    expect(error.cell).toBe('I2');
    expect(error.message).toContain('5 列');
  });

  it('enforces maxCellChars, naming the cell', async () => {
    const error = await readError(readXls(t1, { ...defaultReadLimits, maxCellChars: 20 }));
    expect(error.code).toBe('too_large');
    expect(error.cell).toBe('A1');
    expect(error.message).toContain('上限 20 个');
  });
});

describe('files that cannot be read', () => {
  it('refuses a password-protected .xls as encrypted', async () => {
    const error = await readError(readXls(fixture('古路镇/古路镇2024年一季度统计表.xls')));
    expect(error.code).toBe('encrypted');
    expect(error.message).toMatch(/密码/);
  });

  it('refuses a truncated .xls as corrupt, with the resave advice', async () => {
    const error = await readError(readXls(fixture('木耳镇/木耳镇2024年一季度统计表.xls')));
    expect(error.code).toBe('corrupt');
    expect(error.message).toMatch(/损坏|不完整/);
    expect(error.message).toContain(RESAVE);
  });

  it('refuses every truncation of a real .xls cleanly', async () => {
    const bytes = fs.readFileSync(fixture('石船镇/隐患台账.xls'));
    for (const length of [8, 511, 512, 1024, 2048, 3000, 4096, 5000, 6000, bytes.length - 512, bytes.length - 1]) {
      const file = writeTemp(bytes.subarray(0, length), '.xls');
      try {
        await readXls(file);
      } catch (err) {
        expect(err, `cut at ${length}`).toBeInstanceOf(ReadError);
        expect((err as ReadError).message).toMatch(CHINESE);
      }
    }
  });

  it('refuses a Word .doc named .xls, saying it is a Word document', async () => {
    const error = await readError(readXls(fixture('龙兴镇/龙兴镇2024年一季度统计表.xls')));
    expect(error.code).toBe('unsupported_format');
    expect(error.message).toContain('这个 .xls 文件实际上是 Word 文档（.doc）');
  });

  it('refuses an encrypted .xlsx (OLE2 EncryptionInfo) as encrypted, saying what it is', async () => {
    const cfb = XLSX.CFB.utils.cfb_new();
    XLSX.CFB.utils.cfb_add(cfb, '/EncryptionInfo', Buffer.from([4, 0, 4, 0, 0x40, 0, 0, 0]));
    XLSX.CFB.utils.cfb_add(cfb, '/EncryptedPackage', Buffer.alloc(4096, 7));
    const file = writeTemp(XLSX.CFB.write(cfb, { type: 'buffer' }) as Uint8Array, '.xls');
    const error = await readError(readXls(file));
    expect(error.code).toBe('encrypted');
    expect(error.message).toContain('这个 .xls 文件实际上是设置了打开密码（已加密）的 Excel 工作簿（.xlsx）');
  });

  it('refuses calamine’s password-protected .xlsx (made by Excel) as encrypted', async () => {
    const book = await ingestRead(path.join(corpusDir, 'calamine__pass_protected_encrypted.xlsx')).catch((e: unknown) => e);
    expect(book).toBeInstanceOf(ReadError);
    expect((book as ReadError).code).toBe('encrypted');
  });

  it('refuses an OLE2 file without a workbook stream', async () => {
    const cfb = XLSX.CFB.utils.cfb_new();
    XLSX.CFB.utils.cfb_add(cfb, '/Contents', Buffer.alloc(600, 1));
    const error = await readError(readXls(writeTemp(XLSX.CFB.write(cfb, { type: 'buffer' }) as Uint8Array, '.xls')));
    expect(error.code).toBe('unsupported_format');
    expect(error.message).toContain('OLE2');
  });

  it('refuses the bare OLE2 signature (8 bytes) as corrupt', async () => {
    const error = await readError(readXls(writeTemp(Buffer.from('d0cf11e0a1b11ae1', 'hex'), '.xls')));
    expect(error.code).toBe('corrupt');
  });

  it('never hands HTML, XML or text to SheetJS, even when called directly', async () => {
    for (const rel of ['兴隆镇/兴隆镇2024年一季度统计表.xls', '茨竹镇/茨竹镇2024年一季度统计表.xls', '玉峰山镇/玉峰山镇2024年一季度统计表.xls']) {
      const error = await readError(readXls(fixture(rel)));
      expect(error.code, rel).toBe('unsupported_format');
      expect(error.message).toContain('不是 Excel 97-2003 工作簿');
    }
  });

  it('turns every mutation of real .xls bytes into rows or a ReadError, quickly', async () => {
    // A seeded byte-level fuzz over three producers' files (LibreOffice BIFF8, gnumeric BIFF5/BIFF8).
    let seed = 20240401;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const seeds = ['石船镇/石船镇2024年一季度统计表.xls', '洛碛镇/洛碛镇2024年一季度统计表.xls', '统景镇/统景镇2024年一季度统计表.xls'].map((rel) =>
      fs.readFileSync(fixture(rel)),
    );
    const outcomes: Record<string, number> = {};
    const started = Date.now();
    for (let i = 0; i < 240; i++) {
      const bytes = Buffer.from(seeds[i % seeds.length] as Buffer);
      const flips = 1 + random(24);
      for (let f = 0; f < flips; f++) bytes[random(bytes.length)] = random(256);
      if (i % 7 === 0) bytes.writeUInt32LE(random(2 ** 32), 512 + random(bytes.length - 516));
      const file = writeTemp(bytes, '.xls');
      try {
        const book = await readXls(file);
        for (const sheet of book.sheets) for (const row of sheet.rows) expect(row.rowNumber).toBeGreaterThan(0);
        outcomes.ok = (outcomes.ok ?? 0) + 1;
      } catch (err) {
        if (!(err instanceof ReadError)) throw new Error(`mutant ${i}: ${String(err)}`);
        expect(err.message).toMatch(CHINESE);
        outcomes[err.code] = (outcomes[err.code] ?? 0) + 1;
      }
    }
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(outcomes.ok ?? 0).toBeGreaterThan(0);
  });
});

describe('sniffing: a file is known by its bytes', () => {
  it.each([
    ['zip', Buffer.from('504b030414000000', 'hex'), 'zip'],
    ['empty zip', Buffer.from('504b0506', 'hex'), 'zip'],
    ['OLE2', Buffer.from('d0cf11e0a1b11ae1', 'hex'), 'ole2'],
    ['bare BIFF4', Buffer.from('0904060000001000', 'hex'), 'biff'],
    ['bare BIFF2', Buffer.from('0900040002001000', 'hex'), 'biff'],
    ['PDF', Buffer.from('%PDF-1.6\n'), 'pdf'],
    ['PNG', Buffer.from('89504e470d0a1a0a0000', 'hex'), 'image'],
    ['JPEG', Buffer.from('ffd8ffe000104a464946', 'hex'), 'image'],
    ['RAR', Buffer.from('526172211a0700', 'hex'), 'archive'],
    ['HTML', Buffer.from('\ufeff\r\n  <html xmlns:x="urn:schemas-microsoft-com:office:excel"><body><table><tr><td>1</td></tr></table>'), 'html'],
    ['a bare HTML table', Buffer.from('<table border="1"><tr><td>镇街</td></tr></table>'), 'html'],
    ['UTF-16 HTML', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<html><body></body></html>', 'utf16le')]), 'html'],
    [
      'SpreadsheetML 2003',
      Buffer.from('<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'),
      'spreadsheetml',
    ],
    ['MHTML', Buffer.from('MIME-Version: 1.0\r\nX-Document-Type: Workbook\r\nContent-Type: multipart/related; boundary="----=_NextPart"\r\n'), 'mhtml'],
    ['other XML', Buffer.from('<?xml version="1.0"?><data><row/></data>'), 'xml'],
    ['RTF', Buffer.from('{\\rtf1\\ansi'), 'rtf'],
    ['UTF-8 CSV', Buffer.from('镇街,检查单位数\n龙兴镇,12\n'), 'text'],
    ['GBK CSV', Buffer.from('d5f2bdd62cbcecb2e9', 'hex'), 'text'],
    ['UTF-16LE TSV without BOM', Buffer.from('镇街\t检查\r\nab\tcd\r\n', 'utf16le'), 'text'],
    ['a CSV with < in a cell', Buffer.from('<备注>,数量\n有,1\n'), 'text'],
    ['random binary', Buffer.from([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]), 'binary'],
    ['nothing', Buffer.alloc(0), 'empty'],
  ])('%s', (_label, bytes, kind) => {
    expect(sniffBytes(bytes).kind).toBe(kind);
  });
});

describe('readerFor: the reader is chosen by the bytes', () => {
  const notice = (book: ReadBook | { refusal: string }): ReaderNotice[] => ('refusal' in book ? [] : book.notices.filter((n) => n.code === 'format_detected'));

  it('reads an .xlsx named .xls as xlsx and says so', async () => {
    const book = await ingestRead(fixture('大湾镇/大湾镇2024年一季度统计表.xls'));
    expect('refusal' in book).toBe(false);
    expect(notice(book)).toEqual([{ code: 'format_detected', message: '文件扩展名是 .xls，但内容是 Excel 工作簿（.xlsx），已按 .xlsx 读取' }]);
    const xlsx = await readXlsx(path.join(equivalents, '大湾镇/大湾镇2024年一季度统计表.xlsx'));
    expect((book as ReadBook).sheets).toEqual(xlsx.sheets);
  });

  it('reads a real .xls and .et with the xls reader and no format notice', async () => {
    for (const rel of ['石船镇/隐患台账.xls', '石船镇/隐患台账.et']) {
      const book = await ingestRead(fixture(rel));
      expect('refusal' in book, rel).toBe(false);
      expect(notice(book)).toEqual([]);
      expect(cells(book as ReadBook, 4)?.[2]).toEqual(utc(2024, 1, 15));
    }
  });

  it('reads a real .xls named .xlsx with the xls reader and says so', async () => {
    const book = await ingestRead(fixture('石船镇/石船镇2024年一季度统计表.xls'), '石船镇2024年一季度统计表.xlsx');
    expect(notice(book)).toEqual([{ code: 'format_detected', message: '文件扩展名是 .xlsx，但内容是 Excel 97-2003 工作簿（.xls），已按 .xls 读取' }]);
    expect(cells(book as ReadBook, 8)?.[4]).toBe(32);
  });

  it('reads CSV text named .xls as CSV and says so', async () => {
    const book = await ingestRead(fixture('玉峰山镇/玉峰山镇2024年一季度统计表.xls'));
    expect('refusal' in book).toBe(false);
    expect(notice(book)[0]?.message).toBe('文件扩展名是 .xls，但内容是 CSV 文本（逗号或制表符分隔），已按 CSV 读取');
    expect(cells(book as ReadBook, 1)).toEqual(['渝北区玉峰山镇2024年第一季度消防执法工作统计表']);
    expect(cells(book as ReadBook, 5)?.slice(0, 3)).toEqual(['玉峰山', '1月', '30']);
  });

  it.each([
    ['兴隆镇/兴隆镇2024年一季度统计表.xls', '这个 .xls 文件实际上是网页（HTML）格式'],
    ['茨竹镇/茨竹镇2024年一季度统计表.xls', '这个 .xls 文件实际上是 XML 表格（Excel 2003 XML，SpreadsheetML）格式'],
    ['王家街道/王家街道2024年一季度统计表.xls', '这个 .xls 文件实际上是 PDF 文件'],
  ])('refuses %s saying what it really is', async (rel, says) => {
    const book = await ingestRead(fixture(rel));
    expect(book).toHaveProperty('refusal');
    const { refusal } = book as { refusal: string };
    expect(refusal).toContain(says);
    if (!rel.startsWith('王家街道')) expect(refusal).toContain(RESAVE);
  });

  it('refuses a Word document named .xls, through the xls reader, as a Word document', async () => {
    const error = await readError(ingestRead(fixture('龙兴镇/龙兴镇2024年一季度统计表.xls')));
    expect(error.message).toContain('Word 文档');
  });

  it('refuses a .docx named .xls with the extension it really has', async () => {
    const docx = writeTemp(
      buildZip([
        {
          name: '[Content_Types].xml',
          data: '<Types><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        },
        { name: 'word/document.xml', data: '<w:document/>' },
      ]),
      '.xls',
    );
    const error = await readError(ingestRead(docx));
    expect(error.code).toBe('unsupported_format');
    expect(error.message).toContain('Word 文档');
    expect(error.message).not.toContain('改成了 .xlsx');
  });

  it('refuses an .ods named .xls as OpenDocument', async () => {
    const ods = writeTemp(
      buildZip([
        { name: 'mimetype', data: 'application/vnd.oasis.opendocument.spreadsheet' },
        { name: 'content.xml', data: '<x/>' },
      ]),
      '.xls',
    );
    const error = await readError(ingestRead(ods));
    expect(error.message).toContain('OpenDocument');
  });

  it('keeps the resave advice for formats still not read', async () => {
    const zip = buildZip([{ name: 'xl/workbook.bin', data: 'x' }]);
    expect(await ingestRead(writeTemp(zip, '.xlsb'))).toEqual({ refusal: expect.stringContaining('Excel 二进制工作簿（.xlsb）') });
    expect(await ingestRead(writeTemp(zip, '.numbers'))).toEqual({ refusal: expect.stringContaining('Numbers') });
    const pdf = await ingestRead(writeTemp(Buffer.from('%PDF-1.4\n%\xe2\xe3\n'), '.pdf'));
    expect(pdf).toEqual({ refusal: '这是 PDF 文件，无法读取其中的数据。请报送 Excel 工作簿（*.xlsx）或 CSV 文件' });
    const junk = await ingestRead(writeTemp(Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), '.xls'));
    expect(junk).toEqual({ refusal: expect.stringContaining('文件内容无法识别') });
    const picture = await ingestRead(writeTemp(Buffer.from('ffd8ffe000104a46494600', 'hex'), '.xls'));
    expect(picture).toEqual({ refusal: expect.stringContaining('这个 .xls 文件实际上是图片（JPEG）') });
  });

  it('still sends an empty or undecidable file to the reader its extension names', async () => {
    const empty = await readError(ingestRead(writeTemp(Buffer.alloc(0), '.xls')));
    expect(empty.code).toBe('empty');
    const random = await readError(ingestRead(writeTemp(Buffer.from([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]), '.xlsx')));
    expect(random.code).toBe('corrupt');
  });
});
