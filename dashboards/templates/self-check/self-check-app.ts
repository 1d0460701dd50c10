import { UnitRegistry } from '../../../domain/unit-registry.js';
import type { Problem } from '../../../pipelines/parse/problem.js';
import { cellRange, columnLetters, type CellValue, type SheetRow } from '../../../sources/readers/reader.js';
import { reportLine } from '../../../pipelines/parse/report-text.js';
import { checkFile, reportLists, type CheckResult, type ShownSheet } from './check-file.js';

/**
 * The self-check page in the browser (bundled by `self-check-page.ts`): a clerk drops a filled
 * workbook or CSV on it (or picks one), and it is read and checked by the nightly run's own readers
 * and parser (`check-file.ts`). Everything shown is built with `textContent`: a cell may hold
 * `<script>`, and it is shown as text. Nothing leaves the machine.
 */

/** Data the page builder puts into the page. */
interface PageData {
  readonly units: ConstructorParameters<typeof UnitRegistry>[0];
}

const data = JSON.parse(document.getElementById('firestat-data')?.textContent ?? '{}') as PageData;
const registry = new UnitRegistry(data.units);
const main = document.querySelector('main') as HTMLElement;
const results = document.getElementById('results') as HTMLElement;
const drop = document.getElementById('drop') as HTMLElement;
const input = document.getElementById('file') as HTMLInputElement;
let checks = 0;

/** Columns shown of a sheet (a report is far narrower). */
const MAX_SHOWN_COLUMNS = 80;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string | undefined)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) if (c !== undefined) node.append(c);
  return node;
}

async function checkAll(files: readonly File[]): Promise<void> {
  if (files.length === 0) return;
  main.dataset.busy = 'true';
  results.replaceChildren(el('p', { class: 'working' }, `正在检查 ${files.map((f) => f.name).join('、')} ……`));
  // Let the browser paint "正在检查" before the (synchronous stretches of the) check start.
  await new Promise((resolve) => setTimeout(resolve, 30));
  const cards: HTMLElement[] = [];
  for (const file of files) {
    let card: HTMLElement;
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      card = resultCard(await checkFile(file.name, bytes, registry));
    } catch (e) {
      card = failureCard(file.name, e);
    }
    cards.push(card);
  }
  results.replaceChildren(...cards);
  checks++;
  main.dataset.checks = String(checks);
  delete main.dataset.busy;
  cards[0]?.scrollIntoView({ behavior: 'smooth', block: 'start' });
}

function failureCard(fileName: string, e: unknown): HTMLElement {
  return el(
    'article',
    { class: 'result stopped', 'data-verdict': 'failed', 'data-file': fileName },
    el('h2', {}, fileName),
    el('p', { class: 'verdict' }, '检查时出错，未能得出结论'),
    el('p', {}, `本页程序出错：${e instanceof Error ? e.message : String(e)}。请把文件照常报送，由区消防救援局处理。`),
  );
}

const severityName: Record<string, string> = { error: '问题', warning: '提醒', notice: '说明' };

function resultCard(r: CheckResult): HTMLElement {
  const { errors, others, technical } = reportLists(r.fileName, r.problems, r.omitted);
  const card = el('article', {
    class: `result ${r.verdict}`,
    'data-verdict': r.verdict,
    'data-file': r.fileName,
    'data-unit': r.unit ?? '',
    'data-period': r.period ?? '',
    'data-form': r.form?.code ?? '',
    'data-rows': String(r.rows),
  });
  card.append(el('h2', {}, r.fileName));
  if (r.verdict === 'ok') {
    card.append(el('p', { class: 'verdict' }, '✓ 可以报送'));
    card.append(el('p', { class: 'hint' }, '检查结果与区消防救援局入库时的检查相同。入库时还会核对本期是否已报过重叠期间的文件。'));
  } else if (r.verdict === 'refused') {
    card.append(el('p', { class: 'verdict' }, `✗ 不能报送：请改正下面 ${errors.length + r.omitted} 处问题后再报送`));
  } else {
    card.append(el('p', { class: 'verdict' }, '检查未完成：文件读取用时过长'));
    card.append(el('p', { class: 'hint' }, '这不说明文件有错。请把文件照常报送，或拆成较小的文件后再检查。'));
  }
  card.append(summary(r));
  if (r.verdict === 'ok' && r.totals.length > 0) card.append(totalsTable(r));
  if (errors.length > 0) {
    card.append(el('h3', {}, '需要改正的问题'));
    const list = el('ol', { class: 'problems' });
    for (const p of errors) list.append(problemItem(p, r));
    card.append(list);
    if (r.omitted > 0) card.append(el('p', {}, `……另有 ${r.omitted} 处问题未列出，改正上述问题后请整体检查一遍。`));
    if (errors.some((p) => p.code === 'incomplete' || p.code === 'unit_unknown' || p.code === 'period_unknown')) {
      card.append(
        el(
          'p',
          { class: 'hint' },
          '本页只看文件名和表格里写的内容，看不到文件所在的文件夹。请在表格标题（如“龙兴镇2024年第一季度……”）或文件名中写明单位和期间。',
        ),
      );
    }
  }
  if (others.length > 0) {
    card.append(el('h3', {}, r.verdict === 'refused' ? '其他提示（不影响入库）' : '其他提示'));
    const list = el('ul', { class: 'notes' });
    for (const p of others) list.append(problemItem(p, r));
    card.append(list);
  }
  if (technical.length > 0) {
    const details = el('details', { class: 'technical' }, el('summary', {}, '技术信息（供统计人员核对，填报人不必理会）'));
    const list = el('ul', {});
    for (const t of technical) list.append(el('li', {}, t));
    details.append(list);
    card.append(details);
  }
  for (const sheet of r.sheets) card.append(sheetTable(sheet, r));
  return card;
}

function summary(r: CheckResult): HTMLElement {
  const dl = el('dl', { class: 'summary' });
  const row = (k: string, v: string | undefined): void => {
    if (v === undefined) return;
    dl.append(el('dt', {}, k), el('dd', {}, v));
  };
  row('报表', r.form ? `${r.form.code} ${r.form.name}` : undefined);
  row('单位', r.unit);
  row('期间', r.period);
  if (r.form) row('数据行数', `${r.rows} 行`);
  return dl;
}

function totalsTable(r: CheckResult): HTMLElement {
  const body = el('tbody');
  for (const t of r.totals) {
    body.append(
      el(
        'tr',
        { 'data-field': t.field, 'data-total': String(t.total) },
        el('th', {}, t.label),
        el('td', { class: 'num' }, `${t.total.toLocaleString('zh-CN')}${t.unit ? ` ${t.unit}` : ''}`),
      ),
    );
  }
  return el(
    'section',
    { class: 'totals' },
    el('h3', {}, `各栏合计（${r.rows} 行相加，请与纸质报表核对）`),
    el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, '栏目'), el('th', {}, '合计'))), body),
  );
}

/** Where a problem's cell is in the shown tables, or undefined. */
function anchorOf(p: Problem, r: CheckResult): string | undefined {
  if (!p.cell) return undefined;
  const sheet = sheetOf(p, r);
  const range = cellRange(p.cell);
  if (!sheet || !range) return undefined;
  return cellId(r, sheet, range.r1, range.c1);
}

/** The shown sheet a problem belongs to: its own, or the only one (a CSV's problems name no sheet). */
function sheetOf(p: Problem, r: CheckResult): ShownSheet | undefined {
  if (p.sheet !== undefined) return r.sheets.find((s) => s.name === p.sheet);
  return r.sheets.length === 1 ? r.sheets[0] : undefined;
}

/** Each card's prefix for the ids of its marked cells. */
const cardIds = new WeakMap<CheckResult, number>();
let cards = 0;

function cellId(r: CheckResult, sheet: ShownSheet, row: number, column: number): string {
  let card = cardIds.get(r);
  if (card === undefined) {
    card = ++cards;
    cardIds.set(r, card);
  }
  return `cell-${card}-${r.sheets.indexOf(sheet)}-${row}-${column}`;
}

function problemItem(p: Problem, r: CheckResult): HTMLElement {
  const item = el('li', {
    class: `problem ${p.severity}`,
    'data-severity': p.severity,
    'data-code': p.code,
    'data-sheet': p.sheet ?? '',
    'data-cell': p.cell ?? '',
  });
  const line = el('span', { class: 'line' }, reportLine(p));
  const anchor = anchorOf(p, r);
  if (anchor) {
    const link = el('a', { href: `#${anchor}`, class: 'goto' }, `查看 ${p.cell}`);
    item.append(line, ' ', link);
  } else item.append(line);
  if (p.severity !== 'error') item.prepend(el('span', { class: 'tag' }, severityName[p.severity] ?? ''));
  return item;
}

function cellText(v: CellValue | undefined): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) {
    const d = v.toISOString();
    return d.endsWith('T00:00:00.000Z') ? d.slice(0, 10) : `${d.slice(0, 10)} ${d.slice(11, 19)}`;
  }
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  return String(v);
}

function sheetTable(sheet: ShownSheet, r: CheckResult): HTMLElement {
  // Marked cells: every problem located in this sheet, errors over the rest.
  const marks = new Map<string, { severity: string; lines: string[] }>();
  for (const p of r.problems) {
    if (!p.cell || sheetOf(p, r) !== sheet) continue;
    const range = cellRange(p.cell);
    if (!range) continue;
    for (let row = range.r1; row <= Math.min(range.r2, range.r1 + 200); row++) {
      for (let col = range.c1; col <= Math.min(range.c2, range.c1 + 50); col++) {
        const key = `${row}:${col}`;
        const m = marks.get(key) ?? { severity: p.severity, lines: [] };
        if (p.severity === 'error') m.severity = 'error';
        else if (m.severity === 'notice' && p.severity === 'warning') m.severity = 'warning';
        m.lines.push(reportLine(p));
        marks.set(key, m);
      }
    }
  }
  let width = 0;
  for (const row of sheet.rows) width = Math.max(width, row.cells.length);
  for (const key of marks.keys()) width = Math.max(width, Number(key.split(':')[1]));
  width = Math.min(Math.max(width, 1), MAX_SHOWN_COLUMNS);
  const head = el('tr', {}, el('th', { class: 'corner' }));
  for (let c = 1; c <= width; c++) head.append(el('th', {}, columnLetters(c)));
  const body = el('tbody');
  const rowsByNumber = new Map<number, SheetRow>(sheet.rows.map((row) => [row.rowNumber, row]));
  // The rows read, and marked cells' rows among them that the file left empty (within what was read).
  const lastRead = sheet.rows.at(-1)?.rowNumber ?? 0;
  const numbers = new Set(rowsByNumber.keys());
  for (const key of marks.keys()) {
    const n = Number(key.split(':')[0]);
    if (n <= lastRead) numbers.add(n);
  }
  for (const n of [...numbers].sort((a, b) => a - b)) {
    const row = rowsByNumber.get(n);
    const tr = el('tr', {}, el('th', {}, String(n)));
    for (let c = 1; c <= width; c++) {
      const mark = marks.get(`${n}:${c}`);
      const td = el('td', {}, cellText(row?.cells[c - 1]));
      if (typeof row?.cells[c - 1] === 'number') td.classList.add('num');
      if (mark) {
        td.classList.add(`mark-${mark.severity}`);
        td.id = cellId(r, sheet, n, c);
        td.title = mark.lines.join('\n');
        td.setAttribute('data-cell', `${columnLetters(c)}${n}`);
      }
      tr.append(td);
    }
    body.append(tr);
  }
  const caption = `工作表“${sheet.name}”（读到 ${sheet.rows.length + sheet.moreRows} 行${sheet.moreRows ? `，只显示前 ${sheet.rows.length} 行` : ''}）`;
  return el(
    'section',
    { class: 'sheet', 'data-sheet': sheet.name },
    el('h3', {}, caption),
    el('div', { class: 'scroll' }, el('table', { class: 'grid' }, el('thead', {}, head), body)),
  );
}

// Anywhere on the page a file may be dropped; a drop outside the zone must not open the file in the browser instead.
for (const type of ['dragenter', 'dragover']) {
  document.addEventListener(type, (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
}
document.addEventListener('dragleave', (event) => {
  if ((event as DragEvent).relatedTarget === null) drop.classList.remove('over');
});
document.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  const files = [...((event as DragEvent).dataTransfer?.files ?? [])];
  void checkAll(files);
});
input.addEventListener('change', () => {
  const files = [...(input.files ?? [])];
  input.value = '';
  void checkAll(files);
});
main.dataset.ready = 'true';
