import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { writeFileAtomic } from '../../../domain/atomic-write.js';
import type { UnitRegistry } from '../../../domain/unit-registry.js';
import { escapeHtml } from '../../../domain/html-text.js';
import { packageRoot } from '../../../domain/package-root.js';
import type { DocumentSet, OutputFile, Publisher } from '../../publisher.js';

/**
 * `自检.html`: one self-contained page a township clerk opens by double-clicking (file://, no
 * network, nothing to install), drops a filled workbook or CSV on, and sees at once whether the
 * nightly run would load it — checked by the run's own readers, table locator, parser and form
 * schemas (`check-file.ts`), bundled for the browser here with esbuild.
 *
 * What cannot run in a browser never reaches the bundle, by the module layout: the bundle starts
 * from `self-check-app.ts`, which reaches the readers only through `sources/readers/web-readers.ts`
 * (fflate zips, `TextDecoder`, deadline-only budget) and the unit registry through
 * `domain/unit-registry.ts` — never `index.ts`, `xlsx-reader.ts`, `csv-reader.ts`, `read-budget.ts`
 * or `units.ts`. A Node module slipping in is a build error (see {@link nodeBuiltinsRefused}).
 */

export { selfCheckFileName } from './file-name.js';
import { selfCheckFileName } from './file-name.js';

/** This module's folder; in the CLI's bundle (`dist/cli/`), its compiled folder under `dist/`. */
const here = ((dir) =>
  existsSync(join(dir, 'self-check-app.ts')) || existsSync(join(dir, 'self-check-app.js')) ? dir : join(packageRoot(), 'dist/dashboards/templates/self-check'))(
  dirname(fileURLToPath(import.meta.url)),
);

/** A module beside this one: the `.ts` source (tests, tsx) or the compiled `.js` (dist/). */
function sibling(name: string): string {
  const ts = join(here, `${name}.ts`);
  return existsSync(ts) ? ts : join(here, `${name}.js`);
}

/** Any Node built-in the bundle would need is an error, not a silent shim. */
const nodeBuiltinsRefused: Plugin = {
  name: 'no-node-builtins',
  setup(b) {
    b.onResolve({ filter: /^node:|^(fs|path|os|stream|zlib|v8|vm|crypto|url|module|child_process)(\/.*)?$/ }, (args) => ({
      errors: [{ text: `自检页不能使用 Node 模块“${args.path}”（由 ${args.importer} 引入）` }],
    }));
  },
};

/**
 * zod's classic API re-exports every locale's error messages (about 200 KB); the page's schemas
 * only ever use the default English ones (the parser writes its own Chinese messages).
 */
const zodLocalesTrimmed: Plugin = {
  name: 'zod-locales-en-only',
  setup(b) {
    const require = createRequire(import.meta.url);
    const en = require.resolve('zod/v4/locales/en.js');
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer) ? { path: 'zod-locales', namespace: 'firestat' } : undefined,
    );
    b.onLoad({ filter: /^zod-locales$/, namespace: 'firestat' }, () => ({
      contents: `export { default as en } from ${JSON.stringify(en)};`,
      resolveDir: dirname(en),
      loader: 'js',
    }));
  },
};

let bundled: Promise<string> | undefined;

/** The page's script: built once per process (it depends on the code only, not on the registry). */
function selfCheckScript(): Promise<string> {
  bundled ??= build({
    entryPoints: [sibling('self-check-app')],
    inject: [sibling('buffer-global')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    // 360、QQ and other browsers township offices use carry a Chromium core of 2020 or later.
    target: ['es2020', 'chrome80'],
    minify: true,
    charset: 'utf8',
    legalComments: 'eof',
    logLevel: 'silent',
    plugins: [nodeBuiltinsRefused, zodLocalesTrimmed],
  }).then((result) => {
    const js = result.outputFiles?.[0]?.text;
    if (!js) throw new Error('自检页脚本打包失败：没有输出');
    // Inside <script>, "</script" would end the element and "<!--" change how it is parsed.
    return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
  });
  bundled.catch(() => {
    bundled = undefined;
  });
  return bundled;
}

/** Text for a `<script type="application/json">`: no `<` can close it. */
function jsonInScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const css = `
:root { --font: "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; --ink: #1f2328; --muted: #5f6773; --line: #d9dde3; --soft: #f4f6f8;
  --brand: #b3261e; --good-bg: #e2f3e7; --good: #1d6b38; --bad-bg: #fde0de; --bad: #a8231b; --warn-bg: #fff0d1; --warn: #7a5000; }
* { box-sizing: border-box; }
html { font-size: 16px; }
body { margin: 0; font-family: var(--font); color: var(--ink); background: #fff; line-height: 1.6; }
header { background: var(--brand); color: #fff; padding: .8rem 2rem; }
header h1 { margin: 0; font-size: 1.6rem; }
header p { margin: .2rem 0 0; opacity: .95; }
main { max-width: 1200px; margin: 0 auto; padding: 1.2rem 2rem 3rem; }
.drop { display: flex; flex-direction: column; align-items: center; justify-content: center; gap: .6rem; min-height: 220px; border: 4px dashed #9aa3ad; border-radius: 14px;
  background: var(--soft); cursor: pointer; text-align: center; padding: 1.5rem; font-size: 1.35rem; }
.drop:hover, .drop.over, .drop:focus-within { border-color: var(--brand); background: #fff5f4; }
.drop strong { font-size: 1.7rem; }
.drop .button { display: inline-block; background: var(--brand); color: #fff; border-radius: 8px; padding: .45rem 1.6rem; font-size: 1.2rem; }
.drop input { position: absolute; width: 1px; height: 1px; opacity: 0; }
.drop small { color: var(--muted); font-size: 1rem; }
.working { font-size: 1.3rem; color: var(--muted); }
.result { margin-top: 1.6rem; border: 1px solid var(--line); border-radius: 10px; padding: 1rem 1.4rem; }
.result h2 { margin: 0 0 .4rem; font-size: 1.25rem; word-break: break-all; }
.verdict { font-size: 1.6rem; font-weight: 700; margin: .2rem 0 .6rem; padding: .5rem 1rem; border-radius: 8px; }
.ok .verdict { background: var(--good-bg); color: var(--good); }
.refused .verdict { background: var(--bad-bg); color: var(--bad); }
.stopped .verdict { background: var(--warn-bg); color: var(--warn); }
.hint { color: var(--muted); }
.summary { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1.2rem; margin: .6rem 0; font-size: 1.1rem; }
.summary dt { color: var(--muted); }
.summary dd { margin: 0; font-weight: 600; }
.problems { font-size: 1.08rem; padding-left: 1.8rem; }
.problems li, .notes li { margin: .35rem 0; }
.notes { color: var(--muted); }
.tag { display: inline-block; font-size: .8rem; border: 1px solid var(--line); border-radius: 4px; padding: 0 .3rem; margin-right: .4rem; }
.goto { margin-left: .3rem; font-size: .9rem; color: #1f5fa8; white-space: nowrap; }
.technical { color: var(--muted); font-size: .85rem; margin-top: .8rem; }
.technical summary { cursor: pointer; }
.totals table { border-collapse: collapse; }
.totals th, .totals td { border: 1px solid var(--line); padding: .2rem .8rem; text-align: left; font-weight: normal; }
.totals thead th { background: var(--soft); font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.sheet h3 { margin: 1.2rem 0 .4rem; font-size: 1.05rem; }
.scroll { overflow: auto; max-height: 70vh; border: 1px solid var(--line); }
table.grid { border-collapse: collapse; font-size: .9rem; }
table.grid th, table.grid td { border: 1px solid var(--line); padding: .1rem .4rem; white-space: pre-wrap; max-width: 22rem; vertical-align: top; }
table.grid thead th { position: sticky; top: 0; background: var(--soft); z-index: 1; }
table.grid tbody th { background: var(--soft); color: var(--muted); font-weight: normal; text-align: right; }
td.mark-error { background: #f8c4bf; outline: 2px solid var(--bad); outline-offset: -2px; color: #5c0f0a; font-weight: 600; }
td.mark-warning { background: #ffe3a6; }
td.mark-notice { background: #e3edfa; }
td:target { box-shadow: 0 0 0 4px #1f5fa8 inset; }
footer { color: var(--muted); font-size: .9rem; border-top: 1px solid var(--line); margin-top: 2.5rem; padding-top: .8rem; }
`;

/** The whole page: markup, style, the unit registry and the bundled checker, in one file. */
async function buildSelfCheckPage(registry: UnitRegistry): Promise<string> {
  const script = await selfCheckScript();
  const bureau = escapeHtml(registry.bureau);
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>报表自检 — ${bureau}</title>
<style>${css}</style>
</head>
<body>
<header>
<h1>报表自检</h1>
<p>${bureau}执法统计报表：报送前先在这里检查一遍</p>
</header>
<main>
<label class="drop" id="drop">
<strong>把填好的报表拖到这里</strong>
<span>或者</span>
<span class="button">选择文件</span>
<input type="file" id="file" multiple accept=".xlsx,.xlsm,.xls,.et,.csv,.txt">
<small>支持 Excel 工作簿（.xlsx、.xls）、WPS 表格（.et）和 CSV。文件只在本机检查，不会上传，也不需要联网。</small>
</label>
<section id="results" aria-live="polite"></section>
<footer>本页与${bureau}每晚入库时用的是同一套读取和检查程序：这里能通过的文件，入库时也能通过（入库时另外核对是否重复报送了重叠的期间）。</footer>
</main>
<script type="application/json" id="firestat-data">${jsonInScript({ units: registry.data() })}</script>
<script>${script}</script>
</body>
</html>
`;
}

/** Writes `自检.html` into `dir`; returns its path and size. */
export async function writeSelfCheckPage(dir: string, registry: UnitRegistry): Promise<{ path: string; bytes: number }> {
  const page = new TextEncoder().encode(await buildSelfCheckPage(registry));
  const path = join(dir, selfCheckFileName);
  await writeFileAtomic(path, page);
  return { path, bytes: page.length };
}

/**
 * `firestat build` writes the page beside the pages. It is made from code and the unit registry
 * only — never from the documents — so it is handed on as bytes: the redactor's pass over text
 * outputs would rewrite the script's own source.
 */
export class SelfCheckPublisher implements Publisher {
  readonly name = '报表自检页';

  constructor(private readonly registry: UnitRegistry) {}

  async publish(_documents: DocumentSet): Promise<readonly OutputFile[]> {
    return [{ path: selfCheckFileName, content: new TextEncoder().encode(await buildSelfCheckPage(this.registry)) }];
  }
}
