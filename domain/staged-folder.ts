import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { processStartTicks, sameProcessAlive } from './process-identity.js';

/**
 * A folder that is replaced whole: everything is written into a staging folder beside it
 * (`.out.staging-<pid>-<start>-<random>`, on the same file system), which is renamed into place at
 * the end. A reader sees the previous folder or the new one, never a mix; a process that dies (kill
 * -9, full disk) leaves the previous folder as it was, and its staging folder is cleaned up by the
 * next one. Used by `firestat build`/`run` for the outputs and by the Parquet export.
 *
 * The swap is two renames (the old folder aside, the new one in): between them the folder is
 * briefly absent. A process killed exactly there is rolled back by the next {@link stageFolder} or
 * {@link recoverStaleStaging} for the same target.
 */
export interface StagedFolder {
  /** The staging folder. */
  readonly path: string;
  /** The folder it will replace (absolute). */
  readonly target: string;
  /** Writes a file into the staging folder (`rel` may contain folders). */
  write(rel: string, content: string | Uint8Array): Promise<void>;
  /**
   * Renames the staging folder into place. `keep(name)` selects top-level entries of the previous
   * folder that are carried into the new one (when it has no entry of that name), e.g. a Parquet
   * export that someone put inside the output folder.
   */
  commit(keep?: (name: string) => boolean): Promise<void>;
  /** Removes the staging folder (after a failure). */
  discard(): Promise<void>;
}

const STAGING = '.staging-';

function prefix(target: string): string {
  return `.${basename(target)}${STAGING}`;
}

/**
 * Test hook: `FIRESTAT_FAULT_WRITE=ENOSPC@3` makes the third staged write of this process (and
 * every one after it) fail with ENOSPC; `KILL@3` kills the process with SIGKILL there instead.
 */
let staged = 0;
function injectedFault(file: string): NodeJS.ErrnoException | undefined {
  const spec = /^([A-Z]+)@(\d+)$/.exec(process.env.FIRESTAT_FAULT_WRITE ?? '');
  if (!spec || ++staged < Number(spec[2])) return undefined;
  if (spec[1] === 'KILL') process.kill(process.pid, 'SIGKILL');
  const e: NodeJS.ErrnoException = new Error(`${spec[1]}: injected fault, write '${file}'`);
  e.code = spec[1];
  e.syscall = 'write';
  e.path = file;
  return e;
}

/** Creates a staging folder for `target` after cleaning up those of processes that died. */
export async function stageFolder(targetArg: string): Promise<StagedFolder> {
  const target = resolve(targetArg);
  await mkdir(dirname(target), { recursive: true });
  await recoverStaleStaging(target);
  const path = join(dirname(target), `${prefix(target)}${process.pid}-${processStartTicks(process.pid) ?? '0'}-${randomBytes(4).toString('hex')}`);
  await mkdir(path);
  let done = false;
  return {
    path,
    target,
    async write(rel, content) {
      const file = join(path, rel);
      await mkdir(dirname(file), { recursive: true });
      const fault = injectedFault(file);
      if (fault) throw fault;
      try {
        await writeFile(file, content);
      } catch (e) {
        // A failed write() names no file; say which one (for the Chinese line of the run's log).
        const err = e as NodeJS.ErrnoException;
        if (!err.path) err.path = file;
        throw err;
      }
    },
    async commit(keep) {
      if (done) throw new Error(`staging folder ${path} already committed or discarded`);
      done = true;
      await swapIntoPlace(path, target, keep);
    },
    async discard() {
      if (done) return;
      done = true;
      await rm(path, { recursive: true, force: true });
    },
  };
}

/**
 * Renames `staging` to `target`: an existing `target` is moved aside to `<staging>.old` (kept
 * entries carried over, listed first in `<staging>.carried` so a crash can be undone), then
 * `staging` takes its place and the old one is removed.
 */
async function swapIntoPlace(staging: string, target: string, keep?: (name: string) => boolean): Promise<void> {
  if (!existsSync(target)) {
    await rename(staging, target);
    return;
  }
  const old = `${staging}.old`;
  const journal = `${staging}.carried`;
  await rename(target, old);
  try {
    const carried = keep ? (await readdir(old)).filter((n) => keep(n) && !existsSync(join(staging, n))) : [];
    if (carried.length) {
      await writeFile(journal, JSON.stringify(carried));
      for (const n of carried) await rename(join(old, n), join(staging, n));
    }
    await rename(staging, target);
  } catch (e) {
    await rollBack(staging, old, journal, target);
    throw e;
  }
  await rm(journal, { force: true });
  await rm(old, { recursive: true, force: true });
}

/** Undoes a swap that did not finish: carried entries go back, the old folder back into place. */
async function rollBack(staging: string, old: string, journal: string, target: string): Promise<void> {
  let carried: string[] = [];
  try {
    carried = JSON.parse(await readFile(journal, 'utf8')) as string[];
  } catch {
    // Nothing was carried yet.
  }
  if (existsSync(old)) {
    for (const n of carried) {
      if (existsSync(join(staging, n)) && !existsSync(join(old, n))) await rename(join(staging, n), join(old, n));
    }
    if (!existsSync(target)) await rename(old, target);
    else await rm(old, { recursive: true, force: true });
  }
  await rm(staging, { recursive: true, force: true });
  await rm(journal, { force: true });
}

/**
 * Cleans up after processes that died while staging `target`: their staging folders are removed,
 * and a swap interrupted between its two renames is undone (the previous folder put back). Also
 * removes the Parquet export's temporary folders of earlier versions (`.<name>.tmp-<pid>-…`).
 * Staging folders of live processes are left alone. Returns the names removed or restored.
 */
export async function recoverStaleStaging(targetArg: string): Promise<string[]> {
  const target = resolve(targetArg);
  const dir = dirname(target);
  if (!existsSync(dir)) return [];
  const mine = prefix(target);
  const legacy = `.${basename(target)}.tmp-`;
  const cleaned: string[] = [];
  const bases = new Set<string>();
  for (const name of await readdir(dir)) {
    if (name.startsWith(mine)) {
      const m = /^(\d+)-(\d+)-[0-9a-f]+/.exec(name.slice(mine.length));
      if (m && sameProcessAlive(Number(m[1]), m[2])) continue;
      bases.add(name.replace(/\.(old|carried)$/, ''));
    } else if (name.startsWith(legacy)) {
      const m = /^(\d+)-[0-9a-f]+/.exec(name.slice(legacy.length));
      if (m && sameProcessAlive(Number(m[1]), undefined)) continue;
      bases.add(name.replace(/\.old$/, ''));
    }
  }
  for (const base of bases) {
    await rollBack(join(dir, base), join(dir, `${base}.old`), join(dir, `${base}.carried`), target);
    cleaned.push(base);
  }
  return cleaned;
}
