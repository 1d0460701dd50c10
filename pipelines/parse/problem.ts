import type { Problem } from '../../domain/problem.js';

export type { Problem, ProblemSource } from '../../domain/problem.js';

/** Most problems kept per file; a sheet full of one mistake should not bury the report. */
const maxProblemsPerFile = 500;

/** Collects a file's problems, keeping the first {@link maxProblemsPerFile} and counting the errors among the rest. */
export class ProblemList {
  readonly items: Problem[] = [];
  private omitted = 0;
  private errorCount = 0;

  add(problem: Problem): void {
    if (problem.severity === 'error') this.errorCount++;
    if (this.items.length < maxProblemsPerFile) this.items.push(problem);
    else if (problem.severity === 'error') this.omitted++;
  }

  get errors(): number {
    return this.errorCount;
  }

  get hasErrors(): boolean {
    return this.errorCount > 0;
  }

  /** Orders the problems kept since `start` (one row's, found stage by stage) by `compare`, stably. */
  sortFrom(start: number, compare: (a: Problem, b: Problem) => number): void {
    if (this.items.length - start < 2) return;
    const tail = this.items.splice(start).sort(compare);
    this.items.push(...tail);
  }

  /** Errors not kept because the list was full (the "另有 N 处问题" of a report; hints beyond it are dropped). */
  get omittedCount(): number {
    return this.omitted;
  }
}

/** `“龙兴镇.xlsx” 工作表“Sheet1” J4：` — where a problem is, as a prefix for a message. */
export function locationText(p: Pick<Problem, 'sheet' | 'cell'>): string {
  const parts: string[] = [];
  if (p.sheet) parts.push(`工作表“${p.sheet}”`);
  if (p.cell) parts.push(`${p.cell} 单元格`);
  return parts.join(' ');
}

/** Notices that only say how the file was decoded: for the statistician, never in the clerk's list. */
export const technicalNoticeCodes: ReadonlySet<string> = new Set(['encoding_detected']);

/**
 * Splits a reader's message into the clerk's sentence and its technical tail: a trailing
 * `（…）` holding a library's (Latin-script) message, or a `技术信息：…` tail. `文件已损坏。（End
 * of central directory record signature not found…）` → `文件已损坏。` + the English as detail.
 */
export function splitTechnical(text: string): { message: string; detail?: string } {
  let message = text;
  const details: string[] = [];
  const tail = /\s*技术信息[：:]\s*([\s\S]*)$/.exec(message);
  if (tail) {
    if (tail[1]!.trim()) details.push(tail[1]!.trim());
    message = message.slice(0, tail.index);
  }
  // A bracketed tail that is a library's text: mostly Latin letters, digits and punctuation.
  for (;;) {
    const group = trailingGroup(message);
    if (!group || (group.inner.trim() !== '' && !isTechnical(group.inner))) break;
    if (group.inner.trim()) details.unshift(group.inner.trim());
    message = message.slice(0, group.start).trimEnd() + (group.stop ? '。' : '');
  }
  // `文件无法打开：EACCES: permission denied, open '…'`: a Chinese head, then only the library's words.
  const colon = /^([\s\S]*?[\u4e00-\u9fff][^：]*)：\s*([^\u4e00-\u9fff]+)$/.exec(message.trimEnd());
  if (colon && isTechnical(colon[2]!)) {
    details.unshift(colon[2]!.trim());
    message = colon[1]!;
  }
  message = message.trimEnd();
  if (details.length === 0) return { message: message || text };
  if (!/[。！？”」]$/.test(message) && /[\u4e00-\u9fff]$/.test(message)) message += '。';
  return { message, detail: details.join('；') };
}

/** The bracketed group a text ends with (brackets nested inside it allowed), and a full stop after it. */
function trailingGroup(text: string): { start: number; inner: string; stop: boolean } | undefined {
  const m = /[）)]\s*([。.]?)\s*$/.exec(text);
  if (!m) return undefined;
  let depth = 0;
  for (let i = m.index; i >= 0; i--) {
    const c = text[i];
    if (c === '）' || c === ')') depth++;
    else if (c === '（' || c === '(') {
      depth--;
      if (depth === 0) return { start: i, inner: text.slice(i + 1, m.index), stop: m[1] !== '' };
    }
  }
  return undefined;
}

/** Mostly Latin script: a library's message, a path, an error code. */
function isTechnical(text: string): boolean {
  const t = text.trim();
  if (!t) return false;
  const latin = (t.match(/[A-Za-z]/g) ?? []).length;
  const han = (t.match(/[\u4e00-\u9fff]/g) ?? []).length;
  return latin >= 3 && latin > han * 2;
}
