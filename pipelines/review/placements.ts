import type { Period } from '../../domain/periods.js';
import { periodLabel } from '../../domain/periods.js';
import type { Unit, UnitRegistry } from '../../domain/units.js';
import type { Problem } from '../parse/problem.js';
import { queryRows } from '../../warehouse/query.js';
import type { Warehouse } from '../../warehouse/warehouse.js';

/** A refused file the analyst let in (`firestat review accept`): the unit and period they stated. */
export interface Placement {
  readonly actionId: number;
  readonly by: string;
  readonly unit?: Unit;
  readonly period?: Period;
}

/** Problem code of the notice kept with a file loaded under an accept (`found` = the decision's id). */
const acceptedCode = 'review_accepted';

/**
 * The accepts in force, by the file's SHA-256: ingest reads such a file with the stated unit and
 * period (every other check stands). A warehouse without `review_actions` (opened before the
 * migration) has none.
 */
export async function acceptedPlacements(warehouse: Warehouse, registry: UnitRegistry): Promise<Map<string, Placement>> {
  const out = new Map<string, Placement>();
  const exists = await queryRows(warehouse, `SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'review_actions'`);
  if (Number(exists.rows[0]?.n ?? 0) === 0) return out;
  const { rows } = await queryRows(
    warehouse,
    `SELECT action_id, acted_by, target_sha256, unit, year, period_from, period_to FROM review_actions
     WHERE action = 'accept' AND undone_by IS NULL AND target_sha256 IS NOT NULL ORDER BY action_id`,
  );
  for (const r of rows) {
    const unit = r.unit == null ? undefined : registry.byName(String(r.unit));
    const period = r.year == null ? undefined : { year: Number(r.year), fromMonth: Number(r.period_from), toMonth: Number(r.period_to) };
    out.set(String(r.target_sha256), { actionId: Number(r.action_id), by: String(r.acted_by), ...(unit ? { unit } : {}), ...(period ? { period } : {}) });
  }
  return out;
}

/** The notice a file loaded under an accept keeps (its lineage: which decision, what was stated). */
export function acceptedNotice(p: Placement): Problem {
  const stated = [p.unit ? `单位“${p.unit.name}”` : '', p.period ? `期间“${periodLabel(p.period)}”` : ''].filter(Boolean).join('、');
  return {
    severity: 'notice',
    code: acceptedCode,
    message: `经统计人员审核放行（审核决定 ${p.actionId}）${stated ? `，${stated}按审核确认` : ''}`,
    found: String(p.actionId),
  };
}
