import { sql, type Kysely } from 'kysely';
import type { Problem } from '../../domain/problem.js';
import type { SubmissionsTable, WarehouseDatabase } from '../schema/database.js';

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
  /** Files that failed for a reason that may pass (timeout, I/O or internal error); tried again on later runs. */
  readonly files_failed: number;
}

/** What came of looking at a file (for a copy of earlier bytes: what came of those). */
export type SeenOutcome = 'loaded' | 'replaced' | 'rejected' | 'failed';

/** How many times a file that keeps failing is tried (once per run) before it is left alone. */
export const maxAttempts = 3;

/** `seen_files.rules_fingerprint` of a refusal that does not depend on the registry or forms (the source refused it). */
export const anyRules = '*';

/** What the warehouse remembers of one file identity (path, size, time). */
interface SeenEntry {
  readonly outcome: SeenOutcome | null;
  readonly rules: string | null;
  readonly failures: number;
}

/**
 * The files looked at before, loaded once per run, so deciding whether a file needs reading is one
 * lookup (path, size, time). A file is read again when it failed fewer than {@link maxAttempts}
 * times, when it was refused under another unit registry or other form definitions, and when
 * `firestat reprocess` asked for it.
 */
export class FileMemory {
  constructor(
    private readonly seen: ReadonlyMap<string, SeenEntry>,
    /** The current rules fingerprint. */
    readonly rules: string,
    private readonly reprocess: ReadonlySet<string>,
  ) {}

  /** Nothing to do for this file: seen with an outcome that stands. */
  unchanged(file: { readonly path: string; readonly bytes: number; readonly modifiedAt: string }): boolean {
    if (this.reprocess.has(file.path)) return false;
    const entry = this.seen.get(fingerprint(file.path, file.bytes, file.modifiedAt));
    if (!entry) return false;
    if (entry.outcome === 'failed') return entry.failures >= maxAttempts;
    if (entry.outcome === 'rejected') return entry.rules === this.rules || entry.rules === anyRules;
    return true;
  }

  /** How many times this file identity failed before. */
  failures(file: { readonly path: string; readonly bytes: number; readonly modifiedAt: string }): number {
    return this.seen.get(fingerprint(file.path, file.bytes, file.modifiedAt))?.failures ?? 0;
  }

  /** Did `firestat reprocess` ask for the file at this path? */
  reprocessRequested(path: string): boolean {
    return this.reprocess.has(path);
  }
}

/** Bookkeeping queries: runs, submissions, problems. Typed with Kysely. */
export class SubmissionStore {
  private readonly db: Kysely<WarehouseDatabase>;

  /** Queries through `warehouse.kysely` (a `Warehouse`, or a transaction of its). */
  constructor(warehouse: { readonly kysely: Kysely<WarehouseDatabase> }) {
    this.db = warehouse.kysely;
  }

  /**
   * Runs `work` in one transaction: the Kysely dialect's, whose commit refuses to report success
   * for a transaction DuckDB has aborted (after an error that `work` caught, DuckDB answers COMMIT
   * with a silent rollback; the dialect throws Kysely's `AbortedTransactionError` instead). `work`
   * gets a store whose queries run in the transaction; DuckDB appenders on the warehouse's
   * `duckdb` connection (the `FactWriter`) write into it too. If `work` throws, nothing is kept and the
   * error is rethrown. Inside `work`, query through the given store or the raw connection, never
   * through `warehouse.kysely`: the transaction holds Kysely's one connection, so such a query would
   * wait for it forever.
   */
  async transaction<T>(work: (store: SubmissionStore) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(new SubmissionStore({ kysely: trx })));
  }

  /** Starts a run and returns its id. */
  async startRun(startedAt: string): Promise<number> {
    const row = await this.db
      .insertInto('runs')
      .values({
        run_id: sql<number>`nextval('run_id_seq')`,
        started_at: startedAt,
        status: 'running',
        finished_at: null,
        files_seen: null,
        files_loaded: null,
        files_unchanged: null,
        files_replaced: null,
        files_refused: null,
        rows_loaded: null,
        error: null,
      })
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

  /**
   * What is remembered of every file looked at, for a fast "nothing new" check (see
   * {@link FileMemory}). A warehouse from before migration 0003 (opened read-only) remembers
   * nothing, so the run goes ahead and migrates it.
   */
  async fileMemory(rules: string): Promise<FileMemory> {
    const migrated = await sql<{ n: number }>`SELECT count(*) AS n FROM duckdb_columns() WHERE table_name = 'seen_files' AND column_name = 'outcome'`.execute(
      this.db,
    );
    if (Number(migrated.rows[0]?.n ?? 0) === 0) return new FileMemory(new Map(), rules, new Set());
    const rows = await sql<{
      path: string;
      bytes: number | bigint;
      modified: string;
      outcome: SeenOutcome | null;
      rules: string | null;
      failures: number | bigint;
    }>`
      SELECT path, bytes, strftime(modified_at, '%Y-%m-%d %H:%M:%S') AS modified,
        arg_max(outcome, run_id) AS outcome, arg_max(rules_fingerprint, run_id) AS rules,
        count(*) FILTER (WHERE outcome = 'failed') AS failures
      FROM seen_files GROUP BY ALL`.execute(this.db);
    const seen = new Map<string, SeenEntry>();
    for (const r of rows.rows) seen.set(fingerprint(r.path, Number(r.bytes), r.modified), { outcome: r.outcome, rules: r.rules, failures: Number(r.failures) });
    const pending = await this.db.selectFrom('reprocess_requests').select('path').where('done_run_id', 'is', null).execute();
    return new FileMemory(seen, rules, new Set(pending.map((p) => p.path)));
  }

  /** Remembers a file looked at, so an unchanged copy is skipped without reading it next time. */
  async rememberFile(file: {
    path: string;
    bytes: number;
    modifiedAt: string;
    sha256: string | null;
    submissionId: number | null;
    runId: number;
    outcome: SeenOutcome;
    rules: string;
  }): Promise<void> {
    await this.db
      .insertInto('seen_files')
      .values({
        path: file.path,
        bytes: file.bytes,
        modified_at: file.modifiedAt,
        sha256: file.sha256,
        submission_id: file.submissionId,
        run_id: file.runId,
        outcome: file.outcome,
        rules_fingerprint: file.rules,
      })
      .execute();
  }

  /**
   * Were these exact bytes dealt with before? `loaded`/`replaced` when a file with them was
   * accepted (under any name); `rejected` when they were refused at this same path under the
   * same rules. Otherwise (never seen, only failed, or refused elsewhere or under other rules:
   * moved to the right folder, or the registry was fixed) they are to be read.
   */
  async contentSeen(sha256: string, path: string, rules: string): Promise<SeenOutcome | undefined> {
    const rows = await this.db
      .selectFrom('submissions')
      .select(['status', 'path', 'rules_fingerprint'])
      .where('sha256', '=', sha256)
      .where('status', 'in', ['loaded', 'replaced', 'rejected'])
      .execute();
    const kept = rows.find((r) => r.status === 'loaded') ?? rows.find((r) => r.status === 'replaced');
    if (kept) return kept.status;
    return rows.some((r) => r.status === 'rejected' && r.path === path && r.rules_fingerprint === rules) ? 'rejected' : undefined;
  }

  /** Asks the next run to read the file at `path` again, whatever it remembers of it. */
  async requestReprocess(path: string, submissionId: number | null, requestedAt: string): Promise<void> {
    await this.db.insertInto('reprocess_requests').values({ path, submission_id: submissionId, requested_at: requestedAt, done_run_id: null }).execute();
  }

  /** The file at `path` has been read again by this run. */
  async reprocessDone(path: string, runId: number): Promise<void> {
    await this.db.updateTable('reprocess_requests').set({ done_run_id: runId }).where('path', '=', path).where('done_run_id', 'is', null).execute();
  }

  /** A submission's path, if there is such a submission. */
  async submissionPath(submissionId: number): Promise<string | undefined> {
    const r = await this.db.selectFrom('submissions').select('path').where('submission_id', '=', submissionId).executeTakeFirst();
    return r?.path;
  }

  /** Has a file at this path been looked at? */
  async pathSeen(path: string): Promise<boolean> {
    const r = await this.db.selectFrom('seen_files').select('path').where('path', '=', path).limit(1).executeTakeFirst();
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
    return rows.map((r) => ({
      submission_id: Number(r.submission_id),
      received_at: r.received_at,
      period_from: Number(r.period_from),
      period_to: Number(r.period_to),
      path: r.path,
    }));
  }

  /** Marks submissions replaced by a newer one. */
  async markReplaced(ids: readonly number[], by: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db.updateTable('submissions').set({ status: 'replaced', replaced_by: by }).where('submission_id', 'in', ids).execute();
  }

  /** Inserts a submission, its problems and where each field's column was in each sheet. */
  async insert(
    submission: NewSubmission,
    problems: readonly Problem[],
    columns: readonly { sheet: string; field: string; column: string; header: string }[] = [],
  ): Promise<void> {
    const { sheets, ...rest } = submission;
    await this.db
      .insertInto('submissions')
      .values({
        ...rest,
        replaced_by: submission.replaced_by ?? null,
        sheets: sql`${sql.val(JSON.stringify(sheets ?? []))}::JSON::VARCHAR[]` as unknown as string[],
      })
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
function fingerprint(path: string, bytes: number, modifiedAt: string): string {
  return `${path}\u0000${bytes}\u0000${modifiedAt}`;
}
