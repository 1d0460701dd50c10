import { crc32, deflateRawSync } from 'node:zlib';

/** One member of a zip file. */
export interface ZipEntry {
  readonly name: string;
  readonly data: string | Buffer;
  /** Deflate the data (default), or store it as is. */
  readonly deflate?: boolean;
  /** Write this CRC instead of the real one (tests of damaged packages). */
  readonly crc?: number;
}

/** 2024-01-01 00:00 in MS-DOS date/time, so that the same content always zips to the same bytes. */
const dosTime = 0;
const dosDate = ((2024 - 1980) << 9) | (1 << 5) | 1;

/**
 * The fields a local header (from byte 4) and a central directory header (from byte 6) share:
 * version needed, flags (UTF-8 names), method, time, date, CRC, sizes, name length.
 */
function writeEntryFields(header: Buffer, at: number, f: { method: number; crc: number; compressed: number; size: number; nameLength: number }): void {
  header.writeUInt16LE(20, at);
  header.writeUInt16LE(0x0800, at + 2);
  header.writeUInt16LE(f.method, at + 4);
  header.writeUInt16LE(dosTime, at + 6);
  header.writeUInt16LE(dosDate, at + 8);
  header.writeUInt32LE(f.crc, at + 10);
  header.writeUInt32LE(f.compressed, at + 14);
  header.writeUInt32LE(f.size, at + 18);
  header.writeUInt16LE(f.nameLength, at + 22);
}

/**
 * Writes a plain zip (deflated members, no extras, UTF-8 names): what a system export or WPS
 * writes, and deterministic byte for byte. The one zip writer of the project: the sample
 * workbooks, and the tests' crafted packages (stored members, wrong CRCs) use it alike.
 */
export function zip(entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const raw = typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : entry.data;
    const deflate = entry.deflate ?? true;
    const method = deflate ? 8 : 0;
    const body = deflate ? deflateRawSync(raw, { level: 6 }) : raw;
    const name = Buffer.from(entry.name, 'utf8');
    const crc = (entry.crc ?? crc32(raw)) >>> 0;
    const fields = { method, crc, compressed: body.length, size: raw.length, nameLength: name.length };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    writeEntryFields(local, 4, fields);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // version made by
    writeEntryFields(central, 6, fields);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
