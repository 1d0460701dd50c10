import type { IsoDate } from '../../domain/dates.js';
import type { Prng } from './prng.js';
import type { SampleCell } from './sheet-doc.js';

/**
 * The ways people write one value: dates in every style, counts as numbers or text or with
 * full-width digits, zeros as blanks or dashes, 是/否 as ticks. Each clerk has habits; a few
 * slip in other styles.
 */

export type DateStyle = 'cjk' | 'dot' | 'slash' | 'dash' | 'iso' | 'compact' | 'excel' | 'excel-cjk';

/** Date styles that can be stored in a CSV (no date cells). */
export const textDateStyles: readonly DateStyle[] = ['cjk', 'dot', 'slash', 'dash', 'iso'];

function parts(date: IsoDate): [string, number, number] {
  return [date.slice(0, 4), Number(date.slice(5, 7)), Number(date.slice(8, 10))];
}

const two = (n: number) => String(n).padStart(2, '0');

/** A date written in a style: `2024年3月5日`, `2024.3.5`, `2024/03/05`, `2024-3-5`, `2024-03-05`, `20240305`, or a date cell. */
export function dateCell(date: IsoDate, style: DateStyle): SampleCell {
  const [y, m, d] = parts(date);
  switch (style) {
    case 'cjk':
      return `${y}年${m}月${d}日`;
    case 'dot':
      return `${y}.${m}.${d}`;
    case 'slash':
      return `${y}/${two(m)}/${two(d)}`;
    case 'dash':
      return `${y}-${m}-${d}`;
    case 'iso':
      return date;
    case 'compact':
      return `${y}${two(m)}${two(d)}`;
    case 'excel':
      return { kind: 'date', date, numFmt: 'yyyy-mm-dd' };
    case 'excel-cjk':
      return { kind: 'date', date, numFmt: 'yyyy"年"m"月"d"日"' };
  }
}

/** How a clerk writes counts. */
export type NumberStyle = 'number' | 'text' | 'fullwidth' | 'mixed';
/** How a clerk writes a zero count. */
export type ZeroStyle = '0' | 'blank' | '-' | '/' | '—' | '无';

/** `12` → `１２`. */
function fullWidth(text: string): string {
  return text.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)));
}

/** A count in the clerk's style. */
export function countCell(rng: Prng, n: number, style: NumberStyle, zero: ZeroStyle): SampleCell {
  if (n === 0 && zero !== '0') return zero === 'blank' ? null : zero;
  const s = style === 'mixed' ? rng.pick<NumberStyle>(['number', 'number', 'text', 'fullwidth']) : style;
  if (s === 'number') return n;
  if (s === 'text') return String(n);
  return fullWidth(String(n));
}

/** An amount in 元 in the clerk's style: `5000`, `5,000`, `5000元`, `５０００`. */
export function amountCell(rng: Prng, amount: number | null, style: NumberStyle): SampleCell {
  if (amount === null) return rng.chance(0.5) ? null : rng.pick(['/', '—', '0']);
  if (style === 'number') return amount;
  if (style === 'fullwidth') return fullWidth(String(amount));
  if (style === 'text') return rng.pick([String(amount), amount >= 1000 ? amount.toLocaleString('en-US') : String(amount)]);
  return rng.pick<SampleCell>([amount, amount, String(amount), `${amount}元`, amount >= 1000 ? amount.toLocaleString('en-US') : amount]);
}

export type YesNoStyle = 'chinese' | 'ticks';

export function yesNoCell(value: boolean, style: YesNoStyle): string {
  if (style === 'ticks') return value ? '√' : '×';
  return value ? '是' : '否';
}

/**
 * A header as a person retyped it: the unit in full-width or half-width brackets or not at all,
 * sometimes a line break or spaces inside.
 */
export function headerText(
  rng: Prng,
  label: string,
  unit: string | undefined,
  options: { breaks: boolean; brackets: 'full' | 'half' | 'none' | 'mixed' },
): string {
  let text = label;
  if (options.breaks && text.length >= 5 && rng.chance(0.45)) {
    // Alt+Enter where the cell looks balanced: about the middle.
    const at = Math.ceil(text.length / 2) + rng.int(-1, 0);
    text = `${text.slice(0, at)}\n${text.slice(at)}`;
  } else if (options.breaks && text.length <= 4 && rng.chance(0.15)) {
    text = text.split('').join(' ');
  }
  const brackets = options.brackets === 'mixed' ? rng.pick(['full', 'half', 'none'] as const) : options.brackets;
  if (unit && brackets !== 'none') {
    const br = brackets === 'full' ? `（${unit}）` : `(${unit})`;
    text = options.breaks && rng.chance(0.3) ? `${text}\n${br}` : `${text}${br}`;
  }
  return text;
}
