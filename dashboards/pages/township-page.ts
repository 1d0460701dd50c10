import { townshipCaseFields } from '../../domain/forms/report-fields.js';
import type { DispatchDocument, TownshipDocument } from '../data/documents.js';
import type { ChartRenderer } from './charts.js';
import { cards, section, statusChip, statusLegend, type Card } from './components.js';
import { findingsTable } from './dispatch-page.js';
import { count, percent, quarterNumeral, statusDescriptions, submissionStatusLabels } from './format.js';
import { html, type Html } from './html.js';
import { page, scope, tableWrap } from './layout.js';
import { stockMetrics } from '../../domain/forms/index.js';
import { files, formName, sourceAnchor, type Site } from './site.js';

function compareTable(doc: TownshipDocument): Html {
  const qs = doc.quarters;
  return tableWrap(
    html`<table class="data compare">
<thead><tr><th scope="col" rowspan="2">指标</th>${qs.map((q) => html`<th scope="colgroup" colspan="2">${quarterNumeral(q.quarter)}季度</th>`)}</tr>
<tr>${qs.map(() => html`<th scope="col">本镇街</th><th scope="col" class="avg">全区平均</th>`)}</tr></thead>
<tbody>${doc.columns.map(
      (c) =>
        html`<tr><th scope="row">${c.group ? `${c.group}·${c.label}` : c.label}<small>（${c.unit}）</small></th>${qs.map((q) => {
          const v = q.values[c.metric] ?? 0;
          const a = q.districtAverage[c.metric] ?? 0;
          const cls = v > a ? 'above' : v < a ? 'below' : '';
          return html`<td class="num ${cls}">${count(v)}</td><td class="num avg">${count(a)}</td>`;
        })}</tr>`,
    )}</tbody>
</table>`,
    '全区平均为各镇街之和除以镇街个数；高于平均的数字加粗。',
  );
}

function submissionStatusTable(site: Site, unit: string, dispatch: readonly DispatchDocument[]): Html {
  const mine = dispatch.map((d) => ({ quarter: d.quarter, slots: d.matrix.filter((m) => m.unit === unit) })).filter((d) => d.slots.length > 0);
  if (mine.length === 0) return html`<p class="muted">没有应报的报表。</p>`;
  const order = [...site.formNames.keys()];
  const forms = [...new Set(mine.flatMap((d) => d.slots.map((s) => s.form)))].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  return tableWrap(html`<table class="data narrow status-table">
<thead><tr><th scope="col">季度</th>${forms.map((f) => html`<th scope="col" title="${formName(site, f)}">${formName(site, f)}</th>`)}</tr></thead>
<tbody>${mine.map(
    (d) =>
      html`<tr><th scope="row"><a href="${files.dispatch(site.year, d.quarter)}">${quarterNumeral(d.quarter)}季度</a></th>${forms.map((f) => {
        const s = d.slots.find((x) => x.form === f);
        if (!s) return html`<td class="na">—</td>`;
        const title = [
          statusDescriptions[s.status] ?? s.status,
          `截止 ${s.dueDate}`,
          s.receivedAt ? `首次收到 ${s.receivedAt}` : '',
          s.reason ? `退回原因：${s.reason}` : '',
        ]
          .filter(Boolean)
          .join('；');
        return html`<td>${statusChip(s.status, title)}${s.versions > 1 ? html` <small>共 ${s.versions} 份</small>` : ''}</td>`;
      })}</tr>`,
  )}</tbody>
</table>`);
}

function submissionsTable(site: Site, doc: TownshipDocument): Html {
  if (doc.submissions.length === 0) return html`<p class="muted">本年度没有收到该镇街的文件。</p>`;
  const sources = new Set(doc.sources.map((s) => s.submissionId));
  return tableWrap(html`<table class="data submissions">
<thead><tr><th scope="col">编号</th><th scope="col">收到时间</th><th scope="col">文件</th><th scope="col">报表</th><th scope="col">期间</th><th scope="col">状态</th><th scope="col">退回原因</th></tr></thead>
<tbody>${doc.submissions.map(
    (s) =>
      html`<tr id="sub-${s.submissionId}" class="sub-${s.status}"><td class="num">${s.submissionId}</td><td class="nowrap">${s.receivedAt}</td><td class="path">${sources.has(s.submissionId) ? html`<a href="#${sourceAnchor(s.submissionId)}">${s.path}</a>` : s.path}</td><td title="${formName(site, s.form)}">${s.form ?? '—'}</td><td class="nowrap">${s.period ?? '—'}</td><td><span class="chip sub-st-${s.status}">${submissionStatusLabels[s.status] ?? s.status}</span></td><td class="message">${s.reason ?? ''}</td></tr>`,
  )}</tbody>
</table>`);
}

export function townshipPage(site: Site, doc: TownshipDocument, dispatch: readonly DispatchDocument[], charts: ChartRenderer): string {
  const y = doc.year;
  const last = doc.quarters.at(-1)?.quarter ?? 4;
  const period = `${y}年1—${last * 3}月`;
  const sumOf = (key: 'values' | 'districtAverage', m: string) =>
    stockMetrics.has(m) ? (doc.quarters.at(-1)?.[key][m] ?? 0) : Math.round(doc.quarters.reduce((a, q) => a + (q[key][m] ?? 0), 0) * 10) / 10;
  const caseMetrics = townshipCaseFields.map((f) => f.id).filter((m) => doc.columns.some((c) => c.metric === m));
  const cases = (key: 'values' | 'districtAverage') => Math.round(caseMetrics.reduce((a, m) => a + sumOf(key, m), 0) * 10) / 10;
  // Exact, from the counts (not from the rounded averages): the 汇总's 累计整改率 digits.
  const rate = (key: 'values' | 'districtAverage') => (key === 'values' ? doc.rectification.unit.rate : doc.rectification.townships.rate);
  const avg = (m: string, unit: string) => `全区平均 ${count(sumOf('districtAverage', m))} ${unit}`;
  const headline: Card[] = [
    { label: '检查社会单位', phrase: `${count(sumOf('values', 'units_inspected'))} 家`, detail: avg('units_inspected', '家') },
    { label: '发现火灾隐患', phrase: `${count(sumOf('values', 'hazards_found'))} 处`, detail: avg('hazards_found', '处') },
    { label: '整改火灾隐患', phrase: `${count(sumOf('values', 'hazards_rectified'))} 处`, detail: avg('hazards_rectified', '处') },
    { label: '整改率', phrase: percent(rate('values')), detail: `全区 ${percent(rate('districtAverage'))}` },
    { label: '办理案件', phrase: `${count(cases('values'))} 起`, detail: `全区平均 ${count(cases('districtAverage'))} 起` },
    { label: '联合执法检查', phrase: `${count(sumOf('values', 'joint_inspections'))} 次`, detail: avg('joint_inspections', '次') },
    {
      label: '消防管理岗人员',
      phrase: `${count(sumOf('values', 'fire_staff'))} 名`,
      detail: `全区平均 ${count(sumOf('districtAverage', 'fire_staff'))} 名（最近一季度）`,
    },
  ];
  const rejected = doc.submissions.filter((s) => s.status === 'rejected');
  const qLabels = doc.quarters.map((q) => `${quarterNumeral(q.quarter)}季度`);
  const series = (m: string, name: string) => [
    { name: `${name}（本镇街）`, values: doc.quarters.map((q) => q.values[m] ?? 0) },
    { name: `${name}（全区平均）`, values: doc.quarters.map((q) => q.districtAverage[m] ?? 0) },
  ];
  const sourceIds = new Set(doc.sources.map((s) => s.submissionId));
  /** A measure's unit, from the form field declaration (the document's columns carry it). */
  const unitOf = (metric: string) => doc.columns.find((c) => c.metric === metric)?.unit ?? '';
  const body = html`
${section('figures', '全年主要数字', html`${scope(period, `${doc.unit}（与全区 ${site.townships.length} 个镇街的平均比较）`)}${cards(headline)}`)}
${section(
  'compare',
  '分季度与全区平均比较',
  html`${scope(period, `${doc.unit}；全区平均`)}
<div class="chart-grid">
${charts.bar({ title: `检查社会单位数（${unitOf('units_inspected')}）`, scope: `${period} · ${doc.unit}与全区平均`, unit: unitOf('units_inspected'), categories: qLabels, series: series('units_inspected', '检查'), labels: true, width: 640, height: 300 })}
${charts.bar({ title: `发现与整改火灾隐患（${unitOf('hazards_found')}）`, scope: `${period} · ${doc.unit}与全区平均`, unit: unitOf('hazards_found'), categories: qLabels, series: [...series('hazards_found', '发现'), ...series('hazards_rectified', '整改')], width: 640, height: 300 })}
</div>
${compareTable(doc)}`,
)}
${section(
  'status',
  '报送情况',
  html`${scope(`${period}，截至 ${site.asOf}`, doc.unit)}
${statusLegend()}
${submissionStatusTable(site, doc.unit, dispatch)}
${
  rejected.length
    ? html`<h3>被退回的文件</h3><ol class="reasons">${rejected.map(
        (s) =>
          html`<li><p class="reason-head"><span class="chip sub-st-rejected">退回</span> <span class="path">${s.path}</span>（${s.receivedAt} 收到${s.period ? `，${s.period}` : ''}）</p><p class="reason">退回原因：${s.reason ?? '未记录'}</p></li>`,
      )}</ol>`
    : ''
}
<h3>收到的全部文件</h3>
${submissionsTable(site, doc)}`,
)}
${section('findings', '数据核对发现的问题', html`${scope(period, doc.unit)}${findingsTable(site, doc.findings, sourceIds, false)}`)}
`;
  return page(site, {
    title: `${doc.unit}${y}年`,
    lead: html`<p>${period} · ${doc.unit}（${doc.code}） · 数据截至 ${site.asOf}</p>`,
    current: { kind: 'township', code: doc.code },
    body,
    sources: doc.sources,
  });
}
