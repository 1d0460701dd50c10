import { duckDBRowValueConverter } from '../../warehouse/dialect/duckdb-value-converter.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { formatCsv, formatTable } from './table-format.js';

/** Output formats of `firestat sql`. */
export type SqlFormat = 'table' | 'csv' | 'json' | 'markdown';

/** Makes a result value printable: big integers as numbers when exact, timestamps as wall time. */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString().replace('T', ' ').replace(/\.000Z$|Z$/, '').replace(/ 00:00:00$/, '');
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** Runs one query against a warehouse and returns its columns and plain rows. */
export async function runQuery(warehouse: Warehouse, query: string): Promise<{ columns: string[]; rows: Record<string, unknown>[] }> {
  const reader = await warehouse.connection.runAndReadAll(query);
  const columns = reader.columnNames();
  const rows = reader.convertRowObjects(duckDBRowValueConverter).map((r) => plain(r) as Record<string, unknown>);
  return { columns, rows };
}

/** Renders rows in the chosen format. */
export function render(format: SqlFormat, columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  switch (format) {
    case 'json':
      return JSON.stringify(rows, null, 2);
    case 'csv':
      return formatCsv(columns, rows);
    case 'markdown': {
      const esc = (v: unknown) => (v === null || v === undefined ? '' : String(typeof v === 'object' ? JSON.stringify(v) : v)).replace(/\|/g, '\\|').replace(/\n/g, ' ');
      return [`| ${columns.join(' | ')} |`, `|${columns.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${columns.map((c) => esc(r[c])).join(' | ')} |`)].join('\n');
    }
    default:
      return formatTable(columns, rows);
  }
}
