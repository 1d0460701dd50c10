import type { FormDefinition } from './form-definition.js';
import { townshipStatsForm } from './t1-township-stats.js';
import { bureauMonthlyForm } from './b1-bureau-monthly.js';
import { penaltyCasesForm } from './l1-penalty-cases.js';
import { hazardLedgerForm } from './l2-hazard-ledger.js';
import { caseReviewsForm } from './r1-case-reviews.js';

export * from './form-definition.js';
export { townshipStatsForm, bureauMonthlyForm, penaltyCasesForm, hazardLedgerForm, caseReviewsForm };

/** Every form the system knows, in reporting order. */
export const forms: readonly FormDefinition[] = [townshipStatsForm, bureauMonthlyForm, penaltyCasesForm, hazardLedgerForm, caseReviewsForm];

/** Looks a form up by its code (`T1`). */
export function formByCode(code: string): FormDefinition | undefined {
  return forms.find((f) => f.code === code);
}
