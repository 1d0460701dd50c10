import { forms } from '../../domain/forms/index.js';
import { queryRows } from '../query.js';
import { allViews } from '../schema/all-views.js';
import { coreTables } from '../schema/core-tables.js';
import type { Warehouse } from '../warehouse.js';

/**
 * The marker the schema puts into the comment of every column holding personal data
 * (`factColumns` appends `（个人信息，不得对外发布）` to fields declared `personal`). It is the one
 * rule the data dictionary, the Parquet export and anything else outside the warehouse use.
 */
const PERSONAL_DATA_MARK = '个人信息';

/** Whether a column's comment marks it as personal data. */
function isPersonalComment(comment: string | null | undefined): boolean {
  return comment?.includes(PERSONAL_DATA_MARK) ?? false;
}

/** Where a relation belongs in the documentation: bookkeeping, one per form, derived, or unknown. */
export type RelationGroup = 'core' | 'fact' | 'view' | 'other';

/** Chinese names of the groups, in the order they are listed. */
export const groupTitles: Readonly<Record<RelationGroup, string>> = {
  core: '核心表',
  fact: '事实表',
  view: '视图',
  other: '其他表',
};

/** A column as the warehouse describes it. */
export interface CatalogColumn {
  readonly name: string;
  readonly type: string;
  readonly comment: string | null;
  /** The comment marks it as personal data. */
  readonly personal: boolean;
}

/** A table or view of the SQL surface with its comment and columns. */
export interface CatalogRelation {
  readonly name: string;
  readonly kind: 'table' | 'view';
  readonly group: RelationGroup;
  readonly comment: string | null;
  readonly columns: readonly CatalogColumn[];
}

/** Kysely's migration bookkeeping: not part of the SQL surface. */
const internalTable = (name: string) => name.startsWith('kysely_');

/** Double-quoted SQL identifier. */
export function sqlIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Every table and view of the warehouse (schema `main`, Kysely's bookkeeping left out) with its
 * Chinese comment and columns, as the warehouse itself reports them (`duckdb_tables()`,
 * `duckdb_views()`, `duckdb_columns()`). Ordered: core tables in schema order, fact tables in form
 * order, views in definition order, then anything else by name.
 */
export async function readCatalog(warehouse: Warehouse): Promise<CatalogRelation[]> {
  const relations = (
    await queryRows(
      warehouse,
      `SELECT table_name AS name, 'table' AS kind, comment FROM duckdb_tables()
         WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal AND NOT temporary
       UNION ALL
       SELECT view_name, 'view', comment FROM duckdb_views()
         WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal AND NOT temporary`,
    )
  ).rows;
  const columns = (
    await queryRows(
      warehouse,
      `SELECT table_name, column_name, data_type, comment FROM duckdb_columns()
         WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
         ORDER BY table_name, column_index`,
    )
  ).rows;
  const byTable = new Map<string, CatalogColumn[]>();
  for (const c of columns) {
    const list = byTable.get(String(c.table_name)) ?? [];
    const comment = c.comment == null ? null : String(c.comment);
    list.push({ name: String(c.column_name), type: String(c.data_type), comment, personal: isPersonalComment(comment) });
    byTable.set(String(c.table_name), list);
  }
  const order = new Map<string, [RelationGroup, number]>();
  coreTables.forEach((t, i) => {
    order.set(t.name, ['core', i]);
  });
  // The analyst's decisions (migration 0004, `firestat review`) are bookkeeping too.
  order.set('review_actions', ['core', coreTables.length]);
  forms.forEach((f, i) => {
    order.set(f.table, ['fact', i]);
  });
  allViews().forEach((v, i) => {
    order.set(v.name, ['view', i]);
  });
  const groupRank: Record<RelationGroup, number> = { core: 0, fact: 1, view: 2, other: 3 };
  return relations
    .filter((r) => !internalTable(String(r.name)))
    .map((r): CatalogRelation => {
      const name = String(r.name);
      const kind = r.kind === 'view' ? 'view' : 'table';
      const known = order.get(name);
      const group: RelationGroup = known ? known[0] : kind === 'view' ? 'view' : 'other';
      return { name, kind, group, comment: r.comment == null ? null : String(r.comment), columns: byTable.get(name) ?? [] };
    })
    .sort((a, b) => {
      const ga = groupRank[a.group] - groupRank[b.group];
      if (ga !== 0) return ga;
      const ia = order.get(a.name)?.[1] ?? Number.MAX_SAFE_INTEGER;
      const ib = order.get(b.name)?.[1] ?? Number.MAX_SAFE_INTEGER;
      return ia !== ib ? ia - ib : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    });
}

/** The latest applied schema migration (`kysely_migration`), or null when there is none. */
export async function schemaVersion(warehouse: Warehouse): Promise<string | null> {
  try {
    const { rows } = await queryRows(warehouse, `SELECT max(name) AS v FROM kysely_migration`);
    return rows[0]?.v == null ? null : String(rows[0].v);
  } catch {
    return null;
  }
}
