/**
 * Appender vs. row-by-row INSERT, on a DuckDB file.
 *
 *   npx tsx bench/warehouse-appender.ts                 # all modes, one child process each
 *   npx tsx bench/warehouse-appender.ts append 1000000  # a single mode
 *
 * Modes: `append` (appendRows, strings for dates), `append-dates` (JS `Date`s for the
 * DATE/TIMESTAMP columns, converted in Asia/Shanghai), `insert` (one Kysely INSERT per
 * row, autocommit), `insert-trx` (one Kysely INSERT per row inside one transaction).
 * Each mode runs in its own process so its peak RSS is its own.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { DuckDBInstance } from '@duckdb/node-api';
import { Kysely, sql } from 'kysely';

import { appendRows } from '../warehouse/appender.js';
import type { ColumnSpec } from '../warehouse/appender.js';
import { DuckDBDialect } from '../warehouse/dialect/duckdb-dialect.js';

type Mode = 'append' | 'append-dates' | 'insert' | 'insert-trx';

const CREATE_TABLE = `
  create table fact (
    id bigint, submission_id integer, unit_code varchar, unit_name varchar,
    form varchar, period_from date, period_to date, indicator varchar,
    value_count integer, value_amount decimal(18, 2), ratio double, loaded_at timestamp
  )`;

const COLUMNS: readonly ColumnSpec[] = [
  { name: 'id', type: 'bigint' },
  { name: 'submission_id', type: 'integer' },
  { name: 'unit_code', type: 'varchar' },
  { name: 'unit_name', type: 'varchar' },
  { name: 'form', type: 'varchar' },
  { name: 'period_from', type: 'date' },
  { name: 'period_to', type: 'date' },
  { name: 'indicator', type: 'varchar' },
  { name: 'value_count', type: 'integer' },
  { name: 'value_amount', type: 'decimal', width: 18, scale: 2 },
  { name: 'ratio', type: 'double' },
  { name: 'loaded_at', type: 'timestamp' },
];

const UNITS = ['城关镇', '南湖街道', '北苑街道', '东城街道', '西山镇', '局本级防火监督科'];
const INDICATORS = ['检查单位数', '发现隐患数', '督促整改数', '罚款金额', '临时查封数', '责令停产停业数'];

function* rows(count: number, dates: boolean): Generator<unknown[]> {
  const from = dates ? new Date('2024-02-29T16:00:00Z') : '2024-03-01';
  const to = dates ? new Date('2024-03-30T16:00:00Z') : '2024-03-31';
  const loaded = dates ? new Date('2024-04-02T01:30:00Z') : '2024-04-02 09:30:00';

  for (let i = 0; i < count; i++) {
    yield [
      i, Math.floor(i / 1000), `U${i % 22}`, UNITS[i % UNITS.length], 'F03', from, to,
      INDICATORS[i % INDICATORS.length], i % 977, `${i % 100000}.${String(i % 100).padStart(2, '0')}`,
      (i % 1000) / 7, loaded,
    ];
  }
}

async function run(mode: Mode, count: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'firestat-bench-'));
  const path = join(dir, 'bench.duckdb');
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  const db = new Kysely<{ fact: Record<string, unknown> }>({
    dialect: new DuckDBDialect({ database: connection, timeZone: 'Asia/Shanghai' }),
  });
  await sql.raw(CREATE_TABLE).execute(db);

  const start = performance.now();

  if (mode === 'append' || mode === 'append-dates') {
    await db.transaction().execute(async () => {
      await appendRows(connection, 'fact', COLUMNS, rows(count, mode === 'append-dates'));
    });
  } else {
    const insertAll = async (target: Kysely<{ fact: Record<string, unknown> }>) => {
      for (const row of rows(count, false)) {
        await target.insertInto('fact').values(Object.fromEntries(COLUMNS.map((c, i) => [c.name, row[i]]))).execute();
      }
    };
    if (mode === 'insert-trx') await db.transaction().execute(insertAll);
    else await insertAll(db);
  }

  const seconds = (performance.now() - start) / 1000;
  const { n } = (await db.selectFrom('fact').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow());
  await db.destroy();
  instance.closeSync();

  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  const fileMb = statSync(path).size / 1024 / 1024;
  rmSync(dir, { recursive: true, force: true });

  console.log(JSON.stringify({
    mode, rows: n, seconds: Number(seconds.toFixed(2)), rowsPerSecond: Math.round(n / seconds),
    maxRssMb: Math.round(maxRssMb), fileMb: Number(fileMb.toFixed(1)),
    extrapolated1M: Number(((seconds / n) * 1_000_000).toFixed(1)),
  }));
}

const [modeArg, countArg] = process.argv.slice(2);

if (modeArg === undefined) {
  const self = fileURLToPath(import.meta.url);
  const plan: [Mode, number][] = [['append', 1_000_000], ['append-dates', 1_000_000], ['insert', 10_000], ['insert-trx', 10_000]];
  for (const [mode, count] of plan) {
    spawnSync(process.execPath, [...process.execArgv, self, mode, String(count)], { stdio: 'inherit' });
  }
} else {
  await run(modeArg as Mode, Number(countArg ?? 1_000_000));
}
