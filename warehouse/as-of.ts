import type { Warehouse } from './warehouse.js';

/** A reference date that is not a real `YYYY-MM-DD` date (Chinese message). */
export class AsOfError extends Error {
  override readonly name = 'AsOfError';
}

/**
 * Returns `value` when it is a real calendar date written `YYYY-MM-DD` (2024-02-29 yes, 2025-02-29
 * no), else throws {@link AsOfError}. DuckDB's own DATE cast is lenient (`'2024-07-01 junk'` and
 * `'2024-7-1'` both pass), so every reference date is checked here before it reaches SQL.
 */
export function checkedAsOf(value: string, what = '截止日期（--as-of）'): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!m || !d || d.getUTCFullYear() !== Number(m[1]) || d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    throw new AsOfError(`${what}应为实际存在的日期，写作 YYYY-MM-DD（如 2025-01-20），收到 “${shown}”`);
  }
  return value;
}

/** Pins the reference date of the 调度 views (`SET VARIABLE as_of`), checked and bound as a parameter. */
export async function setAsOf(warehouse: Warehouse, asOf: string): Promise<void> {
  await warehouse.duckdb.run('SET VARIABLE as_of = $1::DATE', [checkedAsOf(asOf)]);
}
