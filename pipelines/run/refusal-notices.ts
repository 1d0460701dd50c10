import { join } from 'node:path';
import { writeFileAtomic } from '../../domain/atomic-write.js';
import { chineseDate } from '../../domain/dates.js';
import { periodLabel } from '../../domain/periods.js';
import { findPersonNames, Redactor } from '../../domain/redact.js';
import { setAsOf } from '../../warehouse/as-of.js';
import { loadPersonalStrings } from '../../warehouse/personal-data.js';
import { queryRows } from '../../warehouse/query.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { problemLine } from '../parse/report-text.js';

/**
 * 退回通知: after a run, one short text per unit that had files refused in it — what was refused
 * (file, form, period), why in one line, and the date to send it again by — ready to paste into
 * WeChat or the township platform. Plain text with a UTF-8 byte order mark and CRLF line ends, as
 * Notepad opens it.
 *
 * The date is the 调度's own due date for the file's slot (`submission_status.due_date`: the end of
 * the period plus the form's due days, from the form definitions or the configuration's `dueDays`),
 * read from that view, not worked out again here.
 *
 * No person's name reaches the text: it passes through the warehouse's redactor (names the warehouse
 * knows, phone and ID numbers, labelled names), and a part of the file name that stands apart and
 * reads as a name (`统计表（李明）.xlsx`) is masked too — clerks often sign their file names.
 */
export interface UnitNotice {
  /** Official name of the unit, or `未识别单位` for files whose unit could not be told. */
  readonly unit: string;
  /** `退回通知-龙兴镇-2024-07-08.txt`. */
  readonly fileName: string;
  /** The notice, without BOM, lines joined with `\n`. */
  readonly text: string;
  /** How many refused files it lists. */
  readonly files: number;
}

/** A written notice. */
export interface WrittenNotice {
  readonly unit: string;
  readonly path: string;
  readonly files: number;
}

/** The unit name used for refused files whose unit could not be told. */
export const unknownUnit = '未识别单位';

interface RefusedRow {
  submission_id: number;
  path: string;
  unit: string | null;
  form: string | null;
  form_name: string | null;
  year: number | null;
  period_from: number | null;
  period_to: number | null;
  received: string;
  due_date: string | null;
}

/** Parts of a file name standing apart (between brackets, dashes, spaces) that read as a person's name. */
function namesInFileName(path: string): string[] {
  const stem = (path.split('/').pop() ?? path).replace(/\.[^.]*$/, '');
  const names: string[] = [];
  for (const part of stem.split(/[\s\-_—–·•.,，、;；:：()（）[\]【】{}<>《》]+/)) {
    if (/^[\u4e00-\u9fff]{2,4}$/.test(part)) names.push(...findPersonNames(`填表人：${part}`));
  }
  return names;
}

/**
 * The notices for the files refused in run `runId`, one per unit, dated `runDate` (YYYY-MM-DD).
 * Leaves the 调度 views' reference date pinned to `runDate`.
 */
export async function refusalNotices(warehouse: Warehouse, runId: number, runDate: string): Promise<UnitNotice[]> {
  // Every slot, also of periods not over yet (a file sent early): the due date of each.
  await warehouse.connection.run(`SET VARIABLE as_of = DATE '9999-12-31'`);
  let refused: RefusedRow[];
  try {
    refused = (
      await queryRows(
        warehouse,
        `SELECT s.submission_id, s.path, s.unit, s.form, f.name AS form_name, strftime(s.received_at, '%Y-%m-%d') AS received,
           s.year, s.period_from, s.period_to,
           (SELECT strftime(max(st.due_date), '%Y-%m-%d') FROM submission_status st
             WHERE st.unit = s.unit AND st.form = s.form AND st.year = s.year
               AND coalesce(st.month, st.quarter * 3 - 2) <= s.period_to AND coalesce(st.month, st.quarter * 3) >= s.period_from) AS due_date
         FROM submissions s LEFT JOIN forms f ON f.code = s.form
         WHERE s.run_id = ${Number(runId)} AND s.status = 'rejected'
         ORDER BY s.unit NULLS LAST, s.submission_id`,
      )
    ).rows as unknown as RefusedRow[];
  } finally {
    await setAsOf(warehouse, runDate);
  }
  if (refused.length === 0) return [];
  const ids = refused.map((r) => Number(r.submission_id)).join(',');
  const { rows: problems } = await queryRows(
    warehouse,
    `SELECT submission_id, severity, code, sheet, cell, message FROM submission_problems WHERE submission_id IN (${ids}) AND severity = 'error' ORDER BY submission_id, seq`,
  );
  const { rows: reasons } = await queryRows(warehouse, `SELECT submission_id, reason FROM submissions WHERE submission_id IN (${ids})`);
  const personal = await loadPersonalStrings(warehouse);
  const redactor = new Redactor({ personal: [...personal.personal, ...refused.flatMap((r) => namesInFileName(r.path))], protect: personal.protect });

  const byUnit = new Map<string, RefusedRow[]>();
  for (const r of refused) {
    const unit = r.unit ?? unknownUnit;
    byUnit.set(unit, [...(byUnit.get(unit) ?? []), r]);
  }
  const notices: UnitNotice[] = [];
  for (const [unit, rows] of byUnit) {
    const lines = [
      `【退回通知】${unit}`,
      `${chineseDate(runDate)}处理的报送文件中，以下 ${rows.length} 份未能入库，请改正后重新报送：`,
      '',
    ];
    rows.forEach((r, i) => {
      const errors = problems.filter((p) => Number(p.submission_id) === Number(r.submission_id));
      const first = errors[0];
      const why = first
        ? problemLine({ severity: 'error', code: String(first.code), message: String(first.message), ...(first.sheet ? { sheet: String(first.sheet) } : {}) })
        : String(reasons.find((x) => Number(x.submission_id) === Number(r.submission_id))?.reason ?? '');
      const period = r.year !== null && r.period_from !== null && r.period_to !== null ? periodLabel({ year: Number(r.year), fromMonth: Number(r.period_from), toMonth: Number(r.period_to) }) : '期间未能确定';
      const what = [r.form_name ? `${r.form} ${r.form_name}` : '报表类型未能确定', period].join('，');
      lines.push(`${i + 1}. ${r.received} 收到的“${r.path.split('/').pop()}”（${what}，编号 ${r.submission_id}）`);
      lines.push(`   原因：${why}${errors.length > 1 ? `（共 ${errors.length} 处问题）` : ''}`);
      if (r.due_date) {
        lines.push(
          r.due_date >= runDate
            ? `   请于 ${chineseDate(r.due_date)}前重新报送`
            : `   报送截止日期 ${chineseDate(r.due_date)}已过，请尽快重新报送（截止日期后收到的按逾期统计）`,
        );
      } else lines.push('   请尽快重新报送');
    });
    lines.push('', '每份文件的全部问题见随附的退回说明；标红的表格副本可对照修改。改好后请整份重新报送。');
    const text = redactor.text(lines.join('\n'));
    notices.push({ unit, fileName: `退回通知-${unit.replace(/[<>:"/\\|?*]/g, '_')}-${runDate}.txt`, text, files: rows.length });
  }
  return notices;
}

/**
 * Writes the notices into `dir` (`<reports>/退回通知/<date>-第<run>次运行/`: one folder per run,
 * so a second run on the same day writes beside the first, never over it). BOM and CRLF.
 */
export async function writeRefusalNotices(dir: string, notices: readonly UnitNotice[]): Promise<WrittenNotice[]> {
  const written: WrittenNotice[] = [];
  for (const n of notices) {
    const path = join(dir, n.fileName);
    await writeFileAtomic(path, `\uFEFF${n.text.split('\n').join('\r\n')}\r\n`);
    written.push({ unit: n.unit, path, files: n.files });
  }
  return written;
}

/** The folder of one run's notices under the reports folder. */
export function noticesFolder(reportsDir: string, runDate: string, runId: number): string {
  return join(reportsDir, '退回通知', `${runDate}-第${runId}次运行`);
}
