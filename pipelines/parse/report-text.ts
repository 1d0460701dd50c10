import type { Problem } from './problem.js';
import { locationText, technicalNoticeCodes } from './problem.js';

/*
 * The words of a refusal, without any file system: the text report's lines, the short reason, the
 * report's name. Node-free, so the browser self-check shows exactly what the nightly run writes
 * (`pipelines/ingest/refusal-report.ts` writes it to disk).
 */

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
  /** File name of the marked-up copy written beside the report, when there is one. */
  readonly markedCopy?: string;
  /** Further technical lines (a marked-up copy that could not be written). */
  readonly technical?: readonly string[];
}

/** One line per problem, located: `工作表“Sheet1”：C5 单元格…`. Also the short reason and the marked copy's list. */
export function problemLine(p: Problem): string {
  const named = p.sheet !== undefined && p.message.includes(`工作表“${p.sheet}”`);
  const where = locationText({ ...(p.sheet && !named ? { sheet: p.sheet } : {}) });
  return where ? `${where}：${p.message}` : p.message;
}

/** Where outside the cells a problem is stated, in words: `（文件名）`. */
const sourceWords: Record<string, string> = { file_name: '文件名', folder_name: '文件夹名', sheet_name: '工作表名' };

/**
 * A problem as the report lists it: sheet, cell, field as the message names them, what was found
 * and what is expected (the message says both), then how to fix it. `工作表“一季度” C6 单元格“检查社会单位数”填的是 “十二”，应填写……。改正方法：……`
 */
export function reportLine(p: Problem): string {
  const namedSheet = p.sheet !== undefined && p.message.includes(`工作表“${p.sheet}”`);
  const sheet = p.sheet && !namedSheet ? `工作表“${p.sheet}”` : '';
  const cellWords = p.cell ? `${p.cell} 单元格` : '';
  let line: string;
  if (cellWords && p.message.startsWith(cellWords)) line = `${[sheet, cellWords].filter(Boolean).join(' ')}${p.message.slice(cellWords.length)}`;
  else {
    const cell = cellWords && !p.message.includes(cellWords) ? cellWords : '';
    const source = p.source && !cell && !p.message.includes(sourceWords[p.source]!) ? sourceWords[p.source]! : '';
    const where = [sheet, cell, source].filter(Boolean).join(' ');
    line = where ? `${where}：${p.message}` : p.message;
  }
  if (p.fix) line += `${/[。！？]$/.test(line) ? '' : '。'}改正方法：${p.fix}`;
  return line;
}

/** The short reason stored in `submissions.reason`: the first problems, then how many more. */
export function refusalReason(problems: readonly Problem[], omitted: number): string {
  const errors = problems.filter((p) => p.severity === 'error');
  const shown = errors.slice(0, 3).map(problemLine);
  const more = errors.length - shown.length + omitted;
  return shown.join('；') + (more > 0 ? `；另有 ${more} 处问题，详见退回说明` : '');
}

/** The technical lines of a report: each problem's detail (numbered as listed), then the extra ones. */
export function technicalLines(r: RefusalReportInput, errors: readonly Problem[], others: readonly Problem[]): string[] {
  const lines: string[] = [];
  errors.forEach((p, i) => {
    if (p.detail) lines.push(`第 ${i + 1} 条：${p.detail}`);
  });
  for (const p of others) if (p.detail) lines.push(technicalNoticeCodes.has(p.code) ? p.detail : `${problemLine(p)}：${p.detail}`);
  return [...lines, ...(r.technical ?? [])];
}

/**
 * The Chinese report for a refused file, as the clerk opens it (in Notepad): a UTF-8 byte order
 * mark and CRLF line ends. Every error in one list, each with sheet, cell, field, what was found,
 * what is expected and how to fix it; then other hints; the technical details (a library's own
 * words, how the file was decoded) last, under `技术信息`, for the statistician.
 */
export function refusalReportText(r: RefusalReportInput): string {
  const errors = r.problems.filter((p) => p.severity === 'error');
  const others = r.problems.filter((p) => p.severity !== 'error' && !technicalNoticeCodes.has(p.code));
  const technical = technicalLines(
    r,
    errors,
    r.problems.filter((p) => p.severity !== 'error'),
  );
  const lines = [
    '报送文件退回说明',
    '',
    `文件：${r.path}`,
    `收到时间：${r.receivedAt}`,
    ...(r.formName ? [`报表：${r.formName}`] : []),
    `单位：${r.unit ?? '未能确定'}`,
    `期间：${r.period ?? '未能确定'}`,
    `编号：${r.submissionId}`,
    '',
    `结论：本文件未入库。请改正以下 ${errors.length + r.omitted} 处问题后重新报送（原文件已保留，不需要重复报送其他文件）。`,
    ...(r.markedCopy ? [`同一文件夹中的“${r.markedCopy}”是您报送的表格的副本，需要改正的单元格已标成红色并附有批注，可对照修改。`] : []),
    '',
    ...errors.map((p, i) => `${i + 1}. ${reportLine(p)}`),
    ...(r.omitted > 0 ? [`……另有 ${r.omitted} 处问题未列出，改正上述问题后请整体检查一遍。`] : []),
    ...(others.length ? ['', '其他提示（不影响入库）：', ...others.map((p) => `- ${reportLine(p)}`)] : []),
    ...(technical.length ? ['', '技术信息（供统计人员核对，填报人不必理会）：', ...technical.map((t) => `- ${t}`)] : []),
    '',
  ];
  return `\uFEFF${lines.join('\r\n')}`;
}

/** Characters Windows does not allow in a file name, and control characters. */
const unsafeName = /[<>:"/\\|?*\u0000-\u001f]+/g;

/** `退回说明-龙兴镇-2024年第二季度.txt` (`未识别单位` / `期间不明` when unknown). */
export function reportFileName(unit: string | undefined, period: string | undefined): string {
  return `退回说明-${namePart(unit, '未识别单位')}-${namePart(period, '期间不明')}.txt`;
}

/** A unit or period as part of a file name: Windows-safe, short, `fallback` when empty. */
export function namePart(text: string | undefined, fallback: string): string {
  const safe = (text ?? '')
    .replace(unsafeName, '_')
    .replace(/[. ]+$/, '')
    .trim()
    .slice(0, 40);
  return safe || fallback;
}
