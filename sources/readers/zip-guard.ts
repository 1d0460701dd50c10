import { ReadError } from './reader.js';
import type { ReadLimits } from './reader.js';
import { readEntryBytes } from './zip-archive.js';
import type { RandomAccessBytes, ZipArchive, ZipEntry, ZipSource } from './zip-archive.js';

/**
 * The checks an .xlsx/.xlsm file must pass before any XML is parsed: that it is a zip at all
 * (and not an encrypted OLE2 container, an old .xls, an .ods or a renamed .docx), that its
 * member names are safe and unique, and that nothing in it inflates beyond the limits.
 * Only the central directory and a few tiny members (`mimetype`, `[Content_Types].xml`) are read.
 * Written over a `ZipSource` (`zip-archive.ts`), so the Node readers (yauzl, a file on disk) and the
 * self-check page (fflate, bytes in memory) run the same checks.
 */

/** What the guard learnt about a package that passed. */
export interface PackageInfo {
  /** Member names as stored, with `\` turned into `/`, in zip order. */
  readonly entryNames: readonly string[];
  /** Sum of the declared uncompressed sizes. */
  readonly totalUncompressedBytes: number;
  /** True when the producer wrote `\` separators (not valid OPC, but Excel tolerates it). */
  readonly backslashNames: boolean;
}

/** A package that passed the guard, still open for reading its members. */
export interface GuardedPackage {
  readonly info: PackageInfo;
  readonly zip: ZipArchive;
  /** Members keyed by {@link partKey} of their name. */
  readonly entries: ReadonlyMap<string, ZipEntry>;
}

/** Members whose uncompressed size is at most this are exempt from the ratio check (XML compresses well). */
const RATIO_EXEMPT_BYTES = 1024 * 1024;
/** More members than this is no spreadsheet anyone sends. */
const MAX_ENTRIES = 10_000;
/** [Content_Types].xml and mimetype are tiny; anything bigger is not what it claims. */
const MAX_SNIFF_PART_BYTES = 1024 * 1024;
/** Unreadable zips up to this size are scanned for tell-tale part names. */
const MAX_RAW_SCAN_BYTES = 16 * 1024 * 1024;

const WORD_MESSAGE = '这是 Word 文档（.docx），不是 Excel 工作簿，只是扩展名被改成了 .xlsx。请报送 Excel 表格文件（.xlsx）。';
const POWERPOINT_MESSAGE = '这是 PowerPoint 演示文稿（.pptx），不是 Excel 工作簿。请报送 Excel 表格文件（.xlsx）。';

const OLE2_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
/** Stream name of ECMA-376 encryption inside the OLE2 container, as stored (UTF-16LE). */
const ENCRYPTED_PACKAGE = Buffer.from('EncryptedPackage', 'utf16le');

/** Case-insensitive, separator-normalised key of a part name (OPC names are case-insensitive). */
export function partKey(name: string): string {
  return name.replace(/\\/g, '/').replace(/^\/+/, '').toLowerCase();
}

/**
 * Checks an .xlsx/.xlsm file without inflating its sheets.
 * @throws ReadError naming the problem: `encrypted`, `unsupported_format`, `corrupt`, `empty`, `too_large`.
 */
export async function inspectXlsxPackage(source: ZipSource, limits: ReadLimits): Promise<PackageInfo> {
  const pkg = await openGuardedPackage(source, limits);
  pkg.zip.close();
  return pkg.info;
}

/** Like {@link inspectXlsxPackage} but leaves the zip open for the reader; the caller closes it. */
export async function openGuardedPackage(source: ZipSource, limits: ReadLimits): Promise<GuardedPackage> {
  await sniffContainer(source, limits);
  const zip = await source.openArchive(MAX_ENTRIES).catch((err: unknown) => explainUnreadableZip(source, err));
  try {
    const list = zip.entries;
    const entries = checkEntries(list, limits);
    await refuseForeignPackages(zip, entries);
    const info: PackageInfo = {
      entryNames: list.map((e) => e.fileName),
      totalUncompressedBytes: list.reduce((sum, e) => sum + e.uncompressedSize, 0),
      backslashNames: list.some((e) => e.backslashName),
    };
    return { info, zip, entries };
  } catch (err) {
    zip.close();
    throw err;
  }
}

/**
 * A zip whose directory cannot be read may still be recognisably a Word or PowerPoint file
 * (the fuzzed .docx in the corpus has bytes prepended); its local headers name its parts.
 */
async function explainUnreadableZip(source: ZipSource, err: unknown): Promise<never> {
  const foreign = await foreignByRawNames(source).catch(() => undefined);
  throw foreign ?? err;
}

async function foreignByRawNames(source: ZipSource): Promise<ReadError | undefined> {
  const handle = await source.openBytes();
  try {
    const { size } = handle;
    if (size > MAX_RAW_SCAN_BYTES) return undefined;
    const raw = await handle.read(0, size);
    const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    if (bytes.includes('xl/workbook')) return undefined;
    if (bytes.includes('word/document.xml')) return new ReadError('unsupported_format', WORD_MESSAGE);
    if (bytes.includes('ppt/presentation.xml')) return new ReadError('unsupported_format', POWERPOINT_MESSAGE);
    return undefined;
  } finally {
    await handle.close();
  }
}

/** Looks at the first bytes: zip, OLE2 (encrypted xlsx or legacy .xls) or something else. */
async function sniffContainer(source: ZipSource, limits: ReadLimits): Promise<void> {
  const handle = await source.openBytes();
  try {
    const { size } = handle;
    if (size === 0) throw new ReadError('empty', '文件是空的（0 字节），请重新导出后再报送。');
    if (size > limits.maxFileBytes) {
      throw new ReadError('too_large', `文件过大（${mib(size)}，上限 ${mib(limits.maxFileBytes)}），请拆分后报送。`);
    }
    const first = await handle.read(0, Math.min(size, 8));
    const head = Buffer.from(first.buffer, first.byteOffset, first.byteLength);
    if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b) return;
    if (head.equals(OLE2_MAGIC)) {
      if (await containsBytes(handle, size, ENCRYPTED_PACKAGE)) {
        throw new ReadError('encrypted', '文件设置了打开密码（已加密），无法读取。请在 Excel/WPS 中取消文件密码后另存为 .xlsx 再报送。');
      }
      throw new ReadError(
        'unsupported_format',
        '这是旧版 Excel 97-2003 文件（.xls）或其他旧版 Office 文件，不受支持；若设置了密码也会是这种格式。请在 Excel/WPS 中打开，取消密码后“另存为”Excel 工作簿（.xlsx）再报送。',
      );
    }
    if (looksLikeText(head)) {
      throw new ReadError(
        'unsupported_format',
        '文件内容不是 Excel 工作簿（像是文本、CSV 或网页文件，只是扩展名为 .xlsx）。请用 Excel/WPS 打开后另存为 .xlsx，或按 CSV 报送。',
      );
    }
    throw new ReadError('corrupt', '文件已损坏或不是 Excel 文件（文件头不是 .xlsx 格式）。请重新导出或另存为 .xlsx 后再报送。');
  } finally {
    await handle.close();
  }
}

async function containsBytes(handle: RandomAccessBytes, size: number, needle: Buffer): Promise<boolean> {
  const chunkSize = 1024 * 1024;
  const buf = Buffer.alloc(chunkSize + needle.length);
  let carry = 0;
  for (let pos = 0; pos < size; pos += chunkSize) {
    const read = await handle.read(pos, chunkSize);
    buf.set(read, carry);
    const filled = carry + read.length;
    if (buf.subarray(0, filled).includes(needle)) return true;
    carry = Math.min(needle.length - 1, filled);
    buf.copy(buf, 0, filled - carry, filled);
  }
  return false;
}

function looksLikeText(head: Buffer): boolean {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return true;
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) return true;
  return [...head].every((b) => b === 0x09 || b === 0x0a || b === 0x0d || b >= 0x20);
}

function checkEntries(list: readonly ZipEntry[], limits: ReadLimits): Map<string, ZipEntry> {
  if (list.length === 0) {
    throw new ReadError('corrupt', '文件是一个空的压缩包，里面没有任何工作簿内容。请重新导出后报送。');
  }
  const entries = new Map<string, ZipEntry>();
  let total = 0;
  for (const entry of list) {
    const name = entry.fileName;
    const key = partKey(name);
    if (entries.has(key)) {
      throw new ReadError('corrupt', `文件内部结构异常：部件“${name}”出现了不止一次，无法确定以哪个为准。请用 Excel/WPS 打开后重新另存为 .xlsx。`);
    }
    entries.set(key, entry);
    if (entry.encrypted) {
      throw new ReadError('encrypted', `文件内部部件“${name}”已加密，无法读取。请取消密码后另存为 .xlsx 再报送。`);
    }
    total += entry.uncompressedSize;
    if (entry.uncompressedSize > limits.maxEntryBytes) {
      throw new ReadError(
        'too_large',
        `部件“${name}”解压后过大（${mib(entry.uncompressedSize)}，上限 ${mib(limits.maxEntryBytes)}），请删除无关内容或拆分后报送。`,
      );
    }
    if (/(^|\/)sharedstrings\.xml$/.test(key) && entry.uncompressedSize > limits.maxSharedStringsBytes) {
      throw new ReadError(
        'too_large',
        `共享字符串表“${name}”过大（${mib(entry.uncompressedSize)}，上限 ${mib(limits.maxSharedStringsBytes)}），请删除无关内容或拆分后报送。`,
      );
    }
    const ratio = entry.uncompressedSize / Math.max(entry.compressedSize, 1);
    if (entry.uncompressedSize > RATIO_EXEMPT_BYTES && ratio > limits.maxCompressionRatio) {
      throw new ReadError(
        'too_large',
        `部件“${name}”压缩比异常（${Math.round(ratio)} 倍，上限 ${limits.maxCompressionRatio} 倍），疑似恶意构造的“压缩炸弹”，已拒绝读取。`,
      );
    }
  }
  if (total > limits.maxUncompressedBytes) {
    throw new ReadError('too_large', `文件解压后过大（${mib(total)}，上限 ${mib(limits.maxUncompressedBytes)}），请删除无关内容或拆分后报送。`);
  }
  return entries;
}

/** Refuses zips that are some other kind of document: OpenDocument, Word, PowerPoint, plain archives. */
async function refuseForeignPackages(zip: ZipArchive, entries: ReadonlyMap<string, ZipEntry>): Promise<void> {
  const has = (key: string): boolean => entries.has(key);
  const contentTypes = entries.get('[content_types].xml');
  const mimetype = entries.get('mimetype');
  if (!contentTypes && (mimetype || has('meta-inf/manifest.xml'))) {
    const kind = mimetype ? await readSmall(zip, mimetype, 'mimetype').catch(() => '') : '';
    throw new ReadError('unsupported_format', openDocumentMessage(kind));
  }
  const workbookNamed = [...entries.keys()].some((k) => /(^|\/)workbook\d*\.xml$/.test(k));
  // A damaged [Content_Types].xml only matters once the names have not told us what this is.
  let readFailure: unknown;
  const text = contentTypes
    ? await readSmall(zip, contentTypes, '[Content_Types].xml').catch((err: unknown) => {
        readFailure = err;
        return '';
      })
    : '';
  const spreadsheet = /spreadsheetml\.(sheet|template)\.main|ms-excel\.(sheet|template)\.macroEnabled\.main/i.test(text);
  if (spreadsheet || workbookNamed) return;
  if (/wordprocessingml\.document/i.test(text) || has('word/document.xml')) {
    throw new ReadError('unsupported_format', WORD_MESSAGE);
  }
  if (/presentationml\.presentation/i.test(text) || has('ppt/presentation.xml')) {
    throw new ReadError('unsupported_format', POWERPOINT_MESSAGE);
  }
  if (readFailure) throw readFailure;
  if (!contentTypes) {
    throw new ReadError('unsupported_format', '这是一个普通压缩包，不是 Excel 工作簿。请解压后报送其中的 .xlsx 文件，或用 Excel/WPS 另存为 .xlsx。');
  }
  throw new ReadError('unsupported_format', '文件中找不到 Excel 工作簿部件，不是有效的 .xlsx 文件。请用 Excel/WPS 另存为 .xlsx 后再报送。');
}

async function readSmall(zip: ZipArchive, entry: ZipEntry, partName: string): Promise<string> {
  const bytes = await readEntryBytes(zip, entry, partName, MAX_SNIFF_PART_BYTES);
  return bytes.toString('utf8');
}

function openDocumentMessage(mimetype: string): string {
  if (/opendocument\.text/.test(mimetype)) {
    return '这是 OpenDocument 文本文档（.odt），不是 Excel 工作簿。请报送 Excel 表格文件（.xlsx）。';
  }
  return '这是 OpenDocument 表格（.ods，LibreOffice/WPS 等软件的格式），不受支持。请在 Excel/WPS 中打开后“另存为”Excel 工作簿（.xlsx）再报送。';
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
