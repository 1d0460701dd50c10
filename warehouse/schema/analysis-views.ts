import { findingRules } from '../../domain/forms/finding-rules.js';
import { daysOverdueAt, openAt, openHazardFields, openHazardsSource, overdueAt } from '../../domain/forms/open-hazards.js';
import { rankingFiguresForm, rankingIndicators } from '../../domain/forms/ranking-indicators.js';
import { choicesOf, reviewForm, reviewProblemsField, reviewUnitField } from '../../domain/forms/report-fields.js';
import { sqlString } from './fact-tables.js';
import type { ViewSpec } from './views.js';
import { reviewedFindings } from './review-views.js';

/**
 * The reference date (数据截至日) of the 调度 views: `SET VARIABLE as_of = DATE '2025-01-15'` pins it
 * (`firestat build`/`export`/`sql --as-of`, tests); otherwise today in Beijing — the date
 * `firestat build` defaults to for the pages (`shanghaiDate(now)`), not DuckDB's `current_date`,
 * which follows the machine's zone (a UTC server is still on yesterday until 08:00 Beijing time).
 */
export const asOf = `coalesce(try_cast(getvariable('as_of') AS DATE), CAST(now() AT TIME ZONE 'Asia/Shanghai' AS DATE))`;

/** What the comments of the views that depend on {@link asOf} say about it. */
const asOfNote =
  "按数据截至日 as_of 计算：默认为北京时间今天，与 firestat build 生成页面时的默认相同；要按另一日期查看，用 firestat sql --as-of YYYY-MM-DD，或先执行 SET VARIABLE as_of = DATE 'YYYY-MM-DD'";

/** `submission_status`: the 调度 matrix. */
const submissionStatusView: ViewSpec = {
  name: 'submission_status',
  comment: `调度表：每个应报单位、每种报表、每个在数据截至日前已结束的期间一行；status 为 on_time 按时 / late 逾期 / rejected 被退回且未重报 / missing 未报 / pending 未到截止日；按月报送的报表（B1）每月一行。${asOfNote}`,
  columns: {
    year: '年度',
    quarter: '季度',
    month: '月份（按月报送的报表）；按季度报送为空',
    unit: '单位正式名称',
    unit_kind: '单位类别',
    form: '报表代码',
    status: 'on_time 按时 / late 逾期 / rejected 被退回 / missing 未报 / pending 数据截至日尚未过报送截止日，或文件处理失败、待重试',
    submission_id: '现行报送文件编号（未报或被退回时为最近一次退回的文件编号）',
    received_at: '首次成功报送的收到时间（北京时间）',
    due_date: '报送截止日（含当日）',
    versions: '该期间成功报送的文件份数（大于 1 表示有更正重报）',
    reason: '被退回时的退回原因',
    placement_guessed: '被退回文件归入该单位和期间是推断的（取自文件路径、文件名或标题，文件内容未能确认）',
  },
  sql: `WITH ref AS (SELECT ${asOf} AS as_of),
years AS (SELECT DISTINCT year FROM submissions WHERE year IS NOT NULL),
periods AS (
  SELECT y.year, q.generate_series::INTEGER AS quarter, NULL::INTEGER AS month, 'quarterly' AS frequency,
         (q.generate_series * 3 - 2)::INTEGER AS m_from, (q.generate_series * 3)::INTEGER AS m_to
  FROM years y, generate_series(1, 4) q
  UNION ALL
  SELECT y.year, ((m.generate_series + 2) // 3)::INTEGER, m.generate_series::INTEGER, 'monthly',
         m.generate_series::INTEGER, m.generate_series::INTEGER
  FROM years y, generate_series(1, 12) m
),
slots AS (
  SELECT p.year, p.quarter, p.month, p.m_from, p.m_to, f.code AS form, u.code AS unit_code, u.name AS unit, u.kind AS unit_kind,
         last_day(make_date(p.year, p.m_to, 1)) + f.due_days AS due_date,
         make_date(p.year, p.m_from, 1) AS period_start, last_day(make_date(p.year, p.m_to, 1)) AS period_end
  FROM periods p
  JOIN forms f ON f.frequency = p.frequency
  JOIN form_expectations e ON e.form = f.code
  JOIN units u ON u.code = e.unit_code
  WHERE u.valid_from <= last_day(make_date(p.year, p.m_to, 1))
    AND (u.valid_to IS NULL OR u.valid_to >= make_date(p.year, p.m_from, 1))
    AND last_day(make_date(p.year, p.m_to, 1)) < (SELECT as_of FROM ref)
),
matched AS (
  SELECT sl.*, s.submission_id, s.status AS s_status, s.received_at, s.reason, s.placement_guessed
  FROM slots sl
  LEFT JOIN reviewed_submissions s ON s.unit_code = sl.unit_code AND s.form = sl.form AND s.year = sl.year
       AND s.period_from <= sl.m_to AND s.period_to >= sl.m_from
)
SELECT year, quarter, month, unit, unit_kind, form,
  CASE
    WHEN count(*) FILTER (WHERE s_status IN ('loaded', 'replaced')) > 0 THEN
      CASE WHEN min(received_at) FILTER (WHERE s_status IN ('loaded', 'replaced')) < due_date + INTERVAL 1 DAY THEN 'on_time' ELSE 'late' END
    -- failed: a file in hand that could not be processed yet (timeout, I/O error); later runs retry it.
    -- Not loaded and not the sender's fault: pending (待处理), unless a refusal came after it.
    WHEN max(received_at) FILTER (WHERE s_status = 'failed') >= coalesce(max(received_at) FILTER (WHERE s_status = 'rejected'), TIMESTAMP '-infinity') THEN 'pending'
    WHEN count(*) FILTER (WHERE s_status = 'rejected') > 0 THEN 'rejected'
    WHEN (SELECT as_of FROM ref) > due_date THEN 'missing'
    ELSE 'pending'
  END AS status,
  coalesce(arg_max(submission_id, received_at) FILTER (WHERE s_status = 'loaded'), arg_max(submission_id, received_at) FILTER (WHERE s_status = 'rejected')) AS submission_id,
  min(received_at) FILTER (WHERE s_status IN ('loaded', 'replaced')) AS received_at,
  due_date,
  count(*) FILTER (WHERE s_status IN ('loaded', 'replaced'))::INTEGER AS versions,
  CASE WHEN count(*) FILTER (WHERE s_status IN ('loaded', 'replaced')) = 0 THEN arg_max(reason, received_at) FILTER (WHERE s_status = 'rejected') END AS reason,
  CASE WHEN count(*) FILTER (WHERE s_status IN ('loaded', 'replaced')) = 0 THEN arg_max(coalesce(placement_guessed, false), received_at) FILTER (WHERE s_status = 'rejected') END AS placement_guessed
FROM matched
GROUP BY year, quarter, month, unit, unit_kind, form, due_date`,
};

/** `hazards_open`: hazards not rectified, with days overdue. */
const hazardsOpenView: ViewSpec = {
  name: 'hazards_open',
  comment: `未整改火灾隐患：现行台账中截至数据截至日已发现、尚未整改的隐患（整改完成日期在数据截至日之后的也算未整改；标为已整改却没有日期的不列入，见 findings），days_overdue 为到数据截至日超过整改期限的天数。${asOfNote}`,
  columns: {
    unit: '镇街或科室',
    year: '发现年度',
    quarter: '发现季度',
    ...Object.fromEntries(openHazardFields.map((f) => [f.id, f.label])),
    overdue: '到数据截至日是否已超过整改期限',
    days_overdue: '到数据截至日超过整改期限的天数（未超期为 0）',
    submission_id: '来源报送文件编号',
    sheet: '来源工作表',
    source_row: '来源行号',
  },
  sql: `SELECT h.unit, h.found_year AS year, h.found_quarter AS quarter, ${openHazardFields.map((f) => `h.${f.id}`).join(', ')},
  ${overdueAt('h', 'r.as_of')} AS overdue,
  ${daysOverdueAt('h', 'r.as_of')} AS days_overdue,
  h.submission_id, h.sheet, h.source_row
FROM ${openHazardsSource} h, (SELECT ${asOf} AS as_of) r
WHERE ${openAt('h', 'r.as_of')}`,
};

/** `case_quality`: problems found in case-file review, per township and quarter. */
const caseQualityView: ViewSpec = {
  name: 'case_quality',
  comment: '案卷质量：法制科评查中各承办单位每季度出现各类问题的案卷数；reviewed_cases 为该单位当季被评查的案卷总数',
  columns: {
    year: '评查年度',
    quarter: '评查季度',
    unit: '承办单位',
    problem: `${reviewProblemsField.label}：${choicesOf(reviewProblemsField).join(' / ')}`,
    cases: '存在该问题的案卷数',
    reviewed_cases: '该单位当季被评查的案卷总数',
  },
  sql: `WITH reviewed AS (SELECT year, quarter, ${reviewUnitField.id} AS unit, count(*) AS n FROM ${reviewForm.currentView!.name} GROUP BY ALL),
problems AS (
  SELECT year, quarter, ${reviewUnitField.id} AS unit, p AS problem, count(*) AS cases
  FROM (SELECT year, quarter, ${reviewUnitField.id}, unnest(${reviewProblemsField.id}) AS p FROM ${reviewForm.currentView!.name})
  GROUP BY ALL
)
SELECT p.year, p.quarter, p.unit, p.problem, p.cases::INTEGER AS cases, r.n::INTEGER AS reviewed_cases
FROM problems p JOIN reviewed r USING (year, quarter, unit)`,
};

/**
 * `findings`: every breach of the rules in the catalogue (`domain/forms/finding-rules.ts`), located;
 * the view's SQL is assembled from the catalogue's entries when the views are built.
 */
function findingsView(): ViewSpec {
  const rules = findingRules();
  const ctes = new Map<string, string>();
  for (const r of rules) for (const [name, sql] of r.with ?? []) ctes.set(name, sql);
  const raw = rules.map((r) => `SELECT ${sqlString(r.code)} AS rule, ${sqlString(r.severity)} AS severity, ${r.select}\n  ${r.from}`).join('\n  UNION ALL\n  ');
  return {
    name: 'findings',
    comment:
      '问题清单：数据违反规则之处（超上限的简易程序罚款、整改早于发现、决定早于立案、案号重复、累计整改超过累计发现、T1 与台账不符、B1 行政处罚与局本级案件台账不符、合计行不符等），每条说明所涉数值和位置；随新文件替换自动重算',
    columns: {
      finding_id: '问题编号（由规则和对象计算，重算后保持不变）',
      rule: '规则代码',
      severity: 'error 错误 / warning 警告',
      unit: '单位',
      form: '报表代码',
      year: '年度',
      quarter: '季度',
      message: '问题说明（中文，含所涉数值）',
      path: '来源文件路径',
      sheet: '来源工作表',
      cell: '单元格（能定位到单元格时）',
      submission_id: '来源报送文件编号',
    },
    sql: `WITH current_sub AS (SELECT * FROM current_submissions),
${[...ctes].map(([name, sql]) => `${name} AS (\n  ${sql}\n)`).join(',\n')},
raw AS (
  ${raw}
)
SELECT md5(r.rule || '|' || r.key) AS finding_id, r.rule, r.severity, r.unit, r.form, r.year, r.quarter, r.message,
  s.path, r.sheet,
  coalesce(CASE WHEN r.source_row IS NOT NULL THEN col.column_letter || r.source_row END, r.cell) AS cell,
  r.submission_id
FROM raw r
LEFT JOIN submissions s ON s.submission_id = r.submission_id
LEFT JOIN submission_columns col ON col.submission_id = r.submission_id AND col.sheet = r.sheet AND col.field = r.field`,
  };
}

/**
 * `township_ranking`: the 通报's indicators per township and quarter, ranked. Rates and averages are
 * exact quotients (DOUBLE, not rounded): outputs round them once, for display, with
 * `dashboards/rates.ts`; ranks come from the exact values, so 0.89947 and 0.8995 are not tied.
 */
function townshipRankingView(): ViewSpec {
  const values = rankingIndicators
    .map(
      (
        i,
      ) => `SELECT t.year, t.quarter, t.unit, ${sqlString(i.code)} AS indicator, ${sqlString(i.label)} AS label, ${sqlString(i.better === 'lower' ? 'asc' : 'desc')} AS dir,
    ${i.sql}::DOUBLE AS value
  FROM towns t`,
    )
    .join('\n  UNION ALL\n  ');
  return {
    name: 'township_ranking',
    comment: `镇街排名：通报所用指标——${rankingIndicators.map((i) => `${i.code} ${i.label}${i.better === 'lower' ? '（越少越好）' : ''}`).join('、')}；比率和平均数为未经四舍五入的精确值（显示时才统一保留一位小数），rank 按精确值排出，为 22 个镇街中的名次`,
    columns: {
      year: '年度',
      quarter: '季度',
      unit: '镇街',
      indicator: '指标代码',
      label: '指标中文名',
      value: '指标值（比率为 0-1 的小数，如 510 ÷ 567 = 0.899470…；不四舍五入，显示时统一保留一位小数）',
      rank: '名次（1 为最好；并列同名次；无数据为空）',
    },
    sql: `WITH towns AS (
  SELECT DISTINCT ss.year, ss.quarter, ss.unit FROM submission_status ss WHERE ss.unit_kind = 'township'
),
qf AS (SELECT * FROM quarter_figures WHERE form = ${sqlString(rankingFiguresForm.code)}),
values_ AS (
  ${values}
)
SELECT year, quarter, unit, indicator, label, value,
  CASE WHEN value IS NULL THEN NULL
       WHEN dir = 'asc' THEN rank() OVER (PARTITION BY year, quarter, indicator, value IS NULL ORDER BY value ASC)
       ELSE rank() OVER (PARTITION BY year, quarter, indicator, value IS NULL ORDER BY value DESC) END AS rank
FROM values_`,
  };
}

/** The analysis views, in dependency order (after the base views), from today's form declarations. */
export function analysisViews(): ViewSpec[] {
  return [submissionStatusView, hazardsOpenView, caseQualityView, reviewedFindings(findingsView()), townshipRankingView()];
}
