/**
 * Text for a workbook cell, neutralised against formula (CSV) injection.
 *
 * exceljs writes a JavaScript string as a string cell (`t="s"`), never as a formula — a formula
 * needs an explicit `{ formula }` object, which this package never builds from document data. That
 * alone keeps the .xlsx itself safe, but a string cell reading `=HYPERLINK("http://…","点击")` still
 * becomes a live formula the moment someone edits the cell and presses Enter, or saves the sheet as
 * CSV and opens the CSV (WPS and Excel both evaluate it then). So, as OWASP recommends, a text that
 * starts with `=`, `+`, `-`, `@`, a tab, CR or LF — or their full-width forms `＝＋－＠`, which
 * Chinese input methods produce and WPS accepts as a formula start — after any leading blanks, is
 * written with a literal leading apostrophe `'`. The apostrophe is part of the stored text (it shows
 * in the cell, and survives a CSV export); we do not use Excel's hidden `quotePrefix` style because
 * exceljs cannot write it and a CSV export would drop it.
 *
 * Also: control characters that XML 1.0 cannot carry are removed (exceljs would drop them silently
 * anyway), CR and CRLF become LF (an XML reader would turn them into LF), so that what we write is
 * what a reader reads back; and the text is cut to Excel's limit of 32,767 characters per cell.
 */
export function safeText(s: string): string {
  // eslint-disable-next-line no-control-regex
  let text = s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]/g, '').replace(/\r\n?/g, '\n');
  text = neutraliseFormula(text);
  return text.length > maxCellText ? `${text.slice(0, maxCellText - 1)}…` : text;
}

/**
 * The formula-neutralising rule on its own, shared by the workbooks ({@link safeText}) and
 * `firestat sql --format csv`: a text that starts with `=`, `+`, `-`, `@`, a tab, CR or LF, or
 * with `＝＋－＠`, after any leading blanks (spaces, ideographic spaces), gets a leading `'`.
 */
export function neutraliseFormula(text: string): string {
  return formulaStart.test(text) ? `'${text}` : text;
}

/** Characters a spreadsheet may read as the start of a formula (after blanks). */
const formulaStart = /^[ \u3000]*[=+\-@\t\r\n＝＋－＠]/;

/** Excel's maximum number of characters in one cell. */
const maxCellText = 32767;
