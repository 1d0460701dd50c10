import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { FieldDefinition, FormDefinition } from '../../domain/forms/form-definition.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { fixedWorkbook, saveWorkbook } from '../fixtures/fixture-workbook.js';

/**
 * A developer adds a sixth form and a field to T1, as the README says: by declaring them in
 * `domain/forms/`. A warehouse built before — by today's code, its migrations frozen — must follow
 * by additive schema steps at the next run, load the new files, pass `firestat check`, and keep
 * every earlier row as it was. A change that cannot be added safely stops before any file is read.
 *
 * Night 1 runs today's modules; then the module registry is reset and `domain/forms/index.js` is
 * replaced (`vi.doMock` with the original spread in), so every module imported afterwards — the
 * parser, the loader, the views, the integrity check — sees the six forms as if the form file had
 * been added.
 */

// Only modules that import nothing of the project are imported statically: a module loaded with
// the file would stay in the registry when it is reset, and keep seeing five forms.
const fixturesDir = new URL('../fixtures/', import.meta.url).pathname;

function touchAll(dir: string, when: Date): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) touchAll(p, when);
    else utimesSync(p, when, when);
  }
}

/** Copies a fixture folder into `inbox`, stamped as received at `when`. */
function deliver(fixture: string, inbox: string, when: Date): void {
  cpSync(join(fixturesDir, fixture), inbox, { recursive: true });
  touchAll(inbox, when);
}

/** Copies one file into `inbox` at `relPath`, stamped as received at `when`. */
function deliverFile(source: string, inbox: string, relPath: string, when: Date): void {
  const target = join(inbox, relPath);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(source, target);
  utimesSync(target, when, when);
}

/** The sixth form: an aggregate township form, quarterly. Test-only. */
const publicityForm: FormDefinition = {
  code: 'X6',
  name: '镇街消防宣传工作统计表',
  keywords: ['镇街消防宣传工作统计表', '消防宣传工作统计表', '消防宣传统计'],
  kind: 'aggregate',
  table: 'x6_publicity_stats',
  tableComment: 'X6 镇街消防宣传工作统计表：每个镇街每季度一行的消防宣传工作量',
  senders: ['township'],
  frequency: 'quarterly',
  dueDays: 10,
  unitField: 'township',
  periodField: 'period',
  fields: [
    { id: 'township', label: '镇街', type: 'unit', required: true, synonyms: ['镇街名称', '单位', '填报单位'] },
    { id: 'period', label: '统计期间', type: 'period', required: false, synonyms: ['统计时间', '期间', '季度'] },
    { id: 'publicity_events', label: '开展消防宣传活动', unit: '场', type: 'count', required: false, synonyms: ['宣传活动', '消防宣传活动'] },
    { id: 'people_reached', label: '受教育群众', unit: '人次', type: 'count', required: false, synonyms: ['受教育人数', '受教育群众人次'] },
    // `张` is in no other form: a new form's own unit is read as a unit in its headers.
    { id: 'leaflets', label: '张贴宣传海报', unit: '张', type: 'count', required: false, synonyms: ['宣传海报', '张贴海报'] },
  ],
};

/** The new T1 field, declared in the middle of the form (before 联合执法检查), not at its end. */
const fireDrills: FieldDefinition = {
  id: 'fire_drills',
  label: '组织消防演练',
  unit: '次',
  type: 'count',
  required: false,
  synonyms: ['消防演练', '消防演练次数'],
};

type FormsModule = typeof import('../../domain/forms/index.js');

/** `domain/forms/index.js` with X6 added and T1 extended, for every module imported after it. */
function mockSixForms(): void {
  vi.doMock('../../domain/forms/index.js', async (importOriginal) => {
    const original = await importOriginal<FormsModule>();
    const t1 = original.townshipStatsForm;
    const at = t1.fields.findIndex((f) => f.id === 'joint_inspections');
    const township: FormDefinition = { ...t1, fields: [...t1.fields.slice(0, at), fireDrills, ...t1.fields.slice(at)] };
    const list = [...original.forms.map((f) => (f.code === 'T1' ? township : f)), publicityForm];
    return { ...original, townshipStatsForm: township, forms: list, formByCode: (code: string) => list.find((f) => f.code === code) };
  });
}

/** The modules a run uses, imported afresh (after {@link mockSixForms}, with six forms). */
async function modules() {
  // The forms first, alone: importers racing the mock factory could get the original module.
  const forms = await import('../../domain/forms/index.js');
  const [run, wh, check, query, units, inbox, steps] = await Promise.all([
    import('../../pipelines/run/nightly-run.js'),
    import('../../warehouse/warehouse.js'),
    import('../../warehouse/check/integrity-check.js'),
    import('../../warehouse/query.js'),
    import('../../domain/units.js'),
    import('../../sources/inbox/folder-inbox.js'),
    import('../../warehouse/schema/schema-steps.js'),
  ]);
  return { ...run, ...wh, ...check, ...query, ...units, ...inbox, ...steps, forms: forms.forms };
}
type Modules = Awaited<ReturnType<typeof modules>>;

/** One night: `nightlyRun` over `inbox` into the published warehouse at `path`, the log kept. */
async function night(m: Modules, path: string, inbox: string, reports: string, at: string) {
  const log: { event: string; fields: Record<string, unknown> }[] = [];
  const run = m.nightlyRun({
    warehousePath: path,
    source: new m.FolderInbox(inbox),
    registry: m.UnitRegistry.sample(),
    reportsDir: reports,
    clock: () => new Date(at),
    log: (event, fields = {}) => log.push({ event, fields }),
  });
  return { run, log };
}

async function readOnly<T>(m: Modules, path: string, read: (w: Warehouse) => Promise<T>): Promise<T> {
  const w = await m.Warehouse.open({ path, readOnly: true });
  try {
    return await read(w);
  } finally {
    await w.close();
  }
}

const rows = async (m: Modules, w: Warehouse, q: string, params: unknown[] = []) => (await m.queryRows(w, q, params)).rows;

/** Everything earlier nights left, as a reader sees it: the fact tables' declared columns, the submissions, the views. */
async function earlierData(m: Modules, w: Warehouse, ids: readonly number[], metrics: readonly string[]) {
  const { forms } = await import('../../domain/forms/index.js');
  const { factColumns } = await import('../../warehouse/schema/fact-tables.js');
  const out: Record<string, unknown> = {};
  for (const f of forms.filter((x) => x.code !== 'X6')) {
    const cols = factColumns(f)
      .filter((c) => c.name !== 'fire_drills')
      .map((c) => c.name);
    out[f.table] = await rows(
      m,
      w,
      `SELECT ${cols.join(', ')} FROM ${f.table} WHERE submission_id = ANY($1::BIGINT[]) ORDER BY submission_id, sheet, source_row`,
      [ids],
    );
  }
  out.submissions = await rows(
    m,
    w,
    `SELECT submission_id, path, status, form, unit, year, quarter, month, rows, reason FROM submissions WHERE submission_id = ANY($1::BIGINT[]) ORDER BY submission_id`,
    [ids],
  );
  out.quarter_figures = await rows(m, w, `SELECT * FROM quarter_figures WHERE year = 2024 AND quarter = 1 AND metric = ANY($1::VARCHAR[]) ORDER BY ALL`, [
    metrics,
  ]);
  for (const v of ['cases', 'hazards', 'case_reviews']) out[v] = await rows(m, w, `SELECT * FROM ${v} ORDER BY ALL`);
  return JSON.parse(JSON.stringify(out)) as unknown;
}

/** X6 from 龙兴镇 for 2024 Q2: title, 填报单位 row, one header row, one data row. */
async function publicityWorkbook(path: string): Promise<void> {
  const wb = fixedWorkbook(new Date(Date.UTC(2024, 6, 2)));
  const ws: ExcelJS.Worksheet = wb.addWorksheet('二季度');
  ws.getRow(1).values = ['渝北区龙兴镇2024年第二季度消防宣传工作统计表'];
  ws.mergeCells('A1:E1');
  ws.getRow(2).values = ['填报单位（盖章）：龙兴镇人民政府', '', '', '填报日期：2024年7月2日'];
  ws.getRow(3).values = ['镇街', '统计期间', '开展消防宣传活动（场）', '受教育群众（人次）', '张贴宣传海报（张）'];
  ws.getRow(4).values = ['龙兴镇', '2024年4-6月', 5, 1200, 40];
  await saveWorkbook(wb, path);
}

/** T1 from 龙兴镇 for 2024 Q2 on the new template: 组织消防演练 before 联合执法检查. */
async function t1WithDrills(path: string): Promise<void> {
  const wb = fixedWorkbook(new Date(Date.UTC(2024, 6, 3)));
  const ws = wb.addWorksheet('二季度');
  ws.getRow(1).values = ['渝北区龙兴镇2024年第二季度消防执法工作统计表'];
  ws.mergeCells('A1:L1');
  ws.getRow(2).values = ['填报单位（盖章）：龙兴镇人民政府', '', '', '', '', '', '', '', '填报日期：2024年7月3日'];
  ws.getRow(3).values = [
    '镇街',
    '统计期间',
    '检查社会单位数（家）',
    '发现火灾隐患数（处）',
    '整改火灾隐患数（处）',
    '赋权执法一般程序（起）',
    '赋权执法简易程序（起）',
    '委托执法一般程序（起）',
    '委托执法简易程序（起）',
    '组织消防演练（次）',
    '联合执法检查（次）',
    '消防管理岗人员（名）',
  ];
  ws.getRow(4).values = ['龙兴镇', '2024年4-6月', 41, 0, 0, 0, 0, 0, 0, 7, 3, 2];
  await saveWorkbook(wb, path);
}

const night1At = '2024-04-20T02:00:00Z';
const night2At = '2024-07-08T02:00:00Z';

let dir: string;
/** The warehouse as night 1 published it (today's five forms), never written again: each test copies it. */
let night1: string;
/** Night 1's inbox; each test copies it and adds the new files. */
let inbox1: string;
let newFiles: { x6: string; t1: string };
let before: unknown;
let beforeIds: number[];
let oldMetrics: string[];
let night1Failing: [string, number][];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'firestat-schema-'));
  inbox1 = join(dir, 'inbox');
  deliver('inbox', inbox1, new Date(night1At));
  night1 = join(dir, 'night1', 'warehouse.duckdb');
  // Night 1: today's code, five forms.
  const today = await modules();
  expect(today.forms.map((f) => f.code)).not.toContain('X6');
  const { run } = await night(today, night1, inbox1, join(dir, 'night1', 'reports'), night1At);
  const r1 = await run;
  expect(today.warehouseSound(r1.checks)).toBe(true);
  // A run checks only what must hold to publish; `firestat check` also reconciles T1 with the ledgers.
  expect(r1.checks.every((c) => today.structuralChecks.has(c.check))).toBe(true);
  night1Failing = (await readOnly(today, night1, (w) => today.checkWarehouse(w))).filter((c) => !c.ok).map((c) => [c.check, c.violations]);
  expect(r1.ingest?.counts.files_loaded).toBeGreaterThan(3);
  // Nothing refused or failed: a later night has nothing to read again because the form definitions changed.
  expect([r1.ingest?.counts.files_refused, r1.ingest?.counts.files_failed]).toEqual([0, 0]);
  beforeIds = await readOnly(today, night1, async (w) =>
    (await rows(today, w, `SELECT submission_id FROM submissions ORDER BY 1`)).map((r) => Number(r.submission_id)),
  );
  oldMetrics = today.forms.filter((f) => f.kind === 'aggregate').flatMap((f) => f.fields.filter((x) => x.type === 'count').map((x) => x.id));
  before = await readOnly(today, night1, (w) => earlierData(today, w, beforeIds, oldMetrics));
  newFiles = { x6: join(dir, 'new', 'x6.xlsx'), t1: join(dir, 'new', 't1.xlsx') };
  await publicityWorkbook(newFiles.x6);
  await t1WithDrills(newFiles.t1);
  // From here on, every module imported sees six forms.
  vi.resetModules();
  mockSixForms();
});

/** A copy of night 1's warehouse and inbox (same bytes and times: nothing old is new), with the new files delivered when `withNewFiles`. */
function nightTwoSetup(name: string, withNewFiles: boolean): { path: string; inbox: string; reports: string } {
  const base = join(dir, name);
  const path = join(base, 'warehouse.duckdb');
  const inbox = join(base, 'inbox');
  cpSync(inbox1, inbox, { recursive: true, preserveTimestamps: true });
  mkdirSync(base, { recursive: true });
  copyFileSync(night1, path);
  if (withNewFiles) {
    deliverFile(newFiles.x6, inbox, '2024Q2/龙兴镇/龙兴镇2024年第二季度消防宣传工作统计表.xlsx', new Date(night2At));
    deliverFile(newFiles.t1, inbox, '2024Q2/龙兴镇/龙兴镇2024年第二季度消防执法工作统计表.xlsx', new Date(night2At));
  }
  return { path, inbox, reports: join(base, 'reports') };
}

describe('a sixth form and a new field reach a warehouse built before them', () => {
  it('a read-only open reports the pending steps and writes nothing', async () => {
    const m = await modules();
    expect(m.forms.map((f) => f.code)).toEqual(['T1', 'B1', 'L1', 'L2', 'R1', 'X6']);
    const { path } = nightTwoSetup('read-only', false);
    const { warehouseIdentity } = await import('../../warehouse/working-copy.js');
    const identity = await warehouseIdentity(path);
    const plan = await readOnly(m, path, (w) => w.pendingSchema());
    expect(plan.mismatches).toEqual([]);
    expect(plan.steps.map((s) => [s.action, s.form, s.table, s.column])).toEqual([
      ['add_column', 'T1', 't1_township_stats', 'fire_drills'],
      ['create_table', 'X6', 'x6_publicity_stats', null],
    ]);
    expect(m.pendingSchemaNotice(plan)).toMatch(/尚待调整（2 步：新增列 t1_township_stats\.fire_drills、新建表 x6_publicity_stats）/);
    expect(await warehouseIdentity(path)).toBe(identity);
    const tables = await readOnly(m, path, async (w) => (await rows(m, w, `SELECT table_name FROM duckdb_tables()`)).map((r) => r.table_name));
    expect(tables).not.toContain('x6_publicity_stats');
  });

  it('night 2 with nothing new in the inbox still runs: the steps are applied, recorded and the views rebuilt', async () => {
    const m = await modules();
    const { path, inbox, reports } = nightTwoSetup('steps-only', false);
    const { run, log } = await night(m, path, inbox, reports, night2At);
    const r = await run;
    expect(log.map((l) => l.event)).not.toContain('run-skipped');
    expect(log.filter((l) => l.event === 'schema-step').map((l) => [l.fields.step, l.fields.action, l.fields.table, l.fields.column])).toEqual([
      [1, 'add_column', 't1_township_stats', 'fire_drills'],
      [2, 'create_table', 'x6_publicity_stats', undefined],
    ]);
    expect(m.warehouseSound(r.checks)).toBe(true);
    await readOnly(m, path, async (w) => {
      expect(await w.pendingSchema()).toEqual({ steps: [], mismatches: [] });
      const steps = await rows(m, w, `SELECT step_no, form, table_name, column_name, action, ddl FROM schema_steps ORDER BY step_no`);
      expect(steps.map((s) => [s.step_no, s.form, s.table_name, s.column_name, s.action])).toEqual([
        [1, 'T1', 't1_township_stats', 'fire_drills', 'add_column'],
        [2, 'X6', 'x6_publicity_stats', null, 'create_table'],
      ]);
      expect(steps[0]!.ddl).toBe(
        `ALTER TABLE t1_township_stats ADD COLUMN fire_drills INTEGER;\nCOMMENT ON COLUMN t1_township_stats.fire_drills IS '组织消防演练（次）'`,
      );
      expect(String(steps[1]!.ddl)).toMatch(/^CREATE TABLE x6_publicity_stats \(/);
      // Comments as the form declares them, on the new column and the new table.
      const comments = await rows(
        m,
        w,
        `SELECT table_name, column_name, comment FROM duckdb_columns() WHERE (table_name = 't1_township_stats' AND column_name = 'fire_drills') OR table_name = 'x6_publicity_stats' ORDER BY table_name, column_index`,
      );
      expect(comments[0]).toEqual({ table_name: 't1_township_stats', column_name: 'fire_drills', comment: '组织消防演练（次）' });
      expect(comments.filter((c) => c.table_name === 'x6_publicity_stats').map((c) => c.comment)).toContain('受教育群众（人次）');
      expect((await rows(m, w, `SELECT comment FROM duckdb_tables() WHERE table_name = 'x6_publicity_stats'`))[0]?.comment).toBe(publicityForm.tableComment);
      // The views read the new table and column (made after the steps).
      expect(await rows(m, w, `SELECT count(*) AS n FROM quarter_figures WHERE metric = 'fire_drills'`)).not.toEqual([{ n: 0 }]);
    });
    // The next night with nothing new is skipped again.
    const again = await night(m, path, inbox, reports, night2At);
    await again.run;
    expect(again.log.map((l) => l.event)).toContain('run-skipped');
  });

  it('night 2 loads an X6 file and a T1 file with the new column; check passes; earlier data unchanged; X6 in quarter_figures', async () => {
    const m = await modules();
    const { path, inbox, reports } = nightTwoSetup('new-files', true);
    const { run, log } = await night(m, path, inbox, reports, night2At);
    const r = await run;
    expect(log.filter((l) => l.event === 'schema-step')).toHaveLength(2);
    expect(log.filter((l) => l.event === 'file-failed')).toEqual([]);
    expect(r.ingest?.counts.files_failed).toBe(0);
    expect(m.warehouseSound(r.checks)).toBe(true);
    await readOnly(m, path, async (w) => {
      // `firestat check` on the published warehouse.
      const checks = await m.checkWarehouse(w);
      expect(m.warehouseSound(checks)).toBe(true);
      // The fixtures' own findings (T1 figures vs the ledgers in Q1) are night 1's; nothing new fails.
      expect(checks.filter((c) => !c.ok).map((c) => [c.check, c.violations])).toEqual(night1Failing);
      const subs = await rows(
        m,
        w,
        `SELECT submission_id, path, status, form, unit, year, quarter, reason FROM submissions WHERE NOT (submission_id = ANY($1::BIGINT[])) ORDER BY path`,
        [beforeIds],
      );
      const fresh = subs.filter((s) => String(s.path).startsWith('2024Q2/'));
      expect(fresh.map((s) => [s.form, s.status, s.unit, s.year, s.quarter, s.reason])).toEqual([
        ['X6', 'loaded', '龙兴镇', 2024, 2, null],
        ['T1', 'loaded', '龙兴镇', 2024, 2, null],
      ]);
      // Nothing remembered as failed (the old fault: an `internal` refusal, remembered for good).
      expect(await rows(m, w, `SELECT path, outcome FROM seen_files WHERE outcome = 'failed'`)).toEqual([]);
      expect(await rows(m, w, `SELECT count(*) AS n FROM submissions WHERE status = 'failed'`)).toEqual([{ n: 0 }]);
      // The X6 row, and the T1 row: the new column is appended to the stored table, the appender follows the stored order.
      const x6Id = fresh[0]!.submission_id;
      const t1Id = fresh[1]!.submission_id;
      expect(
        await rows(m, w, `SELECT unit, year, quarter, publicity_events, people_reached, leaflets FROM x6_publicity_stats WHERE submission_id = $1`, [x6Id]),
      ).toEqual([{ unit: '龙兴镇', year: 2024, quarter: 2, publicity_events: 5, people_reached: 1200, leaflets: 40 }]);
      expect(
        await rows(m, w, `SELECT unit, quarter, units_inspected, joint_inspections, fire_staff, fire_drills FROM t1_township_stats WHERE submission_id = $1`, [
          t1Id,
        ]),
      ).toEqual([{ unit: '龙兴镇', quarter: 2, units_inspected: 41, joint_inspections: 3, fire_staff: 2, fire_drills: 7 }]);
      const stored = (await rows(m, w, `SELECT column_name FROM duckdb_columns() WHERE table_name = 't1_township_stats' ORDER BY column_index`)).map(
        (c) => c.column_name,
      );
      expect(stored.at(-1)).toBe('fire_drills');
      // Rows loaded before the field existed hold NULL there (not reported), not 0.
      expect(
        await rows(m, w, `SELECT count(*) AS n FROM t1_township_stats WHERE submission_id = ANY($1::BIGINT[]) AND fire_drills IS NOT NULL`, [beforeIds]),
      ).toEqual([{ n: 0 }]);
      // Earlier data unchanged: the old tables' rows, the submissions, quarter_figures for Q1 and the ledger views.
      expect(await earlierData(m, w, beforeIds, oldMetrics)).toEqual(before);
      // The new field and the sixth form's figures in quarter_figures.
      expect(
        await rows(m, w, `SELECT form, metric, value FROM quarter_figures WHERE unit = '龙兴镇' AND year = 2024 AND quarter = 2 AND metric = 'fire_drills'`),
      ).toEqual([{ form: 'T1', metric: 'fire_drills', value: 7 }]);
      expect(
        await rows(m, w, `SELECT metric, value FROM quarter_figures WHERE form = 'X6' AND unit = '龙兴镇' AND year = 2024 AND quarter = 2 ORDER BY metric`),
      ).toEqual([
        { metric: 'leaflets', value: 40 },
        { metric: 'people_reached', value: 1200 },
        { metric: 'publicity_events', value: 5 },
      ]);
    });
  });
});

describe('a change that cannot be added safely stops before any file is read', () => {
  it('a stored type that differs from the declared one: the run stops with the table, column, both types and what to do; nothing is read or remembered', async () => {
    const m = await modules();
    const { path, inbox, reports } = nightTwoSetup('type-change', true);
    // The warehouse holds 检查社会单位数 as text, the form declares a count (INTEGER).
    const instance = await DuckDBInstance.create(path);
    const c = await instance.connect();
    await c.run(`ALTER TABLE t1_township_stats ALTER COLUMN units_inspected TYPE VARCHAR`);
    await c.run('CHECKPOINT');
    instance.closeSync();
    const { warehouseIdentity } = await import('../../warehouse/working-copy.js');
    const identity = await warehouseIdentity(path);
    const seen = await readOnly(m, path, async (w) => rows(m, w, `SELECT * FROM seen_files ORDER BY path`));

    const { run, log } = await night(m, path, inbox, reports, night2At);
    const error = await run.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.name).toBe('RunFailedError');
    const message = error!.message;
    expect(message).toMatch(/^数据仓库的表结构与报表定义不一致，不能自动调整（1 处），已在读取任何报送文件之前停止/);
    expect(message).toContain('表 t1_township_stats 的列 units_inspected（报表 T1）：数据仓库中为 VARCHAR，报表定义为 INTEGER');
    expect(message).toContain('ALTER TABLE t1_township_stats ALTER COLUMN units_inspected TYPE INTEGER');
    expect(log.find((l) => l.event === 'run-failed')?.fields.reason).toBe(message);
    expect(log.map((l) => l.event)).not.toContain('file-loaded');
    // Nothing published, nothing remembered, no refusal report written.
    expect(await warehouseIdentity(path)).toBe(identity);
    expect(await readOnly(m, path, async (w) => rows(m, w, `SELECT * FROM seen_files ORDER BY path`))).toEqual(seen);
    expect(existsSync(reports) ? readdirSync(reports) : []).toEqual([]);
    // Opened directly for writing, the same stop, and the additive steps are not half-applied.
    const direct = await m.Warehouse.open({ path }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(direct).toBeInstanceOf(m.SchemaMismatchError);
    expect(direct?.message).toBe(message);
    const tables = await readOnly(m, path, async (w) => (await rows(m, w, `SELECT table_name FROM duckdb_tables()`)).map((r) => r.table_name));
    expect(tables).not.toContain('x6_publicity_stats');
  });

  it('a stored column no form declares: with data it stops (renamed or removed field); empty it is left alone', async () => {
    const m = await modules();
    const { path } = nightTwoSetup('leftover-column', false);
    const instance = await DuckDBInstance.create(path);
    const c = await instance.connect();
    await c.run(`ALTER TABLE b1_bureau_monthly ADD COLUMN drills_old INTEGER`);
    await c.run(`ALTER TABLE b1_bureau_monthly ADD COLUMN spare_empty INTEGER`);
    await c.run(`UPDATE b1_bureau_monthly SET drills_old = 1`);
    await c.run('CHECKPOINT');
    instance.closeSync();
    const plan = await readOnly(m, path, (w) => w.pendingSchema());
    expect(plan.mismatches.map((x) => [x.table, x.column])).toEqual([['b1_bureau_monthly', 'drills_old']]);
    const n = Number((await readOnly(m, path, (w) => rows(m, w, 'SELECT count(*) AS n FROM b1_bureau_monthly')))[0]?.n);
    expect(n).toBeGreaterThan(0);
    expect(plan.mismatches[0]!.stored).toBe(`INTEGER，已有 ${n} 个值`);
    expect(m.schemaMismatchMessage(plan.mismatches)).toContain('RENAME COLUMN drills_old');
    expect(m.pendingSchemaNotice(plan)).toMatch(/下一次运行将在读取报送文件之前停止/);
  });
});
