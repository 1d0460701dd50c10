import { DialectAdapterBase } from 'kysely';
import type { Kysely, MigrationLockOptions } from 'kysely';

/**
 * Capabilities of DuckDB as Kysely sees them.
 *
 * DDL is transactional in DuckDB (CREATE/ALTER/DROP roll back like data), so
 * Kysely's migrator wraps each run in one transaction, and RETURNING works on
 * INSERT, UPDATE and DELETE.
 */
export class DuckDBAdapter extends DialectAdapterBase {
  /** DuckDB rolls back CREATE, ALTER, DROP and COMMENT ON with the transaction. */
  override get supportsTransactionalDdl(): boolean {
    return true;
  }

  /** `INSERT/UPDATE/DELETE … RETURNING` is supported. */
  override get supportsReturning(): boolean {
    return true;
  }

  /**
   * No-op: nothing else can be migrating at the same time.
   *
   * - The driver has one connection and the migrator holds it (and its
   *   transaction) from this call until {@link releaseMigrationLock}, so no other
   *   query of this Kysely instance can run in between.
   * - A DuckDB file opened read-write is locked by the operating system: a second
   *   process cannot open it for writing at all.
   * - Two Kysely instances on different connections of the same in-process
   *   `DuckDBInstance` would collide in DuckDB's optimistic concurrency control
   *   (write-write conflict on the catalog or on `kysely_migration`'s primary key):
   *   one run fails and rolls back, nothing is applied twice.
   *
   * A lock row in `kysely_migration_lock` would add nothing to that and could be
   * left stuck by a crashed process. (Kysely still creates the table and its single
   * row; they are harmless.)
   */
  async acquireMigrationLock(_db: Kysely<unknown>, _options: MigrationLockOptions): Promise<void> {}

  /** No-op; see {@link acquireMigrationLock}. */
  async releaseMigrationLock(_db: Kysely<unknown>, _options: MigrationLockOptions): Promise<void> {}
}
