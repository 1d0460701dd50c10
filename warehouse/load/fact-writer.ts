import { LIST, VARCHAR, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import type { FormDefinition } from '../../domain/forms/form-definition.js';
import { factColumns, type FactColumn } from '../schema/fact-tables.js';
import { storedColumnNames } from '../schema/schema-steps.js';

/** One row for a fact table: lineage, unit and period, then field values by field id. */
export interface FactRow {
  readonly sheet: string;
  readonly rowNumber: number;
  readonly unit: string;
  readonly year: number;
  readonly quarter: number;
  readonly month: number | null;
  readonly values: Readonly<Record<string, unknown>>;
}

type Append = (appender: DuckDBAppender, value: unknown) => void;

const varcharList = LIST(VARCHAR);

function appendFor(column: FactColumn): Append {
  const base = column.type;
  const typed: Append =
    base === 'INTEGER'
      ? (a, v) => a.appendInteger(v as number)
      : base === 'BIGINT'
        ? (a, v) => a.appendBigInt(BigInt(v as number))
        : base.startsWith('DECIMAL')
          ? (a, v) => a.appendDouble(v as number)
          : base === 'BOOLEAN'
            ? (a, v) => a.appendBoolean(v as boolean)
            : base === 'VARCHAR[]'
              ? (a, v) => a.appendList(v as string[], varcharList)
              : // VARCHAR and DATE: DuckDB casts an ISO date string on append.
                (a, v) => a.appendVarchar(String(v));
  return (a, v) => (v === null || v === undefined ? a.appendNull() : typed(a, v));
}

/**
 * Bulk-loads a form's rows through DuckDB's appender (never one INSERT per row). The appender
 * writes inside the connection's open transaction, so a rollback removes the rows again.
 */
export class FactWriter {
  private readonly appends: readonly { name: string; append: Append; field: boolean }[];
  private count = 0;

  private constructor(
    private readonly appender: DuckDBAppender,
    readonly form: FormDefinition,
    stored: readonly string[],
  ) {
    // The appender writes by position, in the table's stored order: a column added by a schema step
    // sits at the end, wherever the form declares it; a stored column no form declares gets NULL.
    const declared = new Map(factColumns(form).map((c) => [c.name, c]));
    this.appends = stored.map((name) => {
      const c = declared.get(name);
      return c ? { name, append: appendFor(c), field: c.field !== undefined } : { name, append: (a: DuckDBAppender) => a.appendNull(), field: true };
    });
  }

  /** Opens an appender on the form's table. */
  static async open(connection: DuckDBConnection, form: FormDefinition): Promise<FactWriter> {
    const stored = await storedColumnNames(connection, form.table);
    return new FactWriter(await connection.createAppender(form.table), form, stored);
  }

  /** Appends one row for the given submission. */
  write(submissionId: number, row: FactRow): void {
    const a = this.appender;
    for (const col of this.appends) {
      let value: unknown;
      if (col.field) value = row.values[col.name];
      else if (col.name === 'submission_id') value = submissionId;
      else if (col.name === 'sheet') value = row.sheet;
      else if (col.name === 'source_row') value = row.rowNumber;
      else value = row[col.name as 'unit' | 'year' | 'quarter' | 'month'];
      col.append(a, value);
    }
    a.endRow();
    this.count++;
  }

  /** Rows written so far. */
  get rows(): number {
    return this.count;
  }

  /** Flushes and closes the appender; call before commit. */
  close(): void {
    this.appender.closeSync();
  }
}
