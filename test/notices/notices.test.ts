import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chineseDate } from '../../domain/dates.js';
import { formByCode, forms } from '../../domain/forms/index.js';
import { UnitRegistry } from '../../domain/units.js';
import { noticesFolder, writeNoticeSet } from '../../pipelines/notices/notice-files.js';
import { composeNotices, upcomingDays, type NoticeSet } from '../../pipelines/notices/notices.js';
import { rejectSubmission } from '../../pipelines/review/desk.js';
import { nightlyRun, type NightlyRunResult } from '../../pipelines/run/nightly-run.js';
import { FolderInbox } from '../../sources/inbox/folder-inbox.js';
import { loadPersonalStrings } from '../../warehouse/personal-data.js';
import { queryRows } from '../../warehouse/query.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { l1Header, t1Header, writeCsv } from '../support/csv-submissions.js';
import { demoAsOf, demoYear } from '../support/demo-year.js';
import { filesUnder } from '../support/files.js';
import { deliverFile, fixturesDir, tempDir } from '../support/ingest-helpers.js';

/**
 * Issue 17, the 催报通知: one text per unit with something to be told — refused files and why,
 * forms overdue with their due dates, forms due within a week — and a summary for the leader; no
 * person's name, ID or phone number in any of them, whichever field it came through.
 */

const at = (iso: string, time = '10:00:00') => new Date(`${iso}T${time}+08:00`);
const registry = UnitRegistry.sample();
const bin = new URL('../../bin/firestat.js', import.meta.url).pathname;

/** The planted personal data: a 当事人 the warehouse knows, a name with a phone, a resident ID, a clerk who signed a file name. */
const party = '赵铁柱';
const phone = '13812345678';
const signer = '王小明';
const idNumber = '500112198511204562';
const clerk = '李明';

/** Forms a township with no restriction is expected to send, from the form declarations. */
const townshipForms = forms.filter((f) => f.senders.includes('township') && !f.senderUnits);

/** UTF-8 with a byte order mark, every line ended by CRLF; returns the text with `\n`. */
function notepad(path: string): string {
  const bytes = readFileSync(path);
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const text = bytes.subarray(3).toString('utf8');
  expect(text.endsWith('\r\n')).toBe(true);
  expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  return text.replace(/\r\n/g, '\n');
}

/** The inbox of a small district: loaded, refused (with personal data in the bad cells), nothing at all. */
function smallInbox(inbox: string): void {
  // 龙兴镇: Q1 on time, with a case whose 当事人 is a person; Q2 refused, the clerk's name in the file name.
  writeCsv(inbox, '2024Q1/龙兴镇/T1.csv', [t1Header, ['龙兴镇', '2024年第一季度', 50, 10, 5, 1, 1, 0, 0, 3, 2]], at('2024-04-08'));
  writeCsv(
    inbox,
    '2024Q1/龙兴镇/L1.csv',
    [l1Header, ['YX2024-001', '龙兴镇', '赋权执法', '一般程序', party, '个人', '占用疏散通道', '2024-01-10', '2024-02-01', '罚款', '500', '是', '否', '是']],
    at('2024-04-08'),
  );
  deliverFile(
    join(fixturesDir, 'refusal/2024Q2/龙兴镇2024年第二季度统计（李明）.xlsx'),
    inbox,
    `2024Q2/龙兴镇2024年第二季度统计（${clerk}）.xlsx`,
    at('2024-07-03'),
  );
  // 大湾镇: Q1 refused, a name and a mobile number in the bad cell.
  writeCsv(inbox, '2024Q1/大湾镇/T1.csv', [t1Header, ['大湾镇', '2024年第一季度', `${signer}${phone}`, 4, 6, 0, 0, 0, 0, 1, 1]], at('2024-04-09'));
  // 古路镇: Q1 refused with the 当事人's name alone in a cell (masked only because the warehouse knows it); Q2 with an ID number.
  writeCsv(inbox, '2024Q1/古路镇/T1.csv', [t1Header, ['古路镇', '2024年第一季度', party, 4, 6, 0, 0, 0, 0, 1, 1]], at('2024-04-09'));
  writeCsv(inbox, '2024Q2/古路镇/T1.csv', [t1Header, ['古路镇', '2024年第二季度', `身份证${idNumber}`, 4, 6, 0, 0, 0, 0, 1, 1]], at('2024-07-02'));
}

async function night(dir: string, day: string, extra: { dueDays?: Record<string, number> } = {}): Promise<{ result: NightlyRunResult; log: string[] }> {
  const log: string[] = [];
  const result = await nightlyRun({
    warehousePath: join(dir, 'warehouse.duckdb'),
    source: new FolderInbox(join(dir, 'inbox')),
    registry,
    reportsDir: join(dir, 'reports'),
    clock: () => at(day, '02:00:00'),
    log: (event, fields) => log.push(`${event} ${JSON.stringify(fields ?? {})}`),
    ...(extra.dueDays ? { dueDays: extra.dueDays } : {}),
  });
  return { result, log };
}

function noticeOf(result: NightlyRunResult, unit: string): string {
  const n = result.notices?.notices.find((x) => x.unit === unit);
  if (!n) throw new Error(`no notice for ${unit}`);
  return notepad(n.path);
}

function expectNoPersonalData(text: string): void {
  for (const s of [party, phone, signer, idNumber, clerk]) expect(text).not.toContain(s);
}

describe('催报通知 after a night (a small inbox, real DuckDB)', () => {
  it('one text per unit: refused files with reasons, overdue forms with due dates and days, forms due within the week; the summary; no personal data', async () => {
    const dir = tempDir('firestat-notices-');
    smallInbox(join(dir, 'inbox'));
    const { result, log } = await night(dir, '2024-07-05');
    expect(result.ingest?.counts).toMatchObject({ files_loaded: 2, files_refused: 4 });

    // Where: one folder per date under the reports folder, the summary beside the notices.
    const dirOfDay = join(dir, 'reports', '催报通知', '2024-07-05');
    expect(result.notices?.dir).toBe(dirOfDay);
    expect(result.notices?.summary).toBe(join(dirOfDay, '催报汇总-2024-07-05.txt'));
    expect(log.some((l) => l.startsWith('notices-written ') && l.includes(dirOfDay))).toBe(true);
    const written = readdirSync(dirOfDay).sort();
    expect(written).toContain('催报通知-龙兴镇-2024-07-05.txt');
    expect(written).toContain('催报汇总-2024-07-05.txt');
    // Every township has something to be told here (Q1 overdue or Q2 due within the week), and so has every bureau unit.
    expect(result.notices!.notices.map((n) => n.unit)).toEqual(registry.units.map((u) => u.name));
    expect(result.notices!.quiet).toEqual([]);

    const t1 = formByCode('T1')!;
    const q1Due = '2024-04-10';
    const q2Due = '2024-07-10';

    // 大湾镇: its Q1 T1 refused, the cell's name and phone masked; the deadline passed.
    const dawan = noticeOf(result, '大湾镇');
    expect(dawan.split('\n')[0]).toBe('大湾镇：');
    expect(dawan).toContain(`截至${chineseDate('2024-07-05')}`);
    expect(dawan).toMatch(
      /一、被退回、需改正后重新报送的文件 1 份：\n1\. 2024年4月9日收到的“T1\.csv”（T1 镇街消防执法工作统计表，2024年第一季度，编号 \d+）\n {3}原因：.*检查社会单位数.*138\*\*\*\*5678/,
    );
    expect(dawan).toContain(`报送截止日期 ${chineseDate(q1Due)}已过（已逾期 86 天），请尽快重新报送`);
    // Refused is not also missing; its other Q1 forms are.
    expect(dawan).not.toContain(`${t1.code} ${t1.name}，2024年第一季度：应于`);
    for (const f of townshipForms.filter((x) => x.code !== 'T1'))
      expect(dawan).toContain(`${f.code} ${f.name}，2024年第一季度：应于 ${chineseDate(q1Due)}前报送，已逾期 86 天`);
    // Due on 7月10日, 5 days after the reference date: within the week, not received.
    for (const f of townshipForms) expect(dawan).toContain(`${f.code} ${f.name}，2024年第二季度：请于 ${chineseDate(q2Due)}前报送（还有 5 天）`);
    // Signed by the configured bureau, dated.
    expect(dawan.trimEnd().split('\n').slice(-2)).toEqual([registry.bureau, chineseDate('2024-07-05')]);

    // 古路镇: a name the warehouse knows (a 当事人 in 龙兴镇's ledger) quoted from a cell; an ID number; the Q2 deadline ahead.
    const gulu = noticeOf(result, '古路镇');
    expect(gulu).toContain('“赵**”');
    expect(gulu).toContain('500112********4562');
    expect(gulu).toContain(`请于 ${chineseDate(q2Due)}前重新报送`);
    expect(gulu).not.toContain(`${t1.code} ${t1.name}，2024年第二季度：请于`);

    // 龙兴镇: the signed file name masked; Q1 T1 and L1 in (not listed), Q2 T1 refused (not "due").
    const longxing = noticeOf(result, '龙兴镇');
    expect(longxing).toContain('统计（李*）.xlsx');
    expect(longxing).toMatch(/原因：.*报送单位前后不一致.*（另有 5 处问题，见退回说明）/);
    expect(longxing).not.toContain('T1 镇街消防执法工作统计表，2024年第一季度：');
    expect(longxing).not.toContain('L1 行政处罚案件台账，2024年第一季度：');
    expect(longxing).not.toContain('T1 镇街消防执法工作统计表，2024年第二季度：请于');

    // A township that sent nothing: every form of Q1 overdue, every form of Q2 due within the week.
    const silent = noticeOf(result, '玉峰山镇');
    expect(silent).not.toContain('被退回');
    const overdue = silent.split('\n').filter((l) => l.includes('已逾期 86 天'));
    expect(overdue).toHaveLength(townshipForms.length);
    expect(silent.split('\n').filter((l) => l.includes('（还有 5 天）'))).toHaveLength(townshipForms.length);
    // A bureau unit sending B1 monthly: January–May overdue (each its own due date), June due within the week.
    const b1 = formByCode('B1')!;
    const xuanchuan = noticeOf(result, '宣传科');
    expect(xuanchuan).toContain(`${b1.code} ${b1.name}，2024年1月：应于 ${chineseDate('2024-02-10')}前报送，已逾期 146 天`);
    expect(xuanchuan).toContain(`${b1.code} ${b1.name}，2024年5月：应于 ${chineseDate('2024-06-10')}前报送，已逾期 25 天`);
    expect(xuanchuan).toContain(`${b1.code} ${b1.name}，2024年6月：请于 ${chineseDate('2024-07-10')}前报送（还有 5 天）`);

    // The leader's summary: counts per status as the 调度 view has them, the units most behind.
    const summary = notepad(result.notices!.summary);
    const w = await Warehouse.open({ path: join(dir, 'warehouse.duckdb'), readOnly: true });
    try {
      await w.duckdb.run(`SET VARIABLE as_of = DATE '2024-07-05'`);
      const { rows } = await queryRows(w, `SELECT status, count(*)::INTEGER AS n FROM submission_status GROUP BY status`);
      const n = (s: string) => Number(rows.find((r) => r.status === s)?.n ?? 0);
      expect(n('rejected')).toBe(4);
      expect(summary).toContain(`按时 ${n('on_time')}，逾期 ${n('late')}，退回 ${n('rejected')}，未报 ${n('missing')}，未到期 ${n('pending')}。`);
    } finally {
      await w.close();
    }
    expect(summary.split('\n')[0]).toBe(`【催报汇总】截至${chineseDate('2024-07-05')}`);
    expect(summary).toContain('欠报最多的单位：');
    expect(summary).toContain(`已写出催报通知 ${registry.units.length} 份`);

    for (const p of filesUnder(dirOfDay)) expectNoPersonalData(notepad(p));
  });

  it('due days come from the configuration: a later T1 deadline moves both overdue days and the week window', async () => {
    const dir = tempDir('firestat-notices-');
    writeCsv(join(dir, 'inbox'), '2024Q1/龙兴镇/T1.csv', [t1Header, ['龙兴镇', '2024年第一季度', 50, 10, 5, 1, 1, 0, 0, 3, 2]], at('2024-04-08'));
    // A plain ingest (nothing refused) writes no notices; `firestat notices` reads the due days the ingest stored.
    const { result } = await night(dir, '2024-07-05', { dueDays: { T1: 15 } });
    expect(result.notices).toBeUndefined();
    const w = await Warehouse.open({ path: join(dir, 'warehouse.duckdb'), readOnly: true });
    let set: NoticeSet;
    try {
      set = await composeNotices(w, { asOf: '2024-07-05', issuer: registry.bureau, personal: await loadPersonalStrings(w) });
    } finally {
      await w.close();
    }
    const text = set.notices.find((n) => n.unit === '古路镇')!.text;
    const t1 = formByCode('T1')!;
    const l1 = formByCode('L1')!;
    expect(text).toContain(`${t1.code} ${t1.name}，2024年第一季度：应于 ${chineseDate('2024-04-15')}前报送，已逾期 81 天`);
    expect(text).toContain(`${l1.code} ${l1.name}，2024年第一季度：应于 ${chineseDate('2024-04-10')}前报送，已逾期 86 天`);
    // Q2's T1 is due 7月15日: 10 days away, outside the week; L1's 7月10日 is inside.
    expect(upcomingDays).toBe(7);
    expect(text).not.toContain(`${t1.code} ${t1.name}，2024年第二季度`);
    expect(text).toContain(`${l1.code} ${l1.name}，2024年第二季度：请于 ${chineseDate('2024-07-10')}前报送（还有 5 天）`);
  });

  it("a second run on the same day replaces that day's notices: a unit that sent its file again is told only what is left", async () => {
    const dir = tempDir('firestat-notices-');
    smallInbox(join(dir, 'inbox'));
    const first = await night(dir, '2024-07-05');
    expect(noticeOf(first.result, '大湾镇')).toContain('被退回');
    writeCsv(
      join(dir, 'inbox'),
      '2024Q1/大湾镇/T1-更正.csv',
      [t1Header, ['大湾镇', '2024年第一季度', 20, 4, 6, 0, 0, 0, 0, 1, 1]],
      at('2024-07-05', '09:00:00'),
    );
    // 龙兴镇 sends a correction of its loaded Q1 T1 that is refused: told so, and that the earlier version stands.
    writeCsv(
      join(dir, 'inbox'),
      '2024Q1/龙兴镇/T1-更正.csv',
      [t1Header, ['龙兴镇', '2024年第一季度', '五十', 10, 5, 1, 1, 0, 0, 3, 2]],
      at('2024-07-05', '09:00:00'),
    );
    const second = await night(dir, '2024-07-05');
    const longxing = noticeOf(second.result, '龙兴镇');
    expect(longxing).toMatch(
      /2024年7月5日收到的“T1-更正\.csv”（T1 镇街消防执法工作统计表，2024年第一季度，编号 \d+）\n {3}原因：.*“五十”.*\n {3}此前报送的同期报表继续有效；如需更正，请改好后重新报送/,
    );
    expect(longxing).not.toContain('T1 镇街消防执法工作统计表，2024年第一季度：应于');
    expect(second.result.notices?.dir).toBe(first.result.notices?.dir);
    const dawan = noticeOf(second.result, '大湾镇');
    expect(dawan).not.toContain('被退回');
    expect(dawan).not.toContain('T1 镇街消防执法工作统计表，2024年第一季度');
    expect(readdirSync(second.result.notices!.dir).filter((n) => n.startsWith('催报通知-大湾镇'))).toEqual(['催报通知-大湾镇-2024-07-05.txt']);
  });
});

describe('a file 退回 by hand (firestat review reject)', () => {
  it("shows as refused with the analyst's reason, personal data in the reason masked", async () => {
    const dir = tempDir('firestat-notices-');
    smallInbox(join(dir, 'inbox'));
    await night(dir, '2024-07-05');
    const wh = join(dir, 'warehouse.duckdb');
    const idOf = async (): Promise<number> => {
      const w = await Warehouse.open({ path: wh, readOnly: true });
      try {
        return Number((await queryRows(w, `SELECT submission_id FROM submissions WHERE path = '2024Q1/龙兴镇/T1.csv'`)).rows[0]!.submission_id);
      } finally {
        await w.close();
      }
    };
    const id = await idOf();
    await rejectSubmission(
      { warehousePath: wh, by: '统计员甲', clock: () => at('2024-07-05', '15:00:00'), registry, inbox: join(dir, 'inbox'), reportsDir: join(dir, 'reports') },
      id,
      `检查数与台账不符，已与填表人${signer}（${phone}）电话核实`,
    );
    const w = await Warehouse.open({ path: wh, readOnly: true });
    let set: NoticeSet;
    try {
      set = await composeNotices(w, { asOf: '2024-07-05', issuer: registry.bureau, personal: await loadPersonalStrings(w) });
    } finally {
      await w.close();
    }
    const longxing = set.notices.find((n) => n.unit === '龙兴镇')!;
    const hand = longxing.refused.find((r) => r.submissionId === id);
    expect(hand).toMatchObject({ fileName: 'T1.csv', form: 'T1', period: '2024年第一季度', dueDate: '2024-04-10' });
    expect(hand!.reason).toContain('检查数与台账不符');
    expect(longxing.text).toContain(`“T1.csv”（T1 镇街消防执法工作统计表，2024年第一季度，编号 ${id}）`);
    expect(longxing.text).toContain('原因：人工退回：检查数与台账不符');
    expectNoPersonalData(longxing.text);
    expectNoPersonalData(set.summary);
  });
});

describe('催报通知 on the demo year (read-only)', () => {
  let set: NoticeSet;
  const year = demoYear();

  it('a year sent in full: every refusal was followed by a good file, so no unit is told anything; the summary says so, with the 调度 counts', async () => {
    const w = await Warehouse.open({ path: year.warehousePath, readOnly: true });
    let refusals: Record<string, unknown>[];
    let counts: Record<string, unknown>[];
    try {
      set = await composeNotices(w, { asOf: demoAsOf, issuer: registry.bureau, personal: await loadPersonalStrings(w) });
      // Each refused file of the sample, and whether a later file for the same unit, form and period came in.
      refusals = (
        await queryRows(
          w,
          `SELECT s.submission_id, EXISTS (SELECT 1 FROM submissions t WHERE t.status = 'loaded' AND t.unit_code = s.unit_code AND t.form = s.form AND t.year = s.year
             AND t.period_from <= s.period_to AND t.period_to >= s.period_from AND t.received_at > s.received_at) AS corrected
           FROM submissions s WHERE s.status = 'rejected'`,
        )
      ).rows;
      await w.duckdb.run(`SET VARIABLE as_of = DATE '${demoAsOf}'`);
      counts = (await queryRows(w, `SELECT status, count(*)::INTEGER AS n FROM submission_status GROUP BY status`)).rows;
    } finally {
      await w.close();
    }
    expect(refusals.length).toBe(year.manifest.files.filter((f) => f.expected === 'rejected').length);
    expect(refusals.every((r) => r.corrected === true)).toBe(true);
    expect(set.notices).toEqual([]);
    expect(set.quiet).toEqual(registry.units.map((u) => u.name));
    const n = (s: string) => Number(counts.find((r) => r.status === s)?.n ?? 0);
    expect(n('on_time') + n('late')).toBeGreaterThan(0);
    expect(set.summary).toContain(`按时 ${n('on_time')}，逾期 ${n('late')}，退回 0，未报 0，未到期 0。`);
    expect(set.summary).toContain('没有逾期未报或被退回未重报的单位。');
    expect(set.summary).toContain('没有需要催报的单位，未写催报通知。');
    expect(set.summary).toContain(`以下 ${registry.units.length} 个单位没有需要提醒的事项，未写通知：${set.quiet.join('、')}。`);
    expect(set.summary.trimEnd().split('\n').slice(-2)).toEqual([registry.bureau, chineseDate(demoAsOf)]);
  });

  it('no planted name or phone number of the sample year reaches the summary', () => {
    const planted = [...year.manifest.personNames, ...year.manifest.contactNames, ...year.manifest.phoneNumbers].filter((s) => s.length >= 2);
    expect(planted.length).toBeGreaterThan(0);
    for (const p of planted) expect(set.summary).not.toContain(p);
  });

  it('firestat notices: from the published warehouse read-only, as at --as-of, into --out; prints where', () => {
    const out = join(tempDir('firestat-notices-cli-'), '通知');
    const r = spawnSync('node', [bin, 'notices', '--warehouse', year.warehousePath, '--as-of', demoAsOf, '--out', out], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`没有需要催报的单位，只写了领导汇总：${out}`);
    expect(r.stdout).toContain(`${registry.units.length} 个单位没有需要提醒的事项，未写通知`);
    expect(readdirSync(out).sort()).toEqual([...set.notices.map((n) => n.fileName), set.summaryFileName].sort());
    expect(notepad(join(out, set.summaryFileName))).toBe(`${set.summary}\n`);
    // A folder holding anything else is not replaced.
    const bad = spawnSync('node', [bin, 'notices', '--warehouse', year.warehousePath, '--as-of', demoAsOf, '--out', year.dir], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('为免误删');
    expect(existsSync(year.warehousePath)).toBe(true);
    // A date that is not one.
    expect(spawnSync('node', [bin, 'notices', '--warehouse', year.warehousePath, '--as-of', '2025-02-30'], { encoding: 'utf8' }).status).toBe(2);
  });

  it('writeNoticeSet: the folder of a date under the reports folder', async () => {
    const reports = tempDir('firestat-notices-');
    const w = await writeNoticeSet(noticesFolder(reports, demoAsOf), set);
    expect(w.dir).toBe(join(reports, '催报通知', demoAsOf));
    expect(w.notices.map((n) => basename(n.path))).toEqual(set.notices.map((n) => n.fileName));
  });
});

describe('firestat run writes the notices and says where', () => {
  it('prints the folder, one line per unit and the summary', () => {
    const dir = tempDir('firestat-notices-run-');
    smallInbox(join(dir, 'inbox'));
    const r = spawnSync(
      'node',
      [bin, 'run', '--inbox', join(dir, 'inbox'), '--warehouse', join(dir, 'w.duckdb'), '--out', join(dir, 'out'), '--as-of', '2024-07-05', '--quiet'],
      {
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const folder = join(dir, 'reports', '催报通知', '2024-07-05');
    expect(r.stdout).toContain(`及领导汇总：${folder}`);
    expect(r.stdout).toContain(`  汇总：${join(folder, '催报汇总-2024-07-05.txt')}`);
    expect(r.stdout).toMatch(/ {2}大湾镇（退回 1，逾期未报 \d+，即将到期 \d+）：/);
    expect(existsSync(join(folder, '催报通知-大湾镇-2024-07-05.txt'))).toBe(true);
    expectNoPersonalData(r.stdout.split('催报通知')[1] ?? '');
  });
});
