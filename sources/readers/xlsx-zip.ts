import zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { ReadError } from './reader.js';

/**
 * Thin promise layer over yauzl for the xlsx reader: random access to zip members, every
 * member's data checked against its declared size (yauzl) and CRC-32 (here, because yauzl
 * does not), every failure turned into a `ReadError`.
 */

/** Opens a zip without reading entries yet; entries are read lazily, the file stays open. */
export function openZip(localPath: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(
      localPath,
      { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false },
      (err, zip) => {
        if (err || !zip) reject(zipOpenError(err));
        else resolve(zip);
      },
    );
  });
}

function zipOpenError(err: Error | null): ReadError {
  const detail = err?.message ?? '';
  if (/end of central directory|eocdr|file too small|central directory/i.test(detail)) {
    return new ReadError(
      'corrupt',
      `文件不完整或已损坏：找不到压缩包目录（可能下载或传输中断）。请重新导出并报送完整的 .xlsx 文件。（${detail}）`,
    );
  }
  return new ReadError('corrupt', `文件已损坏，无法按 .xlsx 压缩包打开。（${detail}）`);
}

/** Reads the whole central directory (metadata only, nothing is inflated). */
export function readCentralDirectory(zip: ZipFile, maxEntries: number): Promise<Entry[]> {
  if (zip.entryCount > maxEntries) {
    return Promise.reject(
      new ReadError('too_large', `文件内部部件过多（${zip.entryCount} 个，上限 ${maxEntries} 个），已拒绝读取。`),
    );
  }
  return new Promise((resolve, reject) => {
    const entries: Entry[] = [];
    const onError = (err: Error): void => {
      cleanup();
      reject(entryListError(err));
    };
    const onEntry = (entry: Entry): void => {
      entries.push(entry);
      zip.readEntry();
    };
    const onEnd = (): void => {
      cleanup();
      resolve(entries);
    };
    const cleanup = (): void => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
      // yauzl may still emit a late error; a bare EventEmitter would turn it into a crash.
      zip.on('error', ignoreError);
    };
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

function ignoreError(): void {
  // Errors after the caller has been answered have nowhere useful to go.
}

function entryListError(err: Error): ReadError {
  const detail = err.message;
  const unsafe = /^(absolute path|invalid relative path|invalid characters in fileName): (.*)$/s.exec(detail);
  if (unsafe) {
    return new ReadError(
      'corrupt',
      `文件内部包含不安全的路径“${unsafe[2] ?? ''}”（绝对路径或“..”上级目录），已拒绝读取。请用 Excel/WPS 重新另存为 .xlsx。`,
    );
  }
  return new ReadError('corrupt', `文件已损坏：压缩包目录无法读取。（${detail}）`);
}

/** Closes the zip; yauzl keeps the descriptor until open member streams end. */
export function closeZip(zip: ZipFile): void {
  zip.on('error', ignoreError);
  if (zip.isOpen) zip.close();
}

function openEntryStream(zip: ZipFile, entry: Entry, partName: string): Promise<Readable> {
  return new Promise((resolve, reject) => {
    try {
      zip.openReadStream(entry, (err, stream) => {
        if (err || !stream) reject(memberError(err, partName));
        else resolve(stream);
      });
    } catch (err) {
      // yauzl throws synchronously for unsupported compression or encrypted members.
      reject(memberError(err instanceof Error ? err : null, partName));
    }
  });
}

function memberError(err: Error | null, partName: string): ReadError {
  const detail = err?.message ?? '';
  if (/encrypt/i.test(detail)) {
    return new ReadError('encrypted', `文件内部部件“${partName}”已加密，无法读取。请取消密码后另存为 .xlsx 再报送。`);
  }
  if (/too many bytes|expected \d+|uncompressed/i.test(detail)) {
    return new ReadError('corrupt', `文件已损坏：部件“${partName}”的实际大小与声明不符。（${detail}）`);
  }
  return new ReadError('corrupt', `文件已损坏：部件“${partName}”无法解压。（${detail}）`);
}

const crc32: (data: Uint8Array, value?: number) => number =
  typeof zlib.crc32 === 'function' ? zlib.crc32 : crc32Fallback;

let crcTable: Uint32Array | undefined;
function crc32Fallback(data: Uint8Array, value = 0): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = ~value >>> 0;
  for (let i = 0; i < data.length; i++) {
    crc = (crcTable[(crc ^ (data[i] ?? 0)) & 0xff] ?? 0) ^ (crc >>> 8);
  }
  return ~crc >>> 0;
}

/**
 * Streams one member's inflated bytes. The CRC-32 is checked at the end, so a damaged member
 * fails even when its deflate data happens to inflate. Breaking out of the loop destroys the
 * member stream.
 */
export async function* entryChunks(zip: ZipFile, entry: Entry, partName: string): AsyncGenerator<Buffer> {
  const stream = await openEntryStream(zip, entry, partName);
  // yauzl forwards inner errors with setImmediate, possibly after iteration stopped listening.
  stream.on('error', ignoreError);
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let crc = 0;
  try {
    for (;;) {
      let step: IteratorResult<Buffer>;
      try {
        step = await iterator.next();
      } catch (err) {
        throw memberError(err instanceof Error ? err : null, partName);
      }
      if (step.done) break;
      crc = crc32(step.value, crc);
      yield step.value;
    }
  } finally {
    stream.destroy();
  }
  if (crc >>> 0 !== entry.crc32 >>> 0) {
    throw new ReadError(
      'corrupt',
      `文件已损坏：部件“${partName}”校验失败（CRC 错误），可能是传输或存储过程中损坏。请重新导出后报送。`,
    );
  }
}

/** Reads a whole (small) member into memory, refusing anything over `maxBytes`. */
export async function readEntryBytes(zip: ZipFile, entry: Entry, partName: string, maxBytes: number): Promise<Buffer> {
  if (entry.uncompressedSize > maxBytes) {
    throw new ReadError('too_large', `部件“${partName}”过大（${entry.uncompressedSize} 字节，上限 ${maxBytes} 字节）。`);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of entryChunks(zip, entry, partName)) chunks.push(chunk);
  return Buffer.concat(chunks);
}
