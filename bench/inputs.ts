import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { Prng } from '../sources/sample/prng.js';

/** The L2 ledger header the benchmark files carry (canonical headers). */
const ledgerHeader = [
  '镇街/单位',
  '检查日期',
  '被检查单位',
  '隐患类别',
  '隐患描述',
  '整改期限',
  '整改完成日期',
  '整改状态',
  '序号',
  '备注',
  '检查人员',
  '复查情况',
];

const categories = ['消防设施', '疏散通道', '电气线路', '消防控制室', '防火分隔', '易燃易爆'];
const descriptions = [
  '灭火器压力不足',
  '安全出口上锁',
  '私拉乱接电线',
  '值班人员未持证上岗',
  '防火门常开',
  '疏散指示标志损坏',
  '喷淋头被遮挡',
  '消防车通道被占用',
];
const places = ['某某商贸有限公司', '某某餐饮店', '某某酒店', '某某小学', '某某超市', '某某物流园', '某某网吧', '某某养老院'];

/** One ledger row, deterministic for (seed, i). Every row is a distinct hazard. */
function row(rng: Prng, i: number): string[] {
  const month = 1 + Math.floor(rng.next() * 3);
  const day = 1 + Math.floor(rng.next() * 28);
  const fixed = rng.next() < 0.9;
  const d = (m: number, dd: number) => `2024-${String(m).padStart(2, '0')}-${String(dd).padStart(2, '0')}`;
  return [
    '防火监督科',
    d(month, day),
    `${places[i % places.length]}${i}号`,
    categories[Math.floor(rng.next() * categories.length)]!,
    `${descriptions[Math.floor(rng.next() * descriptions.length)]}（第${i}处）`,
    d(Math.min(month + 1, 12), day),
    fixed ? d(Math.min(month + 1, 12), Math.min(day + 1, 28)) : '',
    fixed ? '已整改' : '未整改',
    String(i + 1),
    rng.next() < 0.1 ? '复查合格' : '',
    '张检查、李复核',
    fixed ? '已复查' : '待复查',
  ];
}

function csvLine(cells: readonly string[]): string {
  return `${cells.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')}\r\n`;
}

async function writeCsv(path: string, rows: number, encoding: 'utf8' | 'gb18030'): Promise<void> {
  const out = createWriteStream(path);
  const rng = new Prng(7, 'bench');
  const enc = (s: string) => (encoding === 'utf8' ? Buffer.from(s, 'utf8') : iconv.encode(s, 'gb18030'));
  let buf = csvLine(ledgerHeader);
  for (let i = 0; i < rows; i++) {
    buf += csvLine(row(rng, i));
    if (buf.length > 1 << 16) {
      if (!out.write(enc(buf))) await once(out, 'drain');
      buf = '';
    }
  }
  out.write(enc(buf));
  out.end();
  await once(out, 'finish');
}

async function writeXlsx(path: string, rows: number): Promise<void> {
  // The streaming writer: the benchmark's own inputs must not need a gigabyte to make.
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true });
  const ws = wb.addWorksheet('隐患台账');
  ws.addRow(ledgerHeader).commit();
  const rng = new Prng(7, 'bench');
  for (let i = 0; i < rows; i++) ws.addRow(row(rng, i)).commit();
  ws.commit();
  await wb.commit();
}

/** Paths of the generated inputs, each under a folder that states unit and period. */
export interface BenchInputs {
  readonly csvUtf8: string;
  readonly csvGb18030: string;
  readonly xlsx: string;
  readonly csvRows: number;
  readonly xlsxRows: number;
}

/** Generates (once) the benchmark inputs under `dir`. */
export async function benchInputs(dir: string, csvRows: number, xlsxRows: number, make: { gb18030?: boolean } = {}): Promise<BenchInputs> {
  const folder = (name: string) => {
    const f = join(dir, name, '2024Q1', '防火监督科');
    mkdirSync(f, { recursive: true });
    return f;
  };
  const csvUtf8 = join(folder(`csv-utf8-${csvRows}`), '防火监督科2024年第一季度火灾隐患整改台账.csv');
  const csvGb18030 = join(folder(`csv-gb18030-${csvRows}`), '防火监督科2024年第一季度火灾隐患整改台账.csv');
  const xlsx = join(folder(`xlsx-${xlsxRows}`), '防火监督科2024年第一季度火灾隐患整改台账.xlsx');
  if (!existsSync(csvUtf8)) await writeCsv(csvUtf8, csvRows, 'utf8');
  if (make.gb18030 !== false && !existsSync(csvGb18030)) await writeCsv(csvGb18030, csvRows, 'gb18030');
  if (xlsxRows > 0 && !existsSync(xlsx)) await writeXlsx(xlsx, xlsxRows);
  return { csvUtf8, csvGb18030, xlsx, csvRows, xlsxRows };
}
