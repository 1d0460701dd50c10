import { describe, expect, it } from 'vitest';
import type { DispatchDocument } from '../../dashboards/data/documents.js';
import { ChartRenderer } from '../../dashboards/pages/charts.js';
import { dispatchPage } from '../../dashboards/pages/dispatch-page.js';
import { escapeHtml, html, trusted } from '../../dashboards/pages/html.js';
import { markdownToHtml } from '../../dashboards/pages/markdown.js';
import type { Site } from '../../dashboards/pages/site.js';

const probe = '<img src=x onerror="alert(1)">';

const site: Site = {
  year: 2024,
  quarters: [1],
  townships: [{ unit: '龙兴镇', code: 'ZJ14' }],
  bureauUnits: ['法制科'],
  generatedAt: '2024-04-20T02:00:00.000Z',
  asOf: '2024-04-20',
  formNames: new Map([
    ['T1', '镇街消防执法工作统计表'],
    ['L1', '行政处罚案件台账'],
  ]),
};

function dispatch(): DispatchDocument {
  return {
    kind: 'dispatch',
    schemaVersion: 1,
    generatedAt: site.generatedAt,
    asOf: site.asOf,
    year: 2024,
    sources: [{ submissionId: 7, path: `2024Q1/${probe}.csv`, unit: '龙兴镇', form: 'L1', period: '2024年第一季度', receivedAt: '2024-04-09 10:00:00' }],
    quarter: 1,
    forms: [
      { code: 'T1', name: '镇街消防执法工作统计表' },
      { code: 'L1', name: '行政处罚案件台账' },
    ],
    matrix: [
      { unit: '龙兴镇', unitKind: 'township', form: 'T1', month: null, status: 'rejected', dueDate: '2024-04-10', receivedAt: null, versions: 0, submissionId: 3, reason: `C6 单元格“检查社会单位数”填的是 “${probe}”` },
      { unit: '龙兴镇', unitKind: 'township', form: 'L1', month: null, status: 'on_time', dueDate: '2024-04-10', receivedAt: '2024-04-09 10:00:00', versions: 1, submissionId: 7, reason: null },
    ],
    statusCounts: { on_time: 1, late: 0, rejected: 1, missing: 0, pending: 0 },
    openHazards: [{ unit: '龙兴镇', open: 3, overdue: 1, maxDaysOverdue: 12, byCategory: { [probe]: 3 } }],
    findings: [
      { findingId: 'f1', rule: 'rectified_before_found', ruleLabel: '整改完成日期早于检查日期', severity: 'error', unit: '龙兴镇', form: 'L2', message: `隐患“${probe}”`, path: `2024Q1/${probe}.xlsx`, sheet: probe, cell: 'H3', submissionId: null },
    ],
  };
}

describe('escaping', () => {
  it('escapes the five HTML metacharacters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('escapes every interpolation unless it is already markup', () => {
    const name = '<b>龙兴</b>';
    expect(html`<td title="${name}">${name}</td>`.value).toBe('<td title="&lt;b&gt;龙兴&lt;/b&gt;">&lt;b&gt;龙兴&lt;/b&gt;</td>');
    expect(html`<p>${html`<i>${name}</i>`}</p>`.value).toBe('<p><i>&lt;b&gt;龙兴&lt;/b&gt;</i></p>');
    expect(html`${['<', html`<br>`, 3, null, undefined, false]}`.value).toBe('&lt;<br>3');
    expect(html`${trusted('<svg></svg>')}`.value).toBe('<svg></svg>');
  });

  it('renders the drafted Markdown as structure, its text as text', () => {
    const out = markdownToHtml(`# 通报${probe}\n\n各镇街：\n\n## 一、排名\n\n- 龙兴镇（57）\n- ${probe}\n\n结尾。`, 3).value;
    expect(out).toContain('<h3 class="doc-title">通报&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</h3>');
    expect(out).toContain('<h4 class="doc-heading">一、排名</h4>');
    expect(out).toContain('<ul><li>龙兴镇（57）</li><li>&lt;img');
    expect(out).toContain('<p>结尾。</p>');
    expect(out).not.toContain('<img');
  });
});

describe('charts', () => {
  const spec = { title: '检查', scope: '2024年', categories: ['一季度', '二季度'], series: [{ name: '检查<社会单位>', values: [1, 2] }], labels: true };

  it('renders SVG with the system CJK fonts, the same bytes every time', () => {
    const a = new ChartRenderer().bar(spec).value;
    new ChartRenderer().line(spec); // ECharts' process-wide counters move on
    const b = new ChartRenderer().bar(spec).value;
    expect(a).toBe(b);
    expect(a).toContain('<svg role="img"');
    expect(a).toMatch(/<path /);
    expect(a).toContain("font-family:'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif");
    expect(a).not.toMatch(/zr\d+-/);
    expect(a).toContain('检查&lt;社会单位&gt;');
  });

  it('numbers each chart of a page apart', () => {
    const r = new ChartRenderer();
    const first = r.bar(spec).value;
    const second = r.bar(spec).value;
    expect(first).toMatch(/class="ch1-\d+"/);
    expect(second).toMatch(/class="ch2-\d+"/);
    expect(second).not.toMatch(/ch1-/);
  });
});

describe('调度 page', () => {
  const page = dispatchPage(site, dispatch(), new ChartRenderer());

  it('shows a refused file’s reason on hover and below the table, as text', () => {
    expect(page).not.toContain('<img');
    expect(page).toMatch(/<td class="st st-rejected" title="[^"]*退回原因：C6 单元格“检查社会单位数”填的是 “&lt;img src=x onerror=&quot;alert\(1\)&quot;&gt;”"><a href="#rejected-1">退回<\/a><\/td>/);
    expect(page).toContain('<li id="rejected-1">');
    expect(page).toContain('<p class="reason">退回原因：C6 单元格“检查社会单位数”填的是 “&lt;img src=x onerror=&quot;alert(1)&quot;&gt;”</p>');
  });

  it('links a cell to its submission under 数据来源 and escapes findings, categories and paths', () => {
    expect(page).toContain('<a href="#src-7">按时</a>');
    expect(page).toContain('<tr id="src-7">');
    expect(page).toContain('<td class="message">隐患“&lt;img src=x onerror=&quot;alert(1)&quot;&gt;”</td>');
    expect(page).toContain('<th scope="col" class="cat">&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</th>');
    expect(page).toContain('2024Q1/&lt;img src=x onerror=&quot;alert(1)&quot;&gt;.csv');
  });
});
