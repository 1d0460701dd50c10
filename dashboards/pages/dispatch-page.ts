import { fieldOf } from '../../domain/forms/index.js';
import { rectification, townshipFiguresForm } from '../../domain/forms/report-fields.js';
import type { DispatchDocument } from '../data/documents.js';
import type { ChartRenderer } from './charts.js';
import { section, statusChip, statusLegend } from './components.js';
import { count, quarterMonths, quarterName, quarterNumeral, severityLabels, statusDescriptions, statusLabels } from './format.js';
import { html, type Html } from './html.js';
import { page, scope, tableWrap } from './layout.js';
import { files, formName, sourceAnchor, type Site } from './site.js';

/** A hazard's unit (`处`), from the 统计表's field declaration of 发现火灾隐患数. */
const hazardUnit = fieldOf(townshipFiguresForm, rectification.found).unit ?? '';

type Slot = DispatchDocument['matrix'][number];
type Findings = DispatchDocument['findings'];

interface Column {
  readonly form: string;
  readonly month: number | null;
}

function slotPeriod(year: number, quarter: number, s: { month: number | null }): string {
  return s.month === null ? quarterName(year, quarter) : `${year}年${s.month}月`;
}

const rejectedAnchor = (i: number) => `rejected-${i + 1}`;

function matrixTable(site: Site, doc: DispatchDocument): Html {
  const columns: Column[] = [];
  for (const f of doc.forms) {
    const months = [...new Set(doc.matrix.filter((m) => m.form === f.code).map((m) => m.month))];
    if (months.length === 0) continue;
    for (const month of months.sort((a, b) => (a ?? 0) - (b ?? 0))) columns.push({ form: f.code, month });
  }
  const units: { unit: string; kind: Slot['unitKind'] }[] = [];
  for (const m of doc.matrix) if (!units.some((u) => u.unit === m.unit)) units.push({ unit: m.unit, kind: m.unitKind });
  const rejected = doc.matrix.filter((m) => m.status === 'rejected');
  const code = new Map(site.townships.map((t) => [t.unit, t.code]));
  const sourceIds = new Set(doc.sources.map((s) => s.submissionId));

  const top: Html[] = [];
  for (const f of doc.forms) {
    const cols = columns.filter((c) => c.form === f.code);
    if (cols.length === 0) continue;
    top.push(
      html`<th scope="colgroup" colspan="${cols.length}"${cols.length === 1 ? html` rowspan="${cols[0]!.month === null ? 2 : 1}"` : ''} title="${f.name}">${f.code}<small>${f.name}</small></th>`,
    );
  }
  const bottom = columns.filter((c) => c.month !== null).map((c) => html`<th scope="col">${c.month}月</th>`);
  const cell = (unit: string, c: Column) => {
    const s = doc.matrix.find((m) => m.unit === unit && m.form === c.form && m.month === c.month);
    if (!s) return html`<td class="na" title="${unit}不需报送此表">—</td>`;
    const parts = [
      `${unit} · ${formName(site, s.form)} · ${slotPeriod(doc.year, doc.quarter, s)}`,
      statusDescriptions[s.status] ?? s.status,
      `截止 ${s.dueDate}`,
      s.receivedAt ? `首次收到 ${s.receivedAt}` : '',
      s.versions > 1 ? `成功报送 ${s.versions} 份（有更正重报）` : '',
      s.reason ? `退回原因：${s.reason}` : '',
    ].filter(Boolean);
    const label = statusLabels[s.status] ?? s.status;
    const i = rejected.indexOf(s);
    const target =
      s.status === 'rejected' ? `#${rejectedAnchor(i)}` : s.submissionId !== null && sourceIds.has(s.submissionId) ? `#${sourceAnchor(s.submissionId)}` : null;
    return html`<td class="st st-${s.status}" title="${parts.join('；')}">${target ? html`<a href="${target}">${label}</a>` : label}${s.versions > 1 ? html`<sup title="有更正重报">${s.versions}</sup>` : ''}</td>`;
  };
  const row = (u: { unit: string; kind: Slot['unitKind'] }) => {
    const c = code.get(u.unit);
    return html`<tr><th scope="row">${c ? html`<a href="${files.township(c)}">${u.unit}</a>` : u.unit}</th>${columns.map((col) => cell(u.unit, col))}</tr>`;
  };
  const towns = units.filter((u) => u.kind === 'township');
  const bureau = units.filter((u) => u.kind === 'bureau');
  const groupRow = (label: string) => html`<tr class="group-row"><th scope="rowgroup" colspan="${columns.length + 1}">${label}</th></tr>`;
  return tableWrap(html`<table class="data matrix">
<thead><tr><th scope="col" rowspan="2">单位</th>${top}</tr><tr>${bottom}</tr></thead>
<tbody>${towns.length ? groupRow(`镇街（${towns.length}）`) : ''}${towns.map(row)}${bureau.length ? groupRow(`局本级（${bureau.length}）`) : ''}${bureau.map(row)}</tbody>
</table>`);
}

function rejectedList(site: Site, doc: DispatchDocument): Html {
  const rejected = doc.matrix.filter((m) => m.status === 'rejected');
  if (rejected.length === 0) return html`<p class="ok-note">本季度没有被退回后仍未重新报送的文件。</p>`;
  return html`<ol class="reasons">${rejected.map(
    (s, i) =>
      html`<li id="${rejectedAnchor(i)}"><p class="reason-head">${statusChip('rejected')} <b>${s.unit}</b> · ${formName(site, s.form)} · ${slotPeriod(doc.year, doc.quarter, s)}（截止 ${s.dueDate}${s.submissionId !== null ? `，退回文件编号 ${s.submissionId}` : ''}）</p><p class="reason">退回原因：${s.reason ?? '未记录'}</p></li>`,
  )}</ol>`;
}

function lateList(site: Site, doc: DispatchDocument): Html {
  const late = doc.matrix.filter((m) => m.status === 'late' || m.status === 'missing');
  if (late.length === 0) return html`<p class="ok-note">本季度各单位均按时报送。</p>`;
  return html`<ul class="compact">${late.map(
    (s) =>
      html`<li>${statusChip(s.status)} <b>${s.unit}</b> · ${formName(site, s.form)} · ${slotPeriod(doc.year, doc.quarter, s)}：截止 ${s.dueDate}${s.receivedAt ? `，${s.receivedAt} 收到` : '，至今未收到'}</li>`,
  )}</ul>`;
}

/** `2024-03-31（第一季度末）` or `2025-01-20（数据截止日）`: the day the open hazards are counted at. */
function hazardsDateText(doc: DispatchDocument): string {
  const at = doc.openHazardsAt;
  return at.basis === 'quarter_end' ? `${at.date}（第${quarterNumeral(doc.quarter)}季度末）` : `${at.date}（数据截止日）`;
}

/** What the counts mean: a past quarter shows its backlog as it stood then, and says where today's is. */
function hazardsBasisNote(site: Site, doc: DispatchDocument): Html {
  if (doc.openHazardsAt.basis === 'as_of') {
    return html`<p class="note">各期台账累计：检查日期在 ${doc.openHazardsAt.date} 或以前、至今未整改完成的隐患（含以往季度发现的）。</p>`;
  }
  const latest = site.quarters.at(-1);
  return html`<p class="note">本季度已结束，这里是<b>季度末当日</b>的情况，不是今天的积压：按现行台账，检查日期在 ${doc.openHazardsAt.date} 或以前、当日尚未整改完成（整改完成日期在此之后或至今未整改）的隐患。${
    latest !== undefined && latest !== doc.quarter
      ? html`截至 ${site.asOf} 的未整改隐患见<a href="${files.dispatch(site.year, latest)}#hazards">${quarterNumeral(latest)}季度调度</a>。`
      : ''
  }</p>`;
}

function hazardsSection(site: Site, doc: DispatchDocument, charts: ChartRenderer): Html {
  const rows = doc.openHazards;
  const when = hazardsDateText(doc);
  if (rows.length === 0) return html`<p class="ok-note">截至 ${when} 没有未整改的隐患。</p>${hazardsBasisNote(site, doc)}`;
  const categories = [...new Set(rows.flatMap((r) => Object.keys(r.byCategory)))].sort();
  const code = new Map(site.townships.map((t) => [t.unit, t.code]));
  const towns = rows.filter((r) => code.has(r.unit));
  const total = (k: 'open' | 'overdue') => rows.reduce((a, r) => a + r[k], 0);
  return html`<p class="hazards-total">截至 ${when}，各单位台账中尚未整改的隐患共 <b>${total('open')}</b> 处，其中已过整改期限 <b>${total('overdue')}</b> 处。</p>
${hazardsBasisNote(site, doc)}
${charts.bar({
  title: `未整改隐患（${hazardUnit}）`,
  scope: `截至 ${when} · ${towns.length} 个镇街`,
  unit: hazardUnit,
  categories: towns.map((r) => r.unit),
  series: [
    { name: '已逾期', values: towns.map((r) => r.overdue), stack: 'open' },
    { name: '未到整改期限', values: towns.map((r) => r.open - r.overdue), stack: 'open' },
  ],
  horizontal: true,
  width: 900,
  height: 620,
})}
${tableWrap(
  html`<table class="data hazards">
<thead><tr><th scope="col">单位</th><th scope="col">未整改</th><th scope="col">其中已逾期</th><th scope="col">最长逾期（天）</th>${categories.map((c) => html`<th scope="col" class="cat">${c}</th>`)}</tr></thead>
<tbody>${rows.map((r) => {
    const c = code.get(r.unit);
    return html`<tr><th scope="row">${c ? html`<a href="${files.township(c)}">${r.unit}</a>` : r.unit}</th><td class="num">${r.open}</td><td class="num${r.overdue ? ' warn' : ''}">${r.overdue}</td><td class="num">${r.maxDaysOverdue}</td>${categories.map((cat) => html`<td class="num">${count(r.byCategory[cat] ?? 0)}</td>`)}</tr>`;
  })}</tbody>
</table>`,
  '按隐患类别分列；只列数量，不列被检查单位。',
)}`;
}

/** Findings as a table: rule, unit, what is wrong, and the file, sheet and cell where. */
export function findingsTable(site: Site, findings: Findings, sourceIds: ReadonlySet<number>, showUnit = true): Html {
  if (findings.length === 0) return html`<p class="ok-note">没有发现需要核实的问题。</p>`;
  return tableWrap(html`<table class="data findings">
<thead><tr><th scope="col">级别</th><th scope="col">问题类型</th>${showUnit ? html`<th scope="col">单位</th>` : ''}<th scope="col">报表</th><th scope="col">说明</th><th scope="col">文件</th><th scope="col">工作表</th><th scope="col">单元格</th></tr></thead>
<tbody>${findings.map(
    (f) =>
      html`<tr class="sev-${f.severity}"><td><span class="chip sev-${f.severity}">${severityLabels[f.severity] ?? f.severity}</span></td><td>${f.ruleLabel}</td>${showUnit ? html`<td class="nowrap">${f.unit}</td>` : ''}<td title="${formName(site, f.form)}">${f.form}</td><td class="message">${f.message}</td><td class="path">${
        f.path ? (f.submissionId !== null && sourceIds.has(f.submissionId) ? html`<a href="#${sourceAnchor(f.submissionId)}">${f.path}</a>` : f.path) : '—'
      }</td><td>${f.sheet ?? '—'}</td><td class="nowrap">${f.cell ?? '—'}</td></tr>`,
  )}</tbody>
</table>`);
}

/** Findings the statistician acknowledged (`firestat review ack`): apart from the open ones, with the note (not who: names are not published). */
function acknowledgedTable(site: Site, acknowledged: DispatchDocument['acknowledged']): Html {
  if (acknowledged.length === 0) return html`<p class="note">没有已核实的问题。</p>`;
  return tableWrap(
    html`<table class="data findings acknowledged">
<thead><tr><th scope="col">问题类型</th><th scope="col">单位</th><th scope="col">报表</th><th scope="col">说明</th><th scope="col">工作表</th><th scope="col">单元格</th><th scope="col">核实情况</th><th scope="col">核实时间</th></tr></thead>
<tbody>${acknowledged.map(
      (f) =>
        html`<tr><td>${f.ruleLabel}</td><td class="nowrap">${f.unit}</td><td title="${formName(site, f.form)}">${f.form}</td><td class="message">${f.message}</td><td>${f.sheet ?? '—'}</td><td class="nowrap">${f.cell ?? '—'}</td><td class="message">${f.reviewNote}</td><td class="nowrap">${f.reviewedAt}</td></tr>`,
    )}</tbody>
</table>`,
    '已核实的问题不列入通报；数值变了会重新列为待核实。',
  );
}

export function dispatchPage(site: Site, doc: DispatchDocument, charts: ChartRenderer): string {
  const y = doc.year;
  const q = doc.quarter;
  const period = `${quarterName(y, q)}（${quarterMonths(q)}）`;
  const units = `${site.townships.length} 个镇街和局本级各科室`;
  const body = html`
${section(
  'matrix',
  '报送情况',
  html`${scope(`${period}，截至 ${site.asOf}`, units)}
${statusLegend(doc.statusCounts)}
${matrixTable(site, doc)}
<p class="note">鼠标停在格子上可看截止日、收到时间和退回原因；点格子跳到对应的报送文件。右上角数字表示同期成功报送的份数（有更正重报）。</p>
<h3 id="rejected">被退回且未重新报送</h3>
${rejectedList(site, doc)}
<h3 id="late">逾期与未报</h3>
${lateList(site, doc)}`,
)}
${section('hazards', doc.openHazardsAt.basis === 'quarter_end' ? `未整改隐患（第${quarterNumeral(q)}季度末）` : '未整改隐患', html`${scope(`截至 ${hazardsDateText(doc)}`, units, '#sources')}${hazardsSection(site, doc, charts)}`)}
${section(
  'findings',
  '数据核对发现的问题',
  html`${scope(period, units)}
${findingsTable(site, doc.findings, new Set(doc.sources.map((s) => s.submissionId)))}
<h3 id="acknowledged">已核实的问题</h3>
${acknowledgedTable(site, doc.acknowledged)}`,
)}
`;
  return page(site, {
    title: `${quarterName(y, q)}调度`,
    lead: html`<p>${period} · ${units} · 数据截至 ${site.asOf}${doc.openHazardsAt.basis === 'quarter_end' ? ` · 未整改隐患为 ${hazardsDateText(doc)}的情况` : ''}</p>`,
    current: { kind: 'dispatch', quarter: q },
    body,
    sources: doc.sources,
  });
}
