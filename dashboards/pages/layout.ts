import type { Source } from '../data/documents.js';
import { beijingTime, overHundredFootnote, quarterNumeral } from './format.js';
import { html, join, type Html, type Interpolation } from './html.js';
import { outputsBar } from './output-links.js';
import { files, formName, sourceAnchor, type Site } from './site.js';

/** Which page is being shown, for the navigation's highlight. */
export type Current =
  | { readonly kind: 'index' }
  | { readonly kind: 'quarter' | 'dispatch' | 'bulletin'; readonly quarter: number }
  | { readonly kind: 'township'; readonly code: string };

/** One page of the site. */
export interface PageSpec {
  /** `<title>` and heading. */
  readonly title: string;
  /** Under the heading: what the page covers. */
  readonly lead: Html;
  readonly current: Current;
  readonly body: Html;
  /** The submissions behind the page's figures (listed under 数据来源). */
  readonly sources: readonly Source[];
  /** Extra class on `<body>` (`printable` for the 通报). */
  readonly bodyClass?: string;
}

const siteName = '消防执法统计';

/** Source lists longer than this are folded (the 年度总览 cites every file of the year). */
const longSourceList = 100;

function navLink(href: string, text: string, current: boolean): Html {
  return current ? html`<a href="${href}" aria-current="page">${text}</a>` : html`<a href="${href}">${text}</a>`;
}

function navigation(site: Site, current: Current): Html {
  const y = site.year;
  const group = (kind: 'quarter' | 'dispatch' | 'bulletin', label: string, file: (y: number, q: number) => string) =>
    html`<div class="nav-group"><span class="nav-label">${label}</span>${site.quarters.map((q) =>
      navLink(file(y, q), `${quarterNumeral(q)}季度`, current.kind === kind && current.quarter === q),
    )}</div>`;
  const inTownship = current.kind === 'township';
  return html`<nav class="site-nav" aria-label="页面导航">
<a class="nav-home" href="${files.index}"${current.kind === 'index' ? html` aria-current="page"` : ''}>年度总览</a>
${group('quarter', '季度汇总', files.quarter)}
${group('dispatch', '调度', files.dispatch)}
${group('bulletin', '通报', files.bulletin)}
<details class="nav-towns"><summary${inTownship ? html` class="active"` : ''}>镇街（${site.townships.length}）</summary>
<div class="town-links">${site.townships.map((t) => navLink(files.township(t.code), t.unit, current.kind === 'township' && current.code === t.code))}</div>
</details>
</nav>`;
}

/** The 数据来源 section: every current submission behind the page, each with its own anchor. */
function sourcesSection(site: Site, sources: readonly Source[]): Html {
  if (sources.length === 0) {
    return html`<section id="sources" class="sources"><h2>数据来源</h2><p class="muted">本页没有引用已入库的报送文件。</p></section>`;
  }
  const byForm = new Map<string, number>();
  for (const s of sources) byForm.set(s.form, (byForm.get(s.form) ?? 0) + 1);
  const summary = join(
    [...byForm].map(([form, n]) => html`${formName(site, form)} ${n} 份`),
    '、',
  );
  const table = html`<div class="table-wrap"><table class="data sources-table">
<thead><tr><th scope="col">编号</th><th scope="col">文件</th><th scope="col">单位</th><th scope="col">报表</th><th scope="col">期间</th><th scope="col">收到时间</th></tr></thead>
<tbody>${sources.map(
    (s) =>
      html`<tr id="${sourceAnchor(s.submissionId)}"><td class="num">${s.submissionId}</td><td class="path">${s.path}</td><td>${s.unit}</td><td>${s.form}</td><td>${s.period}</td><td class="nowrap">${s.receivedAt}</td></tr>`,
  )}</tbody>
</table></div>`;
  // A whole year's files make a very long list: folded until asked for (the browser unfolds it
  // when a link points into it or the text is searched for).
  const long = sources.length > longSourceList;
  return html`<section id="sources" class="sources">
<h2>数据来源</h2>
<p>本页数字来自下列 ${sources.length} 份现行报送文件（同一单位、报表、期间以最新一次成功报送为准）：${summary}。文件路径相对于收件箱。</p>
${long ? html`<details class="sources-list"><summary>展开全部 ${sources.length} 份文件</summary>${table}</details>` : table}
</section>`;
}

/** `期间 … · 单位 … · 数据来源`: what a figure or table covers, and where it comes from. */
export function scope(period: Interpolation, units: Interpolation, sourceHref = '#sources'): Html {
  return html`<p class="scope"><span>期间：${period}</span><span>范围：${units}</span><a href="${sourceHref}">数据来源</a></p>`;
}

/** A table that scrolls sideways on a narrow screen instead of overflowing the page. */
export function tableWrap(table: Html, caption?: Interpolation): Html {
  return html`<div class="table-wrap">${caption ? html`<p class="table-caption">${caption}</p>` : ''}${table}</div>`;
}

/** Under the body: why a rate marked ※ is over 100% (`format.ts` `percent` marks it). */
function rateFootnote(body: Html): Html {
  const note = overHundredFootnote(body.value);
  return note ? html`<p class="note rate-note">${note}</p>` : html``;
}

/** The whole HTML document of a page. */
export function page(site: Site, spec: PageSpec): string {
  const doc = html`<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="firestat">
<title>${spec.title} · ${siteName}</title>
<link rel="stylesheet" href="${files.css}">
</head>
<body${spec.bodyClass ? html` class="${spec.bodyClass}"` : ''}>
<header class="site-header">
<div class="brand"><a href="${files.index}">${siteName}</a><span class="brand-year">${site.year}年</span></div>
${navigation(site, spec.current)}
</header>
<main>
<div class="page-head">
<h1>${spec.title}</h1>
<div class="lead">${spec.lead}</div>
${outputsBar(site, spec.current)}
</div>
${spec.body}
${rateFootnote(spec.body)}
${sourcesSection(site, spec.sources)}
</main>
<footer class="site-footer">
<p>生成时间 ${beijingTime(site.generatedAt)}（北京时间） · 数据截至 ${site.asOf} · 由 firestat 根据已入库的报送文件生成。页面只含单位层面的统计，不含当事人等个人信息。</p>
</footer>
</body>
</html>
`;
  return doc.value;
}
