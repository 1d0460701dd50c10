import { mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type BuildResult } from '../../dashboards/build.js';
import { JsonPublisher } from '../../dashboards/json-publisher.js';
import { PagesPublisher } from '../../dashboards/pages/pages-publisher.js';
import { UnitRegistry } from '../../domain/units.js';
import { ingest } from '../../pipelines/ingest/ingest.js';
import { FolderInbox } from '../../sources/inbox/folder-inbox.js';
import { writeSampleInbox, type SampleManifest } from '../../sources/sample/index.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { chromiumPath, hasChromium, launchChromium, offlineContext } from '../support/browser.js';
import { tempDir } from '../support/ingest-helpers.js';

/**
 * The static site as a person sees it: the sample year goes through the real pipeline, then
 * Chromium opens every page from file:// with the network blocked.
 */

const screenshots = new URL('../screenshots/', import.meta.url).pathname;
const generatedAt = '2025-01-20T02:00:00.000Z';

/** A refused submission whose file name and cell carry markup; both reach the township page as text. */
const probeImg = '<img src=x onerror="window.__xss=1">';
const probeScript = '<script>window.__xss=1</script>';
const probePath = `2024Q4/龙溪街道2024年第四季度消防执法工作统计表${probeImg}.csv`;
const probeCsv =
  '\ufeff序号,镇街,统计期间,检查社会单位数（家）,发现火灾隐患数（处）,整改火灾隐患数（处）,赋权执法案件一般程序（起）,赋权执法案件简易程序（起）,委托执法案件一般程序（起）,委托执法案件简易程序（起）,联合执法检查（次）,消防管理岗人员（名）\n' +
  `1,龙溪街道,2024Q4,${probeScript},1,1,0,0,0,0,0,2\n`;

/** Figures of the seed report's section 一 as the 年度总览 shows them. */
const seedPhrases = {
  bureau: [
    '9858 人次',
    '4929 份',
    '2838 处',
    '2792 处',
    '2476 份',
    '7 份',
    '6 件',
    '1283 件',
    '619 件',
    '521 件',
    '36 家',
    '4 家',
    '484 件',
    '1 份',
    '10万人次',
    '4 场次',
  ],
  townships: ['7982 家', '9829 处', '9062 处', '280 起', '70 起', '300 余次', '34 名'],
};

let dir: string;
let out: string;
let manifest: SampleManifest;
let built: BuildResult;
let browser: Browser;
let pages: string[];
const timings: Record<string, number> = {};

async function timed<T>(name: string, f: () => Promise<T>): Promise<T> {
  const t = performance.now();
  try {
    return await f();
  } finally {
    timings[name] = Math.round(performance.now() - t);
  }
}

const url = (file: string) => pathToFileURL(join(out, file)).href;

/** Console errors and uncaught exceptions of a page. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  return errors;
}

beforeAll(async () => {
  if (!hasChromium()) throw new Error(`没有找到 Chromium（${chromiumPath}）：请先 apt-get install -y chromium fonts-noto-cjk，或用 CHROMIUM_PATH 指定`);
  dir = tempDir('firestat-pages-');
  out = join(dir, 'out');
  const inbox = join(dir, 'inbox');
  manifest = await timed('sample', () => writeSampleInbox({ outDir: inbox, year: 2024, seed: 1 }));
  mkdirSync(join(inbox, '2024Q4'), { recursive: true });
  writeFileSync(join(inbox, probePath), probeCsv);
  const probeTime = new Date('2025-01-15T02:00:00Z');
  utimesSync(join(inbox, probePath), probeTime, probeTime);
  const warehouse = await Warehouse.open({ path: join(dir, 'warehouse.duckdb') });
  try {
    await timed('ingest', () =>
      ingest({
        source: new FolderInbox(inbox),
        warehouse,
        registry: UnitRegistry.sample(),
        reportsDir: join(dir, 'reports'),
        clock: () => new Date('2025-01-20T01:00:00Z'),
      }),
    );
    built = await timed('build', () =>
      build({ warehouse, outDir: out, year: 2024, generatedAt, asOf: '2025-01-20', publishers: [new PagesPublisher(), new JsonPublisher()] }),
    );
  } finally {
    await warehouse.close();
  }
  pages = readdirSync(out)
    .filter((f) => f.endsWith('.html'))
    .sort();
  browser = await timed('launch', () => launchChromium());
  mkdirSync(screenshots, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  console.log(`pages-browser timings (ms): ${JSON.stringify(timings)}`);
});

describe('static site (file://, offline, Chromium)', () => {
  it('writes index.html, a page per quarter and kind, a page per township, and the stylesheet', () => {
    const q = [1, 2, 3, 4];
    const expected = [
      'index.html',
      ...q.map((n) => `quarter-2024-Q${n}.html`),
      ...q.map((n) => `dispatch-2024-Q${n}.html`),
      ...q.map((n) => `bulletin-2024-Q${n}.html`),
      ...built.documents.townships.map((t) => `township-${t.code}.html`),
    ];
    expect(pages).toEqual([...expected].sort());
    expect(pages).toHaveLength(13 + 22);
    expect(built.files).toContain('assets/site.css');
    const css = readFileSync(join(out, 'assets/site.css'), 'utf8');
    expect(css).toContain('@page { size: A4; margin: 15mm; }');
    expect(css).toContain('"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif');
    for (const f of pages) {
      const html = readFileSync(join(out, f), 'utf8');
      // Nothing to fetch: no scripts, no absolute URLs, relative stylesheet.
      expect(html, f).not.toMatch(/<script/i);
      expect(html, f).not.toMatch(/(?:src|href)="(?:https?:)?\/\//i);
      expect(html, f).not.toMatch(/@import|url\(\s*['"]?https?:/i);
      expect(html, f).toContain('<link rel="stylesheet" href="assets/site.css">');
      // Links only to files this build wrote: its JSON, no workbook or text it did not make.
      expect(html, f).not.toMatch(/href="(?:xlsx|text|docx)\//);
      expect(html, f).toMatch(/<nav class="outputs screen-only"[^>]*>.*href="data\/[^"]+\.json"/);
    }
  });

  it('same documents give the same bytes except the generation time', async () => {
    // The pages link the files the build's other publisher (JSON) wrote: told the same files, they come out the same.
    const others = built.files.filter((p) => p.startsWith('data/'));
    const again = await new PagesPublisher().publish(
      { ...built.documents, index: { ...built.documents.index, generatedAt: '2030-06-01T00:00:00.000Z' } },
      others,
    );
    expect(again.map((f) => f.path).sort()).toEqual([...pages, 'assets/site.css'].sort());
    for (const f of again) {
      const first = readFileSync(join(out, f.path), 'utf8').replace('2025-01-20 10:00:00', 'TIME');
      expect(String(f.content).replace('2030-06-01 08:00:00', 'TIME'), f.path).toBe(first);
    }
  });

  it('carries no personal data from the sample (parties, clerks, phone numbers)', () => {
    const secrets = [...manifest.personNames, ...manifest.contactNames, ...manifest.phoneNumbers];
    expect(secrets.length).toBeGreaterThan(10);
    for (const f of [...pages, ...readdirSync(join(out, 'data')).map((d) => `data/${d}`)]) {
      const text = readFileSync(join(out, f), 'utf8');
      for (const s of secrets) expect(text.includes(s), `${s} in ${f}`).toBe(false);
    }
  });

  it('opens every page offline at 1366×768 and 1920×1080: no errors, no network, charts drawn, nothing spills sideways', async () => {
    const viewports = [
      { width: 1366, height: 768 },
      { width: 1920, height: 1080 },
    ];
    // Full-length pictures of one page of each kind; the first screen of every page.
    const fullLength = new Set(['index.html', 'quarter-2024-Q2.html', 'dispatch-2024-Q1.html', 'bulletin-2024-Q2.html', 'township-ZJ01.html']);
    const chartsPerKind: Record<string, number> = { index: 5, quarter: 2, dispatch: 1, bulletin: 1, township: 2 };
    await timed('pages', () =>
      Promise.all(
        viewports.map(async (viewport) => {
          const { context, requests } = await offlineContext(browser, viewport);
          const page = await context.newPage();
          const errors = watchErrors(page);
          let navTargets: string[] | undefined;
          for (const f of pages) {
            await page.goto(url(f));
            const shape = await page.evaluate(() => ({
              nav: [...document.querySelectorAll('.site-nav a')].map((a) => (a as HTMLAnchorElement).href),
              current: document.querySelectorAll('.site-nav [aria-current="page"]').length,
              charts: [...document.querySelectorAll('figure.chart')].map((fig) => {
                const svg = fig.querySelector('svg');
                return {
                  paths: svg?.querySelectorAll('path').length ?? 0,
                  width: svg?.getBoundingClientRect().width ?? 0,
                  texts: svg?.querySelectorAll('text').length ?? 0,
                };
              }),
              scrollWidth: document.documentElement.scrollWidth,
              innerWidth: window.innerWidth,
              h1: document.querySelector('h1')?.textContent ?? '',
              sources: document.querySelectorAll('#sources').length,
              scopes: document.querySelectorAll('.scope a[href]').length,
            }));
            // The same navigation on every page, reaching every page, with this one marked.
            navTargets ??= shape.nav;
            expect(shape.nav, f).toEqual(navTargets);
            expect(new Set(shape.nav.map((h) => decodeURIComponent(h.split('/').at(-1)!)))).toEqual(new Set(pages));
            expect(shape.current, f).toBe(1);
            const kind = f === 'index.html' ? 'index' : f.split('-')[0]!;
            expect(shape.charts.length, f).toBe(chartsPerKind[kind]);
            for (const c of shape.charts) {
              expect(c.paths, f).toBeGreaterThan(4);
              expect(c.texts, f).toBeGreaterThan(2);
              expect(c.width, f).toBeGreaterThan(200);
            }
            expect(shape.scrollWidth, `${f} 横向溢出 at ${viewport.width}`).toBeLessThanOrEqual(shape.innerWidth);
            expect(shape.h1, f).not.toBe('');
            expect(shape.sources, f).toBe(1);
            expect(shape.scopes, f).toBeGreaterThan(0);
            const name = f.replace(/\.html$/, '');
            await page.screenshot({
              path: join(screenshots, `${name}-${viewport.width}x${viewport.height}.png`),
              fullPage: viewport.width === 1366 && fullLength.has(f),
            });
          }
          await context.close();
          expect(errors).toEqual([]);
          const outside = requests.filter((r) => !r.startsWith(`${pathToFileURL(out).href}/`));
          expect(outside).toEqual([]);
          expect(requests.length).toBeGreaterThanOrEqual(pages.length);
        }),
      ),
    );
  });

  it('shows the seed report’s figures as text on 年度总览, with the drafted paragraphs', async () => {
    const { context } = await offlineContext(browser);
    const page = await context.newPage();
    await page.goto(url('index.html'));
    const bureau = await page.locator('#bureau').innerText();
    const towns = await page.locator('#townships').innerText();
    for (const p of seedPhrases.bureau) expect(bureau).toContain(p);
    for (const p of seedPhrases.townships) expect(towns).toContain(p);
    const main = await page.locator('main').innerText();
    for (const n of ['9858', '4929', '2838', '2792', '2476', '521', '484', '7982', '9829', '9062', '280', '70', '34', '10万', '300 余'])
      expect(main).toContain(n);
    expect(main).toContain('开展联合执法检查 300 余次');
    expect(main).toContain('火灾调查共 484 件');
    // Each section states its period and units.
    expect(await page.locator('#bureau .scope').innerText()).toMatch(/2024年1—12月[\s\S]*局本级 4 个科室/);
    expect(await page.locator('#townships .scope').innerText()).toMatch(/2024年1—12月[\s\S]*22 个镇街/);
    await context.close();
  });

  it('navigation menus lead where they say, and figures link to the submissions behind them', async () => {
    const { context, requests } = await offlineContext(browser);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(url('index.html'));
    // Follow links as a person would: the quarter menu, then a township from the 镇街 menu.
    await page.locator('.site-nav .nav-group', { hasText: '调度' }).getByRole('link', { name: '二季度' }).click();
    await expect.poll(() => page.url()).toMatch(/dispatch-2024-Q2\.html$/);
    expect(await page.locator('h1').innerText()).toBe('2024年第二季度调度');
    await page.locator('.nav-towns summary').click();
    await page.locator('.town-links').getByRole('link', { name: '龙溪街道' }).click();
    await expect.poll(() => page.url()).toMatch(/township-ZJ01\.html$/);
    expect(await page.locator('h1').innerText()).toBe('龙溪街道2024年');
    // A row of the 汇总 links to the file it came from, listed under 数据来源.
    await page.goto(url('quarter-2024-Q1.html'));
    const src = page.locator('#summary a.src').first();
    const anchor = (await src.getAttribute('href'))!;
    expect(anchor).toMatch(/^#src-\d+$/);
    const row = await page.locator(`#sources tr${anchor}`).innerText();
    expect(row).toContain('龙溪街道');
    expect(row).toMatch(/T1\s+2024年第一季度\s+2024-\d\d-\d\d/);
    await context.close();
    expect(errors).toEqual([]);
    expect(requests.every((r) => r.startsWith('file://'))).toBe(true);
  });

  it('shows submitted text as text: the refused probe file and its reason appear on the township page, and nothing runs', async () => {
    const { context } = await offlineContext(browser);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(url('township-ZJ01.html'));
    const text = await page.locator('#status').innerText();
    expect(text).toContain(probePath);
    expect(text).toContain(probeScript);
    expect(text).toContain(`退回原因：`);
    expect(await page.locator('#status .reasons').innerText()).toContain(`填的是 “${probeScript}”`);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('main script').count()).toBe(0);
    expect(readFileSync(join(out, 'township-ZJ01.html'), 'utf8')).toContain('&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;');
    await context.close();
    expect(errors).toEqual([]);
  });

  it('调度 shows each status with its reason on hover, and who was late below the table', async () => {
    const { context } = await offlineContext(browser);
    const page = await context.newPage();
    await page.goto(url('dispatch-2024-Q3.html'));
    const doc = built.documents.dispatch.find((d) => d.quarter === 3)!;
    const lateSlots = doc.matrix.filter((m) => m.status === 'late');
    expect(lateSlots.length).toBeGreaterThan(0);
    const late = page.locator('table.matrix td.st-late');
    expect(await late.count()).toBe(lateSlots.length);
    expect(await late.first().getAttribute('title')).toMatch(/逾期报送；截止 2024-\d\d-10；首次收到 2024-10-/);
    expect(await page.locator('#late + ul').innerText()).toContain('兴隆镇');
    expect(await page.locator('table.matrix td.st-on_time').count()).toBe(doc.statusCounts.on_time);
    expect(await page.locator('#findings').innerText()).toContain('统计表与台账不符');
    expect(await page.locator('#hazards table').innerText()).toContain('回兴街道');
    await context.close();
  });

  it('prints the 通报 on A4 without the navigation', async () => {
    const { context } = await offlineContext(browser);
    const page = await context.newPage();
    await page.goto(url('bulletin-2024-Q2.html'));
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.site-nav').isVisible()).toBe(false);
    await page.emulateMedia({ media: 'screen' });
    const pdf = await timed('pdf', () => page.pdf({ format: 'A4', printBackground: true }));
    writeFileSync(join(screenshots, 'bulletin-2024-Q2.pdf'), pdf);
    const pageCount = (pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
    expect(pdf.length).toBeGreaterThan(10_000);
    expect(pageCount).toBeGreaterThanOrEqual(3);
    expect(pageCount).toBeLessThanOrEqual(10);
    await context.close();
  });
});
