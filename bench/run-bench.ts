/**
 * `npm run bench`: firestat against DuckDB's own CSV reader, exceljs's streaming reader and
 * pandas, each as a whole process, several runs, medians. Prints a table and writes
 * bench/results.json. Not part of `npm test`.
 *
 *   BENCH_RUNS=3 BENCH_CSV_ROWS=1000000 BENCH_CSV_BIG_ROWS=1900000 BENCH_XLSX_ROWS=200000 npm run bench
 *   BENCH_ONLY='CSV' npm run bench    # only the measures whose name matches
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalHeader } from '../domain/forms/form-definition.js';
import { hazardLedgerForm } from '../domain/forms/index.js';
import { csvBulkSettings } from '../pipelines/ingest/csv-bulk/csv-bulk-load.js';
import { writeSampleInbox } from '../sources/sample/index.js';
import { factColumns, factTableDdl } from '../warehouse/schema/fact-tables.js';
import type { FloorSpec } from './baselines/duckdb-floor.js';
import { benchInputs } from './inputs.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'bin/firestat.js');
const work = join(root, 'bench/out');
const runs = Number(process.env.BENCH_RUNS ?? 3);
const csvRows = Number(process.env.BENCH_CSV_ROWS ?? 1_000_000);
/** The larger ledger: the cost per extra row and whether memory grows with the file. */
const bigCsvRows = Number(process.env.BENCH_CSV_BIG_ROWS ?? 1_900_000);
const xlsxRows = Number(process.env.BENCH_XLSX_ROWS ?? 200_000);

interface Measure {
  readonly name: string;
  readonly rows: number;
  readonly seconds: number;
  readonly peakRssMiB: number;
  readonly runs: number;
  readonly note?: string;
}

interface Job {
  readonly name: string;
  readonly rows: number;
  readonly cmd: string;
  readonly args: string[];
  readonly prepare?: () => void;
  readonly env?: Record<string, string>;
  /** At most this many rounds (pandas/openpyxl is slow). */
  readonly maxRuns?: number;
  readonly times: number[];
  readonly rss: number[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** One whole-process run of `job`: wall time and the peak RSS the process reports. */
function runOnce(job: Job): void {
  job.prepare?.();
  const t = process.hrtime.bigint();
  const r = spawnSync(job.cmd, job.args, { encoding: 'utf8', env: { ...process.env, ...job.env, FIRESTAT_REPORT_RSS: '1' }, maxBuffer: 1 << 26 });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`${job.name} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  // An ingest that refused its file (a limit, a parse error) is no measurement.
  const loaded = /新增数据 (\d+) 行/.exec(`${r.stdout}${r.stderr}`);
  if (job.args.includes('ingest') && Number(loaded?.[1]) !== job.rows)
    throw new Error(`${job.name}: loaded ${loaded?.[1] ?? 'no'} rows (no summary line?), expected ${job.rows}`);
  job.times.push(seconds);
  job.rss.push(Number(/(?:firestat-)?peak-rss-kib (\d+)/.exec(r.stderr)?.[1] ?? NaN));
  process.stdout.write(`  ${job.name}: ${seconds.toFixed(2)} s, ${Math.round(job.rss[job.rss.length - 1]! / 1024)} MiB\n`);
}

function pandasAvailable(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import pandas, openpyxl'], { encoding: 'utf8' }).status === 0;
}

async function main(): Promise<void> {
  mkdirSync(work, { recursive: true });
  process.stdout.write(`生成输入（${csvRows} 与 ${bigCsvRows} 行 CSV，${xlsxRows} 行 xlsx）…\n`);
  const inputs = await benchInputs(join(work, 'inputs'), csvRows, xlsxRows);
  const big = await benchInputs(join(work, 'inputs'), bigCsvRows, 0, { gb18030: false });
  const wh = join(work, 'bench.duckdb');
  const fresh = () => {
    for (const f of [wh, `${wh}.wal`, `${wh}.work`, `${wh}.lock`]) rmSync(f, { force: true });
    rmSync(join(work, 'reports'), { recursive: true, force: true });
  };
  // The 1.9M-row file (325 MiB) is over the default 256 MiB file limit: the bench raises it.
  const config = join(work, 'bench.config.json');
  writeFileSync(config, `${JSON.stringify({ limits: { maxFileBytes: 1024 * 1024 * 1024 } })}\n`);
  const ingest = (file: string) => ['-c', config, 'ingest', '--inbox', dirname(dirname(dirname(file))), '--warehouse', wh, '--quiet'];
  const node = process.execPath;
  const duck = join(root, 'dist/bench/baselines/duckdb-read-csv.js');
  const floor = join(root, 'dist/bench/baselines/duckdb-floor.js');
  const floorSpec = join(work, 'floor-spec.json');
  writeFileSync(floorSpec, JSON.stringify(floorSpecOf(inputs.csvUtf8)));
  const job = (name: string, rows: number, cmd: string, args: string[], extra: Partial<Job> = {}): Job => ({
    name,
    rows,
    cmd,
    args,
    times: [],
    rss: [],
    ...extra,
  });
  const jobs: Job[] = [
    job('firestat ingest · CSV UTF-8', csvRows, node, [bin, ...ingest(inputs.csvUtf8)], { prepare: fresh }),
    job('DuckDB read_csv · CSV UTF-8', csvRows, node, [duck, inputs.csvUtf8, join(work, 'duck.duckdb')]),
    job(`firestat ingest · CSV UTF-8 ×${bigCsvRows / csvRows}`, bigCsvRows, node, [bin, ...ingest(big.csvUtf8)], { prepare: fresh }),
    job(`DuckDB read_csv · CSV UTF-8 ×${bigCsvRows / csvRows}`, bigCsvRows, node, [duck, big.csvUtf8, join(work, 'duck.duckdb')]),
    // The floor (see bench/baselines/duckdb-floor.ts): what DuckDB alone takes to load the body into
    // the fact table under the bulk path's memory limit, without (bare) and with (staged) row numbers.
    job('DuckDB floor · bare INSERT from read_csv, no row numbers', csvRows, node, [floor, 'bare', inputs.csvUtf8, join(work, 'floor.duckdb'), floorSpec]),
    job(`DuckDB floor · bare INSERT from read_csv, no row numbers ×${bigCsvRows / csvRows}`, bigCsvRows, node, [
      floor,
      'bare',
      big.csvUtf8,
      join(work, 'floor.duckdb'),
      floorSpec,
    ]),
    job('DuckDB floor · staged, then INSERT with row numbers', csvRows, node, [floor, 'staged', inputs.csvUtf8, join(work, 'floor.duckdb'), floorSpec]),
    job(`DuckDB floor · staged, then INSERT with row numbers ×${bigCsvRows / csvRows}`, bigCsvRows, node, [
      floor,
      'staged',
      big.csvUtf8,
      join(work, 'floor.duckdb'),
      floorSpec,
    ]),
    job('firestat ingest · CSV GB18030', csvRows, node, [bin, ...ingest(inputs.csvGb18030)], { prepare: fresh }),
    job('firestat ingest · CSV UTF-8, JS path (FIRESTAT_CSV_BULK=off)', csvRows, node, [bin, ...ingest(inputs.csvUtf8)], {
      prepare: fresh,
      env: { FIRESTAT_CSV_BULK: 'off' },
      maxRuns: 1,
    }),
    job('firestat ingest · xlsx', xlsxRows, node, [bin, ...ingest(inputs.xlsx)], { prepare: fresh }),
    job('firestat ingest · xlsx, read on the main thread (FIRESTAT_READER_THREAD=off)', xlsxRows, node, [bin, ...ingest(inputs.xlsx)], {
      prepare: fresh,
      env: { FIRESTAT_READER_THREAD: 'off' },
      maxRuns: 1,
    }),
    job('exceljs streaming reader alone · xlsx', xlsxRows, node, [join(root, 'dist/bench/baselines/exceljs-stream-read.js'), inputs.xlsx]),
  ];
  const pandas = pandasAvailable();
  if (pandas) {
    const py = join(root, 'bench/baselines/pandas-read.py');
    jobs.push(job('pandas read_csv · CSV UTF-8', csvRows, '/usr/bin/python3', [py, 'csv', inputs.csvUtf8]));
    jobs.push(job('pandas read_excel (openpyxl) · xlsx', xlsxRows, '/usr/bin/python3', [py, 'xlsx', inputs.xlsx], { maxRuns: 2 }));
  }

  // The sample year: a full rebuild, then a night with nothing new.
  const sampleInbox = join(work, 'sample-inbox');
  rmSync(sampleInbox, { recursive: true, force: true });
  await writeSampleInbox({ outDir: sampleInbox, year: 2024, seed: 1 });
  const runArgs = ['run', '--inbox', sampleInbox, '--warehouse', wh, '--out', join(work, 'out'), '--year', '2024', '--as-of', '2025-01-20', '--quiet'];
  jobs.push(
    job('sample year · full rebuild (run)', 17333, node, [bin, ...runArgs], {
      prepare: () => {
        fresh();
        rmSync(join(work, 'out'), { recursive: true, force: true });
      },
    }),
  );
  jobs.push(job('sample year · nightly run, nothing new', 0, node, [bin, ...runArgs]));

  // BENCH_ONLY=<regex>: only the measures whose name matches (while working on one of them).
  const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, 'i') : undefined;
  if (only) jobs.splice(0, jobs.length, ...jobs.filter((j) => only.test(j.name)));
  // Interleaved rounds: the machine is shared, so each round runs every measure once and the
  // ratios are taken within a round (their median), not between medians of different moments.
  process.stdout.write('测量中…\n');
  for (let round = 0; round < runs; round++) {
    process.stdout.write(`第 ${round + 1}/${runs} 轮\n`);
    for (const j of jobs) if (round < (j.maxRuns ?? runs)) runOnce(j);
  }
  const results: Measure[] = jobs.map((j) => ({
    name: j.name,
    rows: j.rows,
    seconds: median(j.times),
    peakRssMiB: Math.round(Math.max(...j.rss) / 1024),
    runs: j.times.length,
  }));

  const by = (name: string) => jobs.find((r) => r.name === name);
  const mib = (j?: Job) => (j ? Math.round(Math.max(...j.rss) / 1024) : NaN);
  /** Median over rounds of a/b (rounds both ran). */
  const ratio = (a?: Job, b?: Job, f: (x: number, y: number) => number = (x, y) => x / y) => {
    if (!a || !b) return null;
    const n = Math.min(a.times.length, b.times.length);
    if (!n) return null;
    return Math.round(median(Array.from({ length: n }, (_, i) => f(a.times[i]!, b.times[i]!))) * 100) / 100;
  };
  const fs1 = by('firestat ingest · CSV UTF-8');
  const fsBig = by(`firestat ingest · CSV UTF-8 ×${bigCsvRows / csvRows}`);
  const dk1 = by('DuckDB read_csv · CSV UTF-8');
  const dkBig = by(`DuckDB read_csv · CSV UTF-8 ×${bigCsvRows / csvRows}`);
  /** Median over rounds of the cost per extra row (1M → big) of `small`/`large` against DuckDB's own. */
  const perRow = (small = fs1, large = fsBig) => {
    if (!small || !large || !dk1 || !dkBig) return null;
    const n = Math.min(small.times.length, large.times.length, dk1.times.length, dkBig.times.length);
    const xs = Array.from({ length: n }, (_, i) => (large.times[i]! - small.times[i]!) / (dkBig.times[i]! - dk1.times[i]!));
    return n ? Math.round(median(xs) * 100) / 100 : null;
  };
  const floorOf = (name: string) => [by(name), by(`${name} ×${bigCsvRows / csvRows}`)] as const;
  const [bare1, bareBig] = floorOf('DuckDB floor · bare INSERT from read_csv, no row numbers');
  const [staged1, stagedBig] = floorOf('DuckDB floor · staged, then INSERT with row numbers');
  const ratios = {
    csvVsDuckdb: ratio(fs1, dk1),
    csvBigVsDuckdb: ratio(fsBig, dkBig),
    extraRowCostVsDuckdb: perRow(),
    floorBareExtraRowCostVsDuckdb: perRow(bare1, bareBig),
    floorStagedExtraRowCostVsDuckdb: perRow(staged1, stagedBig),
    floorStagedVsDuckdb: ratio(staged1, dk1),
    gb18030VsUtf8: ratio(by('firestat ingest · CSV GB18030'), fs1),
    jsPathVsBulk: ratio(by('firestat ingest · CSV UTF-8, JS path (FIRESTAT_CSV_BULK=off)'), fs1),
    xlsxVsExceljs: ratio(by('firestat ingest · xlsx'), by('exceljs streaming reader alone · xlsx')),
    xlsxOneThreadVsWorker: ratio(by('firestat ingest · xlsx, read on the main thread (FIRESTAT_READER_THREAD=off)'), by('firestat ingest · xlsx')),
    pandasXlsxVsFirestat: ratio(by('pandas read_excel (openpyxl) · xlsx'), by('firestat ingest · xlsx')),
    pandasCsvVsFirestat: ratio(by('pandas read_csv · CSV UTF-8'), fs1),
  };
  const pandasX = by('pandas read_excel (openpyxl) · xlsx');
  const fsX = by('firestat ingest · xlsx');
  // The "Done when" (#15), each as measured in this run.
  /** A goal's verdict, or null when this run did not measure it (BENCH_ONLY, no pandas). */
  const verdict = (measured: boolean, met: () => boolean) => (measured ? met() : null);
  const nothingNew = results.find((r) => r.name === 'sample year · nightly run, nothing new');
  const goals = {
    '1M-row CSV ≤ 2.0× DuckDB read_csv': verdict(ratios.csvVsDuckdb !== null, () => ratios.csvVsDuckdb! <= 2.0),
    'cost per extra row (1M → big) ≤ 1.3× DuckDB': verdict(ratios.extraRowCostVsDuckdb !== null, () => ratios.extraRowCostVsDuckdb! <= 1.3),
    'GB18030 ≤ 1.2× UTF-8': verdict(ratios.gb18030VsUtf8 !== null, () => ratios.gb18030VsUtf8! <= 1.2),
    'peak RSS at 1M ≤ DuckDB read_csv + 100 MiB': verdict(!!fs1 && !!dk1, () => mib(fs1) <= mib(dk1) + 100),
    'peak RSS at big ≤ 1.25× the 1M figure': verdict(!!fsBig && !!fs1, () => mib(fsBig) <= 1.25 * mib(fs1)),
    'xlsx ≥ 3.5× faster than pandas/openpyxl in every run': verdict(!!pandasX && !!fsX, () =>
      pandasX!.times.every((t, i) => fsX!.times[i] !== undefined && t / fsX!.times[i]! >= 3.5),
    ),
    'xlsx peak RSS ≤ 400 MiB': verdict(!!fsX, () => mib(fsX) <= 400),
    'nothing-new night ≤ 1 s': verdict(!!nothingNew, () => nothingNew!.seconds <= 1),
  };
  const machine = {
    cpus: cpus().length,
    cpu: cpus()[0]?.model ?? '',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    load: loadavg().map((l) => Math.round(l * 10) / 10),
  };
  const table = [
    '| measure | rows | wall s (median) | rows/s | peak RSS MiB | runs |',
    '|---|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.rows} | ${r.seconds.toFixed(2)} | ${r.rows && r.seconds ? Math.round(r.rows / r.seconds).toLocaleString('en') : '—'} | ${Number.isNaN(r.peakRssMiB) ? '—' : r.peakRssMiB} | ${r.runs} |`,
    ),
  ].join('\n');
  const date = new Date().toISOString();
  process.stdout.write(
    `\n${date.slice(0, 10)} · ${machine.cpus} × ${machine.cpu} · ${machine.memoryGiB} GiB · Node ${machine.node} · load ${machine.load.join(' ')}\n${table}\n\nratios: ${JSON.stringify(ratios)}\ngoals: ${JSON.stringify(goals, null, 1)}\n${pandas ? '' : 'pandas/openpyxl not installed (apt-get install python3-pandas python3-openpyxl): skipped\n'}`,
  );
  writeFileSync(join(root, 'bench/results.json'), `${JSON.stringify({ date, machine, runs, results, ratios, goals, pandas }, null, 2)}\n`);
  process.stdout.write(`写入 bench/results.json\n`);
}

/** The floor's table and conversions (see `baselines/duckdb-floor.ts`), from the L2 form and the bench ledger's header. */
function floorSpecOf(csv: string): FloorSpec {
  const start = readFileSync(csv, 'utf8').slice(0, 4096);
  const header = start.split(/\r?\n/)[0]!.split(',');
  const column = (label: string) => {
    const i = header.indexOf(label);
    if (i < 0) throw new Error(`the bench ledger has no column ${label}`);
    return `c${i + 1}`;
  };
  const form = hazardLedgerForm;
  const unit = form.fields.find((f) => f.id === form.unitField)!;
  const lineage: Record<string, string> = {
    submission_id: '1',
    sheet: "'T'",
    source_row: 'ROW',
    unit: column(canonicalHeader(unit)),
    year: '2024',
    quarter: '1',
    month: 'NULL',
  };
  return {
    ddl: factTableDdl(form)[0]!,
    table: form.table,
    exprs: factColumns(form).map((c) =>
      c.field ? (c.type === 'DATE' ? `TRY_CAST(${column(canonicalHeader(c.field))} AS DATE)` : column(canonicalHeader(c.field))) : lineage[c.name]!,
    ),
    columns: header.length,
    newLine: start.includes('\r\n') ? '\\r\\n' : '\\n',
    memoryLimit: csvBulkSettings.memoryLimit,
  };
}

await main();
