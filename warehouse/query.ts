import type { DuckDBConnection, DuckDBResultReader } from '@duckdb/node-api';
import { bindParameters } from './dialect/duckdb-parameter-binder.js';
import { duckDBRowValueConverter } from './dialect/duckdb-value-converter.js';
import type { Warehouse } from './warehouse.js';

/**
 * A DuckDB result value as a plain JSON-able value: big integers as numbers when exact (else their
 * digits), timestamps as wall time, blobs as hex, lists and structs value by value.
 */
function plainValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date)
    return v
      .toISOString()
      .replace('T', ' ')
      .replace(/\.000Z$|Z$/, '')
      .replace(/ 00:00:00$/, '');
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (Array.isArray(v)) return v.map(plainValue);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainValue(x)]));
  return v;
}

/** Prepares `query`, binds `params` and reads the whole result. */
async function runBound(connection: DuckDBConnection, query: string, params: readonly unknown[]): Promise<DuckDBResultReader> {
  const statement = await connection.prepare(query);
  try {
    bindParameters(statement, params);
    return await statement.runAndReadAll();
  } finally {
    statement.destroySync();
  }
}

/**
 * Runs a query on the warehouse's DuckDB connection and returns the whole result at once:
 * `columns`, the result's column names in order, and `rows`, one object per row keyed by column
 * name, each value made plain by {@link plainValue} — numbers as numbers, DATE as `YYYY-MM-DD`,
 * TIMESTAMP (stored as Beijing wall time) as `YYYY-MM-DD HH:MM:SS`.
 *
 * Values go in as bound parameters (`$1`, `$2`, … in `query`, bound as the Kysely dialect binds
 * them: see `bindParameters`), never spliced into the SQL text; a list binds as a LIST
 * (`submission_id = ANY($1::BIGINT[])`; the cast lets an empty list bind). Only identifiers a
 * form declares (table and column names) are ever part of the text, quoted. Without parameters,
 * `query` may hold several statements (the analyst's console); the last one's rows are returned.
 */
export async function queryRows(
  warehouse: Warehouse,
  query: string,
  params: readonly unknown[] = [],
): Promise<{ columns: string[]; rows: Record<string, unknown>[] }> {
  const reader = params.length === 0 ? await warehouse.duckdb.runAndReadAll(query) : await runBound(warehouse.duckdb, query, params);
  const columns = reader.columnNames();
  const rows = reader.convertRowObjects(duckDBRowValueConverter).map((r) => plainValue(r) as Record<string, unknown>);
  return { columns, rows };
}
