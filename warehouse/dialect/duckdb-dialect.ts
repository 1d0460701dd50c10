import type { DatabaseIntrospector, Dialect, DialectAdapter, Driver, Kysely, QueryCompiler } from 'kysely';

import { DuckDBAdapter } from './duckdb-adapter.js';
import type { DuckDBDialectConfig } from './duckdb-dialect-config.js';
import { DuckDBDriver } from './duckdb-driver.js';
import { DuckDBIntrospector } from './duckdb-introspector.js';
import { DuckDBQueryCompiler } from './duckdb-query-compiler.js';

/**
 * Kysely dialect for DuckDB through `@duckdb/node-api` (DuckDB's "node-neo" client).
 *
 * ```ts
 * import { DuckDBInstance } from '@duckdb/node-api'
 * import { Kysely } from 'kysely'
 *
 * const instance = await DuckDBInstance.create('data/warehouse.duckdb')
 * const connection = await instance.connect()
 * const db = new Kysely<Warehouse>({ dialect: new DuckDBDialect({ database: connection }) })
 * // …
 * await db.destroy()       // closes `connection`
 * instance.closeSync()     // releases the file
 * ```
 *
 * Values: see `bindParameters` (JS → DuckDB) and `duckDBRowValueConverter`
 * (DuckDB → JS). In short: BIGINT → `number` when safe (else `bigint`), DECIMAL →
 * `number`, DATE → `'YYYY-MM-DD'`, TIMESTAMP → `'YYYY-MM-DD HH:MM:SS[.ffffff]'`
 * (zoneless wall-clock time), TIMESTAMPTZ → `Date`. Strings bind as VARCHAR and
 * DuckDB casts them to the column's type; a bound `Date` is an instant that DuckDB
 * converts to a DATE / TIMESTAMP in the `timeZone` configured here.
 */
export class DuckDBDialect implements Dialect {
  readonly #config: DuckDBDialectConfig;

  /** @param config - see {@link DuckDBDialectConfig}. */
  constructor(config: DuckDBDialectConfig) {
    this.#config = Object.freeze({ ...config });
  }

  /** A {@link DuckDBDriver} over the configured connection. */
  createDriver(): Driver {
    return new DuckDBDriver(this.#config);
  }

  /** A {@link DuckDBQueryCompiler} (PostgreSQL SQL, which DuckDB accepts). */
  createQueryCompiler(): QueryCompiler {
    return new DuckDBQueryCompiler();
  }

  /** A {@link DuckDBAdapter}: transactional DDL, RETURNING, no-op migration lock. */
  createAdapter(): DialectAdapter {
    return new DuckDBAdapter();
  }

  /** A {@link DuckDBIntrospector} reading DuckDB's catalog functions. */
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new DuckDBIntrospector(db);
  }
}
