import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSampleInbox } from '../../sources/sample/index.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { tempDir } from '../support/ingest-helpers.js';

const bin = fileURLToPath(new URL('../../bin/firestat.js', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

function firestat(args: string[], env: Record<string, string> = {}): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [bin, ...args], { encoding: 'utf8', env: { ...process.env, TZ: 'Asia/Shanghai', ...env } });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

let sample: string;
beforeAll(async () => {
  sample = join(tempDir(), 'sample');
  await writeSampleInbox({ outDir: sample, year: 2024, seed: 1 });
});

/** Adds the first `n` entries (files or unit folders) of one quarter of the sample year to `inbox`. */
function deliverQuarter(inbox: string, quarter: string, n = 12): void {
  mkdirSync(join(inbox, quarter), { recursive: true });
  for (const name of readdirSync(join(sample, quarter)).sort().slice(0, n)) {
    cpSync(join(sample, quarter, name), join(inbox, quarter, name), { recursive: true, preserveTimestamps: true });
  }
}

function sha(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Every file under `dir` (hidden ones too) with its hash. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = sha(p);
    }
  };
  walk(dir);
  return out;
}

/** Temporaries a run may leave: staging folders, moved-aside outputs, working copies, *.tmp files. */
function leftovers(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (/\.staging-|\.tmp$|\.tmp-|\.work($|\.)|\.old$|\.carried$|\.takeover-/.test(e.name)) found.push(relative(dir, join(d, e.name)));
      else if (e.isDirectory()) walk(join(d, e.name));
    }
  };
  walk(dir);
  return found;
}

/** What the outputs say they were built from, and what the published warehouse is now. */
function stampMatches(out: string, wh: string): boolean {
  const stamp = JSON.parse(readFileSync(join(out, '.firestat-build.json'), 'utf8')) as { warehouse: string };
  const s = statSync(wh, { bigint: true });
  return stamp.warehouse === `${s.ino}:${s.size}:${s.mtimeNs}`;
}

function quarters(out: string): number[] {
  return (JSON.parse(readFileSync(join(out, 'data', 'index.json'), 'utf8')) as { quarters: number[] }).quarters;
}

/** The submissions and their rows, without times (which differ between two loads of the same files). */
function snapshot(wh: string): string {
  const r = firestat([
    'sql',
    '--warehouse',
    wh,
    '--format',
    'json',
    `
    SELECT s.submission_id, s.path, s.sha256, s.status, s.unit, s.form, s.year, s.period_from, s.period_to, s.rows, s.reason, s.replaced_by,
           (SELECT count(*) FROM l2_hazards h WHERE h.submission_id = s.submission_id) AS hazards,
           (SELECT count(*) FROM l1_cases c WHERE c.submission_id = s.submission_id) AS cases,
           (SELECT count(*) FROM t1_township_stats t WHERE t.submission_id = s.submission_id) AS t1
    FROM submissions s ORDER BY s.submission_id`,
  ]);
  expect(r.status, r.stderr).toBe(0);
  const figures = firestat(['sql', '--warehouse', wh, '--format', 'csv', 'SELECT * FROM quarter_figures ORDER BY ALL']);
  return `${r.stdout}\n${figures.stdout}`;
}

const runArgs = (inbox: string, wh: string, out: string, asOf = '2024-07-20') => [
  'run',
  '--inbox',
  inbox,
  '--warehouse',
  wh,
  '--out',
  out,
  '--year',
  '2024',
  '--as-of',
  asOf,
  '--quiet',
];

describe('a night publishes whole or not at all', () => {
  it('removes a WAL left by a crashed read-write client before publishing: the warehouse holds exactly the runs’ data', () => {
    const dir = tempDir();
    const inbox = join(dir, 'inbox');
    const wh = join(dir, 'warehouse.duckdb');
    const reference = join(tempDir(), 'reference.duckdb');
    deliverQuarter(inbox, '2024Q1');
    expect(firestat(runArgs(inbox, wh, join(dir, 'out'))).status).toBe(0);
    expect(firestat(['ingest', '--inbox', inbox, '--warehouse', reference, '--quiet']).status).toBe(0);
    // Someone opens the published warehouse read-write (the DuckDB CLI, DBeaver), changes rows, and
    // the process is killed before DuckDB writes the changes back: a WAL stays beside the file.
    const tamper = spawnSync(
      'node',
      [
        '--input-type=module',
        '-e',
        `import { DuckDBInstance } from '@duckdb/node-api';
         const db = await DuckDBInstance.create(${JSON.stringify(wh)}, { checkpoint_threshold: '1TB' });
         const c = await db.connect();
         await c.run("UPDATE submissions SET unit = '篡改' WHERE submission_id = 1");
         await c.run("CREATE TABLE planted AS SELECT 42 AS x");
         process.kill(process.pid, 'SIGKILL');`,
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(tamper.signal, tamper.stderr).toBe('SIGKILL');
    expect(existsSync(`${wh}.wal`)).toBe(true);
    // Readers (even read-only ones) would see the changes; check says so and fails.
    const check = firestat(['check', '--warehouse', wh]);
    expect(check.status).toBe(1);
    expect(check.stdout).toContain('WAL');
    expect(firestat(['sql', '--warehouse', wh, 'SELECT 1 AS one']).stderr).toContain('WAL 文件');

    deliverQuarter(inbox, '2024Q2');
    const night = firestat(runArgs(inbox, wh, join(dir, 'out')));
    expect(night.status, night.stderr).toBe(0);
    expect(night.stdout).toMatch(/foreign-wal-removed file=\S+warehouse\.duckdb\.wal/);
    expect(firestat(['ingest', '--inbox', inbox, '--warehouse', reference, '--quiet']).status).toBe(0);
    for (const f of [`${wh}.wal`, `${wh}.wal.checkpoint`, `${wh}.wal.recovery`]) expect(existsSync(f)).toBe(false);
    // Exactly what the two nights loaded — the same as loading them into a fresh warehouse.
    expect(snapshot(wh)).toBe(snapshot(reference));
    const planted = firestat(['sql', '--warehouse', wh, '--format', 'csv', "SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'planted'"]);
    expect(planted.stdout).toBe('\uFEFFn\r\n0\r\n'); // a CSV for Excel: byte order mark, CRLF
    expect(firestat(['check', '--warehouse', wh]).status).toBe(0);
  }, 600_000);

  it('survives kill -9 during the build: the previous outputs stay whole and match the previous warehouse', async () => {
    const dir = tempDir();
    const inbox = join(dir, 'inbox');
    const wh = join(dir, 'warehouse.duckdb');
    const out = join(dir, 'out');
    deliverQuarter(inbox, '2024Q1');
    expect(firestat(runArgs(inbox, wh, out)).status).toBe(0);
    const before = { wh: sha(wh), out: tree(out) };
    expect(quarters(out)).toEqual([1, 2]);
    deliverQuarter(inbox, '2024Q2');
    deliverQuarter(inbox, '2024Q3');

    // 1. Killed from outside the moment it starts writing outputs (bounded: 3 minutes).
    const logFile = join(dir, 'victim.log');
    const fd = openSync(logFile, 'w');
    const victim = spawn('node', [bin, ...runArgs(inbox, wh, out, '2024-10-20')], { stdio: ['ignore', fd, fd], env: { ...process.env, TZ: 'Asia/Shanghai' } });
    closeSync(fd);
    const exited = new Promise<void>((resolve) => victim.on('exit', () => resolve()));
    const indexTime = statSync(join(out, 'data', 'index.json')).mtimeMs;
    const earlier = new Set(readdirSync(dir));
    const running = () => {
      try {
        const stat = readFileSync(`/proc/${victim.pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
      } catch {
        return victim.exitCode === null;
      }
    };
    // Polled synchronously every 5 ms: timers of a busy test process could miss the moment.
    const nap = new Int32Array(new SharedArrayBuffer(4));
    const deadline = Date.now() + 180_000;
    let hit = false;
    while (Date.now() < deadline && running()) {
      // A new staging folder beside out/, or (as builds used to) a file of out/ rewritten in place.
      if (readdirSync(dir).some((n) => n.startsWith('.out.staging-') && !earlier.has(n)) || statSync(join(out, 'data', 'index.json')).mtimeMs !== indexTime) {
        victim.kill('SIGKILL');
        hit = true;
        break;
      }
      Atomics.wait(nap, 0, 0, 5);
    }
    await exited;
    expect(hit, readFileSync(logFile, 'utf8')).toBe(true);
    expect(tree(out)).toEqual(before.out);
    expect(sha(wh)).toBe(before.wh);

    // 2. Killed by itself with SIGKILL at its 20th output file (a test hook: always inside the build).
    const killed = firestat(runArgs(inbox, wh, out, '2024-10-20'), { FIRESTAT_FAULT_WRITE: 'KILL@20' });
    expect(killed.signal, killed.stdout).toBe('SIGKILL');
    expect(tree(out)).toEqual(before.out);
    expect(sha(wh)).toBe(before.wh);
    expect(stampMatches(out, wh)).toBe(true);

    // The next run cleans up and publishes both.
    const clean = firestat(runArgs(inbox, wh, out, '2024-10-20'));
    expect(clean.status, clean.stderr).toBe(0);
    expect(leftovers(dir)).toEqual([]);
    expect(quarters(out)).toEqual([1, 2, 3]);
    expect(stampMatches(out, wh)).toBe(true);
    expect(sha(wh)).not.toBe(before.wh);
  }, 600_000);

  it('fails whole on a full disk during the build, with a Chinese line naming the file, and publishes nothing', () => {
    const dir = tempDir();
    const inbox = join(dir, 'inbox');
    const wh = join(dir, 'data', 'warehouse.duckdb');
    const site = join(dir, 'site');
    mkdirSync(site);
    // A small file system for the outputs where we may mount one; otherwise the write hook.
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', site]).status === 0;
    try {
      const out = join(site, 'out');
      deliverQuarter(inbox, '2024Q1');
      expect(firestat(runArgs(inbox, wh, out)).status).toBe(0);
      const before = { wh: sha(wh), out: tree(out) };
      let env: Record<string, string> = { FIRESTAT_FAULT_WRITE: 'ENOSPC@10' };
      if (mounted) {
        // Leave 48 KiB: room for a few output files, far from all of them.
        const fs = statfsSync(site);
        writeFileSync(join(site, 'filler'), Buffer.alloc(Math.max(0, fs.bavail * fs.bsize - 48 * 1024)));
        env = {};
      }
      deliverQuarter(inbox, '2024Q2');
      const full = firestat(runArgs(inbox, wh, out), env);
      // The outputs and the warehouse are exactly the previous night's; nothing half-written is left.
      expect(tree(out)).toEqual(before.out);
      expect(sha(wh)).toBe(before.wh);
      expect(leftovers(dir)).toEqual([]);
      expect(full.status, full.stdout + full.stderr).toBe(1);
      expect(full.stderr).toMatch(/firestat: 磁盘空间不足，生成输出：(写入|创建目录) \S*\/site\/out\/\S+ 时失败，本次结果未发布/);
      expect(full.stdout).toMatch(/run-failed step=生成输出 reason="磁盘空间不足/);

      rmSync(join(site, 'filler'), { force: true });
      const again = firestat(runArgs(inbox, wh, out));
      expect(again.status, again.stderr).toBe(0);
      expect(leftovers(dir)).toEqual([]);
      expect(stampMatches(out, wh)).toBe(true);
    } finally {
      if (mounted) spawnSync('umount', [site]);
    }
  }, 600_000);

  it('does not publish when the integrity check fails, and exits non-zero', async () => {
    const dir = tempDir();
    const inbox = join(dir, 'inbox');
    const wh = join(dir, 'warehouse.duckdb');
    const out = join(dir, 'out');
    deliverQuarter(inbox, '2024Q1');
    expect(firestat(runArgs(inbox, wh, out)).status).toBe(0);
    // A warehouse made unsound on purpose: a file registered with more rows than it has.
    const w = await Warehouse.open({ path: wh });
    await w.duckdb.run(`UPDATE submissions SET rows = rows + 1 WHERE submission_id = (SELECT min(submission_id) FROM submissions WHERE status = 'loaded')`);
    await w.close();
    const before = { wh: sha(wh), out: tree(out) };
    deliverQuarter(inbox, '2024Q2');
    const r = firestat(runArgs(inbox, wh, out));
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/check-failed .*row_counts_match:1/);
    expect(r.stderr).toContain('完整性检查未通过');
    expect(r.stderr).toContain('本次结果未发布');
    expect(sha(wh)).toBe(before.wh);
    expect(tree(out)).toEqual(before.out);
    expect(leftovers(dir)).toEqual([]);
  }, 600_000);

  it('rebuilds the outputs when their reference date moves, even with no new file; not again the same day', () => {
    const dir = tempDir();
    const inbox = join(dir, 'inbox');
    const wh = join(dir, 'warehouse.duckdb');
    const out = join(dir, 'out');
    deliverQuarter(inbox, '2024Q1');
    // 5 July: the second quarter's reports are not yet due.
    expect(firestat(runArgs(inbox, wh, out, '2024-07-05')).status).toBe(0);
    const count = (status: string) =>
      (readFileSync(join(out, 'data', 'dispatch-2024-Q2.json'), 'utf8').match(new RegExp(`"status": "${status}"`, 'g')) ?? []).length;
    expect(count('pending')).toBeGreaterThan(0);
    const whBefore = sha(wh);
    // 15 July, nothing new in the inbox: the deadline has passed, the 调度 pages must say so.
    const later = firestat(runArgs(inbox, wh, out, '2024-07-15'));
    expect(later.status, later.stderr).toBe(0);
    expect(later.stdout).toMatch(/rebuild-start reason=as-of-changed/);
    expect(count('pending')).toBe(0);
    expect(count('missing')).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(out, 'data', 'index.json'), 'utf8')).asOf).toBe('2024-07-15');
    expect(sha(wh)).toBe(whBefore);
    expect(stampMatches(out, wh)).toBe(true);
    // The same day again: nothing to do, nothing rewritten.
    const built = statSync(join(out, 'data', 'index.json')).mtimeMs;
    const same = firestat(runArgs(inbox, wh, out, '2024-07-15'));
    expect(same.stdout).toMatch(/run-skipped reason="nothing new"/);
    expect(statSync(join(out, 'data', 'index.json')).mtimeMs).toBe(built);
  }, 600_000);

  it('firestat build takes the run lock: it does not write outputs while a run holds it', () => {
    const dir = tempDir();
    const inbox = join(dir, 'inbox');
    const wh = join(dir, 'warehouse.duckdb');
    mkdirSync(inbox);
    expect(firestat(['ingest', '--inbox', inbox, '--warehouse', wh, '--quiet']).status).toBe(0);
    writeFileSync(join(dir, 'firestat.config.json'), JSON.stringify({ lockWaitSeconds: 0 }));
    // A live holder: this test process.
    writeFileSync(`${wh}.lock`, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }));
    const r = firestat(['--config', join(dir, 'firestat.config.json'), 'build', '--warehouse', wh, '--out', join(dir, 'out'), '--as-of', '2024-07-20']);
    expect(r.status, r.stdout + r.stderr).toBe(3);
    expect(r.stderr).toContain('另一个 firestat 运行正在进行');
    expect(existsSync(join(dir, 'out'))).toBe(false);
    rmSync(`${wh}.lock`);
    const ok = firestat(['--config', join(dir, 'firestat.config.json'), 'build', '--warehouse', wh, '--out', join(dir, 'out'), '--as-of', '2024-07-20']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(stampMatches(join(dir, 'out'), wh)).toBe(true);
    expect(existsSync(`${wh}.lock`)).toBe(false);
  });
});
