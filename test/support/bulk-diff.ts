/**
 * The CSV bulk path against the JS path on the same files (see \`test/pipelines/csv-bulk-differential*.test.ts\`):
 * a run's submissions, problems in order and fact rows in full, and generated L2 ledgers with
 * every kind of awkward cell.
 */
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { formByCode } from '../../domain/forms/index.js';
import { csvBulkSettings, csvBulkStats } from '../../pipelines/ingest/csv-bulk/csv-bulk-load.js';
import { Prng } from '../../sources/sample/prng.js';
import { queryRows } from '../../warehouse/query.js';
import { memoryWarehouse, runIngest, tempDir } from './ingest-helpers.js';

const when = new Date('2024-04-05T02:00:00Z');

/** {@link runWith} sets `FIRESTAT_CSV_BULK`: a test file calls this once to put it back afterwards. */
export function restoreBulkModeAfterAll(): void {
  const saved = process.env.FIRESTAT_CSV_BULK;
  afterAll(() => {
    if (saved === undefined) delete process.env.FIRESTAT_CSV_BULK;
    else process.env.FIRESTAT_CSV_BULK = saved;
  });
}

/** Everything a run leaves about its files: submissions, problems in order, fact rows in full. */
export async function runWith(mode: 'off' | 'always', files: readonly { rel: string; bytes: Buffer }[]): Promise<unknown> {
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
export async function expectSame(files: readonly { rel: string; bytes: Buffer }[]): Promise<{ used: number }> {
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

export const l2Header = ['镇街/单位', '检查日期', '被检查单位', '隐患类别', '隐患描述', '整改期限', '整改完成日期', '整改状态', '序号', '备注'];
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

export function csvText(rows: readonly (readonly string[])[], eol = '\r\n'): string {
  return rows.map((r) => r.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')).join(eol) + eol;
}

export function ledger(seed: number, rows: number, odd: number, extra: (rng: Prng, out: string[][]) => void = () => undefined): string[][] {
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

export const rel = '2024Q1/龙兴镇/龙兴镇2024年第一季度火灾隐患整改台账.csv';
export const utf8 = (text: string) => Buffer.from(text, 'utf8');
