import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forms } from '../../domain/forms/index.js';
import { buildDocuments } from '../../dashboards/build.js';
import type { BulletinDocument } from '../../dashboards/data/documents.js';
import { docxFiles, DocxPublisher } from '../../dashboards/docx/docx-publisher.js';
import { docxText, officialDocx } from '../../dashboards/docx/official-docx.js';
import type { DocumentSet } from '../../dashboards/publisher.js';
import { percentText } from '../../dashboards/rates.js';
import { TextPublisher, textFiles } from '../../dashboards/text-publisher.js';
import { UnitRegistry } from '../../domain/units.js';
import { bulletinDraft, bulletinText } from '../../dashboards/text/bulletin-text.js';
import { indicatorLabel, indicatorValue } from '../../dashboards/text/ranking-text.js';
import { demoYear } from '../support/demo-year.js';
import type { SampleManifest } from '../../sources/sample/index.js';
import { setAsOf } from '../../warehouse/as-of.js';
import { queryRows } from '../../warehouse/query.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { tempDir } from '../support/ingest-helpers.js';

const run = promisify(execFile);
const asOf = '2025-01-20';
const screenshots = new URL('../screenshots/', import.meta.url).pathname;

interface ViewRow {
  readonly quarter: number;
  readonly indicator: string;
  readonly label: string;
  readonly unit: string;
  readonly value: number | null;
  readonly rank: number | null;
}

let dir: string;
let outDir: string;
let manifest: SampleManifest;
let view: ViewRow[];
let docs: DocumentSet;
let quarters: number[];

/** The demo year, built once as `npm run demo` builds it; `township_ranking` read from its warehouse at the build's date. */
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

beforeAll(async () => {
  dir = tempDir('firestat-bulletin-');
  const demo = demoYear();
  outDir = demo.out;
  manifest = demo.manifest;
  const warehouse = await Warehouse.open({ path: demo.warehousePath, readOnly: true });
  try {
    await setAsOf(warehouse, asOf);
    view = (
      await queryRows(
        warehouse,
        `SELECT quarter, indicator, label, unit, value, rank FROM township_ranking WHERE year = 2024 ORDER BY quarter, indicator, rank, unit`,
      )
    ).rows.map((r) => ({
      quarter: Number(r.quarter),
      indicator: String(r.indicator),
      label: String(r.label),
      unit: String(r.unit),
      value: r.value === null ? null : Number(r.value),
      rank: r.rank === null ? null : Number(r.rank),
    }));
    docs = await buildDocuments({ warehouse, year: 2024, generatedAt: '2025-01-20T02:00:00.000Z', asOf });
  } finally {
    await warehouse.close();
  }
  quarters = [...new Set(view.map((v) => v.quarter))];
}, 240_000);

// ---------------------------------------------------------------------------------------------
// Reading the ranking sentences back, as a reader would.

/** One group a sentence names or counts: `A、B（均为 122 家，并列第 2 名）`, `其余 17 个镇街（…）`. */
interface SaidGroup {
  readonly units: readonly string[];
  /** For a counted group (`17 个镇街`): how many. */
  readonly count: number | null;
  readonly value: string;
  readonly rank: number;
}

interface SaidRanking {
  readonly head: readonly SaidGroup[];
  readonly tail: readonly SaidGroup[];
  /** Everything listed in order (no 排名靠前/靠后). */
  readonly complete: boolean;
  /** Units said to have no value, or how many. */
  readonly unranked: { readonly units: readonly string[]; readonly count: number | null };
}

const groupPattern = /(?:^|，)(?:(?:其余)? (\d+) 个镇街|([^（），；\s]+?))（(?:均为 )?([^，）]+)，(?:并列)?第 (\d+) 名）/gu;

function parseGroups(text: string): SaidGroup[] {
  const out: SaidGroup[] = [];
  let consumed = 0;
  for (const m of text.matchAll(groupPattern)) {
    expect(m.index, `unparsed text before a group in “${text}”`).toBe(consumed);
    consumed = m.index! + m[0].length;
    out.push({ units: m[2] ? m[2].split('、') : [], count: m[1] ? Number(m[1]) : null, value: m[3]!, rank: Number(m[4]) });
  }
  expect(consumed, `unparsed text after the groups in “${text}”`).toBe(text.length);
  return out;
}

function parseRanking(sentence: string, label: string): SaidRanking {
  expect(sentence.startsWith(`${label}：`)).toBe(true);
  let body = sentence.slice(label.length + 1);
  let unranked: SaidRanking['unranked'] = { units: [], count: null };
  const missing = /。((?:另有 (\d+) 个镇街)|([^。]+?))(本季度没有被评查的案卷|年初至今未发现火灾隐患|本季度无数据)，不参加排名。$/u.exec(body);
  if (missing) {
    unranked = missing[2] ? { units: [], count: Number(missing[2]) } : { units: missing[3]!.split('、'), count: null };
    body = body.slice(0, missing.index + 1);
  }
  expect(body.endsWith('。')).toBe(true);
  body = body.slice(0, -1);
  const split = /^排名靠前的是(.+)；排名靠后的是(.+)$/u.exec(body);
  if (split) return { head: parseGroups(split[1]!), tail: parseGroups(split[2]!), complete: false, unranked };
  return { head: parseGroups(body), tail: [], complete: true, unranked };
}

/** The paragraphs of section 三 of a 通报 (Markdown or the `.docx` text). */
function rankingSection(text: string): string[] {
  const lines = text.split('\n').map((l) => l.replace(/^(#+|-) /, '').trim());
  const from = lines.indexOf('三、主要指标排名');
  const to = lines.indexOf('四、存在的问题');
  expect(from, 'section 三 present').toBeGreaterThan(0);
  expect(to).toBeGreaterThan(from);
  return lines.slice(from + 1, to).filter((l) => l !== '');
}

/**
 * Every ranking sentence agrees with `township_ranking`: each group it names is a whole rank of the
 * view (every tied unit named, or the count of them right); the groups at the top are the first
 * ranks and those at the bottom the last; nothing at the bottom shares the first rank or is also at
 * the top; an indicator on which all townships are equal has no ranking sentence but an “均”
 * sentence; units without a value are named or counted.
 */
function checkRankings(text: string, quarter: number, where: string): number {
  const section = rankingSection(text);
  let checked = 0;
  for (const indicator of [...new Set(view.filter((v) => v.quarter === quarter).map((v) => v.indicator))]) {
    const rows = view.filter((v) => v.quarter === quarter && v.indicator === indicator);
    const label = indicatorLabel({ indicator, label: rows[0]!.label, better: indicator === 'problems_per_case' ? 'lower' : 'higher' });
    const ranked = rows.filter((r) => r.rank !== null);
    const ranks = [...new Set(ranked.map((r) => r.rank!))].sort((a, b) => a - b);
    const unitsAt = (rank: number) =>
      ranked
        .filter((r) => r.rank === rank)
        .map((r) => r.unit)
        .sort();
    const sentences = section.filter((l) => l.startsWith(`${label}：`));
    const context = `${where} Q${quarter} ${indicator}`;
    if (ranks.length <= 1 || ranked.length <= 1) {
      expect(sentences, `${context}: nothing separates the townships, so no ranking`).toEqual([]);
      if (ranked.length > 1) {
        const equal = section.find((l) => l.includes(`${ranked.length} 个镇街`) && l.includes('均') && l.includes(`${rows[0]!.label}不作排名`));
        expect(equal, `${context}: says all ${ranked.length} are equal`).toBeDefined();
      }
      continue;
    }
    expect(sentences, context).toHaveLength(1);
    const said = parseRanking(sentences[0]!, label);
    const all = [...said.head, ...said.tail];
    for (const g of all) {
      expect(ranks, `${context}: rank ${g.rank} exists`).toContain(g.rank);
      const truth = unitsAt(g.rank);
      if (g.count !== null) expect(g.count, `${context}: counted group of rank ${g.rank}`).toBe(truth.length);
      else expect([...g.units].sort(), `${context}: every unit tied at rank ${g.rank} named`).toEqual(truth);
      const value = ranked.find((r) => r.rank === g.rank)!.value;
      expect(g.value, `${context}: value of rank ${g.rank}`).toBe(indicatorValue(indicator, value));
      if (indicator.endsWith('_rate')) expect(g.value).toBe(percentText(value));
    }
    const headRanks = said.head.map((g) => g.rank);
    const tailRanks = said.tail.map((g) => g.rank);
    if (said.complete) {
      expect(
        [...headRanks].sort((a, b) => a - b),
        `${context}: complete listing has every rank`,
      ).toEqual(ranks);
    } else {
      expect(headRanks, `${context}: top groups are the first ranks`).toEqual(ranks.slice(0, headRanks.length));
      expect(tailRanks, `${context}: bottom groups are the last ranks`).toEqual(ranks.slice(ranks.length - tailRanks.length));
      expect(tailRanks, `${context}: nothing among the last shares the first rank`).not.toContain(1);
      const top = new Set(said.head.flatMap((g) => (g.count === null ? g.units : unitsAt(g.rank))));
      for (const g of said.tail)
        for (const u of g.count === null ? g.units : unitsAt(g.rank)) expect(top.has(u), `${context}: ${u} both top and bottom`).toBe(false);
    }
    const unrankedTruth = rows
      .filter((r) => r.rank === null)
      .map((r) => r.unit)
      .sort();
    if (said.unranked.count !== null) expect(said.unranked.count, `${context}: units without a value`).toBe(unrankedTruth.length);
    else expect([...said.unranked.units].sort(), `${context}: units without a value`).toEqual(unrankedTruth);
    checked++;
  }
  return checked;
}

describe('the 通报 tells the truth about rankings', () => {
  it('every ranking sentence of every quarter, Markdown and .docx, agrees with township_ranking', () => {
    expect(quarters).toEqual([1, 2, 3, 4]);
    let sentences = 0;
    let equalIndicators = 0;
    for (const q of quarters) {
      const md = readFileSync(join(outDir, textFiles.bulletin(2024, q)), 'utf8');
      const docx = docxText(readFileSync(join(outDir, docxFiles.bulletin(2024, q))));
      sentences += checkRankings(md, q, 'md');
      expect(checkRankings(docx, q, 'docx')).toBe(checkRankings(md, q, 'md'));
      const rows = view.filter((v) => v.quarter === q && v.indicator === 'on_time_rate' && v.rank !== null);
      if (new Set(rows.map((r) => r.rank)).size === 1) equalIndicators++;
    }
    // The demo year has both: indicators that rank, and quarters where all 22 sent on time.
    expect(sentences).toBeGreaterThanOrEqual(12);
    expect(equalIndicators).toBeGreaterThan(0);
  });

  it('a unit tied first is never among the last, and big ties are counted (Q3 on-time)', () => {
    const q3 = view.filter((v) => v.quarter === 3 && v.indicator === 'on_time_rate');
    const first = q3.filter((r) => r.rank === 1).map((r) => r.unit);
    expect(first.length).toBeGreaterThan(6);
    const md = rankingSection(readFileSync(join(outDir, textFiles.bulletin(2024, 3)), 'utf8')).find((l) => l.startsWith('按时报送率：'))!;
    expect(md).toContain(`其余 ${first.length} 个镇街（均为 100.0%，并列第 1 名）`);
    for (const u of first) expect(md).not.toContain(u);
  });

  it('an indicator with all 22 townships equal is left out of the ranking and said once (“均”), in text and .docx', async () => {
    const base = docs.bulletins.find((b) => b.quarter === 3)!;
    const units = base.rankings[0]!.entries.map((e) => e.unit);
    expect(units).toHaveLength(22);
    // Planted: every township inspected 100 units; 19 tied first on rectification and 3 behind (the
    // whole ranking is said, the 19 counted as 其余); 17 tied first on cases and 5 behind (top and
    // bottom are said, the middle left out, so the 17 are counted but not as 其余).
    const tiedFirst = (n: number, value: number, step: number) =>
      units.map((unit, i) => (i < n ? { unit, value, rank: 1 } : { unit, value: value - (i - n + 1) * step, rank: i + 1 }));
    const planted: BulletinDocument['rankings'] = [
      { indicator: 'inspections', label: '检查社会单位数', better: 'higher', entries: units.map((unit) => ({ unit, value: 100, rank: 1 })) },
      { indicator: 'rectification_rate', label: '累计整改率', better: 'higher', entries: tiedFirst(19, 1, 0.01) },
      { indicator: 'cases', label: '办理案件数', better: 'higher', entries: tiedFirst(17, 9, 1) },
    ];
    const input = { ...base, rankings: planted, issuer: base.draft.issuer };
    const md = bulletinText(input);
    const section = rankingSection(md);
    expect(section.some((l) => l.startsWith('检查社会单位数：'))).toBe(false);
    expect(section.join('\n')).toContain('22 个镇街检查社会单位数均为 100 家，检查社会单位数不作排名。');
    const rect = section.find((l) => l.startsWith('累计整改率：'))!;
    expect(rect).toBe(
      `累计整改率：${units[19]}（99.0%，第 20 名），${units[20]}（98.0%，第 21 名），${units[21]}（97.0%，第 22 名），其余 19 个镇街（均为 100.0%，并列第 1 名）。`,
    );
    const cases = section.find((l) => l.startsWith('办理案件数：'))!;
    expect(cases).toBe(
      `办理案件数：排名靠前的是 17 个镇街（均为 9 起，并列第 1 名）；排名靠后的是${units[19]}（6 起，第 20 名），${units[20]}（5 起，第 21 名），${units[21]}（4 起，第 22 名）。`,
    );
    const docx = docxText(await officialDocx(bulletinDraft(input), { generatedAt: base.generatedAt }));
    expect(rankingSection(docx)).toEqual(section);
    // The view's own all-equal case in the demo: 22 townships all on time.
    const q4 = readFileSync(join(outDir, textFiles.bulletin(2024, 4)), 'utf8');
    expect(q4).toContain('22 个镇街均按时报送，按时报送率不作排名。');
    expect(rankingSection(q4).some((l) => l.startsWith('按时报送率：'))).toBe(false);
  });
});

describe('the 通报 body speaks to townships', () => {
  const formCodes = forms.map((f) => f.code);
  /** What must not be in a document sent to townships. */
  function technical(text: string): string[] {
    const found: string[] = [];
    const add = (what: string, m: RegExpMatchArray | null) => m && found.push(`${what}: ${m[0]}`);
    // A file name, a folder (`2024Q3/`), a Windows path; `个/份` between two Chinese words is not one.
    add('path', text.match(/\.(xlsx|xlsm|xls|et|csv|txt|md|docx)\b|[A-Za-z0-9_.-]\/|\/[A-Za-z0-9_.-]|\\/u));
    add('cell address', text.match(/\b[A-Z]{1,2}\d+\b/));
    for (const code of formCodes) add('form code', text.match(new RegExp(`(?<![A-Za-z0-9])${code}(?![0-9])`)));
    add('ISO date', text.match(/\b\d{4}-\d{2}-\d{2}\b/));
    add('technical', text.match(/合计行不入库|（越少越好）|\b0\.00\b/));
    return found;
  }

  it('no path, cell, form code, ISO date or technical note in the .docx or the Markdown; no 局本级 unit', () => {
    const bureau = docs.quarters[0]!.bureauRows.map((r) => r.unit);
    expect(bureau.length).toBeGreaterThan(0);
    for (const q of quarters) {
      for (const [name, text] of [
        ['docx', docxText(readFileSync(join(outDir, docxFiles.bulletin(2024, q))))],
        ['md', readFileSync(join(outDir, textFiles.bulletin(2024, q)), 'utf8')],
      ] as const) {
        expect(technical(text), `${name} Q${q}`).toEqual([]);
        for (const b of bureau) expect(text, `${name} Q${q}`).not.toContain(b);
      }
    }
    expect(technical(docxText(readFileSync(join(outDir, docxFiles.year(2024))))), 'year docx').toEqual([]);
    // The rule bites: the statistician's appendix has exactly what the body must not.
    const b = docs.bulletins.find((x) => x.findings.length > 0)!;
    expect(technical(b.findings.map((f) => `${f.path} ${f.cell ?? ''} ${f.message}`).join('\n'))).not.toEqual([]);
  });

  it('puts the technical details in the workbook’s 附录（统计人员）: each finding with its form, file, sheet and cell', async () => {
    const withFindings = docs.bulletins.filter((b) => b.findings.length > 0);
    expect(withFindings.length).toBeGreaterThan(0);
    for (const b of withFindings) {
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(readFileSync(join(outDir, `xlsx/通报-2024-Q${b.quarter}.xlsx`)) as unknown as Parameters<typeof wb.xlsx.load>[0]);
      const ws = wb.getWorksheet('附录（统计人员）');
      expect(ws, `Q${b.quarter}`).toBeDefined();
      const cells: string[] = [];
      ws!.eachRow((row) => row.eachCell((c) => cells.push(String(c.value ?? ''))));
      for (const f of b.findings) {
        expect(cells).toContain(f.message);
        if (f.path) expect(cells).toContain(f.path);
        if (f.cell) expect(cells).toContain(f.cell);
        expect(cells.some((c) => c.startsWith(`${f.form} `))).toBe(true);
      }
      // The body names the township and the kind of problem, not the place in the file.
      const body = readFileSync(join(outDir, textFiles.bulletin(2024, b.quarter)), 'utf8');
      for (const f of b.findings) expect(body).toMatch(new RegExp(`${f.unit}（[^）]*${f.ruleLabel} \\d+ 处`));
    }
  });

  it('holds the parts of a real 通报, with the quarter’s figures and the 不合格 cases by case number', () => {
    for (const b of docs.bulletins) {
      const text = docxText(readFileSync(join(outDir, docxFiles.bulletin(2024, b.quarter))));
      const heads = ['一、总体情况', '二、案卷评查情况', '三、主要指标排名', '四、存在的问题', '五、工作要求'];
      const at = heads.map((h) => text.indexOf(`\n${h}\n`));
      for (const [i, p] of at.entries()) expect(p, heads[i]).toBeGreaterThan(0);
      expect([...at].sort((x, y) => x - y)).toEqual(at);
      expect(text).toContain('各镇人民政府、街道办事处：');
      expect(text).toContain(`检查社会单位 ${b.overview.quarter.units_inspected} 家`);
      if (b.quarter > 1) expect(text).toContain('与上季度相比');
      const r = b.caseQuality.results;
      expect(text).toContain(`其中合格 ${r['合格']} 份、基本合格 ${r['基本合格']} 份、不合格 ${r['不合格']} 份`);
      expect(b.caseQuality.failed.length).toBe(r['不合格']);
      for (const f of b.caseQuality.failed) expect(text).toMatch(new RegExp(`${f.unit} \\d+ 份（[^）]*${f.caseNo.replace(/[〔〕]/g, '.')}`));
      expect(text).toContain(b.draft.issuer);
      expect(text).toMatch(/\n20\d\d年\d{1,2}月\d{1,2}日\n/);
    }
  });

  it('no person’s name, phone or ID number from the sample in any .docx', () => {
    const secrets = [...manifest.personNames, ...manifest.contactNames, ...manifest.phoneNumbers];
    expect(secrets.length).toBeGreaterThan(20);
    const all = readdirSync(join(outDir, 'docx'));
    expect(all.length).toBe(5);
    for (const f of all) {
      const text = docxText(readFileSync(join(outDir, 'docx', f)));
      expect(
        secrets.filter((s) => text.includes(s)),
        f,
      ).toEqual([]);
      expect(text, f).not.toMatch(/(?<![0-9])1[3-9]\d{9}(?![0-9])/);
      expect(text, f).not.toMatch(/(?<![0-9])[1-9]\d{5}(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9])/);
    }
  });
});

describe('the .docx files', () => {
  it('convert to PDF with LibreOffice without error (A4, page numbers)', async () => {
    const pdfDir = join(dir, 'pdf');
    const profile = join(dir, 'lo-profile');
    const files = readdirSync(join(outDir, 'docx')).map((f) => join(outDir, 'docx', f));
    const { stderr } = await run('soffice', [`-env:UserInstallation=file://${profile}`, '--headless', '--convert-to', 'pdf', '--outdir', pdfDir, ...files], {
      timeout: 180_000,
    });
    expect(stderr).not.toMatch(/Error/i);
    mkdirSync(screenshots, { recursive: true });
    for (const f of files) {
      const pdf = readFileSync(join(pdfDir, basename(f).replace(/\.docx$/, '.pdf')));
      const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
      expect(pages, f).toBeGreaterThanOrEqual(1);
      expect(pdf.toString('latin1')).toMatch(/\/MediaBox\s*\[\s*0 0 595\.\d+ 841\.\d+\s*\]/);
      writeFileSync(join(screenshots, basename(f).replace(/\.docx$/, '.pdf')), pdf);
    }
  }, 240_000);

  it('are laid out as GB/T 9704 asks: A4, margins, fonts named with fallbacks, 三号 body on a fixed line', () => {
    const parts = unzipSync(readFileSync(join(outDir, docxFiles.bulletin(2024, 2))));
    const doc = strFromU8(parts['word/document.xml']!);
    const twips = (mm: number) => Math.round((mm / 25.4) * 1440);
    expect(doc).toContain(`<w:pgSz w:w="${twips(210)}" w:h="${twips(297)}"`);
    for (const [side, mm] of [
      ['top', 37],
      ['bottom', 35],
      ['left', 28],
      ['right', 26],
    ] as const)
      expect(doc).toMatch(new RegExp(`<w:pgMar[^>]* w:${side}="${twips(mm)}"`));
    expect(doc).toContain('w:eastAsia="方正小标宋简体"');
    expect(doc).toContain('w:eastAsia="黑体"');
    expect(doc).toContain('w:eastAsia="楷体_GB2312"');
    expect(doc).toContain('w:line="579" w:lineRule="exact"');
    const styles = strFromU8(parts['word/styles.xml']!);
    expect(styles).toContain('w:eastAsia="仿宋_GB2312"');
    expect(styles).toContain('<w:sz w:val="32"/>');
    const fontTable = strFromU8(parts['word/fontTable.xml']!);
    expect(fontTable).toContain('<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>');
    expect(fontTable).toContain('<w:font w:name="方正小标宋简体"><w:altName w:val="宋体"/>');
    // Page numbers `— 1 —`: odd pages right, even pages left.
    const footers = Object.keys(parts)
      .filter((k) => /^word\/footer\d+\.xml$/.test(k))
      .map((k) => strFromU8(parts[k]!));
    expect(footers.length).toBe(2);
    for (const f of footers) expect(f.replace(/<[^>]+>/g, '')).toMatch(/^— .*PAGE.* —$/);
    expect(footers.map((f) => /<w:jc w:val="(\w+)"\/>/.exec(f)?.[1]).sort()).toEqual(['left', 'right']);
    expect(strFromU8(parts['word/settings.xml']!)).toContain('<w:evenAndOddHeaders/>');
  });

  it('are the same bytes for the same documents, dated by generatedAt', async () => {
    const a = await new DocxPublisher().publish(docs);
    const b = await new DocxPublisher().publish(docs);
    expect(a.map((f) => f.path)).toEqual([...docs.bulletins.map((x) => docxFiles.bulletin(2024, x.quarter)), docxFiles.year(2024)]);
    for (const [i, f] of a.entries()) expect(Buffer.from(f.content).equals(Buffer.from(b[i]!.content)), f.path).toBe(true);
    const core = strFromU8(unzipSync(a[0]!.content as Uint8Array)['docProps/core.xml']!);
    expect(core).toContain('<dcterms:created xsi:type="dcterms:W3CDTF">2025-01-20T02:00:00Z</dcterms:created>');
  });
});

describe('the issuer', () => {
  it('is the configured bureau: the 通报 draft, its text and .docx, and the year text are signed by it', async () => {
    const bureau = '某某市某某区消防救援支队';
    const warehouse = await Warehouse.open({ path: demoYear().warehousePath, readOnly: true });
    let signed: DocumentSet;
    try {
      signed = await buildDocuments({ warehouse, year: 2024, generatedAt: '2025-01-20T02:00:00.000Z', asOf, issuer: bureau });
    } finally {
      await warehouse.close();
    }
    for (const b of signed.bulletins) expect(b.draft.issuer).toBe(bureau);
    const files = [...(await new TextPublisher({ bureau }).publish(signed)), ...(await new DocxPublisher({ bureau }).publish(signed))];
    for (const f of files) {
      const text = typeof f.content === 'string' ? f.content : docxText(f.content);
      expect(text, f.path).toContain(bureau);
      expect(text, f.path).not.toContain(UnitRegistry.sample().bureau);
    }
  });
});

describe('the year-end text', () => {
  it('has a title and whole paragraphs in the report’s order, as .txt and .docx', () => {
    const txt = readFileSync(join(outDir, textFiles.year(2024)), 'utf8');
    const docx = docxText(readFileSync(join(outDir, docxFiles.year(2024))));
    for (const text of [txt, docx]) {
      const paras = text
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      expect(paras[0]).toBe('关于2024年行政执法总体情况的报告');
      const order = [
        '累计出动执法人员 9858 人次',
        '我局遵照“谁执法、谁普法”',
        '我局通过集中培训的方式开展消防行政处罚文书制作专题培训',
        '共设置消防管理岗人员 34 名',
        '开展联合执法检查 300 余次',
        '检查社会单位 7982 家',
        '每季度对全区镇街赋权执法、委托执法行政处罚案卷开展汇总、调度、通报',
      ];
      const at = order.map((o) => paras.findIndex((p) => p.includes(o)));
      for (const [i, p] of at.entries()) expect(p, order[i]).toBeGreaterThan(0);
      expect([...at].sort((x, y) => x - y)).toEqual(at);
      // Whole sentences: each paragraph ends a sentence; the 宣传 and 培训 sentences have their subject.
      for (const p of paras.slice(2, -2)) expect(p, p).toMatch(/。$/);
      expect(paras.find((p) => p.includes('宣传教育'))).toMatch(/^我局/);
      expect(paras.find((p) => p.includes('专题培训'))).toMatch(/^我局/);
      // The quarterly 通报 sentence carries the case-quality problems the year's review found.
      const review = paras.find((p) => p.includes('汇总、调度、通报'))!;
      for (const problem of ['文书填写不全面', '调查取证资料不规范', '执法程序不规范']) expect(review).toContain(problem);
      expect(review).toMatch(/评查镇街行政处罚案卷 \d+ 份/);
      expect(paras.at(-1)).toBe('2025年1月20日');
    }
  });
});
