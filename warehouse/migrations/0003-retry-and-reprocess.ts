import { sql, type Kysely, type Migration } from 'kysely';
import { coreTablesDdl, submissionStatusComment } from '../schema/core-tables.js';
import { sqlString } from '../schema/fact-tables.js';

/**
 * Refusals that are read again: `submissions.status` may be `failed` (a transient failure, retried
 * on later runs), `submissions.rules_fingerprint` and `seen_files.rules_fingerprint` record the
 * unit registry and form definitions a file was judged under, `seen_files.outcome` what came of
 * each look, `runs.files_failed`, and `reprocess_requests` (`firestat reprocess`).
 *
 * Files looked at before this migration get the outcome of their submission (or of the submission
 * with the same bytes); their fingerprint stays empty, so a file refused before is read once more
 * under the current registry — which is also how a file refused for a timeout, or before the
 * registry was corrected, gets its second chance.
 */
export const retryAndReprocess: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const statement of coreTablesDdl('0003')) await sql.raw(statement).execute(db);
    await sql.raw(`COMMENT ON COLUMN submissions.status IS ${sqlString(submissionStatusComment)}`).execute(db);
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
