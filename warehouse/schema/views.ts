import type { FormDefinition } from '../../domain/forms/form-definition.js';
import { fullLabel } from '../../domain/forms/form-definition.js';
import { sqlString } from './fact-tables.js';

/** A documented view: its SQL, its comment and a comment per column. */
export interface ViewSpec {
  readonly name: string;
  readonly comment: string;
  readonly sql: string;
  readonly columns: Readonly<Record<string, string>>;
}

function currentRows(form: FormDefinition): string {
  return `SELECT f.*, s.received_at AS submission_received_at FROM ${form.table} f JOIN current_submissions s ON s.submission_id = f.submission_id`;
}

/** `quarter_figures`: every aggregate form's counts in long format per unit and quarter, stock rule applied. */
export function quarterFiguresView(aggregateForms: readonly FormDefinition[]): ViewSpec {
  const parts: string[] = [];
  for (const form of aggregateForms) {
    for (const f of form.fields.filter((x) => x.type === 'count')) {
      const value = f.measure === 'stock' ? `arg_max(${f.id}, coalesce(month, quarter * 3))` : `sum(${f.id})`;
      parts.push(
        `SELECT year, quarter, unit, ${sqlString(form.code)} AS form, ${sqlString(f.id)} AS metric, ${sqlString(fullLabel(f))} AS label, ${sqlString(f.measure ?? 'flow')} AS measure, CAST(${value} AS BIGINT) AS value FROM cur_${form.code.toLowerCase()} GROUP BY year, quarter, unit`,
      );
    }
  }
  const ctes = aggregateForms.map((f) => `cur_${f.code.toLowerCase()} AS (${currentRows(f)})`).join(',\n');
  return {
    name: 'quarter_figures',
    comment: `季度数字（长表）：${aggregateForms.map((f) => f.code).join('、')} 各单位各季度每项指标一行，只取现行（未被替换）的报送；人员数取季度内最新值，其余为季度合计`,
    sql: `WITH ${ctes},\nfigures AS (\n${parts.join('\nUNION ALL\n')}\n)\nSELECT g.year, g.quarter, g.unit, u.kind AS unit_kind, g.form, g.metric, g.label, g.measure, g.value FROM figures g LEFT JOIN units u ON u.name = g.unit`,
    columns: {
      year: '年度',
      quarter: '季度（1-4）',
      unit: '单位正式名称',
      unit_kind: '单位类别：township 镇街 / bureau 局本级',
      form: `报表代码：${aggregateForms.map((f) => f.code).join(' 或 ')}`,
      metric: '指标代码（稳定的英文标识）',
      label: '指标中文名（两级表头写作“赋权执法案件·一般程序”）',
      measure: 'flow 累加量 / stock 时点数（人员数）',
      value: '数值',
    },
  };
}

/** `year_figures`: every figure of the year-end report's section 一, by scope. */
export function yearFiguresView(aggregateForms: readonly FormDefinition[]): ViewSpec {
  // A form's figures count in the scope of the units that send it (the township form's in the
  // townships' total, the bureau form's in the bureau's).
  const labels = aggregateForms.flatMap((form) =>
    form.senders.flatMap((scope) =>
      form.fields
        .filter((f) => f.type === 'count')
        .map(
          (f) => `(${sqlString(form.code)}, ${sqlString(scope)}, ${sqlString(f.id)}, ${sqlString(f.reportLabel ?? fullLabel(f))}, ${form.fields.indexOf(f)})`,
        ),
    ),
  );
  return {
    name: 'year_figures',
    comment: '年度数字：年度报告“一、行政执法总体情况”中的每个数字；scope 为 township（22 个镇街合计）或 bureau（局本级合计）；人员数取各单位年内最新值再相加',
    sql: `WITH labels(form, scope, metric, report_label, ord) AS (VALUES ${labels.join(', ')}),
per_unit AS (
  SELECT year, unit, unit_kind, form, metric, measure,
         CASE WHEN measure = 'stock' THEN arg_max(value, quarter) ELSE sum(value) END AS value
  FROM quarter_figures GROUP BY year, unit, unit_kind, form, metric, measure
)
SELECT p.year, p.unit_kind AS scope, p.metric, l.report_label AS label, CAST(sum(p.value) AS BIGINT) AS value, l.ord AS position
FROM per_unit p JOIN labels l ON l.form = p.form AND l.metric = p.metric AND l.scope = p.unit_kind
GROUP BY p.year, p.unit_kind, p.metric, l.report_label, l.ord
ORDER BY p.year, scope, l.ord`,
    columns: {
      year: '年度',
      scope: 'township 镇街合计 / bureau 局本级合计',
      metric: '指标代码',
      label: '年度报告中的指标名称',
      value: '全年数值',
      position: '在年度报告中的先后顺序',
    },
  };
}

/**
 * Current ledger rows (the form's `currentView`): latest submission wins for each real-world record;
 * each of the view's `periods` adds the year and quarter its date places the row in.
 */
export function ledgerView(form: FormDefinition): ViewSpec {
  const view = form.currentView;
  if (!view) throw new Error(`${form.code} declares no current view`);
  const { name, comment } = view;
  const extra: Record<string, [sql: string, comment: string]> = {};
  for (const p of view.periods ?? []) {
    const label = form.fields.find((f) => f.id === p.field)?.label ?? p.field;
    extra[`${p.as}_year`] = [`year(f.${p.field})`, `按${label}计入${p.meaning ?? ''}的年度`];
    extra[`${p.as}_quarter`] = [`quarter(f.${p.field})`, `按${label}计入${p.meaning ?? ''}的季度`];
  }
  const key = (form.naturalKey ?? []).map((k) => (k === form.unitField ? 'f.unit' : `f.${k}`));
  // A period in the key (评查季度) is stored as year and quarter.
  const partition =
    form.periodField && form.naturalKey?.includes(form.periodField) ? [...key.filter((k) => k !== `f.${form.periodField}`), 'f.year', 'f.quarter'] : key;
  const extras = Object.entries(extra).map(([col, [expr]]) => `${expr} AS ${col}`);
  return {
    name,
    comment,
    sql: `SELECT * EXCLUDE (rn) FROM (
  SELECT f.*, ${extras.length ? `${extras.join(', ')}, ` : ''}s.received_at AS submission_received_at,
         row_number() OVER (PARTITION BY ${partition.join(', ')} ORDER BY s.received_at DESC, f.submission_id DESC, f.source_row DESC) AS rn
  FROM ${form.table} f JOIN current_submissions s ON s.submission_id = f.submission_id
) WHERE rn = 1`,
    columns: {
      ...Object.fromEntries(Object.entries(extra).map(([col, [, c]]) => [col, c])),
      submission_received_at: '来源报送文件的收到时间',
    },
  };
}

/** DDL creating a view and its comments. */
export function viewDdl(view: ViewSpec): string[] {
  return [
    `CREATE OR REPLACE VIEW ${view.name} AS\n${view.sql}`,
    `COMMENT ON VIEW ${view.name} IS ${sqlString(view.comment)}`,
    ...Object.entries(view.columns).map(([c, text]) => `COMMENT ON COLUMN ${view.name}.${c} IS ${sqlString(text)}`),
  ];
}
