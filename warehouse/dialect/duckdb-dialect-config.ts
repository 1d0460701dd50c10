import type { DuckDBConnection } from '@duckdb/node-api';
import type { DatabaseConnection } from 'kysely';

/**
 * Config for the {@link DuckDBDialect}.
 *
 * The dialect takes a *connection*, not a `DuckDBInstance`, on purpose: bulk loads
 * go through DuckDB's appender, and an appender only joins a Kysely transaction when
 * it is created on the very connection Kysely uses. Keeping the connection in the
 * caller's hands makes that possible (see `FactWriter` in `warehouse/load/fact-writer.ts`,
 * which appends inside the per-file transaction of `SubmissionStore.transaction`).
 *
 * ```ts
 * const instance = await DuckDBInstance.create('warehouse.duckdb')
 * const connection = await instance.connect()
 * const db = new Kysely<Warehouse>({ dialect: new DuckDBDialect({ database: connection }) })
 * ```
 */
export interface DuckDBDialectConfig {
  /**
   * The DuckDB connection Kysely runs every query on, or a function creating it.
   *
   * A function is called once, when the first query runs. All Kysely work is
   * serialized on this single connection: DuckDB allows one writer per database
   * file and gains nothing from a pool inside one process.
   */
  readonly database: DuckDBConnection | (() => Promise<DuckDBConnection>);

  /**
   * IANA time zone to `SET TimeZone` to when the connection is set up, e.g.
   * `'Asia/Shanghai'`. Defaults to DuckDB's default, the process's zone.
   *
   * It decides how a bound JS `Date` (an instant) becomes a DATE or zoneless
   * TIMESTAMP, and how TIMESTAMPTZ values print; set it so results do not depend
   * on the machine the pipeline runs on. The setting belongs to the connection, so
   * appenders and raw queries on it see the same zone.
   */
  readonly timeZone?: string;

  /**
   * Called once with the Kysely connection right after it is created (after
   * `timeZone` is applied), e.g. to `LOAD` an extension or `SET memory_limit`.
   */
  readonly onCreateConnection?: (connection: DatabaseConnection) => Promise<void>;

  /**
   * Whether `Kysely.destroy()` closes the DuckDB connection. Defaults to `true`.
   *
   * The `DuckDBInstance` is never closed by the dialect: it belongs to the caller,
   * who may hold other connections to it. Close it with `instance.closeSync()` to
   * release an on-disk database file.
   */
  readonly closeOnDestroy?: boolean;
}
