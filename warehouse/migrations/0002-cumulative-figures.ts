import { sql, type Kysely, type Migration } from 'kysely';

const statements: readonly string[] = [
  `ALTER TABLE submissions ADD COLUMN placement_guessed BOOLEAN`,
  `COMMENT ON COLUMN submissions.placement_guessed IS '被退回文件的单位、报表或期间是否为推断（取自文件路径、文件名或标题，文件内容未能确认）；入库文件为 false'`,

  `CREATE TABLE cumulative_figures (
  submission_id BIGINT NOT NULL,
  sheet VARCHAR NOT NULL,
  source_row INTEGER NOT NULL,
  cell VARCHAR NOT NULL,
  form VARCHAR NOT NULL,
  unit VARCHAR NOT NULL,
  year INTEGER NOT NULL,
  quarter INTEGER NOT NULL,
  month INTEGER,
  metric VARCHAR NOT NULL,
  value DOUBLE NOT NULL
)`,
  `COMMENT ON TABLE cumulative_figures IS '报表中“累计”列的数字（如“1-9月累计”）：不计入统计，只用于与已入库的本年累计数核对（不符时列入问题清单）'`,
  `COMMENT ON COLUMN cumulative_figures.submission_id IS '来源报送文件编号'`,
  `COMMENT ON COLUMN cumulative_figures.sheet IS '来源工作表名'`,
  `COMMENT ON COLUMN cumulative_figures.source_row IS '来源行号'`,
  `COMMENT ON COLUMN cumulative_figures.cell IS '累计数所在单元格，如 D5'`,
  `COMMENT ON COLUMN cumulative_figures.form IS '报表代码'`,
  `COMMENT ON COLUMN cumulative_figures.unit IS '单位正式名称'`,
  `COMMENT ON COLUMN cumulative_figures.year IS '年度'`,
  `COMMENT ON COLUMN cumulative_figures.quarter IS '该行所属季度'`,
  `COMMENT ON COLUMN cumulative_figures.month IS '该行所属月份；按季度填报的行为空'`,
  `COMMENT ON COLUMN cumulative_figures.metric IS '指标代码（事实表的列名）'`,
  `COMMENT ON COLUMN cumulative_figures.value IS '报表所填的累计数'`,
];

/** `cumulative_figures`: the 累计 columns written beside a period's figures, kept for checking; `submissions.placement_guessed`. Frozen as the SQL it ran. */
export const cumulativeFigures: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
