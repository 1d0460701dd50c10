/**
 * GB18030 bytes to UTF-8 bytes for the CSV bulk path, by table: 0.6 s for a 150 MB file where ICU's
 * decoder (`TextDecoder('gb18030')`) and re-encoding take 1.4–1.8 s.
 *
 * The table is ICU's own answer for every two-byte code, asked once per process, so the bytes
 * written are those `TextDecoder` would give. ASCII passes through; a four-byte code is decoded
 * by ICU on its own. Whatever ICU would not read as one character (a byte that starts no code,
 * a cut or malformed code, U+FFFD), and the characters where ICU and iconv-lite (the JS path's
 * decoder) disagree ({@link gbDecodersDiffer}), sets {@link Gb18030ToUtf8.differs}: the file is
 * then left to the JS path. `test/pipelines/csv-bulk-gb18030.test.ts` compares the two over every
 * code and random text cut anywhere.
 *
 * @module
 */

/**
 * Text where ICU's GB18030 decoder and iconv-lite's (the JS path's, `text-platform-node.ts`) may
 * disagree: U+FFFD (iconv-lite reads some four-byte sequences past the mapped range that ICU
 * refuses, and a cut sequence differently), and the 18 characters ICU gives for two-byte codes
 * iconv-lite maps to the private use area (A6D9–A6F3, FE59–FEA0). A file holding any of them is
 * left to the JS path.
 */
export const gbDecodersDiffer = /[\uFFFD\uFE10-\uFE19\u9FB4-\u9FBB]/;

/** Trail bytes of a two-byte code run 0x40–0xFE (0x7F is none): 191 slots per lead byte. */
const TRAILS = 191;

/** UTF-8 bytes packed as `b0 | b1 << 8 | b2 << 16 | length << 24`; -1: not one character both decoders read alike. */
let twoByte: Int32Array | undefined;
/** The same for a lone byte 0x80–0xFF (WHATWG reads 0x80 as €). */
let oneByte: Int32Array | undefined;

function pack(text: string): number {
  const cp = text.codePointAt(0);
  if (cp === undefined || text.length !== (cp > 0xffff ? 2 : 1) || gbDecodersDiffer.test(text)) return -1;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > 3) return -1;
  return bytes[0]! | ((bytes[1] ?? 0) << 8) | ((bytes[2] ?? 0) << 16) | (bytes.length << 24);
}

function tables(): { two: Int32Array; one: Int32Array } {
  if (!twoByte || !oneByte) {
    const decoder = new TextDecoder('gb18030');
    const two = new Int32Array(126 * TRAILS).fill(-1);
    for (let lead = 0x81; lead <= 0xfe; lead++) {
      for (let trail = 0x40; trail <= 0xfe; trail++) {
        if (trail === 0x7f) continue;
        two[(lead - 0x81) * TRAILS + (trail - 0x40)] = pack(decoder.decode(Uint8Array.of(lead, trail)));
      }
    }
    const one = new Int32Array(128).fill(-1);
    // A lone byte that is one character by itself (not the lead of a longer code).
    for (let b = 0x80; b <= 0xff; b++) {
      if (b >= 0x81 && b <= 0xfe) continue;
      one[b - 0x80] = pack(decoder.decode(Uint8Array.of(b)));
    }
    twoByte = two;
    oneByte = one;
  }
  return { two: twoByte, one: oneByte };
}

/** A streaming GB18030 → UTF-8 transcoder; once {@link differs} is set its output is not to be used. */
export class Gb18030ToUtf8 {
  /** Bytes ICU would not read as the JS path does (see the module): the file goes to the JS path. */
  differs = false;
  /** The start of a code cut by the end of the last chunk. */
  private carry: Uint8Array = new Uint8Array(0);
  private readonly decoder = new TextDecoder('gb18030');
  private readonly tables = tables();

  /** The UTF-8 bytes of `chunk` (a new buffer the caller may keep). */
  write(chunk: Uint8Array): Buffer {
    if (this.differs) return Buffer.alloc(0);
    // Plain typed arrays, always the same kind: element access on them is what V8 optimises best.
    let src = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
    if (this.carry.length) {
      const joined = new Uint8Array(this.carry.length + chunk.length);
      joined.set(this.carry);
      joined.set(src, this.carry.length);
      src = joined;
      this.carry = new Uint8Array(0);
    }
    // At most 3 UTF-8 bytes for 2 GB18030 bytes, 4 for 4, 3 for 1 (€).
    const outBuffer = Buffer.allocUnsafe(src.length * 3);
    const out = new Uint8Array(outBuffer.buffer, outBuffer.byteOffset, outBuffer.length);
    const { two, one } = this.tables;
    let i = 0;
    let o = 0;
    for (;;) {
      transcodeRun(src, i, out, o, two, one);
      i = lastStop.i;
      o = lastStop.o;
      if (lastStop.why === STOP_END) break;
      if (lastStop.why === STOP_BAD) {
        this.differs = true;
        return Buffer.alloc(0);
      }
      // A four-byte code: ICU decodes it on its own.
      const text = this.decoder.decode(src.subarray(i, i + 4));
      if (text.length === 0 || gbDecodersDiffer.test(text) || text.codePointAt(0)! < 0x80 || [...text].length !== 1) {
        this.differs = true;
        return Buffer.alloc(0);
      }
      o += outBuffer.write(text, o, 'utf8');
      i += 4;
    }
    // A copy: `chunk` may be a buffer the caller reuses.
    if (i < src.length) this.carry = src.slice(i);
    return outBuffer.subarray(0, o);
  }

  /** The end of the file: a code cut there is not one character. */
  end(): Buffer {
    if (this.carry.length) this.differs = true;
    return Buffer.alloc(0);
  }
}

const STOP_END = 0;
const STOP_BAD = 1;
const STOP_FOUR = 2;
/** Where {@link transcodeRun} stopped, and why (kept in one object: no allocation per call). */
const lastStop = { i: 0, o: 0, why: STOP_END };

/**
 * Transcodes `src` from `i` into `out` from `o` until the end (or a code cut by it), a four-byte
 * code, or bytes not read by table; says where and why in {@link lastStop}.
 */
function transcodeRun(src: Uint8Array, i: number, out: Uint8Array, o: number, two: Int32Array, one: Int32Array): void {
  const n = src.length;
  let why = STOP_END;
  while (i < n) {
    const b = src[i]!;
    if (b < 0x80) {
      out[o++] = b;
      i++;
      continue;
    }
    let v: number;
    if (b === 0x80 || b === 0xff) {
      v = one[b - 0x80]!;
      if (v < 0) {
        why = STOP_BAD;
        break;
      }
      i++;
    } else {
      if (i + 1 >= n) break;
      const b2 = src[i + 1]!;
      if (b2 >= 0x30 && b2 <= 0x39) {
        if (i + 3 >= n) break;
        why = STOP_FOUR;
        break;
      }
      v = b2 >= 0x40 && b2 !== 0x7f && b2 <= 0xfe ? two[(b - 0x81) * TRAILS + (b2 - 0x40)]! : -1;
      if (v < 0) {
        why = STOP_BAD;
        break;
      }
      i += 2;
    }
    out[o++] = v & 0xff;
    out[o++] = (v >> 8) & 0xff;
    if (v >>> 24 === 3) out[o++] = (v >> 16) & 0xff;
    else if (v >>> 24 === 1) o--;
  }
  lastStop.i = i;
  lastStop.o = o;
  lastStop.why = why;
}
