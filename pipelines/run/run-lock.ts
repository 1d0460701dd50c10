import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { link, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { bootId, processAlive, processStartTicks } from '../../domain/process-identity.js';

/** Who holds the lock, as written in the lock file. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  /** Unique to this acquisition; a takeover checks it has not changed. Absent in locks of earlier versions. */
  readonly token?: string;
  /** Start time of the process (field 22 of /proc/<pid>/stat): tells a reused pid from the holder. */
  readonly processStart?: string;
  /** /proc/sys/kernel/random/boot_id when the lock was taken: a different one means a reboot since. */
  readonly bootId?: string;
  /** Real time of acquisition (ms), for the age bound where /proc is missing. */
  readonly createdMs?: number;
}

/** The lock is held by a live process and did not come free in time. */
export class LockBusyError extends Error {
  constructor(
    readonly holder: LockHolder | undefined,
    path: string,
  ) {
    super(
      holder
        ? `另一个 firestat 运行正在进行（进程 ${holder.pid}，${holder.host}，始于 ${holder.startedAt}），本次退出。锁文件：${path}`
        : `另一个 firestat 运行正在进行，本次退出。锁文件：${path}`,
    );
    this.name = 'LockBusyError';
  }
}

/** A lock held by this process. */
export interface RunLock {
  readonly path: string;
  /** Whether the lock file still names this acquisition (checked before publishing). */
  held(): Promise<boolean>;
  /** Removes the lock file if it is still ours. */
  release(): Promise<void>;
}

/** How long a lock may be held where /proc cannot tell whether its holder still runs. Default 12 h. */
export interface LockOptions {
  readonly staleAfterMs?: number;
}

interface SeenLock {
  readonly holder: LockHolder | undefined;
  /** The token, or for a lock of an earlier version (or a half-written one) its inode. */
  readonly identity: string;
  readonly mtimeMs: number;
}

async function readLock(path: string): Promise<SeenLock | undefined> {
  try {
    const handle = await open(path, 'r');
    try {
      const s = await handle.stat();
      const text = await handle.readFile('utf8');
      let holder: LockHolder | undefined;
      try {
        const parsed = JSON.parse(text) as LockHolder;
        if (parsed && typeof parsed.pid === 'number') holder = parsed;
      } catch {
        holder = undefined;
      }
      return { holder, identity: holder?.token ?? `ino${s.ino}`, mtimeMs: s.mtimeMs };
    } finally {
      await handle.close();
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Why a lock is stale, or undefined when its holder may still be running. */
export function staleReason(seen: { holder: LockHolder | undefined; mtimeMs: number }, staleAfterMs: number, nowMs = Date.now()): string | undefined {
  const h = seen.holder;
  // Empty or unreadable: a process of an earlier version killed between creating and writing it.
  if (!h) return nowMs - seen.mtimeMs > 2_000 ? 'unreadable' : undefined;
  // A pid means nothing on another machine sharing the folder.
  if (h.host !== hostname()) return undefined;
  const boot = bootId();
  if (h.bootId && boot && h.bootId !== boot) return 'rebooted';
  if (!processAlive(h.pid)) return 'holder-gone';
  const start = processStartTicks(h.pid);
  if (h.processStart && start) return h.processStart !== start ? 'pid-reused' : undefined;
  // No /proc to tell (or a lock of an earlier version): an age bound.
  const since = h.createdMs ?? Date.parse(h.startedAt);
  return Number.isFinite(since) && nowMs - since > staleAfterMs ? 'too-old' : undefined;
}

/**
 * Creates `path` holding `me`, only if it does not exist: the content is written to a private
 * file first and hard-linked into place, so the lock never exists half-written.
 */
async function createExclusive(path: string, me: LockHolder): Promise<boolean> {
  const tmp = `${path}.${me.token}.tmp`;
  await writeFile(tmp, JSON.stringify(me));
  try {
    await link(tmp, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
    // A file system without hard links: exclusive create, then write.
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(JSON.stringify(me));
      await handle.close();
      return true;
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e2;
    }
  } finally {
    await rm(tmp, { force: true });
  }
}

type Attempt = { acquired: true; reason?: string } | { acquired: false; holder: LockHolder | undefined };

/**
 * One attempt. A stale lock (see {@link staleReason}) is taken over atomically: the taker first
 * takes a guard lock named after the stale lock's identity (`<path>.takeover-<token>`, by the same
 * rules, so a taker that dies is itself taken over), re-reads the lock, and only if it still has
 * that identity replaces it with its own by a rename. Of several processes taking over the same
 * stale lock exactly one gets the guard; the others find the guard held, or the lock changed.
 */
async function attempt(path: string, me: LockHolder, staleAfterMs: number, depth = 0): Promise<Attempt> {
  for (let tries = 0; tries < 5; tries++) {
    if (await createExclusive(path, me)) return { acquired: true };
    const seen = await readLock(path);
    if (!seen) continue; // released in between: try again
    const reason = staleReason(seen, staleAfterMs);
    if (!reason || depth >= 6) return { acquired: false, holder: seen.holder };
    const guard = `${path}.takeover-${seen.identity.replace(/[^A-Za-z0-9]/g, '')}`;
    const g = await attempt(guard, me, staleAfterMs, depth + 1);
    if (!g.acquired) return { acquired: false, holder: seen.holder };
    try {
      const now = await readLock(path);
      if (!now) continue;
      if (now.identity !== seen.identity) return { acquired: false, holder: now.holder };
      const tmp = `${path}.${me.token}.tmp`;
      await writeFile(tmp, JSON.stringify(me));
      await rename(tmp, path);
      return { acquired: true, reason };
    } finally {
      await rm(guard, { force: true });
    }
  }
  return { acquired: false, holder: (await readLock(path))?.holder };
}

/** Removes guard and temporary files left by takers that died (safe: a taker re-checks the lock it replaces). */
async function cleanLeftovers(path: string, me: LockHolder): Promise<void> {
  const base = basename(path);
  try {
    for (const name of await readdir(dirname(path))) {
      if (!name.startsWith(`${base}.`)) continue;
      const file = join(dirname(path), name);
      // Another taker's content about to be linked: only when long abandoned.
      if (name.endsWith('.tmp')) {
        if (!name.includes(me.token!) && Date.now() - (await stat(file)).mtimeMs > 60_000) await rm(file, { force: true });
      } else if (name.startsWith(`${base}.takeover-`)) await rm(file, { force: true });
    }
  } catch {
    // Best effort.
  }
}

/**
 * A cross-process lock: a file created exclusively, naming its holder (pid, process start time,
 * boot id, a random token). A lock whose holder is gone — killed, the machine rebooted, its pid now
 * another process — is taken over atomically (see {@link attempt}); where /proc is missing a lock
 * older than `staleAfterMs` counts as stale. Waits up to `waitMs` for a live holder, then throws
 * {@link LockBusyError}.
 */
export async function acquireRunLock(path: string, waitMs = 5_000, now: () => Date = () => new Date(), options: LockOptions = {}): Promise<RunLock> {
  const deadline = Date.now() + waitMs;
  const staleAfterMs = options.staleAfterMs ?? 12 * 3600_000;
  const token = randomBytes(8).toString('hex');
  const boot = bootId();
  const start = processStartTicks(process.pid);
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    startedAt: now().toISOString(),
    token,
    ...(start ? { processStart: start } : {}),
    ...(boot ? { bootId: boot } : {}),
    createdMs: Date.now(),
  };
  for (;;) {
    const a = await attempt(path, me, staleAfterMs);
    if (a.acquired) {
      await cleanLeftovers(path, me);
      const held = async () => (await readLock(path))?.identity === token;
      return {
        path,
        held,
        release: async () => {
          if (await held()) await rm(path, { force: true });
        },
      };
    }
    if (Date.now() >= deadline) throw new LockBusyError(a.holder, path);
    await new Promise((r) => setTimeout(r, 250));
  }
}
