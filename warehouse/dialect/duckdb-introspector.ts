import { DEFAULT_MIGRATION_LOCK_TABLE, DEFAULT_MIGRATION_TABLE, sql } from 'kysely';
import type { ColumnMetadata, DatabaseIntrospector, DatabaseMetadata, DatabaseMetadataOptions, Kysely, SchemaMetadata, TableMetadata } from 'kysely';

/** One row of `duckdb_columns()`, as selected by {@link DuckDBIntrospector.getTables}. */
interface RawColumn {
  readonly schema_name: string;
  readonly table_name: string;
  readonly column_name: string;
  readonly data_type: string;
  readonly is_nullable: boolean;
  readonly column_default: string | null;
  readonly comment: string | null;
  readonly is_view: boolean;
}

/**
 * Reads schemas, tables, views and columns of the connection's current database.
 *
 * Uses DuckDB's own catalog functions (`duckdb_columns()`, `duckdb_views()`),
 * because DuckDB's `pg_catalog` emulation lacks what Kysely's Postgres introspector
 * queries (`col_description`, `pg_get_serial_sequence`, …). Only the current
 * database (`current_database()`) is listed; attached databases, `temp` and DuckDB's
 * internal `system` catalog are left out. Kysely's migrator relies on this to find
 * its `kysely_migration` tables.
 */
export class DuckDBIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<unknown>;

  /** @param db - the Kysely instance to query the catalog through. */
  constructor(db: Kysely<unknown>) {
    this.#db = db;
  }

  /** Schemas of the current database (`main` plus any created ones). */
  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ schema_name: string }>`
      select schema_name
      from information_schema.schemata
      where catalog_name = current_database()
      order by schema_name
    `.execute(this.#db);

    return rows.map((row) => ({ name: row.schema_name }));
  }

  /**
   * Tables and views with their columns, in column order. Column comments (from
   * `COMMENT ON COLUMN`) are included; `isAutoIncrementing` means "defaults to
   * `nextval(…)`", DuckDB's only way to generate keys.
   */
  async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    const { rows } = await sql<RawColumn>`
      select
        c.schema_name,
        c.table_name,
        c.column_name,
        c.data_type,
        c.is_nullable,
        c.column_default,
        c.comment,
        exists (
          select 1 from duckdb_views() v
          where v.database_name = c.database_name
            and v.schema_name = c.schema_name
            and v.view_name = c.table_name
        ) as is_view
      from duckdb_columns() c
      where c.database_name = current_database()
        and not c.internal
      order by c.schema_name, c.table_name, c.column_index
    `.execute(this.#db);

    const internalTables = new Set([DEFAULT_MIGRATION_TABLE, DEFAULT_MIGRATION_LOCK_TABLE]);
    const tables = new Map<string, { table: TableMetadata; columns: ColumnMetadata[] }>();

    for (const row of rows) {
      if (!options.withInternalKyselyTables && internalTables.has(row.table_name)) {
        continue;
      }

      const key = `${row.schema_name}.${row.table_name}`;
      let entry = tables.get(key);

      if (entry === undefined) {
        const columns: ColumnMetadata[] = [];
        entry = {
          table: { name: row.table_name, schema: row.schema_name, isView: row.is_view, columns },
          columns,
        };
        tables.set(key, entry);
      }

      entry.columns.push({
        name: row.column_name,
        dataType: row.data_type,
        isNullable: row.is_nullable,
        hasDefaultValue: row.column_default !== null,
        isAutoIncrementing: row.column_default?.startsWith('nextval(') ?? false,
        comment: row.comment ?? undefined,
      });
    }

    return [...tables.values()].map((entry) => entry.table);
  }

  /** `{ tables: await getTables(options) }`. */
  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) };
  }
}
