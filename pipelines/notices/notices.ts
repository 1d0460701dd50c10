import { chineseDate } from '../../domain/dates.js';
import { printable } from '../../domain/printable.js';
import { periodLabel } from '../../domain/periods.js';
import { namesInFileName, Redactor } from '../../domain/redact.js';
import { statusDescriptions, statusLabels } from '../../dashboards/pages/format.js';
import { checkedAsOf, setAsOf } from '../../warehouse/as-of.js';
import type { PersonalStrings } from '../../warehouse/personal-data.js';
import { queryRows } from '../../warehouse/query.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { namePart, problemLine } from '../parse/report-text.js';

/**
 * 催报通知: one short text per unit, in the voice of a 调度 notice, ready to paste into WeChat —
 *
 * 1. files refused and not yet sent again (one line each: file, received date, form and period, why,
 *    by when), whether refused by the rules or by the analyst's hand (`firestat review reject`: the
 *    reason is then the analyst's);
 * 2. forms still missing for periods that have ended and whose due date has passed, with the due
 *    date and the days overdue;
 * 3. forms due within the next {@link upcomingDays} days that have not come in.
 *
 * plus one summary for the leader (`催报汇总`): counts per status and per form, the units most behind,
 * and which units got no notice because there is nothing to tell them.
 *
 * Everything is read from the warehouse as at a reference date: statuses, due dates and the analyst's
 * reasons from the 调度 view `submission_status` (the due date is the period end plus the form's due
 * days, from the form declarations or the configuration's `dueDays` — never worked out here), form
 * names from `forms`. The notices look back one year (slots due in the year up to the reference date),
 * so a gap of years ago does not sit in every notice forever.
 *
 * No person's name, ID or phone number reaches a notice, whichever field it came through (a refused
 * cell quoted in a reason, a clerk's name signed into a file name): every text passes the
 * warehouse's redactor, built from the personal strings the caller loaded once for the build and the
 * notices alike (`loadPersonalStrings`: names the warehouse knows; phone and ID numbers and labelled
 * names by pattern), with the names signed into the listed files' names added.
 */

/** The window of 即将到期 reminders, in days after the reference date. */
export const upcomingDays = 7;

/** The unit name used for refused files whose unit could not be told. */
const unknownUnit = '未识别单位';

/** What {@link composeNotices} needs besides the warehouse. */
export interface NoticeOptions {
  /** Reference date `YYYY-MM-DD` (the notices are dated by it). */
  readonly asOf: string;
  /** Who signs the notices: the configured registry's bureau. */
  readonly issuer: string;
  /** The warehouse's personal strings, loaded once by the caller (the build uses the same). */
  readonly personal: PersonalStrings;
  /**
   * A run whose refusals are all listed, also those whose unit, form or period could not be told
   * (otherwise those are listed for {@link upcomingDays} days after they came in).
   */
  readonly runId?: number;
}

/** One refused file as a notice lists it. */
interface RefusedFile {
  readonly submissionId: number;
  /** The file's name (last part of its inbox path), redacted. */
  readonly fileName: string;
  readonly received: string;
  readonly form: string | null;
  readonly formName: string | null;
  readonly period: string | null;
  /** One line, redacted. */
  readonly reason: string;
  /** Further errors in the same file. */
  readonly moreProblems: number;
  readonly dueDate: string | null;
  /** An earlier version of the same form and period is loaded and still counts. */
  readonly earlierStands: boolean;
}

/** One form of one period not received. */
interface MissingForm {
  readonly form: string;
  readonly formName: string;
  readonly period: string;
  readonly dueDate: string;
  /** Days past the due date (missing), or days left until it (upcoming; 0 = due today). */
  readonly days: number;
}

/** The notice of one unit. */
interface UnitNotice {
  /** Official name of the unit, or {@link unknownUnit}. */
  readonly unit: string;
  /** `催报通知-龙兴镇-2024-07-08.txt`. */
  readonly fileName: string;
  /** The notice, without BOM, lines joined with `\n`. */
  readonly text: string;
  readonly refused: readonly RefusedFile[];
  readonly missing: readonly MissingForm[];
  readonly upcoming: readonly MissingForm[];
}

/** Slot counts of one form (or all) by `submission_status.status`. */
type StatusCounts = Record<'on_time' | 'late' | 'rejected' | 'missing' | 'pending', number>;

/** Everything for one reference date. */
export interface NoticeSet {
  readonly asOf: string;
  /** Units with something to say, townships first, in registry order; {@link unknownUnit} last. */
  readonly notices: readonly UnitNotice[];
  /** Units expected to report that have nothing to be told. */
  readonly quiet: readonly string[];
  readonly counts: StatusCounts;
  readonly countsByForm: readonly { readonly form: string; readonly formName: string; readonly counts: StatusCounts }[];
  /** `催报汇总-2024-07-08.txt`. */
  readonly summaryFileName: string;
  /** The leader's summary, without BOM, lines joined with `\n`. */
  readonly summary: string;
}

interface SlotRow {
  unit: string;
  unit_kind: string;
  form: string;
  form_name: string;
  year: number;
  quarter: number;
  month: number | null;
  status: keyof StatusCounts;
  due_date: string;
  submission_id: number | null;
  status_reason: string | null;
  path: string | null;
  received: string | null;
  own_reason: string | null;
  period_from: number | null;
  period_to: number | null;
}

interface OtherRefusedRow {
  submission_id: number;
  path: string;
  unit: string | null;
  form: string | null;
  form_name: string | null;
  year: number | null;
  period_from: number | null;
  period_to: number | null;
  received: string;
  own_reason: string | null;
  due_date: string | null;
  earlier_stands: boolean;
}

const emptyCounts = (): StatusCounts => ({ on_time: 0, late: 0, rejected: 0, missing: 0, pending: 0 });

/** `YYYY-MM-DD` plus `n` days. */
function addDays(iso: string, n: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Whole days from `a` to `b` (`YYYY-MM-DD`). */
function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** The period of a slot or a submission in words, or null when it cannot be told. */
function periodOf(year: unknown, from: unknown, to: unknown): string | null {
  if (year === null || year === undefined || from === null || from === undefined || to === null || to === undefined) return null;
  return periodLabel({ year: Number(year), fromMonth: Number(from), toMonth: Number(to) });
}

/**
 * A text on one line, at most `max` characters (cut after redaction, so no number is cut in half
 * unmasked); control characters from a file name or a cell shown escaped (`\x1b`), never acted on.
 */
function oneLine(text: string, max = 160): string {
  const flat = printable(text.replace(/\s*[\r\n]+\s*/g, ' ').trim());
  return [...flat].length > max ? `${[...flat].slice(0, max - 1).join('')}…` : flat;
}

/**
 * The notices and the leader's summary as at `options.asOf`. Leaves the 调度 views' reference date
 * pinned to `options.asOf`.
 */
export async function composeNotices(warehouse: Warehouse, options: NoticeOptions): Promise<NoticeSet> {
  const asOf = checkedAsOf(options.asOf);
  const since = addDays(asOf, -365);
  const horizon = addDays(asOf, upcomingDays);

  // Every slot due in the year up to the reference date, with its status as at that date.
  await setAsOf(warehouse, asOf);
  const slots = (
    await queryRows(
      warehouse,
      `SELECT st.unit, st.unit_kind, st.form, coalesce(f.name, st.form) AS form_name, st.year, st.quarter, st.month, st.status,
         strftime(st.due_date, '%Y-%m-%d') AS due_date, st.submission_id, st.reason AS status_reason,
         s.path, strftime(s.received_at, '%Y-%m-%d') AS received, s.reason AS own_reason,
         coalesce(st.month, st.quarter * 3 - 2) AS period_from, coalesce(st.month, st.quarter * 3) AS period_to
       FROM submission_status st
       LEFT JOIN forms f ON f.code = st.form
       LEFT JOIN submissions s ON s.submission_id = st.submission_id
       WHERE st.due_date > $1::DATE
       ORDER BY st.year, st.quarter, st.month NULLS FIRST, st.form`,
      [since],
    )
  ).rows as unknown as SlotRow[];

  // Forms due in the next days and not received: as at the day after the window every slot due in
  // it has ended, and `missing` there means nothing loaded, nothing refused, nothing waiting to be read.
  await setAsOf(warehouse, addDays(horizon, 1));
  let upcomingRows: SlotRow[];
  let otherRefused: OtherRefusedRow[];
  try {
    upcomingRows = (
      await queryRows(
        warehouse,
        `SELECT st.unit, st.unit_kind, st.form, coalesce(f.name, st.form) AS form_name, st.year, st.quarter, st.month, st.status,
           strftime(st.due_date, '%Y-%m-%d') AS due_date, coalesce(st.month, st.quarter * 3 - 2) AS period_from, coalesce(st.month, st.quarter * 3) AS period_to
         FROM submission_status st LEFT JOIN forms f ON f.code = st.form
         WHERE st.status = 'missing' AND st.due_date BETWEEN $1::DATE AND $2::DATE
         ORDER BY st.due_date, st.form, st.year, st.quarter, st.month`,
        [asOf, horizon],
      )
    ).rows as unknown as SlotRow[];

    // Refused files the 调度 does not show as 退回: a correction refused while the earlier version
    // stands, a file for a period not over yet, a file whose unit, form or period could not be told.
    // Listed while nothing newer came for the same unit, form and period.
    await setAsOf(warehouse, '9999-12-31');
    const shown = slots.filter((s) => s.status === 'rejected' && s.submission_id !== null).map((s) => Number(s.submission_id));
    const files = await decidedSubmissions(warehouse);
    otherRefused = (
      await queryRows(
        warehouse,
        `SELECT s.submission_id, s.path, s.unit, s.form, f.name AS form_name, s.year, s.period_from, s.period_to,
           strftime(s.received_at, '%Y-%m-%d') AS received, s.reason AS own_reason,
           (SELECT strftime(max(st.due_date), '%Y-%m-%d') FROM submission_status st
             WHERE st.unit = s.unit AND st.form = s.form AND st.year = s.year
               AND coalesce(st.month, st.quarter * 3 - 2) <= s.period_to AND coalesce(st.month, st.quarter * 3) >= s.period_from) AS due_date,
           EXISTS (SELECT 1 FROM ${files} t WHERE t.status = 'loaded' AND t.unit_code = s.unit_code AND t.form = s.form AND t.year = s.year
               AND t.period_from <= s.period_to AND t.period_to >= s.period_from) AS earlier_stands
         FROM ${files} s LEFT JOIN forms f ON f.code = s.form
         WHERE s.status = 'rejected' AND s.received_at < $1::DATE + INTERVAL 1 DAY
           AND s.submission_id NOT IN (SELECT unnest($3::BIGINT[]))
           -- The same bytes read again later (firestat reprocess, a refusal accepted by hand): that verdict counts.
           AND NOT EXISTS (SELECT 1 FROM submissions t WHERE t.sha256 = s.sha256 AND t.submission_id > s.submission_id)
           AND CASE
             WHEN s.unit_code IS NOT NULL AND s.form IS NOT NULL AND s.year IS NOT NULL AND s.period_from IS NOT NULL AND s.period_to IS NOT NULL THEN
               s.received_at >= $2::DATE
               AND NOT EXISTS (SELECT 1 FROM submissions t WHERE t.submission_id <> s.submission_id AND t.unit_code = s.unit_code AND t.form = s.form
                 AND t.year = s.year AND t.period_from <= s.period_to AND t.period_to >= s.period_from
                 AND (t.received_at > s.received_at OR (t.received_at = s.received_at AND t.submission_id > s.submission_id)))
             ELSE s.run_id = $4 OR s.received_at >= $1::DATE - INTERVAL ${upcomingDays - 1} DAY
           END
         ORDER BY s.received_at, s.submission_id`,
        [asOf, since, shown, options.runId ?? -1],
      )
    ).rows as unknown as OtherRefusedRow[];
  } finally {
    await setAsOf(warehouse, asOf);
  }

  const refusedIds = [
    ...slots.filter((s) => s.status === 'rejected' && s.submission_id !== null).map((s) => Number(s.submission_id)),
    ...otherRefused.map((r) => Number(r.submission_id)),
  ];
  const errors = new Map<number, { first: string; count: number }>();
  if (refusedIds.length) {
    const { rows } = await queryRows(
      warehouse,
      `SELECT submission_id, code, sheet, message, count(*) OVER (PARTITION BY submission_id) AS n
       FROM submission_problems WHERE severity = 'error' AND submission_id IN (SELECT unnest($1::BIGINT[]))
       QUALIFY row_number() OVER (PARTITION BY submission_id ORDER BY seq) = 1`,
      [refusedIds],
    );
    for (const p of rows) {
      errors.set(Number(p.submission_id), {
        first: problemLine({ severity: 'error', code: String(p.code), message: String(p.message), ...(p.sheet ? { sheet: String(p.sheet) } : {}) }),
        count: Number(p.n),
      });
    }
  }

  // A clerk's name signed into a listed file's name (`统计（李明）.xlsx`) is masked too.
  const paths = [...slots.map((s) => s.path), ...otherRefused.map((r) => r.path)].filter((p): p is string => typeof p === 'string');
  const redactor = new Redactor({ personal: [...options.personal.personal, ...paths.flatMap(namesInFileName)], protect: options.personal.protect });
  const clean = (text: string, max?: number) => oneLine(redactor.text(text), max);

  /** The one-line reason: the analyst's when the 调度 gives one the file itself does not, else the file's first error. */
  const reasonOf = (id: number, statusReason: string | null, ownReason: string | null): { reason: string; more: number } => {
    const hand = statusReason && statusReason !== ownReason ? statusReason : undefined;
    const e = errors.get(id);
    if (hand) return { reason: clean(hand), more: 0 };
    if (e) return { reason: clean(e.first), more: e.count - 1 };
    return { reason: clean(statusReason ?? ownReason ?? '未说明原因'), more: 0 };
  };
  const fileNameOf = (path: string) => clean(path.split('/').pop() ?? path, 80);

  const refusedByUnit = new Map<string, RefusedFile[]>();
  const push = <T>(map: Map<string, T[]>, key: string, v: T) => map.set(key, [...(map.get(key) ?? []), v]);
  for (const s of slots.filter((x) => x.status === 'rejected')) {
    const id = Number(s.submission_id);
    const { reason, more } = reasonOf(id, s.status_reason, s.own_reason);
    push(refusedByUnit, s.unit, {
      submissionId: id,
      fileName: s.path ? fileNameOf(s.path) : '（文件名未记录）',
      received: s.received ?? '',
      form: s.form,
      formName: s.form_name,
      period: periodOf(s.year, s.period_from, s.period_to),
      reason,
      moreProblems: more,
      dueDate: s.due_date,
      earlierStands: false,
    });
  }
  for (const r of otherRefused) {
    const id = Number(r.submission_id);
    const { reason, more } = reasonOf(id, null, r.own_reason);
    push(refusedByUnit, r.unit ?? unknownUnit, {
      submissionId: id,
      fileName: fileNameOf(r.path),
      received: r.received,
      form: r.form,
      formName: r.form_name,
      period: periodOf(r.year, r.period_from, r.period_to),
      reason,
      moreProblems: more,
      dueDate: r.due_date,
      earlierStands: r.earlier_stands === true,
    });
  }
  for (const list of refusedByUnit.values()) list.sort((a, b) => a.received.localeCompare(b.received) || a.submissionId - b.submissionId);

  const missingByUnit = new Map<string, MissingForm[]>();
  for (const s of slots.filter((x) => x.status === 'missing')) {
    push(missingByUnit, s.unit, {
      form: s.form,
      formName: s.form_name,
      period: periodOf(s.year, s.period_from, s.period_to)!,
      dueDate: s.due_date,
      days: daysBetween(s.due_date, asOf),
    });
  }
  const upcomingByUnit = new Map<string, MissingForm[]>();
  for (const s of upcomingRows) {
    push(upcomingByUnit, s.unit, {
      form: s.form,
      formName: s.form_name,
      period: periodOf(s.year, s.period_from, s.period_to)!,
      dueDate: s.due_date,
      days: daysBetween(asOf, s.due_date),
    });
  }

  // The units expected to report as at the reference date, townships first, in registry order.
  const { rows: unitRows } = await queryRows(
    warehouse,
    `SELECT u.name, u.kind FROM units u
     WHERE u.valid_from <= $1::DATE AND (u.valid_to IS NULL OR u.valid_to >= $1::DATE) AND EXISTS (SELECT 1 FROM form_expectations e WHERE e.unit_code = u.code)
     ORDER BY u.kind = 'bureau', u.code`,
    [asOf],
  );
  const expected = unitRows.map((u) => String(u.name));
  const named = [...new Set([...expected, ...refusedByUnit.keys(), ...missingByUnit.keys(), ...upcomingByUnit.keys()])].sort(
    (a, b) => Number(a === unknownUnit) - Number(b === unknownUnit) || rank(expected, a) - rank(expected, b),
  );

  const notices: UnitNotice[] = [];
  const quiet: string[] = [];
  for (const unit of named) {
    const refused = refusedByUnit.get(unit) ?? [];
    const missing = missingByUnit.get(unit) ?? [];
    const upcoming = upcomingByUnit.get(unit) ?? [];
    if (refused.length + missing.length + upcoming.length === 0) {
      quiet.push(unit);
      continue;
    }
    const text = redactor.text(unitNoticeText({ unit, asOf, issuer: options.issuer, refused, missing, upcoming }));
    notices.push({ unit, fileName: `催报通知-${namePart(unit, unknownUnit)}-${asOf}.txt`, text, refused, missing, upcoming });
  }

  const counts = emptyCounts();
  const byForm = new Map<string, { form: string; formName: string; counts: StatusCounts }>();
  for (const s of slots) {
    counts[s.status] += 1;
    const f = byForm.get(s.form) ?? { form: s.form, formName: s.form_name, counts: emptyCounts() };
    f.counts[s.status] += 1;
    byForm.set(s.form, f);
  }
  const countsByForm = [...byForm.values()].sort((a, b) => a.form.localeCompare(b.form));
  const set = { asOf, notices, quiet, counts, countsByForm, summaryFileName: `催报汇总-${asOf}.txt` };
  return { ...set, summary: redactor.text(summaryText({ ...set, since, issuer: options.issuer })) };
}

/**
 * The submissions with the analyst's decisions applied (`reviewed_submissions`: a file 退回 by hand
 * is `rejected` with the analyst's reason), or `submissions` in a warehouse without that view.
 */
async function decidedSubmissions(warehouse: Warehouse): Promise<string> {
  const { rows } = await queryRows(warehouse, `SELECT count(*)::INTEGER AS n FROM duckdb_views() WHERE view_name = 'reviewed_submissions' AND NOT internal`);
  return Number(rows[0]?.n) > 0 ? 'reviewed_submissions' : 'submissions';
}

function rank(order: readonly string[], unit: string): number {
  const i = order.indexOf(unit);
  return i < 0 ? order.length : i;
}

const sectionNumbers = ['一', '二', '三'];

function formText(form: string | null, formName: string | null): string {
  return form && formName ? `${form} ${formName}` : '报表类型未能确定';
}

/** The notice of one unit: greeting, what to do and by when, one line per item, signed by the bureau. */
function unitNoticeText(n: {
  readonly unit: string;
  readonly asOf: string;
  readonly issuer: string;
  readonly refused: readonly RefusedFile[];
  readonly missing: readonly MissingForm[];
  readonly upcoming: readonly MissingForm[];
}): string {
  const unknown = n.unit === unknownUnit;
  const lines = [
    unknown ? '各单位：' : `${n.unit}：`,
    unknown
      ? `截至${chineseDate(n.asOf)}，以下报送文件未能确定报送单位，未能入库。请报送单位核对后重新报送，并在标题或文件名中写明单位和期间：`
      : `截至${chineseDate(n.asOf)}，你单位报表报送情况如下，请按要求办理：`,
  ];
  const sections: string[][] = [];
  if (n.refused.length) {
    const s = [`被退回、需改正后重新报送的文件 ${n.refused.length} 份：`];
    n.refused.forEach((r, i) => {
      const what = [formText(r.form, r.formName), r.period ?? '期间未能确定', `编号 ${r.submissionId}`].join('，');
      s.push(`${i + 1}. ${r.received ? `${chineseDate(r.received)}收到的` : ''}“${r.fileName}”（${what}）`);
      s.push(`   原因：${r.reason}${r.moreProblems > 0 ? `（另有 ${r.moreProblems} 处问题，见退回说明）` : ''}`);
      if (r.earlierStands) s.push('   此前报送的同期报表继续有效；如需更正，请改好后重新报送');
      else if (r.dueDate && r.dueDate >= n.asOf) s.push(`   请于 ${chineseDate(r.dueDate)}前重新报送`);
      else if (r.dueDate) s.push(`   报送截止日期 ${chineseDate(r.dueDate)}已过（已逾期 ${daysBetween(r.dueDate, n.asOf)} 天），请尽快重新报送`);
      else s.push('   请尽快重新报送');
    });
    sections.push(s);
  }
  if (n.missing.length) {
    const s = [`截止日期已过、尚未报送的报表 ${n.missing.length} 份，请尽快报送：`];
    for (const [i, m] of n.missing.entries())
      s.push(`${i + 1}. ${m.form} ${m.formName}，${m.period}：应于 ${chineseDate(m.dueDate)}前报送，已逾期 ${m.days} 天`);
    sections.push(s);
  }
  if (n.upcoming.length) {
    const s = [`${upcomingDays} 日内到期、尚未收到的报表 ${n.upcoming.length} 份，请按时报送：`];
    for (const [i, m] of n.upcoming.entries()) {
      s.push(`${i + 1}. ${m.form} ${m.formName}，${m.period}：请于 ${chineseDate(m.dueDate)}前报送（${m.days === 0 ? '今天截止' : `还有 ${m.days} 天`}）`);
    }
    sections.push(s);
  }
  sections.forEach((s, i) => {
    lines.push(`${sectionNumbers[i]}、${s[0]}`, ...s.slice(1));
  });
  if (n.refused.length) lines.push('每份退回文件的全部问题见退回说明，标红的表格副本可对照修改；改好后请整份重新报送。');
  lines.push('如有疑问，请与区局调度联系。', '', n.issuer, chineseDate(n.asOf));
  return lines.join('\n');
}

/** The leader's summary: counts per status and per form, the units most behind, who got no notice. */
function summaryText(s: {
  readonly asOf: string;
  readonly since: string;
  readonly issuer: string;
  readonly notices: readonly UnitNotice[];
  readonly quiet: readonly string[];
  readonly counts: StatusCounts;
  readonly countsByForm: readonly { readonly form: string; readonly formName: string; readonly counts: StatusCounts }[];
}): string {
  const order = ['on_time', 'late', 'rejected', 'missing', 'pending'] as const;
  const total = order.reduce((n, k) => n + s.counts[k], 0);
  const countLine = (c: StatusCounts) => order.map((k) => `${statusLabels[k]} ${c[k]}`).join('，');
  const units = s.notices.filter((n) => n.unit !== unknownUnit);
  const unknown = s.notices.find((n) => n.unit === unknownUnit);
  const behind = units
    .filter((n) => n.missing.length + n.refused.length > 0)
    .map((n) => ({ n, owed: n.missing.length + n.refused.length, worst: Math.max(0, ...n.missing.map((m) => m.days)) }))
    .sort((a, b) => b.owed - a.owed || b.worst - a.worst || 0)
    .slice(0, 5);
  const upcoming = units.reduce((k, n) => k + n.upcoming.length, 0);
  const lines = [
    `【催报汇总】截至${chineseDate(s.asOf)}`,
    `截至${chineseDate(s.asOf)}已结束的各期报表（报送截止日期在 ${chineseDate(addDays(s.since, 1))}以后的）共 ${total} 份（每个单位每种报表每期一份）：`,
    `${countLine(s.counts)}。`,
    `（${order.map((k) => `${statusLabels[k]}：${statusDescriptions[k]}`).join('；')}）`,
    '',
    '分报表：',
    ...s.countsByForm.map((f) => `  ${f.form} ${f.formName}：${countLine(f.counts)}`),
    '',
    behind.length ? '欠报最多的单位：' : '没有逾期未报或被退回未重报的单位。',
    ...behind.map(
      (b, i) =>
        `  ${i + 1}. ${b.n.unit}：${[b.n.missing.length ? `逾期未报 ${b.n.missing.length} 份` : '', b.n.refused.length ? `被退回待重报 ${b.n.refused.length} 份` : '', b.worst ? `最长逾期 ${b.worst} 天` : ''].filter(Boolean).join('，')}`,
    ),
    '',
    `${upcomingDays} 日内到期、尚未收到：${upcoming} 份${upcoming ? `（${units.filter((n) => n.upcoming.length).length} 个单位）` : ''}。`,
    ...(unknown ? [`未能确定报送单位的退回文件：${unknown.refused.length} 份（见 ${unknown.fileName}）。`] : []),
    units.length
      ? `已写出催报通知 ${units.length} 份（每个单位一份，可直接转发）：${units.map((n) => n.unit).join('、')}。`
      : '没有需要催报的单位，未写催报通知。',
    s.quiet.length ? `以下 ${s.quiet.length} 个单位没有需要提醒的事项，未写通知：${s.quiet.join('、')}。` : '每个应报单位都有需要提醒的事项。',
    '',
    s.issuer,
    chineseDate(s.asOf),
  ];
  return lines.join('\n');
}
