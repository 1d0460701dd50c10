import { sql } from 'kysely';
import type { Warehouse } from '../warehouse.js';
import type { SubmissionsTable } from '../schema/database.js';

/** A problem as stored in `submission_problems`. */
export interface StoredProblem {
  readonly severity: string;
  readonly code: string;
  readonly sheet?: string;
  readonly cell?: string;
  readonly field?: string;
  readonly found?: string;
  readonly expected?: string;
  readonly message: string;
}

/** A submission row to insert (its id is taken beforehand so fact rows can point to it). */
export type NewSubmission = Omit<SubmissionsTable, 'replaced_by'> & { replaced_by?: number | null };

/** A current submission that a new one may replace. */
export interface CurrentSubmission {
  readonly submission_id: number;
  readonly received_at: string;
  readonly period_from: number;
  readonly period_to: number;
  readonly path: string;
}

/** Run counts written when a run ends. */
export interface RunCounts {
  readonly files_seen: number;
  readonly files_loaded: number;
  readonly files_unchanged: number;
  readonly files_replaced: number;
  readonly files_refused: number;
  readonly rows_loaded: number;
}

/** Bookkeeping queries: runs, submissions, problems. Typed with Kysely. */
export class SubmissionStore {
  constructor(private readonly warehouse: Warehouse) {}

  private get db() {
    return this.warehouse.db;
  }

  /** Starts a run and returns its id. */
  async startRun(startedAt: string): Promise<number> {
    const row = await this.db
      .insertInto('runs')
      .values({ run_id: sql<number>`nextval('run_id_seq')`, started_at: startedAt, status: 'running', finished_at: null, files_seen: null, files_loaded: null, files_unchanged: null, files_replaced: null, files_refused: null, rows_loaded: null, error: null })
      .returning('run_id')
      .executeTakeFirstOrThrow();
    return Number(row.run_id);
  }

  /** Ends a run with its counts, or with the error that stopped it. */
  async finishRun(runId: number, finishedAt: string, counts: RunCounts, error?: string, status: 'completed' | 'interrupted' = 'completed'): Promise<void> {
    await this.db
      .updateTable('runs')
      .set({ ...counts, finished_at: finishedAt, status: error ? 'failed' : status, error: error ?? null })
      .where('run_id', '=', runId)
      .execute();
  }

  /** A new submission id (ids only grow). */
  async nextSubmissionId(): Promise<number> {
    const r = await sql<{ id: number }>`SELECT nextval('submission_id_seq') AS id`.execute(this.db);
    return Number(r.rows[0]?.id);
  }

  /** Every path, size and modification time seen, for a fast "nothing new" check. */
  async seenFingerprints(): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('seen_files')
      .select(['path', 'bytes', sql<string>`strftime(modified_at, '%Y-%m-%d %H:%M:%S')`.as('modified')])
      .execute();
    return new Set(rows.map((r) => fingerprint(r.path, Number(r.bytes), r.modified)));
  }

  /** Remembers a file looked at, so an unchanged copy is skipped without reading it next time. */
  async rememberFile(file: { path: string; bytes: number; modifiedAt: string; sha256: string | null; submissionId: number | null; runId: number }): Promise<void> {
    await this.db
      .insertInto('seen_files')
      .values({ path: file.path, bytes: file.bytes, modified_at: file.modifiedAt, sha256: file.sha256, submission_id: file.submissionId, run_id: file.runId })
      .execute();
  }

  /** Was a file with these exact bytes seen before (under any name)? */
  async seenHash(sha256: string): Promise<boolean> {
    const r = await this.db.selectFrom('submissions').select('submission_id').where('sha256', '=', sha256).limit(1).executeTakeFirst();
    return r !== undefined;
  }

  /** Current submissions of a unit and form whose periods overlap the given months of a year. */
  async overlapping(unitCode: string, form: string, year: number, from: number, to: number): Promise<CurrentSubmission[]> {
    const rows = await this.db
      .selectFrom('submissions')
      .select(['submission_id', sql<string>`strftime(received_at, '%Y-%m-%d %H:%M:%S')`.as('received_at'), 'period_from', 'period_to', 'path'])
      .where('status', '=', 'loaded')
      .where('unit_code', '=', unitCode)
      .where('form', '=', form)
      .where('year', '=', year)
      .where('period_to', '>=', from)
      .where('period_from', '<=', to)
      .execute();
    return rows.map((r) => ({ submission_id: Number(r.submission_id), received_at: r.received_at, period_from: Number(r.period_from), period_to: Number(r.period_to), path: r.path }));
  }

  /** Marks submissions replaced by a newer one. */
  async markReplaced(ids: readonly number[], by: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db.updateTable('submissions').set({ status: 'replaced', replaced_by: by }).where('submission_id', 'in', ids).execute();
  }

  /** Inserts a submission, its problems and where each field's column was in each sheet. */
  async insert(submission: NewSubmission, problems: readonly StoredProblem[], columns: readonly { sheet: string; field: string; column: string; header: string }[] = []): Promise<void> {
    const { sheets, ...rest } = submission;
    await this.db
      .insertInto('submissions')
      .values({ ...rest, replaced_by: submission.replaced_by ?? null, sheets: sql`${sql.val(JSON.stringify(sheets ?? []))}::JSON::VARCHAR[]` as unknown as string[] })
      .execute();
    if (columns.length > 0) {
      await this.db
        .insertInto('submission_columns')
        .values(columns.map((c) => ({ submission_id: submission.submission_id, sheet: c.sheet, field: c.field, column_letter: c.column, header: c.header })))
        .execute();
    }
    if (problems.length === 0) return;
    // A file's problems are few (capped per file), so a multi-row insert is right here.
    await this.db
      .insertInto('submission_problems')
      .values(
        problems.map((p, seq) => ({
          submission_id: submission.submission_id,
          seq: seq + 1,
          severity: p.severity,
          code: p.code,
          sheet: p.sheet ?? null,
          cell: p.cell ?? null,
          field: p.field ?? null,
          found: p.found ?? null,
          expected: p.expected ?? null,
          message: p.message,
        })),
      )
      .execute();
  }
}

/** Key of a file's identity without reading it. */
export function fingerprint(path: string, bytes: number, modifiedAt: string): string {
  return `${path}\u0000${bytes}\u0000${modifiedAt}`;
}
