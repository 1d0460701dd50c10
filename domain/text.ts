/**
 * Text normalization shared by header matching, unit and period recognition.
 * NFKC folds full-width digits, letters and brackets to their half-width forms.
 */

const whitespace = /[\s\u3000\u00a0\u200b\ufeff]+/g;

/**
 * Text NFKC leaves as it is and that has no whitespace to fold: printable ASCII and the common
 * CJK ideographs. Most cells are like this, and skipping the normalizer for them is a large part
 * of a big file's cost.
 */
const alreadyPlain = /^[\x21-\x7e\u4e00-\u9fff]*$/;

/** NFKC, without any whitespace or line breaks. `'发现火灾\n隐患（处）'` → `'发现火灾隐患(处)'`. */
export function squeeze(text: string): string {
  if (alreadyPlain.test(text)) return text;
  return text.normalize('NFKC').replace(whitespace, '');
}

/** NFKC with runs of whitespace collapsed to one space and trimmed; for values shown back to people. */
export function tidy(text: string): string {
  if (alreadyPlain.test(text)) return text;
  return text.normalize('NFKC').replace(whitespace, ' ').trim();
}

/** Chinese numerals used in quarters and months: 一 … 十二. */
const chineseDigits: Record<string, number> = {
  一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10, 十一: 11, 十二: 12,
};

/** Parses `3`, `03`, `三`, `十二` to a number, or undefined. */
export function smallNumber(text: string): number | undefined {
  if (/^\d{1,2}$/.test(text)) return Number(text);
  return chineseDigits[text];
}

/** Shortens a value for quoting in a message. */
export function quote(value: unknown, max = 40): string {
  let text: string;
  if (value instanceof Date) text = value.toISOString().slice(0, 10);
  else text = String(value);
  text = text.replace(/\s+/g, ' ');
  return `“${text.length > max ? `${text.slice(0, max)}…` : text}”`;
}
