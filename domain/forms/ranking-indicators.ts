import { sqlList, sqlText } from './sql-text.js';
import { inspectedUnits, rectification, reviewProblemsField, reviewUnitField, townshipCaseFields, townshipFiguresForm } from './report-fields.js';

/**
 * The indicators the quarterly 通报 ranks the townships by — one catalogue for the
 * `township_ranking` view (which assembles its SQL from {@link RankingIndicator.sql}), the 通报's
 * tables and text (label, which way is better) and the pages.
 */
export interface RankingIndicator {
  /** Stable code, the view's `indicator`. */
  readonly code: string;
  /** Chinese name, the view's `label` and the tables' heading. */
  readonly label: string;
  /** Which way is better: `higher` ranks the largest first, `lower` the smallest. */
  readonly better: 'higher' | 'lower';
  /**
   * SQL giving the township's value (DOUBLE, exact: outputs round once, for display) from the row
   * `t` (`t.year`, `t.quarter`, `t.unit`); `qf` is the township form's rows of `quarter_figures`.
   */
  readonly sql: string;
}

/** The rows of `quarter_figures` the indicators read as `qf`: the township form's. */
export const rankingFiguresForm = townshipFiguresForm;

const inQuarter = `qf.unit = t.unit AND qf.year = t.year AND qf.quarter = t.quarter`;
const toQuarter = `qf.unit = t.unit AND qf.year = t.year AND qf.quarter <= t.quarter`;

/** In the order the 通报 lists them. */
export const rankingIndicators: readonly RankingIndicator[] = [
  {
    code: 'inspections',
    label: '检查社会单位数',
    better: 'higher',
    sql: `(SELECT sum(value) FROM qf WHERE ${inQuarter} AND metric = ${sqlText(inspectedUnits)})::DOUBLE`,
  },
  {
    code: 'rectification_rate',
    label: '累计整改率',
    better: 'higher',
    sql: `(SELECT CASE WHEN found > 0 THEN rect / found END FROM (SELECT
      (SELECT sum(value) FROM qf WHERE ${toQuarter} AND metric = ${sqlText(rectification.rectified)}) AS rect,
      (SELECT sum(value) FROM qf WHERE ${toQuarter} AND metric = ${sqlText(rectification.found)}) AS found))`,
  },
  {
    code: 'cases',
    label: '办理案件数',
    better: 'higher',
    sql: `(SELECT sum(value) FROM qf WHERE ${inQuarter} AND metric IN (${sqlList(townshipCaseFields.map((f) => f.id))}))::DOUBLE`,
  },
  {
    code: 'problems_per_case',
    label: '每案评查问题数',
    better: 'lower',
    sql: `(SELECT CASE WHEN count(*) > 0 THEN sum(len(${reviewProblemsField.id})) / count(*) END FROM case_reviews r WHERE r.${reviewUnitField.id} = t.unit AND r.year = t.year AND r.quarter = t.quarter)`,
  },
  {
    code: 'on_time_rate',
    label: '按时报送率',
    better: 'higher',
    sql: `(SELECT count(*) FILTER (WHERE status = 'on_time') / count(*) FROM submission_status s WHERE s.unit = t.unit AND s.year = t.year AND s.quarter = t.quarter)`,
  },
];
