import { DuckDBScalarFunction, VARCHAR } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { findPersonNames, namesInFileName, Redactor } from '../domain/redact.js';
import { readCatalog, sqlIdent, type CatalogRelation } from './docs/catalog.js';
import { queryRows } from './query.js';
import type { Warehouse } from './warehouse.js';

/**
 * The personal strings a warehouse holds, for the {@link Redactor} every published text passes
 * through. Loaded once per build (or export):
 *
 * - every value of a fact-table column whose comment marks personal data (`l1_cases.party`), except
 *   where the row's `<column>_type` says `单位` — companies are not personal data, people are (a
 *   个体工商户 is recorded as 个人 and so is masked);
 * - every name the warehouse's own free text states as a person's (after `填表人：`, `房东`, …, or
 *   right before a phone or ID number), in any text column of the fact tables, `submissions`
 *   (path, reason, sheets) and `submission_problems` (found, message) — so a clerk named in a
 *   refused fill-in row is masked in her file name too, and a 法定代表人 named inside a company's
 *   name is masked;
 * - a name signed into a file's name (`统计表（李明）.xlsx`, see `namesInFileName`), which the
 *   dispatch page and the 通报's sources show;
 *
 * and the unit names and aliases, which are never masked (a two-character name must not eat into
 * `王家街道`).
 */
export interface PersonalStrings {
  readonly personal: readonly string[];
  readonly protect: readonly string[];
}

/** Bookkeeping tables whose text quotes what people wrote (file names, refused cells). */
const bookkeeping = new Set(['submissions', 'submission_problems']);

const isText = (type: string) => type === 'VARCHAR' || type === 'VARCHAR[]';

/** Distinct non-empty values of some text columns of one relation. */
async function distinctText(warehouse: Warehouse, relation: string, columns: readonly { name: string; type: string }[], where = 'true'): Promise<string[]> {
  if (columns.length === 0) return [];
  const parts = columns.map((c) =>
    c.type === 'VARCHAR[]'
      ? `SELECT unnest(${sqlIdent(c.name)}) AS v FROM ${sqlIdent(relation)} WHERE ${where}`
      : `SELECT ${sqlIdent(c.name)} AS v FROM ${sqlIdent(relation)} WHERE ${where}`,
  );
  const { rows } = await queryRows(warehouse, `SELECT DISTINCT v FROM (${parts.join(' UNION ALL ')}) WHERE v IS NOT NULL AND v <> ''`);
  return rows.map((r) => String(r.v));
}

/** Reads the personal strings and the protected unit names from the warehouse. */
export async function loadPersonalStrings(warehouse: Warehouse): Promise<PersonalStrings> {
  const catalog: CatalogRelation[] = await readCatalog(warehouse);
  const personal = new Set<string>();
  const freeText = new Set<string>();
  for (const r of catalog) {
    if (r.kind !== 'table' || !(r.group === 'fact' || bookkeeping.has(r.name))) continue;
    const names = new Set(r.columns.map((c) => c.name));
    for (const c of r.columns.filter((x) => x.personal && isText(x.type))) {
      const typeColumn = `${c.name}_type`;
      if (names.has(typeColumn)) {
        for (const v of await distinctText(warehouse, r.name, [c], `coalesce(${sqlIdent(typeColumn)}, '') <> '单位'`)) personal.add(v);
        for (const v of await distinctText(warehouse, r.name, [c], `${sqlIdent(typeColumn)} = '单位'`)) freeText.add(v);
      } else {
        for (const v of await distinctText(warehouse, r.name, [c])) personal.add(v);
      }
    }
    for (const v of await distinctText(
      warehouse,
      r.name,
      r.columns.filter((x) => !x.personal && isText(x.type)),
    ))
      freeText.add(v);
  }
  for (const text of freeText) for (const name of findPersonNames(text)) personal.add(name);
  for (const text of personal) for (const name of findPersonNames(text)) personal.add(name);
  for (const path of await distinctText(warehouse, 'submissions', [{ name: 'path', type: 'VARCHAR' }]))
    for (const name of namesInFileName(path)) personal.add(name);
  const { rows } = await queryRows(warehouse, `SELECT name AS v FROM units UNION SELECT unnest(aliases) FROM units`);
  const protect = rows.map((x) => x.v).filter((v): v is string => typeof v === 'string' && v.length > 0);
  return { personal: [...personal].sort(), protect: [...new Set(protect)].sort() };
}

/** The redactor for everything published from this warehouse. */
export async function loadRedactor(warehouse: Warehouse): Promise<Redactor> {
  return new Redactor(await loadPersonalStrings(warehouse));
}

/** The SQL function that redacts a text with the redactor last handed to {@link useSqlRedactor}. */
export const SQL_REDACT_FUNCTION = 'firestat_redact';

const sqlRedactors = new WeakMap<DuckDBConnection, { current: Redactor }>();

/**
 * Makes `firestat_redact(text)` available on the warehouse's connection, redacting with
 * `redactor` (registered once per connection; a later call swaps the redactor it uses).
 */
export function useSqlRedactor(warehouse: Warehouse, redactor: Redactor): void {
  const existing = sqlRedactors.get(warehouse.duckdb);
  if (existing) {
    existing.current = redactor;
    return;
  }
  const holder = { current: redactor };
  sqlRedactors.set(warehouse.duckdb, holder);
  warehouse.duckdb.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: SQL_REDACT_FUNCTION,
      returnType: VARCHAR,
      parameterTypes: [VARCHAR],
      mainFunction: (_info, input, output) => {
        const values = input.getColumnValues(0);
        for (let i = 0; i < values.length; i++) {
          const v = values[i];
          output.setItem(i, v === null || v === undefined ? null : holder.current.text(String(v)));
        }
        output.flush();
      },
    }),
  );
}
