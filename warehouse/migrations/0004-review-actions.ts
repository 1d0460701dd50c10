import { sql, type Kysely, type Migration } from 'kysely';

/**
 * `review_actions`: the analyst's decisions (`firestat review …`) — 已核实 a finding, 退回 a loaded
 * file by hand, let a refused file in with a stated unit and period, undo one of these. Nothing
 * else in the warehouse is edited by a decision: the views read this table (see
 * `warehouse/schema/review-views.ts`). Every decision is also appended to the journal beside the
 * warehouse (`<warehouse>.review.jsonl`), which a warehouse built afresh replays.
 *
 * Frozen: the DDL is written out here as it ran, never derived from today's schema code. `at` and
 * `by` are SQL keywords in DuckDB (`AT TIME ZONE`, `GROUP BY`), so the columns are `acted_at` and
 * `acted_by`, which an analyst can write without quotes.
 */
const statements: readonly string[] = [
  `CREATE TABLE review_actions (
  action_id BIGINT PRIMARY KEY,
  acted_at TIMESTAMP NOT NULL,
  acted_by VARCHAR NOT NULL,
  action VARCHAR NOT NULL,
  target VARCHAR NOT NULL,
  note VARCHAR NOT NULL,
  target_sha256 VARCHAR,
  target_path VARCHAR,
  finding_digest VARCHAR,
  unit VARCHAR,
  year INTEGER,
  period_from INTEGER,
  period_to INTEGER,
  report_path VARCHAR,
  undone_by BIGINT
)`,
  `COMMENT ON TABLE review_actions IS '审核决定：统计人员的每一个决定（firestat review）——问题已核实、人工退回、确认放行被退回的文件、撤销；只追加，不修改其他数据，各视图据此计算；同时记入数据仓库旁的 .review.jsonl 日志，重建数据仓库时重放'`,
  `COMMENT ON COLUMN review_actions.action_id IS '审核决定编号（只增不减；重建数据仓库后不变）'`,
  `COMMENT ON COLUMN review_actions.acted_at IS '决定时间（北京时间）'`,
  `COMMENT ON COLUMN review_actions.acted_by IS '作出决定的人（--by，默认为操作系统用户名）'`,
  `COMMENT ON COLUMN review_actions.action IS '决定：ack 问题已核实 / reject 人工退回 / accept 确认放行被退回的文件 / undo 撤销一个决定'`,
  `COMMENT ON COLUMN review_actions.target IS '对象：ack 为问题编号（findings.finding_id），reject 与 accept 为决定时的报送文件编号（submissions.submission_id），undo 为被撤销的审核决定编号'`,
  `COMMENT ON COLUMN review_actions.note IS '说明：核实情况、退回原因或放行理由（中文）'`,
  `COMMENT ON COLUMN review_actions.target_sha256 IS 'reject 与 accept：该文件内容的 SHA-256 指纹；重建后的报送文件编号可能不同，按指纹找到同一文件'`,
  `COMMENT ON COLUMN review_actions.target_path IS 'reject 与 accept：该文件在收件箱中的相对路径'`,
  `COMMENT ON COLUMN review_actions.finding_digest IS 'ack：核实时该问题说明的 MD5 指纹；问题再次出现而所涉数值不同时，指纹不同，问题重新列为待核实'`,
  `COMMENT ON COLUMN review_actions.unit IS 'accept：确认的报送单位（正式名称）；为空表示按文件内容'`,
  `COMMENT ON COLUMN review_actions.year IS 'accept：确认的统计年度；为空表示按文件内容'`,
  `COMMENT ON COLUMN review_actions.period_from IS 'accept：确认的期间起始月份'`,
  `COMMENT ON COLUMN review_actions.period_to IS 'accept：确认的期间截止月份'`,
  `COMMENT ON COLUMN review_actions.report_path IS 'reject：写给报送单位的退回说明文件路径'`,
  `COMMENT ON COLUMN review_actions.undone_by IS '撤销本决定的审核决定编号；为空表示仍然有效'`,
];

export const reviewActions: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
