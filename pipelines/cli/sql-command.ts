import { realpathSync, statSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { printable } from '../../domain/printable.js';
import { formatCsv, formatTable } from './table-format.js';

/** An `--allow-files` folder that cannot be allowed (Chinese message). */
export class SandboxError extends Error {}

/**
 * What an analyst's SQL may touch besides the warehouse: nothing, unless folders are named with
 * `--allow-files` (for `read_parquet` on an export). A folder is refused when it does not exist or
 * holds the warehouse itself, so no `COPY … TO` can overwrite it. Each folder is allowed under its
 * given and its real path (DuckDB compares path prefixes).
 */
export function sqlSandbox(warehousePath: string, dirs: readonly string[]): { allowedDirectories: string[] } {
  const warehouseDir = realpathSync(dirname(resolve(warehousePath)));
  const allowed = new Set<string>();
  for (const d of dirs) {
    const abs = resolve(d);
    let real: string;
    try {
      real = realpathSync(abs);
      if (!statSync(real).isDirectory()) throw new Error('not a directory');
    } catch {
      throw new SandboxError(`--allow-files 指定的目录不存在或不是目录：${d}`);
    }
    if (warehouseDir === real || warehouseDir.startsWith(real + sep)) {
      throw new SandboxError(
        `--allow-files 不能指定数据仓库所在的目录（${d} 包含 ${warehousePath}），以免 SQL 改写数据仓库；请指定导出目录本身，如 --allow-files ${resolve(warehouseDir, 'parquet')}`,
      );
    }
    for (const p of [abs, real]) allowed.add(p.endsWith(sep) ? p : p + sep);
  }
  return { allowedDirectories: [...allowed] };
}

/** Output formats of `firestat sql`. */
export type SqlFormat = 'table' | 'csv' | 'json' | 'markdown';

/**
 * Renders rows in the chosen format, without a final line end. `csv` lines end in CRLF and text
 * that a spreadsheet would run as a formula is neutralised as in the workbooks; the byte order mark
 * goes once at the start of the output ({@link CSV_BOM}), which is the caller's. `json` is exact
 * data for programs (no BOM — RFC 8259 forbids one — and no apostrophes added); `markdown` and
 * `table` are for reading (control characters shown escaped).
 */
export function render(format: SqlFormat, columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  switch (format) {
    case 'json':
      return JSON.stringify(rows, null, 2);
    case 'csv':
      return formatCsv(columns, rows);
    case 'markdown': {
      // Text for a document or a terminal: a line break would end the table row, `|` a cell, and a
      // control character (an escape sequence in a file name) is shown escaped as in `table`.
      const esc = (v: unknown) =>
        printable((v === null || v === undefined ? '' : String(typeof v === 'object' ? JSON.stringify(v) : v)).replace(/\r?\n|\r/g, ' ')).replace(/\|/g, '\\|');
      return [
        `| ${columns.map(esc).join(' | ')} |`,
        `|${columns.map(() => ' --- ').join('|')}|`,
        ...rows.map((r) => `| ${columns.map((c) => esc(r[c])).join(' | ')} |`),
      ].join('\n');
    }
    default:
      return formatTable(columns, rows);
  }
}
