import { townshipCaseFields } from '../../domain/forms/report-fields.js';
import type { QuarterDocument, YearDocument } from '../data/documents.js';
import type { DocumentSet } from '../publisher.js';
import type { ChartRenderer } from './charts.js';
import { cards, section, type Card } from './components.js';
import { count, percent, quarterName, quarterNumeral } from './format.js';
import { html, type Html } from './html.js';
import { page, scope, tableWrap } from './layout.js';
import { fileLinks, quarterOutputs } from './output-links.js';
import { stockMetrics } from '../../domain/forms/index.js';
import { files, type Site } from './site.js';

type Figure = YearDocument['bureau'][number];

/**
 * Figures as the report lists them: one card each, except that parts of one whole
 * (`火灾调查·一般程序`, `·简易程序`, `·轻微火灾`) make one card with the total and its parts.
 */
function figureCards(figures: readonly Figure[], extra: (f: Figure) => Card['detail'] = () => undefined): Card[] {
  const out: Card[] = [];
  const done = new Set<string>();
  for (const f of figures) {
    const [group, part] = f.label.split('·');
    if (!part || !group) {
      out.push({ label: f.label, phrase: f.phrase, detail: extra(f) });
      continue;
    }
    if (done.has(group)) continue;
    done.add(group);
    const parts = figures.filter((x) => x.label.startsWith(`${group}·`));
    const total = parts.reduce((a, x) => a + x.value, 0);
    out.push({
      label: group,
      phrase: `${total} ${f.unit}`,
      detail: html`其中 ${parts.map((x, i) => html`${i ? '、' : ''}${x.label.split('·')[1]} ${x.phrase}`)}`,
    });
  }
  return out;
}

function trendCharts(site: Site, doc: YearDocument, charts: ChartRenderer, year: number): Html {
  const quarters = [...new Set(doc.byQuarter.map((r) => r.quarter))].sort((a, b) => a - b);
  const qLabels = quarters.map((q) => `${quarterNumeral(q)}季度`);
  const byQ = (scopeName: 'township' | 'bureau', metric: string) =>
    quarters.map((q) => doc.byQuarter.find((r) => r.quarter === q && r.scope === scopeName && r.metric === metric)?.value ?? 0);
  const labelOf = (scopeName: 'township' | 'bureau', metric: string) =>
    doc.byQuarter.find((r) => r.scope === scopeName && r.metric === metric)?.label ?? metric;
  // Units from the form field declarations (the figures carry them).
  const unitOf = (scopeName: 'township' | 'bureau', metric: string) =>
    (scopeName === 'township' ? doc.townships : doc.bureau).find((f) => f.metric === metric)?.unit ?? '';
  const tSeries = (metrics: string[], stack?: string) =>
    metrics.map((m) => ({ name: labelOf('township', m), values: byQ('township', m), stack, unit: unitOf('township', m) }));
  const bSeries = (metrics: string[]) => metrics.map((m) => ({ name: labelOf('bureau', m), values: byQ('bureau', m), unit: unitOf('bureau', m) }));
  const months = [...new Set(doc.byMonth.map((r) => r.month))].sort((a, b) => a - b);
  const mSeries = (metrics: string[]) =>
    metrics.map((m) => ({
      name: doc.byMonth.find((r) => r.metric === m)?.label ?? m,
      values: months.map((mo) => doc.byMonth.find((r) => r.month === mo && r.metric === m)?.value ?? 0),
      unit: unitOf('bureau', m),
    }));
  const yearScope = `${year}年各季度`;
  const towns = `${site.townships.length} 个镇街合计`;
  return html`<div class="chart-grid">
${charts.bar({ title: `镇街检查社会单位（${unitOf('township', 'units_inspected')}，按季度）`, scope: `${yearScope} · ${towns}`, categories: qLabels, series: tSeries(['units_inspected']), labels: true })}
${charts.bar({ title: `镇街发现与整改火灾隐患（${unitOf('township', 'hazards_found')}，按季度）`, scope: `${yearScope} · ${towns}`, categories: qLabels, series: tSeries(['hazards_found', 'hazards_rectified']), labels: true })}
${charts.bar({ title: `镇街办理案件（${unitOf('township', 'empowered_general_cases')}，按季度）`, scope: `${yearScope} · ${towns}`, categories: qLabels, series: tSeries(['empowered_general_cases', 'empowered_simple_cases', 'entrusted_general_cases', 'entrusted_simple_cases'], 'cases').map((s) => ({ ...s, name: s.name.replace('执法案件·', '·') })), labels: false })}
${charts.bar({ title: '局本级监督检查、隐患整改与行政处罚（按季度）', scope: `${yearScope} · 局本级各科室合计`, categories: qLabels, series: bSeries(['inspections', 'hazards_found', 'hazards_rectified', 'penalties']), labels: true, mixedUnits: true })}
${charts.line({ title: '局本级执法工作（按月）', scope: `${year}年1—12月 · 局本级各科室合计`, categories: months.map((m) => `${m}月`), series: mSeries(['officers_deployed', 'inspections', 'hazards_found', 'correction_notices']), labels: false, mixedUnits: true })}
</div>`;
}

/** The townships' year at a glance, from the last quarter's year-to-date. */
function townshipTable(site: Site, last: QuarterDocument | undefined): Html {
  if (!last) return html`<p class="muted">尚无季度数据。</p>`;
  const code = new Map(site.townships.map((t) => [t.unit, t.code]));
  const metrics = ['units_inspected', 'hazards_found', 'hazards_rectified'];
  const caseMetrics = townshipCaseFields.map((f) => f.id).filter((m) => last.columns.some((c) => c.metric === m));
  const label = (m: string) => last.columns.find((c) => c.metric === m)?.label ?? m;
  /** A header with its unit from the form field declaration: `检查社会单位数（家）`. */
  const head = (text: string, m: string) => {
    const unit = last.columns.find((c) => c.metric === m)?.unit;
    return html`<th scope="col">${text}${unit ? html`<small>（${unit}）</small>` : ''}</th>`;
  };
  const rows = last.rows.filter((r) => r.kind === 'township' || r.kind === 'township_total');
  return tableWrap(html`<table class="data">
<thead><tr><th scope="col">镇街</th>${metrics.map((m) => head(label(m), m))}<th scope="col">累计整改率</th>${head('办理案件数', caseMetrics[0] ?? '')}${head(label('joint_inspections'), 'joint_inspections')}${head(label('fire_staff'), 'fire_staff')}</tr></thead>
<tbody>${rows.map((r) => {
    const c = code.get(r.unit);
    const cases = caseMetrics.reduce((a, m) => a + (r.yearToDate[m] ?? 0), 0);
    return html`<tr${r.kind === 'township_total' ? html` class="township_total"` : ''}><th scope="row">${c ? html`<a href="${files.township(c)}">${r.unit}</a>` : r.unit}</th>${metrics.map((m) => html`<td class="num">${count(r.yearToDate[m])}</td>`)}<td class="num">${percent(r.yearToDateRectificationRate)}</td><td class="num">${cases}</td><td class="num">${count(r.yearToDate.joint_inspections)}</td><td class="num">${count(r.yearToDate.fire_staff)}</td></tr>`;
  })}</tbody>
</table>`);
}

export function yearPage(site: Site, docs: DocumentSet, charts: ChartRenderer): string {
  const doc = docs.year;
  const y = doc.year;
  const lastQuarter = docs.quarters.at(-1);
  const throughMonth = lastQuarter ? lastQuarter.quarter * 3 : 12;
  const period = `${y}年1—${throughMonth}月`;
  const bureauUnits = `局本级 ${site.bureauUnits.length} 个科室（${site.bureauUnits.join('、')}）`;
  const townshipUnits = `${site.townships.length} 个镇街`;
  const tFig = (m: string) => doc.townships.find((f) => f.metric === m)?.value ?? 0;
  const rectRate = tFig('hazards_found') ? tFig('hazards_rectified') / tFig('hazards_found') : null;
  const bFig = (m: string) => doc.bureau.find((f) => f.metric === m)?.value ?? 0;
  const bRate = bFig('hazards_found') ? bFig('hazards_rectified') / bFig('hazards_found') : null;

  /** Under a card: the rate beside 整改, the exact sum where the report rounds, how a head count adds up. */
  const detail = (f: Figure, rate: number | null, units: string): string | undefined => {
    if (f.metric === 'hazards_rectified') return `整改率 ${percent(rate)}`;
    if (f.phrase.replace(/\s/g, '') !== `${f.value}${f.unit}`) return `报送合计 ${f.value} ${f.unit}`;
    if (stockMetrics.has(f.metric)) return `${units}最近一次填报的人数之和`;
    return undefined;
  };
  const body = html`
${section(
  'bureau',
  '局本级',
  html`${scope(period, bureauUnits, '#sources')}
${cards(figureCards(doc.bureau, (f) => detail(f, bRate, '各科室')))}`,
)}
${section(
  'townships',
  '镇街',
  html`${scope(period, townshipUnits, '#sources')}
${cards(figureCards(doc.townships, (f) => detail(f, rectRate, '各镇街')))}`,
)}
${section('trend', '趋势', html`${scope(period, `${townshipUnits}；${bureauUnits}`)}${trendCharts(site, doc, charts, y)}`)}
${section(
  'paragraphs',
  '年度报告文字稿（草稿）',
  html`${scope(period, `${townshipUnits}；${bureauUnits}`)}
<div class="draft">${doc.paragraphs.map((p) => html`<p>${p}</p>`)}</div>`,
)}
${section(
  'township-table',
  '各镇街全年情况',
  html`${scope(lastQuarter ? `${y}年1—${throughMonth}月累计` : period, townshipUnits, lastQuarter ? `${files.quarter(y, lastQuarter.quarter)}#sources` : '#sources')}
${townshipTable(site, lastQuarter)}`,
)}
${section(
  'quality',
  '数据质量',
  html`${scope(period, '全部报送单位')}
<p>全年共发现 <b>${doc.findings.total}</b> 项需核实的问题（不含被退回的文件）；逐条的文件、工作表和单元格见各季度调度页。</p>
${doc.findings.byRule.length ? tableWrap(html`<table class="data narrow"><thead><tr><th scope="col">问题类型</th><th scope="col">项数</th></tr></thead><tbody>${doc.findings.byRule.map((r) => html`<tr><td>${r.label}</td><td class="num">${r.count}</td></tr>`)}</tbody></table>`) : ''}`,
)}
${section(
  'quarters',
  '各季度',
  html`<div class="quarter-links">${site.quarters.map((q) => {
    const outputs = quarterOutputs(y, q, 'all').filter((l) => l.format !== 'JSON' && site.outputs.has(l.path));
    return html`<div class="quarter-link"><h3>${quarterName(y, q)}</h3><p><a href="${files.quarter(y, q)}">汇总</a><a href="${files.dispatch(y, q)}">调度</a><a href="${files.bulletin(y, q)}">通报</a></p>${
      outputs.length ? html`<p class="quarter-files">${fileLinks(outputs.map((l) => ({ ...l, label: l.label.replace(/^第.季度/, '') })))}</p>` : ''
    }</div>`;
  })}</div>`,
)}
`;
  return page(site, {
    title: `${y}年度总览`,
    lead: html`<p>${period} · ${townshipUnits}和局本级 · 数据截至 ${site.asOf}（截止日已过而未报送或被退回的，见各季度调度页）</p>`,
    current: { kind: 'index' },
    body,
    sources: doc.sources,
  });
}
