import { fieldOf, type FieldDefinition } from './form-definition.js';
import { hazardLedger } from './report-fields.js';

/**
 * When a hazard of the hazard ledger is open at a date D — one rule for the `hazards_open` view (D
 * = the as-of date) and the 调度's counts (D = a quarter's end): found on or before D (检查日期 ≤ D)
 * and not rectified by D (整改完成日期 after D, or none and not marked 已整改). A hazard marked
 * 已整改 without a date counts as rectified (the `hazard_status_mismatch` finding flags it).
 * Overdue: 整改期限 before D.
 */
const found = fieldOf(hazardLedger, 'inspection_date').id;
const rectified = fieldOf(hazardLedger, 'rectified_date').id;
const status = fieldOf(hazardLedger, 'status').id;
const deadline = fieldOf(hazardLedger, 'deadline').id;
const doneMark = '已整改';

/** The current view of the hazard ledger the rule reads. */
export const openHazardsSource: string = hazardLedger.currentView!.name;

/** SQL condition: the hazard row `h` is open at the date `d`. */
export function openAt(h: string, d: string): string {
  return `coalesce(${h}.${found} <= ${d}, true) AND ((${h}.${rectified} IS NULL AND ${h}.${status} <> '${doneMark}') OR ${h}.${rectified} > ${d})`;
}

/** SQL: whether `h` is past its 整改期限 at `d`. */
export function overdueAt(h: string, d: string): string {
  return `coalesce(${h}.${deadline} < ${d}, false)`;
}

/** SQL: days past the 整改期限 at `d` (0 when not overdue). */
export function daysOverdueAt(h: string, d: string): string {
  return `CASE WHEN ${h}.${deadline} < ${d} THEN (${d} - ${h}.${deadline})::INTEGER ELSE 0 END`;
}

/** The ledger's fields an open hazard is listed with (when, where, what, until when): no person's data. */
export const openHazardFields: readonly FieldDefinition[] = [found, 'inspected_entity', 'category', 'description', deadline].map((id) =>
  fieldOf(hazardLedger, id),
);

/** The field open hazards are counted by on the 调度 (隐患类别). */
export const openHazardCategory: FieldDefinition = fieldOf(hazardLedger, 'category');

/** SQL: the year the hazard row `h` was found in (its current view's period of 检查日期). */
export function foundYear(h: string): string {
  const p = hazardLedger.currentView?.periods?.find((x) => x.field === found);
  if (!p) throw new Error(`${hazardLedger.code}: no period for ${found}`);
  return `${h}.${p.as}_year`;
}
