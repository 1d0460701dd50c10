// The physical limit: DuckDB's own C++ CSV reader loading the file into a DuckDB file.
import { rmSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [input, target] = process.argv.slice(2) as [string, string];
rmSync(target, { force: true });
const instance = await DuckDBInstance.create(target);
const connection = await instance.connect();
await connection.run(`CREATE TABLE hazards AS SELECT * FROM read_csv('${input.replace(/'/g, "''")}', header = true, all_varchar = false)`);
const n = await connection.runAndReadAll('SELECT count(*) AS n FROM hazards');
connection.closeSync();
instance.closeSync();
process.stderr.write(`rows ${String(n.getRows()[0]?.[0])}\npeak-rss-kib ${process.resourceUsage().maxRSS}\n`);
