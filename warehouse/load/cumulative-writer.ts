import type { DuckDBConnection } from '@duckdb/node-api';

/** One 累计 figure as written in a submission, with where it was. */
export interface CumulativeRow {
  readonly sheet: string;
  readonly rowNumber: number;
  readonly cell: string;
  readonly unit: string;
  readonly year: number;
  readonly quarter: number;
  readonly month: number | null;
  readonly metric: string;
  readonly value: number;
}

/**
 * Appends a submission's 累计 figures to `cumulative_figures` through DuckDB's appender, inside
 * the connection's open transaction (a rollback removes them with the file's rows).
 */
export async function writeCumulative(connection: DuckDBConnection, submissionId: number, form: string, rows: readonly CumulativeRow[]): Promise<void> {
  if (rows.length === 0) return;
  const a = await connection.createAppender('cumulative_figures');
  try {
    for (const r of rows) {
      a.appendBigInt(BigInt(submissionId));
      a.appendVarchar(r.sheet);
      a.appendInteger(r.rowNumber);
      a.appendVarchar(r.cell);
      a.appendVarchar(form);
      a.appendVarchar(r.unit);
      a.appendInteger(r.year);
      a.appendInteger(r.quarter);
      if (r.month === null) a.appendNull();
      else a.appendInteger(r.month);
      a.appendVarchar(r.metric);
      a.appendDouble(r.value);
      a.endRow();
    }
    a.flushSync();
  } finally {
    a.closeSync();
  }
}
