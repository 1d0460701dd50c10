/**
 * Text from outside (file names, cells, server names) shown on a terminal or written to a log:
 * control characters are escaped so that a name cannot start a new log line, move the cursor or
 * recolour the screen (`a\nb` → `a\nb` as two visible characters, ESC → `\x1b`). Used by the run
 * log, the run summary and `firestat sql` table output.
 */

/**
 * C0 and C1 controls, DEL, the Unicode line and paragraph separators, and the bidirectional
 * overrides and isolates that reorder what a terminal shows (`evil\u202excsl.exe`).
 */
const unprintable = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const anyUnprintable = new RegExp(unprintable.source);

const named: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(c: string): string {
  const known = named[c];
  if (known) return known;
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Does the text hold anything {@link printable} would escape? */
export function hasUnprintable(text: string): boolean {
  return anyUnprintable.test(text);
}

/**
 * The text with every control character escaped (`\n`, `\r`, `\t`, `\x1b`, `\u202e`); other text,
 * Chinese included, as it is. With `max`, cut to that many characters and marked with `…`.
 */
export function printable(text: string, max?: number): string {
  const shown = text.replace(unprintable, escapeOne);
  return max !== undefined && shown.length > max ? `${shown.slice(0, max)}…` : shown;
}
