import { AbortedTransactionError, CompiledQuery } from 'kysely';
import type { DatabaseConnection, Driver, TransactionSettings } from 'kysely';
import type { DuckDBConnection } from '@duckdb/node-api';

import { ConnectionMutex } from './connection-mutex.js';
import { DuckDBDatabaseConnection } from './duckdb-connection.js';
import type { DuckDBDialectConfig } from './duckdb-dialect-config.js';

/** DuckDB's reply to any statement but ROLLBACK once an error has doomed the transaction. */
const ABORTED_TRANSACTION_MESSAGE = 'Current transaction is aborted';

/** DuckDB's reply to ROLLBACK outside a transaction. */
const NO_ACTIVE_TRANSACTION_MESSAGE = 'no transaction is active';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Kysely driver for one `@duckdb/node-api` connection.
 *
 * There is exactly one connection. `acquireConnection` waits on a mutex until the
 * previous holder released it, so a Kysely transaction owns the connection from
 * BEGIN to COMMIT and no other Kysely query can slip into it. (DuckDB allows a
 * single writing process per file; a pool would buy nothing but write conflicts.)
 *
 * Transactions are DuckDB's snapshot-isolation transactions. Savepoints are not
 * implemented because DuckDB has none; Kysely then rejects `trx.savepoint()`.
 */
export class DuckDBDriver implements Driver {
  readonly #config: DuckDBDialectConfig;
  readonly #mutex = new ConnectionMutex();
  #duckdb: DuckDBConnection | undefined;
  #connection: DuckDBDatabaseConnection | undefined;

  /** @param config - see {@link DuckDBDialectConfig}. */
  constructor(config: DuckDBDialectConfig) {
    this.#config = Object.freeze({ ...config });
  }

  /** Resolves the configured connection (calling the factory if one was given) and sets it up. */
  async init(): Promise<void> {
    const { database } = this.#config;

    this.#duckdb = typeof database === 'function' ? await database() : database;
    this.#connection = new DuckDBDatabaseConnection(this.#duckdb);

    if (this.#config.timeZone !== undefined) {
      // SET takes no parameters; quote the zone name as a SQL string literal.
      const zone = this.#config.timeZone.replaceAll("'", "''");
      await this.#connection.executeQuery(CompiledQuery.raw(`set TimeZone = '${zone}'`));
    }

    if (this.#config.onCreateConnection) {
      await this.#config.onCreateConnection(this.#connection);
    }
  }

  /** Waits until the single connection is free and reserves it for the caller. */
  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#mutex.lock();

    if (this.#connection === undefined) {
      this.#mutex.unlock();
      throw new Error('DuckDBDriver used before init() or after destroy()');
    }

    return this.#connection;
  }

  /**
   * `BEGIN TRANSACTION [READ ONLY | READ WRITE]`.
   *
   * DuckDB has one isolation level, snapshot isolation, and no syntax to name it;
   * `'snapshot'` is accepted as a no-op and every other level is refused rather than
   * silently given weaker or different semantics.
   */
  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    if (settings.isolationLevel !== undefined && settings.isolationLevel !== 'snapshot') {
      throw new Error(`DuckDB only provides snapshot isolation; isolation level '${settings.isolationLevel}' is not supported`);
    }

    const accessMode = settings.accessMode === undefined ? '' : ` ${settings.accessMode}`;

    await connection.executeQuery(CompiledQuery.raw(`begin transaction${accessMode}`));
  }

  /**
   * `COMMIT`, refusing to report success for a doomed transaction.
   *
   * After a runtime error (constraint violation, failed cast, …) DuckDB marks the
   * transaction aborted, and a later COMMIT *succeeds silently while rolling back*.
   * A caller who caught the error inside `db.transaction().execute()` would then
   * believe the rest was committed. A cheap probe detects the aborted state first,
   * rolls back, and throws Kysely's {@link AbortedTransactionError} like the
   * Postgres driver does.
   */
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await connection.executeQuery(CompiledQuery.raw('select 1'));
    } catch (error) {
      if (!messageOf(error).includes(ABORTED_TRANSACTION_MESSAGE)) {
        throw error;
      }

      await connection.executeQuery(CompiledQuery.raw('rollback'));
      throw new AbortedTransactionError();
    }

    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  /**
   * `ROLLBACK`, tolerating "no transaction is active".
   *
   * Kysely calls this after any failure, including a COMMIT that DuckDB rejected
   * (e.g. a write-write conflict), which already ended the transaction. Failing
   * here would replace that original error with a useless one.
   */
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await connection.executeQuery(CompiledQuery.raw('rollback'));
    } catch (error) {
      if (!messageOf(error).includes(NO_ACTIVE_TRANSACTION_MESSAGE)) {
        throw error;
      }
    }
  }

  /** Frees the connection for the next waiting Kysely operation. */
  async releaseConnection(): Promise<void> {
    this.#mutex.unlock();
  }

  /**
   * Closes the DuckDB connection unless `closeOnDestroy: false` was configured.
   * The `DuckDBInstance` stays open; it belongs to the caller.
   */
  async destroy(): Promise<void> {
    if (this.#duckdb !== undefined && this.#config.closeOnDestroy !== false) {
      this.#duckdb.closeSync();
    }

    this.#duckdb = undefined;
    this.#connection = undefined;
  }
}
