import { hostname } from 'node:os';
import { open, readFile, rm } from 'node:fs/promises';

/** Who holds the lock, as written in the lock file. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

/** The lock is held by a live process and did not come free in time. */
export class LockBusyError extends Error {
  constructor(readonly holder: LockHolder | undefined, path: string) {
    super(
      holder
        ? `另一个 firestat 运行正在进行（进程 ${holder.pid}，${holder.host}，始于 ${holder.startedAt}），本次退出。锁文件：${path}`
        : `另一个 firestat 运行正在进行，本次退出。锁文件：${path}`,
    );
    this.name = 'LockBusyError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(path: string): Promise<LockHolder | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

/**
 * A cross-process lock: a file created exclusively. A lock whose process is gone (killed, the
 * machine rebooted) is recovered. Waits up to `waitMs` for a live holder, then throws
 * {@link LockBusyError}.
 */
export async function acquireRunLock(path: string, waitMs = 5_000, now: () => Date = () => new Date()): Promise<() => Promise<void>> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      const me: LockHolder = { pid: process.pid, host: hostname(), startedAt: now().toISOString() };
      await handle.writeFile(JSON.stringify(me));
      await handle.close();
      return async () => {
        const holder = await readHolder(path);
        if (holder?.pid === process.pid) await rm(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = await readHolder(path);
    // Same host only: a pid means nothing on another machine sharing the folder.
    if (holder && holder.host === hostname() && !alive(holder.pid)) {
      await rm(path, { force: true });
      continue;
    }
    if (!holder) {
      // Half-written by a process killed between create and write: give it a moment, then take over.
      await new Promise((r) => setTimeout(r, 200));
      if (!(await readHolder(path))) await rm(path, { force: true });
      continue;
    }
    if (Date.now() >= deadline) throw new LockBusyError(holder, path);
    await new Promise((r) => setTimeout(r, 250));
  }
}
