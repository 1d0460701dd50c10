import { PostgresQueryCompiler } from 'kysely'

/**
 * SQL compiler for DuckDB.
 *
 * DuckDB's SQL is PostgreSQL-flavoured where Kysely cares: `$1` placeholders,
 * `"double"` identifier quoting, `RETURNING`, `ON CONFLICT … DO NOTHING / DO UPDATE
 * SET x = excluded.x`, `DEFAULT` inside multi-row `VALUES`, `DISTINCT ON`, `ILIKE`
 * and parameterized `LIMIT`/`OFFSET`. DuckDB additionally understands SQLite's
 * `INSERT OR IGNORE` / `INSERT OR REPLACE`, so Kysely's `orIgnore()` and
 * `orReplace()` work too. The Postgres compiler is therefore reused unchanged,
 * except for auto-increment columns, which DuckDB does not have.
 */
export class DuckDBQueryCompiler extends PostgresQueryCompiler {
  /**
   * DuckDB has neither `serial` nor `AUTO_INCREMENT`. Fail at compile time with the
   * recipe instead of sending SQL DuckDB will reject with a parser error.
   */
  protected override getAutoIncrement(): string {
    throw new Error(
      "DuckDB has no auto-increment columns: create a sequence and use .defaultTo(sql`nextval('my_seq')`)",
    )
  }
}
