import { coreTables } from './core-tables.js';
import type { ViewSpec } from './views.js';

/** The comments of `submissions`' columns, which both views carry. */
function submissionColumns(): Record<string, string> {
  const table = coreTables.find((t) => t.name === 'submissions');
  return Object.fromEntries((table?.columns ?? []).map(([name, , comment]) => [name, comment]));
}

/**
 * What the analyst's decisions (`review_actions`, `firestat review …`) do to the figures, read by
 * the views — never by editing data:
 *
 * - a hand 退回 (`reject`, not undone) makes the file `rejected` with the analyst's reason: its rows
 *   leave every figure, and the version it had replaced (if every later version is rejected by
 *   hand as well) is current again; a newer file for the same period replaces it as usual;
 * - an `accept` undone makes the file it let in `rejected` again (found by the notice ingest keeps
 *   with such a file, `submission_problems.code = 'review_accepted'`, `found` = the decision's id);
 * - an `ack` makes a finding `acknowledged` while its message (its values) is what was acknowledged.
 *
 * A decision names its file by content (`target_sha256`), so it holds in a warehouse rebuilt from
 * the inbox, where submission ids differ.
 */

/** Submissions 退回 by hand, with the decision that did it. */
const handRejected = `SELECT s.submission_id, arg_max(a.note, a.action_id) AS note, max(a.action_id) AS action_id
  FROM submissions s JOIN review_actions a ON a.action = 'reject' AND a.undone_by IS NULL AND a.target_sha256 = s.sha256
  WHERE s.status IN ('loaded', 'replaced')
  GROUP BY s.submission_id
  UNION ALL
  SELECT s.submission_id, arg_max(u.note, u.action_id), max(u.action_id)
  FROM submissions s
  JOIN submission_problems p ON p.submission_id = s.submission_id AND p.code = 'review_accepted'
  JOIN review_actions a ON a.action = 'accept' AND CAST(a.action_id AS VARCHAR) = p.found
  JOIN review_actions u ON u.action = 'undo' AND u.action_id = a.undone_by
  WHERE s.status IN ('loaded', 'replaced')
  GROUP BY s.submission_id`;

/** `reviewed_submissions`: `submissions` with the decisions applied to `status` and `reason`. */
const reviewedSubmissionsView: ViewSpec = {
  name: 'reviewed_submissions',
  comment:
    '报送文件（按审核决定）：与 submissions 相同的列，status 与 reason 按审核决定（review_actions）计算——人工退回的文件为 rejected，原因为统计人员写的退回原因；它替换过的上一版本（其后的版本都被人工退回时）重新成为现行文件（loaded）。各统计视图只取其中 status = loaded 的文件',
  columns: {
    ...submissionColumns(),
    status: '状态（按审核决定）：loaded 现行 / replaced 已被新文件替换 / rejected 已退回（自动或人工）/ failed 处理失败',
    reason: '退回原因：人工退回时为统计人员写的原因',
    review_action_id: '人工退回该文件的审核决定编号（review_actions.action_id）；非人工退回为空',
  },
  sql: `WITH RECURSIVE hand AS (
  SELECT submission_id, arg_max(note, action_id) AS note, max(action_id) AS action_id FROM (${handRejected}) GROUP BY submission_id
),
walk(start_id, cur) AS (
  SELECT s.submission_id, s.replaced_by FROM submissions s
  WHERE s.status = 'replaced' AND s.replaced_by IN (SELECT submission_id FROM hand) AND s.submission_id NOT IN (SELECT submission_id FROM hand)
  UNION ALL
  SELECT w.start_id, n.replaced_by FROM walk w JOIN submissions n ON n.submission_id = w.cur
  WHERE n.replaced_by IS NOT NULL AND n.submission_id IN (SELECT submission_id FROM hand)
),
restored AS (
  SELECT DISTINCT w.start_id AS submission_id FROM walk w JOIN submissions n ON n.submission_id = w.cur
  WHERE n.replaced_by IS NULL AND n.submission_id IN (SELECT submission_id FROM hand)
)
SELECT s.* REPLACE (
    CASE WHEN h.submission_id IS NOT NULL THEN 'rejected' WHEN r.submission_id IS NOT NULL THEN 'loaded' ELSE s.status END AS status,
    CASE WHEN h.submission_id IS NOT NULL THEN '人工退回：' || h.note ELSE s.reason END AS reason
  ),
  h.action_id AS review_action_id
FROM submissions s
LEFT JOIN hand h ON h.submission_id = s.submission_id
LEFT JOIN restored r ON r.submission_id = s.submission_id`,
};

/** `current_submissions`: the files whose rows count (what `status = 'loaded'` meant before decisions). */
const currentSubmissionsView: ViewSpec = {
  name: 'current_submissions',
  comment: '现行报送文件：reviewed_submissions 中 status = loaded 的文件——其数据行计入各统计视图；人工退回的文件不在其中，它替换过的上一版本在其中',
  columns: { ...submissionColumns(), ...reviewedSubmissionsView.columns },
  sql: `SELECT * FROM reviewed_submissions WHERE status = 'loaded'`,
};

/** The views the other views read instead of `submissions`, created first. */
export const reviewViews: readonly ViewSpec[] = [reviewedSubmissionsView, currentSubmissionsView];

/** The columns `findings` gains from the decisions. */
const reviewColumns: Readonly<Record<string, string>> = {
  status: 'open 待核实 / acknowledged 已核实（统计人员已核实并说明；问题说明中的数值变了则重新为 open）',
  reviewed_by: '核实人（已核实时）',
  review_note: '核实说明（已核实时）',
  reviewed_at: '核实时间（北京时间，已核实时）',
  review_action_id: '核实的审核决定编号（review_actions.action_id）',
};

/** The fingerprint an acknowledgement records of a finding: its message, which states its values. */
const findingDigestSql = (message: string) => `md5(${message})`;

/**
 * A findings view with each finding's review status: `acknowledged` while an `ack` not undone
 * names its id and the message it saw is the message now; otherwise `open`.
 */
export function reviewedFindings(view: ViewSpec): ViewSpec {
  return {
    ...view,
    columns: { ...view.columns, ...reviewColumns },
    sql: `WITH f AS (
${view.sql}
),
acks AS (
  SELECT target, finding_digest, arg_max(action_id, action_id) AS action_id, arg_max(acted_by, action_id) AS acted_by,
    arg_max(note, action_id) AS note, arg_max(acted_at, action_id) AS acted_at
  FROM review_actions WHERE action = 'ack' AND undone_by IS NULL GROUP BY target, finding_digest
)
SELECT f.*, CASE WHEN a.action_id IS NULL THEN 'open' ELSE 'acknowledged' END AS status,
  a.acted_by AS reviewed_by, a.note AS review_note, a.acted_at AS reviewed_at, a.action_id AS review_action_id
FROM f LEFT JOIN acks a ON a.target = f.finding_id AND a.finding_digest = ${findingDigestSql('f.message')}`,
  };
}
