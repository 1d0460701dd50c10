import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formByCode } from '../../domain/forms/index.js';
import { UnitRegistry } from '../../domain/units.js';
import { defaultPublishers } from '../../dashboards/publishers.js';
import type { DocumentSet } from '../../dashboards/publisher.js';
import { selfCheckFileName, writeTemplates } from '../../dashboards/templates/write-templates.js';
import { technicalNoticeCodes } from '../../pipelines/parse/problem.js';
import { queryRows } from '../../warehouse/query.js';
import { launchChromium, offlineContext } from '../support/browser.js';
import { deliverFile, fixturesDir, memoryWarehouse, runIngest, tempDir } from '../support/ingest-helpers.js';
import { filesUnder } from '../support/files.js';

/**
 * The self-check page `自检.html`, as a clerk uses it: opened from file:// in Chromium with the
 * network blocked, files set on its input (and once dropped on it). Every fixture is also ingested
 * by the nightly pipeline under the same name — the page sees only the file's name, not its folders
 * — and both must say the same: the same problems, cell for cell, for a refused file; 可以报送 with
 * the same unit, period and rows for a loaded one.
 */

const registry = UnitRegistry.sample();
let outDir: string;
let pagePath: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let requests: string[];
const pageErrors: string[] = [];
let checks = 0;

beforeAll(async () => {
  outDir = tempDir('firestat-self-check-');
  // `firestat templates` writes the page beside the templates; no template is needed here.
  await writeTemplates({ outDir, registry, year: 2024, forms: [] });
  pagePath = join(outDir, selfCheckFileName);
  browser = await launchChromium();
  ({ context, requests } = await offlineContext(browser, { width: 1366, height: 900 }));
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('dialog', (d) => {
    pageErrors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(pathToFileURL(pagePath).href);
  await page.waitForSelector('main[data-ready]');
});

afterAll(async () => {
  await browser?.close();
});

interface PageProblem {
  severity: string;
  code: string;
  sheet: string;
  cell: string;
}

interface PageResult {
  verdict: string;
  unit: string;
  period: string;
  rows: number;
  form: string;
  problems: PageProblem[];
  markedCells: string[];
  /** The sheets shown as tables. */
  sheets: string[];
  /** Column totals shown, by field. */
  totals: Record<string, number>;
  text: string;
}

/** Waits for the page to finish the next check and reads its one result card. */
async function nextResult(): Promise<PageResult> {
  checks++;
  await page.waitForSelector(`main[data-checks="${checks}"]`, { timeout: 60_000 });
  return page.$eval('article.result', (card) => {
    const el = card as HTMLElement;
    return {
      verdict: el.dataset.verdict ?? '',
      unit: el.dataset.unit ?? '',
      period: el.dataset.period ?? '',
      rows: Number(el.dataset.rows),
      form: el.dataset.form ?? '',
      problems: [...card.querySelectorAll<HTMLElement>('li.problem')].map((li) => ({
        severity: li.dataset.severity ?? '',
        code: li.dataset.code ?? '',
        sheet: li.dataset.sheet ?? '',
        cell: li.dataset.cell ?? '',
      })),
      markedCells: [...card.querySelectorAll<HTMLElement>('td.mark-error')].map(
        (td) => `${td.closest('section')?.getAttribute('data-sheet') ?? ''}!${td.dataset.cell ?? ''}`,
      ),
      sheets: [...card.querySelectorAll<HTMLElement>('section.sheet')].map((s) => s.dataset.sheet ?? ''),
      totals: Object.fromEntries([...card.querySelectorAll<HTMLElement>('tr[data-field]')].map((tr) => [tr.dataset.field ?? '', Number(tr.dataset.total)])),
      text: el.innerText,
    };
  });
}

async function checkOnPage(file: string): Promise<PageResult> {
  await page.setInputFiles('#file', file);
  return nextResult();
}

/** A real drop: the file in a DataTransfer, dragged over the zone and dropped. */
async function dropOnPage(file: string): Promise<PageResult> {
  const dataTransfer = await page.evaluateHandle(
    ({ b64, name }) => {
      const raw = atob(b64);
      const bytes = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], name));
      return dt;
    },
    { b64: readFileSync(file).toString('base64'), name: basename(file) },
  );
  await page.dispatchEvent('#drop', 'dragenter', { dataTransfer });
  await page.dispatchEvent('#drop', 'dragover', { dataTransfer });
  await page.dispatchEvent('#drop', 'drop', { dataTransfer });
  return nextResult();
}

interface NightResult {
  status: string;
  unit?: string;
  period?: string;
  rows?: number;
  /** Loaded: the sums of the form's counts and amounts that add up, as the warehouse holds them. */
  totals?: Record<string, number>;
  problems: PageProblem[];
}

/** The nightly pipeline on the same file, under the same name (no folders: the page sees none). */
async function ingestAlone(file: string): Promise<NightResult> {
  const inbox = tempDir('firestat-self-check-inbox-');
  const when = /\/office\//.test(file) ? new Date('2025-10-10T02:00:00Z') : new Date('2024-04-05T02:00:00Z');
  deliverFile(file, inbox, basename(file), when);
  const warehouse = await memoryWarehouse();
  try {
    const result = await runIngest(warehouse, inbox, join(inbox, '..', `${basename(inbox)}-reports`), new Date(when.getTime() + 10 * 86_400_000));
    const outcome = result.outcomes[0]!;
    const { rows } = await queryRows(warehouse, 'SELECT severity, code, sheet, cell FROM submission_problems ORDER BY submission_id, seq');
    const form = outcome.status === 'loaded' ? formByCode(outcome.form ?? '') : undefined;
    const summed = form?.fields.filter((f) => (f.type === 'count' || f.type === 'amount') && f.measure !== 'stock') ?? [];
    const sums =
      form && summed.length
        ? (await queryRows(warehouse, `SELECT ${summed.map((f) => `COALESCE(SUM(${f.id}), 0)::DOUBLE AS ${f.id}`).join(', ')} FROM ${form.table}`)).rows[0]
        : undefined;
    return {
      ...(sums ? { totals: Object.fromEntries(summed.map((f) => [f.id, Math.round(Number(sums[f.id]) * 100) / 100])) } : {}),
      status: outcome.status,
      ...(outcome.unit ? { unit: outcome.unit } : {}),
      ...(outcome.period ? { period: outcome.period } : {}),
      ...(outcome.rows !== undefined ? { rows: outcome.rows } : {}),
      // The page lists what the refusal report lists: not how the file was decoded.
      problems: rows
        .filter((p) => !technicalNoticeCodes.has(String(p.code)))
        .map((p) => ({ severity: String(p.severity), code: String(p.code), sheet: String(p.sheet ?? ''), cell: String(p.cell ?? '') })),
    };
  } finally {
    await warehouse.close();
  }
}

// `refusal/`: one file with problems of several kinds; `marked/`: files for the marked-up copies.
const fixtures = ['bad', 'office/bad', 'refusal', 'marked', 'xls', 'formulas', 'inbox', 'office/2025Q3']
  .filter((d) => existsSync(join(fixturesDir, d)))
  .flatMap((d) => filesUnder(join(fixturesDir, d)))
  .filter((p) => /\.(xlsx|xlsm|xls|et|csv|txt)$/i.test(p))
  .map((p) => relative(fixturesDir, p));
const seen = { refused: 0, loaded: 0, marked: 0 };

describe('自检.html', () => {
  it('is one file under 1.5 MB with nothing to fetch', () => {
    const html = readFileSync(pagePath, 'utf8');
    const bytes = statSync(pagePath).size;
    process.stdout.write(`自检.html: ${(bytes / 1024).toFixed(0)} KB\n`);
    expect(bytes).toBeLessThan(1.5 * 1024 * 1024);
    expect(html).toContain('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'');
    // No element loads anything: no src/href attribute outside the script's own text.
    const markup = html.replace(/<script>[\s\S]*?<\/script>/g, '');
    expect(markup).not.toMatch(/\s(src|href)=/i);
    expect(markup).toContain(registry.bureau);
  });

  it.each(fixtures)('%s: the page says what the nightly run says', async (rel) => {
    const file = join(fixturesDir, rel);
    const night = await ingestAlone(file);
    // One file through a real drop event, the others through the file picker.
    const shown = rel === 'bad/2024Q1/龙兴镇/龙兴镇2024年一季度统计表.xlsx' ? await dropOnPage(file) : await checkOnPage(file);
    expect(['loaded', 'rejected']).toContain(night.status);
    if (night.status === 'rejected') {
      seen.refused++;
      expect(shown.verdict).toBe('refused');
      expect(shown.text).toContain('不能报送');
      expect(shown.problems).toEqual(night.problems);
      // Every error with a cell in a sheet shown (a CSV's problems name no sheet) is marked red in the table.
      const inShownSheet = (p: PageProblem): boolean => (p.sheet ? shown.sheets.includes(p.sheet) : shown.sheets.length === 1);
      const errorsWithCells = night.problems.filter((p) => p.severity === 'error' && /^[A-Z]+\d+$/.test(p.cell) && inShownSheet(p));
      for (const p of errorsWithCells) expect(shown.markedCells).toContain(`${p.sheet || shown.sheets[0]}!${p.cell}`);
      if (errorsWithCells.length > 0) seen.marked++;
    } else {
      seen.loaded++;
      expect(shown.verdict).toBe('ok');
      expect(shown.text).toContain('可以报送');
      expect({ unit: shown.unit, period: shown.period, rows: shown.rows }).toEqual({ unit: night.unit, period: night.period, rows: night.rows });
      // The column totals shown are the sums of what the night loaded.
      expect(shown.totals).toEqual(night.totals ?? {});
      expect(shown.problems).toEqual(night.problems);
      expect(shown.markedCells).toEqual([]);
    }
  });

  it('compared both refused and loaded files, the drop included', () => {
    expect(seen.refused).toBeGreaterThanOrEqual(12);
    expect(seen.loaded).toBeGreaterThanOrEqual(25);
    expect(seen.marked).toBeGreaterThanOrEqual(4);
  });

  it('shows what a cell holds as text, never as markup', async () => {
    const dir = tempDir('firestat-self-check-xss-');
    const file = join(dir, '龙兴镇2024年一季度<b>统计表<i>.csv');
    const header = '镇街,统计期间,检查社会单位数（家）,发现火灾隐患数（处）,整改火灾隐患数（处）';
    writeFileSync(file, `${header}\n龙兴镇,2024年第一季度,<script>window.pwned=1</script>,<img src=x onerror="window.pwned=2">,3\n`);
    const shown = await checkOnPage(file);
    expect(shown.verdict).toBe('refused');
    expect(shown.text).toContain('<script>window.pwned=1</script>');
    expect(shown.text).toContain('<img src=x onerror="window.pwned=2">');
    expect(shown.text).toContain('<b>统计表<i>');
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.$$('article script, article img, article b, article i')).toHaveLength(0);
  });

  it('tells plainly what it cannot check', async () => {
    const dir = tempDir('firestat-self-check-pdf-');
    const file = join(dir, '龙兴镇2024年一季度统计表.pdf');
    writeFileSync(file, '%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n1 0 obj\n<<>>\nendobj\n');
    const shown = await checkOnPage(file);
    expect(shown.verdict).toBe('refused');
    expect(shown.problems.map((p) => p.code)).toEqual(['unsupported_format']);
    expect(shown.text).toContain('PDF');
  });

  it('a refused file, as the clerk sees it (screenshot)', async () => {
    const file = join(fixturesDir, 'office/bad/龙兴镇/龙兴镇隐患台账2025Q3.xlsx');
    await checkOnPage(file);
    await page.evaluate(() => window.scrollTo(0, 0));
    const shot = join(outDir, 'self-check-refused.png');
    await page.screenshot({ path: shot, fullPage: true });
    process.stdout.write(`screenshot: ${shot}\n`);
    expect(statSync(shot).size).toBeGreaterThan(10_000);
  });

  it('made no request outside file:// and raised no error', () => {
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('is also what `firestat build` publishes', async () => {
    const publisher = (await defaultPublishers(registry)).find((p) => p.name === '报表自检页');
    expect(publisher).toBeDefined();
    const files = await publisher!.publish({} as DocumentSet);
    expect(files.map((f) => f.path)).toEqual([selfCheckFileName]);
    expect(Buffer.from(files[0]!.content as Uint8Array).equals(readFileSync(pagePath))).toBe(true);
  });
});
