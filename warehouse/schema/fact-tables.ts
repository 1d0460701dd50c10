import type { FieldDefinition, FormDefinition } from '../../domain/forms/form-definition.js';
import { canonicalHeader } from '../../domain/forms/form-definition.js';

/** SQL type of a field's warehouse column. */
function columnType(field: FieldDefinition): string {
  switch (field.type) {
    case 'count':
      return 'INTEGER';
    case 'amount':
      return 'DECIMAL(14,2)';
    case 'date':
      return 'DATE';
    case 'choices':
      return 'VARCHAR[]';
    case 'yesno':
      return 'BOOLEAN';
    case 'period':
      return 'VARCHAR';
    default:
      return 'VARCHAR';
  }
}

/** Single-quoted SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A column of a fact table: lineage and period first, then the form's fields. */
export interface FactColumn {
  readonly name: string;
  readonly type: string;
  readonly comment: string;
  /** The field it stores, for field columns. */
  readonly field?: FieldDefinition;
  /** Lineage and period columns every row has (`NOT NULL`); field columns are always nullable. */
  readonly notNull?: boolean;
}

/** Columns every fact table starts with. */
const lineageColumns: readonly FactColumn[] = [
  { name: 'submission_id', type: 'BIGINT', comment: '来源报送文件编号（submissions.submission_id）', notNull: true },
  { name: 'sheet', type: 'VARCHAR', comment: '来源工作表名', notNull: true },
  { name: 'source_row', type: 'INTEGER', comment: '来源工作表中的行号（从 1 起）', notNull: true },
  { name: 'unit', type: 'VARCHAR', comment: '报送单位正式名称', notNull: true },
  { name: 'year', type: 'INTEGER', comment: '该行所属年度', notNull: true },
  { name: 'quarter', type: 'INTEGER', comment: '该行所属季度（1-4）', notNull: true },
  { name: 'month', type: 'INTEGER', comment: '该行所属月份（1-12）；按季度填报的行为空' },
];

/** The columns of a form's fact table. Period fields live in year/quarter/month. */
export function factColumns(form: FormDefinition): FactColumn[] {
  const fields = form.fields
    .filter((f) => f.type !== 'period' && f.id !== form.unitField)
    .map((f) => ({
      name: f.id,
      type: columnType(f),
      comment: (f.comment ?? canonicalHeader(f)) + (f.personal ? '（个人信息，不得对外发布）' : ''),
      field: f,
    }));
  return [...lineageColumns, ...fields];
}

/**
 * DDL creating a form's fact table as today's form declares it, with Chinese comments. Used by the
 * additive schema step (`schema-steps.ts`) for a form the warehouse does not have yet, never by a
 * migration: migrations are frozen as the SQL they ran.
 */
export function factTableDdl(form: FormDefinition): string[] {
  const cols = factColumns(form);
  const statements = [
    `CREATE TABLE ${form.table} (\n  ${cols.map((c) => `${c.name} ${c.type}${c.notNull ? ' NOT NULL' : ''}`).join(',\n  ')}\n)`,
    `COMMENT ON TABLE ${form.table} IS ${sqlString(form.tableComment)}`,
  ];
  for (const c of cols) statements.push(`COMMENT ON COLUMN ${form.table}.${c.name} IS ${sqlString(c.comment)}`);
  return statements;
}

/** DDL adding one (nullable) column to an existing fact table, with its comment. */
export function addFactColumnDdl(table: string, column: FactColumn): string[] {
  return [`ALTER TABLE ${table} ADD COLUMN ${column.name} ${column.type}`, `COMMENT ON COLUMN ${table}.${column.name} IS ${sqlString(column.comment)}`];
}
