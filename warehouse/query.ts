import { duckDBRowValueConverter } from './dialect/duckdb-value-converter.js';
import type { Warehouse } from './warehouse.js';

/** Makes a result value plain: big integers as numbers when exact, timestamps as wall time. */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString().replace('T', ' ').replace(/\.000Z$|Z$/, '').replace(/ 00:00:00$/, '');
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/**
 * Runs a query and returns its column names and rows as plain objects: numbers as numbers,
 * DATE as `YYYY-MM-DD`, TIMESTAMP (stored as Beijing wall time) as `YYYY-MM-DD HH:MM:SS`.
 */
export async function queryRows(warehouse: Warehouse, query: string): Promise<{ columns: string[]; rows: Record<string, unknown>[] }> {
  const reader = await warehouse.connection.runAndReadAll(query);
  const columns = reader.columnNames();
  const rows = reader.convertRowObjects(duckDBRowValueConverter).map((r) => plain(r) as Record<string, unknown>);
  return { columns, rows };
}
