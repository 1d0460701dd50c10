/**
 * Encoding detection and streaming decoding for text reports (CSV, Excel "Unicode text").
 *
 * Townships send CSV in whatever their Excel/WPS saved: GBK/GB18030 (the Chinese Windows
 * default), UTF-8 with or without BOM, or UTF-16 ("Unicode 文本"). A wrong guess turns every
 * name into mojibake that still *loads*, so the rule is: decide from evidence, and refuse
 * rather than guess when the evidence does not fit a Chinese report.
 *
 * Decision (see {@link AutoTextDecoder}):
 * 1. a BOM (UTF-8, UTF-16LE, UTF-16BE) wins;
 * 2. zip/OLE2 signatures or NUL-heavy content are not text (BOM-less UTF-16 is recognised by its
 *    NUL pattern);
 * 3. otherwise the first non-ASCII stretch (up to `sampleBytes`) is examined: valid UTF-8 → UTF-8;
 *    mostly-valid UTF-8 → refused (mixed encodings); bytes that read as plausible GB18030
 *    Chinese → GB18030; anything else (Latin-1, Windows-1252/1251, ISO-8859-7 …) → refused.
 *    While only ASCII has been seen the decision is deferred, because UTF-8 and GB18030 agree
 *    on ASCII — a file whose first 64 KiB are ASCII can still turn out to be GBK.
 * 4. after the decision, bytes that do not decode (invalid UTF-8, GB18030 U+FFFD) are refused
 *    with the approximate line, never replaced silently.
 *
 * The two things that differ by platform are given in {@link TextPlatform}: on Node, iconv-lite's
 * GB18030 and `node:buffer`'s `isAscii` (`text-platform-node.ts`); in the browser, the WHATWG
 * `TextDecoder('gb18030')` (`text-platform-web.ts`).
 *
 * @module
 */
import { ReadError } from './reader.js';
import { sniffUtf16WithoutBom } from './sniff.js';

/** Text encodings this module decodes. GB18030 is a superset of GBK and GB2312. */
export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'gb18030';

/** The encoding a text file was read with, and why. */
export interface DetectedEncoding {
  readonly encoding: TextEncoding;
  /**
   * `bom`: the file declares it. `content`: inferred from the bytes. `ascii`: the file is pure
   * ASCII, which reads the same in UTF-8 and GB18030 (reported as UTF-8).
   */
  readonly basis: 'bom' | 'content' | 'ascii';
}

/** A streaming decoder: characters split across chunks come out whole. */
interface StreamDecoder {
  write(bytes: Uint8Array): string;
  end(): string;
}

/** What decoding needs of the platform it runs on. */
export interface TextPlatform {
  /** Whether every byte is below 0x80. */
  isAscii(bytes: Uint8Array): boolean;
  /** A streaming GB18030 decoder that turns undecodable bytes into U+FFFD (they are refused by the caller). */
  gb18030(): StreamDecoder;
}

/** Options of {@link AutoTextDecoder} and {@link decodeTextStream}. */
export interface TextDecodingOptions {
  readonly platform: TextPlatform;
  /** Bytes of non-ASCII text examined before choosing UTF-8 or GB18030. Default 64 KiB. */
  readonly sampleBytes?: number;
  /** Called once, when the encoding is decided. */
  readonly onDetected?: (detected: DetectedEncoding) => void;
}

/** Default size of the sniffing sample. */
const DEFAULT_SAMPLE_BYTES = 64 * 1024;

/** Human (Chinese) name of an encoding, for notices and messages. */
export function describeEncoding(encoding: TextEncoding): string {
  switch (encoding) {
    case 'utf-8':
      return 'UTF-8';
    case 'utf-16le':
      return 'UTF-16LE（Excel“Unicode 文本”）';
    case 'utf-16be':
      return 'UTF-16BE';
    case 'gb18030':
      return 'GB18030（兼容 GBK/GB2312）';
  }
}

/** What the sender should do about an undecodable file; appended to every encoding refusal. */
const RESAVE_HINT = '请用 Excel 打开后“另存为”→“CSV UTF-8（逗号分隔）”，或用 WPS 另存为 GBK 编码的 CSV，再重新报送。';

function encodingError(line: number, what: string): ReadError {
  return new ReadError('encoding', `约第 ${line} 行${what}。${RESAVE_HINT}`);
}

/** A decoder for an already decided encoding. */
interface ChunkDecoder {
  write(bytes: Buffer): string;
  end(): string;
}

/**
 * Push-style decoder: feed byte chunks with {@link write}, finish with {@link end}; each call
 * returns the text decoded so far. Characters split across chunks come out whole. Throws
 * {@link ReadError} (`encoding` or `unsupported_format`) as soon as the bytes cannot be text
 * in a supported encoding.
 */
class AutoTextDecoder {
  private readonly sampleBytes: number;
  private readonly platform: TextPlatform;
  private readonly onDetected: ((detected: DetectedEncoding) => void) | undefined;
  private state: 'start' | 'ascii' | 'sampling' | 'decided' = 'start';
  private held: Buffer[] = [];
  private heldBytes = 0;
  private decoder: ChunkDecoder | undefined;
  private result: DetectedEncoding | undefined;
  /** Line breaks emitted so far; only for locating errors. */
  private lineBreaks = 0;

  constructor(options: TextDecodingOptions) {
    this.sampleBytes = Math.max(16, options.sampleBytes ?? DEFAULT_SAMPLE_BYTES);
    this.platform = options.platform;
    this.onDetected = options.onDetected;
  }

  /** The decided encoding; `undefined` until decided (pure ASCII decides at {@link end}). */
  get detected(): DetectedEncoding | undefined {
    return this.result;
  }

  /** Decodes the next chunk; may return '' while the sample is being collected. */
  write(chunk: Uint8Array): string {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (bytes.length === 0) return '';
    switch (this.state) {
      case 'decided':
        return this.emit(this.decoderOrThrow().write(bytes));
      case 'ascii':
        return this.writeAscii(bytes);
      case 'start':
      case 'sampling':
        this.held.push(bytes);
        this.heldBytes += bytes.length;
        return this.heldBytes >= this.sampleBytes ? this.decideHeld(false) : '';
    }
  }

  /** Flushes the decoder; throws if the input ended inside a character. */
  end(): string {
    let out = '';
    if (this.state === 'start' || this.state === 'sampling') out = this.decideHeld(true);
    if (this.state === 'ascii' && !this.result) this.decide({ encoding: 'utf-8', basis: 'ascii' });
    if (this.state === 'decided') out += this.emit(this.decoderOrThrow().end());
    return out;
  }

  private decoderOrThrow(): ChunkDecoder {
    if (!this.decoder) throw new Error('AutoTextDecoder: no decoder after decision');
    return this.decoder;
  }

  private emit(text: string): string {
    this.lineBreaks += countLineBreaks(text, text.length);
    return text;
  }

  /** ASCII so far: pass ASCII through, start sampling at the first byte ≥ 0x80. */
  private writeAscii(bytes: Buffer): string {
    if (this.platform.isAscii(bytes)) return this.emit(bytes.toString('latin1'));
    let i = 0;
    while (i < bytes.length && (bytes[i] ?? 0) < 0x80) i++;
    const prefix = this.emit(bytes.toString('latin1', 0, i));
    this.state = 'sampling';
    this.held = [bytes.subarray(i)];
    this.heldBytes = bytes.length - i;
    return prefix + (this.heldBytes >= this.sampleBytes ? this.decideHeld(false) : '');
  }

  private decideHeld(atEnd: boolean): string {
    const sample = this.held.length === 1 ? (this.held[0] as Buffer) : Buffer.concat(this.held);
    this.held = [];
    this.heldBytes = 0;
    if (this.state === 'start') {
      const declared = sniffDeclared(sample) ?? sniffUtf16WithoutBom(sample);
      if (declared) {
        this.decide({ encoding: declared, basis: sniffDeclared(sample) ? 'bom' : 'content' });
        return this.emit(this.decoderOrThrow().write(sample));
      }
      refuseBinary(sample);
    }
    if (this.platform.isAscii(sample)) {
      this.state = 'ascii';
      return this.emit(sample.toString('latin1'));
    }
    this.decide({ encoding: this.chooseFromContent(sample, atEnd), basis: 'content' });
    return this.emit(this.decoderOrThrow().write(sample));
  }

  private chooseFromContent(sample: Buffer, atEnd: boolean): TextEncoding {
    const utf8 = scanUtf8(sample, atEnd);
    if (utf8.invalidAt < 0) return 'utf-8';
    // Real GBK text almost never forms valid UTF-8 sequences; many of them plus a few
    // invalid bytes means a UTF-8 file with something else pasted in.
    if (utf8.sequences >= 8 && utf8.sequences >= 2 * utf8.invalid) {
      throw encodingError(
        this.lineAt(sample, utf8.invalidAt),
        '出现了不是 UTF-8 的字节：文件其余部分是 UTF-8，这里却混入了其他编码的文字（常见于把 GBK 文本粘贴进 UTF-8 文件）',
      );
    }
    const gb = scanGb18030(sample, atEnd);
    if (gb.invalidAt >= 0) {
      throw encodingError(
        this.lineAt(sample, gb.invalidAt),
        '的文字既不是 UTF-8 也不是 GBK/GB18030 编码（可能是西文、俄文、希腊文等其他语言的旧式编码，或文件已损坏）',
      );
    }
    // Valid GB18030 byte structure is common by accident (Latin-1 "ü" + letter is a valid GBK
    // pair). Chinese text is dominated by GB2312 level-1 hanzi and full-width punctuation;
    // single-byte European text read as GBK lands in level-2, extension and private-use areas.
    if (gb.common < 0.6 * (gb.common + gb.rare)) {
      throw encodingError(
        this.lineAt(
          sample,
          sample.findIndex((b) => b >= 0x80),
        ),
        '的文字按 GBK/GB18030 解读不像中文，文件可能是西文（Latin-1/Windows-1252）、俄文、希腊文等其他语言的旧式编码，直接读取会变成乱码',
      );
    }
    return 'gb18030';
  }

  private decide(detected: DetectedEncoding): void {
    this.result = detected;
    this.state = 'decided';
    this.decoder = makeDecoder(detected.encoding, () => this.lineBreaks, this.platform);
    this.onDetected?.(detected);
  }

  /** 1-based line of byte `offset` of `sample`, which starts right after the emitted text. */
  private lineAt(sample: Buffer, offset: number): number {
    let breaks = 0;
    for (let i = 0; i < offset; i++) {
      const b = sample[i];
      if (b === 0x0a || (b === 0x0d && sample[i + 1] !== 0x0a)) breaks++;
    }
    return this.lineBreaks + breaks + 1;
  }
}

/**
 * Decodes a byte stream to text chunks with {@link AutoTextDecoder}. Pulls the source only as
 * fast as the consumer pulls text, so memory stays bounded.
 */
export async function* decodeTextStream(source: AsyncIterable<Uint8Array>, options: TextDecodingOptions): AsyncGenerator<string, void, undefined> {
  const decoder = new AutoTextDecoder(options);
  for await (const chunk of source) {
    const text = decoder.write(chunk);
    if (text) yield text;
  }
  const tail = decoder.end();
  if (tail) yield tail;
}

/** Counts line breaks (LF, CRLF, lone CR) in `text[0, end)`. */
function countLineBreaks(text: string, end: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) n++;
  for (let i = text.indexOf('\r'); i !== -1 && i < end; i = text.indexOf('\r', i + 1)) {
    if (text.charCodeAt(i + 1) !== 0x0a) n++;
  }
  return n;
}

function sniffDeclared(b: Buffer): TextEncoding | undefined {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return 'utf-8';
  if (b[0] === 0xff && b[1] === 0xfe) return 'utf-16le';
  if (b[0] === 0xfe && b[1] === 0xff) return 'utf-16be';
  return undefined;
}

/** Workbooks renamed to .csv, and other binaries, get a precise refusal instead of "bad encoding". */
function refuseBinary(b: Buffer): void {
  if (b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) {
    throw new ReadError(
      'unsupported_format',
      '这是一个 Excel 工作簿（.xlsx/zip 格式），不是 CSV 文本文件：请把扩展名改回 .xlsx，或在 Excel 中另存为“CSV UTF-8（逗号分隔）”后重新报送。',
    );
  }
  if (b[0] === 0xd0 && b[1] === 0xcf && b[2] === 0x11 && b[3] === 0xe0) {
    throw new ReadError(
      'unsupported_format',
      '这是一个 Excel 97-2003 工作簿（.xls），不是 CSV 文本文件：请在 Excel 中另存为 .xlsx 或“CSV UTF-8（逗号分隔）”后重新报送。',
    );
  }
  let nul = 0;
  for (const byte of b) if (byte === 0) nul++;
  if (nul > b.length / 100) {
    throw new ReadError('unsupported_format', '文件含有大量二进制内容，不是文本格式的 CSV：请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后重新报送。');
  }
}

interface Utf8Scan {
  /** Offset of the first invalid byte, -1 if none. */
  readonly invalidAt: number;
  readonly invalid: number;
  /** Valid multi-byte sequences. */
  readonly sequences: number;
}

/** Validates UTF-8 (no overlongs, no surrogates); an incomplete tail is fine unless `atEnd`. */
function scanUtf8(b: Buffer, atEnd: boolean): Utf8Scan {
  let invalidAt = -1;
  let invalid = 0;
  let sequences = 0;
  const bad = (at: number): void => {
    if (invalidAt < 0) invalidAt = at;
    invalid++;
  };
  let i = 0;
  while (i < b.length) {
    const c = b[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else {
      bad(i);
      i++;
      continue;
    }
    let j = 1;
    for (; j <= need && i + j < b.length; j++) {
      const t = b[i + j] as number;
      if (t < (j === 1 ? lo : 0x80) || t > (j === 1 ? hi : 0xbf)) break;
    }
    if (j > need) {
      sequences++;
      i += need + 1;
    } else if (i + j >= b.length) {
      if (atEnd) bad(i);
      break;
    } else {
      bad(i);
      i += j;
    }
  }
  return { invalidAt, invalid, sequences };
}

interface GbScan {
  /** Offset of the first byte GB18030 cannot decode, -1 if none. */
  readonly invalidAt: number;
  /** GB2312 level-1 hanzi and GB2312 symbol rows (full-width punctuation, digits, letters). */
  readonly common: number;
  /** Everything else: level-2 and extension hanzi, private use, four-byte sequences, 0x80. */
  readonly rare: number;
}

/** Walks GB18030 byte structure (1, 2 or 4 bytes per character). */
function scanGb18030(b: Buffer, atEnd: boolean): GbScan {
  let common = 0;
  let rare = 0;
  let i = 0;
  while (i < b.length) {
    const c = b[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c === 0x80) {
      rare++; // cp936 euro sign, decoded as "€" by iconv-lite
      i++;
      continue;
    }
    if (c === 0xff) return { invalidAt: i, common, rare };
    const t = b[i + 1];
    if (t === undefined) {
      if (atEnd) return { invalidAt: i, common, rare };
      break;
    }
    if (t >= 0x30 && t <= 0x39) {
      const t2 = b[i + 2];
      const t3 = b[i + 3];
      if (t2 === undefined || t3 === undefined) {
        if (atEnd) return { invalidAt: i, common, rare };
        break;
      }
      if (t2 < 0x81 || t2 > 0xfe || t3 < 0x30 || t3 > 0x39) return { invalidAt: i, common, rare };
      rare++;
      i += 4;
      continue;
    }
    if (t < 0x40 || t === 0x7f || t === 0xff) return { invalidAt: i, common, rare };
    const gb2312Trail = t >= 0xa1 && t <= 0xfe;
    if (gb2312Trail && ((c >= 0xb0 && c <= 0xd7) || (c >= 0xa1 && c <= 0xa9))) common++;
    else rare++;
    i += 2;
  }
  return { invalidAt: -1, common, rare };
}

function makeDecoder(encoding: TextEncoding, linesSoFar: () => number, platform: TextPlatform): ChunkDecoder {
  if (encoding === 'gb18030') return gb18030Decoder(linesSoFar, platform);
  return whatwgDecoder(encoding, linesSoFar);
}

/** The platform's decoder keeps partial multi-byte sequences between writes; U+FFFD marks undecodable bytes. */
function gb18030Decoder(linesSoFar: () => number, platform: TextPlatform): ChunkDecoder {
  const inner = platform.gb18030();
  const check = (text: string): string => {
    const bad = text.indexOf('\uFFFD');
    if (bad >= 0) {
      throw encodingError(linesSoFar() + countLineBreaks(text, bad) + 1, '出现了 GBK/GB18030 无法识别的字节（文件可能混入了其他编码的文字，或已损坏）');
    }
    return text;
  };
  return {
    write: (bytes) => check(inner.write(bytes)),
    end: () => check(inner.end() ?? ''),
  };
}

/** Fatal TextDecoder: invalid input throws instead of becoming U+FFFD; BOM is stripped. */
function whatwgDecoder(encoding: Exclude<TextEncoding, 'gb18030'>, linesSoFar: () => number): ChunkDecoder {
  const inner = new TextDecoder(encoding, { fatal: true });
  const fail = (bytes: Buffer | undefined): ReadError => {
    if (encoding !== 'utf-8' || !bytes) {
      return encodingError(linesSoFar() + 1, `的 ${describeEncoding(encoding)} 文本不完整或已损坏`);
    }
    // Locate the bad byte for the message: decode leniently, skipping the continuation bytes
    // of a character begun in the previous chunk.
    let skip = 0;
    while (skip < 3 && ((bytes[skip] ?? 0) & 0xc0) === 0x80) skip++;
    const lenient = new TextDecoder('utf-8').decode(bytes.subarray(skip));
    const at = lenient.indexOf('\uFFFD');
    return encodingError(
      linesSoFar() + countLineBreaks(lenient, at < 0 ? lenient.length : at) + 1,
      '出现了不是 UTF-8 的字节：文件前面按 UTF-8 读取，这里却混入了其他编码的文字（常见于把 GBK 文本粘贴进 UTF-8 文件）',
    );
  };
  return {
    write: (bytes) => {
      try {
        return inner.decode(bytes, { stream: true });
      } catch {
        throw fail(bytes);
      }
    },
    end: () => {
      try {
        return inner.decode();
      } catch {
        throw fail(undefined);
      }
    },
  };
}
