import { basename, join } from 'node:path';
import type { Problem } from '../parse/problem.js';
import { locationText } from '../parse/problem.js';
import { writeFileAtomic } from '../../domain/atomic-write.js';

/** What a refusal report says about the file. */
export interface RefusalReportInput {
  readonly submissionId: number;
  readonly path: string;
  readonly receivedAt: string;
  readonly formName?: string;
  readonly unit?: string;
  readonly period?: string;
  readonly problems: readonly Problem[];
  readonly omitted: number;
}

/** One line per problem, located: `工作表“Sheet1” C5 单元格：…`. */
export function problemLine(p: Problem): string {
  const named = p.sheet !== undefined && p.message.includes(`工作表“${p.sheet}”`);
  const where = locationText({ ...(p.sheet && !named ? { sheet: p.sheet } : {}) });
  return where ? `${where}：${p.message}` : p.message;
}

/** The short reason stored in `submissions.reason`: the first problems, then how many more. */
export function refusalReason(problems: readonly Problem[], omitted: number): string {
  const errors = problems.filter((p) => p.severity === 'error');
  const shown = errors.slice(0, 3).map(problemLine);
  const more = errors.length - shown.length + omitted;
  return shown.join('；') + (more > 0 ? `；另有 ${more} 处问题，详见退回说明` : '');
}

/** The Chinese report written beside the warehouse for a refused file. */
export function refusalReportText(r: RefusalReportInput): string {
  const errors = r.problems.filter((p) => p.severity === 'error');
  const others = r.problems.filter((p) => p.severity !== 'error');
  const lines = [
    '报送文件退回说明',
    '',
    `文件：${r.path}`,
    `收到时间：${r.receivedAt}`,
    ...(r.formName ? [`报表：${r.formName}`] : []),
    ...(r.unit ? [`单位：${r.unit}`] : []),
    ...(r.period ? [`期间：${r.period}`] : []),
    `编号：${r.submissionId}`,
    '',
    `结论：本文件未入库。请改正以下 ${errors.length + r.omitted} 处问题后重新报送（原文件已保留，不需要重复报送其他文件）。`,
    '',
    ...errors.map((p, i) => `${i + 1}. ${problemLine(p)}`),
    ...(r.omitted > 0 ? [`……另有 ${r.omitted} 处问题未列出，改正上述问题后请整体检查一遍。`] : []),
    ...(others.length ? ['', '其他提示：', ...others.map((p) => `- ${problemLine(p)}`)] : []),
    '',
  ];
  return lines.join('\n');
}

/** Writes the report under `dir` and returns its path. */
export async function writeRefusalReport(dir: string, r: RefusalReportInput): Promise<string> {
  const safe = basename(r.path).replace(/[^\p{L}\p{N}._-]+/gu, '_').slice(0, 80);
  const file = join(dir, `${String(r.submissionId).padStart(6, '0')}-${safe}.txt`);
  await writeFileAtomic(file, refusalReportText(r));
  return file;
}
