import { formatCsv, formatTable } from './table-format.js';

/** Output formats of `firestat sql`. */
export type SqlFormat = 'table' | 'csv' | 'json' | 'markdown';

/** Renders rows in the chosen format. */
export function render(format: SqlFormat, columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  switch (format) {
    case 'json':
      return JSON.stringify(rows, null, 2);
    case 'csv':
      return formatCsv(columns, rows);
    case 'markdown': {
      const esc = (v: unknown) => (v === null || v === undefined ? '' : String(typeof v === 'object' ? JSON.stringify(v) : v)).replace(/\|/g, '\\|').replace(/\n/g, ' ');
      return [`| ${columns.join(' | ')} |`, `|${columns.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${columns.map((c) => esc(r[c])).join(' | ')} |`)].join('\n');
    }
    default:
      return formatTable(columns, rows);
  }
}
