import { ReadError } from './reader.js';
import { MAX_MERGES } from './xlsx-sheet.js';

/**
 * A cheap look at a (small) worksheet part before its rows are yielded, on the raw bytes and
 * without an XML parse: does any formula cell lack a cached result, and which cells are merged?
 * Both must be known up front — a formula may refer to a later row or another sheet, and
 * `<mergeCells>` comes after `<sheetData>`. The inflated bytes are kept, so the sheet is not
 * inflated twice. The answer on formulas may err only towards "maybe" (the full parse decides);
 * the row parser also checks every formula cell, so a miss here cannot load an empty result.
 */

/** Worksheet parts up to this size are surveyed (township reports are far smaller). */
export const SURVEY_MAX_ENTRY_BYTES = 16 * 1024 * 1024;
/** Slices the kept bytes are handed to the XML parser in, as the zip stream would. */
const SLICE_BYTES = 64 * 1024;

export interface SheetSurvey {
  /** The part's inflated bytes. */
  readonly bytes: Buffer;
  /** Some formula cell may have no cached result. */
  readonly uncachedFormulas: boolean;
  /** `ref` of every `<mergeCell>`. */
  readonly merges: string[];
}

/** Reads a whole part (at most `maxBytes`) and surveys it. */
export async function surveySheet(chunks: AsyncIterable<Uint8Array>, maxBytes: number, sheetName: string): Promise<SheetSurvey> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.length;
    if (total > maxBytes) {
      throw new ReadError('too_large', `工作表“${sheetName}”解压后的大小超过了文件声明的大小，文件可能已损坏或被恶意构造。`, sheetName);
    }
    parts.push(chunk);
  }
  const bytes = parts.length === 1 ? asBuffer(parts[0]!) : Buffer.concat(parts, total);
  const text = asciiView(bytes);
  const prefix = elementPrefix(text);
  if (prefix === undefined) return { bytes, uncachedFormulas: false, merges: [] };
  return { bytes, uncachedFormulas: hasUncachedFormula(text, prefix), merges: mergeRefs(text, prefix, sheetName) };
}

/** A zip member's chunk as a `Buffer` (Node's zip gives Buffers; the browser's, Uint8Arrays): no copy. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The kept bytes in slices, for the row parser. */
function* slices(bytes: Buffer): Generator<Buffer> {
  for (let at = 0; at < bytes.length; at += SLICE_BYTES) yield bytes.subarray(at, Math.min(bytes.length, at + SLICE_BYTES));
}

/** Async form of {@link slices}. */
export async function* sliceStream(bytes: Buffer): AsyncGenerator<Buffer> {
  yield* slices(bytes);
}

/**
 * The bytes to search: markup is ASCII, so UTF-8 is searched as it is; a UTF-16 part (allowed,
 * never seen from real producers) is converted first.
 */
function asciiView(bytes: Buffer): Buffer {
  const utf16le = bytes[0] === 0xff && bytes[1] === 0xfe;
  const utf16be = bytes[0] === 0xfe && bytes[1] === 0xff;
  if (!utf16le && !utf16be) return bytes;
  return Buffer.from(new TextDecoder(utf16le ? 'utf-16le' : 'utf-16be').decode(bytes), 'utf8');
}

/** The namespace prefix of SpreadsheetML elements (`''`, `'x:'`), from `<sheetData`; undefined when absent. */
function elementPrefix(text: Buffer): string | undefined {
  const at = text.indexOf('sheetData');
  if (at < 0) return undefined;
  const lt = text.lastIndexOf('<', at);
  if (lt < 0 || at - lt > 64) return undefined;
  return text.toString('latin1', lt + 1, at);
}

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/** Whether some `<f>` is followed by no `<v>`, or by an empty one (other than on a `t="str"` cell). */
function hasUncachedFormula(text: Buffer, prefix: string): boolean {
  const open = `<${prefix}f`;
  const close = `</${prefix}f>`;
  const value = Buffer.from(`<${prefix}v`, 'latin1');
  let p = 0;
  for (;;) {
    p = text.indexOf(open, p);
    if (p < 0) return false;
    const after = text[p + open.length];
    if (after !== 0x3e && after !== 0x2f && !isSpace(after)) {
      p += open.length;
      continue;
    }
    const gt = text.indexOf('>', p);
    if (gt < 0) return true;
    let end: number;
    if (text[gt - 1] === 0x2f) end = gt + 1;
    else {
      const c = text.indexOf(close, gt);
      if (c < 0) return true;
      end = c + close.length;
    }
    let q = end;
    while (isSpace(text[q])) q++;
    const afterV = text[q + value.length];
    if (!text.subarray(q, q + value.length).equals(value) || (afterV !== 0x3e && afterV !== 0x2f && !isSpace(afterV))) return true;
    const vgt = text.indexOf('>', q);
    if (vgt < 0) return true;
    const selfClosed = text[vgt - 1] === 0x2f;
    const empty = selfClosed || text[vgt + 1] === 0x3c;
    if (empty && !cellIsStr(text, p, prefix)) return true;
    p = end;
  }
}

/** Whether the `<c>` enclosing position `p` has `t="str"`. */
function cellIsStr(text: Buffer, p: number, prefix: string): boolean {
  const start = text.lastIndexOf(`<${prefix}c`, p);
  if (start < 0) return false;
  const gt = text.indexOf('>', start);
  const tag = text.toString('latin1', start, gt < 0 || gt > p ? p : gt);
  return /\st\s*=\s*["']str["']/.test(tag);
}

/** `ref` values of `<mergeCell>` elements (they follow `</sheetData>`). */
function mergeRefs(text: Buffer, prefix: string, sheetName: string): string[] {
  const refs: string[] = [];
  const tag = `<${prefix}mergeCell`;
  let p = text.indexOf(`</${prefix}sheetData`);
  if (p < 0) p = 0;
  for (;;) {
    p = text.indexOf(tag, p);
    if (p < 0) return refs;
    p += tag.length;
    if (!isSpace(text[p])) continue;
    const gt = text.indexOf('>', p);
    if (gt < 0) return refs;
    const m = /\sref\s*=\s*["']([^"']*)["']/.exec(text.toString('latin1', p - 1, gt));
    if (m?.[1]) {
      if (refs.length >= MAX_MERGES) {
        throw new ReadError('too_large', `工作表“${sheetName}”中的合并单元格过多（超过 ${MAX_MERGES} 处），可能是异常或恶意构造的文件。`, sheetName);
      }
      refs.push(m[1]);
    }
    p = gt;
  }
}
