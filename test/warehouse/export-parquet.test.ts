import { migrations } from '../../warehouse/migrations/index.js';
/** The schema version a new warehouse has: the last migration. */
const latestMigration = Object.keys(migrations).sort().at(-1);
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_FILE, exportParquet, exportedRelations, type ExportManifest } from '../../warehouse/export/parquet-export.js';
import { queryRows } from '../../warehouse/query.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { l1Header, l2Header, r1Header, t1Header, writeCsv } from '../support/csv-submissions.js';
import { memoryWarehouse, runIngest, tempDir } from '../support/ingest-helpers.js';

const at = (iso: string) => new Date(`${iso}T10:00:00+08:00`);

let warehouse: Warehouse;
let out: string;
let manifest: ExportManifest;

async function q(sql: string): Promise<Record<string, unknown>[]> {
  return (await queryRows(warehouse, sql)).rows;
}

const parquet = (dir: string, name: string) => `read_parquet('${join(dir, name)}/**/*.parquet', hive_partitioning = true)`;

beforeAll(async () => {
  const inbox = tempDir();
  writeCsv(inbox, '2024Q1/龙兴镇/T1.csv', [t1Header, ['龙兴镇', '2024年第一季度', 50, 3, 2, 1, 0, 0, 0, 3, 2]], at('2024-04-08'));
  writeCsv(inbox, '2024Q2/龙兴镇/T1.csv', [t1Header, ['龙兴镇', '2024年第二季度', 40, 5, 4, 0, 1, 0, 0, 2, 2]], at('2024-07-05'));
  writeCsv(inbox, '2024Q1/大湾镇/T1.csv', [t1Header, ['大湾镇', '2024年第一季度', 20, 4, 6, 0, 0, 0, 0, 1, 1]], at('2024-04-15'));
  writeCsv(
    inbox,
    '2024Q1/龙兴镇/L1.csv',
    [
      l1Header,
      [
        '渝北龙兴消行罚决字〔2024〕001号',
        '龙兴镇',
        '赋权执法',
        '一般程序',
        '张某某',
        '个人',
        '占用疏散通道',
        '2024-02-01',
        '2024-03-01',
        '罚款',
        500,
        '是',
        '否',
        '是',
      ],
    ],
    at('2024-04-08'),
  );
  writeCsv(
    inbox,
    '2024Q2/龙兴镇/L1.csv',
    [
      l1Header,
      [
        '渝北龙兴消行罚决字〔2024〕002号',
        '龙兴镇',
        '赋权执法',
        '简易程序',
        '某公司',
        '单位',
        '消防设施未保持完好有效',
        '2024-05-10',
        '2024-05-10',
        '罚款',
        1000,
        '否',
        '否',
        '是',
      ],
    ],
    at('2024-07-05'),
  );
  writeCsv(
    inbox,
    '2024Q1/龙兴镇/L2.csv',
    [
      l2Header,
      ['龙兴镇', '2024-03-01', '单位1', '消防设施', '灭火器过期', '2024-04-30', '2024-03-20', '已整改'],
      ['龙兴镇', '2024-03-02', '单位2', '疏散通道', '通道堵塞', '2024-04-30', '', '未整改'],
    ],
    at('2024-04-08'),
  );
  writeCsv(
    inbox,
    '2024Q1/法制科/R1.csv',
    [r1Header, ['渝北龙兴消行罚决字〔2024〕001号', '龙兴镇', '2024年一季度', '合格', '文书填写不全面', '告知书缺期限']],
    at('2024-04-09'),
  );
  warehouse = await memoryWarehouse();
  await runIngest(warehouse, inbox, join(inbox, '..', 'reports'), at('2024-07-20'));
  out = join(tempDir(), 'export');
  manifest = await exportParquet({ warehouse, outDir: out, asOf: '2024-07-20', generatedAt: '2024-07-20T02:00:00.000Z' });
});
afterAll(async () => {
  await warehouse.close();
});

describe('firestat export --parquet', () => {
  it('writes every relation with the warehouse’s row counts, and a manifest', async () => {
    expect(manifest.relations.map((r) => r.name)).toEqual([...exportedRelations]);
    const onDisk = JSON.parse(readFileSync(join(out, MANIFEST_FILE), 'utf8')) as ExportManifest;
    expect(onDisk).toEqual(manifest);
    expect(manifest).toMatchObject({
      format: 'firestat-parquet-export',
      warehouse: ':memory:',
      schemaVersion: latestMigration,
      asOf: '2024-07-20',
      includePersonal: false,
      generatedAt: '2024-07-20T02:00:00.000Z',
    });
    await warehouse.duckdb.run(`SET VARIABLE as_of = DATE '2024-07-20'`);
    for (const r of manifest.relations) {
      const [inWarehouse] = await q(`SELECT count(*) AS n FROM ${r.name}`);
      const [inParquet] = await q(`SELECT count(*) AS n FROM ${parquet(out, r.name)}`);
      expect([r.name, inParquet!.n, r.rows]).toEqual([r.name, inWarehouse!.n, inWarehouse!.n]);
      expect(r.bytes).toBeGreaterThan(0);
    }
    expect(manifest.totalRows).toBe(manifest.relations.reduce((s, r) => s + r.rows, 0));
    expect(manifest.relations.find((r) => r.name === 'l2_hazards')!.rows).toBe(2);
  });

  it('partitions by year and quarter (Hive folders) where the relation has them', async () => {
    for (const name of ['quarter_figures', 't1_township_stats', 'l1_cases', 'submissions', 'cases']) {
      expect(existsSync(join(out, name, 'year=2024', 'quarter=1')), name).toBe(true);
    }
    expect(existsSync(join(out, 'quarter_figures', 'year=2024', 'quarter=2'))).toBe(true);
    expect(readdirSync(join(out, 'quarter_figures', 'year=2024', 'quarter=1')).every((f) => f.endsWith('.parquet'))).toBe(true);
    expect(manifest.relations.find((r) => r.name === 'quarter_figures')!.partitionedBy).toEqual(['year', 'quarter']);
    expect(manifest.relations.find((r) => r.name === 'year_figures')!.partitionedBy).toEqual(['year']);
    expect(existsSync(join(out, 'year_figures', 'year=2024'))).toBe(true);
    expect(manifest.relations.find((r) => r.name === 'units')!.partitionedBy).toEqual([]);
    expect(existsSync(join(out, 'units', 'data_0.parquet'))).toBe(true);
  });

  it('reads back the same figures as the warehouse', async () => {
    const fromWarehouse = `SELECT year, quarter, unit, unit_kind, form, metric, label, measure, value FROM quarter_figures`;
    const fromParquet = `SELECT year::INTEGER AS year, quarter::INTEGER AS quarter, unit, unit_kind, form, metric, label, measure, value FROM ${parquet(out, 'quarter_figures')}`;
    expect(await q(`(${fromWarehouse} EXCEPT ALL ${fromParquet}) UNION ALL (${fromParquet} EXCEPT ALL ${fromWarehouse})`)).toEqual([]);
    const sums = `SELECT year, quarter, count(*) AS n, sum(value) AS total FROM %s GROUP BY ALL ORDER BY ALL`;
    const w = await q(sums.replace('%s', 'quarter_figures'));
    expect(w.length).toBe(2);
    expect(await q(sums.replace('%s', parquet(out, 'quarter_figures')))).toEqual(w);
    // Types survive: decimals, dates, lists, booleans.
    const [c] = await q(`SELECT fine_amount, decision_date, legal_review FROM ${parquet(out, 'l1_cases')} WHERE quarter = 1`);
    expect(c).toEqual({ fine_amount: 500, decision_date: '2024-03-01', legal_review: true });
    const [r] = await q(`SELECT problems FROM ${parquet(out, 'r1_case_reviews')}`);
    expect(r!.problems).toEqual(['文书填写不全面']);
    expect(await q(`SELECT sum(fine_amount) AS s FROM ${parquet(out, 'cases')}`)).toEqual(await q(`SELECT sum(fine_amount) AS s FROM cases`));
  });

  it('leaves personal columns out by default, and keeps them with includePersonal', async () => {
    const columns = async (dir: string, name: string) => (await q(`DESCRIBE SELECT * FROM ${parquet(dir, name)}`)).map((r) => String(r.column_name));
    for (const name of ['l1_cases', 'cases']) {
      expect(await columns(out, name)).not.toContain('party');
      expect(await columns(out, name)).toContain('party_type');
      expect(manifest.relations.find((r) => r.name === name)!.droppedColumns).toEqual(['party']);
    }
    expect(manifest.relations.filter((r) => r.droppedColumns.length).map((r) => r.name)).toEqual(['l1_cases', 'cases']);
    const withPersonal = join(tempDir(), 'with-personal');
    const m = await exportParquet({ warehouse, outDir: withPersonal, includePersonal: true, asOf: '2024-07-20', relations: ['l1_cases', 'cases'] });
    expect(m.includePersonal).toBe(true);
    expect(m.relations.every((r) => r.droppedColumns.length === 0)).toBe(true);
    expect(await columns(withPersonal, 'l1_cases')).toContain('party');
    expect((await q(`SELECT party FROM ${parquet(withPersonal, 'cases')} ORDER BY case_no`)).map((r) => r.party)).toEqual(['张某某', '某公司']);
  });

  it('replaces an earlier export as a whole, leaves no temporary folders, and refuses a folder that is not an export', async () => {
    const dir = join(tempDir(), 'again');
    await exportParquet({ warehouse, outDir: dir, asOf: '2024-07-20', relations: ['units', 'quarter_figures'] });
    writeFileSync(join(dir, 'units', 'stray.parquet'), 'not parquet');
    const second = await exportParquet({ warehouse, outDir: dir, asOf: '2024-07-20', relations: ['units'] });
    expect(second.relations.map((r) => r.name)).toEqual(['units']);
    expect(readdirSync(dir).sort()).toEqual([MANIFEST_FILE, 'units']);
    expect(readdirSync(join(dir, 'units'))).toEqual(['data_0.parquet']);
    expect(readdirSync(dirname(dir))).toEqual(['again']);

    const foreign = join(tempDir(), 'mine');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'keep me');
    await expect(exportParquet({ warehouse, outDir: foreign, relations: ['units'] })).rejects.toThrow(/不是 firestat 的导出/);
    expect(readdirSync(foreign)).toEqual(['notes.txt']);
    await expect(exportParquet({ warehouse, outDir: join(tempDir(), 'x'), relations: ['no_such_view'] })).rejects.toThrow(/没有这些表或视图：no_such_view/);
  });

  it('writes an empty relation as one readable file', async () => {
    const empty = await memoryWarehouse();
    try {
      const dir = join(tempDir(), 'empty');
      const m = await exportParquet({ warehouse: empty, outDir: dir, asOf: '2024-07-20', relations: ['l1_cases', 'quarter_figures'] });
      expect(m.relations.map((r) => [r.name, r.rows, r.partitionedBy])).toEqual([
        ['l1_cases', 0, []],
        ['quarter_figures', 0, []],
      ]);
      const cols = (await queryRows(empty, `DESCRIBE SELECT * FROM ${parquet(dir, 'l1_cases')}`)).rows.map((r) => r.column_name);
      expect(cols).toContain('year');
      expect(cols).not.toContain('party');
    } finally {
      await empty.close();
    }
  });
});
