import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { UnitRegistry } from '../../domain/units.js';
import { bulletinDocument, dispatchDocument, yearDocument, type BuildContext } from '../../dashboards/data/build-documents.js';
import { ackFinding, acceptSubmission, rejectSubmission, ReviewError, undoAction, type FileDeskOptions } from '../../pipelines/review/desk.js';
import { journalPath, readJournal } from '../../pipelines/review/journal.js';
import { nightlyRun } from '../../pipelines/run/nightly-run.js';
import { FolderInbox } from '../../sources/inbox/folder-inbox.js';
import { queryRows } from '../../warehouse/query.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { saveWorkbook, fixedWorkbook } from '../fixtures/fixture-workbook.js';
import { t1Header } from '../support/csv-submissions.js';
import { deliverFile, fixturesDir, tempDir } from '../support/ingest-helpers.js';

const bin = new URL('../../bin/firestat.js', import.meta.url).pathname;
const registry = UnitRegistry.sample();
const night1 = new Date('2024-04-08T12:00:00Z');
const night2 = new Date('2024-04-12T12:00:00Z');
const asOf = '2024-04-25';

function firestat(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [bin, ...args], { encoding: 'utf8', env: { ...process.env, TZ: 'Asia/Shanghai', USER: 'tester' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A T1 whose title says 第二季度 while its file name and rows say 第一季度: refused for the contradiction. */
async function contradictoryT1(path: string, inspected: number): Promise<void> {
  const wb = fixedWorkbook();
  const ws = wb.addWorksheet('统计表');
  ws.addRow(['渝北区古路镇2024年第二季度消防执法工作统计表']);
  ws.addRow(t1Header);
  ws.addRow(['古路镇', '2024年第一季度', inspected, 10, 8, 1, 0, 0, 0, 2, 3]);
  await saveWorkbook(wb, path);
}

/** A plain T1 for Q1 (a correction). */
async function plainT1(path: string, unit: string, inspected: number, found: number): Promise<void> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Sheet1');
  ws.addRow(t1Header);
  ws.addRow([unit, '2024年第一季度', inspected, found, 30, 1, 4, 2, 0, 6, 1]);
  await wb.xlsx.writeFile(path);
}
const correctedDawan = (path: string) => plainT1(path, '大湾镇', 777, 45);

interface Place {
  dir: string;
  inbox: string;
  wh: string;
  reports: string;
}

async function run(p: Place, now: Date) {
  return nightlyRun({ warehousePath: p.wh, source: new FolderInbox(p.inbox), registry, reportsDir: p.reports, clock: () => now, log: () => {} });
}

/** Reads the published warehouse read-only, as an analyst would. */
async function read<T>(p: Place, f: (w: Warehouse) => Promise<T>): Promise<T> {
  const w = await Warehouse.open({ path: p.wh, readOnly: true });
  try {
    await w.duckdb.run(`SET VARIABLE as_of = DATE '${asOf}'`);
    return await f(w);
  } finally {
    await w.close();
  }
}

async function inspected(p: Place, unit: string): Promise<number | undefined> {
  return read(p, async (w) => {
    const { rows } = await queryRows(w, `SELECT value FROM quarter_figures WHERE unit = $1 AND year = 2024 AND quarter = 1 AND metric = 'units_inspected'`, [
      unit,
    ]);
    return rows[0] === undefined ? undefined : Number(rows[0].value);
  });
}

async function t1Status(p: Place, unit: string): Promise<{ status: string; reason: string | null }> {
  return read(p, async (w) => {
    const { rows } = await queryRows(w, `SELECT status, reason FROM submission_status WHERE unit = $1 AND year = 2024 AND quarter = 1 AND form = 'T1'`, [unit]);
    return { status: String(rows[0]?.status), reason: rows[0]?.reason == null ? null : String(rows[0].reason) };
  });
}

async function submissionId(p: Place, pathPart: string, status: string): Promise<number> {
  return read(p, async (w) => {
    const { rows } = await queryRows(w, `SELECT submission_id FROM submissions WHERE contains(path, $1) AND status = $2 ORDER BY submission_id DESC`, [
      pathPart,
      status,
    ]);
    expect(rows.length, `${pathPart} ${status}`).toBeGreaterThan(0);
    return Number(rows[0]!.submission_id);
  });
}

function ctx(w: Warehouse): BuildContext {
  return { warehouse: w, year: 2024, generatedAt: '2024-04-25T02:00:00.000Z', asOf };
}

const townships = registry.units.filter((u) => u.kind === 'township').map((u) => u.name);

/** The 通报 of Q1: the findings it lists. */
async function bulletinFindings(p: Place): Promise<string[]> {
  return read(p, async (w) => (await bulletinDocument(ctx(w), 1, townships)).findings.map((f) => f.findingId));
}

/** Two nights of an inbox, in a fresh folder. */
async function twoNights(): Promise<Place> {
  const dir = tempDir('firestat-desk-');
  const p: Place = { dir, inbox: join(dir, 'inbox'), wh: join(dir, 'data', 'warehouse.duckdb'), reports: join(dir, 'data', 'reports') };
  // Night 1: 龙兴镇 (T1 and both ledgers, which disagree with its T1: findings), 大湾镇's CSV, 古路镇's contradictory T1.
  for (const f of ['龙兴镇/龙兴镇2024年一季度统计表.xlsx', '龙兴镇/隐患台账.xlsx', '龙兴镇/龙兴镇行政处罚案件台账2024Q1.csv', '大湾镇2024一季度统计.csv']) {
    deliverFile(join(fixturesDir, 'inbox/2024Q1', f), p.inbox, `2024Q1/${f}`, night1);
  }
  const scratch = tempDir('firestat-desk-src-');
  await contradictoryT1(join(scratch, 'gulu.xlsx'), 150);
  deliverFile(join(scratch, 'gulu.xlsx'), p.inbox, '补报/古路镇2024年一季度统计表.xlsx', night1);
  await run(p, new Date('2024-04-09T02:00:00Z'));
  // Night 2: 大湾镇 sends a correction.
  await correctedDawan(join(scratch, 'dawan.xlsx'));
  deliverFile(join(scratch, 'dawan.xlsx'), p.inbox, '2024Q1/大湾镇一季度统计表（更正）.xlsx', night2);
  await run(p, new Date('2024-04-13T02:00:00Z'));
  return p;
}

const desk = (p: Place, by = '统计员甲'): FileDeskOptions => ({
  warehousePath: p.wh,
  by,
  clock: () => new Date('2024-04-20T03:00:00Z'),
  registry,
  inbox: p.inbox,
  reportsDir: p.reports,
});

let place: Place;
beforeAll(async () => {
  place = await twoNights();
});

describe("the analyst's desk", () => {
  it('starts from two nights: figures, a refusal and findings as the rules left them', async () => {
    expect(await inspected(place, '大湾镇')).toBe(777);
    expect(await inspected(place, '龙兴镇')).toBe(1063);
    expect(await inspected(place, '古路镇')).toBeUndefined();
    expect((await t1Status(place, '古路镇')).status).toBe('rejected');
    expect((await bulletinFindings(place)).length).toBeGreaterThan(0);
  });

  it('acknowledges a finding (through the CLI): it leaves the 通报, stays in findings with its status, and the 调度 shows it apart', async () => {
    const [first] = await bulletinFindings(place);
    const yearBefore = await read(place, (w) => yearDocument(ctx(w)));
    const list = firestat(['review', 'findings', '--warehouse', place.wh, '--open', '--format', 'json']);
    expect(list.status, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { finding_id: string }[]).map((f) => f.finding_id)).toContain(first);
    const ack = firestat(['review', 'ack', first!.slice(0, 10), '--note', '台账晚一天登记，已电话核实', '--warehouse', place.wh, '--by', '统计员乙']);
    expect(ack.status, ack.stderr).toBe(0);
    expect(ack.stdout).toContain('已核实（审核决定 1');
    expect(await bulletinFindings(place)).not.toContain(first);
    const row = await read(
      place,
      async (w) => (await queryRows(w, `SELECT status, reviewed_by, review_note FROM findings WHERE finding_id = $1`, [first])).rows[0],
    );
    expect(row).toEqual({ status: 'acknowledged', reviewed_by: '统计员乙', review_note: '台账晚一天登记，已电话核实' });
    const dispatch = await read(place, (w) => dispatchDocument(ctx(w), 1, true));
    expect(dispatch.findings.map((f) => f.findingId)).not.toContain(first);
    expect(dispatch.acknowledged.find((f) => f.findingId === first)).toMatchObject({ reviewNote: '台账晚一天登记，已电话核实' });
    // Who acknowledged stays in the warehouse: a person's name is never published.
    expect(JSON.stringify(dispatch)).not.toContain('统计员乙');
    // The year page counts the findings still to check: one fewer.
    const yearAfter = await read(place, (w) => yearDocument(ctx(w)));
    expect(yearAfter.findings.total).toBe(yearBefore.findings.total - 1);
    // Twice is an error, in Chinese, and records nothing.
    const again = firestat(['review', 'ack', first!, '--note', '再次', '--warehouse', place.wh]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('已于');
    expect(firestat(['review', 'ack', 'abcdef0123', '--note', 'x', '--warehouse', place.wh]).stderr).toContain('没有编号为 abcdef0123 的问题');
    expect((await readJournal(journalPath(place.wh))).map((a) => a.action)).toEqual(['ack']);
  });

  it('rejects a loaded T1 by hand: figures fall back to the earlier version, or to none with 调度 退回, and a report is written', async () => {
    const correction = await submissionId(place, '大湾镇一季度统计表（更正）', 'loaded');
    const r = await rejectSubmission(desk(place), correction, '检查社会单位数与系统记录相差过大，请核实后重报');
    expect(r.restored.length).toBe(1);
    expect(await inspected(place, '大湾镇')).toBe(120);

    const longxing = await submissionId(place, '龙兴镇2024年一季度统计表', 'loaded');
    const only = await rejectSubmission(desk(place), longxing, '合计行有误');
    expect(only.restored).toEqual([]);
    expect(await inspected(place, '龙兴镇')).toBeUndefined();
    expect(await t1Status(place, '龙兴镇')).toEqual({ status: 'rejected', reason: '人工退回：合计行有误' });
    const report = readFileSync(only.reportPath, 'utf8');
    expect(report).toContain('报送文件退回说明');
    expect(report).toContain('经区消防救援局统计人员审核退回：合计行有误');
    expect(only.reportPath).toContain(`${String(longxing).padStart(6, '0')}-龙兴镇-2024年第一季度`);
    // Raw data untouched: the submission is still `loaded` in submissions, only the views say otherwise.
    expect(await read(place, async (w) => (await queryRows(w, `SELECT status FROM submissions WHERE submission_id = $1`, [longxing])).rows[0]?.status)).toBe(
      'loaded',
    );
    await expect(rejectSubmission(desk(place), longxing, '再退一次')).rejects.toThrow(ReviewError);
  });

  it('accepts a refused file with --period: its rows load with lineage and the decision is recorded', async () => {
    const refused = await submissionId(place, '古路镇', 'rejected');
    // Without a stated period it is still refused, and nothing is recorded.
    await expect(acceptSubmission(desk(place), refused, '电话核实')).rejects.toThrow(/仍有问题，保持退回/);
    const r = await acceptSubmission(desk(place), refused, '标题季度写错，已与填报人核实为第一季度', { period: '2024Q1' });
    expect(r.outcome.status).toBe('loaded');
    expect(await inspected(place, '古路镇')).toBe(150);
    const lineage = await read(
      place,
      async (w) =>
        (
          await queryRows(
            w,
            `SELECT s.path, s.period_from, s.period_to, p.message, t.sheet, t.source_row FROM submissions s
           JOIN submission_problems p ON p.submission_id = s.submission_id AND p.code = 'review_accepted'
           JOIN t1_township_stats t ON t.submission_id = s.submission_id WHERE s.submission_id = $1`,
            [r.outcome.submissionId],
          )
        ).rows,
    );
    expect(lineage).toEqual([
      {
        path: '补报/古路镇2024年一季度统计表.xlsx',
        period_from: 1,
        period_to: 3,
        message: expect.stringContaining(`审核决定 ${r.action.action_id}`),
        sheet: '统计表',
        source_row: 3,
      },
    ]);
    const recorded = await read(
      place,
      async (w) =>
        (await queryRows(w, `SELECT action, target, year, period_from, period_to, acted_by FROM review_actions WHERE action_id = $1`, [r.action.action_id]))
          .rows[0],
    );
    expect(recorded).toEqual({ action: 'accept', target: String(refused), year: 2024, period_from: 1, period_to: 3, acted_by: '统计员甲' });
  });

  it('undoes each decision, and an undo cannot be undone', async () => {
    const before = await readJournal(journalPath(place.wh));
    const byKind = (k: string) => before.filter((a) => a.action === k);
    const ackId = byKind('ack')[0]!.action_id;
    const [rejectDawan, rejectLongxing] = byKind('reject');
    const acceptId = byKind('accept')[0]!.action_id;
    const acked = byKind('ack')[0]!.target;

    await undoAction(desk(place), rejectDawan!.action_id, '误退');
    expect(await inspected(place, '大湾镇')).toBe(777);
    const undoLongxing = await undoAction(desk(place), rejectLongxing!.action_id, '误退');
    expect(await inspected(place, '龙兴镇')).toBe(1063);
    expect((await t1Status(place, '龙兴镇')).status).toBe('on_time');
    // 龙兴镇's T1 counts again, and with it the finding acknowledged before: undone, it is in the 通报 again.
    expect(await bulletinFindings(place)).not.toContain(acked);
    await undoAction(desk(place), ackId, '核实有误');
    expect(await bulletinFindings(place)).toContain(acked);
    await undoAction(desk(place), acceptId, '期间仍需核实');
    expect(await inspected(place, '古路镇')).toBeUndefined();
    expect((await t1Status(place, '古路镇')).status).toBe('rejected');

    await expect(undoAction(desk(place), undoLongxing.action.action_id, 'x')).rejects.toThrow(/本身是一次撤销/);
    await expect(undoAction(desk(place), ackId, 'x')).rejects.toThrow(/已被审核决定/);
    await expect(undoAction(desk(place), 999, 'x')).rejects.toThrow(/没有编号为 999 的审核决定/);
  });

  it('opens an acknowledged finding again when it comes back with other values', async () => {
    const mismatch = async () =>
      read(
        place,
        async (w) =>
          (
            await queryRows(
              w,
              `SELECT finding_id, status, message FROM findings WHERE rule = 't1_ledger_mismatch' AND unit = '龙兴镇' AND contains(message, '发现火灾隐患数')`,
            )
          ).rows[0],
      );
    const before = await mismatch();
    expect(before).toBeDefined();
    await ackFinding(desk(place), String(before!.finding_id), '台账补录中');
    expect((await mismatch())!.status).toBe('acknowledged');
    const scratch = tempDir('firestat-desk-src-');
    await plainT1(join(scratch, 'lx.xlsx'), '龙兴镇', 1063, 99);
    deliverFile(join(scratch, 'lx.xlsx'), place.inbox, '2024Q1/龙兴镇/龙兴镇一季度统计表（更正）.xlsx', new Date('2024-04-21T12:00:00Z'));
    await run(place, new Date('2024-04-22T02:00:00Z'));
    const after = await mismatch();
    expect(after!.finding_id).toBe(before!.finding_id);
    expect(after!.message).not.toBe(before!.message);
    expect(after!.status).toBe('open');
  });
});

describe('decisions survive', () => {
  it('a following run and a full rebuild from the inbox (the journal replayed)', async () => {
    const p = await twoNights();
    const finding = (await bulletinFindings(p))[0]!;
    await ackFinding(desk(p), finding, '已核实');
    const correction = await submissionId(p, '大湾镇一季度统计表（更正）', 'loaded');
    await rejectSubmission(desk(p), correction, '请核实后重报');
    const refused = await submissionId(p, '古路镇', 'rejected');
    await acceptSubmission(desk(p), refused, '已核实为第一季度', { period: '2024Q1' });
    const expectDecided = async () => {
      expect(await bulletinFindings(p)).not.toContain(finding);
      expect(await inspected(p, '大湾镇')).toBe(120);
      expect(await inspected(p, '古路镇')).toBe(150);
      expect(await read(p, async (w) => (await queryRows(w, `SELECT count(*) AS n FROM review_actions`)).rows[0]?.n)).toBe(3);
    };
    await expectDecided();

    // A following run (nothing new) and one with a new file.
    await run(p, new Date('2024-04-21T02:00:00Z'));
    deliverFile(join(fixturesDir, 'inbox/2024Q1/法制科/案卷评查表.xlsx'), p.inbox, '2024Q1/法制科/案卷评查表.xlsx', new Date('2024-04-21T12:00:00Z'));
    await run(p, new Date('2024-04-22T02:00:00Z'));
    await expectDecided();

    // The warehouse deleted and built again from the inbox: the journal is replayed before any file is read.
    rmSync(p.wh);
    expect(existsSync(journalPath(p.wh))).toBe(true);
    const rebuilt = await run(p, new Date('2024-04-23T02:00:00Z'));
    expect(rebuilt.ingest?.counts.files_loaded).toBeGreaterThan(0);
    await expectDecided();
    // The journal was not written twice.
    expect((await readJournal(journalPath(p.wh))).map((a) => a.action_id)).toEqual([1, 2, 3]);
  });
});
