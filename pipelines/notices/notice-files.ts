import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { stageFolder } from '../../domain/staged-folder.js';
import type { NoticeSet } from './notices.js';

/** A written notice. */
interface WrittenNotice {
  /** The unit, or `未识别单位`. */
  readonly unit: string;
  readonly path: string;
  /** Refused files, missing forms and forms due soon it lists. */
  readonly refused: number;
  readonly missing: number;
  readonly upcoming: number;
}

/** What {@link writeNoticeSet} wrote. */
export interface WrittenNotices {
  /** The folder of the date. */
  readonly dir: string;
  readonly notices: readonly WrittenNotice[];
  /** The leader's summary. */
  readonly summary: string;
  /** Units with nothing to be told (no file). */
  readonly quiet: readonly string[];
}

/** The folder of one date's notices: `<reports>/催报通知/2024-07-08/`. */
export function noticesFolder(reportsDir: string, asOf: string): string {
  return join(reportsDir, '催报通知', asOf);
}

/** A folder that holds files other than notices (Chinese message). */
export class NoticeFolderError extends Error {
  override readonly name = 'NoticeFolderError';
}

/** Whether a file name is one {@link writeNoticeSet} writes. */
function isNoticeFile(name: string): boolean {
  return /^(催报通知|催报汇总)-.*\.txt$/.test(name);
}

/** A text as Notepad opens it and WeChat takes it: UTF-8 with a byte order mark, CRLF line ends. */
function notepadText(text: string): string {
  return `\uFEFF${text.split('\n').join('\r\n')}\r\n`;
}

/**
 * Writes the notices and the summary into `dir`, replacing the folder whole (written beside it,
 * renamed into place): a second run on the same day leaves that day's state, with no notice left
 * over for a unit that has nothing to be told any more.
 */
export async function writeNoticeSet(dir: string, set: NoticeSet): Promise<WrittenNotices> {
  // The folder is replaced whole: never one holding anything but notices (an `--out` pointing at a folder in use).
  const foreign = existsSync(dir) ? readdirSync(dir).filter((n) => !isNoticeFile(n)) : [];
  if (foreign.length)
    throw new NoticeFolderError(
      `目录 ${dir} 中有催报通知以外的文件（${foreign.slice(0, 3).join('、')}${foreign.length > 3 ? '…' : ''}），为免误删，请换一个目录`,
    );
  const staging = await stageFolder(dir);
  try {
    for (const n of set.notices) await staging.write(n.fileName, notepadText(n.text));
    await staging.write(set.summaryFileName, notepadText(set.summary));
    await staging.commit();
  } catch (e) {
    await staging.discard();
    throw e;
  }
  return {
    dir,
    notices: set.notices.map((n) => ({
      unit: n.unit,
      path: join(dir, n.fileName),
      refused: n.refused.length,
      missing: n.missing.length,
      upcoming: n.upcoming.length,
    })),
    summary: join(dir, set.summaryFileName),
    quiet: set.quiet,
  };
}
