import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { Gb18030ToUtf8, gbDecodersDiffer } from '../../pipelines/ingest/csv-bulk/gb18030-utf8.js';

/** ICU's reading of `bytes`, as the bulk path used to transcode (and DuckDB then read). */
const icu = (bytes: Uint8Array) => new TextDecoder('gb18030').decode(bytes);

/** The table transcoder over `bytes` cut into `cuts` pieces: its UTF-8 text, or undefined if it stepped aside. */
function transcoded(bytes: Uint8Array, cuts: readonly number[] = []): string | undefined {
  const t = new Gb18030ToUtf8();
  const parts: Buffer[] = [];
  // One buffer for every piece, overwritten each time, as the bulk path reads a file.
  const reused = Buffer.alloc(bytes.length);
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    reused.fill(0x3f);
    reused.set(bytes.subarray(at, c));
    parts.push(t.write(reused.subarray(0, c - at)));
    at = c;
  }
  parts.push(t.end());
  return t.differs ? undefined : Buffer.concat(parts).toString('utf8');
}

/** A deterministic pseudo-random sequence (tests must not flake). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('GB18030 to UTF-8 by table', () => {
  it("gives ICU's text for every two-byte code, or steps aside where ICU's and iconv-lite's readings may differ", () => {
    let read = 0;
    for (let lead = 0x81; lead <= 0xfe; lead++) {
      for (let trail = 0x40; trail <= 0xfe; trail++) {
        const bytes = Uint8Array.of(0x41, lead, trail, 0x42);
        const ours = transcoded(bytes);
        const theirs = icu(bytes);
        if (ours === undefined) expect(gbDecodersDiffer.test(theirs) || [...theirs].length !== 3, Buffer.from(bytes).toString('hex')).toBe(true);
        else {
          expect(ours, Buffer.from(bytes).toString('hex')).toBe(theirs);
          // And the JS path reads the same.
          expect(iconv.decode(Buffer.from(bytes), 'gb18030')).toBe(ours);
          read++;
        }
      }
    }
    // GBK's 21,886 codes and GB18030's two-byte additions are read by table.
    expect(read).toBeGreaterThan(21_000);
  });

  it("gives ICU's text for Chinese text with four-byte codes, €, CRLF and quotes, cut anywhere", () => {
    const next = random(7);
    const pieces = ['单位', '消防设施', '“引号”', '（第3处）', '𠀀', '𡃁', '€', 'ÿ', 'Ａ', '\r\n', '"a,b"', 'abc', '2024-03-09', '，', '·', '々', '㐀'];
    for (let round = 0; round < 200; round++) {
      let text = '';
      for (let i = 0; i < 200; i++) text += pieces[Math.floor(next() * pieces.length)];
      const bytes = iconv.encode(text, 'gb18030');
      const cuts = [...new Set(Array.from({ length: 5 }, () => Math.floor(next() * bytes.length)))].sort((a, b) => a - b);
      const ours = transcoded(bytes, cuts);
      expect(ours).toBe(icu(bytes));
      expect(ours).toBe(text);
    }
  });

  it('steps aside for bytes ICU does not read as one character each: a cut code at the end, a stray lead byte, 0xFF, a bad four-byte code', () => {
    const ok = iconv.encode('单位,日期\r\n', 'gb18030');
    for (const bad of [
      Uint8Array.of(0xb5),
      Uint8Array.of(0xb5, 0x0a),
      Uint8Array.of(0xff),
      Uint8Array.of(0x81, 0x30, 0x81),
      Uint8Array.of(0x84, 0x31, 0xa5, 0x30),
      Uint8Array.of(0xa6, 0xd9),
    ]) {
      const bytes = Buffer.concat([ok, bad, ok]);
      expect(transcoded(bytes), Buffer.from(bad).toString('hex')).toBeUndefined();
      expect(transcoded(Buffer.concat([ok, bad])), Buffer.from(bad).toString('hex')).toBeUndefined();
    }
  });
});
