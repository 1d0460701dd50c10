/**
 * Manual throughput check for CsvReader (not a test). Run:
 *   npx tsx test/sources/csv-throughput.manual.ts [rows=1000000]
 * Writes a 12-column Chinese CSV in UTF-8 and in GB18030 to os.tmpdir(), iterates every row
 * through the reader (each in a fresh child process, so generating the file does not inflate
 * the numbers) and prints rows/s and peak RSS. Peak RSS should stay flat whatever the row
 * count: the reader streams.
 */
import { createReadStream, createWriteStream, statSync, unlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { CsvReader } from '../../sources/readers/csv-reader.js';
import { defaultReadLimits } from '../../sources/readers/reader.js';

const [, , first, second] = process.argv;
const rows = first === 'measure' ? 0 : Number(first ?? 1_000_000);
const towns = ['龙兴镇', '洛碛镇', '双凤桥街道', '宝圣湖街道', '玉峰山镇', '茨竹镇'];

function line(i: number): string {
  const town = towns[i % towns.length] ?? '';
  return [
    `${town}`,
    `2024年第${(i % 4) + 1}季度`,
    String(i),
    String(i % 97),
    String(i % 89),
    '"某某有限公司，消防通道堵塞"',
    `渝北区${town}某路${i % 1000}号`,
    '2024年3月5日',
    '0012',
    '',
    '是',
    '整改完毕',
  ].join(',');
}

async function write(path: string, encoding: 'utf-8' | 'gb18030'): Promise<void> {
  const out = createWriteStream(path);
  const header = '镇街,统计期间,序号,发现隐患（处）,整改隐患（处）,当事人,地址,检查日期,编号,备注,是否公示,整改状态';
  let buffer = `${header}\r\n`;
  for (let i = 0; i < rows; i++) {
    buffer += `${line(i)}\r\n`;
    if (buffer.length > 1 << 20 || i === rows - 1) {
      const bytes = encoding === 'utf-8' ? Buffer.from(buffer, 'utf8') : iconv.encode(buffer, 'gb18030');
      if (!out.write(bytes)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end();
  await once(out, 'finish');
}

async function measure(path: string, label: string): Promise<void> {
  const bytes = statSync(path).size;
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = performance.now();
  // Raised so that larger runs (e.g. 3,000,000 rows) measure streaming, not the limits.
  const limits = { ...defaultReadLimits, maxFileBytes: 4 * 1024 ** 3, maxRowsPerSheet: 100_000_000 };
  const book = new CsvReader().read({ path, bytes, open: () => createReadStream(path) }, limits);
  let n = 0;
  for await (const sheet of book.sheets) {
    for await (const row of sheet.rows) {
      n++;
      if (n % 65536 === 0) peak = Math.max(peak, process.memoryUsage().rss);
      if (row.cells.length === 0) throw new Error('empty row');
    }
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  const mb = (b: number): string => (b / 1024 / 1024).toFixed(0);
  console.log(
    `${label}: ${n} rows, ${mb(bytes)} MB in ${seconds.toFixed(1)} s → ${Math.round(n / seconds)} rows/s, ` +
      `peak RSS ${mb(peak)} MB, encoding ${book.encoding?.encoding}`,
  );
}

async function main(): Promise<void> {
  if (first === 'measure' && second) {
    console.log(`  baseline RSS ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB`);
    await measure(second, second.endsWith('utf8.csv') ? 'UTF-8' : 'GB18030');
    return;
  }
  const files = [
    { path: join(tmpdir(), `firestat-throughput-${process.pid}-utf8.csv`), encoding: 'utf-8' as const },
    { path: join(tmpdir(), `firestat-throughput-${process.pid}-gb18030.csv`), encoding: 'gb18030' as const },
  ];
  try {
    for (const f of files) {
      await write(f.path, f.encoding);
      const self = fileURLToPath(import.meta.url);
      spawnSync(process.execPath, [...process.execArgv, self, 'measure', f.path], { stdio: 'inherit' });
    }
  } finally {
    for (const f of files) {
      try {
        unlinkSync(f.path);
      } catch {
        // never written
      }
    }
  }
}

await main();
