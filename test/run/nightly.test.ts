import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSampleInbox } from '../../sources/sample/index.js';
import { Prng } from '../../sources/sample/prng.js';
import { tempDir } from '../support/ingest-helpers.js';

const bin = new URL('../../bin/firestat.js', import.meta.url).pathname;

/** The seed report's figures, as the report states them (not computed from the generator). */
const seedBureau: Record<string, number> = {
  出动执法人员: 9858,
  消防监督检查: 4929,
  发现隐患: 2838,
  督促整改隐患: 2792,
  责令改正通知书: 2476,
  重大火灾隐患整改通知书: 7,
  整改重大火灾隐患: 6,
  处理投诉: 1283,
  行政许可: 619,
  行政处罚: 521,
  责令三停: 36,
  责令查封: 4,
  火灾调查·一般程序: 18,
  火灾调查·简易程序: 120,
  火灾调查·轻微火灾: 346,
  案件移送通知书: 1,
  宣传教育: 100000,
  培训: 4,
};

function firestat(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [bin, ...args], { encoding: 'utf8', env: { ...process.env, TZ: 'Asia/Shanghai' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function start(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn('node', [bin, ...args], { env: { ...process.env, TZ: 'Asia/Shanghai' } });
  let out = '';
  child.stdout?.on('data', (d) => (out += String(d)));
  child.stderr?.on('data', (d) => (out += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

function bureauFigures(wh: string): Record<string, number> {
  const r = firestat(['sql', '--warehouse', wh, '--format', 'json', "SELECT label, value FROM year_figures WHERE year = 2024 AND scope = 'bureau'"]);
  expect(r.status, r.stderr).toBe(0);
  return Object.fromEntries((JSON.parse(r.stdout) as { label: string; value: number }[]).map((x) => [x.label, x.value]));
}

/** A read that must see either nothing of a run or all of it: every loaded file has all its rows. */
function consistentRead(wh: string): { loaded: number; incomplete: number } {
  const r = firestat([
    'sql',
    '--warehouse',
    wh,
    '--format',
    'json',
    `
    WITH facts AS (
      SELECT submission_id, count(*) AS n FROM (
        SELECT submission_id FROM t1_township_stats UNION ALL SELECT submission_id FROM b1_bureau_monthly
        UNION ALL SELECT submission_id FROM l1_cases UNION ALL SELECT submission_id FROM l2_hazards
        UNION ALL SELECT submission_id FROM r1_case_reviews) GROUP BY submission_id)
    SELECT count(*) AS loaded, count(*) FILTER (WHERE coalesce(f.n, 0) <> s.rows) AS incomplete
    FROM submissions s LEFT JOIN facts f USING (submission_id) WHERE s.status IN ('loaded', 'replaced')`,
  ]);
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { loaded: number; incomplete: number }[])[0]!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let inbox: string;
beforeAll(async () => {
  inbox = join(tempDir(), 'inbox');
  await writeSampleInbox({ outDir: inbox, year: 2024, seed: 1 });
});

describe('running for real', () => {
  it('lets analysts read during a run, never seeing half of it; a second run waits then exits clearly', async () => {
    const dir = tempDir();
    const wh = join(dir, 'warehouse.duckdb');
    const nightInbox = join(dir, 'inbox');
    const runArgs = ['run', '--inbox', nightInbox, '--warehouse', wh, '--out', join(dir, 'out'), '--year', '2024', '--as-of', '2025-01-20', '--quiet'];
    // Night 1: the first three quarters, published.
    for (const q of ['2024Q1', '2024Q2', '2024Q3']) cpSync(join(inbox, q), join(nightInbox, q), { recursive: true });
    const night1 = firestat(runArgs);
    expect(night1.status, night1.stderr).toBe(0);
    const first = consistentRead(wh);
    expect(first.incomplete).toBe(0);
    expect(first.loaded).toBeGreaterThan(0);
    // Night 2: the fourth quarter arrives; analysts keep reading while it runs.
    cpSync(join(inbox, '2024Q4'), join(nightInbox, '2024Q4'), { recursive: true });
    const a = start(runArgs);
    const started = Date.now();
    while (!existsSync(`${wh}.lock`)) {
      expect(Date.now() - started, `night 2 never took the lock: ${a.output()}`).toBeLessThan(60_000);
      await sleep(50);
    }
    const b = firestat(runArgs);
    expect(b.status).toBe(3);
    expect(b.stderr).toContain('另一个 firestat 运行正在进行');
    const seen: number[] = [];
    while (existsSync(`${wh}.lock`)) {
      const r = consistentRead(wh);
      expect(r.incomplete).toBe(0);
      seen.push(r.loaded);
      await sleep(100);
    }
    expect(await a.exited, a.output()).toBe(0);
    expect(a.output()).toMatch(/run-end run=2 /);
    expect(bureauFigures(wh)).toEqual(seedBureau);
    const second = consistentRead(wh);
    expect(second.incomplete).toBe(0);
    expect(second.loaded).toBeGreaterThan(first.loaded);
    // Reads happened while night 2 ran, and each saw night 1 or night 2 whole, never a part of night 2.
    expect(seen.length).toBeGreaterThan(0);
    process.stdout.write(`reads during night 2: ${seen.join(',')} (night 1 ${first.loaded}, night 2 ${second.loaded})\n`);
    expect(seen).toContain(first.loaded);
    for (const n of seen) expect([first.loaded, second.loaded]).toContain(n);
    expect(readdirSync(dir).filter((n) => n.endsWith('.work'))).toEqual([]);
  });

  it('survives kill -9 at random moments: the warehouse then equals one clean run', async () => {
    const dir = tempDir();
    const wh = join(dir, 'warehouse.duckdb');
    const kills: number[] = [];
    // The kill moments come from a printed seed: FIRESTAT_KILL_SEED=<seed> replays a failing run.
    const seed = Number(process.env.FIRESTAT_KILL_SEED ?? Math.floor(Date.now() % 2 ** 31));
    process.stdout.write(`kill -9 test: FIRESTAT_KILL_SEED=${seed}\n`);
    const random = new Prng(seed, 'kill-delays');
    for (let i = 0; i < 3; i++) {
      // Anywhere from start-up to deep inside the loading; the published file must not care.
      const delay = 300 + Math.floor(random.next() * 5000);
      kills.push(delay);
      const victim = start(['ingest', '--inbox', inbox, '--warehouse', wh, '--quiet']);
      await sleep(delay);
      victim.child.kill('SIGKILL');
      await victim.exited;
      if (existsSync(wh)) expect(consistentRead(wh).incomplete, `after a kill at ${delay} ms (FIRESTAT_KILL_SEED=${seed})`).toBe(0);
    }
    const clean = firestat(['ingest', '--inbox', inbox, '--warehouse', wh, '--quiet']);
    expect(clean.status, `kills at ${kills.join(', ')} ms (FIRESTAT_KILL_SEED=${seed}): ${clean.stderr}`).toBe(0);
    expect(bureauFigures(wh)).toEqual(seedBureau);
    // The same inbox loaded once, cleanly, into a fresh warehouse.
    const reference = join(tempDir(), 'warehouse.duckdb');
    expect(firestat(['ingest', '--inbox', inbox, '--warehouse', reference, '--quiet']).status).toBe(0);
    const snapshot = (file: string) =>
      firestat([
        'sql',
        '--warehouse',
        file,
        '--format',
        'json',
        `
        SELECT s.submission_id, s.path, s.sha256, s.status, s.unit, s.form, s.year, s.period_from, s.period_to, s.rows, s.reason, s.replaced_by,
               (SELECT count(*) FROM l2_hazards h WHERE h.submission_id = s.submission_id) AS hazards,
               (SELECT count(*) FROM l1_cases c WHERE c.submission_id = s.submission_id) AS cases
        FROM submissions s ORDER BY s.submission_id`,
      ]).stdout;
    expect(snapshot(wh)).toBe(snapshot(reference));
    const figures = (file: string) => firestat(['sql', '--warehouse', file, '--format', 'csv', 'SELECT * FROM quarter_figures ORDER BY ALL']).stdout;
    expect(figures(wh)).toBe(figures(reference));
    // The killed runs never published: the warehouse holds exactly one run, the clean one.
    const runs = firestat(['sql', '--warehouse', wh, '--format', 'json', 'SELECT run_id, status FROM runs ORDER BY run_id']);
    expect(JSON.parse(runs.stdout)).toEqual([{ run_id: 1, status: 'completed' }]);
    // A night with nothing new leaves everything as it was.
    const again = firestat(['ingest', '--inbox', inbox, '--warehouse', wh, '--quiet']);
    expect(again.stdout).toContain('没有新文件');
  });

  it('schedule runs on its cron and stops cleanly on SIGTERM', async () => {
    const dir = tempDir();
    const small = join(dir, 'inbox');
    // A small inbox: one quarter of one township's files.
    const { cpSync, mkdirSync } = await import('node:fs');
    mkdirSync(small);
    for (const f of readdirSync(join(inbox, '2024Q1')).slice(0, 3)) cpSync(join(inbox, '2024Q1', f), join(small, f), { recursive: true });
    const wh = join(dir, 'warehouse.duckdb');
    const s = start(['schedule', '--cron', '*/2 * * * * *', '--inbox', small, '--warehouse', wh, '--out', join(dir, 'out')]);
    const deadline = Date.now() + 30_000;
    while (!/run-end/.test(s.output()) && Date.now() < deadline) await sleep(200);
    expect(s.output()).toMatch(/schedule-start cron="\*\/2 \* \* \* \* \*" timezone=Asia\/Shanghai/);
    expect(s.output()).toMatch(/run-end run=1 /);
    const stopAt = Date.now();
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(Date.now() - stopAt).toBeLessThan(10_000);
    expect(s.output()).toContain('schedule-stopped');
    expect(existsSync(`${wh}.lock`)).toBe(false);
  });
});
