import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it, vi } from 'vitest';
import type { FormDefinition } from '../../domain/forms/form-definition.js';

/**
 * "Forms are data" on the output side. (a) Code outside `domain/forms/` names no form code, field
 * id or form table: views, checks, exports, documents and pages take them from the declarations
 * and the catalogues there. (b) A sixth aggregate form, added to the declarations only, reaches
 * `quarter_figures`, `year_figures`, the integrity check, the config and the documents.
 */

// A test-only sixth aggregate form, appended to the real list (the mock is hoisted above every
// import, so every module that reads `forms` — views, checks, config, documents — sees six).
const sixth: FormDefinition = {
  code: 'X6',
  name: '镇街消防宣传工作统计表',
  keywords: ['镇街消防宣传工作统计表', '消防宣传工作统计'],
  kind: 'aggregate',
  table: 'x6_publicity_stats',
  tableComment: 'X6 镇街消防宣传工作统计表（测试用第六种报表）',
  senders: ['township'],
  frequency: 'quarterly',
  dueDays: 15,
  unitField: 'township',
  periodField: 'period',
  fields: [
    { id: 'township', label: '镇街', type: 'unit', required: true },
    { id: 'period', label: '统计期间', type: 'period', required: false },
    { id: 'leaflets_handed_out', label: '发放宣传资料', unit: '份', type: 'count', required: false },
    { id: 'drills_held', label: '组织疏散演练', unit: '场', type: 'count', required: false },
  ],
};

vi.mock('../../domain/forms/index.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../domain/forms/index.js')>();
  const forms = [...original.forms, sixth];
  return { ...original, forms, formByCode: (code: string) => forms.find((f) => f.code === code) };
});

const { forms } = await import('../../domain/forms/index.js');
const realForms = forms.filter((f) => f !== sixth);

const root = join(import.meta.dirname, '..', '..');

/** The production source: what the scan reads. */
const scanned = ['domain', 'sources', 'pipelines', 'warehouse', 'dashboards'];

/** Where form codes and field ids belong, and why. */
const excluded: readonly { path: string; why: string }[] = [
  { path: 'domain/forms/', why: 'the declarations and the catalogues built on them' },
  { path: 'sources/sample/', why: "writes the sample year's files: it plays the townships filling the forms in" },
  { path: 'warehouse/migrations/', why: "frozen history: a migration is the DDL it ran, never today's forms" },
];

/**
 * Report prose and chart layouts: text and charts written for these particular figures (a
 * sentence of the 通报 naming 检查社会单位 and 发现火灾隐患 in that order; a chart of 发现 beside
 * 整改). `max` is the number of hits the file has today — a new one fails the test.
 */
const allowed: readonly { file: string; max: number; why: string }[] = [
  { file: 'dashboards/text/bulletin-text.ts', max: 34, why: "the 通报's 总体情况 and 与上季度相比 sentences" },
  { file: 'dashboards/text/year-paragraph.ts', max: 34, why: "the year-end report's paragraphs, worded figure by figure" },
  { file: 'dashboards/text/ranking-text.ts', max: 3, why: 'the unit a ranking sentence counts in' },
  { file: 'dashboards/pages/year-page.ts', max: 34, why: "the year page's charts and its table's chosen columns" },
  { file: 'dashboards/pages/township-page.ts', max: 17, why: "the township page's cards and charts" },
  { file: 'pipelines/cli/main.ts', max: 1, why: "--include-personal's help names the personal column as an example" },
  { file: 'pipelines/cli/repl.ts', max: 1, why: "an example query in the SQL prompt's help" },
];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|tsx|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The words to look for: form codes (quoted), form tables and field ids (whole words). */
function vocabulary(): { codes: readonly string[]; words: readonly string[]; bare: readonly string[]; whole: readonly string[] } {
  const codes = realForms.map((f) => f.code);
  const ids = [...new Set(realForms.flatMap((f) => f.fields.map((x) => x.id)))];
  // Ids with an underscore are unmistakable anywhere. One-word ids are ordinary words too: they
  // count as a qualified column in SQL text (`r.problems`, `b.penalties`), and as a whole string
  // (`'penalties'`) unless the word is common in code for other things (a timer's `deadline`, a
  // CSS class `problems`, the ranking indicator `inspections`, a unit `month`).
  const words = [...realForms.map((f) => f.table), ...ids.filter((id) => id.includes('_'))];
  const generic = ['unit', 'month', 'period', 'township', 'status', 'category', 'description', 'deadline', 'result', 'problems', 'inspections'];
  // `unit`, `month`, `period`, `status` are the warehouse's own columns too (`submissions.status`).
  const bare = ids.filter((id) => !id.includes('_') && !['unit', 'month', 'period', 'township', 'status'].includes(id));
  return { codes, words, bare, whole: bare.filter((id) => !generic.includes(id)) };
}

interface Hit {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

/** Every mention in code (identifiers, strings, templates — not comments) of the vocabulary. */
function hits(file: string): Hit[] {
  const text = readFileSync(file, 'utf8');
  const { codes, words, bare, whole } = vocabulary();
  const word = new RegExp(`\\b(${words.join('|')})\\b`);
  const quotedCode = new RegExp(`(^|['"\`])(${codes.join('|')})(['"\`]|$)`);
  const bareWord = new RegExp(`^(${whole.join('|')})$|\\b[a-z]\\.(${bare.join('|')})\\b`);
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Hit[] = [];
  // Walk the syntax tree: identifiers, strings and the text pieces of templates (comments are not in it).
  const visit = (node: ts.Node): void => {
    const isText =
      ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node);
    if (isText || ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) {
      const value = isText ? (node as ts.LiteralLikeNode).text : node.getText(source);
      const raw = node.getText(source);
      const bad = word.test(value) || (isText && (quotedCode.test(raw) || bareWord.test(value))) || (ts.isStringLiteral(node) && codes.includes(value));
      if (bad)
        found.push({
          file: relative(root, file).split(sep).join('/'),
          line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1,
          text: value.slice(0, 80),
        });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('forms are data on the output side', () => {
  it('no code outside domain/forms names a form code, form table or field id, but for the listed prose and layouts', () => {
    const files = scanned
      .flatMap((d) => sourceFiles(join(root, d)))
      .filter((f) => !excluded.some((e) => relative(root, f).split(sep).join('/').startsWith(e.path)));
    expect(files.length).toBeGreaterThan(100);
    const all = files.flatMap(hits);
    const byFile = new Map<string, Hit[]>();
    for (const h of all) byFile.set(h.file, [...(byFile.get(h.file) ?? []), h]);
    const unexpected: string[] = [];
    for (const [file, list] of byFile) {
      const allow = allowed.find((a) => a.file === file);
      if (!allow) unexpected.push(...list.map((h) => `${h.file}:${h.line} ${h.text}`));
      else if (list.length > allow.max)
        unexpected.push(`${file}: ${list.length} mentions, ${allow.max} allowed (${allow.why}): ${list.map((h) => `${h.line} ${h.text}`).join('; ')}`);
    }
    expect(unexpected).toEqual([]);
    // The allow-list stays honest: every entry is still needed.
    expect(allowed.filter((a) => !byFile.has(a.file)).map((a) => a.file)).toEqual([]);
  });

  it('the scan finds what it looks for (a planted mention in each form is caught)', () => {
    const planted = join(mkdtempSync(join(tmpdir(), 'forms-as-data-')), 'planted.ts');
    writeFileSync(
      planted,
      [
        '// hazards_found in a comment is fine',
        "const a = `SELECT * FROM quarter_figures WHERE form = 'T1'`;",
        'const b = row.hazards_found;',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the planted source holds a template literal on purpose
        'const c = `${x} FROM l1_cases`;',
        "const d = 'penalties';",
        'const e = `SELECT r.problems FROM t`;',
        "const f = 'B1';",
      ].join('\n'),
    );
    expect(hits(planted).map((h) => h.line)).toEqual([2, 3, 4, 5, 6, 7]);
  });
});

describe('a sixth aggregate form, declared and nothing else', () => {
  it('reaches quarter_figures, year_figures, the integrity check and the config', async () => {
    const { allViews } = await import('../../warehouse/schema/all-views.js');
    const views = new Map(allViews().map((v) => [v.name, v]));
    const qf = views.get('quarter_figures')!;
    expect(qf.sql).toContain(`FROM ${sixth.table}`);
    expect(qf.sql).toContain("'leaflets_handed_out' AS metric");
    expect(qf.sql).toContain("'drills_held' AS metric");
    expect(views.get('year_figures')!.sql).toContain("('X6', 'township', 'leaflets_handed_out', '发放宣传资料'");
    // The findings' cumulative check reads the sixth form's flow counts too.
    expect(views.get('findings')!.sql).toContain(`FROM ${sixth.table} x`);

    const { configSchema } = await import('../../pipelines/cli/config.js');
    expect(configSchema.parse({ dueDays: { X6: 20 } }).dueDays).toEqual({ X6: 20 });
    expect(configSchema.safeParse({ dueDays: { X7: 20 } }).success).toBe(false);
  });

  it('its figures come out of a real warehouse: ingested, in quarter_figures, year_figures, the integrity check and the year document', async () => {
    const { writeCsv, t1Header } = await import('../support/csv-submissions.js');
    const { memoryWarehouse, runIngest, tempDir } = await import('../support/ingest-helpers.js');
    const { queryRows } = await import('../../warehouse/query.js');
    const { checkWarehouse } = await import('../../warehouse/check/integrity-check.js');
    const { yearDocument } = await import('../../dashboards/data/build-documents.js');
    const inbox = tempDir();
    const at = new Date('2024-04-08T02:00:00Z');
    writeCsv(inbox, '2024Q1/龙兴镇/T1.csv', [t1Header, ['龙兴镇', '2024年第一季度', 50, 10, 5, 1, 1, 0, 0, 3, 2]], at);
    writeCsv(
      inbox,
      '2024Q1/龙兴镇/龙兴镇2024年第一季度镇街消防宣传工作统计表.csv',
      [
        ['镇街', '统计期间', '发放宣传资料（份）', '组织疏散演练（场）'],
        ['龙兴镇', '2024年第一季度', 300, 4],
      ],
      at,
    );
    const warehouse = await memoryWarehouse();
    try {
      await runIngest(warehouse, inbox, join(inbox, '..', 'reports'));
      const subs = (await queryRows(warehouse, `SELECT form, status, reason FROM submissions ORDER BY form`)).rows;
      expect(subs.map((r) => `${r.form} ${r.status} ${r.reason ?? ''}`.trim())).toEqual(['T1 loaded', 'X6 loaded']);
      const figures = (await queryRows(warehouse, `SELECT form, unit_kind, metric, label, value FROM quarter_figures WHERE form = 'X6' ORDER BY metric`)).rows;
      expect(figures.map((r) => [r.form, r.unit_kind, r.metric, r.label, Number(r.value)])).toEqual([
        ['X6', 'township', 'drills_held', '组织疏散演练', 4],
        ['X6', 'township', 'leaflets_handed_out', '发放宣传资料', 300],
      ]);
      const year = (await queryRows(warehouse, `SELECT scope, label, value FROM year_figures WHERE year = 2024 AND metric = 'leaflets_handed_out'`)).rows;
      expect(year.map((r) => [r.scope, r.label, Number(r.value)])).toEqual([['township', '发放宣传资料', 300]]);
      const checks = await checkWarehouse(warehouse);
      expect(checks.find((c) => c.check === 'quarter_figures_recompute')).toMatchObject({ ok: true });
      const doc = await yearDocument({ warehouse, year: 2024, generatedAt: '2024-04-20T02:00:00.000Z', asOf: '2024-04-20' });
      expect(doc.byQuarter.filter((r) => r.metric === 'leaflets_handed_out')).toEqual([
        { quarter: 1, scope: 'township', metric: 'leaflets_handed_out', label: '发放宣传资料', value: 300 },
      ]);
      // The township form's figures are where they were.
      expect(doc.byQuarter.find((r) => r.metric === 'units_inspected')).toMatchObject({ quarter: 1, scope: 'township', value: 50 });
    } finally {
      await warehouse.close();
    }
  });
});
