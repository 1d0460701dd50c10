/**
 * The CSV bulk path (DuckDB reads the body) against the JS path, on the same inputs: generated
 * ledgers with every kind of awkward row, GB18030, files the bulk path must leave alone. Same
 * submissions, same problems in the same order, same fact rows (every column, lineage included).
 * \`FIRESTAT_CSV_BULK=always\` takes the bulk path whatever the file's size. The fixtures, the corpus
 * and fuzzed files are in \`csv-bulk-differential-corpus.test.ts\` (two files: vitest runs them side by side).
 */
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { csvBulkStats } from '../../pipelines/ingest/csv-bulk/csv-bulk-load.js';
import { gbDecodersDiffer } from '../../pipelines/ingest/csv-bulk/gb18030-utf8.js';
import { csvText, expectSame, l2Header, ledger, rel, restoreBulkModeAfterAll, runWith, utf8 } from '../support/bulk-diff.js';

restoreBulkModeAfterAll();

describe('CSV bulk path = JS path', () => {
  it('a clean ledger loads through SQL with the same rows', async () => {
    const { used } = await expectSame([{ rel, bytes: utf8(csvText(ledger(1, 120, 0))) }]);
    expect(used, csvBulkStats.fallbacks.join('; ')).toBe(1);
  });

  it('a larger ledger: its sample sends the few-valued columns to JS and tests names and descriptions cell by cell', async () => {
    const text = csvText(ledger(11, 4000, 0.02));
    const js = await runWith('off', [{ rel, bytes: utf8(text) }]);
    expect(await runWith('always', [{ rel, bytes: utf8(text) }])).toEqual(js);
    // 镇街/单位, dates, 隐患类别, 整改状态 and 备注 by their distinct values; 被检查单位, 隐患描述 and 序号 cell by cell.
    expect(csvBulkStats.fewColumns).toEqual([1, 2, 4, 6, 7, 8, 10]);
  });

  it('a quoted empty field ("") is an empty cell, in a column that may be empty and in one that may not', async () => {
    const rows = ledger(12, 200, 0).map((r, i) =>
      i < 40
        ? r
        : r.map((c, j) => ((j === 9 && i % 7 === 0) || (j === 6 && i % 11 === 0) || (j === 2 && i % 13 === 0) || (j === 4 && i % 17 === 0) ? '\u0000' : c)),
    );
    const text = csvText(rows).replace(/\u0000/g, '""');
    expect(text).toContain(',"",');
    const { used } = await expectSame([{ rel, bytes: utf8(text) }]);
    expect(used, csvBulkStats.fallbacks.join('; ')).toBe(1);
  });

  it('a ledger with odd cells in many rows (conversions, marks, 当场整改, bad dates, unknown units)', async () => {
    for (const seed of [2, 3, 4]) {
      const { used } = await expectSame([{ rel, bytes: utf8(csvText(ledger(seed, 150, 0.3))) }]);
      expect(used, csvBulkStats.fallbacks.join('; ')).toBe(1);
    }
  });

  it('title rows, a BOM, a quoted two-line title, LF line ends, a 合计 row, notes, a section heading, a repeated header', async () => {
    const rows = ledger(5, 80, 0.1, (_, out) => {
      out.splice(40, 0, ['二、未整改隐患']);
      out.splice(60, 0, l2Header);
      out.push(['合计', '', '', '', '', '', '', '', '', '']);
      out.push(['填表人：王五', '', '审核人：赵六']);
    });
    const text = `\uFEFF"龙兴镇2024年第一季度\r\n火灾隐患整改台账"\r\n填报单位：龙兴镇,,,,\r\n${csvText(rows)}`;
    const { used } = await expectSame([{ rel, bytes: utf8(text) }]);
    expect(used, csvBulkStats.fallbacks.join('; ')).toBe(1);
    const { used: lf } = await expectSame([{ rel, bytes: utf8(csvText(rows, '\n')) }]);
    expect(lf, csvBulkStats.fallbacks.join('; ')).toBe(1);
  });

  it('a full-width character split across the 1 MiB read chunks is folded like the JS path does', async () => {
    // No other full-width ASCII in the file: only the scan across the chunk boundary finds '＃'.
    // Long 备注 cells fill the first MiB with few rows.
    const rows = ledger(10, 400, 0).map((r, n) => r.map((c, j) => (n > 40 && j === 9 ? 'b'.repeat(3000) : c.replace(/（/g, '第').replace(/）/g, '处'))));
    const enc = (rs: string[][]) => Buffer.byteLength(csvText(rs), 'utf8');
    let i = 1;
    while (enc(rows.slice(0, i + 1)) < (1 << 20) - 200) i++;
    const cellStart = enc(rows.slice(0, i)) + Buffer.byteLength(`${rows[i]!.slice(0, 2).join(',')},`, 'utf8');
    const pad = (1 << 20) - 1 - cellStart; // '＃' (EF BC 83) starts one byte before the boundary
    expect(pad).toBeGreaterThan(0);
    rows[i]![2] = `${'a'.repeat(pad)}＃店`;
    const bytes = utf8(csvText(rows));
    expect(bytes.subarray((1 << 20) - 1, (1 << 20) + 2)).toEqual(Buffer.from('＃', 'utf8'));
    const { used } = await expectSame([{ rel, bytes }]);
    expect(used, csvBulkStats.fallbacks.join('; ')).toBe(1);
  }, 120_000);

  it("ICU's GB18030 decoder (the bulk path's) differs from iconv-lite's (the JS path's) only where the bulk path steps aside", () => {
    const icu = (b: Buffer) => new TextDecoder('gb18030').decode(b);
    const seen: string[] = [];
    const compare = (bytes: number[]) => {
      const b = Buffer.from(bytes);
      const [a, c] = [iconv.decode(b, 'gb18030'), icu(b)];
      if (a !== c) {
        seen.push(b.toString('hex'));
        expect(gbDecodersDiffer.test(c), `${b.toString('hex')}: iconv-lite ${JSON.stringify(a)}, ICU ${JSON.stringify(c)}`).toBe(true);
      }
    };
    // Every two-byte code, and four-byte codes across the BMP range and into the supplementary planes.
    for (let x = 0x81; x <= 0xfe; x++) for (let y = 0x40; y <= 0xfe; y++) if (y !== 0x7f) compare([x, y]);
    for (let x = 0x81; x <= 0xfe; x += x < 0x85 || (x >= 0x90 && x < 0x93) || x > 0xe2 ? 1 : 7)
      for (let y = 0x30; y <= 0x39; y++) for (let z = 0x81; z <= 0xfe; z += 3) for (let w = 0x30; w <= 0x39; w += 3) compare([x, y, z, w]);
    // Cut sequences at the end of a file, and the lone bytes.
    for (const bytes of [[0x81], [0x81, 0x30], [0x81, 0x30, 0x81], [0x80], [0xff]]) compare(bytes);
    expect(seen).toContain('a6d9');
    expect(seen).toContain('8431a530');
  });

  it('GB18030 files are transcoded and read the same', async () => {
    const { used } = await expectSame([{ rel, bytes: iconv.encode(csvText(ledger(6, 100, 0.2)), 'gb18030') }]);
    expect(used, csvBulkStats.fallbacks.join('; ')).toBe(1);
    // A code the two decoders read differently (A6D9: iconv-lite's private use character, ICU's ︐) in a description: the JS path reads the file.
    const rows = ledger(6, 100, 0);
    rows[60]![4] = 'MARK';
    const [before, after] = iconv.encode(csvText(rows), 'gb18030').toString('latin1').split('MARK') as [string, string];
    const odd = Buffer.concat([Buffer.from(before, 'latin1'), Buffer.from([0xa6, 0xd9]), Buffer.from(after, 'latin1')]);
    const fellBack = csvBulkStats.fallbacks.length;
    expect((await expectSame([{ rel, bytes: odd }])).used).toBe(0);
    expect(csvBulkStats.fallbacks.slice(fellBack)).toEqual([expect.stringContaining('GB18030 decoders'), expect.stringContaining('GB18030 decoders')]);
  });

  it('a refused ledger says the same problems in the same order', async () => {
    const rows = ledger(7, 100, 0.5);
    rows[50]![1] = '2024-02-30';
    rows[70]![0] = '大湾镇';
    await expectSame([{ rel, bytes: utf8(csvText(rows)) }]);
  });

  it('files the bulk path must leave to the JS path (blank lines, CR only, extra fields, semicolons, UTF-16) still come out the same', async () => {
    const rows = ledger(8, 60, 0.1);
    const text = csvText(rows);
    const cases = [
      text.replace(/\r\n/, '\r\n\r\n'),
      text.split('\r\n').join('\r'),
      text.replace(/\r\n(?=[^\r\n]*$)/, ',,extra\r\n'),
      csvText(rows).replace(/,/g, ';'),
    ];
    for (const t of cases) await expectSame([{ rel, bytes: utf8(t) }]);
    await expectSame([{ rel, bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]) }]);
  });
});
