import { bureauFiguresForm, inspectedUnits, rectification, townshipCaseFields, townshipFiguresForm } from '../../domain/forms/report-fields.js';
import type { QuarterDocument } from '../data/documents.js';
import type { ChartRenderer } from './charts.js';
import { cards, groupedHeader, section, type Card } from './components.js';
import { change, count, percent, quarterMonths, quarterName } from './format.js';
import { html, type Html } from './html.js';
import { page, scope, tableWrap } from './layout.js';
import { files, sourceAnchor, sourceFor, type Site } from './site.js';

type Row = QuarterDocument['rows'][number];

/** 局本级消防监督检查（份）: a bureau-only column's header (label and unit from the B1 declaration). */
const bureauOnlyHeader = (c: QuarterDocument['bureauOnlyColumns'][number]) => `局本级${c.label}${c.unit ? `（${c.unit}）` : ''}`;

function summaryTable(site: Site, doc: QuarterDocument, which: 'quarter' | 'yearToDate'): Html {
  const code = new Map(site.townships.map((t) => [t.unit, t.code]));
  const extra = doc.bureauOnlyColumns;
  const rateLabel = which === 'quarter' ? '整改率' : '累计整改率';
  const unitCell = (r: Row) => {
    const c = code.get(r.unit);
    if (!c) return html`${r.unit}`;
    const src = which === 'quarter' ? sourceFor(doc.sources, r.unit, townshipFiguresForm.code) : undefined;
    return html`<a href="${files.township(c)}">${r.unit}</a>${src ? html` <a class="src" href="#${sourceAnchor(src.submissionId)}" title="数据来源：${src.path}">源</a>` : ''}`;
  };
  const cell = (r: Row, metric: string) => {
    // A figure the row does not have (the bureau under township-only columns, townships under the
    // bureau's own) does not apply: — rather than 0.
    if (r[which][metric] === undefined) return html`<td class="num na">—</td>`;
    return html`<td class="num">${count(r[which][metric])}</td>`;
  };
  return tableWrap(html`<table class="data summary">
${groupedHeader(['单位'], doc.columns, [rateLabel, ...extra.map(bureauOnlyHeader)])}
<tbody>${doc.rows.map(
    (r) =>
      html`<tr class="${r.kind}"><th scope="row">${unitCell(r)}</th>${doc.columns.map((c) => cell(r, c.metric))}<td class="num">${percent(which === 'quarter' ? r.rectificationRate : r.yearToDateRectificationRate)}</td>${extra.map((c) => cell(r, c.metric))}</tr>`,
  )}</tbody>
</table>`);
}

/** What the 局本级 and 全区合计 rows hold, from the field declarations (what adds up and what stays apart). */
function bureauRowNote(doc: QuarterDocument): string {
  const bureau = doc.rows.find((r) => r.kind === 'bureau');
  const label = (m: string) => {
    const c = doc.columns.find((x) => x.metric === m);
    return c ? `${c.group ? `${c.group}·` : ''}${c.label}（${c.unit}）` : m;
  };
  const shared = doc.columns.filter((c) => bureau?.quarter[c.metric] !== undefined).map((c) => label(c.metric));
  const apart = doc.bureauOnlyColumns.filter((c) => c.beside).map((c) => `局本级${c.label}（${c.unit}）与${label(c.beside!)}单位不同，另列一栏，不相加`);
  return [
    `局本级一行填列与镇街可比的${shared.join('、')}，计入全区合计`,
    ...apart,
    '镇街专有的栏目对局本级不适用（—）；局本级各项见下方局本级表。消防管理岗人员为期末人数。',
  ].join('；');
}

function comparison(doc: QuarterDocument, total: Row | undefined): Html {
  if (!total) return html``;
  if (!doc.previousQuarter) {
    return html`<p class="muted">第一季度没有上一季度可比；下表为本季度与年度累计。</p>${tableWrap(
      html`<table class="data narrow"><thead><tr><th scope="col">指标</th><th scope="col">本季度</th><th scope="col">年度累计</th></tr></thead><tbody>${doc.columns.map(
        (c) =>
          html`<tr><td>${c.group ? `${c.group}·${c.label}` : c.label}（${c.unit}）</td><td class="num">${count(total.quarter[c.metric])}</td><td class="num">${count(total.yearToDate[c.metric])}</td></tr>`,
      )}</tbody></table>`,
    )}`;
  }
  const prev = doc.previousQuarter;
  return tableWrap(html`<table class="data narrow">
<thead><tr><th scope="col">指标</th><th scope="col">上季度</th><th scope="col">本季度</th><th scope="col">变化</th><th scope="col">年度累计（1—${doc.quarter * 3}月）</th></tr></thead>
<tbody>${doc.columns.map((c) => {
    const now = total.quarter[c.metric] ?? 0;
    const before = prev[c.metric] ?? 0;
    const cls = now > before ? 'up' : now < before ? 'down' : '';
    return html`<tr><td>${c.group ? `${c.group}·${c.label}` : c.label}（${c.unit}）</td><td class="num">${count(before)}</td><td class="num">${count(now)}</td><td class="num ${cls}">${change(now, before)}</td><td class="num">${count(total.yearToDate[c.metric])}</td></tr>`;
  })}</tbody>
</table>`);
}

function bureauTable(doc: QuarterDocument): Html {
  const sumOf = (which: 'quarter' | 'yearToDate', m: string) => doc.bureauRows.reduce((a, r) => a + (r[which][m] ?? 0), 0);
  return tableWrap(html`<table class="data summary">
${groupedHeader(['科室'], doc.bureauColumns)}
<tbody>${doc.bureauRows.map((r) => {
    const src = doc.sources.filter((s) => s.unit === r.unit && s.form === bureauFiguresForm.code);
    return html`<tr><th scope="row">${r.unit}${src.map((s) => html` <a class="src" href="#${sourceAnchor(s.submissionId)}" title="数据来源：${s.path}">源</a>`)}</th>${doc.bureauColumns.map((c) => html`<td class="num">${count(r.quarter[c.metric])}</td>`)}</tr>`;
  })}
<tr class="township_total"><th scope="row">局本级合计</th>${doc.bureauColumns.map((c) => html`<td class="num">${count(sumOf('quarter', c.metric))}</td>`)}</tr>
<tr class="district_total"><th scope="row">1—${doc.quarter * 3}月累计</th>${doc.bureauColumns.map((c) => html`<td class="num">${count(sumOf('yearToDate', c.metric))}</td>`)}</tr>
</tbody>
</table>`);
}

export function quarterPage(site: Site, doc: QuarterDocument, charts: ChartRenderer): string {
  const y = doc.year;
  const q = doc.quarter;
  const period = `${quarterName(y, q)}（${quarterMonths(q)}）`;
  const ytd = `${y}年1—${q * 3}月累计`;
  const towns = `${site.townships.length} 个镇街`;
  const bureau = `局本级 ${doc.bureauRows.length} 个科室`;
  const total = doc.rows.find((r) => r.kind === 'township_total');
  const district = doc.rows.find((r) => r.kind === 'district_total');
  const bureauRow = doc.rows.find((r) => r.kind === 'bureau');
  const caseMetrics = townshipCaseFields.map((f) => f.id).filter((m) => doc.columns.some((c) => c.metric === m));
  // The bureau's own cases: its column that stands beside no township column.
  const ownCases = doc.bureauOnlyColumns.find((c) => c.beside === null);
  const { found, rectified } = rectification;
  const prev = doc.previousQuarter;
  const vsPrev = (m: string | string[]): string | undefined => {
    if (!prev || !total) return undefined;
    const ms = Array.isArray(m) ? m : [m];
    const now = ms.reduce((a, x) => a + (total.quarter[x] ?? 0), 0);
    const before = ms.reduce((a, x) => a + (prev[x] ?? 0), 0);
    return `较上季度 ${change(now, before)}`;
  };
  const tq = (m: string) => total?.quarter[m] ?? 0;
  const headline: Card[] = [
    { label: '镇街检查社会单位', phrase: `${count(tq(inspectedUnits))} 家`, detail: vsPrev(inspectedUnits) },
    { label: '镇街发现火灾隐患', phrase: `${count(tq(found))} 处`, detail: vsPrev(found) },
    { label: '镇街整改火灾隐患', phrase: `${count(tq(rectified))} 处`, detail: vsPrev(rectified) },
    { label: '镇街整改率', phrase: percent(total?.rectificationRate), detail: `累计 ${percent(total?.yearToDateRectificationRate)}` },
    { label: '镇街办理案件', phrase: `${caseMetrics.reduce((a, m) => a + tq(m), 0)} 起`, detail: vsPrev(caseMetrics) },
    {
      label: '局本级行政处罚',
      phrase: `${count(ownCases ? bureauRow?.quarter[ownCases.metric] : undefined)} 件`,
      detail: `累计 ${count(ownCases ? bureauRow?.yearToDate[ownCases.metric] : undefined)} 件`,
    },
    { label: '全区发现隐患', phrase: `${count(district?.quarter[found])} 处`, detail: `整改率 ${percent(district?.rectificationRate)}` },
  ];
  const townRows = doc.rows.filter((r) => r.kind === 'township');
  const caseLabel = (c: QuarterDocument['casesByType'][number]) => `${c.enforcement}·${c.procedure}`;
  // Units from the form field declarations: township cases (T1) and the bureau's penalties (B1).
  const unitOf = (metric: string) => doc.columns.find((c) => c.metric === metric)?.unit ?? '';
  const caseUnit = (c: QuarterDocument['casesByType'][number]) => (c.enforcement === '本级执法' ? (ownCases?.unit ?? '') : unitOf(caseMetrics[0] ?? ''));
  const body = html`
${section('headline', '本季度要点', html`${scope(period, `${towns}；局本级`)}${cards(headline)}`)}
${section(
  'summary',
  '本季度汇总表',
  html`${scope(period, `${towns} + 镇街合计 + 局本级 + 全区合计`)}
${summaryTable(site, doc, 'quarter')}
<p class="note">${bureauRowNote(doc)}</p>`,
)}
${section(
  'ytd',
  '年度累计汇总表',
  html`${scope(ytd, `${towns} + 镇街合计 + 局本级 + 全区合计`)}
${summaryTable(site, doc, 'yearToDate')}`,
)}
${section('compare', '与上季度比较（镇街合计）', html`${scope(period, `${towns}合计`)}${comparison(doc, total)}`)}
${section(
  'cases',
  '案件办理情况（按执法类型和程序）',
  html`${scope(`${period}；${ytd}`, `${towns}；局本级`)}
<div class="split">
${tableWrap(
  html`<table class="data narrow"><thead><tr><th scope="col">执法类型</th><th scope="col">程序</th><th scope="col">本季度（起）</th><th scope="col">年度累计（起）</th></tr></thead><tbody>${doc.casesByType.map(
    (c) => html`<tr><td>${c.enforcement}</td><td>${c.procedure}</td><td class="num">${count(c.quarter)}</td><td class="num">${count(c.yearToDate)}</td></tr>`,
  )}</tbody></table>`,
)}
${charts.bar({
  title: '案件数（按执法类型和程序）',
  scope: `${period} · ${towns}与局本级`,
  categories: doc.casesByType.map(caseLabel),
  categoryUnits: doc.casesByType.map(caseUnit),
  mixedUnits: new Set(doc.casesByType.map(caseUnit)).size > 1,
  series: [
    { name: '本季度', values: doc.casesByType.map((c) => c.quarter) },
    { name: '年度累计', values: doc.casesByType.map((c) => c.yearToDate) },
  ],
  labels: true,
  width: 640,
  height: 300,
})}
</div>`,
)}
${section(
  'by-township',
  '各镇街隐患发现与整改',
  html`${scope(period, towns)}
${charts.bar({
  title: `发现与整改火灾隐患（${unitOf(found)}）`,
  scope: `${period} · ${towns}`,
  unit: unitOf(found),
  categories: townRows.map((r) => r.unit),
  series: [
    { name: '发现火灾隐患', values: townRows.map((r) => r.quarter[found] ?? 0) },
    { name: '整改火灾隐患', values: townRows.map((r) => r.quarter[rectified] ?? 0) },
  ],
  horizontal: true,
  width: 900,
  height: 620,
})}`,
)}
${section('bureau', '局本级', html`${scope(`${period}；${ytd}`, bureau)}${bureauTable(doc)}`)}
`;
  return page(site, {
    title: `${quarterName(y, q)}汇总`,
    lead: html`<p>${period} · ${towns}和局本级 · 年度累计为 ${ytd} · 数据截至 ${site.asOf}</p>`,
    current: { kind: 'quarter', quarter: q },
    body,
    sources: doc.sources,
  });
}
