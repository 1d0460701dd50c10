import { Inflate } from 'fflate';
import { crc32, unsafeNameReason, zipErrors } from './zip-archive.js';
import type { RandomAccessBytes, ZipArchive, ZipEntry, ZipSource } from './zip-archive.js';

/**
 * A zip held in memory (the file a clerk drops on the self-check page): the central directory is
 * read here, members are inflated by fflate. It answers like the Node reader (`xlsx-zip.ts`, yauzl):
 * the same checks (directory found and whole, names safe, stored sizes consistent, no "strong"
 * encryption), members checked against their declared size and CRC-32, the same `ReadError`s with
 * the same Chinese text (the technical detail in brackets is worded like yauzl's).
 */

/** The zip in `bytes`. */
export function bytesZipSource(bytes: Uint8Array): ZipSource {
  const random: RandomAccessBytes = {
    size: bytes.length,
    read: async (position, length) => bytes.subarray(position, Math.min(bytes.length, position + length)),
    close: async () => {},
  };
  return {
    openBytes: async () => random,
    openArchive: async (maxEntries) => readArchive(bytes, maxEntries),
  };
}

/** Slices handed to the inflater (bounds how much one push can produce). */
const INFLATE_SLICE = 16 * 1024;
/** Slices a stored member is handed out in. */
const STORED_SLICE = 64 * 1024;

interface BytesEntry extends ZipEntry {
  readonly flags: number;
  readonly method: number;
  readonly crc32: number;
  readonly localHeaderOffset: number;
}

class DirectoryError extends Error {}

function u16(b: Uint8Array, at: number): number {
  return (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>> 0;
}

function u64(b: Uint8Array, at: number): number {
  return u32(b, at) + u32(b, at + 4) * 0x1_0000_0000;
}

/** `n` bytes at `at`, or the "unexpected EOF" yauzl reports. */
function need(bytes: Uint8Array, at: number, n: number): Uint8Array {
  if (at < 0 || at + n > bytes.length) throw new DirectoryError('unexpected EOF');
  return bytes.subarray(at, at + n);
}

function readArchive(bytes: Uint8Array, maxEntries: number): ZipArchive {
  const EOCDR = 22;
  let found = -1;
  for (let i = bytes.length - EOCDR; i >= Math.max(0, bytes.length - EOCDR - 0xffff - 20); i--) {
    if (u32(bytes, i) === 0x06054b50) {
      found = i;
      break;
    }
  }
  if (found < 0) throw zipErrors.noDirectory('End of central directory record signature not found. Either not a zip file, or file is truncated.');
  const commentLength = u16(bytes, found + 20);
  const expectedComment = bytes.length - found - EOCDR;
  if (commentLength !== expectedComment) {
    throw zipErrors.notAZip(`Invalid comment length. Expected: ${expectedComment}. Found: ${commentLength}. Are there extra bytes at the end of the file?`);
  }
  let diskNumber = u16(bytes, found + 4);
  let entryCount = u16(bytes, found + 10);
  let directoryOffset = u32(bytes, found + 16);
  if (found >= 20 && u32(bytes, found - 20) === 0x07064b50) {
    const zip64At = u64(bytes, found - 20 + 8);
    if (zip64At + 56 > bytes.length || u32(bytes, zip64At) !== 0x06064b50) {
      throw zipErrors.notAZip('invalid zip64 end of central directory record signature');
    }
    diskNumber = u32(bytes, zip64At + 16);
    entryCount = u64(bytes, zip64At + 32);
    directoryOffset = u64(bytes, zip64At + 48);
  }
  if (diskNumber !== 0) throw zipErrors.notAZip(`multi-disk zip files are not supported: found disk number: ${diskNumber}`);
  if (entryCount > maxEntries) throw zipErrors.tooManyEntries(entryCount, maxEntries);
  let entries: BytesEntry[];
  try {
    entries = readDirectory(bytes, directoryOffset, entryCount);
  } catch (err) {
    if (!(err instanceof DirectoryError)) throw err;
    const unsafe = /^(absolute path|invalid relative path): (.*)$/s.exec(err.message);
    throw unsafe ? zipErrors.unsafeName(unsafe[2] ?? '') : zipErrors.badDirectory(err.message);
  }
  return {
    entries,
    chunks: (entry, partName) => memberChunks(bytes, entry as BytesEntry, partName),
    close: () => {},
  };
}

function readDirectory(bytes: Uint8Array, offset: number, count: number): BytesEntry[] {
  const entries: BytesEntry[] = [];
  let cursor = offset;
  for (let n = 0; n < count; n++) {
    const h = need(bytes, cursor, 46);
    const signature = u32(h, 0);
    if (signature !== 0x02014b50) throw new DirectoryError(`invalid central directory file header signature: 0x${signature.toString(16)}`);
    const flags = u16(h, 8);
    if (flags & 0x40) throw new DirectoryError('strong encryption is not supported');
    const method = u16(h, 10);
    const crc = u32(h, 16);
    let compressedSize = u32(h, 20);
    let uncompressedSize = u32(h, 24);
    const nameLength = u16(h, 28);
    const extraLength = u16(h, 30);
    const commentLength = u16(h, 32);
    let localHeaderOffset = u32(h, 42);
    cursor += 46;
    const rest = need(bytes, cursor, nameLength + extraLength + commentLength);
    cursor += rest.length;
    const nameRaw = rest.subarray(0, nameLength);
    const extras = extraFields(rest.subarray(nameLength, nameLength + extraLength));
    let fileName = unicodePathOf(extras, nameRaw) ?? decodeName(nameRaw, (flags & 0x800) !== 0);
    fileName = fileName.replace(/\\/g, '/');
    const unsafe = unsafeNameReason(fileName);
    if (unsafe) throw new DirectoryError(unsafe);
    const zip64 = extras.find((e) => e.id === 0x0001)?.data;
    if (zip64) {
      let at = 0;
      const take = (what: string): number => {
        if (at + 8 > zip64.length) throw new DirectoryError(`zip64 extended information extra field does not include ${what}`);
        const value = u64(zip64, at);
        at += 8;
        return value;
      };
      if (uncompressedSize === 0xffffffff) uncompressedSize = take('uncompressed size');
      if (compressedSize === 0xffffffff) compressedSize = take('compressed size');
      if (localHeaderOffset === 0xffffffff) localHeaderOffset = take('relative header offset');
    }
    const encrypted = (flags & 0x1) !== 0;
    if (method === 0 && compressedSize !== uncompressedSize + (encrypted ? 12 : 0)) {
      throw new DirectoryError(`compressed/uncompressed size mismatch for stored file: ${compressedSize} != ${uncompressedSize}`);
    }
    entries.push({
      fileName,
      backslashName: nameRaw.includes(0x5c),
      uncompressedSize,
      compressedSize,
      encrypted,
      flags,
      method,
      crc32: crc,
      localHeaderOffset,
    });
  }
  return entries;
}

function extraFields(raw: Uint8Array): { id: number; data: Uint8Array }[] {
  const fields: { id: number; data: Uint8Array }[] = [];
  let i = 0;
  while (i < raw.length - 3) {
    const id = u16(raw, i);
    const size = u16(raw, i + 2);
    const start = i + 4;
    if (start + size > raw.length) throw new DirectoryError('extra field length exceeds extra field buffer size');
    fields.push({ id, data: raw.subarray(start, start + size) });
    i = start + size;
  }
  return fields;
}

/** The Info-ZIP Unicode Path extra field (0x7075), when present and matching the stored name. */
function unicodePathOf(extras: readonly { id: number; data: Uint8Array }[], nameRaw: Uint8Array): string | undefined {
  for (const e of extras) {
    if (e.id !== 0x7075 || e.data.length < 6 || e.data[0] !== 1) continue;
    if (u32(e.data, 1) !== crc32(nameRaw)) continue;
    return new TextDecoder('utf-8').decode(e.data.subarray(5));
  }
  return undefined;
}

const CP437 =
  '\u0000☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼ !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~⌂ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

/** A member name: UTF-8 when flagged, else code page 437 (the zip default). */
function decodeName(raw: Uint8Array, utf8: boolean): string {
  if (utf8) return new TextDecoder('utf-8').decode(raw);
  let out = '';
  for (const b of raw) out += CP437[b] ?? '';
  return out;
}

async function* memberChunks(bytes: Uint8Array, entry: BytesEntry, partName: string): AsyncGenerator<Uint8Array> {
  if (entry.encrypted) throw zipErrors.encryptedMember(partName);
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length) throw zipErrors.cannotInflate(partName, 'unexpected EOF');
  const signature = u32(bytes, at);
  if (signature !== 0x04034b50) throw zipErrors.cannotInflate(partName, `invalid local file header signature: 0x${signature.toString(16)}`);
  const start = at + 30 + u16(bytes, at + 26) + u16(bytes, at + 28);
  const end = start + entry.compressedSize;
  if (end > bytes.length) {
    throw zipErrors.cannotInflate(partName, `file data overflows file bounds: ${start} + ${entry.compressedSize} > ${bytes.length}`);
  }
  const data = bytes.subarray(start, end);
  const expected = entry.uncompressedSize;
  let produced = 0;
  let crc = 0;
  const take = (chunk: Uint8Array): Uint8Array => {
    produced += chunk.length;
    if (produced > expected) throw zipErrors.sizeMismatch(partName, `too many bytes in the stream. expected ${expected}. got at least ${produced}`);
    crc = crc32(chunk, crc);
    return chunk;
  };
  if (entry.method === 0) {
    for (let p = 0; p < data.length; p += STORED_SLICE) yield take(data.subarray(p, Math.min(data.length, p + STORED_SLICE)));
  } else if (entry.method === 8) {
    let out: Uint8Array[] = [];
    const inflater = new Inflate((chunk) => {
      out.push(chunk);
    });
    for (let p = 0; p < data.length || p === 0; p += INFLATE_SLICE) {
      const last = p + INFLATE_SLICE >= data.length;
      try {
        inflater.push(data.subarray(p, Math.min(data.length, p + INFLATE_SLICE)), last);
      } catch (err) {
        throw zipErrors.cannotInflate(partName, err instanceof Error ? err.message : String(err));
      }
      const ready = out;
      out = [];
      for (const chunk of ready) yield take(chunk);
      if (last) break;
    }
  } else {
    throw zipErrors.cannotInflate(partName, `unsupported compression method: ${entry.method}`);
  }
  if (produced < expected) throw zipErrors.sizeMismatch(partName, `not enough bytes in the stream. expected ${expected}. got only ${produced}`);
  if (crc >>> 0 !== entry.crc32 >>> 0) throw zipErrors.badCrc(partName);
}
