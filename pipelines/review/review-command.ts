import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { Command, Option } from 'commander';
import { printable } from '../../domain/printable.js';
import type { UnitRegistry } from '../../domain/units.js';
import type { loadConfig } from '../cli/config.js';
import type { SqlFormat } from '../cli/sql-command.js';
import type { DeskFinding, DeskOptions, FileDeskOptions } from './desk.js';

/** What the command needs from the CLI around it. */
export interface ReviewCommandDeps {
  readonly config: () => ReturnType<typeof loadConfig>;
  readonly registry: () => Promise<UnitRegistry>;
  /** The CLI's error for a bad argument (exit 2, the message printed as is). */
  readonly fail: (message: string) => Error;
}

interface CommonOpts {
  warehouse?: string;
  by?: string;
}

const quarterNames = ['', '第一季度', '第二季度', '第三季度', '第四季度'];

/** The OS user, the default `--by`. */
function defaultBy(): string {
  try {
    return userInfo().username || '未知';
  } catch {
    return '未知';
  }
}

/** One finding as a row of the Chinese table. */
function findingRow(f: DeskFinding): Record<string, unknown> {
  return {
    编号: f.finding_id.slice(0, 12),
    状态: f.status === 'acknowledged' ? '已核实' : '待核实',
    单位: f.unit ?? '',
    报表: f.form ?? '',
    期间: f.year == null ? '' : `${f.year}年${f.quarter ? quarterNames[f.quarter] : ''}`,
    问题: f.message,
    位置: [f.sheet ? `工作表“${f.sheet}”` : '', f.cell ?? ''].filter(Boolean).join(' '),
    核实: f.status === 'acknowledged' ? `${f.reviewed_by}（${f.reviewed_at}，决定 ${f.review_action_id}）：${f.review_note}` : '',
  };
}

/**
 * `firestat review …`: the analyst's desk. Every decision goes through the run lock, a working
 * copy and an atomic publish, is recorded in `review_actions` and appended to the journal beside
 * the warehouse; nothing else is edited. See `pipelines/review/desk.ts`.
 */
export function reviewCommand(deps: ReviewCommandDeps): Command {
  const review = new Command('review').description(
    '审核：核实问题、人工退回、放行被退回的文件、撤销决定；每个决定都记入 review_actions 和数据仓库旁的审核日志',
  );

  const common = (c: Command) =>
    c.option('--warehouse <file>', 'DuckDB 数据仓库文件（默认配置中的 warehouse）').option('--by <name>', '作出决定的人（默认为操作系统用户名）');

  async function desk(opts: CommonOpts): Promise<DeskOptions> {
    const cfg = deps.config();
    const { systemClock } = await import('../../domain/clock.js');
    return {
      warehousePath: opts.warehouse ?? cfg.warehouse,
      by: (opts.by ?? defaultBy()).trim() || defaultBy(),
      clock: systemClock,
      lockWaitMs: cfg.lockWaitSeconds * 1000,
    };
  }

  async function fileDesk(opts: CommonOpts & { inbox?: string; reports?: string }): Promise<FileDeskOptions> {
    const cfg = deps.config();
    const base = await desk(opts);
    return {
      ...base,
      registry: await deps.registry(),
      inbox: opts.inbox ?? cfg.inbox,
      reportsDir: opts.reports ?? cfg.reportsDir ?? join(dirname(base.warehousePath), 'reports'),
      limits: cfg.limitsResolved,
      maxSecondsPerFile: cfg.maxSecondsPerFile,
      dueDays: cfg.dueDays as Readonly<Record<string, number>>,
    };
  }

  /** Runs a desk call; its own errors become the CLI's argument errors (Chinese, exit 2). */
  async function guarded<T>(f: () => Promise<T>): Promise<T> {
    const { ReviewError } = await import('./desk.js');
    const { JournalError } = await import('./journal.js');
    try {
      return await f();
    } catch (e) {
      throw e instanceof ReviewError || e instanceof JournalError ? deps.fail(e.message) : e;
    }
  }

  const outputs = '输出（页面、通报）在下一次 firestat run 或 firestat build 时更新';

  review
    .command('findings')
    .description('列出问题清单及核实状态（只读，不加锁）')
    .option('--warehouse <file>', 'DuckDB 数据仓库文件')
    .option('--open', '只列待核实的问题')
    .option('--year <year>', '年度')
    .option('--quarter <q>', '季度 1-4')
    .addOption(new Option('--format <format>', '输出格式').choices(['table', 'csv', 'json', 'markdown']).default('table'))
    .action(async (opts: { warehouse?: string; open?: boolean; year?: string; quarter?: string; format: SqlFormat }) => {
      if (opts.year !== undefined && !/^20\d\d$/.test(opts.year)) throw deps.fail(`--year 应为 2000–2099 之间的年份，收到 “${opts.year.slice(0, 40)}”`);
      if (opts.quarter !== undefined && !/^[1-4]$/.test(opts.quarter)) throw deps.fail(`--quarter 应为 1–4，收到 “${opts.quarter.slice(0, 40)}”`);
      const [{ listFindings }, { render }] = await Promise.all([import('./desk.js'), import('../cli/sql-command.js')]);
      const found = await guarded(() =>
        listFindings(opts.warehouse ?? deps.config().warehouse, {
          ...(opts.open ? { open: true } : {}),
          ...(opts.year ? { year: Number(opts.year) } : {}),
          ...(opts.quarter ? { quarter: Number(opts.quarter) } : {}),
        }),
      );
      if (opts.format === 'json' || opts.format === 'csv') {
        const columns = found.length ? Object.keys(found[0]!) : ['finding_id', 'status'];
        process.stdout.write(render(opts.format, columns, found as unknown as Record<string, unknown>[]));
        return;
      }
      // Messages, names and notes come from outside: control characters shown escaped.
      const rows = found.map(findingRow).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, printable(String(v))])));
      const open = found.filter((f) => f.status === 'open').length;
      process.stdout.write(
        `问题 ${found.length} 个：待核实 ${open}，已核实 ${found.length - open}${found.length ? '（核实：firestat review ack 编号 --note 说明）' : ''}\n`,
      );
      if (rows.length) process.stdout.write(render(opts.format, Object.keys(rows[0]!), rows));
    });

  common(review.command('ack'))
    .description('问题已核实（已向单位了解清楚）：问题保留在 findings 中，状态为已核实，不再列入通报；数值变了会重新列为待核实')
    .argument('<finding_id>', '问题编号（firestat review findings 列出的编号，至少前 6 位）')
    .requiredOption('--note <text>', '核实情况（如：台账晚一天登记，已电话核实）')
    .action(async (id: string, opts: CommonOpts & { note: string }) => {
      const { ackFinding } = await import('./desk.js');
      const r = await guarded(async () => ackFinding(await desk(opts), id, opts.note));
      const f = r.finding;
      process.stdout.write(
        `已核实（审核决定 ${r.action.action_id}，${printable(r.action.acted_by)}，${r.action.acted_at}）：${printable(f.unit ?? '')} ${f.form ?? ''} ${printable(f.message)}\n` +
          `  说明：${printable(r.action.note)}\n  该问题不再列入通报，调度页列在“已核实的问题”中；${outputs}；撤销：firestat review undo ${r.action.action_id} --note …\n`,
      );
    });

  common(review.command('reject'))
    .description('人工退回一个已入库的文件：其数据退出各项统计（上一版本重新生效），调度表显示“退回”，并写出退回说明，与自动退回相同')
    .argument('<submission_id>', '报送文件编号（submissions.submission_id）')
    .requiredOption('--reason <text>', '退回原因（会写进给报送单位的退回说明）')
    .option('--inbox <dir>', '收件箱目录（用于生成标出问题的表格副本；默认配置中的 inbox）')
    .option('--reports <dir>', '退回说明目录（默认数据仓库旁的 reports/）')
    .action(async (id: string, opts: CommonOpts & { reason: string; inbox?: string; reports?: string }) => {
      const { rejectSubmission } = await import('./desk.js');
      const r = await guarded(async () => rejectSubmission(await fileDesk(opts), Number(id), opts.reason));
      const s = r.submission;
      const lines = [
        `已退回（审核决定 ${r.action.action_id}，${printable(r.action.acted_by)}，${r.action.acted_at}）：编号 ${s.submission_id} ${printable(s.path)}（${printable(s.unit ?? '')} ${s.form ?? ''}）`,
        `  原因：${printable(r.action.note)}`,
        `  退回说明：${printable(r.reportPath)}`,
        ...(r.markedCopyPath ? [`  标出问题的表格副本：${printable(r.markedCopyPath)}`] : []),
        r.restored.length
          ? `  该文件的数据已退出统计，此前的版本（编号 ${r.restored.join('、')}）重新生效`
          : '  该文件的数据已退出统计，该期间现在没有生效的报送',
        `  调度表显示“退回”；${outputs}；撤销：firestat review undo ${r.action.action_id} --note …`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  common(review.command('accept'))
    .description('放行一个被退回的文件：按确认的单位和期间重新读取原文件，其他检查照常；仍有错误则保持退回并说明原因')
    .argument('<submission_id>', '被退回文件的编号（submissions.submission_id）')
    .requiredOption('--note <text>', '放行理由（如：期间已与填报人核实）')
    .option('--unit <name>', '确认的报送单位（正式名称、简称或编码）')
    .option('--period <period>', '确认的统计期间，如 2025Q1、2025年第一季度、2025-03')
    .option('--inbox <dir>', '收件箱目录（原文件所在；默认配置中的 inbox）')
    .option('--reports <dir>', '退回说明目录（默认数据仓库旁的 reports/）')
    .action(async (id: string, opts: CommonOpts & { note: string; unit?: string; period?: string; inbox?: string; reports?: string }) => {
      const { acceptSubmission } = await import('./desk.js');
      const r = await guarded(async () =>
        acceptSubmission(await fileDesk(opts), Number(id), opts.note, {
          ...(opts.unit !== undefined ? { unit: opts.unit } : {}),
          ...(opts.period !== undefined ? { period: opts.period } : {}),
        }),
      );
      const o = r.outcome;
      process.stdout.write(
        `已放行（审核决定 ${r.action.action_id}，${printable(r.action.acted_by)}，${r.action.acted_at}）：${printable(o.path)} 入库为编号 ${o.submissionId}（${printable(o.unit ?? '')} ${o.form ?? ''} ${o.period ?? ''}，${o.rows ?? 0} 行${o.status === 'replaced' ? '；已有更新的同期文件，本文件记为已替换' : ''}）\n` +
          `  理由：${printable(r.action.note)}\n  ${outputs}；撤销：firestat review undo ${r.action.action_id} --note …\n`,
      );
    });

  common(review.command('undo'))
    .description('撤销一个审核决定：已核实的问题重新待核实，人工退回的文件恢复入库，放行的文件恢复退回')
    .argument('<action_id>', '审核决定编号（review_actions.action_id）')
    .requiredOption('--note <text>', '撤销的理由')
    .action(async (id: string, opts: CommonOpts & { note: string }) => {
      const { undoAction } = await import('./desk.js');
      const r = await guarded(async () => undoAction(await desk(opts), Number(id), opts.note));
      const what: Record<string, string> = {
        ack: `问题 ${r.undone.target.slice(0, 12)} 重新列为待核实`,
        reject: `编号 ${r.undone.target} 的文件恢复入库（除非已有更新的同期文件）`,
        accept: `编号 ${r.undone.target} 的文件恢复为退回，放行后装入的数据退出统计`,
      };
      process.stdout.write(
        `已撤销审核决定 ${r.undone.action_id}（${r.undone.action}，${printable(r.undone.acted_by)}，${r.undone.acted_at}）：${what[r.undone.action] ?? ''}\n  撤销记录：审核决定 ${r.action.action_id}，理由：${printable(r.action.note)}\n  ${outputs}\n`,
      );
    });

  return review;
}
