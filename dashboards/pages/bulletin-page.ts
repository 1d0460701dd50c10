import { caseReviewsForm } from '../../domain/forms/index.js';
import type { BulletinDocument } from '../data/documents.js';
import { planRanking } from '../text/ranking-text.js';
import type { ChartRenderer } from './charts.js';
import { section, statusChip } from './components.js';
import { count, percent, quarterMonths, quarterName } from './format.js';
import { html, type Html } from './html.js';
import { page, scope, tableWrap } from './layout.js';
import { files, formName, type Site } from './site.js';

type Ranking = BulletinDocument['rankings'][number];

function showValue(indicator: string, value: number | null): string {
  if (value === null) return '—';
  if (indicator.endsWith('_rate')) return percent(value);
  if (indicator === 'problems_per_case') return value.toFixed(2);
  return count(value);
}

function rankingTable(site: Site, r: Ranking): Html {
  const code = new Map(site.townships.map((t) => [t.unit, t.code]));
  // The ranks the 通报 names at the top and at the bottom (whole ties; none both; nothing marked
  // when all are equal).
  const plan = planRanking(r);
  const topRanks = new Set(plan.kind === 'ranked' ? plan.head.map((g) => g.rank) : []);
  const bottomRanks = new Set(plan.kind === 'ranked' ? plan.tail.map((g) => g.rank) : []);
  const tone = (rank: number | null) => (rank === null ? '' : topRanks.has(rank) ? 'top' : bottomRanks.has(rank) ? 'bottom' : '');
  return html`<div class="ranking">
<table class="data rank-table">
<caption>${r.label}${r.better === 'lower' ? '（越少越好）' : ''}</caption>
<thead><tr><th scope="col">名次</th><th scope="col">镇街</th><th scope="col">${r.indicator.endsWith('_rate') ? '比率' : '数值'}</th></tr></thead>
<tbody>${r.entries.map((e) => {
    const c = code.get(e.unit);
    return html`<tr class="${tone(e.rank)}"><td class="num">${e.rank ?? '—'}</td><td>${c ? html`<a href="${files.township(c)}">${e.unit}</a>` : e.unit}</td><td class="num">${showValue(r.indicator, e.value)}</td></tr>`;
  })}</tbody>
</table>
</div>`;
}

function qualityTable(doc: BulletinDocument, site: Site): Html {
  const cq = doc.caseQuality;
  const code = new Map(site.townships.map((t) => [t.unit, t.code]));
  if (cq.byTownship.length === 0) return html`<p class="muted">本季度没有镇街案卷评查记录。</p>`;
  return tableWrap(
    html`<table class="data narrow quality">
<thead><tr><th scope="col">镇街</th><th scope="col">评查案卷（${caseReviewsForm.rowUnit ?? '份'}）</th>${cq.problems.map((p) => html`<th scope="col">${p}</th>`)}</tr></thead>
<tbody>${cq.byTownship.map((t) => {
      const c = code.get(t.unit);
      return html`<tr><th scope="row">${c ? html`<a href="${files.township(c)}">${t.unit}</a>` : t.unit}</th><td class="num">${t.reviewed}</td>${cq.problems.map((p) => html`<td class="num${(t.counts[p] ?? 0) > 0 ? ' warn' : ''}">${t.counts[p] ?? 0}</td>`)}</tr>`;
    })}
<tr class="township_total"><th scope="row">合计</th><td class="num">${cq.reviewed}</td>${cq.problems.map((p) => html`<td class="num">${cq.totals[p] ?? 0}</td>`)}</tr></tbody>
</table>`,
    '各栏为存在该类问题的案卷份数；一份案卷可有多类问题。',
  );
}

/**
 * The 通报 as the document it is (公文): title, 主送, levels, 落款 — from the same `draft` as the
 * Markdown and the `.docx`, so the page says the same words.
 */
function officialArticle(d: BulletinDocument['draft']): Html {
  const block = (b: BulletinDocument['draft']['blocks'][number]): Html => {
    if (b.kind === 'heading1') return html`<h4 class="doc-heading level1">${b.text}</h4>`;
    if (b.kind === 'heading2') return html`<h5 class="doc-heading level2">${b.text}</h5>`;
    return html`<p class="${b.kind === 'item' ? 'doc-item' : 'doc-para'}">${b.text}</p>`;
  };
  return html`<article class="bulletin-text official">
<h3 class="doc-title">${d.title}</h3>
${d.recipients ? html`<p class="doc-recipients">${d.recipients}</p>` : ''}
${d.blocks.map(block)}
<p class="doc-signature"><span>${d.issuer}</span><span>${d.date}</span></p>
</article>`;
}

/** 附表4: the data-quality findings the document counts, located (file, sheet, cell) for the statistician. */
function statisticianAppendix(doc: BulletinDocument, period: string, towns: string): Html {
  const f = doc.findings;
  return section(
    'appendix-data',
    '附表4　数据问题明细（统计人员）',
    html`${scope(period, towns)}
${
  f.length === 0
    ? html`<p class="ok-note">本季度各镇街报送的数据未发现不一致。</p>`
    : tableWrap(
        html`<table class="data findings-table">
<thead><tr><th scope="col">镇街</th><th scope="col">报表</th><th scope="col">问题类型</th><th scope="col">问题说明</th><th scope="col">文件</th><th scope="col">工作表</th><th scope="col">单元格</th></tr></thead>
<tbody>${f.map((x) => html`<tr><th scope="row">${x.unit}</th><td>${x.form}</td><td>${x.ruleLabel}</td><td>${x.message}</td><td class="path">${x.path ?? '—'}</td><td>${x.sheet ?? '—'}</td><td>${x.cell ?? '—'}</td></tr>`)}</tbody>
</table>`,
        '通报正文“存在的问题”所指的每一处；文件路径相对于收件箱，单元格为原文件中的位置。',
      )
}`,
    'appendix-inline',
  );
}

/**
 * The 通报 page's own print rules (kept here, apart from the shared stylesheet): printed, the page
 * opens with the document itself — no web heading, no section title or scope line above it — set
 * like the issued document (仿宋 body, 小标宋/宋体 title, 黑体 and 楷体 levels, indented paragraphs,
 * 落款 at the right).
 */
const bulletinPrintStyle = html`<style>
.official .doc-title { font-family: "方正小标宋简体", "FZXiaoBiaoSong-B05S", "宋体", "SimSun", "Songti SC", "Noto Serif CJK SC", serif; font-weight: normal; }
.official .doc-heading.level1 { font-family: "黑体", "SimHei", "Heiti SC", "Noto Sans CJK SC", sans-serif; font-weight: normal; }
.official .doc-heading.level2 { font-family: "楷体_GB2312", "楷体", "KaiTi", "STKaiti", serif; font-weight: normal; }
.official .doc-heading { text-indent: 2em; font-size: 1rem; margin: .4rem 0; }
.official .doc-para, .official .doc-item { text-indent: 2em; text-align: justify; }
.official .doc-signature { display: flex; flex-direction: column; align-items: flex-end; margin-top: 2rem; padding-right: 2em; }
@media print {
  .printable .page-head, .printable section.doc > h2, .printable section.doc > .scope { display: none !important; }
  .printable .official { font-family: "仿宋_GB2312", "仿宋", "FangSong", "STFangsong", "Noto Serif CJK SC", serif; font-size: 14pt; }
  .printable .official p, .printable .official .doc-heading { line-height: 1.75; margin: 0; font-size: 14pt; }
  .printable .official .doc-title { font-size: 20pt; line-height: 1.4; margin: 0 0 1.2em; }
  .printable .official .doc-recipients { margin-top: .5em; }
  .printable .official .doc-signature { margin-top: 2.5em; }
}
</style>`;

export function bulletinPage(site: Site, doc: BulletinDocument, charts: ChartRenderer): string {
  const y = doc.year;
  const q = doc.quarter;
  const period = `${quarterName(y, q)}（${quarterMonths(q)}）`;
  const towns = `${site.townships.length} 个镇街`;
  const cq = doc.caseQuality;
  const body = html`
${bulletinPrintStyle}
${section('text', '通报文稿（草稿）', html`${scope(period, towns)}${officialArticle(doc.draft)}`, 'doc')}
${section(
  'rankings',
  '附表1　主要指标排名',
  html`${scope(period, `${towns}（累计整改率为 1—${q * 3} 月累计）`)}
<p class="note">通报中排名靠前的绿色、靠后的橙色标出（并列者一并标出）；并列者名次相同；各镇街数值相同的指标不标。</p>
<div class="rankings">${doc.rankings.map((r) => rankingTable(site, r))}</div>`,
  'appendix',
)}
${section(
  'quality',
  '附表2　案卷评查发现的问题',
  html`${scope(period, `评查的 ${cq.byTownship.length} 个镇街的 ${cq.reviewed} 份案卷`)}
${charts.bar({ title: '问题类型（份）', scope: `${period} · ${towns}`, unit: caseReviewsForm.rowUnit, categories: cq.problems, series: [{ name: '存在该类问题的案卷', values: cq.problems.map((p) => cq.totals[p] ?? 0) }], labels: true, width: 640, height: 260 })}
${qualityTable(doc, site)}`,
  'appendix',
)}
${section(
  'submissions',
  '附表3　报送情况',
  html`${scope(`${period}，截至 ${site.asOf}`, towns, files.dispatch(y, q))}
${doc.lateOrMissing.length === 0 ? html`<p class="ok-note">本季度各镇街均按时报送。</p>` : html`<ul class="compact">${doc.lateOrMissing.map((l) => html`<li>${statusChip(l.status)} <b>${l.unit}</b> · ${formName(site, l.form)}${l.month !== null ? ` · ${l.month}月` : ''}</li>`)}</ul>`}
<p class="screen-only"><a href="${files.dispatch(y, q)}">查看本季度调度页 →</a></p>`,
  'appendix-inline',
)}
${statisticianAppendix(doc, period, towns)}
`;
  return page(site, {
    title: `${quarterName(y, q)}通报`,
    lead: html`<p>${period} · ${towns} · 数据截至 ${site.asOf}<span class="screen-only"> · 可直接打印（A4）</span></p>`,
    current: { kind: 'bulletin', quarter: q },
    body,
    sources: doc.sources,
    bodyClass: 'printable',
  });
}
