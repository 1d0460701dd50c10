import stringWidth from 'string-width';

/**
 * Text as it goes into a spreadsheet cell or a terminal column: how wide it shows, what a
 * spreadsheet would take for a formula, which characters cannot be carried. One set of rules for
 * the published workbooks, the marked-up copy of a refused file, the templates and `firestat sql`.
 */

/** Ambiguous-width characters (`“”—…·`) count two: Chinese fonts draw them full width. */
const wide = { ambiguousIsNarrow: false } as const;

/**
 * Width of a text in Excel character units or terminal columns: East Asian wide, full-width and
 * ambiguous characters count two, control characters and combining marks nothing (Unicode's East
 * Asian Width, by `string-width`). A text of several lines is as wide as its widest.
 */
export function displayWidth(text: string): number {
  if (!text.includes('\n')) return stringWidth(text, wide);
  return Math.max(...text.split('\n').map((line) => stringWidth(line, wide)));
}

/** Characters a spreadsheet may read as the start of a formula (after blanks), full-width forms included. */
const formulaStart = /^[ \u3000]*[=+\-@\t\r\n＝＋－＠]/;

/**
 * Whether a spreadsheet would read this text as a formula: it starts with `=`, `+`, `-`, `@`, a
 * tab, CR or LF, or with `＝＋－＠` (which Chinese input methods produce and WPS accepts as a
 * formula start), after any leading blanks (spaces, ideographic spaces).
 */
export function startsLikeFormula(text: string): boolean {
  return formulaStart.test(text);
}

/**
 * The formula-neutralising rule, shared by the workbooks ({@link safeText}) and
 * `firestat sql --format csv`: a text that {@link startsLikeFormula} gets a leading `'`.
 */
export function neutraliseFormula(text: string): string {
  return startsLikeFormula(text) ? `'${text}` : text;
}

/**
 * Without the control characters XML 1.0 cannot carry (exceljs would drop them silently anyway),
 * and with CR and CRLF as LF (an XML reader would turn them into LF): what is written is what a
 * reader reads back.
 */
export function withoutControlCharacters(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]/g, '').replace(/\r\n?/g, '\n');
}

/**
 * Text for a workbook cell, neutralised against formula (CSV) injection.
 *
 * exceljs writes a JavaScript string as a string cell (`t="s"`), never as a formula — a formula
 * needs an explicit `{ formula }` object, which this package never builds from document data. That
 * alone keeps the .xlsx itself safe, but a string cell reading `=HYPERLINK("http://…","点击")` still
 * becomes a live formula the moment someone edits the cell and presses Enter, or saves the sheet as
 * CSV and opens the CSV (WPS and Excel both evaluate it then). So, as OWASP recommends, a text that
 * {@link startsLikeFormula} is written with a literal leading apostrophe `'`. The apostrophe is part
 * of the stored text (it shows in the cell, and survives a CSV export); we do not use Excel's hidden
 * `quotePrefix` style because exceljs cannot write it and a CSV export would drop it.
 *
 * Also: {@link withoutControlCharacters}, and the text is cut to Excel's limit of 32,767
 * characters per cell.
 */
export function safeText(s: string): string {
  const text = neutraliseFormula(withoutControlCharacters(s));
  return text.length > maxCellText ? `${text.slice(0, maxCellText - 1)}…` : text;
}

/** Excel's maximum number of characters in one cell. */
const maxCellText = 32767;
