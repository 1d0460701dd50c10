/**
 * The CSV bulk path (DuckDB reads the body) against the JS path, on the same inputs: the CSV
 * fixtures, the real-world CSV corpus, generated ledgers with every kind of awkward row, and
 * fuzzed text. Same submissions, same problems in the same order, same fact rows (every column,
 * lineage included). `FIRESTAT_CSV_BULK=always` takes the bulk path whatever the file's size.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { formByCode } from '../../domain/forms/index.js';
import { csvBulkSettings, csvBulkStats, gbDecodersDiffer } from '../../pipelines/ingest/csv-bulk/csv-bulk-load.js';
import { Prng } from '../../sources/sample/prng.js';
import { queryRows } from '../../warehouse/query.js';
import { mutate } from '../fuzz/mutator.js';
import { filesUnder } from '../support/files.js';
import { fixturesDir, memoryWarehouse, runIngest, tempDir } from '../support/ingest-helpers.js';
import { writeFileSync, mkdirSync, utimesSync } from 'node:fs';
import { dirname } from 'node:path';

const saved = process.env.FIRESTAT_CSV_BULK;
afterAll(() => {
  if (saved === undefined) delete process.env.FIRESTAT_CSV_BULK;
  else process.env.FIRESTAT_CSV_BULK = saved;
});

const when = new Date('2024-04-05T02:00:00Z');

/** Everything a run leaves about its files: submissions, problems in order, fact rows in full. */
async function runWith(mode: 'off' | 'always', files: readonly { rel: string; bytes: Buffer }[]): Promise<unknown> {
  process.env.FIRESTAT_CSV_BULK = mode;
  const inbox = tempDir('firestat-bulkdiff-');
  for (const f of files) {
    const target = join(inbox, f.rel);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, f.bytes);
    utimesSync(target, when, when);
  }
  const warehouse = await memoryWarehouse();
  try {
    const result = await runIngest(warehouse, inbox, join(inbox, '..', 'reports'));
    const { rows: subs } = await queryRows(
      warehouse,
      'SELECT submission_id, path, status, form, unit, year, quarter, month, period_from, period_to, rows, reason, sheets FROM submissions ORDER BY submission_id',
    );
    const { rows: problems } = await queryRows(warehouse, 'SELECT * FROM submission_problems ORDER BY submission_id, seq');
    const facts: Record<string, unknown[]> = {};
    for (const code of new Set(subs.map((s) => String(s.form ?? '')))) {
      const form = formByCode(code);
      if (form) facts[code] = (await queryRows(warehouse, `SELECT * FROM ${form.table} ORDER BY submission_id, sheet, source_row`)).rows;
    }
    return JSON.parse(
      JSON.stringify({ outcomes: result.outcomes.map((o) => ({ ...o, reportPath: undefined, markedCopyPath: undefined })), subs, problems, facts }, (_, v) =>
        typeof v === 'bigint' ? Number(v) : v,
      ),
    );
  } finally {
    await warehouse.close();
  }
}

/**
 * The JS path, then the bulk path twice: every cell tested in SQL (only odd values go to JS), and
 * every column's distinct values judged in JS. A real file mixes the two by column (a sample of
 * its rows decides), and each column's cells decide alone whether their row is simple.
 */
async function expectSame(files: readonly { rel: string; bytes: Buffer }[]): Promise<{ used: number }> {
  const before = csvBulkStats.used;
  const js = await runWith('off', files);
  const mid = csvBulkStats.used;
  expect(mid).toBe(before);
  for (const fewValues of ['none', 'all'] as const) {
    csvBulkSettings.fewValues = fewValues;
    try {
      expect(await runWith('always', files), `fewValues=${fewValues}`).toEqual(js);
    } finally {
      csvBulkSettings.fewValues = undefined;
    }
  }
  return { used: (csvBulkStats.used - mid) / 2 };
}

// ---- generated ledgers ------------------------------------------------------------------------

const l2Header = ['镇街/单位', '检查日期', '被检查单位', '隐患类别', '隐患描述', '整改期限', '整改完成日期', '整改状态', '序号', '备注'];
const places = ['某某商贸有限公司', '某某餐饮店', '某某酒店', '某某小学', '某某超市'];
const categories = ['消防设施', '疏散通道', '电气线路', '防火分隔'];

function l2Row(rng: Prng, i: number, unit = '龙兴镇'): string[] {
  const month = 1 + Math.floor(rng.next() * 3);
  const day = 1 + Math.floor(rng.next() * 28);
  const d = (m: number, dd: number) => `2024-${String(m).padStart(2, '0')}-${String(dd).padStart(2, '0')}`;
  const fixed = rng.next() < 0.8;
  return [
    unit,
    d(month, day),
    `${places[i % places.length]}${i}号`,
    categories[i % categories.length]!,
    `灭火器压力不足（第${i}处）`,
    d(Math.min(month + 1, 12), day),
    fixed ? d(Math.min(month + 1, 12), Math.min(day + 1, 28)) : '',
    fixed ? '已整改' : '未整改',
    String(i + 1),
    rng.next() < 0.2 ? '复查合格' : '',
  ];
}

/** Awkward cells: each goes to the JS conversion, the classifier or a problem. */
const oddCells: Record<number, string[]> = {
  0: ['龙兴', '龙兴镇 ', '大湾镇', '不存在镇', '', '合计', '填表人：张三'],
  1: ['2024/3/5', '2024年3月5日', '2024-02-30', '20240305', '45356', '', '三月五日', '２０２４-03-05'],
  2: ['某某 有限公司', '某某（集团）公司', 'Ａ公司', '', '—', '　某某店', '小计', 'ｎ／ａ', '－－', 'Ｎ／Ａ公司'],
  3: ['消防设施', '无', 'n/a', '电气 线路'],
  4: ['私拉乱接\r\n电线', '"引号"内容', '', '—', '/', '注：见附件', '累计', '镇街／单位', '注:见附件', '＃３号楼'],
  5: ['当场整改', '立即', '2024-04-01', '/', '未整改', '2024.4.1'],
  6: ['未整改', '—', '2024/04/02', '尚未整改', '2024-13-01'],
  7: ['已整改', '整改中', '已完成', '完成了', ''],
  8: ['一', '二、', '（一）'],
  9: ['备注', '整改状态', '复查合格'],
};

function csvText(rows: readonly (readonly string[])[], eol = '\r\n'): string {
  return rows.map((r) => r.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')).join(eol) + eol;
}

function ledger(seed: number, rows: number, odd: number, extra: (rng: Prng, out: string[][]) => void = () => undefined): string[][] {
  const rng = new Prng(seed, 'bulk-diff');
  const out: string[][] = [l2Header];
  for (let i = 0; i < rows; i++) {
    const row = l2Row(rng, i);
    if (i >= 35 && rng.next() < odd) {
      const col = Math.floor(rng.next() * 10);
      const pool = oddCells[col]!;
      row[col] = pool[Math.floor(rng.next() * pool.length)]!;
    }
    out.push(row);
  }
  extra(rng, out);
  return out;
}

const rel = '2024Q1/龙兴镇/龙兴镇2024年第一季度火灾隐患整改台账.csv';
const utf8 = (text: string) => Buffer.from(text, 'utf8');

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

  it('the CSV fixtures and the real-world CSV corpus', async () => {
    const fixtures = filesUnder(fixturesDir).filter((p) => p.endsWith('.csv') && !p.includes('/expected'));
    const corpus = join(fixturesDir, '..', 'corpus', 'real-world');
    const files = [
      ...fixtures.map((p) => ({ rel: relative(fixturesDir, p).split('/').slice(1).join('/'), bytes: readFileSync(p) })),
      ...readdirSync(corpus)
        .filter((n) => n.endsWith('.csv'))
        .map((n) => ({ rel: `2024Q1/龙兴镇/${n}`, bytes: readFileSync(join(corpus, n)) })),
    ];
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) await expectSame([f]);
  }, 120_000);

  it('fuzzed ledgers', async () => {
    const base = utf8(csvText(ledger(9, 70, 0.15)));
    let used = 0;
    for (let seed = 1; seed <= 24; seed++) {
      const rng = new Prng(seed, 'bulk-fuzz');
      const { bytes } = await mutate(base, false, rng);
      used += (await expectSame([{ rel, bytes }])).used;
    }
    // Most mutants keep a readable ledger: the bulk path must have taken some of them.
    expect(used).toBeGreaterThan(5);
  }, 120_000);
});
