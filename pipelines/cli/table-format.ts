import { displayWidth, neutraliseFormula as neutraliseText } from '../../domain/cell-text.js';
import { printable } from '../../domain/printable.js';

function pad(text: string, width: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return right ? fill + text : text + fill;
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v) || typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Rows as an aligned text table (Chinese aligned by display width; numbers right-aligned). */
export function formatTable(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  // Control characters in cells (a file name with a newline or an escape sequence) are shown escaped.
  const cells = rows.map((r) => columns.map((c) => printable(show(r[c])).replace(/\s+/g, ' ')));
  const numeric = columns.map((c) => rows.length > 0 && rows.every((r) => r[c] === null || typeof r[c] === 'number'));
  const heads = columns.map((c) => printable(c));
  const widths = heads.map((c, i) => Math.max(displayWidth(c), ...cells.map((row) => displayWidth(row[i]!))));
  const line = (vals: readonly string[], header: boolean) =>
    vals
      .map((v, i) => pad(v, widths[i]!, !header && numeric[i]!))
      .join('  ')
      .trimEnd();
  const out = [line(heads, true), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const row of cells) out.push(line(row, false));
  out.push(`(${rows.length} 行)`);
  return out.join('\n');
}

/**
 * A cell for a CSV a spreadsheet will open: text goes through the workbooks' own
 * formula-neutralising rule ({@link neutraliseText} in `domain/cell-text.ts`: `=`, `+`,
 * `-`, `@`, tab, CR, LF or full-width `＝＋－＠` at the start, after any blanks, gets a leading
 * apostrophe), so a value reads the same in the CSV as in the published .xlsx. Numbers are numbers
 * and stay as they are (a negative number is not a formula).
 */
function neutraliseFormula(value: unknown): string {
  const text = show(value);
  return typeof value === 'string' ? neutraliseText(text) : text;
}

/** The UTF-8 byte order mark: without it Excel on Chinese Windows reads a CSV as GBK and garbles it. */
export const CSV_BOM = '\uFEFF';

/** The line end of a CSV (RFC 4180; what Excel writes and expects). */
export const CSV_EOL = '\r\n';

/**
 * Rows as CSV (RFC 4180): a header line, lines ending in CRLF (none after the last; the caller ends
 * it), fields quoted where needed; text that looks like a formula is neutralised (header included).
 * The byte order mark is the caller's to write, once, at the start of the file ({@link CSV_BOM}).
 */
export function formatCsv(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  const esc = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [columns.map((c) => esc(neutraliseFormula(c))).join(','), ...rows.map((r) => columns.map((c) => esc(neutraliseFormula(r[c]))).join(','))].join(
    CSV_EOL,
  );
}
