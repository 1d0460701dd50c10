import { migrations } from '../../warehouse/migrations/index.js';
/** The schema version a new warehouse has: the last migration. */
const latestMigration = Object.keys(migrations).sort().at(-1);
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FREE_TEXT_EXAMPLE,
  PERSONAL_EXAMPLE,
  buildDataDictionary,
  dataDictionaryMarkdown,
  writeDataDictionary,
  type DataDictionary,
} from '../../warehouse/docs/data-dictionary.js';
import { escapeHtml } from '../../domain/html-text.js';
import { queryRows } from '../../warehouse/query.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { l1Header, l2Header, t1Header, writeCsv } from '../support/csv-submissions.js';
import { memoryWarehouse, runIngest, tempDir } from '../support/ingest-helpers.js';

const at = (iso: string) => new Date(`${iso}T10:00:00+08:00`);
/** A case number with characters HTML must escape; case numbers keep their examples. */
const caseNo = '渝北龙兴消行罚决字〔2024〕<001>&号';

let warehouse: Warehouse;
let dir: string;
let md: string;
let html: string;
let dictionary: DataDictionary;

beforeAll(async () => {
  const inbox = tempDir();
  writeCsv(inbox, '2024Q1/龙兴镇/T1.csv', [t1Header, ['龙兴镇', '2024年第一季度', 50, 3, 2, 1, 0, 0, 0, 3, 2]], at('2024-04-08'));
  writeCsv(
    inbox,
    '2024Q1/龙兴镇/L1.csv',
    [
      l1Header,
      [
        caseNo,
        '龙兴镇',
        '赋权执法',
        '一般程序',
        '张某某',
        '个人',
        '张某某在其经营的门店占用疏散通道',
        '2024-02-01',
        '2024-03-01',
        '罚款',
        500,
        '是',
        '否',
        '是',
      ],
    ],
    at('2024-04-08'),
  );
  writeCsv(
    inbox,
    '2024Q1/龙兴镇/L2.csv',
    [l2Header, ['龙兴镇', '2024-03-01', '王某某烧烤店', '消防设施', '灭火器过期', '2024-04-30', '2024-03-20', '已整改']],
    at('2024-04-08'),
  );
  // Refused: a name typed into 当事人类型 — the problem's `found` holds it verbatim.
  writeCsv(
    inbox,
    '2024Q1/大湾镇/L1.csv',
    [
      l1Header,
      [
        '渝北大湾消行罚决字〔2024〕001号',
        '大湾镇',
        '赋权执法',
        '简易程序',
        '某公司',
        '李四某',
        '违规使用明火',
        '2024-02-01',
        '2024-02-01',
        '警告',
        '',
        '否',
        '否',
        '是',
      ],
    ],
    at('2024-04-08'),
  );
  warehouse = await memoryWarehouse();
  await runIngest(warehouse, inbox, join(inbox, '..', 'reports'), at('2024-04-20'));
  dir = tempDir();
  const result = await writeDataDictionary({ warehouse, outDir: dir, generatedAt: '2024-04-20T02:00:00.000Z' });
  expect(result.files).toEqual([join(dir, 'data-dictionary.md'), join(dir, 'data-dictionary.html')]);
  dictionary = result.dictionary;
  md = readFileSync(join(dir, 'data-dictionary.md'), 'utf8');
  html = readFileSync(join(dir, 'data-dictionary.html'), 'utf8');
});
afterAll(async () => {
  await warehouse.close();
});

describe('firestat docs: the data dictionary', () => {
  it('has every table and view with its comment, and every column with its type and comment', async () => {
    const relations = (
      await queryRows(
        warehouse,
        `SELECT table_name AS name, comment FROM duckdb_tables() WHERE NOT internal AND table_name NOT LIKE 'kysely%'
         UNION ALL SELECT view_name, comment FROM duckdb_views() WHERE NOT internal`,
      )
    ).rows;
    expect(relations.length).toBeGreaterThan(20);
    const columns = (
      await queryRows(
        warehouse,
        `SELECT table_name, column_name, data_type, comment FROM duckdb_columns() WHERE NOT internal AND table_name NOT LIKE 'kysely%'`,
      )
    ).rows;
    for (const r of relations) {
      expect(r.comment, `${String(r.name)} has a comment`).toBeTruthy();
      expect(md).toContain(`### ${String(r.name)}\n`);
      expect(md).toContain(String(r.comment).replace(/\|/g, '\\|'));
      expect(html).toContain(`<section id="${String(r.name)}">`);
      expect(html).toContain(escapeHtml(String(r.comment)));
    }
    for (const c of columns) {
      expect(c.comment, `${String(c.table_name)}.${String(c.column_name)} has a comment`).toBeTruthy();
      const section = md.slice(md.indexOf(`### ${String(c.table_name)}\n`)).split('\n### ')[0]!;
      expect(section).toContain(`| \`${String(c.column_name)}\` | ${String(c.data_type)} | ${String(c.comment)} |`);
      expect(html).toContain(
        `<td class="name">${String(c.column_name)}</td><td class="type">${escapeHtml(String(c.data_type))}</td><td>${escapeHtml(String(c.comment))}</td>`,
      );
    }
    expect(dictionary.relations.map((r) => r.name).sort()).toEqual(relations.map((r) => String(r.name)).sort());
  });

  it('lists core tables, then fact tables, then views', () => {
    const at = (s: string) => md.indexOf(s);
    expect(at('## 核心表')).toBeGreaterThan(0);
    expect(at('## 核心表')).toBeLessThan(at('## 事实表'));
    expect(at('## 事实表')).toBeLessThan(at('## 视图'));
    expect(at('### units\n')).toBeLessThan(at('### submissions\n'));
    expect(at('### submission_columns\n')).toBeLessThan(at('### t1_township_stats\n'));
    expect(at('### r1_case_reviews\n')).toBeLessThan(at('### quarter_figures\n'));
    expect(dictionary.relations.map((r) => r.group)).toEqual(
      [...dictionary.relations.map((r) => r.group)].sort((a, b) => ['core', 'fact', 'view', 'other'].indexOf(a) - ['core', 'fact', 'view', 'other'].indexOf(b)),
    );
  });

  it('shows a first non-null value as the example, but never one from personal or free-text columns', async () => {
    const col = (table: string, name: string) => dictionary.relations.find((r) => r.name === table)!.columns.find((c) => c.name === name)!;
    expect(col('l1_cases', 'case_no').example).toBe(caseNo);
    expect(col('t1_township_stats', 'units_inspected').example).toBe('50');
    expect(col('units', 'valid_to').example).toBeNull();
    expect(md).toContain('| `valid_to` | DATE | 停止报送日期（含）；为空表示仍在报送 | （暂无数据） |');
    // The personal column, in the fact table and in the view over it.
    for (const table of ['l1_cases', 'cases']) {
      expect(col(table, 'party')).toMatchObject({ personal: true, example: null, withheld: PERSONAL_EXAMPLE });
    }
    expect(md).toContain(`| \`party\` | VARCHAR | 当事人（个人信息，不得对外发布） | ${PERSONAL_EXAMPLE} |`);
    // Free text that quotes what was typed: the refused 当事人类型 “李四某” is in the warehouse, not in the docs.
    expect((await queryRows(warehouse, `SELECT count(*) AS n FROM submission_problems WHERE found LIKE '%李四某%'`)).rows[0]!.n).toBe(1);
    expect(col('submission_problems', 'found').withheld).toBe(FREE_TEXT_EXAMPLE);
    expect(col('l2_hazards', 'inspected_entity').withheld).toBe(FREE_TEXT_EXAMPLE);
    expect(col('l1_cases', 'violation').withheld).toBe(FREE_TEXT_EXAMPLE);
    for (const name of ['张某某', '李四某', '王某某']) {
      expect(md).not.toContain(name);
      expect(html).not.toContain(name);
    }
  });

  it('writes one self-contained HTML page with every text escaped', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toMatch(/<style>[^<]+<\/style>/);
    expect(html).not.toMatch(/<script|<link|src=|@import|url\(/);
    expect(html).toContain('渝北龙兴消行罚决字〔2024〕&lt;001&gt;&amp;号');
    expect(html).not.toContain('<001>');
    // Markdown gets no raw HTML either.
    expect(md).toContain('渝北龙兴消行罚决字〔2024〕&lt;001&gt;&amp;号');
    expect(md).not.toContain('<001>');
    expect(md).toContain('生成时间：2024-04-20 10:00:00（北京时间）');
    expect(md).toContain(`结构版本：${latestMigration}`);
  });

  it('prints its time in Beijing time, and says what date the date-dependent views were counted for', async () => {
    // 02:00 UTC is 10:00 in Beijing; no ISO instant anywhere.
    for (const text of [md, html]) {
      expect(text).toContain('生成时间：2024-04-20 10:00:00（北京时间）');
      expect(text).not.toContain('2024-04-20T02:00');
      expect(text).toContain('数据截至：2024-04-20');
    }
    // Late evening UTC is already the next day in Beijing: the time and the default 数据截至日 say so.
    const night = await buildDataDictionary(warehouse, { generatedAt: '2024-04-19T18:30:00.000Z' });
    expect(night.asOf).toBe('2024-04-20');
    expect(dataDictionaryMarkdown(night)).toContain('生成时间：2024-04-20 02:30:00（北京时间）　数据截至：2024-04-20');
    // The views that read the reference date, directly or through another view; no table, no other view.
    expect(dictionary.asOfViews).toEqual(['submission_status', 'hazards_open', 'township_ranking']);
    // Their comments say how the date is chosen and how to ask for another, in the warehouse and here.
    for (const name of ['submission_status', 'hazards_open']) {
      const comment = dictionary.relations.find((r) => r.name === name)!.comment!;
      expect(comment).toContain('数据截至日');
      expect(comment).toContain('默认为北京时间今天');
      expect(comment).toContain('firestat sql --as-of YYYY-MM-DD');
      expect(comment).toContain("SET VARIABLE as_of = DATE 'YYYY-MM-DD'");
    }
    expect(md).toMatch(/### hazards_open\n\n视图，0 行（按数据截至日 2024-04-20 计）。未整改火灾隐患/);
    expect(md).toContain('submission_status、hazards_open、township_ranking 随数据截至日 as_of 变化，本字典中它们的行数和示例按数据截至日 2024-04-20 计');
    // Another date: 龙兴镇's hazard (found 2024-03-01, rectified 2024-03-20) was open on 2024-03-10.
    const march = await buildDataDictionary(warehouse, { generatedAt: '2024-04-20T02:00:00.000Z', asOf: '2024-03-10' });
    expect(march.relations.find((r) => r.name === 'hazards_open')!.rows).toBe(1);
    expect(dataDictionaryMarkdown(march)).toContain('视图，1 行（按数据截至日 2024-03-10 计）。未整改火灾隐患');
    // The session's own date is left as it was: none set, so the views read Beijing's today again.
    expect((await queryRows(warehouse, `SELECT getvariable('as_of') AS v`)).rows[0]!.v).toBeNull();
  });

  it('reads the same from a dictionary built again', async () => {
    const again = await buildDataDictionary(warehouse, { generatedAt: dictionary.generatedAt });
    expect(again).toEqual(dictionary);
  });
});
