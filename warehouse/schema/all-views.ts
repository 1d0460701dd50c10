import {
  bureauMonthlyForm,
  caseReviewsForm,
  hazardLedgerForm,
  penaltyCasesForm,
  townshipStatsForm,
} from '../../domain/forms/index.js';
import { factColumns } from './fact-tables.js';
import { analysisViews } from './analysis-views.js';
import { ledgerView, quarterFiguresView, viewDdl, yearFiguresView, type ViewSpec } from './views.js';

function withFactComments(view: ViewSpec, table: ReturnType<typeof factColumns>): ViewSpec {
  return { ...view, columns: { ...Object.fromEntries(table.map((c) => [c.name, c.comment])), ...view.columns } };
}

/** Every documented view of the SQL surface, in dependency order. */
export function allViews(): ViewSpec[] {
  return [
    quarterFiguresView([townshipStatsForm, bureauMonthlyForm]),
    yearFiguresView(townshipStatsForm, bureauMonthlyForm),
    withFactComments(
      ledgerView(penaltyCasesForm, 'cases', '行政处罚案件（现行）：每个案件编号取最新一次报送的记录；decision_year/decision_quarter 为计入的年度和季度', {
        decision_year: ['year(f.decision_date)', '按决定日期计入的年度'],
        decision_quarter: ['quarter(f.decision_date)', '按决定日期计入的季度'],
      }),
      factColumns(penaltyCasesForm),
    ),
    withFactComments(
      ledgerView(hazardLedgerForm, 'hazards', '火灾隐患（现行）：同一单位、检查日期、被检查单位和隐患描述的隐患取最新一次报送的记录；按检查日期计入发现季度，按整改完成日期计入整改季度', {
        found_year: ['year(f.inspection_date)', '按检查日期计入发现的年度'],
        found_quarter: ['quarter(f.inspection_date)', '按检查日期计入发现的季度'],
        rectified_year: ['year(f.rectified_date)', '按整改完成日期计入整改的年度'],
        rectified_quarter: ['quarter(f.rectified_date)', '按整改完成日期计入整改的季度'],
      }),
      factColumns(hazardLedgerForm),
    ),
    withFactComments(
      ledgerView(caseReviewsForm, 'case_reviews', '案卷评查（现行）：每个案件每个评查季度取最新一次报送的记录', {}),
      factColumns(caseReviewsForm),
    ),
    ...analysisViews,
  ];
}

/** DDL (re)creating every view with its comments. */
export function allViewsDdl(): string[] {
  return allViews().flatMap(viewDdl);
}
