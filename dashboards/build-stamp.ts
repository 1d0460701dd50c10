import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

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
