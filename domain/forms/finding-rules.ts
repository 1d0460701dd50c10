import { fieldOf, fullLabel, type FieldDefinition, type FormDefinition } from './form-definition.js';
import { forms, formByCode } from './index.js';
import { bureauCaseField, bureauFiguresForm, caseLedger, hazardLedger, rectification, townshipFiguresForm } from './report-fields.js';
import { sqlText } from './sql-text.js';

/**
 * The rules the `findings` view checks — one catalogue for the view (which assembles its SQL from
 * the entries), the integrity check (the rules that reconcile figures with ledgers) and the
 * documents and pages (each rule's Chinese name). Messages state the facts (dates, amounts, the
 * hazard's category, row numbers) and never quote free text: a hazard description or a case number
 * can hold a person's name, ID or phone number. Finding ids (md5 of rule and key) do not change
 * with how a message is worded.
 */
export interface FindingRule {
  /** Stable code, the view's `rule` (part of the finding id: never renamed). */
  readonly code: string;
  /** Chinese name, for tables and the 通报. */
  readonly label: string;
  readonly severity: 'error' | 'warning';
  /** Compares a form's figures with a ledger's rows (reported by `firestat check`). */
  readonly reconciles?: boolean;
  /** Named subqueries the rule reads (`WITH name AS (…)`); a name shared by rules means the same query. */
  readonly with?: readonly (readonly [name: string, sql: string])[];
  /**
   * After `SELECT rule, severity,`: the columns `unit, form, year, quarter, message, submission_id,
   * sheet, source_row, field, key, cell` (each aliased), and the rule's `FROM …`. `current_sub` is
   * the current (loaded) submissions; `cell` is used where `source_row` and `field` give none.
   */
  readonly select: string;
  readonly from: string;
}

/** `一`…`四` for a quarter number. */
const quarterName = (q: string) => `['一','二','三','四'][${q}]`;

/** Amount without a trailing `.00`: 500.00 → `500`. */
const amountText = (expr: string) => `regexp_replace(CAST(${expr} AS VARCHAR), '\\.00$', '')`;

/**
 * A case named by where it is, not by its number: `案件（第 12 行）`. A 案件编号 is typed by a
 * person and can hold a name; the finding's sheet and cell locate the case anyway.
 */
const caseAt = (row: string) => `CASE WHEN ${row} IS NULL THEN '案件' ELSE format('案件（第 {} 行）', ${row}) END`;

const ledgerOf = (f: FieldDefinition): FormDefinition => {
  const form = f.tally && formByCode(f.tally.form);
  if (!form?.currentView) throw new Error(`${f.id}: tally names ${f.tally?.form}, which is not a ledger with a current view`);
  return form;
};

/** The current view's `<as>_year`/`<as>_quarter` prefix for a ledger's date field. */
const periodOf = (ledger: FormDefinition, dateField: string): string => {
  const p = ledger.currentView?.periods?.find((x) => x.field === dateField);
  if (!p) throw new Error(`${ledger.code} ${dateField}: no period in its current view`);
  return p.as;
};

/** One ledger count per quarter and unit for a tallying field: rows dated in the quarter (and matching its `where`). */
function ledgerCountSql(f: FieldDefinition): string {
  const ledger = ledgerOf(f);
  const p = periodOf(ledger, f.tally!.dateField);
  const where = [`${f.tally!.dateField} IS NOT NULL`, ...Object.entries(f.tally!.where ?? {}).map(([k, v]) => `${k} = ${sqlText(v)}`)];
  return `SELECT unit, ${p}_year AS year, ${p}_quarter AS quarter, ${sqlText(f.id)} AS metric, count(*) AS n FROM ${ledger.currentView!.name} WHERE ${where.join(' AND ')} GROUP BY ALL`;
}

const is = (f: FieldDefinition) => f.type === 'count' && f.tally !== undefined;

/** The catalogue, built from today's form declarations (call it when building the view). */
export function findingRules(): FindingRule[] {
  const aggregate = forms.filter((f) => f.kind === 'aggregate');
  const tallied = townshipFiguresForm.fields.filter(is);
  const ledgers = [...new Set(tallied.map(ledgerOf))];
  const dateLabel = (ledger: FormDefinition, id: string) => fieldOf(ledger, id).label;
  const bureauLedger = ledgerOf(bureauCaseField);
  const bureauPeriod = periodOf(bureauLedger, bureauCaseField.tally!.dateField);
  const cases = caseLedger.currentView!.name;
  const hazards = hazardLedger.currentView!.name;

  const ledgerSent: readonly [string, string] = [
    'ledger_sent',
    `SELECT DISTINCT s.unit, s.year, q.generate_series::INTEGER AS quarter, s.form AS ledger
  FROM current_sub s, generate_series(1, 4) q
  WHERE s.form IN (${[...new Set([...ledgers, bureauLedger])].map((l) => sqlText(l.code)).join(', ')}) AND s.period_from <= q.generate_series * 3 AND s.period_to >= q.generate_series * 3 - 2`,
  ];
  /** Every flow count of the aggregate forms, one row per current fact row and metric, with the month it reaches (a quarter's row reaches its last month). */
  const flowFacts = aggregate
    .flatMap((form) =>
      form.fields
        .filter((f) => (f.type === 'count' || f.type === 'amount') && f.measure !== 'stock')
        .map(
          (f) =>
            `SELECT ${sqlText(form.code)} AS form, x.unit, x.year, x.quarter, coalesce(x.month, x.quarter * 3) AS reach, ${sqlText(f.id)} AS metric, ${sqlText(fullLabel(f))} AS label, x.${f.id} AS v FROM ${form.table} x JOIN current_sub cs ON cs.submission_id = x.submission_id`,
        ),
    )
    .join('\n  UNION ALL\n  ');

  return [
    {
      code: 'cumulative_mismatch',
      label: '累计数与各期合计不符',
      severity: 'warning',
      with: [
        ['flow_facts', flowFacts],
        [
          'cumulative_check',
          `SELECT c.submission_id, c.sheet, c.source_row, c.cell, c.form, c.unit, c.year, c.quarter, c.month, c.metric, c.value,
    any_value(f.label) AS label, sum(f.v) AS held, count(DISTINCT f.quarter) AS quarters_held
  FROM cumulative_figures c JOIN current_sub cs ON cs.submission_id = c.submission_id
  JOIN flow_facts f ON f.form = c.form AND f.unit = c.unit AND f.year = c.year AND f.metric = c.metric AND f.reach <= coalesce(c.month, c.quarter * 3)
  GROUP BY ALL`,
        ],
      ],
      select: `k.unit, k.form, k.year, k.quarter,
    format('{}年{}“{}”填报的累计数为 {}，但已入库的本年各期合计为 {}，相差 {}',
      k.year, CASE WHEN k.month IS NOT NULL THEN format('1-{}月', k.month) ELSE format('截至第{}季度', ${quarterName('k.quarter')}) END,
      k.label, regexp_replace(CAST(k.value AS VARCHAR), '\\.0$', ''), regexp_replace(CAST(k.held AS VARCHAR), '\\.0+$', ''),
      regexp_replace(CAST(round(k.value - k.held, 2) AS VARCHAR), '\\.0+$', '')) AS message,
    k.submission_id, k.sheet, k.source_row, NULL AS field, concat_ws('|', k.submission_id, k.cell) AS key, coalesce(k.cell, '') AS cell`,
      from: `FROM cumulative_check k
  WHERE k.quarters_held = k.quarter AND abs(k.value - k.held) > 0.005`,
    },
    {
      code: 'fine_over_cap',
      label: '简易程序罚款超过法定上限',
      severity: 'warning',
      select: `c.unit, ${sqlText(caseLedger.code)} AS form, c.decision_year AS year, c.decision_quarter AS quarter,
    format('{}适用简易程序（当场处罚），对{}罚款 {} 元，超过法定上限 {} 元（《行政处罚法》第五十一条），属执法程序不规范',
      ${caseAt('c.source_row')}, CASE WHEN c.party_type = '个人' THEN '个人' ELSE '单位' END, ${amountText('c.fine_amount')},
      CASE WHEN c.party_type = '个人' THEN 200 ELSE 3000 END) AS message,
    c.submission_id, c.sheet, c.source_row, 'fine_amount' AS field, c.case_no AS key, NULL AS cell`,
      from: `FROM ${cases} c
  WHERE c.procedure = '简易程序' AND c.fine_amount > CASE WHEN c.party_type = '个人' THEN 200 ELSE 3000 END`,
    },
    {
      code: 'decision_before_filing',
      label: '决定日期早于立案日期',
      severity: 'error',
      select: `c.unit, ${sqlText(caseLedger.code)}, c.decision_year, c.decision_quarter,
    format('{}的决定日期 {} 早于立案日期 {}', ${caseAt('c.source_row')}, c.decision_date, c.filed_date),
    c.submission_id, c.sheet, c.source_row, 'decision_date', c.case_no, NULL`,
      from: `FROM ${cases} c WHERE c.decision_date < c.filed_date`,
    },
    {
      code: 'rectified_before_found',
      label: '整改完成日期早于检查日期',
      severity: 'error',
      select: `h.unit, ${sqlText(hazardLedger.code)}, h.found_year, h.found_quarter,
    format('{} 检查发现的“{}”类隐患，整改完成日期 {} 早于检查日期 {}', h.inspection_date, h.category, h.rectified_date, h.inspection_date),
    h.submission_id, h.sheet, h.source_row, 'rectified_date', concat_ws('|', h.unit, h.inspection_date, h.inspected_entity, h.description), NULL`,
      from: `FROM ${hazards} h WHERE h.rectified_date < h.inspection_date`,
    },
    {
      code: 'hazard_status_mismatch',
      label: '整改状态与整改日期不符',
      severity: 'warning',
      select: `h.unit, ${sqlText(hazardLedger.code)}, h.found_year, h.found_quarter,
    CASE WHEN h.status = '已整改' THEN format('{} 检查发现的“{}”类隐患标为已整改，但没有填写整改完成日期', h.inspection_date, h.category)
         ELSE format('{} 检查发现的“{}”类隐患填写了整改完成日期 {}，但整改状态为“{}”', h.inspection_date, h.category, h.rectified_date, h.status) END,
    h.submission_id, h.sheet, h.source_row, 'status', concat_ws('|', h.unit, h.inspection_date, h.inspected_entity, h.description), NULL`,
      from: `FROM ${hazards} h WHERE (h.status = '已整改') <> (h.rectified_date IS NOT NULL)`,
    },
    {
      code: 'case_number_duplicate',
      label: '案件编号重复',
      severity: 'error',
      select: `any_value(f.unit), ${sqlText(caseLedger.code)}, year(any_value(f.decision_date)), quarter(any_value(f.decision_date)),
    format('同一案件编号在 {} 年出现 {} 次（{}），同一年内案件编号应唯一', year(any_value(f.decision_date)), count(*),
      array_to_string(list_sort(list(DISTINCT format('{}第 {} 行', f.unit, f.source_row))), '、')),
    min(f.submission_id), NULL, NULL, 'case_no', f.case_no, NULL`,
      from: `FROM ${caseLedger.table} f JOIN current_sub s ON s.submission_id = f.submission_id
  GROUP BY f.case_no, year(f.decision_date)
  HAVING count(*) > 1 AND (count(DISTINCT f.unit) > 1 OR count(DISTINCT f.submission_id) < count(*))`,
    },
    {
      code: 'ytd_rectified_exceeds_found',
      label: '累计整改数超过累计发现数',
      severity: 'warning',
      with: [
        [
          'ytd',
          `SELECT year, quarter, unit, form,
    sum(found) OVER w AS cum_found, sum(rectified) OVER w AS cum_rectified
  FROM (
    SELECT year, quarter, unit, form,
      sum(value) FILTER (WHERE metric = ${sqlText(rectification.found)}) AS found,
      sum(value) FILTER (WHERE metric = ${sqlText(rectification.rectified)}) AS rectified
    FROM quarter_figures GROUP BY ALL
  )
  WINDOW w AS (PARTITION BY year, unit, form ORDER BY quarter)`,
        ],
      ],
      select: `y.unit, y.form, y.year, y.quarter,
    format('{}年截至第{}季度累计整改火灾隐患数 {} 超过累计发现数 {}', y.year, ${quarterName('y.quarter')}, y.cum_rectified, y.cum_found),
    (SELECT arg_max(submission_id, received_at) FROM current_sub s WHERE s.unit = y.unit AND s.form = y.form AND s.year = y.year AND s.period_from <= y.quarter * 3 AND s.period_to >= y.quarter * 3 - 2),
    NULL, NULL, NULL, concat_ws('|', y.unit, y.form, y.year, y.quarter), NULL`,
      from: `FROM ytd y WHERE y.cum_rectified > y.cum_found`,
    },
    {
      code: 't1_ledger_mismatch',
      label: '统计表与台账不符',
      severity: 'warning',
      reconciles: true,
      with: [
        [
          'figures_sub',
          `SELECT unit, year, quarter, arg_max(submission_id, received_at) AS submission_id FROM current_sub WHERE form = ${sqlText(townshipFiguresForm.code)} GROUP BY ALL`,
        ],
        ['ledger_counts', tallied.map(ledgerCountSql).join('\n  UNION ALL\n  ')],
        ledgerSent,
        [
          'tallies',
          `SELECT * FROM (VALUES ${tallied.map((f) => `(${sqlText(f.id)}, ${sqlText(ledgerOf(f).code)}, ${sqlText(ledgerOf(f).name)})`).join(', ')}) v(metric, ledger, ledger_name)`,
        ],
        [
          'tallied',
          `SELECT q.*, v.ledger, v.ledger_name FROM quarter_figures q JOIN tallies v USING (metric) WHERE q.form = ${sqlText(townshipFiguresForm.code)}`,
        ],
      ],
      select: `t.unit, ${sqlText(townshipFiguresForm.code)}, t.year, t.quarter,
    format('{}年第{}季度 ${townshipFiguresForm.code} 填报“{}” {}，但{}中按日期计入该季度的为 {}，相差 {}',
      t.year, ${quarterName('t.quarter')}, t.label, t.value, t.ledger_name,
      coalesce(l.n, 0), t.value - coalesce(l.n, 0)),
    ts.submission_id, NULL, NULL, t.metric, concat_ws('|', t.unit, t.year, t.quarter, t.metric), NULL`,
      from: `FROM tallied t
  JOIN ledger_sent ls ON ls.unit = t.unit AND ls.year = t.year AND ls.quarter = t.quarter AND ls.ledger = t.ledger
  LEFT JOIN ledger_counts l ON l.unit = t.unit AND l.year = t.year AND l.quarter = t.quarter AND l.metric = t.metric
  LEFT JOIN figures_sub ts ON ts.unit = t.unit AND ts.year = t.year AND ts.quarter = t.quarter
  WHERE t.value <> coalesce(l.n, 0)`,
    },
    {
      code: 'b1_penalties_mismatch',
      label: '月报行政处罚数与案件台账不符',
      severity: 'warning',
      reconciles: true,
      with: [ledgerSent],
      select: `'局本级', ${sqlText(bureauFiguresForm.code)}, b.year, b.quarter,
    format('{}年第{}季度局本级 ${bureauFiguresForm.code} 填报${bureauCaseField.label} {} ${bureauCaseField.unit ?? ''}，但局本级${bureauLedger.name}中按${dateLabel(bureauLedger, bureauCaseField.tally!.dateField)}计入该季度的为 {} ${bureauCaseField.unit ?? ''}，相差 {}',
      b.year, ${quarterName('b.quarter')}, b.value, coalesce(c.n, 0), b.value - coalesce(c.n, 0)),
    NULL, NULL, NULL, ${sqlText(bureauCaseField.id)}, concat_ws('|', b.year, b.quarter), NULL`,
      from: `FROM (SELECT year, quarter, sum(value) AS value FROM quarter_figures WHERE form = ${sqlText(bureauFiguresForm.code)} AND metric = ${sqlText(bureauCaseField.id)} GROUP BY ALL) b
  JOIN (SELECT DISTINCT year, quarter FROM ledger_sent ls JOIN units u ON u.name = ls.unit WHERE u.kind = 'bureau' AND ls.ledger = ${sqlText(bureauLedger.code)}) sent USING (year, quarter)
  LEFT JOIN (SELECT c.${bureauPeriod}_year AS year, c.${bureauPeriod}_quarter AS quarter, count(*) AS n FROM ${bureauLedger.currentView!.name} c JOIN units u ON u.name = c.unit WHERE u.kind = 'bureau' GROUP BY ALL) c USING (year, quarter)
  WHERE b.value <> coalesce(c.n, 0)`,
    },
    {
      code: 'total_row_mismatch',
      label: '合计行与各行之和不符',
      severity: 'warning',
      select: `s.unit, s.form, s.year, s.quarter, p.message,
    s.submission_id, p.sheet, NULL, NULL, concat_ws('|', s.submission_id, p.seq),
    (SELECT p2.cell FROM submission_problems p2 WHERE p2.submission_id = s.submission_id AND p2.message = p.message LIMIT 1)`,
      from: `FROM submission_problems p JOIN current_sub s USING (submission_id)
  WHERE p.code = 'total_mismatch'`,
    },
  ];
}

/** Rule code → Chinese name. */
export function findingRuleLabels(): ReadonlyMap<string, string> {
  return new Map(findingRules().map((r) => [r.code, r.label]));
}
