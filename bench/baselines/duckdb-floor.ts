// The floor of any bulk path that keeps firestat's promises, in DuckDB alone: the body read by
// `read_csv` into a table of the fact table's shape with the conversions and no check at all, under
// the bulk path's memory limit (its peak RSS is what the goals bound).
//   bare:   one INSERT straight from read_csv; no row numbers (DuckDB 1.5's CSV reader has none)
//   staged: read_csv into a staging table, whose rowid numbers the rows, then the INSERT from it
// The table, the conversions and the limit come from a spec file `run-bench.ts` writes from the
// form declaration (this process imports DuckDB alone, as `duckdb-read-csv.ts` does).
import { readFileSync, rmSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

/** What `run-bench.ts` works out of the form and the input. */
export interface FloorSpec {
  /** CREATE TABLE of the fact table. */
  readonly ddl: string;
  readonly table: string;
  /** One SQL expression per fact column over `c1…cN`; the expression `ROW` stands for the row number. */
  readonly exprs: readonly string[];
  readonly columns: number;
  readonly newLine: string;
  readonly memoryLimit: string;
}

const [variant, input, target, specPath] = process.argv.slice(2) as ['bare' | 'staged', string, string, string];
const spec = JSON.parse(readFileSync(specPath, 'utf8')) as FloorSpec;
for (const f of [target, `${target}.wal`]) rmSync(f, { force: true });
const instance = await DuckDBInstance.create(target);
const connection = await instance.connect();
if (spec.memoryLimit) await connection.run(`SET memory_limit = '${spec.memoryLimit}'`);
await connection.run(spec.ddl);
const cols = Array.from({ length: spec.columns }, (_, i) => `c${i + 1}`);
const csv = `read_csv('${input.replace(/'/g, "''")}', header = false, all_varchar = true, auto_detect = false, delim = ',', quote = '"', escape = '"', new_line = '${spec.newLine}', skip = 1, null_padding = true, columns = {${cols.map((c) => `'${c}': 'VARCHAR'`).join(', ')}})`;
const select = (row: string) => `SELECT ${spec.exprs.map((e) => (e === 'ROW' ? row : e)).join(', ')}`;
if (variant === 'bare') await connection.run(`INSERT INTO ${spec.table} ${select('0')} FROM ${csv}`);
else {
  await connection.run(`CREATE TEMP TABLE stage AS SELECT * FROM ${csv}`);
  await connection.run(`INSERT INTO ${spec.table} ${select('rowid + 2')} FROM stage`);
}
const n = await connection.runAndReadAll(`SELECT count(*) AS n FROM ${spec.table}`);
connection.closeSync();
instance.closeSync();
process.stderr.write(`rows ${String(n.getRows()[0]?.[0])}\npeak-rss-kib ${process.resourceUsage().maxRSS}\n`);
