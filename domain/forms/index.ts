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
/** Head counts (`消防管理岗人员`): a span's figure is the latest value, never a sum over it. */
export const stockMetrics: ReadonlySet<string> = new Set(
  forms
    .filter((f) => f.kind === 'aggregate')
    .flatMap((f) => f.fields)
    .filter((f) => f.measure === 'stock')
    .map((f) => f.id),
);

export function formByCode(code: string): FormDefinition | undefined {
  return forms.find((f) => f.code === code);
}
