import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, Option } from 'commander';
import type { FileOutcome, IngestResult } from '../ingest/ingest.js';
import { printable } from '../../domain/printable.js';
import { ConfigError, loadConfig } from './config.js';
import type { SqlFormat } from './sql-command.js';

/** A query that failed; the message is the Chinese explanation followed by DuckDB's own. */
class SqlError extends Error {}

/** `--as-of` and `--year`, checked before anything reaches SQL (exit 2 with a Chinese message). */
async function checkDateOptions(opts: { asOf?: string; year?: string }): Promise<void> {
  if (opts.asOf !== undefined) {
    const { AsOfError, checkedAsOf } = await import('../../warehouse/as-of.js');
    try {
      checkedAsOf(opts.asOf);
    } catch (e) {
      throw e instanceof AsOfError ? new ConfigError(e.message) : e;
    }
  }
  if (opts.year !== undefined && !/^20\d\d$/.test(opts.year)) throw new ConfigError(`--year 应为 2000–2099 之间的年份，收到 “${opts.year.slice(0, 40)}”`);
}

const program = new Command();
program
  .name('firestat')
  .description('区消防救援局执法统计：采集镇街与局本级报表，校验后装入 DuckDB 数据仓库')
  .option('-c, --config <file>', '配置文件（默认 ./firestat.config.json，可不存在）')
  .showHelpAfterError();

function config() {
  return loadConfig(program.opts<{ config?: string }>().config);
}

/**
 * A one-line Chinese summary of a run, then one line per refused or failed file. Names and
 * reasons come from outside: their control characters are shown escaped (`\n`, `\x1b`).
 */
export function summarize(result: IngestResult): string {
  const c = result.counts;
  const lines = [
    `运行 #${result.runId}：发现 ${c.files_seen} 个文件 — 入库 ${c.files_loaded}，未变 ${c.files_unchanged}，替换旧文件 ${c.files_replaced}，退回 ${c.files_refused}${c.files_failed ? `，处理失败 ${c.files_failed}（以后的运行自动重试）` : ''}；新增数据 ${c.rows_loaded} 行`,
  ];
  for (const o of result.outcomes) {
    if (o.status === 'loaded' && o.replacedIds?.length) lines.push(`  替换  ${printable(o.path)}（替换了编号 ${o.replacedIds.join('、')}）`);
    if (o.status === 'replaced') lines.push(`  作废  ${printable(o.path)}（已有更新的同期文件）`);
  }
  for (const o of result.outcomes.filter((x: FileOutcome) => x.status === 'rejected')) {
    lines.push(`  退回  ${printable(o.path)}：${printable(o.reason ?? '')}`);
  }
  for (const o of result.outcomes.filter((x: FileOutcome) => x.status === 'failed')) {
    lines.push(`  失败  ${printable(o.path)}：${printable(o.reason ?? '')}`);
  }
  return lines.join('\n');
}

/** Why a night with nothing new rebuilt the outputs, in Chinese. */
function rebuiltReason(reason: string): string {
  const reasons: Record<string, string> = {
    'as-of-changed': '截止日期变了，调度和逾期情况随之变化',
    'year-changed': '年度变了',
    'warehouse-changed': '输出与已发布的数据仓库不一致',
    'no-outputs': '还没有输出',
    'outputs-unstamped': '输出没有生成记录',
  };
  return reasons[reason] ?? reason;
}

interface IngestOpts {
  listing?: string;
  state?: string;
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
  const listingUrl = opts.listing ?? cfg.http?.listingUrl;
  const useInbox = existsSync(inbox);
  // With a listing, a missing inbox is an error only when it was named on the command line.
  if (!useInbox && (!listingUrl || opts.inbox)) throw new ConfigError(`收件箱目录不存在：${inbox}`);
  const registry = cfg.units ? UnitRegistry.fromFile(cfg.units) : UnitRegistry.sample();
  const bar = progressBar(process.stderr, opts.quiet === true);
  // run/schedule log one line per event; a plain ingest prints only its summary.
  const log = withBuild ? lineLog((l) => process.stdout.write(l)) : () => {};
  const sources: import('../../sources/source.js').Source[] = useInbox ? [new FolderInbox(inbox)] : [];
  let http: import('../../sources/http/http-listing-source.js').HttpListingSource | undefined;
  if (listingUrl) {
    const { HttpListingSource } = await import('../../sources/http/http-listing-source.js');
    const tokenEnv = cfg.http?.tokenEnv;
    const token = tokenEnv ? process.env[tokenEnv] : undefined;
    if (tokenEnv && !token) throw new ConfigError(`配置项 http.tokenEnv 指定的环境变量 ${tokenEnv} 未设置`);
    try {
      http = new HttpListingSource({
        listingUrl,
        stateDir: opts.state ?? cfg.http?.stateDir ?? join(dirname(warehousePath), 'state'),
        limits: cfg.limitsResolved,
        timeoutSeconds: cfg.http?.timeoutSeconds ?? 300,
        allowedHosts: cfg.http?.allowedHosts ?? [],
        maxConsecutiveFailures: cfg.http?.maxConsecutiveFailures ?? 3,
        ...(cfg.http?.label ? { label: cfg.http.label } : {}),
        ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
        log: (line) => {
          log('http', { message: line });
          if (!withBuild && opts.quiet !== true) process.stderr.write(`${line}\n`);
        },
        ...(signal ? { signal } : {}),
      });
    } catch (e) {
      throw new ConfigError(e instanceof Error ? e.message : String(e));
    }
    sources.push(http);
  }
  const source =
    sources.length === 1
      ? sources[0]!
      : new (await import('../../sources/http/combined-source.js')).CombinedSource(sources, (s, e) => {
          const message = e instanceof Error ? e.message : String(e);
          log('source-failed', { source: s.description, error: message });
          process.stderr.write(`firestat: ${message}（其余来源照常处理，下次运行时重试）\n`);
        });
  const result = await nightlyRun({
    warehousePath,
    source,
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
  process.stdout.write(
    result.ingest
      ? `${summarize(result.ingest)}\n`
      : result.rebuilt
        ? `没有新文件，数据仓库保持不变；输出已按截止日期 ${result.built?.documents.index.asOf ?? ''} 重新生成（${rebuiltReason(result.rebuilt)}）\n`
        : '没有新文件，数据仓库与输出保持不变\n',
  );
  if (result.built) process.stdout.write(`已生成 ${result.built.files.length} 个输出文件：${opts.out ?? cfg.outDir}\n`);
  if (result.notices) {
    // One 催报通知 per unit with something to be told (refused files, forms overdue or due soon), ready to paste into WeChat, and the leader's summary.
    const { noticesReport } = await import('../notices/notices-command.js');
    process.stdout.write(`${noticesReport(result.notices, printable).join('\n')}\n`);
  }
  if (http && http.lastReport.listed > 0) {
    const r = http.lastReport;
    process.stdout.write(
      `文件清单：${r.listed} 个文件 — 下载 ${r.downloaded.length}（续传 ${r.resumed.length}），已有 ${r.reused.length}，暂未取到 ${r.skipped.length}（下次重试），拒收 ${r.refused.length}\n`,
    );
    for (const s of r.skipped) process.stdout.write(`  暂未取到  ${printable(s.name)}：${printable(s.reason)}\n`);
  }
}

program
  .command('ingest')
  .description('读取收件箱中的新文件，校验后装入数据仓库；退回的文件写出退回说明')
  .option('--inbox <dir>', '收件箱目录（默认配置中的 inbox，或 ./inbox）')
  .option('--warehouse <file>', 'DuckDB 数据仓库文件（默认 data/warehouse.duckdb）')
  .option('--reports <dir>', '退回说明目录（默认数据仓库旁的 reports/）')
  .option('--listing <url>', '镇街平台的文件清单地址（JSON）；给出时从该地址下载新文件（默认配置中的 http.listingUrl）')
  .option('--state <dir>', '下载状态目录：已下载的文件和续传中的 .part 文件（默认数据仓库旁的 state/）')
  .option('--quiet', '不显示进度条，只输出汇总')
  .action(async (opts: IngestOpts) => runNightly(opts, false));

program
  .command('sql')
  .description('对数据仓库执行 SQL（只读）：给出查询则执行这一条；不给则进入交互式 SQL 终端')
  .argument('[query]', 'SQL 查询，如 "SELECT * FROM year_figures"；省略则进入交互式终端（输入 .help 查看命令）')
  .option('--warehouse <file>', 'DuckDB 数据仓库文件（默认 data/warehouse.duckdb）')
  .addOption(new Option('--format <format>', '输出格式').choices(['table', 'csv', 'json', 'markdown']).default('table'))
  .option('--history <file>', '交互式终端的历史记录文件（默认 ~/.firestat_history，或环境变量 FIRESTAT_HISTORY）')
  .option('--no-history', '交互式终端不保存历史记录')
  .option(
    '--as-of <date>',
    '调度视图（submission_status、hazards_open，及由此计算的 township_ranking）的数据截至日 YYYY-MM-DD（默认北京时间今天，与 firestat build 相同）',
  )
  .option(
    '--allow-files <dir>',
    '允许 SQL 读写这个目录中的文件（如 read_parquet 读取导出的 Parquet）；可给出多次。默认 SQL 不能访问数据仓库以外的任何文件',
    (dir: string, dirs: string[] = []) => [...dirs, dir],
  )
  .action(
    async (query: string | undefined, opts: { warehouse?: string; format: SqlFormat; history?: string | false; allowFiles?: string[]; asOf?: string }) => {
      const cfg = config();
      await checkDateOptions(opts);
      const path = opts.warehouse ?? cfg.warehouse;
      if (!existsSync(path)) throw new ConfigError(`数据仓库文件不存在：${path}（请先运行 firestat ingest）`);
      const { sqlSandbox, SandboxError } = await import('./sql-command.js');
      let sandbox: { allowedDirectories: string[] };
      try {
        sandbox = sqlSandbox(path, opts.allowFiles ?? []);
      } catch (e) {
        throw e instanceof SandboxError ? new ConfigError(e.message) : e;
      }
      const { walFiles } = await import('../../warehouse/working-copy.js');
      if (walFiles(path).some((f) => existsSync(f))) {
        process.stderr.write(
          `firestat: 注意：数据仓库旁有其他程序留下的 WAL 文件（${path}.wal），DuckDB 打开时会应用其中未写回的修改，查询结果不是 firestat 发布的数据；firestat check 会报告它，下次 firestat run 发布时移除它\n`,
        );
      }
      if (query === undefined) {
        const { startSqlRepl } = await import('./repl.js');
        await startSqlRepl({
          warehousePath: path,
          format: opts.format,
          sandbox,
          ...(opts.asOf ? { asOf: opts.asOf } : {}),
          ...(opts.history === false ? { historyFile: null } : typeof opts.history === 'string' ? { historyFile: opts.history } : {}),
        });
        return;
      }
      // One query, or a dot-command (.tables, .schema 名称) printed as the terminal prints it.
      const { runSqlOnce } = await import('./repl.js');
      const result = await runSqlOnce({ warehousePath: path, query, format: opts.format, sandbox, ...(opts.asOf ? { asOf: opts.asOf } : {}) });
      if (!result.ok) throw new SqlError(result.error);
      process.stdout.write(result.output);
    },
  );

program
  .command('docs')
  .description('生成数据字典：每个表和视图的中文说明，每列的类型、中文说明和示例值（Markdown 与单文件 HTML；个人信息列不显示示例）')
  .requiredOption('--out <dir>', '输出目录（写入 data-dictionary.md 与 data-dictionary.html）')
  .option('--warehouse <file>', 'DuckDB 数据仓库文件（默认 data/warehouse.duckdb）')
  .action(async (opts: { out: string; warehouse?: string }) => {
    const cfg = config();
    const path = opts.warehouse ?? cfg.warehouse;
    if (!existsSync(path)) throw new ConfigError(`数据仓库文件不存在：${path}（请先运行 firestat ingest）`);
    const [{ Warehouse }, { writeDataDictionary }] = await Promise.all([
      import('../../warehouse/warehouse.js'),
      import('../../warehouse/docs/data-dictionary.js'),
    ]);
    const warehouse = await Warehouse.open({ path, readOnly: true });
    try {
      const { files, dictionary } = await writeDataDictionary({ warehouse, outDir: opts.out });
      process.stdout.write(`已生成数据字典（${dictionary.relations.length} 个表和视图）：${files.join('、')}\n`);
    } finally {
      await warehouse.close();
    }
  });

program
  .command('export')
  .description('把事实表、单位与报送记录和各视图导出为 Parquet（按 year/quarter 分区），供其他分析工具读取；默认不含个人信息列')
  .requiredOption('--parquet <dir>', '导出目录（整体替换：先写入临时目录，完成后改名）')
  .option('--warehouse <file>', 'DuckDB 数据仓库文件（默认 data/warehouse.duckdb）')
  .option('--include-personal', '保留个人信息列（如 l1_cases.party 当事人）；这样的导出只供内部使用，不得对外发布')
  .option('--as-of <date>', '调度视图（submission_status、hazards_open，及由此计算的 township_ranking）的数据截至日 YYYY-MM-DD（默认北京时间今天）')
  .action(async (opts: { parquet: string; warehouse?: string; includePersonal?: boolean; asOf?: string }) => {
    const cfg = config();
    await checkDateOptions(opts);
    const path = opts.warehouse ?? cfg.warehouse;
    if (!existsSync(path)) throw new ConfigError(`数据仓库文件不存在：${path}（请先运行 firestat ingest）`);
    const [{ Warehouse }, { ExportError, exportParquet, summarizeExport }] = await Promise.all([
      import('../../warehouse/warehouse.js'),
      import('../../warehouse/export/parquet-export.js'),
    ]);
    const warehouse = await Warehouse.open({ path, readOnly: true });
    try {
      const manifest = await exportParquet({
        warehouse,
        outDir: opts.parquet,
        includePersonal: opts.includePersonal === true,
        ...(opts.asOf ? { asOf: opts.asOf } : {}),
      });
      process.stdout.write(`${summarizeExport(manifest, opts.parquet)}\n`);
    } catch (e) {
      throw e instanceof ExportError ? new ConfigError(e.message) : e;
    } finally {
      await warehouse.close();
    }
  });

/** The configured units (default the sample's). */
async function configuredRegistry() {
  const cfg = config();
  const { UnitRegistry } = await import('../../domain/units.js');
  return cfg.units ? UnitRegistry.fromFile(cfg.units) : UnitRegistry.sample();
}

async function publishers() {
  const { defaultPublishers } = await import('../../dashboards/publishers.js');
  // The self-check page 自检.html checks against the configured units; the 通报 is signed by its bureau.
  return defaultPublishers(await configuredRegistry());
}

interface BuildOpts {
  warehouse?: string;
  out?: string;
  year?: string;
  asOf?: string;
}

/**
 * `firestat build`: under the run lock (so it never swaps the outputs while a run does), from the
 * published warehouse opened read-only, into a staging folder swapped in at the end. Where the
 * lock cannot be created (no write permission beside the warehouse) it builds all the same, from
 * the published file as it is, and says so.
 */
async function runBuild(opts: BuildOpts): Promise<void> {
  const cfg = config();
  await checkDateOptions(opts);
  const [
    { Warehouse },
    { build },
    { shanghaiDate },
    { acquireRunLock },
    { clearForeignWal, walFiles, warehouseIdentity },
    { RunFailedError },
    { failureLine },
  ] = await Promise.all([
    import('../../warehouse/warehouse.js'),
    import('../../dashboards/build.js'),
    import('../../domain/clock.js'),
    import('../run/run-lock.js'),
    import('../../warehouse/working-copy.js'),
    import('../run/nightly-run.js'),
    import('../../domain/system-errors.js'),
  ]);
  const path = opts.warehouse ?? cfg.warehouse;
  if (!existsSync(path)) throw new ConfigError(`数据仓库文件不存在：${path}（请先运行 firestat ingest）`);
  let lock: import('../run/run-lock.js').RunLock | undefined;
  try {
    lock = await acquireRunLock(`${path}.lock`, cfg.lockWaitSeconds * 1000);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') throw e;
    process.stderr.write(`firestat: 无法在数据仓库旁创建运行锁（${code}），不加锁生成输出\n`);
  }
  let step = '检查已发布的数据仓库';
  try {
    if (lock) await clearForeignWal(path);
    else if (walFiles(path).some((f) => existsSync(f))) {
      throw new RunFailedError(
        `数据仓库旁有其他程序留下的 WAL 文件（${path}.wal），其中的修改不是 firestat 写入的；请由运行 firestat run 的用户处理后再生成输出`,
      );
    }
    const now = new Date();
    const asOf = opts.asOf ?? shanghaiDate(now);
    const year = Number(opts.year ?? asOf.slice(0, 4));
    const outDir = opts.out ?? cfg.outDir;
    step = '生成输出';
    const identity = await warehouseIdentity(path);
    const warehouse = await Warehouse.open({ path, readOnly: true, sandbox: {} });
    let result: import('../../dashboards/build.js').BuildResult;
    try {
      result = await build({
        warehouse,
        outDir,
        year,
        generatedAt: now.toISOString(),
        asOf,
        issuer: (await configuredRegistry()).bureau,
        publishers: await publishers(),
        warehouseIdentity: identity,
      });
    } finally {
      await warehouse.close();
    }
    process.stdout.write(`已生成 ${year} 年的 ${result.files.length} 个输出文件（截至 ${asOf}）：${outDir}\n`);
  } catch (e) {
    if (e instanceof RunFailedError || (e instanceof Error && e.name === 'WarehouseInUseError')) throw e;
    throw new RunFailedError(failureLine(e, step, '输出保持上一次的状态'), { cause: e });
  } finally {
    await lock?.release();
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

/** The options `run` and `schedule` share: where files come from and where everything goes. */
function withNightlyOptions(command: Command): Command {
  return command
    .option('--inbox <dir>', '收件箱目录')
    .option('--warehouse <file>', 'DuckDB 数据仓库文件')
    .option('--reports <dir>', '退回说明目录')
    .option('--listing <url>', '镇街平台的文件清单地址（JSON）；给出时从该地址下载新文件（默认配置中的 http.listingUrl）')
    .option('--state <dir>', '下载状态目录：已下载的文件和续传中的 .part 文件（默认数据仓库旁的 state/）')
    .option('--out <dir>', '输出目录');
}

withNightlyOptions(program.command('run'))
  .description('一次完整运行（供 cron/systemd 定时器使用）：采集新文件、装入数据仓库、生成输出；与其他运行互斥')
  .option('--year <year>', '生成输出的年度（默认截止日期所在年度中有数据的最近一年）')
  .option('--as-of <date>', '截止日期 YYYY-MM-DD（默认今天）')
  .option('--quiet', '不显示进度条')
  .action(async (opts: IngestOpts & BuildOpts) => {
    await checkDateOptions(opts);
    await runNightly(opts, true);
  });

withNightlyOptions(program.command('schedule'))
  .description('常驻进程：按计划（默认每天 02:00，北京时间）运行 run；收到 SIGTERM/SIGINT 时处理完当前文件后退出')
  .option('--cron <expr>', 'cron 表达式，可带秒字段，如 "0 0 2 * * *"', '0 2 * * *')
  .action(async (opts: IngestOpts & BuildOpts & { cron: string }) => {
    await checkDateOptions(opts);
    const [{ startSchedule }, { lineLog }] = await Promise.all([import('../run/scheduler.js'), import('../run/run-log.js')]);
    const log = lineLog((l) => process.stdout.write(l));
    await startSchedule({
      cron: opts.cron,
      log,
      run: (signal) => runNightly({ ...opts, quiet: true }, true, signal),
    });
  });

program
  .command('notices')
  .description(
    '写出催报通知：每个单位一份（被退回待重报的文件及原因、截止日已过仍未报送的报表、7 日内到期尚未收到的报表），可直接转发微信；另写一份领导汇总。只读数据仓库',
  )
  .option('--warehouse <file>', 'DuckDB 数据仓库文件（默认 data/warehouse.duckdb）')
  .option('--as-of <date>', '截至日期 YYYY-MM-DD，据此判断逾期、未报和即将到期（默认北京时间今天）')
  .option('--out <dir>', '写入的目录（默认退回说明目录下的 催报通知/<日期>/；整个目录按本次结果替换）')
  .action(async (opts: { warehouse?: string; asOf?: string; out?: string }) => {
    const cfg = config();
    await checkDateOptions(opts);
    const path = opts.warehouse ?? cfg.warehouse;
    if (!existsSync(path)) throw new ConfigError(`数据仓库文件不存在：${path}（请先运行 firestat ingest）`);
    const [{ shanghaiDate }, { noticesFolder, NoticeFolderError }, { noticesCommand, noticesReport }] = await Promise.all([
      import('../../domain/clock.js'),
      import('../notices/notice-files.js'),
      import('../notices/notices-command.js'),
    ]);
    const asOf = opts.asOf ?? shanghaiDate(new Date());
    const outDir = opts.out ?? noticesFolder(cfg.reportsDir ?? join(dirname(path), 'reports'), asOf);
    try {
      const written = await noticesCommand({ warehousePath: path, asOf, outDir, issuer: (await configuredRegistry()).bureau });
      process.stdout.write(`${noticesReport(written, printable).join('\n')}\n`);
    } catch (e) {
      throw e instanceof NoticeFolderError ? new ConfigError(e.message) : e;
    }
  });

program
  .command('reprocess')
  .description('让下一次运行（run 或 ingest）重新读取一个文件：不论它曾被退回、多次处理失败，还是内容已见过')
  .option('--submission <id>', '报送文件编号（submissions.submission_id）')
  .option('--path <path>', '文件在收件箱中的相对路径（与 submissions.path 的写法一致）')
  .option('--warehouse <file>', 'DuckDB 数据仓库文件')
  .action(async (opts: { submission?: string; path?: string; warehouse?: string }) => {
    const cfg = config();
    const [{ requestReprocess, ReprocessError }, { systemClock }] = await Promise.all([import('../ingest/reprocess.js'), import('../../domain/clock.js')]);
    if ((opts.submission === undefined) === (opts.path === undefined)) throw new ConfigError('请给出 --submission 编号或 --path 路径（二者选一）');
    const id = opts.submission === undefined ? undefined : Number(opts.submission);
    if (id !== undefined && !(Number.isInteger(id) && id > 0)) throw new ConfigError(`--submission 应为报送文件编号（正整数），收到 ${opts.submission}`);
    try {
      const r = await requestReprocess({
        warehousePath: opts.warehouse ?? cfg.warehouse,
        ...(id !== undefined ? { submissionId: id } : { path: opts.path! }),
        clock: systemClock,
        lockWaitMs: cfg.lockWaitSeconds * 1000,
      });
      process.stdout.write(
        `已登记：下一次运行（firestat run 或 firestat ingest）将重新读取 ${printable(r.path)}${r.submissionId !== null ? `（编号 ${r.submissionId}）` : ''}\n`,
      );
    } catch (e) {
      throw e instanceof ReprocessError ? new ConfigError(e.message) : e;
    }
  });

program.addCommand(
  (await import('../review/review-command.js')).reviewCommand({
    config,
    registry: configuredRegistry,
    fail: (message) => new ConfigError(message),
  }),
);

program
  .command('check')
  .description('检查数据仓库的完整性：数据行都有来源文件、没有装了一半的文件、同期只有一份现行文件、季度数字可由数据行重算')
  .option('--warehouse <file>', 'DuckDB 数据仓库文件')
  .action(async (opts: { warehouse?: string }) => {
    const cfg = config();
    const path = opts.warehouse ?? cfg.warehouse;
    if (!existsSync(path)) throw new ConfigError(`数据仓库文件不存在：${path}`);
    const [{ Warehouse }, { checkWarehouse, checkReport, foreignWalCheck, warehouseSound }] = await Promise.all([
      import('../../warehouse/warehouse.js'),
      import('../../warehouse/check/integrity-check.js'),
    ]);
    // The WAL first: opening the file (even read-only) replays it, so the other checks see its changes.
    const wal = foreignWalCheck(path);
    const warehouse = await Warehouse.open({ path, readOnly: true, sandbox: {} });
    try {
      // Read-only: schema steps the forms ask for are reported, applied by the next run.
      const { pendingSchemaNotice } = await import('../../warehouse/schema/schema-steps.js');
      const plan = await warehouse.pendingSchema();
      const pending = pendingSchemaNotice(plan);
      if (pending) process.stderr.write(`firestat: ${pending}\n`);
      if (plan.mismatches.length > 0 || plan.steps.some((s) => s.action !== 'comment')) {
        // The checks read every table and column the forms declare: they wait for the run that adds them.
        process.stderr.write('firestat: 完整性检查按报表定义读取各表，请在这次调整完成后再检查\n');
        process.exitCode = 1;
        return;
      }
      const results = [wal, ...(await checkWarehouse(warehouse))];
      process.stdout.write(`${checkReport(results)}\n`);
      if (!warehouseSound(results)) process.exitCode = 1;
    } finally {
      await warehouse.close();
    }
  });

program
  .command('templates')
  .description('按报表定义生成各报表的 Excel 填报模板（下拉列表、数据校验、输入提示、填表说明）')
  .requiredOption('--out <dir>', '输出目录')
  .option('--year <year>', '模板标题和期间下拉列表中的年度（默认今年）')
  .option('--form <codes>', '只生成这些报表，逗号分隔，如 T1,L1（默认全部）')
  .action(async (opts: { out: string; year?: string; form?: string }) => {
    const cfg = config();
    const [{ UnitRegistry }, { forms, formByCode }, { writeTemplates, selfCheckFileName }, { shanghaiDate }] = await Promise.all([
      import('../../domain/units.js'),
      import('../../domain/forms/index.js'),
      import('../../dashboards/templates/write-templates.js'),
      import('../../domain/clock.js'),
    ]);
    const year = Number(opts.year ?? shanghaiDate(new Date()).slice(0, 4));
    if (!Number.isInteger(year) || year < 2000 || year > 2099) throw new ConfigError(`--year 应为 2000–2099 之间的年份，收到 ${opts.year}`);
    const selected = opts.form
      ? opts.form
          .split(/[,，\s]+/)
          .filter(Boolean)
          .map((code) => {
            const f = formByCode(code.toUpperCase());
            if (!f) throw new ConfigError(`未知的报表 ${code}（可选：${forms.map((x) => x.code).join('、')}）`);
            return f;
          })
      : forms;
    const registry = cfg.units ? UnitRegistry.fromFile(cfg.units) : UnitRegistry.sample();
    const written = await writeTemplates({ outDir: opts.out, registry, year, forms: selected });
    process.stdout.write(`已生成 ${written.length} 个填报模板：${opts.out}\n${written.map((w) => `  ${w.form}  ${w.path}`).join('\n')}\n`);
    process.stdout.write(`另有报表自检页（发给镇街，双击打开，拖入填好的报表即可检查）：${join(opts.out, selfCheckFileName)}\n`);
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
  const cause = e instanceof Error ? (e.cause as Error | undefined) : undefined;
  // A message the cause wrote for the operator already (a schema mismatch) is not repeated.
  if (cause instanceof Error) {
    if (cause.message !== message) process.stderr.write(`  （原始错误：${cause.message.split('\n')[0]}）\n`);
  } else if (!(e instanceof ConfigError) && !(e instanceof SqlError)) {
    // A system error no step explained: add the Chinese line.
    const { systemErrorLine } = await import('../../domain/system-errors.js');
    const line = systemErrorLine(e, `执行 ${process.argv[2] ?? ''}`.trim(), '未完成');
    if (line) process.stderr.write(`firestat: ${line}\n`);
  }
  // 2: bad configuration or arguments; 3: another run holds the lock; 1: anything else.
  process.exitCode = e instanceof ConfigError ? 2 : e instanceof Error && e.name === 'LockBusyError' ? 3 : 1;
}
