import type { BulletinDocument } from '../data/documents.js';
import type { ChartRenderer } from './charts.js';
import { section, statusChip } from './components.js';
import { count, percent, quarterMonths, quarterName } from './format.js';
import { html, type Html } from './html.js';
import { page, scope, tableWrap } from './layout.js';
import { markdownToHtml } from './markdown.js';
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
  // Top three and bottom three by rank (ties share a rank, so more may be marked; none is both).
  const ranks = r.entries.map((e) => e.rank).filter((x): x is number => x !== null);
  const bottomFrom = ranks.length >= 3 ? ranks[ranks.length - 3]! : Infinity;
  const tone = (rank: number | null) => (rank === null ? '' : rank <= 3 ? 'top' : rank >= bottomFrom ? 'bottom' : '');
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
  return tableWrap(html`<table class="data narrow quality">
<thead><tr><th scope="col">镇街</th><th scope="col">评查案卷（份）</th>${cq.problems.map((p) => html`<th scope="col">${p}</th>`)}</tr></thead>
<tbody>${cq.byTownship.map((t) => {
    const c = code.get(t.unit);
    return html`<tr><th scope="row">${c ? html`<a href="${files.township(c)}">${t.unit}</a>` : t.unit}</th><td class="num">${t.reviewed}</td>${cq.problems.map((p) => html`<td class="num${(t.counts[p] ?? 0) > 0 ? ' warn' : ''}">${t.counts[p] ?? 0}</td>`)}</tr>`;
  })}
<tr class="township_total"><th scope="row">合计</th><td class="num">${cq.reviewed}</td>${cq.problems.map((p) => html`<td class="num">${cq.totals[p] ?? 0}</td>`)}</tr></tbody>
</table>`, '各栏为存在该类问题的案卷份数；一份案卷可有多类问题。');
}

export function bulletinPage(site: Site, doc: BulletinDocument, charts: ChartRenderer): string {
  const y = doc.year;
  const q = doc.quarter;
  const period = `${quarterName(y, q)}（${quarterMonths(q)}）`;
  const towns = `${site.townships.length} 个镇街`;
  const cq = doc.caseQuality;
  const body = html`
${section('text', '通报文稿（草稿）', html`${scope(period, towns)}<article class="bulletin-text">${markdownToHtml(doc.text, 3)}</article>`, 'doc')}
${section('rankings', '附表1　主要指标排名', html`${scope(period, `${towns}（累计整改率为 1—${q * 3} 月累计）`)}
<p class="note">前三名绿色、后三名橙色标出；并列者名次相同。</p>
<div class="rankings">${doc.rankings.map((r) => rankingTable(site, r))}</div>`, 'appendix')}
${section('quality', '附表2　案卷评查发现的问题', html`${scope(period, `评查的 ${cq.byTownship.length} 个镇街的 ${cq.reviewed} 份案卷`)}
${charts.bar({ title: '问题类型（份）', scope: `${period} · ${towns}`, categories: cq.problems, series: [{ name: '存在该类问题的案卷', values: cq.problems.map((p) => cq.totals[p] ?? 0) }], labels: true, width: 640, height: 260 })}
${qualityTable(doc, site)}`, 'appendix')}
${section('submissions', '附表3　报送情况', html`${scope(`${period}，截至 ${site.asOf}`, `${towns}和局本级`, files.dispatch(y, q))}
${doc.lateOrMissing.length === 0 ? html`<p class="ok-note">本季度各单位均按时报送。</p>` : html`<ul class="compact">${doc.lateOrMissing.map((l) => html`<li>${statusChip(l.status)} <b>${l.unit}</b> · ${formName(site, l.form)}${l.month !== null ? ` · ${l.month}月` : ''}</li>`)}</ul>`}
<p class="screen-only"><a href="${files.dispatch(y, q)}">查看本季度调度页 →</a></p>`, 'appendix-inline')}
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
