import { sqlString } from './fact-tables.js';

interface TableSpec {
  readonly name: string;
  readonly comment: string;
  /** Columns; a fourth element names the migration that added the column to an existing table. */
  readonly columns: readonly (readonly [name: string, type: string, comment: string, since?: string])[];
  readonly constraints?: readonly string[];
  /**
   * The migration that creates the table, when it is not the first (`0002`); `schema-steps` for
   * the table the additive schema step creates (`schema-steps.ts`).
   */
  readonly since?: string;
}

/** `submissions.status`: also set again by migration 0003 on warehouses made before `failed` existed. */
export const submissionStatusComment =
  '状态：loaded 已入库 / replaced 已被新文件替换 / rejected 已退回（文件内容有问题）/ failed 处理失败（读取出错、超时等，以后的运行中重试）';

/** The bookkeeping tables: units, runs, submissions and their problems. */
export const coreTables: readonly TableSpec[] = [
  {
    name: 'units',
    comment: '报送单位名录：22 个镇街与局本级各科室，带报送起止日期',
    columns: [
      ['code', 'VARCHAR PRIMARY KEY', '单位编码（稳定，不随名称变化）'],
      ['name', 'VARCHAR NOT NULL', '单位正式名称'],
      ['kind', 'VARCHAR NOT NULL', '单位类别：township 镇街 / bureau 局本级'],
      ['aliases', 'VARCHAR[]', '常见简称与其他写法'],
      ['valid_from', 'DATE NOT NULL', '开始报送日期（含）'],
      ['valid_to', 'DATE', '停止报送日期（含）；为空表示仍在报送'],
    ],
  },
  {
    name: 'runs',
    comment: '每次采集运行的记录：起止时间、状态与各类文件数',
    columns: [
      ['run_id', 'BIGINT PRIMARY KEY', '运行编号（只增不减）'],
      ['started_at', 'TIMESTAMP NOT NULL', '开始时间（北京时间）'],
      ['finished_at', 'TIMESTAMP', '结束时间（北京时间）；为空表示未正常结束'],
      ['status', 'VARCHAR NOT NULL', '状态：running 运行中（或进程被强行终止）/ completed 完成 / interrupted 收到停止信号、处理完当前文件后停止 / failed 失败'],
      ['files_seen', 'INTEGER', '本次发现的文件数'],
      ['files_loaded', 'INTEGER', '新入库的文件数'],
      ['files_unchanged', 'INTEGER', '内容未变、跳过的文件数'],
      ['files_replaced', 'INTEGER', '因新文件到达而被替换的旧文件数'],
      ['files_refused', 'INTEGER', '被退回的文件数'],
      ['rows_loaded', 'BIGINT', '新入库的数据行数'],
      ['error', 'VARCHAR', '运行失败时的错误信息'],
      ['files_failed', 'INTEGER', '处理失败的文件数（读取出错、超时等，不是文件内容的问题；以后的运行中会重试）', '0003'],
    ],
  },
  {
    name: 'submissions',
    comment: '每个收到的报送文件一行：文件指纹、单位、报表、期间、状态与退回原因',
    columns: [
      ['submission_id', 'BIGINT PRIMARY KEY', '报送文件编号（只增不减）'],
      ['run_id', 'BIGINT', '处理该文件的运行编号'],
      ['path', 'VARCHAR NOT NULL', '文件在收件箱中的相对路径'],
      ['bytes', 'BIGINT NOT NULL', '文件大小（字节）'],
      ['sha256', 'VARCHAR NOT NULL', '文件内容的 SHA-256 指纹'],
      ['modified_at', 'TIMESTAMP', '文件修改时间（北京时间）'],
      ['received_at', 'TIMESTAMP NOT NULL', '收到时间（北京时间）：文件修改时间或来源给出的到达时间'],
      ['loaded_at', 'TIMESTAMP NOT NULL', '处理时间（北京时间）'],
      ['unit', 'VARCHAR', '报送单位正式名称'],
      ['unit_code', 'VARCHAR', '报送单位编码'],
      ['form', 'VARCHAR', '报表代码：T1/B1/L1/L2/R1'],
      ['year', 'INTEGER', '统计年度'],
      ['quarter', 'INTEGER', '统计季度（1-4）；跨季度时为空'],
      ['month', 'INTEGER', '统计月份（1-12）；按季度报送时为空'],
      ['period_from', 'INTEGER', '期间起始月份'],
      ['period_to', 'INTEGER', '期间截止月份'],
      ['status', 'VARCHAR NOT NULL', submissionStatusComment],
      ['rows', 'INTEGER', '入库数据行数'],
      ['reason', 'VARCHAR', '退回原因（中文，指明单元格与数值）'],
      ['replaced_by', 'BIGINT', '替换本文件的新文件编号'],
      ['sheets', 'VARCHAR[]', '读取的工作表'],
      ['report_path', 'VARCHAR', '退回说明文件的路径'],
      ['duration_ms', 'INTEGER', '读取与校验该文件的耗时（毫秒）'],
      ['placement_guessed', 'BOOLEAN', '被退回文件的单位、报表或期间是否为推断（取自文件路径、文件名或标题，文件内容未能确认）；入库文件为 false', '0002'],
      ['rules_fingerprint', 'VARCHAR', '处理该文件时单位名录与报表定义的指纹：名录或报表定义改变后，被退回的文件会重新读取', '0003'],
    ],
  },
  {
    name: 'submission_problems',
    comment: '报送文件中发现的每个问题：错误导致退回，警告照常入库',
    columns: [
      ['submission_id', 'BIGINT NOT NULL', '报送文件编号'],
      ['seq', 'INTEGER NOT NULL', '问题序号'],
      ['severity', 'VARCHAR NOT NULL', '严重程度：error 错误 / warning 警告 / notice 提示'],
      ['code', 'VARCHAR NOT NULL', '问题代码'],
      ['sheet', 'VARCHAR', '工作表名'],
      ['cell', 'VARCHAR', '单元格地址，如 J4'],
      ['field', 'VARCHAR', '字段'],
      ['found', 'VARCHAR', '实际填写的值'],
      ['expected', 'VARCHAR', '应填写的内容'],
      ['message', 'VARCHAR NOT NULL', '问题说明（中文）'],
    ],
  },
  {
    name: 'seen_files',
    comment: '见过的文件（路径、大小、修改时间）：下次运行据此跳过未变化的文件，不必重新读取',
    columns: [
      ['path', 'VARCHAR NOT NULL', '文件在收件箱中的相对路径'],
      ['bytes', 'BIGINT NOT NULL', '文件大小（字节）'],
      ['modified_at', 'TIMESTAMP NOT NULL', '文件修改时间（北京时间）'],
      ['sha256', 'VARCHAR', '文件内容指纹'],
      ['submission_id', 'BIGINT', '对应的报送文件编号；内容与已有文件相同则为空'],
      ['run_id', 'BIGINT', '首次见到该文件的运行编号'],
      [
        'outcome',
        'VARCHAR',
        '这次查看的结果：loaded / replaced / rejected / failed（内容与已有文件相同时为那个文件的状态）；failed 的文件在以后的运行中重试',
        '0003',
      ],
      ['rules_fingerprint', 'VARCHAR', '查看时单位名录与报表定义的指纹；来源直接拒收的为 *（与名录无关）', '0003'],
    ],
  },
  {
    name: 'forms',
    comment: '报表目录：五种报表的代码、名称、报送频次与报送期限（由表单定义和配置同步而来）',
    columns: [
      ['code', 'VARCHAR PRIMARY KEY', '报表代码：T1/B1/L1/L2/R1'],
      ['name', 'VARCHAR NOT NULL', '报表名称'],
      ['kind', 'VARCHAR NOT NULL', 'aggregate 汇总表 / ledger 台账'],
      ['frequency', 'VARCHAR NOT NULL', '报送频次：monthly 每月 / quarterly 每季度'],
      ['due_days', 'INTEGER NOT NULL', '期末后第几天为报送截止日'],
      ['table_name', 'VARCHAR NOT NULL', '存放该报表数据行的表'],
    ],
  },
  {
    name: 'form_expectations',
    comment: '应报清单：哪些单位应当报送哪种报表（结合单位的报送起止日期生成调度表）',
    columns: [
      ['form', 'VARCHAR NOT NULL', '报表代码'],
      ['unit_code', 'VARCHAR NOT NULL', '单位编码'],
    ],
  },
  {
    name: 'submission_columns',
    comment: '报送文件各工作表中每个栏目所在的列：与数据行的 source_row 一起可定位到单元格',
    columns: [
      ['submission_id', 'BIGINT NOT NULL', '报送文件编号'],
      ['sheet', 'VARCHAR NOT NULL', '工作表名'],
      ['field', 'VARCHAR NOT NULL', '字段（事实表的列名）'],
      ['column_letter', 'VARCHAR NOT NULL', '所在列，如 C'],
      ['header', 'VARCHAR', '表头原文（两级表头以“·”连接）'],
    ],
  },
  {
    name: 'cumulative_figures',
    since: '0002',
    comment: '报表中“累计”列的数字（如“1-9月累计”）：不计入统计，只用于与已入库的本年累计数核对（不符时列入问题清单）',
    columns: [
      ['submission_id', 'BIGINT NOT NULL', '来源报送文件编号'],
      ['sheet', 'VARCHAR NOT NULL', '来源工作表名'],
      ['source_row', 'INTEGER NOT NULL', '来源行号'],
      ['cell', 'VARCHAR NOT NULL', '累计数所在单元格，如 D5'],
      ['form', 'VARCHAR NOT NULL', '报表代码'],
      ['unit', 'VARCHAR NOT NULL', '单位正式名称'],
      ['year', 'INTEGER NOT NULL', '年度'],
      ['quarter', 'INTEGER NOT NULL', '该行所属季度'],
      ['month', 'INTEGER', '该行所属月份；按季度填报的行为空'],
      ['metric', 'VARCHAR NOT NULL', '指标代码（事实表的列名）'],
      ['value', 'DOUBLE NOT NULL', '报表所填的累计数'],
    ],
  },
  {
    name: 'reprocess_requests',
    since: '0003',
    comment: '重新读取的请求（firestat reprocess）：下一次运行不论是否见过都重新读取这些路径上的文件',
    columns: [
      ['path', 'VARCHAR NOT NULL', '文件在收件箱中的相对路径'],
      ['submission_id', 'BIGINT', '请求时指明的报送文件编号'],
      ['requested_at', 'TIMESTAMP NOT NULL', '请求时间（北京时间）'],
      ['done_run_id', 'BIGINT', '已重新读取该文件的运行编号；为空表示尚待处理'],
    ],
  },
  {
    name: 'schema_steps',
    since: 'schema-steps',
    comment:
      '表结构的增补步骤：报表定义中新增的报表（新建事实表）、新增的字段（新增列）和改动的说明，在打开数据仓库时按编号自动执行，每步一行；其他结构改动由编号迁移完成（见 kysely_migration）',
    columns: [
      ['step_no', 'INTEGER PRIMARY KEY', '步骤编号（从 1 起，只增不减）'],
      ['applied_at', 'TIMESTAMP NOT NULL', '执行时间（北京时间）'],
      ['form', 'VARCHAR NOT NULL', '要求这一步的报表代码'],
      ['table_name', 'VARCHAR NOT NULL', '调整的事实表'],
      ['column_name', 'VARCHAR', '新增或更新说明的列；为空表示整张表（新建表或更新表的说明）'],
      ['action', 'VARCHAR NOT NULL', 'create_table 新建事实表 / add_column 新增列（已有数据行在该列为空）/ comment 更新说明'],
      ['ddl', 'VARCHAR NOT NULL', '执行的 SQL 语句（多条以分号和换行分隔）'],
    ],
  },
];

/**
 * DDL for the core tables and columns created by one migration (the first when `since` is not
 * given), with comments: the specification the frozen migrations were written from (a test holds
 * them equal). Migrations do not call it — each is frozen as the SQL it ran — so a change here
 * alone changes no warehouse: a new column needs a new numbered migration with its own SQL.
 */
export function coreTablesDdl(since?: string): string[] {
  const out: string[] = since ? [] : ['CREATE SEQUENCE submission_id_seq START 1', 'CREATE SEQUENCE run_id_seq START 1'];
  for (const t of coreTables) {
    if (t.since === since) {
      const columns = t.columns.filter((c) => c[3] === undefined || c[3] === since);
      out.push(`CREATE TABLE ${t.name} (\n  ${columns.map(([n, ty]) => `${n} ${ty}`).join(',\n  ')}\n)`);
      out.push(`COMMENT ON TABLE ${t.name} IS ${sqlString(t.comment)}`);
      for (const [n, , c] of columns) out.push(`COMMENT ON COLUMN ${t.name}.${n} IS ${sqlString(c)}`);
    } else if (since) {
      // Columns a later migration adds to a table an earlier one made.
      for (const [n, ty, c] of t.columns.filter((x) => x[3] === since)) {
        out.push(`ALTER TABLE ${t.name} ADD COLUMN ${n} ${ty}`);
        out.push(`COMMENT ON COLUMN ${t.name}.${n} IS ${sqlString(c)}`);
      }
    }
  }
  return out;
}
