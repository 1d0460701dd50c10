/** A SQL string literal: `'it''s'`. */
export function sqlText(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A comma-separated list of SQL string literals. */
export function sqlList(values: readonly string[]): string {
  return values.map(sqlText).join(', ');
}
