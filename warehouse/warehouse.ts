import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { Kysely, sql } from 'kysely';
import { forms } from '../domain/forms/index.js';
import type { UnitRegistry } from '../domain/units.js';
import { DuckDBDialect } from './dialect/duckdb-dialect.js';
import { migrations } from './migrations/index.js';
import { migrateToLatest } from './migrator.js';
import type { WarehouseDatabase } from './schema/database.js';
import { allViewsDdl } from './schema/all-views.js';
import { applySchemaSteps, planSchemaSteps, type AppliedSchemaStep, type SchemaPlan } from './schema/schema-steps.js';

/** How to open the warehouse. */
export interface WarehouseOptions {
  /** DuckDB file; `:memory:` for a throw-away warehouse (tests). */
  readonly path: string;
  /**
   * Open for reading only (analysts' queries): no migrations or schema steps run, the file is
   * read as it is (see {@link Warehouse.pendingSchema} for steps the forms ask for). Default false.
   */
  readonly readOnly?: boolean;
  /**
   * Analysts' sessions: no file, extension or network access beyond the warehouse itself
   * (`COPY … TO`, `read_text`, `read_csv`, `ATTACH`, `INSTALL` refused), by DuckDB's
   * `enable_external_access = false`, then `lock_configuration = true` so no statement can undo it.
   * `allowedDirectories` are readable and writable all the same (`read_parquet` on an export).
   */
  readonly sandbox?: { readonly allowedDirectories?: readonly string[] };
}

/**
 * The DuckDB warehouse: one file, one writing process. Opening it for writing brings the schema
 * to the latest migration, then to the form declarations by additive schema steps (a new form's
 * table, a new field's column: `schema/schema-steps.ts`), and (re)creates the documented views.
 * A difference no step can bridge stops the open with a `SchemaMismatchError`.
 */
export class Warehouse {
  /** The additive schema steps this open applied (empty when the warehouse followed the forms already). */
  schemaSteps: readonly AppliedSchemaStep[] = [];

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    /**
     * The raw DuckDB connection: for DuckDB's appender (fact rows), statements Kysely does not build
     * (DDL, `COPY`, `read_csv`) and `queryRows` (`query.ts`). Kysely runs over this same connection.
     */
    readonly duckdb: DuckDBConnection,
    /** The Kysely query builder over {@link duckdb}, typed by the warehouse schema: bookkeeping tables, migrations, transactions. */
    readonly kysely: Kysely<WarehouseDatabase>,
  ) {}

  /** Opens (and for writing, creates and migrates) the warehouse. */
  static async open(options: WarehouseOptions): Promise<Warehouse> {
    if (options.path !== ':memory:' && !options.readOnly) mkdirSync(dirname(options.path), { recursive: true });
    const instance = await DuckDBInstance.create(options.path, options.readOnly ? { access_mode: 'READ_ONLY' } : {});
    const connection = await instance.connect();
    if (options.sandbox) {
      const dirs = options.sandbox.allowedDirectories ?? [];
      if (dirs.length) await connection.run(`SET allowed_directories = [${dirs.map((d) => `'${d.replace(/'/g, "''")}'`).join(', ')}]`);
      await connection.run('SET enable_external_access = false');
      await connection.run('SET lock_configuration = true');
    }
    const db = new Kysely<WarehouseDatabase>({ dialect: new DuckDBDialect({ database: connection }) });
    const warehouse = new Warehouse(options.path, instance, connection, db);
    if (!options.readOnly) {
      try {
        await warehouse.migrate();
      } catch (e) {
        // A failed migration or a schema the forms cannot reach: release the file before saying so.
        await warehouse.close().catch(() => undefined);
        throw e;
      }
    }
    return warehouse;
  }

  private async migrate(): Promise<void> {
    await migrateToLatest(this.kysely, migrations);
    this.schemaSteps = await applySchemaSteps(this.kysely, forms);
    // Views last: they read the tables the steps may just have made or widened. One transaction:
    // their 300-odd statements (views and column comments) take half the time they take one by one.
    await this.duckdb.run('BEGIN TRANSACTION');
    try {
      for (const statement of allViewsDdl()) await this.duckdb.run(statement);
      await this.duckdb.run('COMMIT');
    } catch (e) {
      await this.duckdb.run('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  /**
   * The additive steps the form declarations ask for and the differences that would stop an open
   * for writing — without changing anything. A read-only open does not apply them: the file is
   * read as the last run left it, and the next `firestat run` applies them.
   */
  async pendingSchema(): Promise<SchemaPlan> {
    return planSchemaSteps(this.kysely, forms);
  }

  /**
   * Writes the unit registry and the form catalogue (with due days, after configuration) into
   * `units`, `forms` and `form_expectations`, replacing what was there.
   */
  async syncUnits(registry: UnitRegistry, dueDays: Readonly<Record<string, number>> = {}): Promise<void> {
    await this.kysely.transaction().execute(async (trx) => {
      await trx.deleteFrom('forms').execute();
      await trx.deleteFrom('form_expectations').execute();
      for (const f of forms) {
        await trx
          .insertInto('forms')
          .values({ code: f.code, name: f.name, kind: f.kind, frequency: f.frequency, due_days: dueDays[f.code] ?? f.dueDays, table_name: f.table })
          .execute();
        const expected = registry.units.filter(
          (u) =>
            f.senders.includes(u.kind) &&
            (!f.senderUnits || f.senderUnits.includes(u.name)) &&
            (u.kind !== 'bureau' || !f.expectedBureauSenders || f.expectedBureauSenders.includes(u.name)),
        );
        if (expected.length)
          await trx
            .insertInto('form_expectations')
            .values(expected.map((u) => ({ form: f.code, unit_code: u.code })))
            .execute();
      }
      await trx.deleteFrom('units').execute();
      for (const u of registry.units) {
        await trx
          .insertInto('units')
          .values({
            code: u.code,
            name: u.name,
            kind: u.kind,
            aliases: sql`${sql.val(JSON.stringify(u.aliases))}::JSON::VARCHAR[]` as unknown as string[],
            valid_from: u.validFrom,
            valid_to: u.validTo,
          })
          .execute();
      }
    });
  }

  /** Closes the connection and releases the file. */
  async close(): Promise<void> {
    await this.kysely.destroy();
    this.instance.closeSync();
  }
}
