import { forms } from '../../../domain/forms/index.js';
import { fullLabel, type FieldDefinition, type FormDefinition } from '../../../domain/forms/form-definition.js';
import { periodLabel } from '../../../domain/periods.js';
import type { UnitRegistry } from '../../../domain/unit-registry.js';
import { HeaderMatcher } from '../../../pipelines/normalize/header-matcher.js';
import { technicalNoticeCodes, type Problem } from '../../../pipelines/parse/problem.js';
import { technicalLines } from '../../../pipelines/parse/report-text.js';
import { SubmissionParser } from '../../../pipelines/parse/submission-parser.js';
import { defaultReadLimits, type ReadLimits, type SheetRow, type SheetStream, type WorkbookStream } from '../../../sources/readers/reader.js';
import { memoryFile, webReaderFor } from '../../../sources/readers/web-readers.js';

/**
 * One file checked the way the nightly run checks it (`pipelines/ingest/ingest.ts`), without a
 * warehouse: the same choice of reader by the file's bytes, the same reader, the same parser and
 * form schemas, the same problems. What the night adds on top — comparing the period with files
 * already loaded — cannot be known here. Runs in the browser (the self-check page) and on Node
 * (its tests), so it imports nothing of Node.
 */

/** A sheet as read, for showing it with its wrong cells marked. */
export interface ShownSheet {
  readonly name: string;
  /** The rows read, up to {@link MAX_SHOWN_ROWS}. */
  readonly rows: readonly SheetRow[];
  /** Rows read beyond those kept. */
  readonly moreRows: number;
}

/** The sum of one count or amount column over the rows read (head counts are not summed). */
interface ColumnTotal {
  readonly field: string;
  readonly label: string;
  readonly unit?: string;
  readonly total: number;
}

export interface CheckResult {
  readonly fileName: string;
  /**
   * `ok`: the night would load it (unless its period overlaps a file already loaded); `refused`:
   * the night would refuse it, for `problems`; `stopped`: the check could not finish (too slow),
   * which says nothing about the file.
   */
  readonly verdict: 'ok' | 'refused' | 'stopped';
  readonly form?: { readonly code: string; readonly name: string };
  readonly unit?: string;
  readonly period?: string;
  readonly rows: number;
  readonly totals: readonly ColumnTotal[];
  /** Every problem, notice and warning, in the parser's order. */
  readonly problems: readonly Problem[];
  /** Problems beyond the parser's cap. */
  readonly omitted: number;
  readonly sheets: readonly ShownSheet[];
}

/** Rows kept per sheet for showing. */
const MAX_SHOWN_ROWS = 1000;
/** How long one check may take (the nightly run allows 120 s a file). */
const CHECK_SECONDS = 120;

/** Checks one file (its name as the clerk has it, and its bytes). */
export async function checkFile(fileName: string, bytes: Uint8Array, registry: UnitRegistry, limits: ReadLimits = defaultReadLimits): Promise<CheckResult> {
  const base = { fileName, rows: 0, totals: [], omitted: 0, sheets: [] };
  const refused = (code: string, message: string): CheckResult => ({ ...base, verdict: 'refused', problems: [{ severity: 'error', code, message }] });
  if (bytes.length > limits.maxFileBytes) {
    return refused('too_large', `文件过大（${Math.round(bytes.length / 1048576)} MB），超过上限 ${Math.round(limits.maxFileBytes / 1048576)} MB。请拆分后报送`);
  }
  const file = memoryFile(fileName, bytes);
  const reader = webReaderFor(fileName, bytes);
  if ('refusal' in reader) return refused('unsupported_format', reader.refusal);

  const deadline = Date.now() + CHECK_SECONDS * 1000;
  const shown: { name: string; rows: SheetRow[]; moreRows: number }[] = [];
  const workbook = recorded((await reader.load()).read(file, { ...limits, deadline }), shown);
  const parser = new SubmissionParser(workbook, { registry, matcher: new HeaderMatcher(forms), path: fileName });
  const sums = new Map<string, number>();
  for await (const record of parser.records()) {
    if (parser.result.problems.hasErrors) continue;
    for (const [field, value] of Object.entries(record.values)) {
      if (typeof value === 'number') sums.set(field, (sums.get(field) ?? 0) + value);
    }
  }
  const r = parser.result;
  const problems = r.problems;
  const codes = new Set(problems.items.map((p) => p.code));
  // As ingest decides: the reader stopped for time or memory, or (a program error) nothing wrong yet no
  // unit or period settled — no verdict on the file; else any error refuses it.
  const stopped = codes.has('read_timeout') || codes.has('read_out_of_memory') || (!problems.hasErrors && (!r.form || !r.unit || !r.period));
  const verdict = stopped ? 'stopped' : problems.hasErrors ? 'refused' : 'ok';
  return {
    fileName,
    verdict,
    ...(r.form ? { form: { code: r.form.code, name: r.form.name } } : {}),
    ...(r.unit ? { unit: r.unit.name } : {}),
    ...(r.period ? { period: periodLabel(r.period) } : {}),
    rows: r.rows,
    totals: verdict === 'ok' && r.form ? totalsOf(r.form, sums) : [],
    problems: problems.items,
    omitted: problems.omittedCount,
    sheets: shown,
  };
}

/** Column totals of the counts and amounts that add up (not head counts: 3 people in July and 4 in August are not 7). */
function totalsOf(form: FormDefinition, sums: ReadonlyMap<string, number>): ColumnTotal[] {
  const summed = (f: FieldDefinition): boolean => (f.type === 'count' || f.type === 'amount') && f.measure !== 'stock';
  return form.fields.filter(summed).map((f) => ({
    field: f.id,
    label: fullLabel(f),
    ...(f.unit ? { unit: f.unit } : {}),
    total: Math.round((sums.get(f.id) ?? 0) * 100) / 100,
  }));
}

/** The workbook as the parser reads it, keeping the rows it is given for showing. */
function recorded(workbook: WorkbookStream, shown: { name: string; rows: SheetRow[]; moreRows: number }[]): WorkbookStream {
  async function* sheets(): AsyncGenerator<SheetStream> {
    for await (const sheet of workbook.sheets) {
      const entry = { name: sheet.name, rows: [] as SheetRow[], moreRows: 0 };
      shown.push(entry);
      yield { name: sheet.name, index: sheet.index, rows: keep(sheet.rows, entry) };
    }
  }
  return { notices: workbook.notices, sheets: sheets() };
}

function keep(rows: AsyncIterable<SheetRow>, entry: { rows: SheetRow[]; moreRows: number }): AsyncIterable<SheetRow> {
  return {
    [Symbol.asyncIterator]: async function* () {
      for await (const row of rows) {
        if (entry.rows.length < MAX_SHOWN_ROWS) entry.rows.push(row);
        else entry.moreRows++;
        yield row;
      }
    },
  };
}

/**
 * The lists the refusal report prints (`pipelines/parse/report-text.ts`): errors, other hints (not how
 * the file was decoded), and the technical lines last.
 */
export function reportLists(fileName: string, problems: readonly Problem[], omitted: number): { errors: Problem[]; others: Problem[]; technical: string[] } {
  const errors = problems.filter((p) => p.severity === 'error');
  const others = problems.filter((p) => p.severity !== 'error' && !technicalNoticeCodes.has(p.code));
  const report = { submissionId: 0, path: fileName, receivedAt: '', problems, omitted };
  return {
    errors,
    others,
    technical: technicalLines(
      report,
      errors,
      problems.filter((p) => p.severity !== 'error'),
    ),
  };
}
