import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../domain/atomic-write.js';

/** `out/.firestat-build.json`: what the outputs were built from, so a run knows when they are stale. */
export const BUILD_STAMP = '.firestat-build.json';

/** The content of {@link BUILD_STAMP}. */
export interface BuildStamp {
  readonly format: 'firestat-build';
  /** The reference date the 调度 and overdue figures were computed for. */
  readonly asOf: string;
  readonly year: number;
  readonly generatedAt: string;
  /** Identity (inode, size, time) of the warehouse file built from, as published. */
  readonly warehouse: string | null;
}

/** Reads the stamp of an output folder (undefined when absent or unreadable). */
export async function readBuildStamp(outDir: string): Promise<BuildStamp | undefined> {
  try {
    const s = JSON.parse(await readFile(join(outDir, BUILD_STAMP), 'utf8')) as BuildStamp;
    return s.format === 'firestat-build' ? s : undefined;
  } catch {
    return undefined;
  }
}

/** The stamp as written into {@link BUILD_STAMP}: the one place its file text is made. */
export function buildStampText(stamp: BuildStamp): string {
  return `${JSON.stringify(stamp, null, 2)}\n`;
}

/**
 * Says that the outputs in `outDir`, left as they are, now describe the warehouse `warehouse`
 * (its identity): the stamp keeps its reference date and year. Outputs without a stamp stay without one.
 */
export async function restampBuild(outDir: string, warehouse: string | null): Promise<void> {
  const stamp = await readBuildStamp(outDir);
  if (stamp) await writeFileAtomic(join(outDir, BUILD_STAMP), buildStampText({ ...stamp, warehouse }));
}
