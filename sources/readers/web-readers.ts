import { CsvBookReader } from './csv-book.js';
import { checkDeadline } from './read-deadline.js';
import type { ByteStream, ReadableFile, ReadLimits } from './reader.js';
import { ReadError, readWhole } from './reader.js';
import { chooseReader, lazy } from './reader-choice.js';
import type { ReaderChoice, ReaderFamilies } from './reader-choice.js';
import { SNIFF_BYTES } from './sniff.js';
import { webText } from './text-platform-web.js';
import { XlsBookReader } from './xls-book.js';
import { XlsxBookReader } from './xlsx-book.js';
import { bytesZipSource } from './zip-bytes.js';

/**
 * The readers of the self-check page: the same xlsx, CSV and xls readers and the same choice of
 * reader (`reader-choice.ts`) as the nightly run, over a file held in memory. What differs is given
 * to them here: zips are read by fflate (`zip-bytes.ts`), GB18030 by the browser's `TextDecoder`,
 * code pages of old .xls by `TextDecoder` too, and the budget is the deadline only (a browser has
 * no heap statistics to guard). Nothing here needs Node; the page's bundle starts from this module.
 */

/** A file held in memory, readable as often as a reader needs. */
export function memoryFile(path: string, bytes: Uint8Array): ReadableFile {
  return { path, bytes: bytes.length, open: () => byteStream(bytes) };
}

/** Chunks of an in-memory file, as a file stream would deliver them. */
function byteStream(bytes: Uint8Array, chunkBytes = 64 * 1024): ByteStream {
  let stopped = false;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (let at = 0; at < bytes.length && !stopped; at += chunkBytes) yield bytes.subarray(at, Math.min(bytes.length, at + chunkBytes));
  }
  const it = chunks();
  return {
    [Symbol.asyncIterator]: () => it,
    destroy: () => {
      stopped = true;
    },
  };
}

/** The whole file, refusing it past `maxFileBytes` (the zip must be in memory to be read); a file in memory is not copied. */
async function allBytes(file: ReadableFile, limits: ReadLimits): Promise<Uint8Array> {
  if (file.bytes > limits.maxFileBytes) {
    throw new ReadError('too_large', `文件过大（${file.bytes} 字节，上限 ${limits.maxFileBytes} 字节），请拆分后报送。`);
  }
  return readWhole(
    file,
    limits.maxFileBytes,
    () => new ReadError('too_large', `文件过大（超过 ${limits.maxFileBytes} 字节），请拆分后报送。`),
    () => checkDeadline(limits),
  );
}

/** WHATWG encoding labels of the Windows code pages old .xls files declare. */
const CODEPAGE_LABELS: Readonly<Record<number, string>> = {
  874: 'windows-874',
  932: 'shift_jis',
  936: 'gbk',
  949: 'euc-kr',
  950: 'big5',
  1200: 'utf-16le',
  1201: 'utf-16be',
  1250: 'windows-1250',
  1251: 'windows-1251',
  1252: 'windows-1252',
  1253: 'windows-1253',
  1254: 'windows-1254',
  1255: 'windows-1255',
  1256: 'windows-1256',
  1257: 'windows-1257',
  1258: 'windows-1258',
  10000: 'macintosh',
  20936: 'gb18030',
  54936: 'gb18030',
  65001: 'utf-8',
};

function codes(data: ArrayLike<number> | string): Uint8Array {
  return typeof data === 'string' ? Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff) : Uint8Array.from(data);
}

/**
 * SheetJS's code-page interface (`set_cptable`) over the browser's `TextDecoder`, instead of the
 * 470 KB of tables the Node reader loads: .xls files before Excel 97 keep their text in the code
 * page they declare (936 = GBK for Chinese). Code pages `TextDecoder` lacks (the old DOS ones) are
 * read as Latin-1, which is right for their ASCII part.
 */
export const webCodepages = {
  utils: {
    decode(cp: number, data: ArrayLike<number> | string): string {
      const label = CODEPAGE_LABELS[cp];
      const bytes = codes(data);
      if (!label) {
        let out = '';
        for (const b of bytes) out += String.fromCharCode(b);
        return out;
      }
      let start = 0;
      if (cp === 1200 && bytes[0] === 0xff && bytes[1] === 0xfe) start = 2;
      return new TextDecoder(label, { ignoreBOM: true }).decode(bytes.subarray(start));
    },
    encode(cp: number, text: string): number[] {
      if (cp === 1200) return [...text].flatMap((ch) => [ch.charCodeAt(0) & 0xff, ch.charCodeAt(0) >> 8]);
      if (cp === 65001) return [...new TextEncoder().encode(text)];
      return [...text].map((ch) => ch.charCodeAt(0) & 0xff);
    },
  },
};

/** The reader families of the page, each built on first use. */
const webReaders: ReaderFamilies = {
  xlsx: lazy(
    ['.xlsx', '.xlsm'],
    async () =>
      new XlsxBookReader({
        budget: checkDeadline,
        openZip: async (file, limits) => ({ source: bytesZipSource(await allBytes(file, limits)), cleanup: async () => {} }),
      }),
  ),
  csv: lazy(['.csv', '.txt'], async () => new CsvBookReader({ budget: checkDeadline, text: webText })),
  xls: lazy(['.xls', '.et'], async () => new XlsBookReader({ codepages: webCodepages, bytesType: 'array' })),
};

/** The reader for an in-memory file, chosen as the nightly run chooses (`readerFor` in `index.ts`). */
export function webReaderFor(path: string, bytes: Uint8Array): ReaderChoice {
  return chooseReader(path, bytes.subarray(0, SNIFF_BYTES), webReaders);
}
