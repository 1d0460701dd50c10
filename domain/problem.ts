/**
 * What is wrong with a submission, as the parser finds it, the warehouse stores it
 * (`submission_problems`) and the reports and the marked-up copy tell it.
 */

/** How serious a problem is: an `error` refuses the file; a `warning` is loaded and reported. */
type Severity = 'error' | 'warning' | 'notice';

/**
 * A place outside the cells that a problem concerns: a contradiction stated by the file name, a
 * folder name or the sheet name (the marked-up copy says so on its `退回说明` sheet, the sheet
 * name's tab can be marked).
 */
export type ProblemSource = 'file_name' | 'folder_name' | 'sheet_name';

/**
 * One thing wrong with (or worth saying about) a submission, located as precisely as possible.
 * `message` is a whole Chinese sentence for the person who filled the sheet: it never holds a
 * library's English text or a technical note (those go to `detail`), and a problem about a cell
 * always carries that `cell`.
 */
export interface Problem {
  readonly severity: Severity;
  /** Stable id: `not_a_number`, `unit_conflict`, `missing_column`, `total_mismatch`, … */
  readonly code: string;
  readonly sheet?: string;
  /** A1 address: `J4`. For a contradiction, the (first) title cell that states it. */
  readonly cell?: string;
  /** Further cells the problem concerns besides `cell`: the second title cell of a contradiction. */
  readonly cells?: readonly string[];
  /** Set when the problem is (also) stated by the file name, a folder name or the sheet name. */
  readonly source?: ProblemSource;
  /** Field id. */
  readonly field?: string;
  /** The value as found, quoted for the message. */
  readonly found?: string;
  /** What was expected instead. */
  readonly expected?: string;
  readonly message: string;
  /** How to fix it, in plain Chinese, where `message` does not already say it. */
  readonly fix?: string;
  /** Technical text for the statistician (a library's message, an encoding note); reports print it last, under `技术信息`. */
  readonly detail?: string;
}
