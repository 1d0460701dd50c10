/**
 * Kysely's view of the bookkeeping tables. Fact tables follow the form definitions (made by the
 * frozen first migration or by an additive schema step, see `schema-steps.ts`) and are written
 * through the appender, so they are not listed here.
 */
interface UnitsTable {
  code: string;
  name: string;
  kind: string;
  aliases: string[];
  valid_from: string;
  valid_to: string | null;
}

interface RunsTable {
  run_id: number;
  started_at: string;
  finished_at: string | null;
  status: string;
  files_seen: number | null;
  files_loaded: number | null;
  files_unchanged: number | null;
  files_replaced: number | null;
  files_refused: number | null;
  rows_loaded: number | null;
  error: string | null;
  /** Added by migration 0003. */
  files_failed?: number | null;
}

export interface SubmissionsTable {
  submission_id: number;
  run_id: number | null;
  path: string;
  bytes: number;
  sha256: string;
  modified_at: string | null;
  received_at: string;
  loaded_at: string;
  unit: string | null;
  unit_code: string | null;
  form: string | null;
  year: number | null;
  quarter: number | null;
  month: number | null;
  period_from: number | null;
  period_to: number | null;
  /** `failed`: a transient failure (timeout, I/O or internal error), retried on later runs (migration 0003). */
  status: 'loaded' | 'replaced' | 'rejected' | 'failed';
  rows: number | null;
  reason: string | null;
  replaced_by: number | null;
  sheets: string[] | null;
  report_path: string | null;
  duration_ms: number | null;
  /** Added by migration 0002. */
  placement_guessed?: boolean | null;
  /** Added by migration 0003: the unit registry and form definitions the file was judged under. */
  rules_fingerprint?: string | null;
}

interface SubmissionProblemsTable {
  submission_id: number;
  seq: number;
  severity: string;
  code: string;
  sheet: string | null;
  cell: string | null;
  field: string | null;
  found: string | null;
  expected: string | null;
  message: string;
}

interface SubmissionColumnsTable {
  submission_id: number;
  sheet: string;
  field: string;
  column_letter: string;
  header: string | null;
}

interface SeenFilesTable {
  path: string;
  bytes: number;
  modified_at: string;
  sha256: string | null;
  submission_id: number | null;
  run_id: number | null;
  /** Added by migration 0003. */
  outcome?: 'loaded' | 'replaced' | 'rejected' | 'failed' | null;
  rules_fingerprint?: string | null;
}

/** `firestat reprocess` requests (migration 0003). */
interface ReprocessRequestsTable {
  path: string;
  submission_id: number | null;
  requested_at: string;
  done_run_id: number | null;
}

interface FormsTable {
  code: string;
  name: string;
  kind: string;
  frequency: string;
  due_days: number;
  table_name: string;
}

interface FormExpectationsTable {
  form: string;
  unit_code: string;
}

/** The tables Kysely queries are typed against. */
export interface WarehouseDatabase {
  units: UnitsTable;
  runs: RunsTable;
  submissions: SubmissionsTable;
  cumulative_figures: CumulativeFiguresTable;
  submission_problems: SubmissionProblemsTable;
  submission_columns: SubmissionColumnsTable;
  forms: FormsTable;
  seen_files: SeenFilesTable;
  form_expectations: FormExpectationsTable;
  reprocess_requests: ReprocessRequestsTable;
  schema_steps: SchemaStepsTable;
}

/** The additive schema steps applied (`schema-steps.ts`), one row each. */
interface SchemaStepsTable {
  step_no: number;
  applied_at: string;
  form: string;
  table_name: string;
  column_name: string | null;
  action: 'create_table' | 'add_column' | 'comment';
  ddl: string;
}

interface CumulativeFiguresTable {
  submission_id: number;
  sheet: string;
  source_row: number;
  cell: string;
  form: string;
  unit: string;
  year: number;
  quarter: number;
  month: number | null;
  metric: string;
  value: number;
}
