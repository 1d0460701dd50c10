import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { shanghaiTimestamp, type Clock } from '../../domain/clock.js';
import { formByCode } from '../../domain/forms/index.js';
import { parsePeriodCell, periodLabel, type Period } from '../../domain/periods.js';
import type { Problem } from '../../domain/problem.js';
import { tempFolderPrefix } from '../../domain/temp-folders.js';
import type { Unit, UnitRegistry } from '../../domain/units.js';
import type { ReadLimits } from '../../sources/readers/reader.js';
import { FolderInbox } from '../../sources/inbox/folder-inbox.js';
import type { Source, SourceFile } from '../../sources/source.js';
import { SubmissionStore } from '../../warehouse/load/submission-store.js';
import { queryRows } from '../../warehouse/query.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { withWorkingCopy } from '../../warehouse/working-copy.js';
import type { FileOutcome } from '../ingest/ingest.js';
import { refusalFolder, writeRefusalReport, type RefusalReportInput } from '../ingest/refusal-report.js';
import { acquireRunLock } from '../run/run-lock.js';
import { appendJournal, insertAction, journalPath, syncJournal, type ReviewAction, type ReviewActionKind } from './journal.js';

/** A decision that cannot be made (unknown id, already acknowledged, undo of an undo …); the message is Chinese. */
export class ReviewError extends Error {
  override readonly name = 'ReviewError';
}

/** What every decision needs. */
export interface DeskOptions {
  readonly warehousePath: string;
  /** Who decides (`--by`, default the OS user). */
  readonly by: string;
  readonly clock: Clock;
  /** How long to wait for a run holding the lock (ms). Default 5000. */
  readonly lockWaitMs?: number;
}

/** A hand 退回 and an accept also need the units, the inbox with the kept originals and the reports folder. */
export interface FileDeskOptions extends DeskOptions {
  readonly registry: UnitRegistry;
  /** The inbox the files came from: the original of a file is read there again (accept, the marked-up copy). */
  readonly inbox?: string;
  /** Where refusal reports go (as `firestat run` writes them). */
  readonly reportsDir: string;
  readonly limits?: ReadLimits;
  readonly maxSecondsPerFile?: number;
  readonly dueDays?: Readonly<Record<string, number>>;
}

type NewAction = Omit<ReviewAction, 'action_id' | 'acted_at' | 'acted_by' | 'action'>;

const blank = { target_sha256: null, target_path: null, finding_digest: null, unit: null, year: null, period_from: null, period_to: null, report_path: null };

function requireNote(note: string | undefined, what: string): string {
  const n = (note ?? '').trim();
  if (!n) throw new ReviewError(`请用 ${what} 写明理由（中文，会记入审核记录）`);
  return n;
}

/**
 * One decision: under the run lock, into a working copy (the journal replayed into it first),
 * recorded in `review_actions`, appended to the journal (fsync) just before the working copy is
 * published by rename — so analysts reading the published warehouse are never blocked.
 */
async function decide<T>(
  o: DeskOptions,
  kind: ReviewActionKind,
  work: (w: Warehouse, record: (a: NewAction) => Promise<void>) => Promise<{ action: NewAction; result: T }>,
): Promise<T & { action: ReviewAction }> {
  if (!existsSync(o.warehousePath)) throw new ReviewError(`数据仓库文件不存在：${o.warehousePath}（请先运行 firestat run）`);
  const journal = journalPath(o.warehousePath);
  const lock = await acquireRunLock(`${o.warehousePath}.lock`, o.lockWaitMs ?? 5_000, o.clock);
  try {
    let recorded: ReviewAction | undefined;
    const result = await withWorkingCopy(
      o.warehousePath,
      async (w) => {
        await syncJournal(w, journal);
        const max = await queryRows(w, `SELECT coalesce(max(action_id), 0) AS n FROM review_actions`);
        const actionId = Number(max.rows[0]?.n ?? 0) + 1;
        // Recorded once: by the work itself where what follows must see it (an accept's ingest), else after it.
        const record = async (a: NewAction) => {
          if (recorded) return;
          recorded = { ...a, action: kind, action_id: actionId, acted_at: shanghaiTimestamp(o.clock()), acted_by: o.by };
          await insertAction(w, recorded);
        };
        const { action, result: r } = await work(w, record);
        await record(action);
        return r;
      },
      {
        beforePublish: async () => {
          if (!(await lock.held())) throw new ReviewError('运行锁已被另一个运行接管，本次决定未保存');
          await appendJournal(journal, [recorded!]);
        },
      },
    );
    return { ...result, action: recorded! };
  } finally {
    await lock.release();
  }
}

/** A finding as the desk lists it. */
export interface DeskFinding {
  readonly finding_id: string;
  readonly status: 'open' | 'acknowledged';
  readonly rule: string;
  readonly severity: string;
  readonly unit: string | null;
  readonly form: string | null;
  readonly year: number | null;
  readonly quarter: number | null;
  readonly message: string;
  readonly path: string | null;
  readonly sheet: string | null;
  readonly cell: string | null;
  readonly submission_id: number | null;
  readonly reviewed_by: string | null;
  readonly review_note: string | null;
  readonly reviewed_at: string | null;
  readonly review_action_id: number | null;
}

/** `firestat review findings`: the findings with their status, read from the published warehouse (read-only). */
export async function listFindings(warehousePath: string, filter: { open?: boolean; year?: number; quarter?: number } = {}): Promise<DeskFinding[]> {
  if (!existsSync(warehousePath)) throw new ReviewError(`数据仓库文件不存在：${warehousePath}（请先运行 firestat run）`);
  const w = await Warehouse.open({ path: warehousePath, readOnly: true });
  try {
    const where = ['true'];
    const params: unknown[] = [];
    if (filter.open) where.push(`status = 'open'`);
    if (filter.year !== undefined) where.push(`year = $${params.push(filter.year)}`);
    if (filter.quarter !== undefined) where.push(`quarter = $${params.push(filter.quarter)}`);
    const { rows } = await queryRows(
      w,
      `SELECT finding_id, status, rule, severity, unit, form, year, quarter, message, path, sheet, cell, submission_id, reviewed_by, review_note,
         strftime(reviewed_at, '%Y-%m-%d %H:%M:%S') AS reviewed_at, review_action_id
       FROM findings WHERE ${where.join(' AND ')} ORDER BY year, quarter, status DESC, unit, rule, finding_id`,
      params,
    );
    return rows as unknown as DeskFinding[];
  } finally {
    await w.close();
  }
}

/** `firestat review ack`: 已核实 — the finding stays in `findings`, acknowledged, and leaves the 通报. */
export async function ackFinding(o: DeskOptions, findingId: string, note: string | undefined): Promise<{ action: ReviewAction; finding: DeskFinding }> {
  const text = requireNote(note, '--note');
  const id = findingId.trim().toLowerCase();
  if (!/^[0-9a-f]{6,32}$/.test(id)) throw new ReviewError(`问题编号应为 firestat review findings 列出的编号（至少前 6 位），收到“${findingId.slice(0, 40)}”`);
  return decide(o, 'ack', async (w) => {
    const { rows } = await queryRows(
      w,
      `SELECT finding_id, status, rule, severity, unit, form, year, quarter, message, path, sheet, cell, submission_id, reviewed_by, review_note,
         strftime(reviewed_at, '%Y-%m-%d %H:%M:%S') AS reviewed_at, review_action_id, md5(message) AS digest
       FROM findings WHERE starts_with(finding_id, $1)`,
      [id],
    );
    if (rows.length === 0) throw new ReviewError(`没有编号为 ${id} 的问题（firestat review findings 列出全部问题；问题已消失的，说明数据已更正）`);
    if (rows.length > 1) throw new ReviewError(`编号 ${id} 对应 ${rows.length} 个问题，请写出更多位`);
    const f = rows[0]!;
    if (f.status === 'acknowledged') {
      throw new ReviewError(
        `问题 ${String(f.finding_id).slice(0, 12)} 已于 ${f.reviewed_at} 由 ${f.reviewed_by} 核实（审核决定 ${f.review_action_id}：${f.review_note}）；如需改写说明，先撤销：firestat review undo ${f.review_action_id} --note …`,
      );
    }
    const { digest, ...finding } = f;
    return {
      action: { ...blank, target: String(f.finding_id), note: text, finding_digest: String(digest) },
      result: { finding: finding as unknown as DeskFinding },
    };
  });
}

/** A submission as the desk sees it: `reviewed_submissions`. */
interface DeskSubmission {
  readonly submission_id: number;
  readonly path: string;
  readonly sha256: string;
  readonly unit: string | null;
  readonly form: string | null;
  readonly year: number | null;
  readonly period_from: number | null;
  readonly period_to: number | null;
  readonly status: string;
  readonly reason: string | null;
  readonly review_action_id: number | null;
  readonly replaced_by: number | null;
  readonly received_at: string;
  readonly bytes: number;
}

async function submission(w: Warehouse, id: number): Promise<DeskSubmission> {
  if (!Number.isSafeInteger(id) || id <= 0) throw new ReviewError(`报送文件编号应为正整数（submissions.submission_id），收到 ${id}`);
  const { rows } = await queryRows(
    w,
    `SELECT submission_id, path, sha256, unit, form, year, period_from, period_to, status, reason, review_action_id, replaced_by, bytes,
       strftime(received_at, '%Y-%m-%d %H:%M:%S') AS received_at
     FROM reviewed_submissions WHERE submission_id = $1`,
    [id],
  );
  if (rows.length === 0) throw new ReviewError(`数据仓库中没有编号为 ${id} 的报送文件`);
  return rows[0] as unknown as DeskSubmission;
}

const periodOf = (s: Pick<DeskSubmission, 'year' | 'period_from' | 'period_to'>): Period | undefined =>
  s.year == null || s.period_from == null || s.period_to == null ? undefined : { year: s.year, fromMonth: s.period_from, toMonth: s.period_to };

/** The original of a submission in the inbox, only if its bytes are still those decided on. */
async function original(inbox: string | undefined, path: string, sha256: string): Promise<SourceFile | string> {
  if (!inbox || !existsSync(inbox)) return `收件箱目录不存在：${inbox ?? '（未给出）'}`;
  for await (const f of new FolderInbox(inbox).list()) {
    if (f.path !== path) continue;
    if (f.refusal || f.failure) return `收件箱中的“${path}”无法读取：${f.refusal ?? f.failure}`;
    const hash = createHash('sha256');
    for await (const chunk of f.open()) hash.update(chunk as Buffer);
    if (hash.digest('hex') !== sha256) return `收件箱中的“${path}”已换成另一份文件（内容与该编号的文件不同）`;
    return f;
  }
  return `收件箱中已没有“${path}”`;
}

/**
 * `firestat review reject`: 退回 by hand. The file's rows leave every figure (the version it
 * replaced is current again), the 调度 shows 退回 with the reason, and the township gets the same
 * papers as for an automatic refusal: the 退回说明 and, where findings point at cells, the marked-up
 * workbook.
 */
export async function rejectSubmission(
  o: FileDeskOptions,
  submissionId: number,
  reason: string | undefined,
): Promise<{ action: ReviewAction; reportPath: string; markedCopyPath?: string; restored: number[]; submission: DeskSubmission }> {
  const text = requireNote(reason, '--reason');
  return decide(o, 'reject', async (w, record) => {
    const s = await submission(w, submissionId);
    if (s.status === 'rejected') throw new ReviewError(`编号 ${submissionId} 的文件已经是退回状态（${s.reason ?? ''}）`);
    if (s.status === 'replaced') throw new ReviewError(`编号 ${submissionId} 的文件已被编号 ${s.replaced_by} 的文件替换，不是现行文件，不需要退回`);
    if (s.status !== 'loaded') throw new ReviewError(`编号 ${submissionId} 的文件没有入库（状态 ${s.status}），不需要退回`);
    const period = periodOf(s);
    const located = await queryRows(
      w,
      `SELECT rule, message, sheet, cell FROM findings WHERE submission_id = $1 AND sheet IS NOT NULL ORDER BY sheet, cell, rule`,
      [submissionId],
    );
    const problems: Problem[] = [
      { severity: 'error', code: 'review_rejected', message: `经区消防救援局统计人员审核退回：${text}` },
      ...located.rows.map(
        (f): Problem => ({
          severity: 'error',
          code: String(f.rule),
          message: String(f.message),
          sheet: String(f.sheet),
          ...(f.cell ? { cell: String(f.cell) } : {}),
        }),
      ),
    ];
    const form = s.form ? formByCode(s.form) : undefined;
    const report: RefusalReportInput = {
      submissionId,
      path: s.path,
      receivedAt: s.received_at,
      ...(form ? { formName: `${form.code} ${form.name}` } : {}),
      ...(s.unit ? { unit: s.unit } : {}),
      ...(period ? { period: periodLabel(period) } : {}),
      problems,
      omitted: 0,
    };
    const folder = refusalFolder(o.reportsDir, report);
    let reportPath = await writeRefusalReport(folder, report);
    let markedCopyPath: string | undefined;
    if (located.rows.length > 0) {
      const file = await original(o.inbox, s.path, s.sha256);
      if (typeof file === 'string') {
        reportPath = await writeRefusalReport(folder, { ...report, technical: [`未生成标出问题的表格副本：${file}`] });
      } else {
        const { writeMarkedCopy } = await import('../ingest/marked-copy.js');
        markedCopyPath = await writeMarkedCopy(folder, {
          file,
          problems,
          omitted: 0,
          ...(report.unit ? { unit: report.unit } : {}),
          ...(report.period ? { period: report.period } : {}),
          ...(report.formName ? { formName: report.formName } : {}),
        });
        if (markedCopyPath) reportPath = await writeRefusalReport(folder, { ...report, markedCopy: basename(markedCopyPath) });
      }
    }
    // Which earlier versions the rejection makes current again.
    const before = await queryRows(w, `SELECT submission_id FROM current_submissions`);
    const action: NewAction = { ...blank, target: String(submissionId), note: text, target_sha256: s.sha256, target_path: s.path, report_path: reportPath };
    await record(action);
    const after = await queryRows(w, `SELECT submission_id FROM current_submissions`);
    const had = new Set(before.rows.map((r) => Number(r.submission_id)));
    const restored = after.rows.map((r) => Number(r.submission_id)).filter((id) => !had.has(id));
    return { action, result: { reportPath, ...(markedCopyPath ? { markedCopyPath } : {}), restored, submission: s } };
  });
}

/** A `--unit` as the registry knows it. */
function statedUnit(registry: UnitRegistry, name: string | undefined): Unit | undefined {
  if (name === undefined) return undefined;
  const u = registry.resolve(name.trim());
  if (!u) throw new ReviewError(`单位名录中没有“${name.slice(0, 40)}”（可写正式名称、简称或编码，如 ${registry.units[0]?.name ?? '龙兴镇'}）`);
  return u;
}

/** A `--period` (`2025Q1`, `2025年第一季度`, `2025-03`). */
function statedPeriod(text: string | undefined): Period | undefined {
  if (text === undefined) return undefined;
  const p = parsePeriodCell(text.trim());
  if (!p) throw new ReviewError(`--period 应为一个月或一个季度，如 2025Q1、2025年第一季度、2025-03，收到“${text.slice(0, 40)}”`);
  return p;
}

/**
 * `firestat review accept`: lets a refused file in, stating its unit and/or period. The kept
 * original is read again from the inbox with what was stated and goes through every other check;
 * if it still has errors nothing is recorded and the error says why.
 */
export async function acceptSubmission(
  o: FileDeskOptions,
  submissionId: number,
  note: string | undefined,
  stated: { unit?: string; period?: string } = {},
): Promise<{ action: ReviewAction; outcome: FileOutcome }> {
  const text = requireNote(note, '--note');
  const unit = statedUnit(o.registry, stated.unit);
  const period = statedPeriod(stated.period);
  return decide(o, 'accept', async (w, record) => {
    const s = await submission(w, submissionId);
    if (s.status === 'loaded') throw new ReviewError(`编号 ${submissionId} 的文件已入库，不需要放行`);
    if (s.status === 'replaced') throw new ReviewError(`编号 ${submissionId} 的文件已入库，后来被编号 ${s.replaced_by} 的文件替换`);
    if (s.status === 'failed')
      throw new ReviewError(
        `编号 ${submissionId} 的文件是处理失败（${s.reason ?? ''}），不是内容被退回；排除原因后用 firestat reprocess --submission ${submissionId} 重新读取`,
      );
    if (s.review_action_id !== null)
      throw new ReviewError(
        `编号 ${submissionId} 的文件是人工退回的（审核决定 ${s.review_action_id}）；要恢复它，请撤销那个决定：firestat review undo ${s.review_action_id} --note …`,
      );
    if (!s.sha256) throw new ReviewError(`编号 ${submissionId} 的文件在读取内容之前就被拒收（${s.reason ?? ''}），无法放行`);
    const file = await original(o.inbox, s.path, s.sha256);
    if (typeof file === 'string') throw new ReviewError(`无法重新读取编号 ${submissionId} 的原文件：${file}`);
    const action: NewAction = {
      ...blank,
      target: String(submissionId),
      note: text,
      target_sha256: s.sha256,
      target_path: s.path,
      unit: unit?.name ?? null,
      year: period?.year ?? null,
      period_from: period?.fromMonth ?? null,
      period_to: period?.toMonth ?? null,
    };
    // Recorded first, so ingest reads the file with the stated unit and period; the ingest's own
    // papers for a file that is still refused go to a scratch folder (nothing of it is published).
    await record(action);
    await new SubmissionStore(w).requestReprocess(s.path, submissionId, shanghaiTimestamp(o.clock()));
    const scratch = await mkdtemp(join(tmpdir(), tempFolderPrefix.accept));
    let outcome: FileOutcome | undefined;
    try {
      const one: Source = {
        description: `收件箱 ${o.inbox}（${s.path}）`,
        async *list() {
          yield file;
        },
      };
      const { ingest } = await import('../ingest/ingest.js');
      const result = await ingest({
        source: one,
        warehouse: w,
        registry: o.registry,
        reportsDir: scratch,
        clock: o.clock,
        ...(o.limits ? { limits: o.limits } : {}),
        ...(o.maxSecondsPerFile ? { maxSecondsPerFile: o.maxSecondsPerFile } : {}),
        ...(o.dueDays ? { dueDays: o.dueDays } : {}),
      });
      outcome = result.outcomes[0];
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    if (!outcome || (outcome.status !== 'loaded' && outcome.status !== 'replaced')) {
      const why = outcome?.reason ?? (outcome?.status === 'unchanged' ? '内容相同的文件已入库' : '未能读取');
      throw new ReviewError(
        `按确认的${[unit ? `单位“${unit.name}”` : '', period ? `期间“${periodLabel(period)}”` : ''].filter(Boolean).join('、') || '内容'}重新读取后，编号 ${submissionId} 的文件仍有问题，保持退回，未作记录：${why}`,
      );
    }
    return { action, result: { outcome } };
  });
}

/** `firestat review undo`: takes a decision back (an acknowledged finding is open again, a 退回 or an accept is undone). */
export async function undoAction(o: DeskOptions, actionId: number, note: string | undefined): Promise<{ action: ReviewAction; undone: ReviewAction }> {
  const text = requireNote(note, '--note');
  if (!Number.isSafeInteger(actionId) || actionId <= 0) throw new ReviewError(`审核决定编号应为正整数（review_actions.action_id），收到 ${actionId}`);
  return decide(o, 'undo', async (w) => {
    const { rows } = await queryRows(w, `SELECT *, strftime(acted_at, '%Y-%m-%d %H:%M:%S') AS at_text FROM review_actions WHERE action_id = $1`, [actionId]);
    const a = rows[0];
    if (!a) throw new ReviewError(`没有编号为 ${actionId} 的审核决定（firestat sql "SELECT * FROM review_actions" 列出全部）`);
    if (a.action === 'undo') throw new ReviewError(`审核决定 ${actionId} 本身是一次撤销，不能再撤销；如需恢复原来的决定，请重新作出该决定`);
    if (a.undone_by != null) throw new ReviewError(`审核决定 ${actionId} 已被审核决定 ${a.undone_by} 撤销`);
    const undone = { ...(a as unknown as ReviewAction), acted_at: String(a.at_text) };
    return { action: { ...blank, target: String(actionId), note: text }, result: { undone } };
  });
}
