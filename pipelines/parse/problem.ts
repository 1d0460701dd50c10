/** How serious a problem is: an `error` refuses the file; a `warning` is loaded and reported. */
export type Severity = 'error' | 'warning' | 'notice';

/**
 * One thing wrong with (or worth saying about) a submission, located as precisely as possible.
 * `message` is a whole Chinese sentence for the person who filled the sheet.
 */
export interface Problem {
  readonly severity: Severity;
  /** Stable id: `not_a_number`, `unit_conflict`, `missing_column`, `total_mismatch`, … */
  readonly code: string;
  readonly sheet?: string;
  /** A1 address: `J4`. */
  readonly cell?: string;
  /** Field id. */
  readonly field?: string;
  /** The value as found, quoted for the message. */
  readonly found?: string;
  /** What was expected instead. */
  readonly expected?: string;
  readonly message: string;
}

/** Most problems kept per file; a sheet full of one mistake should not bury the report. */
export const maxProblemsPerFile = 500;

/** Collects a file's problems, keeping the first {@link maxProblemsPerFile} and counting the rest. */
export class ProblemList {
  readonly items: Problem[] = [];
  private omitted = 0;
  private errorCount = 0;

  add(problem: Problem): void {
    if (problem.severity === 'error') this.errorCount++;
    if (this.items.length < maxProblemsPerFile) this.items.push(problem);
    else this.omitted++;
  }

  get errors(): number {
    return this.errorCount;
  }

  get hasErrors(): boolean {
    return this.errorCount > 0;
  }

  /** Problems not kept because the list was full. */
  get omittedCount(): number {
    return this.omitted;
  }
}

/** `“龙兴镇.xlsx” 工作表“Sheet1” J4：` — where a problem is, as a prefix for a message. */
export function locationText(p: Pick<Problem, 'sheet' | 'cell'>): string {
  const parts: string[] = [];
  if (p.sheet) parts.push(`工作表“${p.sheet}”`);
  if (p.cell) parts.push(`${p.cell} 单元格`);
  return parts.join(' ');
}
