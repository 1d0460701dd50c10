/**
 * Rates: kept exact everywhere, rounded once, here.
 *
 * The warehouse views and the documents carry a rate as its exact value (the quotient of two counts,
 * unrounded) — and, where a reader needs them, the counts themselves. Every output that *prints* a
 * rate (pages, text, the 通报 .docx, JSON readers) turns it into digits with {@link percentText}; the
 * workbooks store the exact value with the number format {@link percentNumFmt}, which Excel and
 * LibreOffice display with the same half-up rounding.
 *
 * Rounding is half-up on the decimal value: 0.8995 prints 90.0%, 510/567 = 0.899470… prints 89.9%.
 * A JavaScript number such as 0.8995 is stored in binary as 0.899499999999999966…; rounding that
 * binary value would give 89.9% where Excel shows 90.0%. So a number is first read as the decimal
 * Excel reads it — its 15 significant digits — and that decimal is rounded. For a quotient of two
 * counts below a few million the 15-digit value is on the same side of every rounding boundary as
 * the exact fraction, so {@link percentText}`(rateOf(n, d))` and {@link percentTextOf}`(n, d)` agree.
 */

/** The exact rate `numerator / denominator`; `null` when there is nothing to divide by. */
export function rateOf(numerator: number | null | undefined, denominator: number | null | undefined): number | null {
  if (numerator === null || numerator === undefined || denominator === null || denominator === undefined) return null;
  if (!Number.isFinite(numerator) || !Number.isFinite(denominator) || denominator === 0) return null;
  return numerator / denominator;
}

/** What a page, text or document prints when there is no rate. */
const noRate = '—';

/** The workbook number format for a rate: Excel shows the exact value rounded half-up to one decimal. */
export const percentNumFmt = '0.0%';

/**
 * `89.9%` from 0.899470…; `90.0%` from 0.8995; `—` for none. Half-up (away from zero) on the decimal
 * value of the rate read to 15 significant digits, as Excel reads a cell.
 */
export function percentText(rate: number | null | undefined, digits = 1): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return noRate;
  return `${roundDecimal(rate, 2, digits)}%`;
}

/** `89.9%` from 510 and 567, rounded half-up on the exact fraction; `—` when the denominator is 0 or missing. */
export function percentTextOf(numerator: number | null | undefined, denominator: number | null | undefined, digits = 1): string {
  if (rateOf(numerator, denominator) === null) return noRate;
  const n = numerator as number;
  const d = denominator as number;
  if (!Number.isInteger(n) || !Number.isInteger(d)) return percentText(n / d, digits);
  const negative = n < 0 !== d < 0 && n !== 0;
  const num = BigInt(Math.abs(n)) * 10n ** BigInt(digits + 2);
  const den = BigInt(Math.abs(d));
  const scaled = (num * 2n + den) / (2n * den);
  return `${negative ? '-' : ''}${placeDecimals(scaled, digits)}%`;
}

/** A rate over 100%: more rectified than found in the period, because earlier quarters' backlog was rectified too. */
export function isOverHundred(rate: number | null | undefined): boolean {
  return rate !== null && rate !== undefined && Number.isFinite(rate) && rate > 1;
}

/** The note every output prints beside a rectification rate over 100%. */
export const overHundredNote = '整改率超过100%：本期整改的隐患含以前季度发现、本期才整改完成的遗留隐患，整改数可多于本期发现数。';

/** Short mark to put after a rate over 100% (the note above explains it). */
export const overHundredMark = '※';

/**
 * `value × 10^shift`, rounded half-up (away from zero) to `digits` decimals, as text. The value is
 * read as its 15-significant-digit decimal first (see the module comment).
 */
function roundDecimal(value: number, shift: number, digits: number): string {
  const negative = value < 0;
  const text = Math.abs(value).toPrecision(15);
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(text);
  if (!m) return value.toFixed(digits);
  const intPart = m[1] ?? '0';
  const fracPart = m[2] ?? '';
  const mantissa = BigInt(intPart + fracPart);
  // |value| = mantissa × 10^exp; we want round(|value| × 10^(shift + digits)).
  const exp = -fracPart.length + Number(m[3] ?? 0) + shift + digits;
  let scaled: bigint;
  if (exp >= 0) scaled = mantissa * 10n ** BigInt(exp);
  else {
    const div = 10n ** BigInt(-exp);
    scaled = (mantissa * 2n + div) / (2n * div);
  }
  const body = placeDecimals(scaled, digits);
  return negative && scaled !== 0n ? `-${body}` : body;
}

function placeDecimals(scaled: bigint, digits: number): string {
  if (digits <= 0) return scaled.toString();
  const s = scaled.toString().padStart(digits + 1, '0');
  return `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

/**
 * A non-rate quotient (每案评查问题数 1.125) as text with `digits` decimals, rounded the same way as
 * {@link percentText} and as a workbook's `0.00` shows it: `1.13`; `—` for none.
 */
export function decimalText(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return noRate;
  return roundDecimal(value, 0, digits);
}
