import type { FieldDefinition } from '../../domain/forms/form-definition.js';

/**
 * A figure as the year-end report writes it: exact by default; `300 余` for a field the report
 * rounds down to hundreds (301–399 → 300 余); `10万` for one it gives in 万 (ten thousands).
 */
function phraseNumber(value: number, rounding: FieldDefinition['reportRounding']): string {
  if (rounding === 'hundreds' && value >= 100) {
    const floor = Math.floor(value / 100) * 100;
    return floor === value ? String(value) : `${floor} 余`;
  }
  if (rounding === 'tenThousands' && value >= 10_000) {
    const wan = value / 10_000;
    if (Number.isInteger(wan)) return `${wan}万`;
    const floor = Math.floor(wan * 10) / 10;
    return `${floor}万余`;
  }
  return String(value);
}

/** A figure with its unit as the report writes it: `9858 人次`, `300 余次`, `10万人次`. */
export function phraseWithUnit(value: number, unit: string | undefined, rounding: FieldDefinition['reportRounding']): string {
  const phrase = phraseNumber(value, rounding);
  return /[余万]$/.test(phrase) ? `${phrase}${unit ?? ''}` : `${phrase} ${unit ?? ''}`.trim();
}
