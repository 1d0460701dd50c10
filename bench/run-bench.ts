/**
 * `npm run bench`: firestat against DuckDB's own CSV reader, exceljs's streaming reader and
 * pandas, each as a whole process, several runs, medians. Prints a table and writes
 * bench/results.json. Not part of `npm test`.
 *
 *   BENCH_RUNS=3 BENCH_CSV_ROWS=1000000 BENCH_XLSX_ROWS=200000 npm run bench
 */
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSampleInbox } from '../sources/sample/index.js';
import { benchInputs } from './inputs.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'bin/firestat.js');
const work = join(root, 'bench/out');
const runs = Number(process.env.BENCH_RUNS ?? 3);
const csvRows = Number(process.env.BENCH_CSV_ROWS ?? 1_000_000);
const xlsxRows = Number(process.env.BENCH_XLSX_ROWS ?? 200_000);

interface Measure {
  readonly name: string;
  readonly rows: number;
  readonly seconds: number;
  readonly peakRssMiB: number;
  readonly runs: number;
  readonly note?: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Runs a command `runs` times (after `prepare`), returning median wall time and peak RSS. */
function measure(name: string, rows: number, cmd: string, args: string[], prepare?: () => void, env: Record<string, string> = {}, n = runs): Measure {
  const times: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < n; i++) {
    prepare?.();
    const t = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env, FIRESTAT_REPORT_RSS: '1' }, maxBuffer: 1 << 26 });
    const seconds = Number(process.hrtime.bigint() - t) / 1e9;
    if (r.status !== 0) throw new Error(`${name} failed (${r.status}): ${r.stderr.slice(-2000)}`);
    const peak = Number(/(?:firestat-)?peak-rss-kib (\d+)/.exec(r.stderr)?.[1] ?? NaN);
    times.push(seconds);
    rss.push(peak);
  }
  const m = { name, rows, seconds: median(times), peakRssMiB: Math.round(Math.max(...rss) / 1024), runs: n };
  process.stdout.write(`  ${name}: ${m.seconds.toFixed(2)} s, ${m.peakRssMiB} MiB\n`);
  return m;
}

function pandasAvailable(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import pandas, openpyxl'], { encoding: 'utf8' }).status === 0;
}

async function main(): Promise<void> {
  mkdirSync(work, { recursive: true });
  process.stdout.write(`生成输入（${csvRows} 行 CSV ×2，${xlsxRows} 行 xlsx）…\n`);
  const inputs = await benchInputs(join(work, 'inputs'), csvRows, xlsxRows);
  const wh = join(work, 'bench.duckdb');
  const fresh = () => {
    for (const f of [wh, `${wh}.wal`, `${wh}.work`, `${wh}.lock`]) rmSync(f, { force: true });
    rmSync(join(work, 'reports'), { recursive: true, force: true });
  };
  const ingest = (file: string) => ['ingest', '--inbox', dirname(dirname(dirname(file))), '--warehouse', wh, '--quiet'];
  const node = process.execPath;
  const results: Measure[] = [];
  process.stdout.write('测量中…\n');
  results.push(measure('firestat ingest · CSV UTF-8', csvRows, node, [bin, ...ingest(inputs.csvUtf8)], fresh));
  results.push(measure('firestat ingest · CSV GB18030', csvRows, node, [bin, ...ingest(inputs.csvGb18030)], fresh));
  results.push(measure('DuckDB read_csv · CSV UTF-8 (limit)', csvRows, node, [join(root, 'dist/bench/baselines/duckdb-read-csv.js'), inputs.csvUtf8, join(work, 'duck.duckdb')]));
  results.push(measure('firestat ingest · xlsx', xlsxRows, node, [bin, ...ingest(inputs.xlsx)], fresh));
  results.push(measure('exceljs streaming reader alone · xlsx', xlsxRows, node, [join(root, 'dist/bench/baselines/exceljs-stream-read.js'), inputs.xlsx]));
  const pandas = pandasAvailable();
  if (pandas) {
    const py = join(root, 'bench/baselines/pandas-read.py');
    results.push(measure('pandas read_csv · CSV UTF-8', csvRows, '/usr/bin/python3', [py, 'csv', inputs.csvUtf8]));
    results.push(measure('pandas read_excel (openpyxl) · xlsx', xlsxRows, '/usr/bin/python3', [py, 'xlsx', inputs.xlsx], undefined, {}, Math.min(runs, 2)));
  }

  // The sample year: a full rebuild, then a night with nothing new.
  const sampleInbox = join(work, 'sample-inbox');
  rmSync(sampleInbox, { recursive: true, force: true });
  await writeSampleInbox({ outDir: sampleInbox, year: 2024, seed: 1 });
  const runArgs = ['run', '--inbox', sampleInbox, '--warehouse', wh, '--out', join(work, 'out'), '--year', '2024', '--as-of', '2025-01-20', '--quiet'];
  results.push(measure('sample year · full rebuild (run)', 17333, node, [bin, ...runArgs], () => {
    fresh();
    rmSync(join(work, 'out'), { recursive: true, force: true });
  }));
  results.push(measure('sample year · nightly run, nothing new', 0, node, [bin, ...runArgs]));

  const by = (name: string) => results.find((r) => r.name.startsWith(name));
  const ratio = (a?: Measure, b?: Measure) => (a && b ? Math.round((a.seconds / b.seconds) * 100) / 100 : null);
  const ratios = {
    csvVsDuckdb: ratio(by('firestat ingest · CSV UTF-8'), by('DuckDB read_csv')),
    gb18030VsUtf8: ratio(by('firestat ingest · CSV GB18030'), by('firestat ingest · CSV UTF-8')),
    xlsxVsExceljs: ratio(by('firestat ingest · xlsx'), by('exceljs streaming')),
    pandasXlsxVsFirestat: ratio(by('pandas read_excel'), by('firestat ingest · xlsx')),
    pandasCsvVsFirestat: ratio(by('pandas read_csv'), by('firestat ingest · CSV UTF-8')),
  };
  const goals = {
    'CSV ≤ 1.5× DuckDB read_csv': ratios.csvVsDuckdb !== null && ratios.csvVsDuckdb <= 1.5,
    'GB18030 ≤ 1.2× UTF-8': ratios.gb18030VsUtf8 !== null && ratios.gb18030VsUtf8 <= 1.2,
    'xlsx ≥ 3.5× faster than pandas/openpyxl': ratios.pandasXlsxVsFirestat === null ? null : ratios.pandasXlsxVsFirestat >= 3.5,
    'xlsx ≤ 1.25× exceljs streaming alone': ratios.xlsxVsExceljs !== null && ratios.xlsxVsExceljs <= 1.25,
    'peak RSS ≤ 400 MiB': results.filter((r) => r.name.startsWith('firestat')).every((r) => r.peakRssMiB <= 400),
    'nothing-new night ≤ 1 s': (by('sample year · nightly')?.seconds ?? Infinity) <= 1,
  };
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? '', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  const table = [
    '| measure | rows | wall s (median) | rows/s | peak RSS MiB |',
    '|---|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.name} | ${r.rows} | ${r.seconds.toFixed(2)} | ${r.rows && r.seconds ? Math.round(r.rows / r.seconds).toLocaleString('en') : '—'} | ${Number.isNaN(r.peakRssMiB) ? '—' : r.peakRssMiB} |`),
  ].join('\n');
  process.stdout.write(`\n${table}\n\nratios: ${JSON.stringify(ratios)}\ngoals: ${JSON.stringify(goals, null, 1)}\n${pandas ? '' : 'pandas/openpyxl not installed (apt-get install python3-pandas python3-openpyxl): skipped\n'}`);
  writeFileSync(join(root, 'bench/results.json'), `${JSON.stringify({ date: new Date().toISOString(), machine, runs, results, ratios, goals, pandas }, null, 2)}\n`);
  process.stdout.write(`写入 bench/results.json\n`);
}

await main();
