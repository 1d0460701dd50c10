import { join } from 'node:path';
import { forms } from '../../domain/forms/index.js';
import { writeFileAtomic } from '../../domain/atomic-write.js';
import { escapeHtml } from '../../domain/html-text.js';
import { shanghaiDate, shanghaiTimestamp } from '../../domain/clock.js';
import type { Redactor } from '../../domain/redact.js';
import { checkedAsOf } from '../as-of.js';
import { loadRedactor } from '../personal-data.js';
import { queryRows } from '../query.js';
import type { Warehouse } from '../warehouse.js';
import { groupTitles, readCatalog, schemaVersion, sqlIdent, type CatalogColumn, type CatalogRelation, type RelationGroup } from './catalog.js';

/** Shown instead of an example for a column whose comment marks personal data. */
export const PERSONAL_EXAMPLE = '（个人信息，不显示示例）';
/** Shown instead of an example for a free-text column that may quote people's names. */
export const FREE_TEXT_EXAMPLE = '（自由文本，可能含人名，不显示示例）';

/**
 * Free-text columns whose examples are withheld, by column name (in whichever table or view they
 * appear). They are not marked personal in the schema, but they hold what someone typed or quote
 * it, so a name can turn up in them (DESIGN.md: "names of people in notes are personal data"):
 *
 * - `found` (submission_problems): the cell value at fault, verbatim — can be a 当事人 cell;
 * - `message` (submission_problems, findings) and `reason` (submissions, submission_status):
 *   explanations that quote the value at fault or a hazard description;
 * - every form field declared `freeText` (in its table and its views): inspectors' and reviewers'
 *   notes (隐患描述, 问题描述), 被检查单位 (often a 个体工商户 named after its owner), 违法行为 (a
 *   narrative that can name the party).
 *
 * Columns with a closed vocabulary or a code (`category`, `status`, `penalty_kind`, `case_no`, …)
 * keep their examples. Whatever the column, the values in the warehouse are not changed.
 */
const FREE_TEXT_COLUMNS: ReadonlySet<string> = new Set([
  'found',
  'message',
  'reason',
  ...forms.flatMap((f) => f.fields.filter((x) => x.freeText).map((x) => x.id)),
]);

/** A personal-data column to name as the example in the preamble: the first a form declares (`l1_cases.party 当事人`). */
const personalExample = (() => {
  for (const form of forms) for (const f of form.fields) if (f.personal) return `（如 ${form.table}.${f.id} ${f.label}）`;
  return '';
})();

/** Why a column shows no example, or undefined when it may show one. */
function withheldExample(column: CatalogColumn): string | undefined {
  if (column.personal) return PERSONAL_EXAMPLE;
  if (FREE_TEXT_COLUMNS.has(column.name)) return FREE_TEXT_EXAMPLE;
  return undefined;
}

/** A column in the dictionary. */
interface DictionaryColumn extends CatalogColumn {
  /** First non-null value, as text (shortened); null when the column has no value yet. */
  readonly example: string | null;
  /** Set when the example is withheld: the text shown instead. */
  readonly withheld?: string;
}

/** A table or view in the dictionary. */
interface DictionaryRelation extends Omit<CatalogRelation, 'columns'> {
  readonly columns: readonly DictionaryColumn[];
  readonly rows: number | null;
}

/** Everything the data dictionary shows. */
export interface DataDictionary {
  /** When it was built, as an ISO instant; shown in Beijing time. */
  readonly generatedAt: string;
  readonly warehousePath: string;
  readonly schemaVersion: string | null;
  /** The 数据截至日 (`as_of`) the row counts and examples of {@link asOfViews} were computed for. */
  readonly asOf: string;
  /** Views whose rows depend on `as_of` (they read it, or read a view that does), in catalog order. */
  readonly asOfViews: readonly string[];
  readonly relations: readonly DictionaryRelation[];
}

/**
 * The views whose rows depend on the reference date: those whose SQL reads `getvariable('as_of')`,
 * and those that read one of them (`township_ranking` reads `submission_status`), as the warehouse
 * stores their SQL.
 */
async function asOfDependentViews(warehouse: Warehouse): Promise<Set<string>> {
  const { rows } = await queryRows(
    warehouse,
    `SELECT view_name AS name, sql FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal AND NOT temporary`,
  );
  const views = rows.map((r) => ({ name: String(r.name), sql: String(r.sql ?? '') }));
  const dependent = new Set(views.filter((v) => /getvariable\s*\(\s*'as_of'\s*\)/i.test(v.sql)).map((v) => v.name));
  const mentions = (sql: string, name: string) => new RegExp(`(?<![\\w.])(?:main\\.)?"?${name}"?(?![\\w])`, 'i').test(sql);
  for (let grew = true; grew; ) {
    grew = false;
    for (const v of views) {
      if (!dependent.has(v.name) && [...dependent].some((d) => mentions(v.sql.replace(/^CREATE VIEW\s+\S+\s+AS/i, ''), d))) {
        dependent.add(v.name);
        grew = true;
      }
    }
  }
  return dependent;
}

/**
 * Runs `body` with the session's `as_of` set to `asOf`, then puts back what was there (nothing, or
 * the date a caller had set).
 */
async function withAsOf<T>(warehouse: Warehouse, asOf: string, body: () => Promise<T>): Promise<T> {
  const before = (await queryRows(warehouse, `SELECT CAST(getvariable('as_of') AS VARCHAR) AS v`)).rows[0]?.v;
  await warehouse.duckdb.run('SET VARIABLE as_of = $1::DATE', [checkedAsOf(asOf)]);
  try {
    return await body();
  } finally {
    if (before == null) await warehouse.duckdb.run('RESET VARIABLE as_of');
    else await warehouse.duckdb.run('SET VARIABLE as_of = $1::DATE', [String(before)]);
  }
}

const EXAMPLE_MAX_CHARS = 40;
/** Rows read at once to find examples; columns still without one are asked for separately. */
const EXAMPLE_SCAN_ROWS = 200;

/** An example as shown: redacted like every published text (a path or 案件编号 can hold a name), then shortened. */
function exampleText(v: unknown, redactor: Redactor): string {
  const text = redactor.text(typeof v === 'object' ? JSON.stringify(v) : String(v));
  const flat = text.replace(/\s+/g, ' ').trim();
  const chars = [...flat];
  return chars.length > EXAMPLE_MAX_CHARS ? `${chars.slice(0, EXAMPLE_MAX_CHARS).join('')}…` : flat;
}

async function examples(warehouse: Warehouse, relation: CatalogRelation, redactor: Redactor): Promise<Map<string, string>> {
  // Withheld columns are never read at all.
  const wanted = relation.columns.filter((c) => withheldExample(c) === undefined).map((c) => c.name);
  const found = new Map<string, string>();
  if (!wanted.length) return found;
  const from = sqlIdent(relation.name);
  // Tables: the first rows loaded. Views have no order of their own: sorted, so the examples are
  // the same from one run to the next.
  const order = relation.kind === 'view' ? ' ORDER BY ALL' : '';
  const { rows } = await queryRows(warehouse, `SELECT ${wanted.map(sqlIdent).join(', ')} FROM ${from}${order} LIMIT ${EXAMPLE_SCAN_ROWS}`);
  for (const row of rows) {
    for (const c of wanted) if (!found.has(c) && row[c] != null) found.set(c, exampleText(row[c], redactor));
    if (found.size === wanted.length) return found;
  }
  if (rows.length < EXAMPLE_SCAN_ROWS) return found;
  for (const c of wanted.filter((x) => !found.has(x))) {
    const r = await queryRows(
      warehouse,
      `SELECT ${sqlIdent(c)} AS v FROM ${from} WHERE ${sqlIdent(c)} IS NOT NULL${relation.kind === 'view' ? ' ORDER BY 1' : ''} LIMIT 1`,
    );
    if (r.rows[0]?.v != null) found.set(c, exampleText(r.rows[0].v, redactor));
  }
  return found;
}

/**
 * Reads the catalog, row counts and example values from the warehouse. The views that depend on
 * the reference date are read as of `options.asOf`, else the date the session has set
 * (`SET VARIABLE as_of`), else the Beijing date of `generatedAt` — as `firestat build` picks the
 * pages' date.
 */
export async function buildDataDictionary(warehouse: Warehouse, options: { generatedAt?: string; asOf?: string } = {}): Promise<DataDictionary> {
  const generatedAt = options.generatedAt ?? new Date().toISOString();
  const set = (await queryRows(warehouse, `SELECT CAST(try_cast(getvariable('as_of') AS DATE) AS VARCHAR) AS v`)).rows[0]?.v;
  const asOf = options.asOf ?? (set == null ? shanghaiDate(new Date(generatedAt)) : String(set));
  return withAsOf(warehouse, asOf, () => readDictionary(warehouse, generatedAt, asOf));
}

async function readDictionary(warehouse: Warehouse, generatedAt: string, asOf: string): Promise<DataDictionary> {
  const relations: DictionaryRelation[] = [];
  const redactor = await loadRedactor(warehouse);
  const dependent = await asOfDependentViews(warehouse);
  for (const relation of await readCatalog(warehouse)) {
    const ex = await examples(warehouse, relation, redactor);
    const count = await queryRows(warehouse, `SELECT count(*) AS n FROM ${sqlIdent(relation.name)}`);
    const n = count.rows[0]?.n;
    relations.push({
      ...relation,
      rows: typeof n === 'number' ? n : n == null ? null : Number(n),
      columns: relation.columns.map((c) => {
        const withheld = withheldExample(c);
        return withheld ? { ...c, example: null, withheld } : { ...c, example: ex.get(c.name) ?? null };
      }),
    });
  }
  return {
    generatedAt,
    warehousePath: warehouse.path,
    schemaVersion: await schemaVersion(warehouse),
    asOf,
    asOfViews: relations.filter((r) => r.kind === 'view' && dependent.has(r.name)).map((r) => r.name),
    relations,
  };
}

const NO_VALUE = '（暂无数据）';
const NO_COMMENT = '（无说明）';
const groupOrder: readonly RelationGroup[] = ['core', 'fact', 'view', 'other'];

function groups(d: DataDictionary): [RelationGroup, DictionaryRelation[]][] {
  return groupOrder.map((g) => [g, d.relations.filter((r) => r.group === g)] as [RelationGroup, DictionaryRelation[]]).filter(([, rs]) => rs.length > 0);
}

const kindName = (r: DictionaryRelation) => (r.kind === 'view' ? '视图' : '表');

/** `3 行`, and for a view that depends on the reference date, the date it was counted for. */
function rowsText(d: DataDictionary, r: DictionaryRelation): string {
  if (r.rows == null) return '';
  return d.asOfViews.includes(r.name) ? `${r.rows} 行（按数据截至日 ${d.asOf} 计）` : `${r.rows} 行`;
}

/** An ISO instant as Beijing wall time: `2024-04-20 10:00:00（北京时间）`. */
function beijingTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${shanghaiTimestamp(date)}（北京时间）`;
}

function preamble(d: DataDictionary): string[] {
  return [
    '每个表和视图的中文说明，以及每列的名称、类型、中文说明和一个示例值。',
    '示例值是该列在数据仓库中的第一个非空值（表按装入顺序，视图按各列排序；过长的截断）。',
    `说明中带“个人信息”的列${personalExample}不显示示例：${PERSONAL_EXAMPLE}；`,
    `可能含人名的自由文本列（${[...FREE_TEXT_COLUMNS].join('、')}）也不显示示例：${FREE_TEXT_EXAMPLE}。`,
    ...(d.asOfViews.length
      ? [
          `${d.asOfViews.join('、')} 随数据截至日 as_of 变化，本字典中它们的行数和示例按数据截至日 ${d.asOf} 计；查询时默认为北京时间今天（与 firestat build 生成页面时相同），要按另一日期查看，用 firestat sql --as-of YYYY-MM-DD，或先执行 SET VARIABLE as_of = DATE 'YYYY-MM-DD'。`,
        ]
      : []),
  ];
}

/** Escapes text for a Markdown table cell (no raw HTML, no column breaks). */
function mdCell(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function exampleCell(c: DictionaryColumn): string {
  return c.withheld ?? c.example ?? NO_VALUE;
}

/** The dictionary as Markdown. */
export function dataDictionaryMarkdown(d: DataDictionary): string {
  const out: string[] = [
    '# firestat 数据字典',
    '',
    `生成时间：${beijingTime(d.generatedAt)}　数据截至：${d.asOf}　数据仓库：${mdCell(d.warehousePath)}　结构版本：${d.schemaVersion ?? '未知'}`,
    '',
    ...preamble(d).map((l) => `> ${mdCell(l)}`),
    '',
    '## 目录',
    '',
  ];
  for (const [g, rs] of groups(d)) {
    out.push(`- ${groupTitles[g]}：${rs.map((r) => `[\`${r.name}\`](#${r.name})`).join('、')}`);
  }
  for (const [g, rs] of groups(d)) {
    out.push('', `## ${groupTitles[g]}`);
    for (const r of rs) {
      out.push(
        '',
        `### ${r.name}`,
        '',
        `${kindName(r)}，${rowsText(d, r)}。${mdCell(r.comment ?? NO_COMMENT)}`,
        '',
        '| 列 | 类型 | 说明 | 示例 |',
        '| --- | --- | --- | --- |',
      );
      for (const c of r.columns) {
        out.push(`| \`${c.name}\` | ${mdCell(c.type)} | ${mdCell(c.comment ?? NO_COMMENT)} | ${mdCell(exampleCell(c))} |`);
      }
    }
  }
  return `${out.join('\n')}\n`;
}

const css = `
body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC",sans-serif;margin:0;color:#1f2328;background:#fff;line-height:1.55}
main{max-width:1180px;margin:0 auto;padding:24px 28px 64px}
h1{font-size:26px;margin:8px 0 4px}h2{font-size:21px;margin:36px 0 8px;padding-bottom:4px;border-bottom:2px solid #c0392b}
h3{font-size:17px;margin:26px 0 4px;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.meta{color:#57606a;font-size:13px}.note{background:#f6f8fa;border-left:4px solid #c0392b;padding:8px 14px;font-size:14px;margin:14px 0}
nav ul{padding-left:18px}nav li{margin:4px 0}nav a{margin-right:10px;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}
.desc{margin:2px 0 8px}.kind{display:inline-block;font-size:12px;padding:0 6px;border-radius:3px;background:#eef2f7;color:#24476b;margin-right:6px}
table{border-collapse:collapse;width:100%;table-layout:fixed;font-size:13.5px;margin-bottom:6px}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f6f8fa}th:nth-child(1){width:20%}th:nth-child(2){width:13%}th:nth-child(4){width:25%}td.name,td.type{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
td.withheld,td.none{color:#8c959f}tr.personal td.name{color:#b3261e}
@media print{h2{page-break-before:always}nav{display:none}}
`.trim();

/** The dictionary as one self-contained HTML page (inline CSS, no scripts, every text escaped). */
function dataDictionaryHtml(d: DataDictionary): string {
  const e = escapeHtml;
  const parts: string[] = [
    '<!DOCTYPE html>',
    '<html lang="zh-CN">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>firestat 数据字典</title>',
    `<style>${css}</style>`,
    '</head>',
    '<body>',
    '<main>',
    '<h1>firestat 数据字典</h1>',
    `<p class="meta">生成时间：${e(beijingTime(d.generatedAt))}　数据截至：${e(d.asOf)}　数据仓库：${e(d.warehousePath)}　结构版本：${e(d.schemaVersion ?? '未知')}</p>`,
    `<div class="note">${preamble(d).map(e).join('<br>')}</div>`,
    '<nav><h2>目录</h2><ul>',
  ];
  for (const [g, rs] of groups(d)) {
    parts.push(`<li>${e(groupTitles[g])}：${rs.map((r) => `<a href="#${e(r.name)}">${e(r.name)}</a>`).join('')}</li>`);
  }
  parts.push('</ul></nav>');
  for (const [g, rs] of groups(d)) {
    parts.push(`<h2>${e(groupTitles[g])}</h2>`);
    for (const r of rs) {
      parts.push(
        `<section id="${e(r.name)}">`,
        `<h3>${e(r.name)}</h3>`,
        `<p class="desc"><span class="kind">${e(kindName(r))}${r.rows == null ? '' : ` · ${e(rowsText(d, r))}`}</span>${e(r.comment ?? NO_COMMENT)}</p>`,
        '<table><thead><tr><th>列</th><th>类型</th><th>说明</th><th>示例</th></tr></thead><tbody>',
      );
      for (const c of r.columns) {
        const cls = c.withheld ? 'withheld' : c.example == null ? 'none' : 'example';
        parts.push(
          `<tr${c.personal ? ' class="personal"' : ''}><td class="name">${e(c.name)}</td><td class="type">${e(c.type)}</td><td>${e(c.comment ?? NO_COMMENT)}</td><td class="${cls}">${e(exampleCell(c))}</td></tr>`,
        );
      }
      parts.push('</tbody></table>', '</section>');
    }
  }
  parts.push('</main>', '</body>', '</html>');
  return `${parts.join('\n')}\n`;
}

/** What {@link writeDataDictionary} wrote. */
export interface DocsResult {
  readonly files: readonly string[];
  readonly dictionary: DataDictionary;
}

/**
 * Writes the data dictionary as `data-dictionary.md` and `data-dictionary.html` into `outDir`
 * (each through a temporary file and a rename, so a reader never sees half a file).
 */
export async function writeDataDictionary(options: { warehouse: Warehouse; outDir: string; generatedAt?: string; asOf?: string }): Promise<DocsResult> {
  const dictionary = await buildDataDictionary(options.warehouse, {
    ...(options.generatedAt ? { generatedAt: options.generatedAt } : {}),
    ...(options.asOf ? { asOf: options.asOf } : {}),
  });
  const md = join(options.outDir, 'data-dictionary.md');
  const html = join(options.outDir, 'data-dictionary.html');
  await writeFileAtomic(md, dataDictionaryMarkdown(dictionary));
  await writeFileAtomic(html, dataDictionaryHtml(dictionary));
  return { files: [md, html], dictionary };
}
