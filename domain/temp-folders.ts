/**
 * firestat's folders in the system's temporary directory: a GB18030 CSV's UTF-8 copy
 * (`firestat-csv-`), a streamed workbook's spool (`firestat-xlsx-`), an accepted file's scratch copy
 * (`firestat-accept-`). Each is removed by the code that made it; one left by a process or thread
 * that died (a copy can be a few hundred MB) is removed by the next run once it is a day old — no
 * run lasts that long, so it is nobody's any more.
 *
 * @module
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The prefixes of the temporary folders firestat makes (each maker takes its own from here). */
export const tempFolderPrefix = { csv: 'firestat-csv-', xlsx: 'firestat-xlsx-', accept: 'firestat-accept-' } as const;

/** How old a folder must be before a run takes it for left behind. */
export const staleTempAgeMs = 24 * 60 * 60 * 1000;

/** Removes firestat's temporary folders last changed more than a day before `now`; returns their names. */
export async function sweepStaleTempFolders(now: Date, dir = tmpdir()): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!Object.values(tempFolderPrefix).some((p) => name.startsWith(p))) continue;
    const path = join(dir, name);
    try {
      const s = await stat(path);
      if (!s.isDirectory() || now.getTime() - s.mtimeMs <= staleTempAgeMs) continue;
      await rm(path, { recursive: true, force: true });
      removed.push(name);
    } catch {
      /* gone meanwhile, or not ours to remove: the next run looks again */
    }
  }
  return removed;
}
