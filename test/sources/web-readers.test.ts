import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readerFor } from '../../sources/readers/index.js';
import { ReadError, defaultReadLimits, readWhole } from '../../sources/readers/reader.js';
import type { ReadableFile, ReaderNotice, SheetRow } from '../../sources/readers/reader.js';
import type { ReaderChoice } from '../../sources/readers/reader-choice.js';
import { memoryFile, webCodepages, webReaderFor } from '../../sources/readers/web-readers.js';
import { filesUnder } from '../support/files.js';

/**
 * The self-check page reads files with the nightly run's own readers, given the browser's zip
 * (fflate, in memory), GB18030 and code-page decoders (`TextDecoder`) and a deadline-only budget
 * (`web-readers.ts`). Here, on Node, both are run over every real-world corpus file and every
 * fixture, and must choose the same reader and give the same sheets, rows and notices — or the same
 * refusal (code, sheet, cell and Chinese text; only the zip libraries' own technical detail in
 * brackets may differ).
 */

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

type Outcome =
  | { readonly refusal: string }
  | { readonly sheets: { name: string; index: number; rows: SheetRow[] }[]; readonly notices: ReaderNotice[] }
  | { readonly error: { code: string; sheet?: string; cell?: string; message: string } };

async function outcomeOf(choice: ReaderChoice, file: ReadableFile): Promise<Outcome> {
  if ('refusal' in choice) return { refusal: choice.refusal };
  const book = (await choice.load()).read(file, defaultReadLimits);
  const sheets: { name: string; index: number; rows: SheetRow[] }[] = [];
  try {
    for await (const sheet of book.sheets) {
      const rows: SheetRow[] = [];
      for await (const row of sheet.rows) rows.push(row);
      sheets.push({ name: sheet.name, index: sheet.index, rows });
    }
  } catch (err) {
    if (!(err instanceof ReadError)) throw err;
    // The technical detail in brackets at the end is each zip library's own wording.
    const message = err.message.replace(/（[^（）]*）[。]?$/, '');
    return { error: { code: err.code, ...(err.sheet ? { sheet: err.sheet } : {}), ...(err.cell ? { cell: err.cell } : {}), message } };
  }
  return { sheets, notices: book.notices };
}

const inputs = [
  ...filesUnder(path.join(repoRoot, 'test/corpus/real-world')),
  ...['inbox', 'bad', 'office', 'refusal', 'marked', 'xls', 'formulas']
    .filter((top) => fs.existsSync(path.join(repoRoot, 'test/fixtures', top)))
    .flatMap((top) => filesUnder(path.join(repoRoot, 'test/fixtures', top))),
]
  .filter((p) => !p.endsWith('.ts'))
  .map((p) => path.relative(repoRoot, p));

describe('the self-check page reads as the nightly run reads', () => {
  it('has files of every family to compare', () => {
    const exts = new Set(inputs.map((p) => path.extname(p).toLowerCase()));
    for (const ext of ['.xlsx', '.xls', '.csv', '.txt', '.et', '.ods']) expect(exts).toContain(ext);
    expect(inputs.length).toBeGreaterThan(130);
  });

  it.each(inputs)('%s', async (rel) => {
    const local = path.join(repoRoot, rel);
    const name = path.basename(local);
    const bytes = fs.readFileSync(local);
    const onDisk: ReadableFile = { path: name, bytes: bytes.length, open: () => fs.createReadStream(local), localPath: local };
    const night = await outcomeOf(await readerFor(onDisk), onDisk);
    const page = await outcomeOf(webReaderFor(name, new Uint8Array(bytes)), memoryFile(name, new Uint8Array(bytes)));
    expect(page).toEqual(night);
  });
});

describe('code pages of old .xls files by TextDecoder', () => {
  it('decodes GBK, UTF-16LE and Latin-1 as SheetJS expects', () => {
    expect(webCodepages.utils.decode(936, [0xc1, 0xfa, 0xd0, 0xcb, 0xd5, 0xf2])).toBe('龙兴镇');
    expect(webCodepages.utils.decode(1200, [0xff, 0xfe, 0x99, 0x9f, 0x74, 0x51])).toBe('龙兴');
    expect(webCodepages.utils.decode(437, 'ab\u00e9')).toBe('ab\u00e9');
    expect(webCodepages.utils.encode(1200, '龙')).toEqual([0x99, 0x9f]);
  });
});

describe('a file held in memory is read whole without a copy', () => {
  it('hands out views of the dropped bytes, and copies only chunks that come from separate buffers', async () => {
    const bytes = new Uint8Array(200 * 1024).map((_, i) => i % 251);
    const tooLarge = () => new Error('too large');
    // The page's file: 64 KiB chunks, all views of the one array.
    const whole = await readWhole(memoryFile('大.xlsx', bytes), bytes.length, tooLarge);
    expect(whole.buffer).toBe(bytes.buffer);
    expect(whole.byteLength).toBe(bytes.length);
    // A stream of separate buffers (a file on disk) is joined into one array, byte for byte.
    const parts = [bytes.slice(0, 1000), bytes.slice(1000)];
    const separate: ReadableFile = {
      path: '盘上.xlsx',
      bytes: bytes.length,
      open: () => {
        const it = (async function* () {
          yield* parts;
        })();
        return { [Symbol.asyncIterator]: () => it, destroy: () => {} };
      },
    };
    const joined = await readWhole(separate, bytes.length, tooLarge);
    expect(joined.buffer).not.toBe(bytes.buffer);
    expect(Buffer.from(joined).equals(Buffer.from(bytes))).toBe(true);
    await expect(readWhole(memoryFile('大.xlsx', bytes), bytes.length - 1, tooLarge)).rejects.toThrow('too large');
  });
});
