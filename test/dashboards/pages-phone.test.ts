import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../warehouse/query.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { chromiumPath, hasChromium, launchChromium, offlineContext } from '../support/browser.js';
import { demoYear, type BuiltYear } from '../support/demo-year.js';

/**
 * The leadership site as it is read on a phone and as a way into the files behind it: the demo
 * year through the real pipeline and every publisher, then Chromium at 390×844 from file:// with
 * the network blocked.
 */

const screenshots = new URL('../screenshots/', import.meta.url).pathname;
const phone = { width: 390, height: 844 };
const asOf = '2025-01-20';

let out: string;
let warehouse: Warehouse;
let built: BuiltYear;
let browser: Browser;
let pages: string[];

const url = (file: string) => pathToFileURL(join(out, file)).href;

/** The leadership site's pages (other pages in the folder, such as the townships' 自检.html, are not part of it). */
const sitePages = () => pages.filter((f) => /^(?:index|quarter-|dispatch-|bulletin-|township-)/.test(f));

/** Every file under the output folder, relative to it. */
function filesUnder(root: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else found.push(relative(root, p).split('\\').join('/'));
    }
  };
  walk(root);
  return found;
}

/** The `href`s of a page's links that lead to files (not anchors on the page). */
function fileHrefs(html: string): string[] {
  return [...html.matchAll(/<a\b[^>]*\shref="([^"#][^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&').split('#')[0]!);
}

async function count(sql: string): Promise<number> {
  return Number((await queryRows(warehouse, sql)).rows[0]!.n);
}

/** Open hazards at the end of a day, by the rule of `hazards_open` read at that day (written out here, apart from the build's). */
function openAtSql(day: string): string {
  return `SELECT count(*) AS n FROM hazards
          WHERE found_year <= 2024 AND inspection_date <= DATE '${day}'
            AND NOT (rectified_date IS NOT NULL AND rectified_date <= DATE '${day}')
            AND NOT (rectified_date IS NULL AND status = '已整改')`;
}

/** The open-hazard total a 调度 page states in its text. */
function pageOpenTotal(html: string): number {
  const m = /尚未整改的隐患共 <b>(\d+)<\/b> 处/.exec(html);
  if (!m) throw new Error('调度页没有写未整改隐患总数');
  return Number(m[1]);
}

beforeAll(async () => {
  if (!hasChromium()) throw new Error(`没有找到 Chromium（${chromiumPath}）：请先 apt-get install -y chromium fonts-noto-cjk，或用 CHROMIUM_PATH 指定`);
  const demo = demoYear();
  out = demo.out;
  warehouse = await Warehouse.open({ path: demo.warehousePath, readOnly: true });
  built = demo;
  pages = readdirSync(out)
    .filter((f) => f.endsWith('.html'))
    .sort();
  browser = await launchChromium();
  mkdirSync(screenshots, { recursive: true });
  // The whole demo year through every publisher: minutes on a busy machine.
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await warehouse?.close();
});

describe('links to the files behind each page', () => {
  it('every link on every page resolves to a file in the output folder', () => {
    for (const f of [
      'index.html',
      ...[1, 2, 3, 4].flatMap((q) => [`quarter-2024-Q${q}.html`, `dispatch-2024-Q${q}.html`, `bulletin-2024-Q${q}.html`]),
      ...built.documents.townships.map((t) => `township-${t.code}.html`),
    ]) {
      expect(pages, f).toContain(f);
    }
    for (const f of sitePages()) {
      const hrefs = fileHrefs(readFileSync(join(out, f), 'utf8'));
      expect(hrefs.length, f).toBeGreaterThan(0);
      for (const h of hrefs) {
        expect(h, f).not.toMatch(/^(?:[a-z]+:|\/)/i);
        const target = fileURLToPath(new URL(h, url(f)));
        expect(existsSync(target) && statSync(target).isFile(), `${f} → ${decodeURIComponent(h)}`).toBe(true);
        expect(target.startsWith(`${out}/`), `${f} → ${h}`).toBe(true);
      }
    }
  });

  it('each page links the outputs behind it, and index.html reaches every workbook, document and text', () => {
    const linked = (f: string) => new Set(fileHrefs(readFileSync(join(out, f), 'utf8')).map((h) => decodeURIComponent(h)));
    const outputs = filesUnder(out).filter((p) => /^(?:xlsx|docx|text)\//.test(p));
    expect(outputs.filter((p) => p.startsWith('xlsx/')).length).toBe(13);
    expect(outputs.filter((p) => p.startsWith('text/')).length).toBeGreaterThanOrEqual(5);
    expect(outputs.filter((p) => p.startsWith('docx/')).length).toBe(5);
    const fromIndex = linked('index.html');
    for (const p of outputs) expect(fromIndex.has(p), `index.html → ${p}`).toBe(true);
    // The quarter's own files from its pages.
    for (const q of [1, 2, 3, 4]) {
      const own = (kind: string, name: string) =>
        outputs.filter((p) => p.includes(`${name}-2024-Q${q}.`)).every((p) => linked(`${kind}-2024-Q${q}.html`).has(p));
      expect(own('quarter', '汇总表'), `Q${q} 汇总表`).toBe(true);
      expect(own('dispatch', '调度表'), `Q${q} 调度表`).toBe(true);
      expect(own('bulletin', '通报'), `Q${q} 通报`).toBe(true);
      expect(linked(`bulletin-2024-Q${q}.html`).has(`docx/通报-2024-Q${q}.docx`), `Q${q} 通报 .docx`).toBe(true);
    }
    for (const t of built.documents.townships) expect(linked(`township-${t.code}.html`).has('xlsx/年度汇总-2024.xlsx'), t.code).toBe(true);
  });
});

describe('调度 as it was', () => {
  it('a past quarter counts open hazards at its end and says so; the current one at the as-of date', async () => {
    const doc = (q: number) => built.documents.dispatch.find((d) => d.quarter === q)!;
    const html = (q: number) => readFileSync(join(out, `dispatch-2024-Q${q}.html`), 'utf8');
    const q1 = pageOpenTotal(html(1));
    const q4 = pageOpenTotal(html(4));
    expect(q1).toBe(await count(openAtSql('2024-03-31')));
    expect(pageOpenTotal(html(2))).toBe(await count(openAtSql('2024-06-30')));
    expect(q1).toBeGreaterThan(0);
    expect(q1).not.toBe(q4);
    // The current quarter is today's backlog: the hazards_open view at the as-of date.
    expect(q4).toBe(await count(`SELECT count(*) AS n FROM hazards_open WHERE year <= 2024`));
    // The table adds up to the stated total, and the page names the day.
    expect(doc(1).openHazards.reduce((a, r) => a + r.open, 0)).toBe(q1);
    expect(doc(1).openHazardsAt).toEqual({ date: '2024-03-31', basis: 'quarter_end' });
    expect(doc(4).openHazardsAt).toEqual({ date: asOf, basis: 'as_of' });
    expect(html(1)).toContain('截至 2024-03-31（第一季度末）');
    expect(html(1)).toContain('不是今天的积压');
    expect(html(1)).toContain('href="dispatch-2024-Q4.html#hazards"');
    expect(html(4)).toContain(`截至 ${asOf}（数据截止日）`);
    expect(html(4)).not.toContain('季度末');
  });
});

describe('on a phone (390×844, offline)', () => {
  it('every township in the menu can be scrolled into view and tapped', async () => {
    const { context, requests } = await offlineContext(browser, phone);
    const page = await context.newPage();
    const towns = built.documents.index.townships;
    expect(towns).toHaveLength(22);
    for (const start of ['index.html', 'township-ZJ22.html']) {
      await page.goto(url(start));
      await page.locator('.nav-towns summary').click();
      for (const t of towns) {
        const link = page.locator('.town-links').getByRole('link', { name: t.unit, exact: true });
        await link.scrollIntoViewIfNeeded();
        const box = (await link.boundingBox())!;
        expect(box.x, t.unit).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width, t.unit).toBeLessThanOrEqual(phone.width);
        expect(box.height, t.unit).toBeGreaterThanOrEqual(24);
      }
    }
    // Tap each one, as a person would, from a fresh page.
    for (const t of towns) {
      await page.goto(url('index.html'));
      await page.locator('.nav-towns summary').click();
      await page.locator('.town-links').getByRole('link', { name: t.unit, exact: true }).click();
      await expect.poll(() => page.url()).toBe(url(`township-${t.code}.html`));
    }
    await context.close();
    expect(requests.every((r) => r.startsWith(`${pathToFileURL(out).href}/`))).toBe(true);
  });

  it('pages fit the screen; a wide table scrolls sideways with its unit column fixed', async () => {
    const { context, requests } = await offlineContext(browser, phone);
    const page = await context.newPage();
    for (const f of sitePages()) {
      await page.goto(url(f));
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
      expect(scrollWidth, `${f} 横向溢出`).toBeLessThanOrEqual(innerWidth);
    }
    for (const [f, table] of [
      ['quarter-2024-Q2.html', '#summary .table-wrap'],
      ['dispatch-2024-Q1.html', '#hazards .table-wrap'],
      ['township-ZJ01.html', '#compare .table-wrap'],
    ] as const) {
      await page.goto(url(f));
      const wrap = page.locator(table).first();
      await wrap.scrollIntoViewIfNeeded();
      const before = await firstColumn(page, table);
      expect(before.scrollWidth, `${f} 表格应比屏幕宽`).toBeGreaterThan(before.clientWidth + 100);
      // Scroll sideways with the wheel over the table, as a person would: again if a busy machine
      // lost the first turn (the box is measured each time, after any scrolling into view settled).
      await expect
        .poll(async () => {
          const left = (await firstColumn(page, table)).scrollLeft;
          if (left > 100) return left;
          const box = (await wrap.boundingBox())!;
          await page.mouse.move(box.x + box.width / 2, box.y + Math.min(box.height / 2, 200));
          await page.mouse.wheel(400, 0);
          return (await firstColumn(page, table)).scrollLeft;
        })
        .toBeGreaterThan(100);
      const after = await firstColumn(page, table);
      // The unit column stays at the frame's left edge (x≈0 of the table's frame), other columns moved.
      expect(Math.abs(after.unitLeft - after.wrapLeft), f).toBeLessThanOrEqual(1);
      expect(Math.abs(after.headLeft - after.wrapLeft), f).toBeLessThanOrEqual(1);
      expect(after.secondLeft, f).toBeLessThan(before.secondLeft - 100);
      expect(after.unitText, f).toBe(before.unitText);
      expect(after.unitOnTop, `${f} 单位列被其他列盖住`).toBe(true);
    }
    await context.close();
    expect(requests.every((r) => r.startsWith('file://'))).toBe(true);
  });

  it('chart text stays at 10 px or more, axes carry units, and mixed units are said', async () => {
    const { context, requests } = await offlineContext(browser, phone);
    const page = await context.newPage();
    let charts = 0;
    for (const f of sitePages()) {
      await page.goto(url(f));
      const found = await page.evaluate(() =>
        [...document.querySelectorAll('figure.chart')].map((fig) => {
          const visible = [...fig.querySelectorAll('svg')].filter((s) => s.getBoundingClientRect().width > 0);
          const svg = visible[0];
          const sizes = svg
            ? [...svg.querySelectorAll('text')]
                .filter((t) => (t.textContent ?? '').trim() !== '')
                .map((t) => parseFloat(getComputedStyle(t).fontSize) * (t.getScreenCTM()?.a ?? 0))
            : [];
          const texts = svg ? [...svg.querySelectorAll('text')].map((t) => t.textContent ?? '') : [];
          return {
            title: fig.querySelector('.chart-title')?.textContent ?? '',
            visible: visible.length,
            width: svg?.getBoundingClientRect().width ?? 0,
            min: Math.min(...sizes),
            count: sizes.length,
            axisUnit: texts.find((t) => t.startsWith('单位：')) ?? null,
            saysMixed: fig.querySelector('.chart-units')?.textContent ?? null,
          };
        }),
      );
      for (const c of found) {
        charts++;
        expect(c.visible, `${f} ${c.title}: one variant shown`).toBe(1);
        expect(c.width, `${f} ${c.title}`).toBeLessThanOrEqual(phone.width);
        expect(c.width, `${f} ${c.title}`).toBeGreaterThan(250);
        expect(c.count, `${f} ${c.title}`).toBeGreaterThan(3);
        expect(c.min, `${f} ${c.title}: smallest text`).toBeGreaterThanOrEqual(10);
        expect(c.axisUnit, `${f} ${c.title}: axis unit`).toMatch(/^单位：\S/);
        const units = c.axisUnit!.slice(3).split(' / ');
        if (units.length > 1) expect(c.saysMixed, `${f} ${c.title}: mixes ${units.join('、')} without saying so`).toContain(units.join('、'));
        else expect(c.saysMixed, `${f} ${c.title}`).toBeNull();
        if (units.includes('家')) expect(units, `${f} ${c.title}`).toEqual(['家']);
      }
    }
    expect(charts).toBeGreaterThanOrEqual(5 + 2 * 4 + 4 + 2 * 22);
    await context.close();
    expect(requests.every((r) => r.startsWith('file://'))).toBe(true);
  });

  it('screenshots of index.html and a township page at 390 px', async () => {
    const { context, requests } = await offlineContext(browser, phone);
    const page = await context.newPage();
    await page.goto(url('index.html'));
    await page.screenshot({ path: join(screenshots, 'phone-index-390.png'), fullPage: true });
    await page.goto(url('township-ZJ05.html'));
    await page.locator('.nav-towns summary').click();
    await page.screenshot({ path: join(screenshots, 'phone-township-ZJ05-390-menu.png') });
    await page.locator('.nav-towns summary').click();
    await page.screenshot({ path: join(screenshots, 'phone-township-ZJ05-390.png'), fullPage: true });
    await context.close();
    expect(statSync(join(screenshots, 'phone-index-390.png')).size).toBeGreaterThan(20_000);
    expect(requests.every((r) => r.startsWith('file://'))).toBe(true);
  });
});

/** Where a table's unit column and its second column are, and how far its frame is scrolled. */
function firstColumn(page: Page, table: string) {
  return page.evaluate((sel) => {
    const wrap = document.querySelector(sel) as HTMLElement;
    const row = [...wrap.querySelectorAll('tbody tr')].find((r) => r.children.length > 2)!;
    const unit = row.children[0] as HTMLElement;
    const second = row.children[1] as HTMLElement;
    const head = wrap.querySelector('thead tr > :first-child') as HTMLElement;
    const u = unit.getBoundingClientRect();
    const top = document.elementFromPoint(u.left + 4, u.top + u.height / 2);
    return {
      scrollLeft: wrap.scrollLeft,
      scrollWidth: wrap.scrollWidth,
      clientWidth: wrap.clientWidth,
      wrapLeft: wrap.getBoundingClientRect().left,
      unitLeft: u.left,
      headLeft: head.getBoundingClientRect().left,
      secondLeft: second.getBoundingClientRect().left,
      unitText: unit.textContent,
      unitOnTop: top !== null && unit.contains(top),
    };
  }, table);
}
