import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formByCode } from '../../domain/forms/index.js';
import { queryRows } from '../../warehouse/query.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { deliverFile, fixturesDir, memoryWarehouse, runIngest, tempDir } from '../support/ingest-helpers.js';
import { filesUnder } from '../support/files.js';

/** Golden files: `UPDATE_GOLDEN=1 npx vitest run test/pipelines/ingest-fixtures.test.ts` rewrites them. */
const update = process.env.UPDATE_GOLDEN === '1';

let warehouse: Warehouse | undefined;
afterEach(async () => {
  await warehouse?.close();
  warehouse = undefined;
});

async function snapshotOf(w: Warehouse): Promise<unknown> {
  const { rows: subs } = await queryRows(
    w,
    'SELECT path, status, form, unit, year, quarter, month, period_from, period_to, rows, reason, sheets FROM submissions ORDER BY submission_id',
  );
  const { rows: problems } = await queryRows(
    w,
    'SELECT severity, code, sheet, cell, field, found, message FROM submission_problems ORDER BY submission_id, seq',
  );
  const form = formByCode(String(subs[0]?.form ?? ''));
  const facts = form ? (await queryRows(w, `SELECT * EXCLUDE (submission_id) FROM ${form.table} ORDER BY sheet, source_row`)).rows : [];
  return { submission: subs[0], problems, facts };
}

describe('fixture submissions, one producer and layout per file', () => {
  // office/: the layouts township offices really send (test/fixtures/make-office-fixtures.ts);
  // refusal/: many problems of many kinds in one file (test/fixtures/make-refusal-fixtures.ts).
  const tops = ['inbox', 'bad', 'office', 'refusal'];
  const received: Record<string, string> = { office: '2025-10-10T02:00:00Z', refusal: '2024-07-05T02:00:00Z' };
  const inputs = tops.flatMap((top) => filesUnder(join(fixturesDir, top)));
  it.each(inputs.map((p) => [relative(fixturesDir, p)]))('%s', async (rel) => {
    const inbox = tempDir();
    // Deliver just this file, under its own folders (they state unit and period).
    const [top, ...rest] = rel.split('/');
    deliverFile(join(fixturesDir, rel), inbox, rest.join('/'), new Date(received[top!] ?? '2024-04-05T02:00:00Z'));
    warehouse = await memoryWarehouse();
    await runIngest(warehouse, inbox, join(inbox, '..', 'reports'));
    const actual = JSON.parse(JSON.stringify(await snapshotOf(warehouse)));
    const golden = join(fixturesDir, 'expected', `${rel}.json`);
    if (update || !existsSync(golden)) {
      mkdirSync(dirname(golden), { recursive: true });
      writeFileSync(golden, `${JSON.stringify(actual, null, 2)}\n`);
      if (!update) throw new Error(`golden file was missing and has been written: ${golden} — review it`);
    }
    expect(tops).toContain(top);
    expect(actual).toEqual(JSON.parse(readFileSync(golden, 'utf8')));
  });
});
