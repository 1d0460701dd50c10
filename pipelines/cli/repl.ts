import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setAsOf } from '../../warehouse/as-of.js';
import { groupTitles, readCatalog, type CatalogRelation } from '../../warehouse/docs/catalog.js';
import { queryRows } from '../../warehouse/query.js';
import { asOf as asOfSql } from '../../warehouse/schema/analysis-views.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { render, type SqlFormat } from './sql-command.js';
import { CSV_BOM, CSV_EOL } from './table-format.js';

/** The prompt for a new statement. */
export const PROMPT = 'firestat> ';
/** The prompt while a statement goes on over more lines (same width as {@link PROMPT}). */
export const CONTINUATION_PROMPT = '      -> ';
/** Entries kept in the history file (older ones are dropped when the REPL starts). */
export const HISTORY_LIMIT = 1000;

const formats: readonly SqlFormat[] = ['table', 'csv', 'json', 'markdown'];

/** The default history file: `$FIRESTAT_HISTORY`, else `~/.firestat_history`. */
function defaultHistoryFile(): string {
  return process.env.FIRESTAT_HISTORY || join(homedir(), '.firestat_history');
}

/** What {@link runRepl} needs. */
export interface ReplOptions {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  /** An open warehouse (the CLI opens it read-only). Not closed by the REPL. */
  readonly warehouse: Warehouse;
  /** Where statements are remembered across sessions; null keeps no history. */
  readonly historyFile: string | null;
  /** Starting output format (default `table`); `.format` changes it. */
  readonly format?: SqlFormat;
  /** Line editing, arrow-key history and Ctrl-C handling; default: whether input and output are TTYs. */
  readonly terminal?: boolean;
  /** Print prompts; default: when `terminal` (a piped script gets results only). */
  readonly prompts?: boolean;
  /** Print the greeting line; default: when `prompts`. */
  readonly banner?: boolean;
}

/** What happened in a session (for tests and the caller). */
export interface ReplResult {
  /** Statements run (successfully or not). */
  readonly statements: number;
  /** Statements and commands that failed. */
  readonly errors: number;
  /** How the session ended. */
  readonly ended: 'quit' | 'eof';
}

/** Result of {@link splitStatements}: complete statements and the unfinished rest. */
export interface SplitResult {
  readonly statements: string[];
  /** Text after the last `;`, or '' when it holds nothing but blanks and comments. */
  readonly rest: string;
}

/**
 * Splits SQL text at top-level semicolons, ignoring those inside '…' strings, "…" identifiers,
 * $$…$$ strings, -- line comments and block comments. Statements come back trimmed and without
 * their `;`; empty ones are dropped.
 */
export function splitStatements(text: string): SplitResult {
  const statements: string[] = [];
  let start = 0;
  let meaningful = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i]!;
    const next = text[i + 1];
    if (ch === "'" || ch === '"') {
      meaningful = true;
      i++;
      while (i < n) {
        if (text[i] === ch) {
          if (text[i + 1] === ch) i += 2;
          else break;
        } else i++;
      }
      i++;
    } else if (ch === '$' && next === '$') {
      meaningful = true;
      const end = text.indexOf('$$', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (ch === '-' && next === '-') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? n : end + 1;
    } else if (ch === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (ch === ';') {
      const statement = text.slice(start, i).trim();
      if (meaningful && statement) statements.push(statement);
      start = i + 1;
      meaningful = false;
      i++;
    } else {
      if (!/\s/.test(ch)) meaningful = true;
      i++;
    }
  }
  return { statements, rest: meaningful ? text.slice(start) : '' };
}

/**
 * One statement on one line, for the history file and arrow-key recall: line comments are dropped
 * (they would swallow what follows once the lines are joined) and line breaks become spaces.
 */
export function oneLine(statement: string): string {
  let out = '';
  let i = 0;
  const n = statement.length;
  while (i < n) {
    const ch = statement[i]!;
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < n) {
        if (statement[j] === ch) {
          if (statement[j + 1] === ch) j += 2;
          else break;
        } else j++;
      }
      out += statement.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '-' && statement[i + 1] === '-') {
      const end = statement.indexOf('\n', i);
      i = end < 0 ? n : end;
    } else {
      out += ch;
      i++;
    }
  }
  return out.replace(/\s*\r?\n\s*/g, ' ').trim();
}

/**
 * A Chinese explanation of a failed statement, followed by DuckDB's own message (which names
 * the exact token, column or object).
 */
function explainError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const kind = /^([A-Za-z ]+) Error:/.exec(message)?.[1] ?? '';
  let explanation: string;
  if (kind === 'Permission' || /disabled by configuration/i.test(message)) {
    explanation =
      '为保护数据仓库，SQL 不能读写数据仓库以外的文件，也不能安装或加载扩展、连接其他数据库（COPY … TO、read_text、read_csv、ATTACH、INSTALL 等均不可用）；需要读取导出的 Parquet 时，用 --allow-files 目录 允许该目录';
  } else if (/configuration has been locked/i.test(message)) explanation = '会话设置已锁定，不能用 SET 修改（变量可用 SET VARIABLE）';
  else if (/read-only|read only/i.test(message)) explanation = '数据仓库以只读方式打开，不能修改数据或表结构（数据只由 firestat ingest 写入）';
  else if (kind === 'Parser') explanation = 'SQL 语法错误，请检查关键字、逗号、括号和引号';
  else if (kind === 'Catalog') explanation = '找不到所引用的表、视图、列或函数；输入 .tables 查看所有表和视图，.schema 名称 查看列';
  else if (kind === 'Binder') explanation = '无法解析列名或表达式（列名拼错、缺少 GROUP BY，或类型不匹配）；输入 .schema 名称 查看列';
  else if (kind === 'Conversion') explanation = '数值或日期类型转换失败';
  else if (kind === 'Out of Range') explanation = '数值超出范围';
  else if (kind === 'Invalid Input') explanation = '输入无效';
  else if (kind === 'Interrupt') explanation = '查询已取消';
  else if (kind === 'IO') explanation = '读写文件失败';
  else explanation = '查询失败';
  const detail = message
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '')
    .join('\n          ');
  return `错误：${explanation}。\n  DuckDB：${detail}`;
}

const help = `命令（以 . 开头，单独一行；.tables、.schema、.help 也可单次执行，如 firestat sql ".tables"）：
  .tables              列出所有表和视图及其中文说明
  .schema 名称         某个表或视图的列、类型和中文说明
  .format 格式         输出格式：table（默认）/ csv / json / markdown；不带参数显示当前格式
  .help                显示本说明
  .quit 或 .exit       退出（也可按 Ctrl-D）
SQL 语句以分号 ; 结束，可以跨多行；一行中可有多条语句。数据仓库以只读方式打开，SQL 不能读写其他文件（启动时加 --allow-files 目录 可允许某个目录）。
调度视图（submission_status、hazards_open 等）按“数据截至日”计算，默认为北京时间今天，与 firestat build 生成页面时相同；启动时加 --as-of YYYY-MM-DD，或执行 SET VARIABLE as_of = DATE 'YYYY-MM-DD'; 可换一个日期。
按 Ctrl-C 放弃正在输入的语句或取消正在执行的查询。上下方向键可调出以前输入的语句。
例：SELECT unit, label, value FROM quarter_figures
      WHERE year = 2024 AND quarter = 1 AND form = 'T1' ORDER BY unit, metric;`;

/** What a dot-command printed. */
interface CommandOutcome {
  /** The text to show (results, or the Chinese explanation of a failure). */
  readonly text: string;
  /** The text is a rendering in the current format (a CSV ends its lines in CRLF). */
  readonly rendered?: boolean;
  readonly failed?: boolean;
  /** `.quit` / `.exit`. */
  readonly quit?: boolean;
  /** `.format` chose this format. */
  readonly format?: SqlFormat;
}

/**
 * Runs a dot-command (`.tables`, `.schema 名称`, `.format 格式`, `.help`, `.quit`/`.exit`) and
 * returns what to print; the terminal and the one-shot `firestat sql ".tables"` share it, so both
 * print the same. `oneShot` refuses what only makes sense in a session (`.format`, `.quit`).
 */
async function dotCommand(warehouse: Warehouse, line: string, format: SqlFormat, oneShot: boolean): Promise<CommandOutcome> {
  const [name = '', ...args] = line.trim().replace(/;+$/, '').split(/\s+/);
  const lower = name.toLowerCase();
  try {
    if (oneShot && (lower === '.quit' || lower === '.exit' || lower === '.format')) {
      return { failed: true, text: `错误：${name} 只在交互式终端中使用；单次执行时用 --format 选择输出格式（table / csv / json / markdown）` };
    }
    switch (lower) {
      case '.quit':
      case '.exit':
        return { text: '', quit: true };
      case '.help':
        return { text: help };
      case '.format': {
        const wanted = args[0]?.toLowerCase();
        if (!wanted) return { text: `当前输出格式：${format}（可选 ${formats.join(' / ')}）` };
        if ((formats as readonly string[]).includes(wanted)) return { text: `输出格式：${wanted}`, format: wanted as SqlFormat };
        return { failed: true, text: `错误：没有 “${args[0]}” 这种输出格式，可选 ${formats.join(' / ')}` };
      }
      case '.tables': {
        const catalog = await readCatalog(warehouse);
        return {
          rendered: true,
          text: render(
            format,
            ['名称', '类别', '说明'],
            catalog.map((r) => ({ 名称: r.name, 类别: kindLabel(r), 说明: r.comment ?? '' })),
          ),
        };
      }
      case '.schema': {
        const wanted = args[0]?.replace(/^"|"$/g, '');
        if (!wanted) return { failed: true, text: '用法：.schema 表或视图名称，如 .schema submissions（输入 .tables 查看所有名称）' };
        const relation = (await readCatalog(warehouse)).find((r) => r.name.toLowerCase() === wanted.toLowerCase());
        if (!relation) return { failed: true, text: `错误：没有名为 “${wanted}” 的表或视图；输入 .tables 查看所有名称` };
        return {
          rendered: true,
          text: `${relation.name}（${relation.kind === 'view' ? '视图' : '表'}）：${relation.comment ?? '（无说明）'}\n${render(
            format,
            ['列', '类型', '说明'],
            relation.columns.map((c) => ({ 列: c.name, 类型: c.type, 说明: c.comment ?? '' })),
          )}`,
        };
      }
      default:
        return { failed: true, text: `错误：没有 ${name} 这个命令；输入 .help 查看可用的命令` };
    }
  } catch (e) {
    return { failed: true, text: explainError(e) };
  }
}

/** Text ready to print: a CSV rendering ends in CRLF like its other lines, anything else in LF. */
function withLineEnd(text: string, format: SqlFormat, rendered: boolean): string {
  if (rendered && format === 'csv') return text.endsWith(CSV_EOL) ? text : `${text}${CSV_EOL}`;
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** The date the 调度 views of this session count from: `as_of` when set, else Beijing's today. */
async function sessionAsOf(warehouse: Warehouse): Promise<string> {
  const { rows } = await queryRows(warehouse, `SELECT CAST(${asOfSql} AS VARCHAR) AS d`);
  return String(rows[0]?.d ?? '');
}

function kindLabel(r: CatalogRelation): string {
  return groupTitles[r.group];
}

function loadHistory(file: string | null): string[] {
  if (!file) return [];
  let lines: string[];
  try {
    lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
  } catch {
    return [];
  }
  if (lines.length > HISTORY_LIMIT) {
    lines = lines.slice(-HISTORY_LIMIT);
    try {
      writeFileSync(file, `${lines.join('\n')}\n`);
    } catch {
      // A history we cannot trim is still readable.
    }
  }
  return lines;
}

/**
 * An interactive SQL session over `input` and `output`: statements end at `;` and may span lines,
 * dot-commands (`.tables`, `.schema`, `.format`, `.help`, `.quit`/`.exit`) stand alone on a line,
 * Ctrl-D (end of input) ends it. A failed statement prints a Chinese explanation and the session
 * goes on. Every statement and command is appended to `historyFile` as one line; the last
 * {@link HISTORY_LIMIT} are offered to readline's history (up/down arrows) next time.
 * Text left without a `;` when the input ends is run as a last statement.
 */
export async function runRepl(options: ReplOptions): Promise<ReplResult> {
  const { input, output, warehouse } = options;
  const inTty = (input as NodeJS.ReadStream).isTTY === true;
  const outTty = (output as NodeJS.WriteStream).isTTY === true;
  const terminal = options.terminal ?? (inTty && outTty);
  const prompts = options.prompts ?? terminal;
  let format: SqlFormat = options.format ?? 'table';
  let historyFile = options.historyFile;

  const banner = options.banner ?? prompts;
  // Asked before readline starts reading: lines it reads while nobody iterates would be lost.
  const asOfShown = banner ? await sessionAsOf(warehouse) : '';
  const saved = loadHistory(historyFile);
  // readline wants the newest entry first; it keeps (and updates) this very array.
  const history = [...saved].reverse();
  const rl = createInterface({ input, output, terminal, history, historySize: HISTORY_LIMIT, removeHistoryDuplicates: true, prompt: PROMPT });

  const write = (text: string) => output.write(text.endsWith('\n') ? text : `${text}\n`);
  let buffer = '';
  let bufferLines: string[] = [];
  let running = false;
  let statements = 0;
  let errors = 0;
  let lastSaved = saved[saved.length - 1];

  const remember = (entry: string, physicalLines: readonly string[], terminator = '') => {
    const one = oneLine(entry);
    if (!one) return;
    const line = one + terminator;
    if (terminal && physicalLines.length > 1) {
      // readline stored each line of a multi-line statement; keep the whole statement instead.
      const recent = history.slice(0, physicalLines.length);
      const typed = [...physicalLines].reverse().filter((l) => l.trim() !== '');
      if (recent.length >= typed.length && typed.every((l, k) => recent[k] === l)) history.splice(0, typed.length);
      const dup = history.indexOf(line);
      if (dup >= 0) history.splice(dup, 1);
      history.unshift(line);
    }
    if (!historyFile || line === lastSaved) return;
    lastSaved = line;
    try {
      mkdirSync(dirname(historyFile), { recursive: true });
      appendFileSync(historyFile, `${line}\n`);
    } catch (e) {
      write(`（无法写入历史文件 ${historyFile}：${e instanceof Error ? e.message : String(e)}；本次会话不再记录历史）`);
      historyFile = null;
    }
  };

  const showPrompt = () => {
    if (!prompts) return;
    rl.setPrompt(buffer ? CONTINUATION_PROMPT : PROMPT);
    rl.prompt();
  };

  rl.on('SIGINT', () => {
    if (running) {
      warehouse.duckdb.interrupt();
      return;
    }
    buffer = '';
    bufferLines = [];
    output.write('^C\n');
    if (prompts) write('（已放弃当前输入；输入 .quit 或按 Ctrl-D 退出）');
    showPrompt();
  });

  const execute = async (sql: string) => {
    statements++;
    running = true;
    try {
      const { columns, rows } = await queryRows(warehouse, sql);
      if (columns.length === 0) write('完成');
      else output.write(withLineEnd(render(format, columns, rows), format, true));
    } catch (e) {
      errors++;
      write(explainError(e));
    } finally {
      running = false;
    }
  };

  /** Runs a dot-command; returns true when the session should end. */
  const command = async (line: string): Promise<boolean> => {
    const outcome = await dotCommand(warehouse, line, format, false);
    if (outcome.failed) errors++;
    if (outcome.format) format = outcome.format;
    if (outcome.quit) return true;
    output.write(withLineEnd(outcome.text, format, outcome.rendered === true));
    return false;
  };

  if (banner) {
    write(
      `firestat SQL（只读）：${warehouse.path}\n调度视图按数据截至日 ${asOfShown} 计算（--as-of 或 SET VARIABLE as_of = DATE 'YYYY-MM-DD'; 可改）\n输入 .help 查看命令，.tables 查看表和视图；语句以 ; 结束；.quit 或 Ctrl-D 退出。`,
    );
  } else if (!prompts && format === 'csv') {
    // A script whose CSV goes to a file: the byte order mark once, at the start, for Excel.
    output.write(CSV_BOM);
  }
  let ended: ReplResult['ended'] = 'eof';
  showPrompt();
  for await (const line of rl) {
    if (!buffer && line.trim().startsWith('.')) {
      remember(line.trim(), [line]);
      if (await command(line)) {
        ended = 'quit';
        break;
      }
      showPrompt();
      continue;
    }
    buffer = buffer ? `${buffer}\n${line}` : line;
    bufferLines.push(line);
    const split = splitStatements(buffer);
    const lines = bufferLines;
    buffer = split.rest;
    bufferLines = split.rest ? [line] : [];
    for (const statement of split.statements) {
      remember(statement, lines, ';');
      await execute(statement);
    }
    showPrompt();
  }
  rl.close();
  if (ended === 'eof' && buffer.trim()) {
    // Input ended in the middle of a statement (a script without its last `;`): run it.
    remember(buffer, bufferLines, ';');
    await execute(buffer.trim());
  }
  if (ended === 'eof' && prompts) output.write('\n');
  return { statements, errors, ended };
}

/** Where `firestat sql` opens the warehouse, and the session's settings. */
export interface SqlSessionOptions {
  readonly warehousePath: string;
  readonly format?: SqlFormat;
  /** Folders the session may read and write besides the warehouse (`--allow-files`); none by default. */
  readonly sandbox?: { allowedDirectories?: readonly string[] };
  /** `--as-of`: the 调度 views' reference date (`SET VARIABLE as_of`); default Beijing's today, as for the pages. */
  readonly asOf?: string;
}

async function openSession(options: SqlSessionOptions): Promise<Warehouse> {
  const { Warehouse } = await import('../../warehouse/warehouse.js');
  const warehouse = await Warehouse.open({ path: options.warehousePath, readOnly: true, sandbox: options.sandbox ?? {} });
  try {
    if (options.asOf !== undefined) await setAsOf(warehouse, options.asOf);
  } catch (e) {
    await warehouse.close();
    throw e;
  }
  return warehouse;
}

/**
 * `firestat sql` without a query: opens the warehouse read-only and runs {@link runRepl} on the
 * process's stdin and stdout.
 */
export async function startSqlRepl(options: SqlSessionOptions & { historyFile?: string | null }): Promise<ReplResult> {
  const warehouse = await openSession(options);
  try {
    return await runRepl({
      input: process.stdin,
      output: process.stdout,
      warehouse,
      historyFile: options.historyFile === undefined ? defaultHistoryFile() : options.historyFile,
      ...(options.format ? { format: options.format } : {}),
    });
  } finally {
    await warehouse.close();
  }
}

/** What a one-shot `firestat sql "…"` prints: the output, or the Chinese explanation of its failure. */
export type SqlOnceResult = { readonly ok: true; readonly output: string } | { readonly ok: false; readonly error: string };

/**
 * Runs {@link runSqlOnce}'s text on an open warehouse: a dot-command (`.tables`, `.schema 名称`,
 * `.help`) prints exactly what the terminal prints for it; SQL (one statement, or several separated
 * by `;` — the last one's rows are shown) prints its rows. Failures carry the terminal's Chinese
 * explanation. A CSV starts with the UTF-8 byte order mark and ends its lines in CRLF.
 */
async function sqlOnce(warehouse: Warehouse, query: string, format: SqlFormat): Promise<SqlOnceResult> {
  const start = format === 'csv' ? CSV_BOM : '';
  if (query.trim().startsWith('.')) {
    const outcome = await dotCommand(warehouse, query, format, true);
    if (outcome.failed) return { ok: false, error: outcome.text };
    return { ok: true, output: `${outcome.rendered ? start : ''}${withLineEnd(outcome.text, format, outcome.rendered === true)}` };
  }
  try {
    const { columns, rows } = await queryRows(warehouse, query);
    if (columns.length === 0) return { ok: true, output: '完成\n' };
    return { ok: true, output: `${start}${withLineEnd(render(format, columns, rows), format, true)}` };
  } catch (e) {
    return { ok: false, error: explainError(e) };
  }
}

/** `firestat sql "QUERY"` (or `".tables"`, `".schema 名称"`): opens the warehouse read-only and runs {@link sqlOnce}. */
export async function runSqlOnce(options: SqlSessionOptions & { query: string }): Promise<SqlOnceResult> {
  const warehouse = await openSession(options);
  try {
    return await sqlOnce(warehouse, options.query, options.format ?? 'table');
  } finally {
    await warehouse.close();
  }
}
