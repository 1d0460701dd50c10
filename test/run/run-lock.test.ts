import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/ingest-helpers.js';

/** The compiled lock, as `firestat run` uses it (global setup builds dist/). */
const lockModule = new URL('../../dist/pipelines/run/run-lock.js', import.meta.url).href;

/**
 * A child that waits until `startAt` (ms since the epoch, so several start together) and tries the
 * lock once without waiting. Each contender then leaves a mark in `doneDir`; one that got the lock
 * holds it until all `n` contenders have tried (at most 20 s), so "exactly one" does not depend
 * on how fast a loaded machine starts them. Prints WON or BUSY.
 */
const contender = `
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
const [path, startAt, doneDir, n] = process.argv.slice(1);
const { acquireRunLock } = await import(${JSON.stringify(lockModule)});
mkdirSync(doneDir, { recursive: true });
while (Date.now() < Number(startAt)) {}
let lock;
try {
  lock = await acquireRunLock(path, 0);
} catch (e) {
  process.stdout.write(e.name === 'LockBusyError' ? 'BUSY\\n' : 'ERROR ' + e.message + '\\n');
}
writeFileSync(doneDir + '/' + process.pid, '');
if (lock) {
  const until = Date.now() + 20000;
  while (readdirSync(doneDir).length < Number(n) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  process.stdout.write('WON\\n');
  await (typeof lock === 'function' ? lock() : lock.release());
}
`;

function runContender(path: string, startAt: number, doneDir = join(tempDir(), 'done'), n = 1): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('node', ['--input-type=module', '-e', contender, path, String(startAt), doneDir, String(n)]);
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (out += String(d)));
    child.on('exit', () => resolve(out.trim()));
  });
}

/** A pid that was just used and is gone. */
function deadPid(): number {
  const r = spawnSync('node', ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

/** Field 22 of /proc/<pid>/stat: when the process started. */
function startTicks(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

const hasProc = (() => {
  try {
    readFileSync('/proc/sys/kernel/random/boot_id');
    return true;
  } catch {
    return false;
  }
})();

describe('the run lock', () => {
  it('lets exactly one of several processes take over the same stale lock, every time', async () => {
    const dir = tempDir();
    const path = join(dir, 'warehouse.duckdb.lock');
    const rounds: string[][] = [];
    for (let round = 0; round < 6; round++) {
      // A lock left by a run that died (as earlier versions wrote it: no token, no start time).
      writeFileSync(path, JSON.stringify({ pid: deadPid(), host: hostname(), startedAt: new Date().toISOString() }));
      const startAt = Date.now() + 1500;
      const done = join(tempDir(), 'done');
      const n = 8;
      const results = await Promise.all(Array.from({ length: n }, () => runContender(path, startAt, done, n)));
      rounds.push(results);
    }
    for (const results of rounds) {
      expect(
        results.filter((r) => r === 'WON'),
        JSON.stringify(rounds),
      ).toHaveLength(1);
      expect(
        results.filter((r) => r === 'BUSY'),
        JSON.stringify(rounds),
      ).toHaveLength(7);
    }
    // Every winner released it; no guard or temporary file is left behind.
    expect(readdirSync(dir)).toEqual([]);
  });

  it.skipIf(!hasProc)('takes over a lock whose pid now belongs to another process, or from before a reboot', async () => {
    const dir = tempDir();
    const path = join(dir, 'warehouse.duckdb.lock');
    // A live, unrelated process.
    const other = spawn('sleep', ['30']);
    try {
      const pid = other.pid!;
      const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      const lock = (extra: object) =>
        JSON.stringify({ pid, host: hostname(), startedAt: new Date().toISOString(), token: 'aaaa', createdMs: Date.now(), ...extra });
      // The holder's own start time and this boot: a live holder, the lock is busy.
      writeFileSync(path, lock({ processStart: startTicks(pid), bootId: boot }));
      expect(await runContender(path, 0)).toBe('BUSY');
      // The same pid but another start time: the pid was reused, the holder is gone.
      writeFileSync(path, lock({ processStart: String(Number(startTicks(pid)) - 1000), bootId: boot }));
      expect(await runContender(path, 0)).toBe('WON');
      // Taken before a reboot (another boot id): whatever runs under that pid now is not the holder.
      writeFileSync(path, lock({ processStart: startTicks(pid), bootId: '00000000-0000-0000-0000-000000000000' }));
      expect(await runContender(path, 0)).toBe('WON');
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      other.kill('SIGKILL');
    }
  });
});
