/**
 * Text normalization shared by header matching, unit and period recognition.
 * NFKC folds full-width digits, letters and brackets to their half-width forms.
 */

const whitespace = /[\s\u3000\u00a0\u200b\ufeff]+/g;

/**
 * Text NFKC leaves as it is and that has no whitespace to fold: printable ASCII, the common CJK
 * ideographs and the CJK punctuation NFKC keeps (、。《》〈〉「」『』【】〔〕“”‘’—·; not the
 * full-width forms such as （）：， which it folds). None of them composes with another, so a
 * string of them is as NFKC leaves it. Most cells are like this, and skipping the normalizer for
 * them is a large part of a big file's cost.
 */
export const alreadyPlain = /^[\x21-\x7e\u4e00-\u9fff\u3001\u3002\u3008-\u3011\u3014\u3015\u2014\u2018\u2019\u201c\u201d\u00b7]*$/;

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

const numeralDigits: Readonly<Record<string, number>> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const numeralUnits: Readonly<Record<string, number>> = { 十: 10, 百: 100, 千: 1000 };

/**
 * An integer written in Chinese numerals (`三`, `十二`, `二十三`, `一百零五`), or undefined for
 * anything else (two digits in a row, `一二`, are no number).
 */
export function chineseInteger(text: string): number | undefined {
  if (!/^[零〇一二两三四五六七八九十百千]+$/.test(text)) return undefined;
  let total = 0;
  let digit: number | undefined;
  for (const ch of text) {
    const d = numeralDigits[ch];
    if (d !== undefined) {
      if (digit !== undefined && digit !== 0) return undefined;
      digit = d;
    } else {
      if (digit === undefined && ch !== '十') return undefined;
      total += (digit ?? 1) * numeralUnits[ch]!;
      digit = undefined;
    }
  }
  return total + (digit ?? 0);
}

/** Parses a quarter's or month's number, `3`, `03`, `三`, `十二`, to a number (1–12), or undefined. */
export function smallNumber(text: string): number | undefined {
  if (/^\d{1,2}$/.test(text)) return Number(text);
  const n = chineseInteger(text);
  return n !== undefined && n >= 1 && n <= 12 ? n : undefined;
}

/** Shortens a value for quoting in a message. */
export function quote(value: unknown, max = 40): string {
  let text: string;
  if (value instanceof Date) text = value.toISOString().slice(0, 10);
  else text = String(value);
  text = text.replace(/\s+/g, ' ');
  return `“${text.length > max ? `${text.slice(0, max)}…` : text}”`;
}
