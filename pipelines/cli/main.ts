import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, Option } from 'commander';
import type { FileOutcome, IngestResult } from '../ingest/ingest.js';
import { ConfigError, loadConfig } from './config.js';
import type { SqlFormat } from './sql-command.js';

const program = new Command();
program
  .name('firestat')
  .description('区消防救援局执法统计：采集镇街与局本级报表，校验后装入 DuckDB 数据仓库')
  .option('-c, --config <file>', '配置文件（默认 ./firestat.config.json，可不存在）')
  .showHelpAfterError();

function config() {
  return loadConfig(program.opts<{ config?: string }>().config);
}

/** A one-line Chinese summary of a run, then one line per refused file. */
export function summarize(result: IngestResult): string {
  const c = result.counts;
  const lines = [
    `运行 #${result.runId}：发现 ${c.files_seen} 个文件 — 入库 ${c.files_loaded}，未变 ${c.files_unchanged}，替换旧文件 ${c.files_replaced}，退回 ${c.files_refused}；新增数据 ${c.rows_loaded} 行`,
  ];
  for (const o of result.outcomes) {
    if (o.status === 'loaded' && o.replacedIds?.length) lines.push(`  替换  ${o.path}（替换了编号 ${o.replacedIds.join('、')}）`);
    if (o.status === 'replaced') lines.push(`  作废  ${o.path}（已有更新的同期文件）`);
  }
  for (const o of result.outcomes.filter((x: FileOutcome) => x.status === 'rejected')) {
    lines.push(`  退回  ${o.path}：${o.reason ?? ''}`);
  }
  return lines.join('\n');
}

interface IngestOpts {
  inbox?: string;
  warehouse?: string;
  reports?: string;
  quiet?: boolean;
}

/** Ingest (and for `run`, build) through the lock and the working copy. */
async function runNightly(opts: IngestOpts & BuildOpts, withBuild: boolean, signal?: AbortSignal): Promise<void> {
  const cfg = config();
  // Loaded here, not at start-up, so `--help` and other commands stay quick.
  const [{ systemClock }, { UnitRegistry }, { FolderInbox }, { nightlyRun }, { lineLog }, { progressBar }] = await Promise.all([
    import('../../domain/clock.js'),
    import('../../domain/units.js'),
    import('../../sources/inbox/folder-inbox.js'),
    import('../run/nightly-run.js'),
    import('../run/run-log.js'),
    import('./progress.js'),
  ]);
  const inbox = opts.inbox ?? cfg.inbox;
  const warehousePath = opts.warehouse ?? cfg.warehouse;
  if (!existsSync(inbox)) throw new ConfigError(`收件箱目录不存在：${inbox}`);
  const registry = cfg.units ? UnitRegistry.fromFile(cfg.units) : UnitRegistry.sample();
  const bar = progressBar(process.stderr, opts.quiet === true);
  // Event lines go to stderr for a person at a terminal only when not quiet; run/schedule always log.
  const log = withBuild ? lineLog((l) => process.stdout.write(l)) : () => {};
  const result = await nightlyRun({
    warehousePath,
    source: new FolderInbox(inbox),
    registry,
    reportsDir: opts.reports ?? cfg.reportsDir ?? join(dirname(warehousePath), 'reports'),
    clock: systemClock,
    log,
    limits: cfg.limitsResolved,
    maxSecondsPerFile: cfg.maxSecondsPerFile,
    lockWaitMs: cfg.lockWaitSeconds * 1000,
    dueDays: cfg.dueDays,
    onStart: bar.onStart,
    onFile: bar.onFile,
    ...(signal ? { signal } : {}),
    ...(withBuild
      ? { build: { outDir: opts.out ?? cfg.outDir, publishers, ...(opts.year ? { year: Number(opts.year) } : {}), ...(opts.asOf ? { asOf: opts.asOf } : {}) } }
      : {}),
  });
  bar.end();
  process.stdout.write(result.ingest ? `${summarize(result.ingest)}\n` : '没有新文件，数据仓库与输出保持不变\n');
  if (result.built) process.stdout.write(`已生成 ${result.built.files.length} 个输出文件：${opts.out ?? cfg.outDir}\n`);
}

program
  .command('ingest')
  .description('读取收件箱中的新文件，校验后装入数据仓库；退回的文件写出退回说明')
  .option('--inbox <dir>', '收件箱目录（默认配置中的 inbox，或 ./inbox）')
  .option('--warehouse <file>', 'DuckDB 数据仓库文件（默认 data/warehouse.duckdb）')
  .option('--reports <dir>', '退回说明目录（默认数据仓库旁的 reports/）')
  .option('--quiet', '不显示进度条，只输出汇总')
  .action(async (opts: IngestOpts) => runNightly(opts, false));

program
  .command('sql')
  .description('对数据仓库执行一条 SQL 查询（只读）')
  .argument('<query>', 'SQL 查询，如 "SELECT * FROM year_figures"')
  .option('--warehouse <file>', 'DuckDB 数据仓库文件（默认 data/warehouse.duckdb）')
  .addOption(new Option('--format <format>', '输出格式').choices(['table', 'csv', 'json', 'markdown']).default('table'))
  .action(async (query: string, opts: { warehouse?: string; format: SqlFormat }) => {
    const cfg = config();
    const path = opts.warehouse ?? cfg.warehouse;
    if (!existsSync(path)) throw new ConfigError(`数据仓库文件不存在：${path}（请先运行 firestat ingest）`);
    const [{ Warehouse }, { render, runQuery }] = await Promise.all([import('../../warehouse/warehouse.js'), import('./sql-command.js')]);
    const warehouse = await Warehouse.open({ path, readOnly: true });
    try {
      const { columns, rows } = await runQuery(warehouse, query);
      process.stdout.write(`${render(opts.format, columns, rows)}\n`);
    } finally {
      await warehouse.close();
    }
  });

async function publishers() {
  return (await import('../../dashboards/publishers.js')).defaultPublishers();
}

interface BuildOpts {
  warehouse?: string;
  out?: string;
  year?: string;
  asOf?: string;
}

async function runBuild(opts: BuildOpts, warehouseOpen?: import('../../warehouse/warehouse.js').Warehouse): Promise<void> {
  const cfg = config();
  const [{ Warehouse }, { build }, { shanghaiDate }] = await Promise.all([
    import('../../warehouse/warehouse.js'),
    import('../../dashboards/build.js'),
    import('../../domain/clock.js'),
  ]);
  const path = opts.warehouse ?? cfg.warehouse;
  if (!warehouseOpen && !existsSync(path)) throw new ConfigError(`数据仓库文件不存在：${path}（请先运行 firestat ingest）`);
  const warehouse = warehouseOpen ?? (await Warehouse.open({ path, readOnly: true }));
  try {
    const now = new Date();
    const asOf = opts.asOf ?? shanghaiDate(now);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new ConfigError(`--as-of 应写作 YYYY-MM-DD，收到 ${asOf}`);
    const year = Number(opts.year ?? asOf.slice(0, 4));
    const outDir = opts.out ?? cfg.outDir;
    const result = await build({ warehouse, outDir, year, generatedAt: now.toISOString(), asOf, publishers: await publishers() });
    process.stdout.write(`已生成 ${year} 年的 ${result.files.length} 个输出文件（截至 ${asOf}）：${outDir}\n`);
  } finally {
    if (!warehouseOpen) await warehouse.close();
  }
}

program
  .command('build')
  .description('从数据仓库生成汇总、调度、通报和年度数字：JSON、文字稿（写入临时文件后原子替换）')
  .option('--warehouse <file>', 'DuckDB 数据仓库文件（默认 data/warehouse.duckdb）')
  .option('--out <dir>', '输出目录（默认 ./out）')
  .option('--year <year>', '年度（默认截止日期所在年度）')
  .option('--as-of <date>', '截止日期 YYYY-MM-DD，用于判断逾期和未报（默认今天）')
  .action(async (opts: BuildOpts) => runBuild(opts));

program
  .command('run')
  .description('一次完整运行（供 cron/systemd 定时器使用）：采集新文件、装入数据仓库、生成输出；与其他运行互斥')
  .option('--inbox <dir>', '收件箱目录')
  .option('--warehouse <file>', 'DuckDB 数据仓库文件')
  .option('--reports <dir>', '退回说明目录')
  .option('--out <dir>', '输出目录')
  .option('--year <year>', '生成输出的年度（默认截止日期所在年度中有数据的最近一年）')
  .option('--as-of <date>', '截止日期 YYYY-MM-DD（默认今天）')
  .option('--quiet', '不显示进度条')
  .action(async (opts: IngestOpts & BuildOpts) => runNightly(opts, true));

program
  .command('schedule')
  .description('常驻进程：按计划（默认每天 02:00，北京时间）运行 run；收到 SIGTERM/SIGINT 时处理完当前文件后退出')
  .option('--cron <expr>', 'cron 表达式，可带秒字段，如 "0 0 2 * * *"', '0 2 * * *')
  .option('--inbox <dir>', '收件箱目录')
  .option('--warehouse <file>', 'DuckDB 数据仓库文件')
  .option('--reports <dir>', '退回说明目录')
  .option('--out <dir>', '输出目录')
  .action(async (opts: IngestOpts & BuildOpts & { cron: string }) => {
    const [{ startSchedule }, { lineLog }] = await Promise.all([import('../run/scheduler.js'), import('../run/run-log.js')]);
    const log = lineLog((l) => process.stdout.write(l));
    await startSchedule({
      cron: opts.cron,
      log,
      run: (signal) => runNightly({ ...opts, quiet: true }, true, signal),
    });
  });

program
  .command('check')
  .description('检查数据仓库的完整性：数据行都有来源文件、没有装了一半的文件、同期只有一份现行文件、季度数字可由数据行重算')
  .option('--warehouse <file>', 'DuckDB 数据仓库文件')
  .action(async (opts: { warehouse?: string }) => {
    const cfg = config();
    const path = opts.warehouse ?? cfg.warehouse;
    if (!existsSync(path)) throw new ConfigError(`数据仓库文件不存在：${path}`);
    const [{ Warehouse }, { checkWarehouse, checkReport, warehouseSound }] = await Promise.all([
      import('../../warehouse/warehouse.js'),
      import('../../warehouse/check/integrity-check.js'),
    ]);
    const warehouse = await Warehouse.open({ path, readOnly: true });
    try {
      const results = await checkWarehouse(warehouse);
      process.stdout.write(`${checkReport(results)}\n`);
      if (!warehouseSound(results)) process.exitCode = 1;
    } finally {
      await warehouse.close();
    }
  });

program
  .command('sample')
  .description('生成一整年的样例报送文件（确定性的，可重复生成）')
  .requiredOption('--out <dir>', '输出目录')
  .option('--year <year>', '年度', '2024')
  .option('--seed <n>', '随机种子', '1')
  .action(async (opts: { out: string; year: string; seed: string }) => {
    const { writeSampleInbox } = await import('../../sources/sample/index.js');
    const manifest = await writeSampleInbox({ outDir: opts.out, year: Number(opts.year), seed: Number(opts.seed) });
    process.stdout.write(`已生成 ${manifest.files.length} 个样例文件：${opts.out}\n`);
  });

program
  .command('demo')
  .description('演示：生成样例收件箱，装入数据仓库，输出结果和下一步可看的地方')
  .option('--dir <dir>', '演示目录', 'demo')
  .action(async (opts: { dir: string }) => {
    const { runDemo } = await import('./demo-command.js');
    await runDemo(opts.dir, (line) => process.stdout.write(`${line}\n`));
  });

export { program };

if (process.env.FIRESTAT_REPORT_RSS === '1') {
  // For tests and the benchmark: the peak memory of the whole process.
  process.on('exit', () => process.stderr.write(`firestat-peak-rss-kib ${process.resourceUsage().maxRSS}\n`));
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`firestat: ${message}\n`);
  // 2: bad configuration or arguments; 3: another run holds the lock; 1: anything else.
  process.exitCode = e instanceof ConfigError ? 2 : e instanceof Error && e.name === 'LockBusyError' ? 3 : 1;
}
