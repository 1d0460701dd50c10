import { AbortedTransactionError } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { townshipStatsForm } from '../../domain/forms/index.js';
import { writeCumulative } from '../../warehouse/load/cumulative-writer.js';
import { FactWriter } from '../../warehouse/load/fact-writer.js';
import { SubmissionStore, type NewSubmission } from '../../warehouse/load/submission-store.js';
import { queryRows } from '../../warehouse/query.js';
import { Warehouse } from '../../warehouse/warehouse.js';

/** The per-file load path of `ingest` (`SubmissionStore.transaction`, `FactWriter`, `writeCumulative`) on a real DuckDB warehouse. */
describe('one transaction per file', () => {
  let warehouse: Warehouse;
  let store: SubmissionStore;

  beforeEach(async () => {
    warehouse = await Warehouse.open({ path: ':memory:' });
    store = new SubmissionStore(warehouse);
  });

  afterEach(async () => {
    await warehouse.close();
  });

  const submission = (id: number): NewSubmission => ({
    submission_id: id,
    run_id: null,
    path: `2024Q1/龙兴镇/T1-${id}.xlsx`,
    bytes: 1000,
    sha256: `sha-${id}`,
    modified_at: '2024-04-05 10:00:00',
    received_at: '2024-04-05 10:00:00',
    loaded_at: '2024-04-06 02:00:00',
    unit: '龙兴镇',
    unit_code: 'ZJ01',
    form: townshipStatsForm.code,
    year: 2024,
    quarter: 1,
    month: null,
    period_from: 1,
    period_to: 3,
    status: 'loaded',
    rows: 1,
    reason: null,
    sheets: ['Sheet1'],
    report_path: null,
    duration_ms: 5,
  });

  /** Rows each table holds for submission `id`. */
  async function kept(id: number): Promise<Record<string, number>> {
    const count = async (table: string) => Number((await queryRows(warehouse, `SELECT count(*) AS n FROM ${table} WHERE submission_id = $1`, [id])).rows[0]?.n);
    return {
      facts: await count(townshipStatsForm.table),
      cumulative: await count('cumulative_figures'),
      submissions: await count('submissions'),
      problems: await count('submission_problems'),
    };
  }

  /** Writes one fact row, one 累计 figure and the submission with a warning, as `ingest` does for a loaded file. */
  async function load(trx: SubmissionStore, id: number): Promise<void> {
    const writer = await FactWriter.open(warehouse.duckdb, townshipStatsForm);
    const where = { sheet: 'Sheet1', rowNumber: 4, unit: '龙兴镇', year: 2024, quarter: 1, month: null };
    writer.write(id, { ...where, values: { units_inspected: 12, hazards_found: 3 } });
    writer.close();
    await writeCumulative(warehouse.duckdb, id, townshipStatsForm.code, [{ ...where, cell: 'D4', metric: 'units_inspected', value: 30 }]);
    await trx.insert(submission(id), [{ severity: 'warning', code: 'total_mismatch', sheet: 'Sheet1', cell: 'D9', message: '合计行与各行之和不符。' }]);
  }

  it('keeps the rows, 累计 figures, submission and problems of a file that commits', async () => {
    await store.transaction((trx) => load(trx, 1));

    expect(await kept(1)).toEqual({ facts: 1, cumulative: 1, submissions: 1, problems: 1 });
    const { rows } = await queryRows(warehouse, `SELECT units_inspected, hazards_found FROM ${townshipStatsForm.table} WHERE submission_id = $1`, [1]);
    expect(rows).toEqual([{ units_inspected: 12, hazards_found: 3 }]);
  });

  it('keeps nothing of a file whose load throws, appended rows included', async () => {
    await expect(
      store.transaction(async (trx) => {
        await load(trx, 2);
        throw new Error('refused after writing');
      }),
    ).rejects.toThrow('refused after writing');

    expect(await kept(2)).toEqual({ facts: 0, cumulative: 0, submissions: 0, problems: 0 });
  });

  it('reports a commit that DuckDB aborted instead of taking it for a load', async () => {
    await store.transaction((trx) => load(trx, 3));

    // Inside the transaction a statement fails (the submission id is taken) and the error is caught:
    // DuckDB has aborted the transaction and would answer COMMIT with a silent rollback.
    const commit = store.transaction(async (trx) => {
      const writer = await FactWriter.open(warehouse.duckdb, townshipStatsForm);
      writer.write(4, { sheet: 'Sheet1', rowNumber: 4, unit: '龙兴镇', year: 2024, quarter: 1, month: null, values: { units_inspected: 1 } });
      writer.close();
      await expect(trx.insert(submission(3), [])).rejects.toThrow(/PRIMARY KEY|duplicate/i);
      return 'loaded';
    });

    await expect(commit).rejects.toBeInstanceOf(AbortedTransactionError);
    expect(await kept(4)).toEqual({ facts: 0, cumulative: 0, submissions: 0, problems: 0 });
    expect(await kept(3)).toEqual({ facts: 1, cumulative: 1, submissions: 1, problems: 1 });
    // The warehouse is usable afterwards.
    await store.transaction((trx) => load(trx, 5));
    expect(await kept(5)).toEqual({ facts: 1, cumulative: 1, submissions: 1, problems: 1 });
  });
});

describe('queryRows binds values', () => {
  it('takes values as parameters, never as SQL text', async () => {
    const warehouse = await Warehouse.open({ path: ':memory:' });
    try {
      const hostile = "龙兴镇'; DROP TABLE units; --";
      const { rows } = await queryRows(warehouse, 'SELECT $1 AS unit, $2 AS year, $3 AS day', [hostile, 2024, '2024-03-05']);
      expect(rows).toEqual([{ unit: hostile, year: 2024, day: '2024-03-05' }]);
      // The table the text names is still there.
      expect((await queryRows(warehouse, 'SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = $1', ['units'])).rows).toEqual([{ n: 1 }]);
      // A list binds as a LIST, the empty one too.
      const ids = (list: number[]) => queryRows(warehouse, 'SELECT count(*) AS n FROM (SELECT unnest([1, 2, 3]) AS id) WHERE id = ANY($1::BIGINT[])', [list]);
      expect((await ids([1, 3])).rows).toEqual([{ n: 2 }]);
      expect((await ids([])).rows).toEqual([{ n: 0 }]);
      // Too few values is an error, not a NULL.
      await expect(queryRows(warehouse, 'SELECT $1 AS a, $2 AS b', [1])).rejects.toThrow(/2 parameter\(s\) but 1 value/);
    } finally {
      await warehouse.close();
    }
  });
});
