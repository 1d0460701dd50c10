import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BulletinDocument, DispatchDocument, QuarterDocument, TownshipDocument } from '../../dashboards/data/documents.js';
import { overHundredNote, percentText } from '../../dashboards/rates.js';
import { demoYear, type BuiltYear } from '../support/demo-year.js';
import { tempDir } from '../support/ingest-helpers.js';
import { decodeEntities, docxText, Office } from './office-convert.js';

/**
 * One rate, one value: every rate of the demo year — each unit's 整改率 for the quarter and the year
 * to date, the 按时报送率 of the 通报 — printed with the same digits in the pages, the JSON, the
 * text, the workbooks (as LibreOffice shows the cell with its number format) and the .docx when it
 * is published; and those digits are the exact fraction rounded half-up, computed here from the
 * counts by integer arithmetic. 龙溪街道's 累计整改率 510/567 = 89.947% and 双龙湖街道's 521/566 =
 * 92.049% used to print 89.9%/90.0% and 92.0%/92.1% in different outputs.
 */

let built: BuiltYear;
let scratch: string;
let shown: Map<string, Map<string, string[][]>>;

beforeAll(async () => {
  built = demoYear();
  scratch = tempDir('firestat-one-rate-');
  const workbooks = built.files.filter((f) => f.endsWith('.xlsx')).map((f) => join(built.out, f));
  const office = new Office();
  try {
    shown = await office.shownSheets(workbooks, join(scratch, 'shown'));
  } finally {
    office.dispose();
  }
}, 900_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** `89.9%` from 510 and 567: half-up on the exact fraction, integers only (independent of `rates.ts`). */
function halfUp(n: number, d: number): string {
  const tenths = Math.floor((2 * n * 1000 + d) / (2 * d));
  return `${Math.floor(tenths / 10)}.${tenths % 10}%`;
}

/** `rect|龙溪街道|1-12月`, `rect|龙溪街道|Q4`, `ontime|龙溪街道|Q4`. */
type Key = string;
const ytd = (q: number) => `1-${q * 3}月`;

interface Rate {
  readonly n: number;
  readonly d: number;
}

/** The counts behind every rate, from the published JSON. */
function expectedRates(): Map<Key, Rate> {
  const out = new Map<Key, Rate>();
  const json = <T>(name: string): T => JSON.parse(readFileSync(join(built.out, 'data', name), 'utf8')) as T;
  for (const q of built.documents.quarters.map((d) => d.quarter)) {
    const doc = json<QuarterDocument>(`quarter-2024-Q${q}.json`);
    for (const r of doc.rows) {
      const add = (period: string, rec: Record<string, number>) => {
        if ((rec.hazards_found ?? 0) > 0) out.set(`rect|${r.unit}|${period}`, { n: rec.hazards_rectified ?? 0, d: rec.hazards_found! });
      };
      add(`Q${q}`, r.quarter);
      add(ytd(q), r.yearToDate);
    }
    const dispatch = json<DispatchDocument>(`dispatch-2024-Q${q}.json`);
    for (const unit of new Set(dispatch.matrix.filter((m) => m.unitKind === 'township').map((m) => m.unit))) {
      const mine = dispatch.matrix.filter((m) => m.unit === unit);
      out.set(`ontime|${unit}|Q${q}`, { n: mine.filter((m) => m.status === 'on_time').length, d: mine.length });
    }
  }
  return out;
}

let expected: Map<Key, Rate>;
/** Every printed rate: where it was printed → key → digits. */
const printed: { where: string; key: Key; digits: string }[] = [];

function record(where: string, key: Key, digits: string): void {
  printed.push({ where, key, digits: digits.replace(/※$/, '') });
}

const lastQuarter = () => Math.max(...built.documents.quarters.map((d) => d.quarter));
const unitNames = () => new Set(built.documents.quarters[0]!.rows.map((r) => r.unit));

// ---- HTML ------------------------------------------------------------------------------------

/** Text of a fragment of markup: tags removed, entities decoded, blanks collapsed. */
const textOf = (markup: string) =>
  decodeEntities(markup.replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();

/** A section of a page by id (up to the next section). */
function sectionOf(page: string, id: string): string {
  const at = page.indexOf(`<section id="${id}"`);
  if (at < 0) return '';
  const end = page.indexOf('<section ', at + 10);
  return page.slice(at, end < 0 ? undefined : end);
}

/** Table rows as cell texts (`th` and `td`). */
function rowsOf(markup: string): string[][] {
  return [...markup.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((m) => [...m[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => textOf(c[1]!)));
}

const percentCell = /^(\d+\.\d%)※?$/;

/** Rows naming a unit and holding one rate: unit (a trailing `源` link dropped) → the rate. */
function unitRates(markup: string): [string, string][] {
  const units = unitNames();
  const out: [string, string][] = [];
  for (const cells of rowsOf(markup)) {
    const unit = cells.map((c) => c.replace(/\s*源$/, '')).find((c) => units.has(c));
    const rates = cells.filter((c) => percentCell.test(c));
    if (unit && rates.length === 1) out.push([unit, rates[0]!]);
  }
  return out;
}

/** A card's value and detail by its label. */
function card(markup: string, label: string): { value: string; detail: string } | undefined {
  const m = new RegExp(
    `<div class="card-label">${label}</div>\\s*<div class="card-value">([\\s\\S]*?)</div>\\s*(?:<div class="card-detail">([\\s\\S]*?)</div>)?`,
  ).exec(markup);
  return m ? { value: textOf(m[1]!).replace(/\s/g, ''), detail: textOf(m[2] ?? '') } : undefined;
}

function readPage(name: string): string {
  return readFileSync(join(built.out, name), 'utf8');
}

function collectPages(): void {
  const last = lastQuarter();
  for (const q of built.documents.quarters.map((d) => d.quarter)) {
    const name = `quarter-2024-Q${q}.html`;
    const page = readPage(name);
    for (const [unit, digits] of unitRates(sectionOf(page, 'summary'))) record(name, `rect|${unit}|Q${q}`, digits);
    for (const [unit, digits] of unitRates(sectionOf(page, 'ytd'))) record(name, `rect|${unit}|${ytd(q)}`, digits);
    const head = sectionOf(page, 'headline');
    const towns = card(head, '镇街整改率');
    if (towns) {
      record(name, `rect|镇街合计|Q${q}`, towns.value);
      record(name, `rect|镇街合计|${ytd(q)}`, /累计\s*(\S+%)/.exec(towns.detail)![1]!);
    }
    const district = card(head, '全区发现隐患');
    if (district) record(name, `rect|全区合计|Q${q}`, /整改率\s*(\S+%)/.exec(district.detail)![1]!);

    const bname = `bulletin-2024-Q${q}.html`;
    const bulletin = readPage(bname);
    for (const t of bulletin.matchAll(/<table[\s\S]*?<\/table>/g)) {
      const caption = /<caption>([\s\S]*?)<\/caption>/.exec(t[0])?.[1] ?? '';
      const kind = caption.includes('整改率') ? 'rect' : caption.includes('按时报送率') ? 'ontime' : undefined;
      if (kind) for (const [unit, digits] of unitRates(t[0])) record(bname, `${kind}|${unit}|${kind === 'rect' ? ytd(q) : `Q${q}`}`, digits);
    }
  }
  for (const t of built.documents.townships) {
    const name = `township-${t.code}.html`;
    const c = card(sectionOf(readPage(name), 'figures'), '整改率');
    expect(c, `${name} 整改率 card`).toBeDefined();
    record(name, `rect|${t.unit}|${ytd(last)}`, c!.value);
    record(name, `rect|镇街合计|${ytd(last)}`, /全区\s*(\S+%)/.exec(c!.detail)![1]!);
  }
  const index = readPage('index.html');
  for (const [unit, digits] of unitRates(sectionOf(index, 'township-table'))) record('index.html', `rect|${unit}|${ytd(last)}`, digits);
  for (const [section, unit] of [
    ['bureau', '局本级'],
    ['townships', '镇街合计'],
  ] as const) {
    const detail = /整改率\s*(\d+\.\d%)/.exec(textOf(sectionOf(index, section)));
    if (detail) record('index.html', `rect|${unit}|${ytd(last)}`, detail[1]!);
  }
}

// ---- text and docx ---------------------------------------------------------------------------

/** Rates named beside a unit in running text (`龙溪街道（89.9%，第 21 名）`) and the townships' 累计整改率. */
function collectText(where: string, text: string, q: number): void {
  for (const unit of unitNames()) {
    for (const m of text.matchAll(new RegExp(`${unit}（(\\d+\\.\\d%)`, 'g'))) {
      // In the 通报, a township's rate is its 累计整改率 or its 按时报送率; the digits must be one of them exactly.
      const rect = expected.get(`rect|${unit}|${ytd(q)}`);
      const ontime = expected.get(`ontime|${unit}|Q${q}`);
      const key =
        rect && m[1] === halfUp(rect.n, rect.d)
          ? `rect|${unit}|${ytd(q)}`
          : ontime && m[1] === halfUp(ontime.n, ontime.d)
            ? `ontime|${unit}|Q${q}`
            : `rect|${unit}|${ytd(q)}`;
      record(where, key, m[1]!);
    }
  }
  for (const m of text.matchAll(/各镇街累计[^。]*?累计整改率\s*(\d+\.\d%)/g)) record(where, `rect|镇街合计|${ytd(q)}`, m[1]!);
}

function collectTexts(): void {
  for (const q of built.documents.quarters.map((d) => d.quarter)) {
    for (const f of built.files.filter((x) => x.startsWith('text/') && x.includes(`-Q${q}.`))) collectText(f, readFileSync(join(built.out, f), 'utf8'), q);
    for (const f of built.files.filter((x) => x.startsWith('docx/') && x.includes(`-Q${q}.`))) collectText(f, docxText(join(built.out, f)), q);
  }
}

// ---- workbooks (as LibreOffice shows them) -------------------------------------------------------

/** The column whose header (in the first rows) is `header`, or -1. */
function columnOf(rows: readonly string[][], header: (text: string) => boolean): number {
  for (const r of rows.slice(0, 6)) {
    const i = r.findIndex((c) => header(c.replace(/\n/g, '')));
    if (i >= 0) return i;
  }
  return -1;
}

function collectWorkbooks(): void {
  const last = lastQuarter();
  for (const [file, sheets] of shown) {
    const summary = /^汇总表-2024-Q(\d)\.xlsx$/.exec(file);
    const bulletin = /^通报-2024-Q(\d)\.xlsx$/.exec(file);
    if (summary) {
      const q = Number(summary[1]);
      for (const [sheet, period] of [
        [`第${'一二三四'[q - 1]}季度`, `Q${q}`],
        ['年初至今', ytd(q)],
      ] as const) {
        const rows = sheets.get(sheet)!;
        expect(rows, `${file} ${sheet}`).toBeDefined();
        const rate = columnOf(rows, (h) => h === '整改率');
        expect(rate, `${file} ${sheet} 整改率 column`).toBeGreaterThan(0);
        for (const r of rows)
          if (unitNames().has(r[1] ?? '') && percentCell.test(r[rate] ?? '')) record(`${file} ${sheet}`, `rect|${r[1]}|${period}`, r[rate]!);
      }
    } else if (bulletin) {
      const q = Number(bulletin[1]);
      const rows = sheets.get('排名')!;
      const groups = rows.slice(0, 4).find((r) => r.some((c) => c.includes('整改率')))!;
      for (const [kind, word, period] of [
        ['rect', '整改率', ytd(q)],
        ['ontime', '按时报送率', `Q${q}`],
      ] as const) {
        const at = groups.findIndex((c) => c.includes(word));
        if (at < 0) continue;
        // Each indicator's block: 名次, 镇街, 数值.
        for (const r of rows)
          if (unitNames().has(r[at + 1] ?? '') && percentCell.test(r[at + 2] ?? '')) record(`${file} 排名`, `${kind}|${r[at + 1]}|${period}`, r[at + 2]!);
      }
    } else if (file === '年度汇总-2024.xlsx') {
      const whole = sheets.get(last === 4 ? '全年' : '年初至今')!;
      const rate = columnOf(whole, (h) => h === '整改率');
      for (const r of whole) if (unitNames().has(r[1] ?? '') && percentCell.test(r[rate] ?? '')) record(`${file} 全年`, `rect|${r[1]}|${ytd(last)}`, r[rate]!);
      const byQuarter = sheets.get('分季度')!;
      const qrate = columnOf(byQuarter, (h) => h === '整改率');
      for (const r of byQuarter) {
        const numeral = /^第(.)季度$/.exec(r[1] ?? '')?.[1];
        const q = numeral ? '一二三四'.indexOf(numeral) + 1 : 0;
        const period = q > 0 ? `Q${q}` : r[1] === '全年' || r[1] === '年初至今' ? ytd(last) : undefined;
        if (period && percentCell.test(r[qrate] ?? '')) record(`${file} 分季度`, `rect|全区合计|${period}`, r[qrate]!);
      }
    }
  }
}

describe('one rate, one value', () => {
  beforeAll(() => {
    expected = expectedRates();
    collectPages();
    collectTexts();
    collectWorkbooks();
  });

  it('the JSON carries every rate exact: the quotient of its counts, unrounded', () => {
    for (const q of built.documents.quarters.map((d) => d.quarter)) {
      const doc = JSON.parse(readFileSync(join(built.out, 'data', `quarter-2024-Q${q}.json`), 'utf8')) as QuarterDocument;
      for (const r of doc.rows) {
        if (r.quarter.hazards_found) expect(r.rectificationRate, `${r.unit} Q${q}`).toBe(r.quarter.hazards_rectified! / r.quarter.hazards_found);
        if (r.yearToDate.hazards_found)
          expect(r.yearToDateRectificationRate, `${r.unit} ${ytd(q)}`).toBe(r.yearToDate.hazards_rectified! / r.yearToDate.hazards_found);
      }
      const bulletin = JSON.parse(readFileSync(join(built.out, 'data', `bulletin-2024-Q${q}.json`), 'utf8')) as BulletinDocument;
      for (const ranking of bulletin.rankings.filter((x) => x.indicator.endsWith('_rate'))) {
        for (const e of ranking.entries.filter((x) => x.value !== null)) {
          const rate = expected.get(
            `${ranking.indicator === 'on_time_rate' ? 'ontime' : 'rect'}|${e.unit}|${ranking.indicator === 'on_time_rate' ? `Q${q}` : ytd(q)}`,
          )!;
          expect(rate, `${ranking.indicator} ${e.unit} Q${q}`).toBeDefined();
          expect(e.value, `${ranking.indicator} ${e.unit} Q${q}`).toBe(rate.n / rate.d);
        }
      }
    }
    for (const t of built.documents.townships) {
      const doc = JSON.parse(readFileSync(join(built.out, 'data', `township-${t.code}-2024.json`), 'utf8')) as TownshipDocument;
      const r = expected.get(`rect|${t.unit}|${ytd(lastQuarter())}`)!;
      expect(doc.rectification.unit).toEqual({ rectified: r.n, found: r.d, rate: r.n / r.d });
    }
    // The two that used to differ: 510/567 and 521/566, kept as they are.
    expect(expected.get(`rect|龙溪街道|${ytd(4)}`)).toEqual({ n: 510, d: 567 });
    expect(expected.get(`rect|双龙湖街道|${ytd(4)}`)).toEqual({ n: 521, d: 566 });
  });

  it('pages, text, docx and workbooks print every rate with the digits of its exact fraction, rounded half-up once', () => {
    const wrong = printed.filter((p) => {
      const r = expected.get(p.key);
      return !r || p.digits !== halfUp(r.n, r.d);
    });
    expect(
      wrong.map(
        (p) =>
          `${p.where}: ${p.key} printed ${p.digits}, exact ${expected.get(p.key) ? halfUp(expected.get(p.key)!.n, expected.get(p.key)!.d) : '(no such rate)'}`,
      ),
    ).toEqual([]);
    // The shared formatter agrees with the integer rounding on every rate of the year.
    for (const [key, r] of expected) expect(percentText(r.n / r.d), key).toBe(halfUp(r.n, r.d));
  });

  it('each kind of output prints the rates it shows — 龙溪街道 89.9% and 双龙湖街道 92.0% among them', () => {
    const kindOf = (where: string) => (where.endsWith('.html') ? 'page' : where.includes('.xlsx') ? 'xlsx' : where.startsWith('docx/') ? 'docx' : 'text');
    const kinds = (key: Key) => new Set(printed.filter((p) => p.key === key).map((p) => kindOf(p.where)));
    for (const [unit, digits] of [
      ['龙溪街道', '89.9%'],
      ['双龙湖街道', '92.0%'],
    ] as const) {
      const key = `rect|${unit}|${ytd(4)}`;
      expect(halfUp(expected.get(key)!.n, expected.get(key)!.d)).toBe(digits);
      expect([...kinds(key)].sort(), unit).toEqual(expect.arrayContaining(['page', 'xlsx']));
      expect(
        printed.filter((p) => p.key === key).every((p) => p.digits === digits),
        unit,
      ).toBe(true);
    }
    // 龙溪街道 is among the last in Q4's 累计整改率, so the 通报 names it: text (and docx when published).
    expect(kinds(`rect|龙溪街道|${ytd(4)}`).has('text')).toBe(true);
    if (built.files.some((f) => f.startsWith('docx/'))) expect(kinds(`rect|龙溪街道|${ytd(4)}`).has('docx')).toBe(true);
    // Every source was read: pages, workbooks and text each printed hundreds of rates.
    const count = (kind: string) => printed.filter((p) => kindOf(p.where) === kind).length;
    expect(count('page')).toBeGreaterThan(200);
    expect(count('xlsx')).toBeGreaterThan(200);
    expect(count('text')).toBeGreaterThan(4);
  });

  it('a rate over 100% is explained wherever it is printed', () => {
    const over = (digits: string) => Number.parseFloat(digits) > 100;
    expect(
      printed.some((p) => over(p.digits)),
      'the demo year has quarters where more was rectified than found',
    ).toBe(true);
    for (const where of new Set(printed.filter((p) => over(p.digits)).map((p) => p.where))) {
      const [file, sheet] = where.split(' ');
      let text: string;
      if (file!.endsWith('.html')) text = textOf(readPage(file!));
      else if (file!.endsWith('.xlsx')) text = shown.get(file!)!.get(sheet!)!.flat().join('\n');
      else if (file!.endsWith('.docx')) text = docxText(join(built.out, file!));
      else text = readFileSync(join(built.out, file!), 'utf8');
      expect(text.replace(/\s+/g, ''), where).toContain(overHundredNote.replace(/\s+/g, ''));
    }
  });

  it('reads the docx when the build publishes one', () => {
    const docx = built.files.filter((f) => f.startsWith('docx/'));
    for (const f of docx) expect(existsSync(join(built.out, f))).toBe(true);
    if (docx.length > 0) expect(printed.some((p) => p.where.startsWith('docx/'))).toBe(true);
  });
});
