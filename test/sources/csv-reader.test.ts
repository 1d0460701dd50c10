import { createReadStream, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { CsvReader, detectDelimiter } from '../../sources/readers/csv-reader.js';
import {
  ReadError,
  defaultReadLimits,
  type ReadErrorCode,
  type ReadLimits,
  type ReadableFile,
  type ReaderNotice,
  type SheetRow,
} from '../../sources/readers/reader.js';
import type { TextEncoding } from '../../sources/readers/text-decoding.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const corpusDir = resolve(repoRoot, 'test/corpus/real-world');
const CHINESE = /[\u4e00-\u9fff]/;

/** An in-memory file whose stream delivers `chunkSize`-byte chunks. */
function memoryFile(path: string, bytes: Uint8Array, chunkSize = 64 * 1024): ReadableFile & { streams: Readable[] } {
  const streams: Readable[] = [];
  return {
    path,
    bytes: bytes.length,
    streams,
    open() {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(Buffer.from(bytes.subarray(i, i + chunkSize)));
      const stream = Readable.from(chunks);
      streams.push(stream);
      return stream;
    },
  };
}

function diskFile(path: string): ReadableFile {
  return { path: path.slice(path.lastIndexOf('/') + 1), bytes: statSync(path).size, open: () => createReadStream(path), localPath: path };
}

interface ReadResult {
  readonly sheetNames: string[];
  readonly rows: SheetRow[];
  readonly notices: ReaderNotice[];
  readonly encoding: TextEncoding | undefined;
}

async function readAll(file: ReadableFile, limits: ReadLimits = defaultReadLimits): Promise<ReadResult> {
  const book = new CsvReader().read(file, limits);
  const sheetNames: string[] = [];
  const rows: SheetRow[] = [];
  for await (const sheet of book.sheets) {
    sheetNames.push(sheet.name);
    for await (const row of sheet.rows) rows.push(row);
  }
  return { sheetNames, rows, notices: book.notices, encoding: book.encoding?.encoding };
}

async function readError(file: ReadableFile, limits: ReadLimits = defaultReadLimits): Promise<ReadError> {
  try {
    await readAll(file, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(ReadError);
    const readErr = error as ReadError;
    expect(readErr.message).toMatch(CHINESE);
    expect(readErr.message).toContain(file.path);
    return readErr;
  }
  throw new Error(`${file.path} was read without error`);
}

async function expectCode(file: ReadableFile, code: ReadErrorCode, limits?: ReadLimits): Promise<ReadError> {
  const error = await readError(file, limits);
  expect(error.code, error.message).toBe(code);
  return error;
}

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');
const cellsOf = (result: ReadResult): (readonly unknown[])[] => result.rows.map((r) => r.cells);

/** Rows with 2-byte (GBK) and 4-byte (GB18030-only: 𠀀, 䶮, emoji) characters. */
function chineseRows(count: number): string[][] {
  const towns = ['龙兴镇', '洛碛镇', '双凤桥街道', '玉峰山镇', '宝圣湖街道'];
  return Array.from({ length: count }, (_, i) => [
    towns[i % towns.length] ?? '',
    `2024年第${(i % 4) + 1}季度`,
    `某${i}号“消防通道”堵塞，已整改（𠀀䶮😀）`,
    String(i),
  ]);
}
const toCsv = (rows: string[][], eol = '\n'): string => rows.map((r) => r.join(',')).join(eol) + eol;

describe('CsvReader — encodings', () => {
  it('decodes GB18030 fed in 7-byte chunks without garbling characters split across chunks', async () => {
    const rows = chineseRows(4000);
    const bytes = iconv.encode(toCsv(rows), 'gb18030');
    const result = await readAll(memoryFile('龙兴镇/2024Q1.csv', bytes, 7));
    expect(result.encoding).toBe('gb18030');
    expect(result.sheetNames).toEqual(['2024Q1']);
    expect(cellsOf(result)).toEqual(rows);
    expect(result.rows.at(-1)?.rowNumber).toBe(4000);
    expect(result.notices.map((n) => n.code)).toEqual(['encoding_detected']);
  });

  it('decodes UTF-8 without BOM fed in 7-byte chunks', async () => {
    const rows = chineseRows(3000);
    const result = await readAll(memoryFile('a.csv', utf8(toCsv(rows, '\r\n')), 7));
    expect(result.encoding).toBe('utf-8');
    expect(cellsOf(result)).toEqual(rows);
  });

  it('strips the UTF-8 BOM from the first header cell', async () => {
    const result = await readAll(memoryFile('b.csv', utf8('\uFEFF镇街,统计期间\n龙兴镇,2024Q1\n'), 2));
    expect(cellsOf(result)).toEqual([
      ['镇街', '统计期间'],
      ['龙兴镇', '2024Q1'],
    ]);
    expect(result.notices[0]?.message).toContain('BOM');
  });

  it('reads Excel "Unicode text" (.txt, UTF-16LE with BOM, tab-separated)', async () => {
    const text = '\uFEFF镇街\t发现隐患（处）\t备注\r\n龙兴镇\t12\t"含,逗号"\r\n';
    const result = await readAll(memoryFile('t.txt', iconv.encode(text, 'utf16le'), 3));
    expect(result.encoding).toBe('utf-16le');
    expect(cellsOf(result)).toEqual([
      ['镇街', '发现隐患（处）', '备注'],
      ['龙兴镇', '12', '含,逗号'],
    ]);
  });

  it('reads UTF-16BE with BOM and BOM-less UTF-16LE', async () => {
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode('镇街,数\n龙兴镇,1\n', 'utf16be')]);
    expect(cellsOf(await readAll(memoryFile('be.csv', be, 5)))).toEqual([
      ['镇街', '数'],
      ['龙兴镇', '1'],
    ]);
    const le = iconv.encode('town,count\nLongxing 龙兴,1\n', 'utf16le');
    expect(cellsOf(await readAll(memoryFile('le.csv', le)))).toEqual([
      ['town', 'count'],
      ['Longxing 龙兴', '1'],
    ]);
  });

  it('decides GB18030 even when the first 64 KiB are pure ASCII', async () => {
    const ascii = Array.from({ length: 5000 }, (_, i) => `${i},2024-03-05,ok`).join('\n');
    const bytes = Buffer.concat([utf8(`${ascii}\n`), iconv.encode('5000,2024-03-05,龙兴镇\n', 'gbk')]);
    expect(bytes.length).toBeGreaterThan(64 * 1024);
    const result = await readAll(memoryFile('late.csv', bytes, 4096));
    expect(result.encoding).toBe('gb18030');
    expect(result.rows.at(-1)?.cells).toEqual(['5000', '2024-03-05', '龙兴镇']);
  });

  it('refuses Latin-1 / ISO-8859-7 / Windows-1251 instead of reading mojibake', async () => {
    const samples: [string, Buffer][] = [
      ['de.csv', iconv.encode('Name,Ort\nMüller,Zürich\nJäger,Köln\n', 'latin1')],
      ['el.csv', iconv.encode('id,name\n1,Λεωνίδας\n2,Αλέξανδρος\n', 'iso-8859-7')],
      ['ru.csv', iconv.encode('name;city\nИван;Москва\n', 'win1251')],
    ];
    for (const [name, bytes] of samples) {
      const error = await expectCode(memoryFile(name, bytes), 'encoding');
      expect(error.message).toContain('第 2 行');
      expect(error.message).toContain('CSV UTF-8');
    }
  });

  it('refuses a UTF-8 file that turns invalid after the sample, naming the line', async () => {
    const head = toCsv(chineseRows(3000));
    const bytes = Buffer.concat([utf8(head), iconv.encode('龙兴镇,一季度\n', 'gbk'), utf8('尾,行\n')]);
    const error = await expectCode(memoryFile('mixed.csv', bytes, 1000), 'encoding');
    expect(error.message).toContain('第 3001 行');
    expect(error.message).toContain('UTF-8');
  });

  it('refuses GB18030 that contains undecodable bytes later on, naming the line', async () => {
    const head = iconv.encode(toCsv(chineseRows(3000)), 'gb18030');
    const bytes = Buffer.concat([head, Buffer.from([0x41, 0xff, 0xfe, 0x0a])]);
    const error = await expectCode(memoryFile('bad-gbk.csv', bytes, 999), 'encoding');
    expect(error.message).toContain('第 3001 行');
  });

  it('refuses a workbook renamed to .csv as unsupported_format', async () => {
    const zip = Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(200, 0)]);
    const error = await expectCode(memoryFile('renamed.csv', zip), 'unsupported_format');
    expect(error.message).toContain('.xlsx');
  });
});

describe('CsvReader — dialect', () => {
  it('detects semicolons even when values use decimal commas', async () => {
    const text = 'Wert;Betrag;Ort\n1,5;12,25;Köln\n-2,75;3;Zürich\n';
    const result = await readAll(memoryFile('de.csv', utf8(text)));
    expect(cellsOf(result)).toEqual([
      ['Wert', 'Betrag', 'Ort'],
      ['1,5', '12,25', 'Köln'],
      ['-2,75', '3', 'Zürich'],
    ]);
  });

  it('detectDelimiter prefers the consistent separator and ignores title rows and quotes', () => {
    expect(detectDelimiter('标题\n镇街,数量,备注\n龙兴镇,1,"a;b"\n洛碛镇,2,c\n', true)).toBe(',');
    expect(detectDelimiter('a\tb\tc\n1,0\t2\t3\n', true)).toBe('\t');
    expect(detectDelimiter('a;b\n1;2\n3;4\n', true)).toBe(';');
    expect(detectDelimiter('只有一列\n第二行\n', true)).toBe(',');
  });

  it('handles CR-only, CRLF, LF and mixed line endings, also with CRLF split across chunks', async () => {
    const expected = [
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
      ['5', '6'],
    ];
    for (const text of ['a,b\r1,2\r3,4\r5,6\r', 'a,b\r\n1,2\r\n3,4\r\n5,6', 'a,b\n1,2\r3,4\r\n5,6\n']) {
      for (const chunk of [1, 4, 1024]) {
        const result = await readAll(memoryFile('eol.csv', utf8(text), chunk));
        expect(cellsOf(result), JSON.stringify({ text, chunk })).toEqual(expected);
        expect(result.rows.map((r) => r.rowNumber)).toEqual([1, 2, 3, 4]);
      }
    }
  });

  it('keeps newlines, delimiters and doubled quotes inside quoted cells', async () => {
    const text = '镇街,备注\r\n龙兴镇,"第一行\r\n第二行，""引号"",逗号"\r\n洛碛镇,x\r\n';
    const result = await readAll(memoryFile('q.csv', utf8(text), 3));
    expect(cellsOf(result)).toEqual([
      ['镇街', '备注'],
      ['龙兴镇', '第一行\n第二行，"引号",逗号'],
      ['洛碛镇', 'x'],
    ]);
    expect(result.rows.map((r) => r.rowNumber)).toEqual([1, 2, 3]);
  });

  it('keeps title rows with fewer fields, numbers as text, empty as null; skips blank rows but counts them', async () => {
    const text = [
      '渝北区龙兴镇2024年第二季度消防执法工作统计表',
      '',
      '镇街,检查社会单位数（家）,发现火灾隐患数（处）,备注',
      '龙兴镇,0012,,  ',
      ',,,',
      '填表人：张三',
      '',
    ].join('\n');
    const result = await readAll(memoryFile('t1.csv', utf8(text)));
    expect(result.rows).toEqual([
      { rowNumber: 1, cells: ['渝北区龙兴镇2024年第二季度消防执法工作统计表'] },
      { rowNumber: 3, cells: ['镇街', '检查社会单位数（家）', '发现火灾隐患数（处）', '备注'] },
      { rowNumber: 4, cells: ['龙兴镇', '0012', null, '  '] },
      { rowNumber: 6, cells: ['填表人：张三'] },
    ]);
  });

  it('reads a 65,000-character row', async () => {
    const cells = Array.from({ length: 20 }, (_, i) => `${i}`.padEnd(3200, '火'));
    const result = await readAll(memoryFile('long.csv', utf8(`h\n${cells.join(',')}\n`), 4096));
    expect(result.rows[1]?.cells).toEqual(cells);
  });
});

describe('CsvReader — limits and malformed input', () => {
  const small: ReadLimits = { ...defaultReadLimits, maxColumns: 5, maxRowsPerSheet: 10, maxCellChars: 20 };

  it('refuses a 0-byte file and a file of blank lines as empty', async () => {
    await expectCode(memoryFile('zero.csv', Buffer.alloc(0)), 'empty');
    await expectCode(memoryFile('blank.csv', utf8('\uFEFF\r\n,,\r\n\r\n')), 'empty');
  });

  it('enforces maxColumns, maxRowsPerSheet, maxCellChars and maxFileBytes', async () => {
    await expectCode(memoryFile('wide.csv', utf8('a,b,c,d,e,f\n')), 'too_many_columns', small);
    // trailing empty cells do not count as columns
    expect((await readAll(memoryFile('pad.csv', utf8('a,b,,,,,,,,\n')), small)).rows).toHaveLength(1);
    await expectCode(memoryFile('rows.csv', utf8('x\n'.repeat(11))), 'too_many_rows', small);
    const cell = await expectCode(memoryFile('cell.csv', utf8(`a,b\n1,${'长'.repeat(21)}\n`)), 'too_large', small);
    expect(cell.cell).toBe('B2');
    await expectCode(memoryFile('big.csv', utf8('a,b\n'.repeat(100))), 'too_large', { ...small, maxFileBytes: 100 });
  });

  it('refuses an unclosed quote as corrupt, naming the row', async () => {
    const error = await expectCode(memoryFile('uq.csv', utf8('a,b\n1,2\n3,"unclosed\n4,5\n6,7\n'), 5), 'corrupt');
    expect(error.message).toContain('第 3 行');
  });

  it('bounds an unclosed quote that would swallow a large file', async () => {
    const bytes = utf8(`a,b\n1,"${'x,'.repeat(200_000)}\n`);
    await expectCode(memoryFile('runaway.csv', bytes), 'too_large', small);
  });

  it('turns stream failures into a ReadError', async () => {
    const file: ReadableFile = {
      path: 'broken.csv',
      bytes: 10,
      open: () =>
        new Readable({
          read() {
            this.destroy(new Error('EIO: i/o error'));
          },
        }),
    };
    await expectCode(file, 'corrupt');
  });
});

describe('CsvReader — streaming', () => {
  it('pulls only what the consumer reads and closes the stream on break', async () => {
    let produced = 0;
    const line = Buffer.from('龙兴镇,2024年第一季度,12,8,3\n'.repeat(1000), 'utf8');
    const streams: Readable[] = [];
    const file: ReadableFile = {
      path: 'endless.csv',
      bytes: 1_000_000_000,
      open() {
        const stream = new Readable({
          read() {
            produced += line.length;
            this.push(line);
          },
        });
        streams.push(stream);
        return stream;
      },
    };
    const book = new CsvReader().read(file, { ...defaultReadLimits, maxFileBytes: 2_000_000_000 });
    let seen = 0;
    for await (const sheet of book.sheets) {
      for await (const row of sheet.rows) {
        expect(row.cells[0]).toBe('龙兴镇');
        if (++seen === 5000) break;
      }
    }
    expect(seen).toBe(5000);
    expect(produced).toBeLessThan(2_000_000);
    expect(streams).toHaveLength(1);
    expect(streams[0]?.destroyed).toBe(true);
  });
});

describe('CsvReader — real-world corpus', () => {
  type Expectation = { rows: number; check?: (rows: SheetRow[]) => void } | { error: ReadErrorCode };
  const expected: Record<string, Expectation> = {
    'commonscsv__csv141_backslash_before_quote.csv': { error: 'corrupt' },
    'commonscsv__psql_control_chars.csv': {
      rows: 3,
      check: (rows) => expect(rows[0]?.cells).toEqual(['1', 'abc', 'test line 1\ntest line 2']),
    },
    'csvtojson__65k_char_row.csv': { error: 'too_large' }, // one cell of 158,401 chars > Excel's 32,767
    'csvtojson__bare_quotes_in_header.csv': { error: 'corrupt' },
    'csvtojson__mixed_cr_crlf.csv': {
      rows: 2,
      check: (rows) =>
        expect(rows.map((r) => r.cells)).toEqual([
          ['John', '25', 'xxx'],
          ['Samantha', '28', 'yyy'],
        ]),
    },
    'csvtojson__unclosed_quotes.csv': { error: 'corrupt' },
    'easyexcel__office_utf8_bom_zh.csv': {
      rows: 11,
      check: (rows) => expect(rows[0]?.cells).toEqual(['姓名', '年纪']),
    },
    'easyexcel__utf16be_bom_zh.csv': {
      rows: 11,
      check: (rows) =>
        expect(rows.map((r) => r.cells).slice(0, 2)).toEqual([
          ['姓名', '年纪'],
          ['姓名0', '0'],
        ]),
    },
    'easyexcel__utf16le_bom_zh.csv': {
      rows: 11,
      check: (rows) => expect(rows.at(-1)?.cells).toEqual(['姓名9', '9']),
    },
    'frictionless__backslash_escapes.csv': { rows: 4 },
    'frictionless__de_semicolon_trailing_delim.csv': {
      rows: 8,
      check: (rows) => {
        expect(rows[0]?.cells).toEqual(['Zeit [MEZ]', 'Wasserstand', 'Status']);
        expect(rows.at(-1)?.cells).toEqual(['15.07.2013', '142', 'qualitätsgesichert']);
      },
    },
    'frictionless__empty_0_bytes.csv': { error: 'empty' },
    'frictionless__greek_iso_8859_7.csv': { error: 'encoding' },
    'frictionless__istat_latin1_semicolon_multiline_header.csv': { error: 'encoding' },
    'frictionless__wide_9074_columns.csv': { error: 'too_many_columns' },
    'i5ting__gbk_cr_only_orders_zh.csv': {
      rows: 7,
      check: (rows) => {
        expect(rows[0]?.cells.slice(1, 7)).toEqual(['3CE-101裸粉色', '1', '重庆市', '重庆市', '永川区市', '重庆市永川区和顺大道958号1']);
        expect(rows.every((r) => !r.cells.some((c) => typeof c === 'string' && c.includes('\uFFFD')))).toBe(true);
      },
    },
    'ncov__daily_2020_02_10_zh.csv': {
      rows: 544,
      check: (rows) => {
        expect(rows[0]?.cells[3]).toBe('province');
        expect(rows.some((r) => r.cells[3] === '湖北省' && r.cells[5] === '武汉市')).toBe(true);
        expect(rows.at(-1)?.cells).toEqual(['2020-02-10', '越南', 'VN', null, null, null, null, '14', '0', '3', '0']);
      },
    },
    'sheetjs__excel_mac_cr_only.csv': {
      rows: 14,
      check: (rows) => expect(rows[1]?.cells[0]).toBe('#NULL!'),
    },
    'sheetjs__excel_ru_locale_ansi_semicolon.csv': { error: 'encoding' },
    'sheetjs__excel_ru_locale_nbsp_semicolon.csv': { error: 'encoding' },
    'sheetjs__excel_unicode_text_utf16le_he.txt': {
      rows: 3,
      check: (rows) => expect(rows[1]?.cells).toEqual(['Hebrew', 'שלום', 'עולם']),
    },
  };

  const files = readdirSync(corpusDir)
    .filter((f) => /\.(csv|txt)$/i.test(f))
    .sort();

  it('finds the corpus beside the repository', () => {
    expect(files.length, `no corpus at ${corpusDir}`).toBeGreaterThan(0);
  });

  it.each(files)('%s is read or refused with a Chinese ReadError', async (name) => {
    const file = diskFile(join(corpusDir, name));
    const expectation = expected[name];
    let outcome: { rows: SheetRow[] } | { error: ReadError };
    try {
      outcome = { rows: (await readAll(file)).rows };
    } catch (error) {
      expect(error).toBeInstanceOf(ReadError);
      expect((error as ReadError).message).toMatch(CHINESE);
      outcome = { error: error as ReadError };
    }
    if (!expectation) return; // a new corpus file: the generic contract above is all we know
    if ('error' in expectation) {
      expect('error' in outcome ? outcome.error.code : `read ${outcome.rows.length} rows`).toBe(expectation.error);
    } else {
      if ('error' in outcome) throw outcome.error;
      expect(outcome.rows).toHaveLength(expectation.rows);
      expectation.check?.(outcome.rows);
    }
  });

  it('reads the 158,401-character cell when the cell limit allows it', async () => {
    const file = diskFile(join(corpusDir, 'csvtojson__65k_char_row.csv'));
    const { rows } = await readAll(file, { ...defaultReadLimits, maxCellChars: 200_000 });
    expect(rows).toHaveLength(2);
    expect(rows[1]?.cells).toHaveLength(9);
    expect(String(rows[1]?.cells[8]).length).toBe(158_401);
  });
});
