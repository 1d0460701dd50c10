import { ResultReturnType, StatementType } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBResult } from '@duckdb/node-api';
import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely';

import { bindParameters } from './duckdb-parameter-binder.js';
import { duckDBRowValueConverter } from './duckdb-value-converter.js';
import type { DuckDBRowValue } from './duckdb-value-converter.js';

/** Rows per streamed chunk when Kysely's `stream()` is called without a chunk size. */
const DEFAULT_STREAM_CHUNK_SIZE = 2048;

/** Statements whose `RETURNING` rows count as their affected rows. */
const DATA_CHANGING_STATEMENTS: ReadonlySet<StatementType> = new Set([
  StatementType.INSERT,
  StatementType.UPDATE,
  StatementType.DELETE,
  StatementType.MERGE_INTO,
]);

/**
 * Kysely's view of the one DuckDB connection the {@link DuckDBDriver} owns.
 *
 * Every query is prepared, bound (see `bindParameters`) and run; results are
 * converted with `duckDBRowValueConverter`. The class does no locking itself: the
 * driver hands it out to one Kysely operation at a time.
 */
export class DuckDBDatabaseConnection implements DatabaseConnection {
  readonly #connection: DuckDBConnection;

  /** @param connection - the `@duckdb/node-api` connection every query runs on. */
  constructor(connection: DuckDBConnection) {
    this.#connection = connection;
  }

  /** The underlying `@duckdb/node-api` connection (for appenders and other native APIs). */
  get duckdb(): DuckDBConnection {
    return this.#connection;
  }

  /**
   * Runs one compiled query and returns its rows as plain JS objects.
   *
   * `numAffectedRows` is set for INSERT, UPDATE, DELETE and MERGE: DuckDB's changed
   * row count, or the number of `RETURNING` rows (DuckDB reports no count for those).
   */
  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.#run(compiledQuery, false);

    if (result.returnType === ResultReturnType.CHANGED_ROWS) {
      // DuckDB returns the count as a one-row "Count" table; Kysely wants it as a number.
      return { numAffectedRows: BigInt(result.rowsChanged), rows: [] };
    }

    const rows = (await result.convertRowObjects(duckDBRowValueConverter)) as R[];

    if (DATA_CHANGING_STATEMENTS.has(result.statementType)) {
      return { numAffectedRows: BigInt(rows.length), rows };
    }

    return { rows };
  }

  /**
   * Streams a query's rows in chunks of `chunkSize` using DuckDB's streaming result,
   * so a large SELECT never materializes in memory.
   *
   * The driver's connection stays reserved for the whole iteration; breaking out of
   * the loop early is fine (the next query on the connection discards the rest).
   */
  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize: number = DEFAULT_STREAM_CHUNK_SIZE): AsyncIterableIterator<QueryResult<R>> {
    if (!Number.isInteger(chunkSize) || chunkSize <= 0) {
      throw new Error('chunkSize must be a positive integer');
    }

    const result = await this.#run(compiledQuery, true);
    let pending: Record<string, DuckDBRowValue>[] = [];

    // DuckDB hands out vectors of up to 2048 rows; re-chunk them to the caller's size.
    for await (const rows of result.yieldConvertedRowObjects(duckDBRowValueConverter)) {
      for (const row of rows) {
        pending.push(row);

        if (pending.length === chunkSize) {
          yield { rows: pending as R[] };
          pending = [];
        }
      }
    }

    if (pending.length > 0) {
      yield { rows: pending as R[] };
    }
  }

  async #run(compiledQuery: CompiledQuery, streaming: boolean): Promise<DuckDBResult> {
    const { sql, parameters } = compiledQuery;

    if (parameters.length === 0) {
      // Unparameterized SQL may hold several statements (a raw migration script);
      // `run`/`stream` execute them all and return the last one's result.
      return streaming ? this.#connection.stream(sql) : this.#connection.run(sql);
    }

    const statement = await this.#connection.prepare(sql);

    try {
      bindParameters(statement, parameters);
      return streaming ? await statement.stream() : await statement.run();
    } finally {
      // The result does not need its statement; destroying now frees it deterministically.
      statement.destroySync();
    }
  }
}
