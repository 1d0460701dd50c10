import { join } from 'node:path';
import yauzl from 'yauzl';
import { afterEach, describe, expect, it } from 'vitest';
import { formByCode } from '../../domain/forms/index.js';
import { townshipStatsForm } from '../../domain/forms/t1-township-stats.js';
import { queryRows } from '../../warehouse/query.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { deliverFile, fixturesDir, runIngest, tempDir } from '../support/ingest-helpers.js';

/**
 * End to end through the real ingest into a DuckDB file: a T1 whose figures are formulas saved
 * without results (as exceljs, openpyxl and POI write them) loads exactly what the same workbook
 * saved by Excel loads, and says so in submission_problems; a ledger with 检查日期 and
 * 被检查单位 merged over three rows loads every row with them filled in; a workbook whose
 * formulas cannot be evaluated is refused, naming the cells.
 */
const folder = '2024Q1/龙兴镇';
const UNCACHED = `${folder}/龙兴镇2024年一季度统计表（程序生成公式）.xlsx`;
const CACHED = `${folder}/龙兴镇2024年一季度统计表（Excel保存）.xlsx`;
const SHARED = `${folder}/龙兴镇2024年一季度统计表（共享公式）.xlsx`;
const LEDGER = `${folder}/龙兴镇隐患台账（合并单元格）.xlsx`;
const UNSUPPORTED = '2024Q1/大湾镇/大湾镇2024年一季度统计表（不支持的公式）.xlsx';

type Row = Record<string, unknown>;

const open: Warehouse[] = [];
afterEach(async () => {
  for (const w of open.splice(0)) await w.close();
});

/** Ingests one fixture of test/fixtures/formulas/ into a fresh DuckDB file, then reopens it read-only. */
async function ingestOne(rel: string): Promise<Warehouse> {
  const dir = tempDir('firestat-formula-');
  const inbox = join(dir, 'inbox');
  deliverFile(join(fixturesDir, 'formulas', rel), inbox, rel, new Date('2024-04-05T02:00:00Z'));
  const file = join(dir, 'warehouse.duckdb');
  const writer = await Warehouse.open({ path: file });
  await runIngest(writer, inbox, join(dir, 'reports'));
  await writer.close();
  const reader = await Warehouse.open({ path: file, readOnly: true });
  open.push(reader);
  return reader;
}

async function rows(w: Warehouse, sql: string): Promise<Row[]> {
  return (await queryRows(w, sql)).rows as Row[];
}

const submission = (w: Warehouse) => rows(w, 'SELECT status, form, unit, year, quarter, rows, reason FROM submissions');
const problems = (w: Warehouse) => rows(w, 'SELECT severity, code, sheet, cell, message FROM submission_problems ORDER BY seq');
const t1Facts = (w: Warehouse) => rows(w, `SELECT * EXCLUDE (submission_id) FROM ${townshipStatsForm.table} ORDER BY sheet, source_row`);

describe('formulas saved without a result, through ingest into DuckDB', () => {
  it('loads exactly the figures of the same workbook saved by Excel, with a formula_evaluated notice', async () => {
    const cached = await ingestOne(CACHED);
    const uncached = await ingestOne(UNCACHED);
    const shared = await ingestOne(SHARED);
    for (const w of [cached, uncached, shared]) {
      expect(await submission(w)).toEqual([{ status: 'loaded', form: 'T1', unit: '龙兴镇', year: 2024, quarter: 1, rows: 3, reason: null }]);
    }
    const expected = await t1Facts(cached);
    expect(expected.map((f) => [f.month, f.units_inspected, f.hazards_found, f.fire_staff])).toEqual([
      [1, 30, 12, 2],
      [2, 31, 12, 2],
      [3, 1002, 12, 3],
    ]);
    expect(await t1Facts(uncached)).toEqual(expected);
    expect(await t1Facts(shared)).toEqual(expected);

    const notice = (await problems(uncached)).filter((p) => p.code === 'formula_evaluated');
    expect(notice).toEqual([
      {
        severity: 'notice',
        code: 'formula_evaluated',
        sheet: '一季度',
        cell: null,
        message: '工作表“一季度”中 36 个公式单元格没有保存计算结果，已由系统按公式计算（如 C5 =数据!B2）',
      },
    ]);
    // Nothing was refused or doubted in either: the 合计 row (=SUM) agrees with the month rows.
    for (const w of [cached, uncached, shared]) expect((await problems(w)).filter((p) => p.severity !== 'notice')).toEqual([]);
    expect((await problems(cached)).map((p) => p.code)).not.toContain('formula_evaluated');
    // The view analysts read carries the notice too.
    const view = await rows(uncached, "SELECT code FROM submission_problems WHERE code = 'formula_evaluated'");
    expect(view).toHaveLength(1);
  });

  it('loads every row of a ledger with 检查日期 and 被检查单位 merged over three rows', async () => {
    const w = await ingestOne(LEDGER);
    expect(await submission(w)).toEqual([{ status: 'loaded', form: 'L2', unit: '龙兴镇', year: 2024, quarter: 1, rows: 6, reason: null }]);
    const facts = await rows(
      w,
      `SELECT source_row, strftime(inspection_date, '%Y-%m-%d') AS day, inspected_entity, category, status FROM ${formByCode('L2')!.table} ORDER BY source_row`,
    );
    expect(facts).toEqual([
      { source_row: 3, day: '2024-01-15', inspected_entity: '龙兴古镇某客栈', category: '消防设施', status: '已整改' },
      { source_row: 4, day: '2024-01-15', inspected_entity: '龙兴古镇某客栈', category: '疏散通道', status: '已整改' },
      { source_row: 5, day: '2024-01-15', inspected_entity: '龙兴古镇某客栈', category: '电气线路', status: '未整改' },
      { source_row: 6, day: '2024-03-06', inspected_entity: '某某商贸有限公司', category: '消防设施', status: '已整改' },
      { source_row: 7, day: '2024-03-06', inspected_entity: '某某商贸有限公司', category: '防火分隔', status: '未整改' },
      { source_row: 8, day: '2024-03-06', inspected_entity: '某某商贸有限公司', category: '疏散通道', status: '已整改' },
    ]);
    const notices = (await problems(w)).filter((p) => p.code === 'merged_spread');
    expect(notices).toEqual([
      {
        severity: 'notice',
        code: 'merged_spread',
        sheet: '隐患台账',
        cell: null,
        message: '工作表“隐患台账”中合并单元格 C3:C5、D3:D5、C6:C8、D6:D8 的值已填入其覆盖的每一行',
      },
    ]);
    expect((await problems(w)).filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('refuses a workbook whose formulas it cannot evaluate, naming the cells, and loads nothing', async () => {
    const w = await ingestOne(UNSUPPORTED);
    expect((await submission(w))[0]).toMatchObject({ status: 'rejected', rows: 0 });
    const [error] = (await problems(w)).filter((p) => p.severity === 'error');
    expect(error).toMatchObject({ code: 'read_formula_unevaluated', sheet: '一季度', cell: 'C5' });
    expect(String(error!.message)).toContain('C5 =INDIRECT("数据!B2")');
    expect(String(error!.message)).toContain('D6 =[1]Sheet1!C3');
    expect(String(error!.message)).toMatch(/请在 Excel\/WPS 中打开并保存后再报送$/);
    expect(await t1Facts(w)).toEqual([]);
  });

  it('property: every number loaded from a formula saved without result is the result Excel saved for that cell', async () => {
    // Read independently of firestat's reader: the cached <v> of each cell, straight from the
    // XML of the Excel-saved copy. The lineage of every loaded figure (sheet, source_row, column)
    // must point at a formula cell whose saved result is that figure — never a default.
    const xml = await memberText(join(fixturesDir, 'formulas', CACHED), 'xl/worksheets/sheet1.xml');
    const savedResult = (address: string): { formula: string; result: number } | undefined => {
      const m = new RegExp(`<c r="${address}"[^>]*><f>([^<]*)</f><v>([^<]*)</v></c>`).exec(xml);
      return m ? { formula: m[1]!, result: Number(m[2]) } : undefined;
    };
    const counts = townshipStatsForm.fields.filter((f) => f.type === 'count');
    for (const rel of [UNCACHED, SHARED]) {
      const w = await ingestOne(rel);
      const columns = await rows(w, 'SELECT sheet, field, column_letter FROM submission_columns');
      let checked = 0;
      for (const fact of await t1Facts(w)) {
        for (const field of counts) {
          const col = columns.find((c) => c.sheet === fact.sheet && c.field === field.id);
          const address = `${String(col!.column_letter)}${String(fact.source_row)}`;
          const saved = savedResult(address);
          expect(saved, `${rel} ${address} is a formula with a saved result`).toBeDefined();
          expect(fact[field.id], `${rel} ${address} =${saved!.formula}`).not.toBeNull();
          expect(Number(fact[field.id]), `${rel} ${address} =${saved!.formula}`).toBe(saved!.result);
          checked++;
        }
      }
      expect(checked).toBe(3 * counts.length);
    }
  });
});

/** One member of an xlsx as text (yauzl, as the reader uses, but no XML parser of firestat's). */
function memberText(path: string, member: string): Promise<string> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('no zip'));
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName !== member) return zip.readEntry();
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            zip.close();
            resolve(Buffer.concat(chunks).toString('utf8'));
          });
        });
      });
      zip.on('end', () => reject(new Error(`${member} not found`)));
      zip.readEntry();
    });
  });
}
