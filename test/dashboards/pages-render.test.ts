import { describe, expect, it } from 'vitest';
import type { DispatchDocument } from '../../dashboards/data/documents.js';
import { ChartRenderer } from '../../dashboards/pages/charts.js';
import { dispatchPage } from '../../dashboards/pages/dispatch-page.js';
import { escapeHtml } from '../../domain/html-text.js';
import { html, trusted } from '../../dashboards/pages/html.js';
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
  outputs: new Set(),
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
      {
        unit: '龙兴镇',
        unitKind: 'township',
        form: 'T1',
        month: null,
        status: 'rejected',
        dueDate: '2024-04-10',
        receivedAt: null,
        versions: 0,
        submissionId: 3,
        reason: `C6 单元格“检查社会单位数”填的是 “${probe}”`,
      },
      {
        unit: '龙兴镇',
        unitKind: 'township',
        form: 'L1',
        month: null,
        status: 'on_time',
        dueDate: '2024-04-10',
        receivedAt: '2024-04-09 10:00:00',
        versions: 1,
        submissionId: 7,
        reason: null,
      },
    ],
    statusCounts: { on_time: 1, late: 0, rejected: 1, missing: 0, pending: 0 },
    openHazardsAt: { date: '2024-04-20', basis: 'as_of' },
    openHazards: [{ unit: '龙兴镇', open: 3, overdue: 1, maxDaysOverdue: 12, byCategory: { [probe]: 3 } }],
    findings: [
      {
        findingId: 'f1',
        rule: 'rectified_before_found',
        ruleLabel: '整改完成日期早于检查日期',
        severity: 'error',
        unit: '龙兴镇',
        form: 'L2',
        message: `隐患“${probe}”`,
        path: `2024Q1/${probe}.xlsx`,
        sheet: probe,
        cell: 'H3',
        submissionId: null,
      },
    ],
    acknowledged: [
      {
        findingId: 'f2',
        rule: 'total_row_mismatch',
        ruleLabel: '合计行与各行之和不符',
        severity: 'warning',
        unit: '龙兴镇',
        form: 'T1',
        message: `合计行“${probe}”`,
        path: null,
        sheet: probe,
        cell: 'C9',
        submissionId: 7,
        reviewNote: `已核实：${probe}`,
        reviewedAt: '2024-04-20 10:00:00',
      },
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

  it('writes the unit on the value axis, and refuses units mixed on one axis unless the chart says so', () => {
    const one = new ChartRenderer().bar({ ...spec, unit: '家' }).value;
    expect(one).toContain('>单位：家</text>');
    expect(one).not.toContain('chart-units');
    const mixed = {
      ...spec,
      series: [
        { name: '检查社会单位数', values: [1, 2], unit: '家' },
        { name: '发现火灾隐患数', values: [3, 4], unit: '处' },
      ],
    };
    expect(() => new ChartRenderer().bar(mixed)).toThrow(/不同单位（家、处）/);
    const said = new ChartRenderer().bar({ ...mixed, mixedUnits: true }).value;
    expect(said).toContain('>单位：家 / 处</text>');
    expect(said).toContain('<span class="chart-units">单位不同：家、处，见图例</span>');
    expect(said).toContain('>检查社会单位数（家）</text>');
    expect(said).toContain('>发现火灾隐患数（处）</text>');
    // Units that differ between categories count too, and are written on each category.
    const cases = { ...spec, categories: ['赋权执法·一般程序', '本级执法·全部'], categoryUnits: ['起', '件'], unit: undefined };
    expect(() => new ChartRenderer().bar(cases)).toThrow(/起、件/);
    expect(new ChartRenderer().bar({ ...cases, mixedUnits: true }).value).toContain('>本级执法·全部（件）</text>');
  });

  it('draws a phone variant at 340 px whose text is not shrunk, beside the chart as drawn for screens', () => {
    const wide = {
      ...spec,
      unit: '处',
      categories: Array.from({ length: 22 }, (_, i) => `第${i + 1}镇街`),
      series: [{ name: '发现', values: Array.from({ length: 22 }, (_, i) => i) }],
      width: 900,
      height: 620,
      horizontal: true,
    };
    const out = new ChartRenderer().bar(wide).value;
    const svgs = [...out.matchAll(/<svg [^>]*width="(\d+)" height="(\d+)"[^>]*viewBox="0 0 (\d+) (\d+)"/g)];
    expect(svgs.map((m) => Number(m[1]))).toEqual([900, 340]);
    expect(out).toMatch(/<div class="chart-wide"><svg [^>]*style="max-width:900px"/);
    expect(out).toMatch(/<div class="chart-narrow"><svg [^>]*style="max-width:340px"/);
    const sizes = [...out.matchAll(/font-size:(\d+(?:\.\d+)?)px/g)].map((m) => Number(m[1]));
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(10);
    // Ids stay unique within the page.
    expect(out).toMatch(/class="ch1-\d+"/);
    expect(out).toMatch(/class="ch1n-\d+"/);
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

  it('says when open hazards are counted: the as-of date for the current quarter, the quarter’s end for a past one', () => {
    expect(page).toContain('截至 2024-04-20（数据截止日），各单位台账中尚未整改的隐患共 <b>3</b> 处');
    expect(page).not.toContain('季度末');
    const later: Site = { ...site, quarters: [1, 2] };
    const past = dispatchPage(later, { ...dispatch(), openHazardsAt: { date: '2024-03-31', basis: 'quarter_end' } }, new ChartRenderer());
    expect(past).toContain('<h2>未整改隐患（第一季度末）</h2>');
    expect(past).toContain('截至 2024-03-31（第一季度末），各单位台账中尚未整改的隐患共 <b>3</b> 处');
    expect(past).toContain('不是今天的积压');
    expect(past).toContain('截至 2024-04-20 的未整改隐患见<a href="dispatch-2024-Q2.html#hazards">二季度调度</a>');
  });

  it('links the files behind it that the build wrote, and no others', () => {
    expect(page).not.toContain('class="outputs');
    const withFiles = dispatchPage({ ...site, outputs: new Set(['xlsx/调度表-2024-Q1.xlsx', 'xlsx/汇总表-2024-Q1.xlsx']) }, dispatch(), new ChartRenderer());
    const links = [...withFiles.matchAll(/<a class="file-link" href="([^"]+)"/g)].map((m) => decodeURIComponent(m[1]!));
    expect(links).toEqual(['xlsx/调度表-2024-Q1.xlsx']);
    expect(withFiles).toContain('href="xlsx/%E8%B0%83%E5%BA%A6%E8%A1%A8-2024-Q1.xlsx"');
  });

  it('shows a refused file’s reason on hover and below the table, as text', () => {
    expect(page).not.toContain('<img');
    expect(page).toMatch(
      /<td class="st st-rejected" title="[^"]*退回原因：C6 单元格“检查社会单位数”填的是 “&lt;img src=x onerror=&quot;alert\(1\)&quot;&gt;”"><a href="#rejected-1">退回<\/a><\/td>/,
    );
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
