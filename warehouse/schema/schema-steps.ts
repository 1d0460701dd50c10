import type { DuckDBConnection } from '@duckdb/node-api';
import { sql, type Kysely } from 'kysely';
import { shanghaiTimestamp } from '../../domain/clock.js';
import type { FormDefinition } from '../../domain/forms/form-definition.js';
import { addFactColumnDdl, factColumns, factTableDdl, sqlString, type FactColumn } from './fact-tables.js';

/**
 * Additive schema steps: the warehouse follows the form declarations without a hand-written
 * migration when what changed can only be *added*. Numbered migrations (`warehouse/migrations/`)
 * are frozen as the SQL they ran and never read the forms; after them, each time the warehouse is
 * opened for writing, every form's declared table and columns (`factColumns`) are compared with
 * what the file holds (`duckdb_columns()`):
 *
 * * a form whose table is missing → `CREATE TABLE` with its comments (a new form);
 * * a declared column that is missing → `ALTER TABLE … ADD COLUMN` (nullable) with its comment
 *   (a new field; rows loaded before hold NULL there);
 * * a table or column comment that differs → `COMMENT ON …` (a label changed).
 *
 * Each is one numbered step, recorded in `schema_steps` (not in `kysely_migration`: Kysely refuses
 * executed migrations it does not know). Anything else — a stored type that differs from the
 * declared one, a stored column no form declares that holds data, a new column that would have to
 * be NOT NULL — cannot be done safely by itself: opening stops with a {@link SchemaMismatchError}
 * naming the table and column, before any submission file is read. Such changes are a new
 * numbered migration.
 */

/** What a step does. */
export type SchemaStepAction = 'create_table' | 'add_column' | 'comment';

/** One additive change a form declaration asks for. */
export interface SchemaStep {
  readonly form: string;
  readonly table: string;
  /** The column added or commented; null for the whole table. */
  readonly column: string | null;
  readonly action: SchemaStepAction;
  readonly statements: readonly string[];
}

/** A difference between the declarations and the warehouse that no step can bridge safely. */
export interface SchemaMismatch {
  readonly form: string;
  readonly table: string;
  readonly column: string | null;
  /** What the warehouse holds, in words (`VARCHAR`, `VARCHAR，已有 12 个值`). */
  readonly stored: string;
  /** What the form declares, in words. */
  readonly declared: string;
  /** What to do about it (Chinese). */
  readonly remedy: string;
}

/** The steps pending for the warehouse and the differences that stop it. */
export interface SchemaPlan {
  readonly steps: readonly SchemaStep[];
  readonly mismatches: readonly SchemaMismatch[];
}

/** A step as recorded in `schema_steps`. */
export interface AppliedSchemaStep extends SchemaStep {
  readonly stepNo: number;
}

/** Opening for writing stopped: the form declarations ask for a change no additive step can make. */
export class SchemaMismatchError extends Error {
  override readonly name = 'SchemaMismatchError';

  constructor(readonly mismatches: readonly SchemaMismatch[]) {
    super(schemaMismatchMessage(mismatches));
  }
}

function mismatchLines(mismatches: readonly SchemaMismatch[]): string[] {
  return mismatches.map((m) => {
    const where = m.column === null ? `表 ${m.table}` : `表 ${m.table} 的列 ${m.column}`;
    return `  · ${where}（报表 ${m.form}）：数据仓库中为 ${m.stored}，报表定义为 ${m.declared}。${m.remedy}`;
  });
}

/** The operator's message for mismatches: one summary line, then one line per table and column. */
export function schemaMismatchMessage(mismatches: readonly SchemaMismatch[]): string {
  return [
    `数据仓库的表结构与报表定义不一致，不能自动调整（${mismatches.length} 处），已在读取任何报送文件之前停止，事实表未作改动：`,
    ...mismatchLines(mismatches),
  ].join('\n');
}

/**
 * `schema_steps`, frozen as the SQL that creates it (the same text as `coreTablesDdl('schema-steps')`,
 * which documents it). Created at the first open for writing that finds it missing.
 */
const schemaStepsDdl: readonly string[] = [
  `CREATE TABLE schema_steps (
  step_no INTEGER PRIMARY KEY,
  applied_at TIMESTAMP NOT NULL,
  form VARCHAR NOT NULL,
  table_name VARCHAR NOT NULL,
  column_name VARCHAR,
  action VARCHAR NOT NULL,
  ddl VARCHAR NOT NULL
)`,
  `COMMENT ON TABLE schema_steps IS '表结构的增补步骤：报表定义中新增的报表（新建事实表）、新增的字段（新增列）和改动的说明，在打开数据仓库时按编号自动执行，每步一行；其他结构改动由编号迁移完成（见 kysely_migration）'`,
  `COMMENT ON COLUMN schema_steps.step_no IS '步骤编号（从 1 起，只增不减）'`,
  `COMMENT ON COLUMN schema_steps.applied_at IS '执行时间（北京时间）'`,
  `COMMENT ON COLUMN schema_steps.form IS '要求这一步的报表代码'`,
  `COMMENT ON COLUMN schema_steps.table_name IS '调整的事实表'`,
  `COMMENT ON COLUMN schema_steps.column_name IS '新增或更新说明的列；为空表示整张表（新建表或更新表的说明）'`,
  `COMMENT ON COLUMN schema_steps.action IS 'create_table 新建事实表 / add_column 新增列（已有数据行在该列为空）/ comment 更新说明'`,
  `COMMENT ON COLUMN schema_steps.ddl IS '执行的 SQL 语句（多条以分号和换行分隔）'`,
];

/** The statements creating `schema_steps` (for the test that compares them with the documented spec). */
export function schemaStepsTableDdl(): readonly string[] {
  return schemaStepsDdl;
}

interface StoredColumn {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
  readonly comment: string | null;
}

interface StoredTable {
  readonly comment: string | null;
  readonly columns: readonly StoredColumn[];
}

/** Any Kysely handle on the warehouse (the database or an open transaction); only raw SQL is run. */
type Executor = Kysely<unknown>;

async function rows(db: Executor, query: string): Promise<Record<string, unknown>[]> {
  return (await sql.raw<Record<string, unknown>>(query).execute(db)).rows;
}

/** The tables (not views) of schema `main` with their comments and columns, in column order. */
async function storedTables(db: Executor): Promise<Map<string, StoredTable>> {
  const tables = await rows(
    db,
    `SELECT table_name, comment FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal AND NOT temporary`,
  );
  const columns = await rows(
    db,
    `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable, c.comment
       FROM duckdb_columns() c JOIN duckdb_tables() t
         ON t.database_name = c.database_name AND t.schema_name = c.schema_name AND t.table_name = c.table_name
      WHERE c.database_name = current_database() AND c.schema_name = 'main' AND NOT t.internal AND NOT t.temporary
      ORDER BY c.table_name, c.column_index`,
  );
  const out = new Map<string, { comment: string | null; columns: StoredColumn[] }>();
  for (const t of tables) out.set(String(t.table_name), { comment: t.comment == null ? null : String(t.comment), columns: [] });
  for (const c of columns) {
    out.get(String(c.table_name))?.columns.push({
      name: String(c.column_name),
      type: String(c.data_type),
      nullable: c.is_nullable === true,
      comment: c.comment == null ? null : String(c.comment),
    });
  }
  return out;
}

/** The views of schema `main` (a form whose table name a view has taken cannot get its table). */
async function viewNames(db: Executor): Promise<Set<string>> {
  const r = await rows(db, `SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal`);
  return new Set(r.map((v) => String(v.view_name)));
}

function declaredWords(form: FormDefinition, c: FactColumn): string {
  return `${c.type}${c.notNull ? ' NOT NULL' : ''}（${form.code} ${form.name}·${c.comment}）`;
}

/** Statements of a step, as recorded in `schema_steps.ddl`. */
function ddlText(statements: readonly string[]): string {
  return statements.join(';\n');
}

/**
 * Compares every form's declared table and columns with the warehouse: the additive steps
 * pending, and the differences that no step can bridge. Reads only; works on a read-only open.
 */
export async function planSchemaSteps<DB>(warehouseDb: Kysely<DB>, forms: readonly FormDefinition[]): Promise<SchemaPlan> {
  const db = warehouseDb as unknown as Executor;
  const stored = await storedTables(db);
  const views = await viewNames(db);
  const steps: SchemaStep[] = [];
  const mismatches: SchemaMismatch[] = [];
  for (const form of forms) {
    const table = form.table;
    const declared = factColumns(form);
    const have = stored.get(table);
    if (!have) {
      if (views.has(table)) {
        mismatches.push({
          form: form.code,
          table,
          column: null,
          stored: '一个同名的视图',
          declared: `一张事实表（${form.code} ${form.name}）`,
          remedy: '请在报表定义中为该报表另取一个表名（table），或新增一个编号迁移处理这个视图。',
        });
      } else {
        steps.push({ form: form.code, table, column: null, action: 'create_table', statements: factTableDdl(form) });
      }
      continue;
    }
    if (have.comment !== form.tableComment) {
      steps.push({ form: form.code, table, column: null, action: 'comment', statements: [`COMMENT ON TABLE ${table} IS ${sqlString(form.tableComment)}`] });
    }
    const byName = new Map(have.columns.map((c) => [c.name, c]));
    for (const c of declared) {
      const s = byName.get(c.name);
      if (!s) {
        if (c.notNull) {
          const count = await rowCount(db, table);
          mismatches.push({
            form: form.code,
            table,
            column: c.name,
            stored: '没有这一列',
            declared: declaredWords(form, c),
            remedy: `必填（NOT NULL）的新列不能自动添加：已有的 ${count} 行没有它的值。请新增一个编号迁移（warehouse/migrations/），添加该列并为已有的行填值。`,
          });
        } else {
          steps.push({ form: form.code, table, column: c.name, action: 'add_column', statements: addFactColumnDdl(table, c) });
        }
        continue;
      }
      if (s.type.toUpperCase() !== c.type.toUpperCase()) {
        mismatches.push({
          form: form.code,
          table,
          column: c.name,
          stored: s.type,
          declared: declaredWords(form, c),
          remedy: `已有的数据不能自动改变类型。请把报表定义中该字段恢复为原来的类型；若确需改变，请新增一个编号迁移（warehouse/migrations/）转换这一列（ALTER TABLE ${table} ALTER COLUMN ${c.name} TYPE ${c.type}），确认已有的数据都能转换后再运行。`,
        });
        continue;
      }
      if (!s.nullable && !c.notNull) {
        mismatches.push({
          form: form.code,
          table,
          column: c.name,
          stored: `${s.type} NOT NULL（必填）`,
          declared: declaredWords(form, c),
          remedy: `空单元格将无法写入这一列。请新增一个编号迁移去掉该列的 NOT NULL 约束（ALTER TABLE ${table} ALTER COLUMN ${c.name} DROP NOT NULL）。`,
        });
        continue;
      }
      if (s.comment !== c.comment) {
        steps.push({
          form: form.code,
          table,
          column: c.name,
          action: 'comment',
          statements: [`COMMENT ON COLUMN ${table}.${c.name} IS ${sqlString(c.comment)}`],
        });
      }
    }
    const names = new Set(declared.map((c) => c.name));
    for (const s of have.columns.filter((x) => !names.has(x.name))) {
      const values = await valueCount(db, table, s.name);
      if (values === 0 && s.nullable) continue; // An empty leftover column: new rows hold NULL there, nothing is lost.
      mismatches.push({
        form: form.code,
        table,
        column: s.name,
        stored: values > 0 ? `${s.type}，已有 ${values} 个值` : `${s.type} NOT NULL（必填）`,
        declared: '没有这个字段',
        remedy:
          values > 0
            ? `这些数据不会被自动删除。若该字段被误删，请在报表定义中恢复它；若是改名，请新增一个编号迁移把列改名（ALTER TABLE ${table} RENAME COLUMN ${s.name} TO 新名称）；若确实不再需要，请先导出这些数据，再新增一个编号迁移删除该列。`
            : `新的数据行无法写入这张表。请在报表定义中恢复该字段，或新增一个编号迁移删除该列。`,
      });
    }
  }
  return { steps, mismatches };
}

async function rowCount(db: Executor, table: string): Promise<number> {
  const r = await rows(db, `SELECT count(*) AS n FROM "${table.replace(/"/g, '""')}"`);
  return Number(r[0]?.n ?? 0);
}

async function valueCount(db: Executor, table: string, column: string): Promise<number> {
  const r = await rows(db, `SELECT count("${column.replace(/"/g, '""')}") AS n FROM "${table.replace(/"/g, '""')}"`);
  return Number(r[0]?.n ?? 0);
}

/**
 * Brings the fact tables to the form declarations by additive steps, in one transaction, and
 * records each step in `schema_steps` (created here when missing). Throws {@link SchemaMismatchError}
 * — before changing anything — when a difference cannot be added safely. Returns the steps applied
 * now (none when the warehouse already follows the forms).
 */
export async function applySchemaSteps<DB>(warehouseDb: Kysely<DB>, forms: readonly FormDefinition[], now: Date = new Date()): Promise<AppliedSchemaStep[]> {
  const db = warehouseDb as unknown as Executor;
  return db.transaction().execute(async (trx) => {
    const plan = await planSchemaSteps(trx, forms);
    if (plan.mismatches.length) throw new SchemaMismatchError(plan.mismatches);
    const exists =
      (await rows(trx, `SELECT 1 FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'schema_steps'`))
        .length > 0;
    if (!exists) for (const statement of schemaStepsDdl) await sql.raw(statement).execute(trx);
    if (plan.steps.length === 0) return [];
    let stepNo = Number((await rows(trx, `SELECT coalesce(max(step_no), 0) AS n FROM schema_steps`))[0]?.n ?? 0);
    const appliedAt = shanghaiTimestamp(now);
    const applied: AppliedSchemaStep[] = [];
    for (const step of plan.steps) {
      for (const statement of step.statements) await sql.raw(statement).execute(trx);
      stepNo++;
      await sql`INSERT INTO schema_steps (step_no, applied_at, form, table_name, column_name, action, ddl)
                VALUES (${stepNo}, CAST(${appliedAt} AS TIMESTAMP), ${step.form}, ${step.table}, ${step.column}, ${step.action}, ${ddlText(step.statements)})`.execute(
        trx,
      );
      applied.push({ ...step, stepNo });
    }
    return applied;
  });
}

/**
 * The columns of a table in stored order. A column added by a step sits at the end of its table,
 * wherever the form declares the field, so whatever writes rows by position (the appender) takes
 * the order from here.
 */
export async function storedColumnNames(connection: DuckDBConnection, table: string): Promise<string[]> {
  const reader = await connection.runAndReadAll(
    `SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main' AND table_name = $1 ORDER BY column_index`,
    [table],
  );
  return reader.getRowObjects().map((r) => String(r.column_name));
}

const actionWords: Readonly<Record<SchemaStepAction, string>> = { create_table: '新建表', add_column: '新增列', comment: '更新说明' };

/**
 * What a read-only open (`firestat check`, `build`, `sql`) says about a plan it does not apply:
 * undefined when the warehouse follows the forms; else the steps the next run makes, or the
 * mismatches that will stop it.
 */
export function pendingSchemaNotice(plan: SchemaPlan): string | undefined {
  if (plan.mismatches.length) {
    return [
      `数据仓库的表结构与报表定义不一致，不能自动调整（${plan.mismatches.length} 处），下一次运行将在读取报送文件之前停止：`,
      ...mismatchLines(plan.mismatches),
    ].join('\n');
  }
  if (plan.steps.length === 0) return undefined;
  const what = plan.steps.map((s) => `${actionWords[s.action]} ${s.column === null ? s.table : `${s.table}.${s.column}`}`).join('、');
  return `报表定义有新的报表或字段，数据仓库的表结构尚待调整（${plan.steps.length} 步：${what}），下一次 firestat run 或 ingest 时自动完成；在此之前只读访问看到的是现有的表`;
}
