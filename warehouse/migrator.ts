import { Migrator } from 'kysely';
import type { Kysely, Migration, MigrationProvider, MigrationResult, MigrationResultSet } from 'kysely';

/**
 * Migrations keyed by name. Kysely runs them in the *alphabetical* order of the
 * names, so prefix them sortably: `'0001_core_tables'`, `'0002_fact_tables'`, …
 */
export type MigrationRecord = Readonly<Record<string, Migration>>;

/**
 * A {@link MigrationProvider} over migrations defined in code.
 *
 * Kysely's `FileMigrationProvider` imports files from a folder at run time, which
 * breaks once the code is compiled to `dist/` (the `.ts` files are not there) or
 * bundled, and makes vitest depend on the working directory. Importing migration
 * modules statically and listing them in a record works everywhere.
 */
class InCodeMigrationProvider implements MigrationProvider {
  readonly #migrations: MigrationRecord;

  /** @param migrations - every migration there is, keyed by name. */
  constructor(migrations: MigrationRecord) {
    this.#migrations = Object.freeze({ ...migrations });
  }

  /** The migrations given to the constructor. */
  async getMigrations(): Promise<Record<string, Migration>> {
    return { ...this.#migrations };
  }
}

/** Options of {@link createMigrator} and {@link migrateToLatest}. */
export interface WarehouseMigratorOptions {
  /** Bookkeeping table of applied migrations. Defaults to `kysely_migration`. */
  readonly migrationTableName?: string;
  /** Kysely's lock table (created but not used on DuckDB). Defaults to `kysely_migration_lock`. */
  readonly migrationLockTableName?: string;
  /** Schema for both bookkeeping tables. Defaults to DuckDB's current schema (`main`). */
  readonly migrationTableSchema?: string;
}

/**
 * Thrown by {@link migrateToLatest} when a migration (or Kysely's bookkeeping)
 * failed. Nothing of the failed run is kept: with the DuckDB dialect all pending
 * migrations and their bookkeeping rows run in one transaction.
 */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';

  /** Per-migration outcome as reported by Kysely (may be empty if bookkeeping failed). */
  readonly results: readonly MigrationResult[];

  /**
   * @param message - human-readable summary.
   * @param results - Kysely's per-migration results.
   * @param cause - the underlying error.
   */
  constructor(message: string, results: readonly MigrationResult[], cause: unknown) {
    super(message, { cause });
    this.results = results;
  }
}

/**
 * A Kysely {@link Migrator} over in-code migrations, for callers who need more than
 * {@link migrateToLatest} (listing, `migrateDown`, `migrateTo`).
 */
export function createMigrator<DB>(db: Kysely<DB>, migrations: MigrationRecord, options: WarehouseMigratorOptions = {}): Migrator {
  return new Migrator({
    db,
    provider: new InCodeMigrationProvider(migrations),
    ...options,
  });
}

/**
 * Applies every pending migration, in name order, in a single transaction.
 *
 * Running it again is a no-op (`results` is empty). Unlike Kysely's
 * `Migrator.migrateToLatest`, which reports failure only through `error` in the
 * returned set, this throws a {@link MigrationError} naming the failed migration,
 * so a forgotten check cannot let the pipeline load data into a half-built schema.
 *
 * @returns Kysely's result set: one `Success` entry per migration applied now.
 */
export async function migrateToLatest<DB>(db: Kysely<DB>, migrations: MigrationRecord, options: WarehouseMigratorOptions = {}): Promise<MigrationResultSet> {
  const resultSet = await createMigrator(db, migrations, options).migrateToLatest();
  const results = resultSet.results ?? [];

  if (resultSet.error !== undefined) {
    const failed = results.find((result) => result.status === 'Error');
    const cause = resultSet.error;
    const reason = cause instanceof Error ? cause.message : String(cause);
    const what = failed ? `migration "${failed.migrationName}" failed` : 'migrating failed';

    throw new MigrationError(`${what}: ${reason}`, results, cause);
  }

  return resultSet;
}
