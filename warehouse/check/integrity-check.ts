import { forms } from '../../domain/forms/index.js';
import { findingRules } from '../../domain/forms/finding-rules.js';
import { townshipFiguresForm } from '../../domain/forms/report-fields.js';
import { existsSync, statSync } from 'node:fs';
import { queryRows } from '../query.js';
import { walFiles } from '../working-copy.js';
import type { Warehouse } from '../warehouse.js';

/** One check and what it found. */
export interface CheckResult {
  readonly check: string;
  /** Chinese description of what is checked. */
  readonly description: string;
  readonly ok: boolean;
  /** How many rows break it. */
  readonly violations: number;
  /** A few examples, in Chinese. */
  readonly examples: readonly string[];
}

interface CheckSpec {
  readonly check: string;
  readonly description: string;
  /** SQL returning one row per violation with a column `example`. */
  readonly sql: string;
}

/** quarter_figures recomputed straight from the fact tables, independently of the view's SQL. */
function recomputedFigures(): string {
  const parts: string[] = [];
  for (const form of forms.filter((f) => f.kind === 'aggregate')) {
    for (const f of form.fields.filter((x) => x.type === 'count')) {
      const agg = f.measure === 'stock' ? `max_by(t.${f.id}, coalesce(t.month, t.quarter * 3))` : `sum(t.${f.id})`;
      parts.push(`SELECT t.year, t.quarter, t.unit, '${form.code}' AS form, '${f.id}' AS metric, ${agg}::BIGINT AS value
        FROM ${form.table} t WHERE t.submission_id IN (SELECT submission_id FROM cur) GROUP BY ALL`);
    }
  }
  return parts.join(' UNION ALL ');
}

/** The checks, from today's form declarations and finding rules. */
function checks(): CheckSpec[] {
  const factTables = forms.map((f) => f.table);
  const reconciling = findingRules()
    .filter((r) => r.reconciles)
    .map((r) => `'${r.code}'`);
  return [
    {
      check: 'known_statuses',
      description: '每个报送文件的状态都是 loaded、replaced、rejected 或 failed 之一',
      sql: `SELECT '报送文件 ' || submission_id || '（' || path || '）的状态为未知的“' || coalesce(status, '空') || '”' AS example
      FROM submissions WHERE status IS NULL OR status NOT IN ('loaded', 'replaced', 'rejected', 'failed')`,
    },
    {
      check: 'fact_rows_have_submission',
      description: '每一行数据都能追溯到一个报送文件',
      sql: factTables
        .map(
          (t) =>
            `SELECT '${t} 第 ' || f.source_row || ' 行指向不存在的报送文件 ' || f.submission_id AS example FROM ${t} f LEFT JOIN submissions s USING (submission_id) WHERE s.submission_id IS NULL`,
        )
        .join(' UNION ALL '),
    },
    {
      check: 'rejected_files_have_no_rows',
      description: '被退回或处理失败的文件没有任何数据行入库',
      sql: factTables
        .map(
          (t) =>
            `SELECT (CASE s.status WHEN 'failed' THEN '处理失败' ELSE '退回' END) || '的文件 ' || s.path || ' 在 ${t} 中有数据行' AS example FROM ${t} f JOIN submissions s USING (submission_id) WHERE s.status IN ('rejected', 'failed')`,
        )
        .join(' UNION ALL '),
    },
    {
      check: 'row_counts_match',
      description: '每个入库文件的数据行数与登记的行数一致（没有装了一半的文件）',
      sql: `WITH facts AS (${factTables.map((t) => `SELECT submission_id FROM ${t}`).join(' UNION ALL ')}),
      n AS (SELECT submission_id, count(*) AS rows FROM facts GROUP BY ALL)
      SELECT s.path || '：登记 ' || s.rows || ' 行，实际 ' || coalesce(n.rows, 0) || ' 行' AS example
      FROM submissions s LEFT JOIN n USING (submission_id) WHERE s.status IN ('loaded', 'replaced') AND coalesce(n.rows, 0) <> s.rows`,
    },
    {
      check: 'one_current_submission',
      description: '同一单位、同一报表、同一期间只有一份现行文件',
      sql: `SELECT a.unit || ' ' || a.form || '：' || a.path || ' 与 ' || b.path || ' 期间重叠且都为现行' AS example
      FROM submissions a JOIN submissions b ON a.unit_code = b.unit_code AND a.form = b.form AND a.year = b.year
        AND a.submission_id < b.submission_id AND a.period_from <= b.period_to AND b.period_from <= a.period_to
      WHERE a.status = 'loaded' AND b.status = 'loaded'`,
    },
    {
      check: 'quarter_figures_recompute',
      description: '季度数字（quarter_figures）等于直接从数据行重新计算的结果',
      // The current submissions once (not the view's plan in each of the forty-odd parts: 0.24 s of planning).
      sql: `WITH cur AS MATERIALIZED (SELECT submission_id FROM current_submissions), r AS (${recomputedFigures()})
      SELECT coalesce(q.unit, r.unit) || ' ' || coalesce(q.year, r.year) || '年第' || coalesce(q.quarter, r.quarter) || '季度 ' || coalesce(q.metric, r.metric)
        || '：视图 ' || coalesce(q.value::VARCHAR, '无') || '，重算 ' || coalesce(r.value::VARCHAR, '无') AS example
      FROM quarter_figures q FULL JOIN r ON q.year = r.year AND q.quarter = r.quarter AND q.unit = r.unit AND q.form = r.form AND q.metric = r.metric
      WHERE q.value IS DISTINCT FROM r.value`,
    },
    {
      check: 'ledgers_agree_with_t1',
      description: `镇街统计表（${townshipFiguresForm.code}）与其案件、隐患台账按季度一致（不一致之处见 findings 视图）`,
      sql: `SELECT message AS example FROM findings WHERE rule IN (${reconciling.join(', ')})`,
    },
  ];
}

/** Checks whose failure means the warehouse itself is wrong (not just the data people sent). */
const structural = new Set([
  'no_foreign_wal',
  'known_statuses',
  'fact_rows_have_submission',
  'rejected_files_have_no_rows',
  'row_counts_match',
  'one_current_submission',
  'quarter_figures_recompute',
]);

/**
 * The checks whose failure makes the warehouse unsound (the others are reported).
 * @public (the schema-evolution test reads it through its freshly imported modules)
 */
export const structuralChecks: ReadonlySet<string> = structural;

/**
 * The published file itself: no WAL beside it. firestat publishes only checkpointed files, so a
 * WAL there was left by another program that opened the warehouse read-write; DuckDB replays it on
 * every open (read-only ones too, in memory), so what readers see is not what firestat published.
 */
export function foreignWalCheck(path: string): CheckResult {
  const found = walFiles(path).filter((f) => existsSync(f));
  return {
    check: 'no_foreign_wal',
    description: '已发布的数据仓库旁没有其他程序留下的 WAL 文件（否则读到的不是 firestat 发布的数据）',
    ok: found.length === 0,
    violations: found.length,
    examples: found.map((f) => `${f}（${statSync(f).size} 字节）：有程序以读写方式打开过数据仓库并留下了未写回的修改；下次 firestat run 发布前会移除它`),
  };
}

/**
 * Runs the integrity checks: every one (`firestat check`), or only the structural ones — what a run
 * needs before publishing. The reconciliation check reads the findings view, which dedupes the
 * whole ledger (4 s on a million hazard rows here); its differences are the 调度's findings, shown
 * there, and never stop a run.
 */
export async function checkWarehouse(warehouse: Warehouse, only: 'all' | 'structural' = 'all'): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const c of checks()) {
    if (only === 'structural' && !structural.has(c.check)) continue;
    const rows = (await queryRows(warehouse, `SELECT example FROM (${c.sql}) LIMIT 1000`)).rows;
    results.push({
      check: c.check,
      description: c.description,
      ok: rows.length === 0,
      violations: rows.length,
      examples: rows.slice(0, 5).map((r) => String(r.example)),
    });
  }
  return results;
}

/** True when every structural check passed (reconciliation differences are reported, not fatal). */
export function warehouseSound(results: readonly CheckResult[]): boolean {
  return results.every((r) => r.ok || !structural.has(r.check));
}

/** A Chinese report of the checks. */
export function checkReport(results: readonly CheckResult[]): string {
  return results
    .map((r) => {
      const mark = r.ok ? '通过' : structural.has(r.check) ? '失败' : '提示';
      const head = `[${mark}] ${r.description}${r.ok ? '' : `：${r.violations} 处`}`;
      return [head, ...r.examples.map((e) => `       ${e}`)].join('\n');
    })
    .join('\n');
}
