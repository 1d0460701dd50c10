import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../domain/atomic-write.js';
import { namePart, refusalReportText, reportFileName, type RefusalReportInput } from '../parse/report-text.js';

export { problemLine, refusalReason, refusalReportText, reportLine, type RefusalReportInput } from '../parse/report-text.js';

/**
 * The folder of one refused file's papers (its report and its marked-up copy), under the
 * reports folder: `000139-龙兴镇-2024年第二季度/`. The submission number makes it unique: two refused
 * files of one unit and period, on one night or on two, each get their own folder; should the
 * folder exist already (a warehouse started afresh numbers from 1 again) a `-2`, `-3` … is added.
 */
export function refusalFolder(dir: string, r: Pick<RefusalReportInput, 'submissionId' | 'unit' | 'period'>): string {
  const base = join(dir, `${String(r.submissionId).padStart(6, '0')}-${namePart(r.unit, '未识别单位')}-${namePart(r.period, '期间不明')}`);
  let folder = base;
  for (let n = 2; existsSync(folder); n++) folder = `${base}-${n}`;
  return folder;
}

/** Writes the report into `folder` (see {@link refusalFolder}) and returns its path. */
export async function writeRefusalReport(folder: string, r: RefusalReportInput): Promise<string> {
  const file = join(folder, reportFileName(r.unit, r.period));
  await writeFileAtomic(file, refusalReportText(r));
  return file;
}
