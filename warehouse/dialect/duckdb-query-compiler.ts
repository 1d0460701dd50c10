import { PostgresQueryCompiler } from 'kysely';

/**
 * SQL compiler for DuckDB.
 *
 * DuckDB's SQL is PostgreSQL-flavoured where Kysely cares: `$1` placeholders,
 * `"double"` identifier quoting, `RETURNING`, `ON CONFLICT … DO NOTHING / DO UPDATE
 * SET x = excluded.x`, `DEFAULT` inside multi-row `VALUES`, `DISTINCT ON`, `ILIKE`
 * and parameterized `LIMIT`/`OFFSET`. DuckDB additionally understands SQLite's
 * `INSERT OR IGNORE` / `INSERT OR REPLACE`. The Postgres compiler is therefore
 * reused, with two DuckDB-specific overrides below.
 */
export class DuckDBQueryCompiler extends PostgresQueryCompiler {
  /**
   * Kysely's `orIgnore()` / `orReplace()` compile to MySQL's `insert ignore` by
   * default; DuckDB speaks SQLite's `insert or ignore` / `insert or replace`. Its
   * other SQLite actions (`or abort`, `or fail`, `or rollback`) do not exist.
   */
  protected override visitOrAction(node: { readonly action: string }): void {
    if (node.action !== 'ignore' && node.action !== 'replace') {
      throw new Error(`DuckDB does not support INSERT OR ${node.action.toUpperCase()}; only OR IGNORE and OR REPLACE`);
    }

    this.append(`or ${node.action}`);
  }

  /**
   * DuckDB has neither `serial` nor `AUTO_INCREMENT`. Fail at compile time with the
   * recipe instead of sending SQL DuckDB will reject with a parser error.
   */
  protected override getAutoIncrement(): string {
    throw new Error("DuckDB has no auto-increment columns: create a sequence and use .defaultTo(sql`nextval('my_seq')`)");
  }
}
