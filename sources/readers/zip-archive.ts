import { ReadError } from './reader.js';

/**
 * What the xlsx reader needs of a zip, whatever reads it: the members listed from the central
 * directory with their sizes, and a member's inflated bytes as a chunk stream, checked against its
 * declared size and CRC-32. On Node the zip is read by yauzl from a file on disk (`xlsx-zip.ts`);
 * in the browser (the self-check page) by fflate from the dropped file's bytes (`zip-bytes.ts`).
 * The zip-bomb and size guards (`zip-guard.ts`) are written over these interfaces, so both keep them.
 */

/** One member of a zip, as its central directory describes it. */
export interface ZipEntry {
  /** Member name as stored, with `\` turned into `/`. */
  readonly fileName: string;
  /** The stored name used `\` separators (not valid OPC, but Excel tolerates it). */
  readonly backslashName: boolean;
  /** Declared uncompressed size (checked against the data while it is read). */
  readonly uncompressedSize: number;
  readonly compressedSize: number;
  /** The member is encrypted (zip "traditional" encryption). */
  readonly encrypted: boolean;
}

/** An open zip whose central directory has been read. */
export interface ZipArchive {
  /** Members in directory order. */
  readonly entries: readonly ZipEntry[];
  /**
   * A member's inflated bytes. The CRC-32 is checked at the end, so a damaged member fails even
   * when its deflate data happens to inflate; every failure is a `ReadError` naming `partName`.
   * Breaking out of the loop releases the member.
   */
  chunks(entry: ZipEntry, partName: string): AsyncGenerator<Uint8Array>;
  /** Lets go of the zip (member streams still open end on their own). */
  close(): void;
}

/** Random access to a file's bytes, for the checks made before the zip is opened. */
export interface RandomAccessBytes {
  readonly size: number;
  /** Up to `length` bytes from `position` (fewer at the end of the file). */
  read(position: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Where a zip comes from: a file on disk (Node) or bytes in memory (browser). */
export interface ZipSource {
  /**
   * Opens the raw bytes.
   * @throws ReadError `corrupt` when the file cannot be opened.
   */
  openBytes(): Promise<RandomAccessBytes>;
  /**
   * Opens the zip and reads its whole central directory (metadata only, nothing is inflated).
   * @throws ReadError `too_large` past `maxEntries` members, `corrupt` when the directory cannot be
   * read or names a member unsafely (absolute path, `..`).
   */
  openArchive(maxEntries: number): Promise<ZipArchive>;
}

/** Reads a whole (small) member into memory, refusing anything over `maxBytes`. */
export async function readEntryBytes(zip: ZipArchive, entry: ZipEntry, partName: string, maxBytes: number): Promise<Buffer> {
  if (entry.uncompressedSize > maxBytes) {
    throw new ReadError('too_large', `部件“${partName}”过大（${entry.uncompressedSize} 字节，上限 ${maxBytes} 字节）。`);
  }
  const chunks: Uint8Array[] = [];
  for await (const chunk of zip.chunks(entry, partName)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The Chinese refusals both zip readers give for the same failures. */
export const zipErrors = {
  tooManyEntries(count: number, max: number): ReadError {
    return new ReadError('too_large', `文件内部部件过多（${count} 个，上限 ${max} 个），已拒绝读取。`);
  },
  noDirectory(detail: string): ReadError {
    return new ReadError('corrupt', `文件不完整或已损坏：找不到压缩包目录（可能下载或传输中断）。请重新导出并报送完整的 .xlsx 文件。（${detail}）`);
  },
  notAZip(detail: string): ReadError {
    return new ReadError('corrupt', `文件已损坏，无法按 .xlsx 压缩包打开。（${detail}）`);
  },
  unsafeName(name: string): ReadError {
    return new ReadError('corrupt', `文件内部包含不安全的路径“${name}”（绝对路径或“..”上级目录），已拒绝读取。请用 Excel/WPS 重新另存为 .xlsx。`);
  },
  badDirectory(detail: string): ReadError {
    return new ReadError('corrupt', `文件已损坏：压缩包目录无法读取。（${detail}）`);
  },
  encryptedMember(partName: string): ReadError {
    return new ReadError('encrypted', `文件内部部件“${partName}”已加密，无法读取。请取消密码后另存为 .xlsx 再报送。`);
  },
  sizeMismatch(partName: string, detail: string): ReadError {
    return new ReadError('corrupt', `文件已损坏：部件“${partName}”的实际大小与声明不符。（${detail}）`);
  },
  cannotInflate(partName: string, detail: string): ReadError {
    return new ReadError('corrupt', `文件已损坏：部件“${partName}”无法解压。（${detail}）`);
  },
  badCrc(partName: string): ReadError {
    return new ReadError('corrupt', `文件已损坏：部件“${partName}”校验失败（CRC 错误），可能是传输或存储过程中损坏。请重新导出后报送。`);
  },
};

/**
 * Why a member name is unsafe, as yauzl words it (`absolute path: …`, `invalid relative path: …`),
 * or undefined. Checked on the name after `\` was turned into `/`.
 */
export function unsafeNameReason(fileName: string): string | undefined {
  if (/^[a-zA-Z]:/.test(fileName) || fileName.startsWith('/')) return `absolute path: ${fileName}`;
  if (fileName.split('/').includes('..')) return `invalid relative path: ${fileName}`;
  return undefined;
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (zip's), continued from `value`. */
export function crc32(data: Uint8Array, value = 0): number {
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
