import zlib from 'node:zlib';
import { open as openFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { ReadError } from './reader.js';
import { crc32 as crc32Js, zipErrors } from './zip-archive.js';
import type { RandomAccessBytes, ZipArchive, ZipEntry, ZipSource } from './zip-archive.js';

/**
 * The zip of an .xlsx on disk, for the Node readers: a thin promise layer over yauzl with random
 * access to members, every member's data checked against its declared size (yauzl) and CRC-32
 * (here, because yauzl does not), every failure turned into a `ReadError`. The browser reads zips
 * with `zip-bytes.ts` instead; both are a `ZipSource` (`zip-archive.ts`).
 */

/** A zip file on local disk. */
export function fileZipSource(localPath: string): ZipSource {
  return {
    openBytes: () => openFileBytes(localPath),
    openArchive: async (maxEntries) => {
      const zip = await openZip(localPath);
      try {
        return new YauzlArchive(zip, await readCentralDirectory(zip, maxEntries));
      } catch (err) {
        closeZip(zip);
        throw err;
      }
    },
  };
}

async function openFileBytes(localPath: string): Promise<RandomAccessBytes> {
  const handle = await openFile(localPath, 'r').catch((err: unknown) => {
    throw new ReadError('corrupt', `无法打开文件。（${err instanceof Error ? err.message : String(err)}）`);
  });
  try {
    const { size } = await handle.stat();
    return {
      size,
      read: async (position, length) => {
        const buf = Buffer.alloc(Math.max(0, Math.min(length, size - position)));
        const { bytesRead } = await handle.read(buf, 0, buf.length, position);
        return buf.subarray(0, bytesRead);
      },
      close: () => handle.close(),
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

class YauzlArchive implements ZipArchive {
  readonly entries: readonly ZipEntry[];
  private readonly raw = new Map<ZipEntry, Entry>();

  constructor(
    private readonly zip: ZipFile,
    list: readonly Entry[],
  ) {
    this.entries = list.map((e) => {
      const entry: ZipEntry = {
        fileName: e.fileName,
        backslashName: e.fileNameRaw.includes(0x5c),
        uncompressedSize: e.uncompressedSize,
        compressedSize: e.compressedSize,
        encrypted: e.isEncrypted(),
      };
      this.raw.set(entry, e);
      return entry;
    });
  }

  chunks(entry: ZipEntry, partName: string): AsyncGenerator<Uint8Array> {
    const raw = this.raw.get(entry);
    if (!raw) throw new Error(`zip entry ${entry.fileName} is not of this archive`);
    return entryChunks(this.zip, raw, partName);
  }

  close(): void {
    closeZip(this.zip);
  }
}

/** Opens a zip without reading entries yet; entries are read lazily, the file stays open. */
function openZip(localPath: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(localPath, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false }, (err, zip) => {
      if (err || !zip) reject(zipOpenError(err));
      else resolve(zip);
    });
  });
}

function zipOpenError(err: Error | null): ReadError {
  const detail = err?.message ?? '';
  if (/end of central directory|eocdr|file too small|central directory/i.test(detail)) return zipErrors.noDirectory(detail);
  return zipErrors.notAZip(detail);
}

/** Reads the whole central directory (metadata only, nothing is inflated). */
function readCentralDirectory(zip: ZipFile, maxEntries: number): Promise<Entry[]> {
  if (zip.entryCount > maxEntries) return Promise.reject(zipErrors.tooManyEntries(zip.entryCount, maxEntries));
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
  if (unsafe) return zipErrors.unsafeName(unsafe[2] ?? '');
  return zipErrors.badDirectory(detail);
}

/** Closes the zip; yauzl keeps the descriptor until open member streams end. */
function closeZip(zip: ZipFile): void {
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
  if (/encrypt/i.test(detail)) return zipErrors.encryptedMember(partName);
  if (/too many bytes|expected \d+|uncompressed/i.test(detail)) return zipErrors.sizeMismatch(partName, detail);
  return zipErrors.cannotInflate(partName, detail);
}

const crc32: (data: Uint8Array, value?: number) => number = typeof zlib.crc32 === 'function' ? zlib.crc32 : crc32Js;

/**
 * Streams one member's inflated bytes. The CRC-32 is checked at the end, so a damaged member
 * fails even when its deflate data happens to inflate. Breaking out of the loop destroys the
 * member stream.
 */
async function* entryChunks(zip: ZipFile, entry: Entry, partName: string): AsyncGenerator<Buffer> {
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
  if (crc >>> 0 !== entry.crc32 >>> 0) throw zipErrors.badCrc(partName);
}
