import { forms, fullLabel } from '../../domain/forms/index.js';
import { sqlString } from './fact-tables.js';
import type { ViewSpec } from './views.js';

/**
 * Every flow count of the aggregate forms, one row per current fact row and metric, with the
 * month it reaches (a quarter's row reaches its last month): what a 累计 figure is checked against.
 */
const flowFacts = forms
  .filter((f) => f.kind === 'aggregate')
  .flatMap((form) =>
    form.fields
      .filter((f) => (f.type === 'count' || f.type === 'amount') && f.measure !== 'stock')
      .map(
        (f) =>
          `SELECT ${sqlString(form.code)} AS form, x.unit, x.year, x.quarter, coalesce(x.month, x.quarter * 3) AS reach, ${sqlString(f.id)} AS metric, ${sqlString(fullLabel(f))} AS label, x.${f.id} AS v FROM ${form.table} x JOIN current_sub cs ON cs.submission_id = x.submission_id`,
      ),
  )
  .join('\n  UNION ALL\n  ');

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

/** Amount without a trailing `.00`: 500.00 → `500`. */
const amountText = (expr: string) => `regexp_replace(CAST(${expr} AS VARCHAR), '\\.00$', '')`;

const quarterName = (q: string) => `['一','二','三','四'][${q}]`;

/** `submission_status`: the 调度 matrix. */
export const submissionStatusView: ViewSpec = {
  name: 'submission_status',
  comment:
    `调度表：每个应报单位、每种报表、每个在数据截至日前已结束的期间一行；status 为 on_time 按时 / late 逾期 / rejected 被退回且未重报 / missing 未报 / pending 未到截止日；按月报送的报表（B1）每月一行。${asOfNote}`,
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
  LEFT JOIN submissions s ON s.unit_code = sl.unit_code AND s.form = sl.form AND s.year = sl.year
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
export const hazardsOpenView: ViewSpec = {
  name: 'hazards_open',
  comment: `未整改火灾隐患：现行台账中截至数据截至日已发现、尚未整改的隐患（整改完成日期在数据截至日之后的也算未整改；标为已整改却没有日期的不列入，见 findings），days_overdue 为到数据截至日超过整改期限的天数。${asOfNote}`,
  columns: {
    unit: '镇街或科室',
    year: '发现年度',
    quarter: '发现季度',
    inspection_date: '检查日期',
    inspected_entity: '被检查单位',
    category: '隐患类别',
    description: '隐患描述',
    deadline: '整改期限',
    overdue: '到数据截至日是否已超过整改期限',
    days_overdue: '到数据截至日超过整改期限的天数（未超期为 0）',
    submission_id: '来源报送文件编号',
    sheet: '来源工作表',
    source_row: '来源行号',
  },
  sql: `SELECT h.unit, h.found_year AS year, h.found_quarter AS quarter, h.inspection_date, h.inspected_entity, h.category, h.description, h.deadline,
  coalesce(h.deadline < r.as_of, false) AS overdue,
  CASE WHEN h.deadline < r.as_of THEN (r.as_of - h.deadline)::INTEGER ELSE 0 END AS days_overdue,
  h.submission_id, h.sheet, h.source_row
FROM hazards h, (SELECT ${asOf} AS as_of) r
WHERE coalesce(h.inspection_date <= r.as_of, true)
  AND ((h.rectified_date IS NULL AND h.status <> '已整改') OR h.rectified_date > r.as_of)`,
};

/** `case_quality`: problems found in case-file review, per township and quarter. */
export const caseQualityView: ViewSpec = {
  name: 'case_quality',
  comment: '案卷质量：法制科评查中各承办单位每季度出现各类问题的案卷数；reviewed_cases 为该单位当季被评查的案卷总数',
  columns: {
    year: '评查年度',
    quarter: '评查季度',
    unit: '承办单位',
    problem: '问题类型：文书填写不全面 / 调查取证资料不规范 / 执法程序不规范 / 其他',
    cases: '存在该问题的案卷数',
    reviewed_cases: '该单位当季被评查的案卷总数',
  },
  sql: `WITH reviewed AS (SELECT year, quarter, handling_unit AS unit, count(*) AS n FROM case_reviews GROUP BY ALL),
problems AS (
  SELECT year, quarter, handling_unit AS unit, p AS problem, count(*) AS cases
  FROM (SELECT year, quarter, handling_unit, unnest(problems) AS p FROM case_reviews)
  GROUP BY ALL
)
SELECT p.year, p.quarter, p.unit, p.problem, p.cases::INTEGER AS cases, r.n::INTEGER AS reviewed_cases
FROM problems p JOIN reviewed r USING (year, quarter, unit)`,
};

const caseMetrics = `CASE enforcement_type || procedure
  WHEN '赋权执法一般程序' THEN 'empowered_general_cases' WHEN '赋权执法简易程序' THEN 'empowered_simple_cases'
  WHEN '委托执法一般程序' THEN 'entrusted_general_cases' WHEN '委托执法简易程序' THEN 'entrusted_simple_cases' END`;

/**
 * A case named by where it is, not by its number: `案件（第 12 行）`. A 案件编号 is typed by a
 * person and can hold a name; the finding's sheet and cell locate the case anyway.
 */
const caseAt = (row: string) => `CASE WHEN ${row} IS NULL THEN '案件' ELSE format('案件（第 {} 行）', ${row}) END`;

/**
 * `findings`: every breach of DESIGN.md's rules, located. Messages state the facts (dates, amounts,
 * the hazard's category, row numbers) and never quote free text — a hazard description or a case
 * number can hold a person's name, ID or phone number. Finding ids (md5 of rule and key) are
 * unchanged by how a message is worded.
 */
export const findingsView: ViewSpec = {
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
  sql: `WITH current_sub AS (SELECT * FROM submissions WHERE status = 'loaded'),
t1_sub AS (SELECT unit, year, quarter, arg_max(submission_id, received_at) AS submission_id FROM current_sub WHERE form = 'T1' GROUP BY ALL),
ledger_counts AS (
  SELECT unit, found_year AS year, found_quarter AS quarter, 'hazards_found' AS metric, count(*) AS n FROM hazards GROUP BY ALL
  UNION ALL
  SELECT unit, rectified_year, rectified_quarter, 'hazards_rectified', count(*) FROM hazards WHERE rectified_date IS NOT NULL GROUP BY ALL
  UNION ALL
  SELECT unit, decision_year, decision_quarter, ${caseMetrics}, count(*) FROM cases WHERE enforcement_type IN ('赋权执法', '委托执法') GROUP BY ALL
),
ledger_sent AS (
  SELECT DISTINCT s.unit, s.year, q.generate_series::INTEGER AS quarter, CASE s.form WHEN 'L2' THEN 'hazards' ELSE 'cases' END AS ledger
  FROM current_sub s, generate_series(1, 4) q
  WHERE s.form IN ('L1', 'L2') AND s.period_from <= q.generate_series * 3 AND s.period_to >= q.generate_series * 3 - 2
),
t1 AS (SELECT * FROM quarter_figures WHERE form = 'T1' AND metric IN ('hazards_found', 'hazards_rectified', 'empowered_general_cases', 'empowered_simple_cases', 'entrusted_general_cases', 'entrusted_simple_cases')),
ytd AS (
  SELECT year, quarter, unit, form,
    sum(found) OVER w AS cum_found, sum(rectified) OVER w AS cum_rectified
  FROM (
    SELECT year, quarter, unit, form,
      sum(value) FILTER (WHERE metric = 'hazards_found') AS found,
      sum(value) FILTER (WHERE metric = 'hazards_rectified') AS rectified
    FROM quarter_figures GROUP BY ALL
  )
  WINDOW w AS (PARTITION BY year, unit, form ORDER BY quarter)
),
flow_facts AS (
  ${flowFacts}
),
cumulative_check AS (
  SELECT c.submission_id, c.sheet, c.source_row, c.cell, c.form, c.unit, c.year, c.quarter, c.month, c.metric, c.value,
    any_value(f.label) AS label, sum(f.v) AS held, count(DISTINCT f.quarter) AS quarters_held
  FROM cumulative_figures c JOIN current_sub cs ON cs.submission_id = c.submission_id
  JOIN flow_facts f ON f.form = c.form AND f.unit = c.unit AND f.year = c.year AND f.metric = c.metric AND f.reach <= coalesce(c.month, c.quarter * 3)
  GROUP BY ALL
),
raw AS (
  SELECT 'cumulative_mismatch' AS rule, 'warning' AS severity, k.unit, k.form, k.year, k.quarter,
    format('{}年{}“{}”填报的累计数为 {}，但已入库的本年各期合计为 {}，相差 {}',
      k.year, CASE WHEN k.month IS NOT NULL THEN format('1-{}月', k.month) ELSE format('截至第{}季度', ${quarterName('k.quarter')}) END,
      k.label, regexp_replace(CAST(k.value AS VARCHAR), '\.0$', ''), regexp_replace(CAST(k.held AS VARCHAR), '\.0+$', ''),
      regexp_replace(CAST(round(k.value - k.held, 2) AS VARCHAR), '\.0+$', '')) AS message,
    k.submission_id, k.sheet, k.source_row, NULL AS field, concat_ws('|', k.submission_id, k.cell) AS key
  FROM cumulative_check k
  WHERE k.quarters_held = k.quarter AND abs(k.value - k.held) > 0.005
  UNION ALL
  SELECT 'fine_over_cap' AS rule, 'warning' AS severity, c.unit, 'L1' AS form, c.decision_year AS year, c.decision_quarter AS quarter,
    format('{}适用简易程序（当场处罚），对{}罚款 {} 元，超过法定上限 {} 元（《行政处罚法》第五十一条），属执法程序不规范',
      ${caseAt('c.source_row')}, CASE WHEN c.party_type = '个人' THEN '个人' ELSE '单位' END, ${amountText('c.fine_amount')},
      CASE WHEN c.party_type = '个人' THEN 200 ELSE 3000 END) AS message,
    c.submission_id, c.sheet, c.source_row, 'fine_amount' AS field, c.case_no AS key
  FROM cases c
  WHERE c.procedure = '简易程序' AND c.fine_amount > CASE WHEN c.party_type = '个人' THEN 200 ELSE 3000 END
  UNION ALL
  SELECT 'decision_before_filing', 'error', c.unit, 'L1', c.decision_year, c.decision_quarter,
    format('{}的决定日期 {} 早于立案日期 {}', ${caseAt('c.source_row')}, c.decision_date, c.filed_date),
    c.submission_id, c.sheet, c.source_row, 'decision_date', c.case_no
  FROM cases c WHERE c.decision_date < c.filed_date
  UNION ALL
  SELECT 'rectified_before_found', 'error', h.unit, 'L2', h.found_year, h.found_quarter,
    format('{} 检查发现的“{}”类隐患，整改完成日期 {} 早于检查日期 {}', h.inspection_date, h.category, h.rectified_date, h.inspection_date),
    h.submission_id, h.sheet, h.source_row, 'rectified_date', concat_ws('|', h.unit, h.inspection_date, h.inspected_entity, h.description)
  FROM hazards h WHERE h.rectified_date < h.inspection_date
  UNION ALL
  SELECT 'hazard_status_mismatch', 'warning', h.unit, 'L2', h.found_year, h.found_quarter,
    CASE WHEN h.status = '已整改' THEN format('{} 检查发现的“{}”类隐患标为已整改，但没有填写整改完成日期', h.inspection_date, h.category)
         ELSE format('{} 检查发现的“{}”类隐患填写了整改完成日期 {}，但整改状态为“{}”', h.inspection_date, h.category, h.rectified_date, h.status) END,
    h.submission_id, h.sheet, h.source_row, 'status', concat_ws('|', h.unit, h.inspection_date, h.inspected_entity, h.description)
  FROM hazards h WHERE (h.status = '已整改') <> (h.rectified_date IS NOT NULL)
  UNION ALL
  SELECT 'case_number_duplicate', 'error', any_value(f.unit), 'L1', year(any_value(f.decision_date)), quarter(any_value(f.decision_date)),
    format('同一案件编号在 {} 年出现 {} 次（{}），同一年内案件编号应唯一', year(any_value(f.decision_date)), count(*),
      array_to_string(list_sort(list(DISTINCT format('{}第 {} 行', f.unit, f.source_row))), '、')),
    min(f.submission_id), NULL, NULL, 'case_no', f.case_no
  FROM l1_cases f JOIN current_sub s ON s.submission_id = f.submission_id
  GROUP BY f.case_no, year(f.decision_date)
  HAVING count(*) > 1 AND (count(DISTINCT f.unit) > 1 OR count(DISTINCT f.submission_id) < count(*))
  UNION ALL
  SELECT 'ytd_rectified_exceeds_found', 'warning', y.unit, y.form, y.year, y.quarter,
    format('{}年截至第{}季度累计整改火灾隐患数 {} 超过累计发现数 {}', y.year, ${quarterName('y.quarter')}, y.cum_rectified, y.cum_found),
    (SELECT arg_max(submission_id, received_at) FROM current_sub s WHERE s.unit = y.unit AND s.form = y.form AND s.year = y.year AND s.period_from <= y.quarter * 3 AND s.period_to >= y.quarter * 3 - 2),
    NULL, NULL, NULL, concat_ws('|', y.unit, y.form, y.year, y.quarter)
  FROM ytd y WHERE y.cum_rectified > y.cum_found
  UNION ALL
  SELECT 't1_ledger_mismatch', 'warning', t.unit, 'T1', t.year, t.quarter,
    format('{}年第{}季度 T1 填报“{}” {}，但{}中按日期计入该季度的为 {}，相差 {}',
      t.year, ${quarterName('t.quarter')}, t.label, t.value,
      CASE WHEN t.metric LIKE 'hazards%' THEN '火灾隐患整改台账' ELSE '行政处罚案件台账' END,
      coalesce(l.n, 0), t.value - coalesce(l.n, 0)),
    ts.submission_id, NULL, NULL, t.metric, concat_ws('|', t.unit, t.year, t.quarter, t.metric)
  FROM t1 t
  JOIN ledger_sent ls ON ls.unit = t.unit AND ls.year = t.year AND ls.quarter = t.quarter
       AND ls.ledger = CASE WHEN t.metric LIKE 'hazards%' THEN 'hazards' ELSE 'cases' END
  LEFT JOIN ledger_counts l ON l.unit = t.unit AND l.year = t.year AND l.quarter = t.quarter AND l.metric = t.metric
  LEFT JOIN t1_sub ts ON ts.unit = t.unit AND ts.year = t.year AND ts.quarter = t.quarter
  WHERE t.value <> coalesce(l.n, 0)
  UNION ALL
  SELECT 'b1_penalties_mismatch', 'warning', '局本级', 'B1', b.year, b.quarter,
    format('{}年第{}季度局本级 B1 填报行政处罚 {} 件，但局本级行政处罚案件台账中按决定日期计入该季度的为 {} 件，相差 {}',
      b.year, ${quarterName('b.quarter')}, b.value, coalesce(c.n, 0), b.value - coalesce(c.n, 0)),
    NULL, NULL, NULL, 'penalties', concat_ws('|', b.year, b.quarter)
  FROM (SELECT year, quarter, sum(value) AS value FROM quarter_figures WHERE form = 'B1' AND metric = 'penalties' GROUP BY ALL) b
  JOIN (SELECT DISTINCT year, quarter FROM ledger_sent ls JOIN units u ON u.name = ls.unit WHERE u.kind = 'bureau' AND ls.ledger = 'cases') sent USING (year, quarter)
  LEFT JOIN (SELECT c.decision_year AS year, c.decision_quarter AS quarter, count(*) AS n FROM cases c JOIN units u ON u.name = c.unit WHERE u.kind = 'bureau' GROUP BY ALL) c USING (year, quarter)
  WHERE b.value <> coalesce(c.n, 0)
  UNION ALL
  SELECT 'total_row_mismatch', 'warning', s.unit, s.form, s.year, s.quarter, p.message,
    s.submission_id, p.sheet, NULL, NULL, concat_ws('|', s.submission_id, p.seq)
  FROM submission_problems p JOIN current_sub s USING (submission_id)
  WHERE p.code = 'total_mismatch'
)
SELECT md5(r.rule || '|' || r.key) AS finding_id, r.rule, r.severity, r.unit, r.form, r.year, r.quarter, r.message,
  s.path, r.sheet,
  coalesce(CASE WHEN r.source_row IS NOT NULL THEN col.column_letter || r.source_row END,
           CASE WHEN r.rule = 'cumulative_mismatch' THEN split_part(r.key, '|', 2) END,
           CASE WHEN r.rule = 'total_row_mismatch' THEN (SELECT p.cell FROM submission_problems p WHERE p.submission_id = r.submission_id AND p.message = r.message LIMIT 1) END) AS cell,
  r.submission_id
FROM raw r
LEFT JOIN submissions s ON s.submission_id = r.submission_id
LEFT JOIN submission_columns col ON col.submission_id = r.submission_id AND col.sheet = r.sheet AND col.field = r.field`,
};

/**
 * `township_ranking`: the 通报's indicators per township and quarter, ranked. Rates and averages are
 * exact quotients (DOUBLE, not rounded): outputs round them once, for display, with
 * `dashboards/rates.ts`; ranks come from the exact values, so 0.89947 and 0.8995 are not tied.
 */
export const townshipRankingView: ViewSpec = {
  name: 'township_ranking',
  comment:
    '镇街排名：通报所用指标——inspections 检查社会单位数、rectification_rate 累计整改率、cases 办理案件数、problems_per_case 每案评查问题数（越少越好）、on_time_rate 按时报送率；比率和平均数为未经四舍五入的精确值（显示时才统一保留一位小数），rank 按精确值排出，为 22 个镇街中的名次',
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
qf AS (SELECT * FROM quarter_figures WHERE form = 'T1'),
ytd AS (
  SELECT t.year, t.quarter, t.unit,
    (SELECT sum(value) FROM qf WHERE qf.unit = t.unit AND qf.year = t.year AND qf.quarter <= t.quarter AND metric = 'hazards_rectified') AS rect,
    (SELECT sum(value) FROM qf WHERE qf.unit = t.unit AND qf.year = t.year AND qf.quarter <= t.quarter AND metric = 'hazards_found') AS found
  FROM towns t
),
values_ AS (
  SELECT t.year, t.quarter, t.unit, 'inspections' AS indicator, '检查社会单位数' AS label, 'desc' AS dir,
    (SELECT sum(value) FROM qf WHERE qf.unit = t.unit AND qf.year = t.year AND qf.quarter = t.quarter AND metric = 'units_inspected')::DOUBLE AS value
  FROM towns t
  UNION ALL
  SELECT year, quarter, unit, 'rectification_rate', '累计整改率', 'desc', CASE WHEN found > 0 THEN rect / found END FROM ytd
  UNION ALL
  SELECT t.year, t.quarter, t.unit, 'cases', '办理案件数', 'desc',
    (SELECT sum(value) FROM qf WHERE qf.unit = t.unit AND qf.year = t.year AND qf.quarter = t.quarter AND metric LIKE '%_cases')::DOUBLE
  FROM towns t
  UNION ALL
  SELECT t.year, t.quarter, t.unit, 'problems_per_case', '每案评查问题数', 'asc',
    (SELECT CASE WHEN count(*) > 0 THEN sum(len(problems)) / count(*) END FROM case_reviews r WHERE r.handling_unit = t.unit AND r.year = t.year AND r.quarter = t.quarter)
  FROM towns t
  UNION ALL
  SELECT t.year, t.quarter, t.unit, 'on_time_rate', '按时报送率', 'desc',
    (SELECT count(*) FILTER (WHERE status = 'on_time') / count(*) FROM submission_status s WHERE s.unit = t.unit AND s.year = t.year AND s.quarter = t.quarter)
  FROM towns t
)
SELECT year, quarter, unit, indicator, label, value,
  CASE WHEN value IS NULL THEN NULL
       WHEN dir = 'asc' THEN rank() OVER (PARTITION BY year, quarter, indicator, value IS NULL ORDER BY value ASC)
       ELSE rank() OVER (PARTITION BY year, quarter, indicator, value IS NULL ORDER BY value DESC) END AS rank
FROM values_`,
};

/** The analysis views, in dependency order (after the base views). */
export const analysisViews: readonly ViewSpec[] = [submissionStatusView, hazardsOpenView, caseQualityView, findingsView, townshipRankingView];
