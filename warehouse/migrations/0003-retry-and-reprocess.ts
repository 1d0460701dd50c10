import { sql, type Kysely, type Migration } from 'kysely';

const statements: readonly string[] = [
  `ALTER TABLE runs ADD COLUMN files_failed INTEGER`,
  `COMMENT ON COLUMN runs.files_failed IS '处理失败的文件数（读取出错、超时等，不是文件内容的问题；以后的运行中会重试）'`,
  `ALTER TABLE submissions ADD COLUMN rules_fingerprint VARCHAR`,
  `COMMENT ON COLUMN submissions.rules_fingerprint IS '处理该文件时单位名录与报表定义的指纹：名录或报表定义改变后，被退回的文件会重新读取'`,
  `ALTER TABLE seen_files ADD COLUMN outcome VARCHAR`,
  `COMMENT ON COLUMN seen_files.outcome IS '这次查看的结果：loaded / replaced / rejected / failed（内容与已有文件相同时为那个文件的状态）；failed 的文件在以后的运行中重试'`,
  `ALTER TABLE seen_files ADD COLUMN rules_fingerprint VARCHAR`,
  `COMMENT ON COLUMN seen_files.rules_fingerprint IS '查看时单位名录与报表定义的指纹；来源直接拒收的为 *（与名录无关）'`,

  `CREATE TABLE reprocess_requests (
  path VARCHAR NOT NULL,
  submission_id BIGINT,
  requested_at TIMESTAMP NOT NULL,
  done_run_id BIGINT
)`,
  `COMMENT ON TABLE reprocess_requests IS '重新读取的请求（firestat reprocess）：下一次运行不论是否见过都重新读取这些路径上的文件'`,
  `COMMENT ON COLUMN reprocess_requests.path IS '文件在收件箱中的相对路径'`,
  `COMMENT ON COLUMN reprocess_requests.submission_id IS '请求时指明的报送文件编号'`,
  `COMMENT ON COLUMN reprocess_requests.requested_at IS '请求时间（北京时间）'`,
  `COMMENT ON COLUMN reprocess_requests.done_run_id IS '已重新读取该文件的运行编号；为空表示尚待处理'`,
  `COMMENT ON COLUMN submissions.status IS '状态：loaded 已入库 / replaced 已被新文件替换 / rejected 已退回（文件内容有问题）/ failed 处理失败（读取出错、超时等，以后的运行中重试）'`,
];

/**
 * Refusals that are read again: `submissions.status` may be `failed` (a transient failure, retried
 * on later runs), `submissions.rules_fingerprint` and `seen_files.rules_fingerprint` record the
 * unit registry and form definitions a file was judged under, `seen_files.outcome` what came of
 * each look, `runs.files_failed`, and `reprocess_requests` (`firestat reprocess`). Frozen as the
 * SQL it ran.
 *
 * Files looked at before this migration get the outcome of their submission (or of the submission
 * with the same bytes); their fingerprint stays empty, so a file refused before is read once more
 * under the current registry — which is also how a file refused for a timeout, or before the
 * registry was corrected, gets its second chance.
 */
export const retryAndReprocess: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const statement of statements) await sql.raw(statement).execute(db);
    await sql
      .raw(
        `UPDATE seen_files SET outcome = coalesce(
           (SELECT s.status FROM submissions s WHERE s.submission_id = seen_files.submission_id),
           (SELECT min(s.status) FROM submissions s WHERE s.sha256 = seen_files.sha256 AND s.status IN ('loaded', 'replaced')),
           'rejected')`,
      )
      .execute(db);
  },
};
