import { readdirSync, readFileSync } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { forms } from '../../domain/forms/index.js';
import { DuckDBDialect } from '../../warehouse/dialect/duckdb-dialect.js';
import { migrations } from '../../warehouse/migrations/index.js';
import { migrateToLatest } from '../../warehouse/migrator.js';
import { coreTablesDdl, submissionStatusComment } from '../../warehouse/schema/core-tables.js';
import { factTableDdl, sqlString } from '../../warehouse/schema/fact-tables.js';
import { schemaStepsTableDdl } from '../../warehouse/schema/schema-steps.js';
import { queryRows } from '../../warehouse/query.js';
import { Warehouse } from '../../warehouse/warehouse.js';

/** The migrations this test freezes; later ones (0004 …) were written as SQL from the start. */
const frozen = ['0001-initial', '0002-cumulative-figures', '0003-retry-and-reprocess'];

const open: { close: () => void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

async function memory(): Promise<{ connection: DuckDBConnection; db: Kysely<unknown> }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const db = new Kysely<unknown>({ dialect: new DuckDBDialect({ database: connection }) });
  open.push({ close: () => instance.closeSync() });
  return { connection, db };
}

/** Everything the catalog says about tables, columns, constraints and sequences (Kysely's bookkeeping left out). */
async function catalog(connection: DuckDBConnection): Promise<unknown> {
  const read = async (q: string) => (await connection.runAndReadAll(q)).getRowObjectsJson();
  const mine = `database_name = current_database() AND schema_name = 'main' AND table_name NOT LIKE 'kysely_%'`;
  return {
    tables: await read(`SELECT table_name, comment, column_count, has_primary_key FROM duckdb_tables() WHERE ${mine} ORDER BY table_name`),
    columns: await read(
      `SELECT table_name, column_name, column_index, data_type, is_nullable, column_default, comment FROM duckdb_columns() WHERE ${mine} ORDER BY table_name, column_index`,
    ),
    constraints: await read(`SELECT table_name, constraint_type, constraint_text FROM duckdb_constraints() WHERE ${mine} ORDER BY table_name, constraint_text`),
    sequences: await read(
      `SELECT sequence_name, start_value, increment_by FROM duckdb_sequences() WHERE database_name = current_database() ORDER BY sequence_name`,
    ),
  };
}

describe('frozen migrations', () => {
  it('build exactly the schema the DDL builders make for today’s forms: columns, types, NOT NULL, keys, comments, sequences', async () => {
    const migrated = await memory();
    await migrateToLatest(migrated.db, Object.fromEntries(frozen.map((name) => [name, migrations[name]!])));
    const built = await memory();
    for (const statement of [
      ...coreTablesDdl(),
      ...forms.flatMap(factTableDdl),
      ...coreTablesDdl('0002'),
      ...coreTablesDdl('0003'),
      `COMMENT ON COLUMN submissions.status IS ${sqlString(submissionStatusComment)}`,
    ]) {
      await built.connection.run(statement);
    }
    const a = await catalog(migrated.connection);
    const b = await catalog(built.connection);
    expect(a).toEqual(b);
    // Not two empty lists: every form's table with its Chinese comments is there.
    const tables = (a as { tables: { table_name: string; comment: string | null }[] }).tables;
    for (const f of forms) expect(tables.find((t) => t.table_name === f.table)?.comment).toBe(f.tableComment);
  });

  it('never read the form definitions or the DDL builders', () => {
    const dir = new URL('../../warehouse/migrations/', import.meta.url);
    const files = readdirSync(dir).filter((f) => /^\d{4}-.*\.ts$/.test(f));
    expect(files).toEqual(expect.arrayContaining(frozen.map((f) => `${f}.ts`)));
    for (const f of files) {
      const text = readFileSync(new URL(f, dir), 'utf8');
      const imports = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      expect(
        imports.filter((i) => i !== 'kysely'),
        `${f} imports`,
      ).toEqual([]);
    }
  });

  it('the schema_steps table is created as its documented spec says', async () => {
    expect([...schemaStepsTableDdl()]).toEqual(coreTablesDdl('schema-steps'));
  });

  it('a warehouse opened with today’s forms needs no schema step: the frozen first migration matches them', async () => {
    const warehouse = await Warehouse.open({ path: ':memory:' });
    try {
      expect(warehouse.schemaSteps).toEqual([]);
      expect((await queryRows(warehouse, 'SELECT count(*) AS n FROM schema_steps')).rows[0]?.n).toBe(0);
      const pending = await warehouse.pendingSchema();
      expect(pending).toEqual({ steps: [], mismatches: [] });
      // The bookkeeping table is documented like the others.
      const comment = (await queryRows(warehouse, `SELECT comment FROM duckdb_tables() WHERE table_name = 'schema_steps'`)).rows[0]?.comment;
      expect(String(comment)).toContain('表结构的增补步骤');
    } finally {
      await warehouse.close();
    }
  });
});
