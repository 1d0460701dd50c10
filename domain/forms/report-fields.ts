import { fieldOf, type FieldDefinition, type FormDefinition } from './form-definition.js';
import { bureauMonthlyForm } from './b1-bureau-monthly.js';
import { penaltyCasesForm } from './l1-penalty-cases.js';
import { hazardLedgerForm } from './l2-hazard-ledger.js';
import { caseReviewsForm } from './r1-case-reviews.js';
import { townshipStatsForm } from './t1-township-stats.js';

/**
 * The fields the published reports are built around, named once here so that no page, document
 * or view spells a field id: the 汇总表 is the townships' statistics form beside the bureau's
 * monthly form, its rate is 整改 over 发现, its case figures are the counts that tally the penalty
 * ledger, and the 通报's review table is the review form's 评查结果 and 问题类型.
 */

/** The aggregate form the townships send: the 汇总表's columns, the rankings, the township pages. */
export const townshipFiguresForm: FormDefinition = townshipStatsForm;
/** The aggregate form the bureau's units send: the 局本级 table and row. */
export const bureauFiguresForm: FormDefinition = bureauMonthlyForm;

/** 检查社会单位数: the first figure of the 汇总表's headline and of the rankings. */
export const inspectedUnits: string = fieldOf(townshipStatsForm, 'units_inspected').id;

/** 整改率 = rectified ÷ found, of the township form (and, beside it, of the bureau's comparable figures). */
export const rectification = {
  found: fieldOf(townshipStatsForm, 'hazards_found').id,
  rectified: fieldOf(townshipStatsForm, 'hazards_rectified').id,
} as const;

/** A form's count fields that tally a ledger (`tally.form`), in declaration order. */
function tallyFields(form: FormDefinition, ledger: FormDefinition): FieldDefinition[] {
  return form.fields.filter((f) => f.type === 'count' && f.tally?.form === ledger.code);
}

/** The township form's case counts (赋权/委托 × 一般/简易): what 办理案件数 adds up. */
export const townshipCaseFields: readonly FieldDefinition[] = tallyFields(townshipStatsForm, penaltyCasesForm);

/** The bureau form's count of its own penalty cases (行政处罚): shown apart in the 汇总表. */
export const bureauCaseField: FieldDefinition = (() => {
  const [f] = tallyFields(bureauMonthlyForm, penaltyCasesForm);
  if (!f) throw new Error(`${bureauMonthlyForm.code} declares no field tallying ${penaltyCasesForm.code}`);
  return f;
})();

/** The ledger of penalty cases and the ledger of hazards: what the findings reconcile figures with. */
export const caseLedger: FormDefinition = penaltyCasesForm;
export const hazardLedger: FormDefinition = hazardLedgerForm;

/** The case-file review form and its 评查结果 and 问题类型 fields (their choices are the table's rows and columns). */
export const reviewForm: FormDefinition = caseReviewsForm;
export const reviewResultField: FieldDefinition = fieldOf(caseReviewsForm, 'result');
export const reviewProblemsField: FieldDefinition = fieldOf(caseReviewsForm, 'problems');
/** The unit whose cases a review concerns. */
export const reviewUnitField: FieldDefinition = fieldOf(caseReviewsForm, 'handling_unit');

/** The choices a field declares (`[]` when none). */
export function choicesOf(field: FieldDefinition): string[] {
  return [...(field.choices ?? [])];
}

/** The review form's 案件编号 (the 通报 lists failed case files by it). */
export const reviewCaseNoField: FieldDefinition = fieldOf(caseReviewsForm, 'case_no');

const enforcementField = fieldOf(penaltyCasesForm, 'enforcement_type');
const procedureField = fieldOf(penaltyCasesForm, 'procedure');

/** 执法类型 and 程序类型 of the cases a count tallies (`赋权执法`, `一般程序`), from its `tally.where`. */
export function caseTypeOf(field: FieldDefinition): { enforcement: string; procedure: string } {
  const where = field.tally?.where ?? {};
  return { enforcement: where[enforcementField.id] ?? '', procedure: where[procedureField.id] ?? '' };
}
