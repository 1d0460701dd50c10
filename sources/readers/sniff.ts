import { extname } from './file-names.js';
import type { ReadableFile } from './reader.js';

/**
 * What a file is, told by its first bytes rather than its name. Offices rename files freely
 * (an .xlsx saved as "报表.xls"), and web platforms "export Excel" as HTML, XML or CSV text
 * named .xls; the extension only decides between readers when the bytes cannot.
 */

/** The families of content the pipeline tells apart. */
export type ContentKind =
  /** 0 bytes. */
  | 'empty'
  /** A zip package: .xlsx/.xlsm, or .docx, .ods, .numbers, a plain archive (the xlsx reader tells which). */
  | 'zip'
  /** An OLE2 compound file (D0 CF 11 E0 A1 B1 1A E1): .xls/.et, but also .doc, .ppt, encrypted .xlsx. */
  | 'ole2'
  /** A bare BIFF2–BIFF5 worksheet/workbook stream (Excel 2.x–4.x files; BIFF5 without OLE2). */
  | 'biff'
  | 'pdf'
  /** A web page (an HTML table is what many "export to Excel" buttons write). */
  | 'html'
  /** A single-file web page (MHTML), what Excel writes for "单个文件网页". */
  | 'mhtml'
  /** SpreadsheetML 2003 ("XML 表格"), the other common web "Excel export". */
  | 'spreadsheetml'
  | 'xml'
  | 'rtf'
  | 'image'
  | 'archive'
  /** Plain text: CSV, TSV, Excel "Unicode 文本". */
  | 'text'
  /** Binary content none of the above. */
  | 'binary';

export interface Sniffed {
  readonly kind: ContentKind;
  /** For `image` and `archive`: which one (`JPEG`, `RAR`…). */
  readonly detail?: string;
}

/** How many leading bytes the sniffer looks at. */
export const SNIFF_BYTES = 8192;

const OLE2_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

const IMAGES: readonly [string, readonly number[]][] = [
  ['PNG', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ['JPEG', [0xff, 0xd8, 0xff]],
  ['GIF', [0x47, 0x49, 0x46, 0x38]],
  ['TIFF', [0x49, 0x49, 0x2a, 0x00]],
  ['TIFF', [0x4d, 0x4d, 0x00, 0x2a]],
];

const ARCHIVES: readonly [string, readonly number[]][] = [
  ['RAR', [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07]],
  ['7z', [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]],
  ['gzip', [0x1f, 0x8b]],
];

function startsWith(head: Uint8Array, magic: readonly number[]): boolean {
  return head.length >= magic.length && magic.every((b, i) => head[i] === b);
}

/** Classifies a file from its first bytes (`SNIFF_BYTES` are enough; fewer when the file is shorter). */
export function sniffBytes(head: Uint8Array): Sniffed {
  if (head.length === 0) return { kind: 'empty' };
  if (head[0] === 0x50 && head[1] === 0x4b && (head[2] === 0x03 || head[2] === 0x05 || head[2] === 0x07)) return { kind: 'zip' };
  if (startsWith(head, [...OLE2_MAGIC])) return { kind: 'ole2' };
  if (isBiffStream(head)) return { kind: 'biff' };
  if (startsWith(head, [0x25, 0x50, 0x44, 0x46])) return { kind: 'pdf' };
  for (const [name, magic] of IMAGES) if (startsWith(head, magic)) return { kind: 'image', detail: name };
  for (const [name, magic] of ARCHIVES) if (startsWith(head, magic)) return { kind: 'archive', detail: name };
  const text = asText(head);
  if (text === undefined) return { kind: 'binary' };
  return { kind: markupKind(text) ?? 'text' };
}

/**
 * A BIFF2–BIFF8 stream that is not inside an OLE2 container starts with a BOF record:
 * type 0x0009 (BIFF2), 0x0209 (BIFF3), 0x0409 (BIFF4) or 0x0809 (BIFF5/8), then a short length.
 * Text never starts with TAB followed by one of these bytes and a NUL.
 */
export function isBiffStream(head: Uint8Array): boolean {
  if (head.length < 8 || head[0] !== 0x09) return false;
  if (![0x00, 0x02, 0x04, 0x08].includes(head[1] as number)) return false;
  const length = (head[2] as number) | ((head[3] as number) << 8);
  return length >= 4 && length <= 20;
}

/** The head decoded as far as needed to look for markup, or undefined when it is not text. */
function asText(head: Uint8Array): string | undefined {
  const b = Buffer.from(head.buffer, head.byteOffset, head.length);
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return b.subarray(3).toString('latin1');
  if (b[0] === 0xff && b[1] === 0xfe) return new TextDecoder('utf-16le').decode(b.subarray(2, b.length - (b.length % 2)));
  if (b[0] === 0xfe && b[1] === 0xff) return new TextDecoder('utf-16be').decode(b.subarray(2, b.length - (b.length % 2)));
  const utf16 = sniffUtf16WithoutBom(b);
  if (utf16) return new TextDecoder(utf16).decode(b.subarray(0, b.length - (b.length % 2)));
  let control = 0;
  for (const byte of b) {
    if (byte === 0) return undefined;
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c && byte !== 0x1a) control++;
  }
  if (control > b.length / 100) return undefined;
  // Markers are ASCII; GBK and UTF-8 bytes above 0x7f pass through latin1 unharmed for that purpose.
  return b.toString('latin1');
}

const HTML_TAG = /<(!doctype\s+html|html|head|body|table|meta|style|title|div|tr|td|th)[\s>/]/i;

/** Markup at the start of a text file: what web platforms write under an .xls name. */
function markupKind(text: string): ContentKind | undefined {
  const start = text.replace(/^[\s\u00a0\ufeff]+/, '').slice(0, 4096);
  if (/^mime-version\s*:/i.test(start) || /^content-type\s*:\s*multipart\/related/i.test(start)) return 'mhtml';
  if (start.startsWith('{\\rtf')) return 'rtf';
  if (!start.startsWith('<')) return undefined;
  if (/urn:schemas-microsoft-com:office:spreadsheet/i.test(start) || /<\?mso-application\s+progid="Excel\.Sheet"/i.test(start)) return 'spreadsheetml';
  if (HTML_TAG.test(start)) return 'html';
  if (/^<\?xml/i.test(start) || /^<[A-Za-z_][\w:.-]*[\s>/]/.test(start)) {
    return /<(html|table)[\s>/]/i.test(start) ? 'html' : 'xml';
  }
  return undefined;
}

/** Reads up to `max` leading bytes of a file (fewer when it is shorter). */
export async function readHead(file: ReadableFile, max = SNIFF_BYTES): Promise<Buffer> {
  const stream = file.open();
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      chunks.push(buf);
      length += buf.length;
      if (length >= max) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks, length).subarray(0, max);
}

/** Lower-case extension with the dot, `''` when none. */
export function extensionOf(path: string): string {
  return extname(path).toLowerCase();
}

/**
 * Chinese lead for a refusal: "这是 X" when the extension already says so, else
 * "这个 .xls 文件实际上是 X" — the sender sees at once that the name and the content differ.
 */
export function actuallyIs(path: string, what: string, extensionsOfWhat: readonly string[] = []): string {
  const ext = extensionOf(path);
  if (ext && extensionsOfWhat.includes(ext)) return `这是${what}`;
  return ext ? `这个 ${ext} 文件实际上是${what}` : `这个文件实际上是${what}`;
}

/** BOM-less UTF-16: NULs in (almost) every other byte — the high byte of ASCII characters. */
export function sniffUtf16WithoutBom(b: Buffer): 'utf-16le' | 'utf-16be' | undefined {
  const pairs = Math.floor(b.length / 2);
  if (pairs < 2) return undefined;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i + 1 < b.length; i += 2) {
    if (b[i] === 0) evenNul++;
    if (b[i + 1] === 0) oddNul++;
  }
  if (oddNul >= 0.3 * pairs && evenNul <= 0.02 * pairs) return 'utf-16le';
  if (evenNul >= 0.3 * pairs && oddNul <= 0.02 * pairs) return 'utf-16be';
  return undefined;
}
