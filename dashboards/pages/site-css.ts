/**
 * `assets/site.css`: one stylesheet for every page — screen (1366×768 laptop to 1920×1080
 * projector), phone (390 px wide: the menu wraps, tables scroll sideways under a fixed unit column,
 * charts switch to their phone variant), and A4 print (the 通报 above all). System fonts only:
 * nothing is fetched.
 */
export const siteCss = `/* firestat — 静态页面样式（系统字体，无外部资源） */
:root {
  --font: "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif;
  --ink: #1f2328;
  --muted: #5f6773;
  --line: #d9dde3;
  --soft: #f4f6f8;
  --brand: #b3261e;
  --brand-dark: #8c1d17;
  --link: #1f5fa8;
  --good-bg: #e2f3e7; --good: #1d6b38;
  --late-bg: #fff0d1; --late: #7a5000;
  --bad-bg: #fde0de; --bad: #a8231b;
  --miss-bg: #e4e4e7; --miss: #3b3b40;
  --pend-bg: #e3edfa; --pend: #23508a;
}
* { box-sizing: border-box; }
html { font-size: 15px; -webkit-text-size-adjust: 100%; }
@media (min-width: 1600px) { html { font-size: 16px; } }
body { margin: 0; font-family: var(--font); color: var(--ink); background: #fff; line-height: 1.6; }
a { color: var(--link); text-decoration: none; }
a:hover { text-decoration: underline; }
h1, h2, h3 { line-height: 1.3; }
h1 { font-size: 1.7rem; margin: 0 0 .3rem; }
h2 { font-size: 1.3rem; margin: 0 0 .6rem; padding-bottom: .3rem; border-bottom: 2px solid var(--brand); }
h3 { font-size: 1.08rem; margin: 1.2rem 0 .5rem; }
small { font-size: .8em; }

/* 页眉与导航 */
.site-header { position: sticky; top: 0; z-index: 10; display: flex; flex-wrap: wrap; align-items: center; gap: .3rem 1.2rem; padding: .45rem 1.5rem; background: var(--brand); color: #fff; box-shadow: 0 1px 4px rgba(0,0,0,.2); }
.brand { display: flex; align-items: baseline; gap: .5rem; font-weight: 700; font-size: 1.1rem; white-space: nowrap; }
.brand a { color: #fff; }
.brand-year { font-weight: 400; font-size: .9rem; opacity: .9; }
.site-nav { display: flex; flex-wrap: wrap; align-items: center; gap: .3rem .9rem; flex: 1 1 auto; position: relative; }
.site-nav a, .site-nav summary { color: #fff; padding: .15rem .45rem; border-radius: 4px; white-space: nowrap; }
.site-nav a:hover, .site-nav summary:hover { background: rgba(255,255,255,.18); text-decoration: none; }
.site-nav a[aria-current="page"], .site-nav summary.active { background: #fff; color: var(--brand-dark); font-weight: 700; }
.nav-group { display: flex; align-items: center; gap: .1rem; padding-left: .7rem; border-left: 1px solid rgba(255,255,255,.35); }
.nav-label { font-size: .85rem; opacity: .85; margin-right: .25rem; white-space: nowrap; }
.nav-towns { position: relative; }
.nav-towns summary { cursor: pointer; list-style: none; border: 1px solid rgba(255,255,255,.5); }
.nav-towns summary::-webkit-details-marker { display: none; }
.nav-towns summary::after { content: " ▾"; font-size: .8em; }
.nav-towns[open] summary::after { content: " ▴"; }
.town-links { position: absolute; right: 0; top: calc(100% + .4rem); z-index: 20; display: grid; grid-template-columns: repeat(4, max-content); gap: .15rem .4rem; padding: .6rem; background: #fff; border: 1px solid var(--line); border-radius: 6px; box-shadow: 0 6px 18px rgba(0,0,0,.18); }
.town-links a { color: var(--link); }
.town-links a:hover { background: var(--soft); }
.town-links a[aria-current="page"] { background: var(--brand); color: #fff; }

/* 正文 */
main { max-width: 1720px; margin: 0 auto; padding: 1rem 1.5rem 2rem; }
.page-head { margin: .4rem 0 1rem; }
.lead p { margin: 0; color: var(--muted); }
/* 本页相关文件（汇总表、调度表、通报、文字稿、数据） */
.outputs { display: flex; flex-wrap: wrap; align-items: center; gap: .35rem .5rem; margin: .6rem 0 0; font-size: .88rem; }
.outputs-label { color: var(--muted); margin-right: .1rem; }
.file-link { display: inline-flex; align-items: baseline; gap: .35rem; border: 1px solid var(--line); border-radius: 4px; padding: .12rem .5rem; background: #fff; white-space: nowrap; }
.file-link:hover { background: var(--soft); text-decoration: none; }
.file-format { font-size: .72rem; color: var(--muted); border-left: 1px solid var(--line); padding-left: .35rem; }
section { margin: 1.6rem 0; }
.scope { display: flex; flex-wrap: wrap; gap: .2rem 1rem; margin: -.2rem 0 .7rem; font-size: .85rem; color: var(--muted); }
.scope a::before { content: "↳ "; }
.muted { color: var(--muted); }
.note { font-size: .85rem; color: var(--muted); margin: .4rem 0; }
.ok-note { color: var(--good); background: var(--good-bg); padding: .4rem .7rem; border-radius: 4px; display: inline-block; margin: .2rem 0; }

/* 数字卡片 */
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(165px, 1fr)); gap: .8rem; }
.card { position: relative; border: 1px solid var(--line); border-left: 4px solid var(--brand); border-radius: 6px; padding: .6rem .8rem .7rem; background: #fff; break-inside: avoid; }
.card-label { color: var(--muted); font-size: .9rem; }
.card-value { margin-top: .1rem; white-space: nowrap; }
.card-value .big { font-size: 1.95rem; font-weight: 700; color: var(--ink); letter-spacing: .01em; }
.card-value .unit { font-size: 1rem; color: var(--muted); margin-left: .1rem; }
.card-detail { font-size: .85rem; color: var(--muted); margin-top: .15rem; }
.card-link { position: absolute; top: .45rem; right: .6rem; font-size: .75rem; }

/* 表格 */
.table-wrap { max-width: 100%; overflow-x: auto; margin: .4rem 0 .8rem; }
/* A wide table scrolls sideways inside its frame; the unit column stays put. */
.table-wrap table.data tbody > tr > :first-child,
.table-wrap table.data thead > tr:first-child > :first-child { position: sticky; left: 0; z-index: 1; box-shadow: inset -1px 0 0 var(--line); }
:where(.table-wrap table.data tbody > tr > :first-child) { background: #fff; }
.table-caption { margin: 0 0 .3rem; font-size: .85rem; color: var(--muted); }
table.data { border-collapse: collapse; font-size: .9rem; min-width: 100%; }
table.data.narrow { min-width: 0; }
table.data th, table.data td { border: 1px solid var(--line); padding: .3rem .5rem; vertical-align: top; }
table.data thead th { background: var(--soft); font-weight: 600; text-align: center; vertical-align: middle; }
table.data.summary thead th { min-width: 4.2em; }
table.data.findings thead th, table.data.submissions thead th { white-space: nowrap; }
table.data.submissions td.path { min-width: 16rem; }
table.data thead th small { display: block; font-weight: 400; color: var(--muted); }
table.data tbody th { text-align: left; font-weight: 500; white-space: nowrap; }
table.data td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.data td.na { color: #a0a6ae; text-align: center; }
table.data td.path, .path { word-break: break-all; font-size: .85rem; }
table.data td.message { min-width: 18rem; }
table.data td.nowrap, .nowrap { white-space: nowrap; }
table.data tbody tr:nth-child(even) td { background: #fafbfc; }
table.data tr.township_total th, table.data tr.township_total td,
table.data tr.district_total th, table.data tr.district_total td { font-weight: 700; background: #f1f3f6; }
table.data tr.bureau th, table.data tr.bureau td { background: #fbf6ee; }
table.data tr.district_total th, table.data tr.district_total td { border-top: 2px solid #9aa3ad; }
table.data tr.group-row th { background: #eef1f4; color: var(--muted); font-weight: 600; }
table.data td.up { color: var(--good); }
table.data td.down { color: var(--bad); }
table.data td.warn { color: var(--bad); font-weight: 600; }
a.src { font-size: .72rem; color: var(--muted); border: 1px solid var(--line); border-radius: 3px; padding: 0 .2rem; }
table.compare td.above { font-weight: 700; }
table.compare .avg { color: var(--muted); }
table.hazards th.cat { font-weight: 500; font-size: .8rem; }

/* 状态 */
.chip { display: inline-block; padding: 0 .45rem; border-radius: 3px; font-size: .85rem; line-height: 1.6; white-space: nowrap; }
.st-on_time, .sub-st-loaded { background: var(--good-bg); color: var(--good); }
.st-late { background: var(--late-bg); color: var(--late); }
.st-rejected, .sub-st-rejected, .sev-error.chip { background: var(--bad-bg); color: var(--bad); font-weight: 700; }
.st-missing { background: var(--miss-bg); color: var(--miss); font-weight: 700; }
.st-pending, .sub-st-replaced { background: var(--pend-bg); color: var(--pend); }
.sev-warning.chip { background: var(--late-bg); color: var(--late); }
table.matrix td.st { text-align: center; white-space: nowrap; }
table.matrix td.st a { color: inherit; display: block; }
table.matrix thead th small { font-size: .72rem; }
table.matrix tbody tr:nth-child(even) td.st-on_time { background: var(--good-bg); }
table.data tbody tr:nth-child(even) td.st-late { background: var(--late-bg); }
table.data tbody tr:nth-child(even) td.st-rejected { background: var(--bad-bg); }
table.data tbody tr:nth-child(even) td.st-missing { background: var(--miss-bg); }
table.data tbody tr:nth-child(even) td.st-pending { background: var(--pend-bg); }
.legend { display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; font-size: .88rem; margin: .2rem 0 .6rem; }
.reasons { padding-left: 1.5rem; }
.reasons li { margin: .4rem 0 .8rem; }
.reasons p { margin: .1rem 0; }
.reason { background: var(--bad-bg); border-left: 3px solid var(--bad); padding: .3rem .6rem; overflow-wrap: anywhere; }
ul.compact { padding-left: 1.2rem; margin: .3rem 0; }
ul.compact li { margin: .15rem 0; }
tr.sub-rejected td { background: #fff7f6 !important; }

/* 图表（构建时渲染的 SVG） */
.chart-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 1rem 1.5rem; }
.chart { margin: .4rem 0 1rem; break-inside: avoid; min-width: 0; }
.chart figcaption { font-weight: 600; margin-bottom: .2rem; }
.chart figcaption .scope { display: inline; font-weight: 400; font-size: .82rem; color: var(--muted); margin: 0 0 0 .4rem; }
.chart svg { display: block; width: 100%; max-width: 100%; height: auto; }
.chart figcaption .chart-units { font-weight: 400; font-size: .82rem; color: var(--late); margin-left: .4rem; }
/* Each chart comes twice: as drawn for screens and print, and a phone variant whose text keeps its size. */
.chart-narrow { display: none; }
.split { display: grid; grid-template-columns: minmax(0, auto) minmax(0, 1fr); gap: 1.5rem; align-items: start; }
.split .chart svg { max-width: 640px; }

/* 年度总览 */
.draft { background: #fbfaf6; border: 1px solid #e8e2d0; border-radius: 6px; padding: .6rem 1.2rem; max-width: 62rem; }
.draft p { text-indent: 2em; margin: .5rem 0; line-height: 1.9; }
.quarter-links { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: .8rem; }
.quarter-link { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .8rem; }
.quarter-link h3 { margin: 0 0 .3rem; font-size: 1rem; }
.quarter-link p { margin: 0; display: flex; gap: 1rem; }
.quarter-link p.quarter-files { flex-wrap: wrap; gap: .3rem .4rem; margin-top: .45rem; font-size: .8rem; }
.quarter-files .file-link { padding: 0 .35rem; }

/* 通报 */
.rankings { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: .8rem 1.2rem; align-items: start; }
.rank-table { width: 100%; }
.rank-table caption { text-align: left; font-weight: 700; padding: .2rem 0; }
.rank-table tr.top td { background: var(--good-bg) !important; }
.rank-table tr.bottom td { background: var(--late-bg) !important; }
.bulletin-text { max-width: 50rem; border: 1px solid var(--line); border-radius: 6px; padding: 1rem 2rem; background: #fff; }
.bulletin-text .doc-title { text-align: center; font-size: 1.35rem; margin: .5rem 0 1rem; }
.bulletin-text .doc-heading { font-size: 1.05rem; margin: 1rem 0 .4rem; }
.bulletin-text p { line-height: 1.9; margin: .4rem 0; }
.bulletin-text ul { padding-left: 1.6rem; line-height: 1.8; }

/* 数据来源 */
.sources { border-top: 1px solid var(--line); padding-top: .8rem; }
.sources h2 { border-bottom-color: var(--line); }
.sources-table { font-size: .82rem; }
.sources-list summary { cursor: pointer; color: var(--link); margin: .3rem 0; }
.sources-table tr:target td { background: #fff3b0 !important; }
:target { scroll-margin-top: 6rem; }

.site-footer { max-width: 1720px; margin: 0 auto; padding: .8rem 1.5rem 1.5rem; color: var(--muted); font-size: .8rem; border-top: 1px solid var(--line); }

/* 窄屏 */
@media (max-width: 1100px) {
  .split { grid-template-columns: minmax(0, 1fr); }
  .chart-grid { grid-template-columns: minmax(0, 1fr); }
}
@media (max-width: 760px) {
  .chart-wide { display: none; }
  .chart-narrow { display: block; }
}
/* 手机（390 px 宽）：菜单折行，镇街菜单在页内展开，每个链接都在屏幕内 */
@media (max-width: 700px) {
  .site-header { position: static; padding: .4rem .8rem .5rem; gap: .2rem .6rem; }
  .site-nav { gap: .15rem .5rem; }
  .site-nav a, .site-nav summary { padding: .25rem .45rem; }
  .nav-group { padding-left: 0; border-left: none; flex-wrap: wrap; }
  .nav-label { min-width: 3.6em; }
  .nav-towns { flex: 1 1 100%; }
  .nav-towns summary { display: inline-block; }
  .town-links { position: static; margin-top: .4rem; grid-template-columns: repeat(auto-fill, minmax(6.6em, 1fr)); max-width: 100%; box-shadow: none; }
  .town-links a { padding: .3rem .4rem; }
  main { padding: .8rem; }
  .site-footer { padding: .8rem; }
  h1 { font-size: 1.45rem; }
  .scope a { white-space: nowrap; }
  /* Tables keep words whole and scroll sideways rather than stack one character a line. */
  table.data.sources-table td:not(.path), table.data.compare thead th { white-space: nowrap; }
  table.data td.path, table.data td.message { min-width: 14rem; }
}

/* 打印（A4） */
@page { size: A4; margin: 15mm; }
@media print {
  html { font-size: 10.5pt; }
  body { background: #fff; }
  .site-header, .site-nav, .screen-only, .card-link, a.src { display: none !important; }
  main { max-width: none; padding: 0; }
  a { color: inherit; }
  section { margin: 0 0 8mm; }
  h2, h3, figcaption, caption, .scope { break-after: avoid; page-break-after: avoid; }
  table { page-break-inside: auto; }
  tr, td, th { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  .table-wrap { overflow: visible; }
  table.data { font-size: 8.5pt; min-width: 0; width: 100%; }
  table.data th, table.data td { padding: 1.2mm 1.5mm; }
  .cards { grid-template-columns: repeat(4, 1fr); gap: 3mm; }
  .card-value .big { font-size: 16pt; }
  .chart, .card, .ranking, .reasons li { break-inside: avoid; page-break-inside: avoid; }
  .chart svg { max-width: 170mm; }
  .chart-wide { display: block !important; }
  .chart-narrow { display: none !important; }
  .chart-grid, .split { grid-template-columns: 1fr; }
  .printable section.appendix { break-before: page; page-break-before: always; }
  .printable section.doc { margin-bottom: 0; }
  .printable .bulletin-text { border: none; padding: 0; max-width: none; }
  .printable .rankings { grid-template-columns: repeat(5, minmax(0, 1fr)); gap: 1.5mm; align-items: end; padding-right: .5mm; }
  .printable .rank-table { font-size: 7pt; table-layout: fixed; width: 100%; }
  .printable .rank-table th, .printable .rank-table td { padding: .8mm .6mm; overflow: hidden; }
  .printable .rank-table td { white-space: nowrap; }
  .printable .rank-table th:nth-child(1) { width: 21%; }
  .printable .rank-table th:nth-child(2) { width: 47%; }
  .printable .rank-table th:nth-child(3) { width: 32%; }
  .printable .rank-table caption { font-size: 8pt; }
  .printable .sources { break-before: page; page-break-before: always; }
  .site-footer { border-top: 1px solid #999; padding: 2mm 0 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;
