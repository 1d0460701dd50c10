import { readFileSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import Papa from 'papaparse';
import yauzl from 'yauzl';
import { afterEach, describe, expect, it } from 'vitest';
import { formByCode } from '../../domain/forms/index.js';
import { UnitRegistry } from '../../domain/units.js';
import { convertCell } from '../../pipelines/normalize/cell-values.js';
import { queryRows } from '../../warehouse/query.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { deliverFile, fixturesDir, memoryWarehouse, runIngest, tempDir } from '../support/ingest-helpers.js';
import { filesUnder } from '../support/files.js';

/**
 * The property behind "never turn an unread number into 0": every number a file loads is the
 * value of the cell its lineage names (sheet, source_row, column), read here by a second,
 * independent reader — exceljs for workbooks (with the cached result of a formula, or, for a
 * formula saved without one, a value the pipeline said it evaluated), papaparse for CSV. An
 * empty cell may load only as the documented 0 of a flow count in a statistics table, or as
 * "not reported" (null); nothing else is ever a default.
 */
let warehouse: Warehouse | undefined;
afterEach(async () => {
  await warehouse?.close();
  warehouse = undefined;
});

/** Every fixture that a real program wrote, xlsx or CSV, in every fixture folder. */
const inputs = ['inbox', 'office', 'formulas']
  .flatMap((top) => filesUnder(join(fixturesDir, top)))
  .filter((p) => ['.xlsx', '.csv'].includes(extname(p).toLowerCase()));

type Raw = { value: unknown; formula?: string; cached: boolean };

/** The worksheet XML parts of a package, as text (for what exceljs does not say: a cached 0). */
function sheetXml(path: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('zip'));
      const out: string[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        if (!/^xl\/worksheets\/[^/]+\.xml$/.test(entry.fileName)) return zip.readEntry();
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('entry'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            out.push(Buffer.concat(chunks).toString('utf8'));
            zip.readEntry();
          });
          stream.on('error', reject);
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/** Cells of a workbook by sheet and address, as exceljs reads them (merged cells give their master's value). */
async function workbookCells(path: string): Promise<(sheet: string, address: string) => Raw | undefined> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  const xml = await sheetXml(path);
  return (sheet, address) => {
    const ws = wb.getWorksheet(sheet);
    if (!ws) return undefined;
    const cell = ws.getCell(address);
    const v = cell.isMerged ? cell.master.value : cell.value;
    const cachedZero = () => xml.some((x) => new RegExp(`<c r="${address}"[^>]*>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)<v>0</v>`).test(x));
    if (v && typeof v === 'object' && ('formula' in v || 'sharedFormula' in v) && (v as { result?: unknown }).result === undefined && cachedZero()) {
      // exceljs reads a saved result of 0 as no result at all.
      return { value: 0, formula: String((v as { formula?: unknown }).formula ?? ''), cached: true };
    }
    if (v && typeof v === 'object' && 'formula' in v) {
      const result = (v as { result?: unknown }).result;
      return { value: result ?? null, formula: String((v as { formula: unknown }).formula), cached: result !== undefined };
    }
    if (v && typeof v === 'object' && 'sharedFormula' in v) {
      const result = (v as { result?: unknown }).result;
      return { value: result ?? null, formula: String((v as { sharedFormula: unknown }).sharedFormula), cached: result !== undefined };
    }
    if (v && typeof v === 'object' && 'richText' in v)
      return { value: (v as { richText: { text: string }[] }).richText.map((r) => r.text).join(''), cached: true };
    return { value: v ?? null, cached: true };
  };
}

/** Cells of a CSV (UTF-8, or GB18030 when not UTF-8), by 1-based record and column letter. */
function csvCells(path: string): (sheet: string, address: string) => Raw | undefined {
  const bytes = readFileSync(path);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = iconv.decode(bytes, 'gb18030');
  }
  const rows = Papa.parse<string[]>(text.replace(/^\ufeff/, ''), { skipEmptyLines: false }).data;
  return (_sheet, address) => {
    const m = /^([A-Z]+)(\d+)$/.exec(address)!;
    const col = [...m[1]!].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0);
    const v = rows[Number(m[2]) - 1]?.[col - 1];
    return { value: v === undefined || v === '' ? null : v, cached: true };
  };
}

describe('every loaded number is in the file', () => {
  const registry = UnitRegistry.sample();
  it.each(inputs.map((p) => [relative(fixturesDir, p)]))('%s', async (rel) => {
    const inbox = tempDir();
    const [, ...rest] = rel.split('/');
    deliverFile(join(fixturesDir, rel), inbox, rest.join('/'), new Date(rel.startsWith('inbox') ? '2024-04-05T02:00:00Z' : '2025-10-10T02:00:00Z'));
    warehouse = await memoryWarehouse();
    await runIngest(warehouse, inbox, join(inbox, '..', 'reports'));
    const [sub] = (await queryRows(warehouse, `SELECT submission_id, form, status FROM submissions`)).rows as {
      submission_id: number;
      form: string;
      status: string;
    }[];
    if (sub?.status !== 'loaded') return; // refused files load nothing: nothing to check
    const form = formByCode(sub.form)!;
    const columns = (await queryRows(warehouse, `SELECT sheet, field, column_letter FROM submission_columns`)).rows as {
      sheet: string;
      field: string;
      column_letter: string;
    }[];
    const evaluatedSheets = new Set(
      ((await queryRows(warehouse, `SELECT sheet FROM submission_problems WHERE code = 'formula_evaluated'`)).rows as { sheet: string }[]).map((r) => r.sheet),
    );
    const cellOf = rel.toLowerCase().endsWith('.csv') ? csvCells(join(fixturesDir, rel)) : await workbookCells(join(fixturesDir, rel));
    const facts = (await queryRows(warehouse, `SELECT * FROM ${form.table}`)).rows;
    expect(facts.length).toBeGreaterThan(0);
    let checked = 0;
    for (const row of facts) {
      for (const field of form.fields.filter((f) => f.type === 'count' || f.type === 'amount')) {
        const loaded = row[field.id] === null ? null : Number(row[field.id]);
        const col = columns.find((c) => c.sheet === row.sheet && c.field === field.id);
        expect(col, `${field.id} has a column`).toBeDefined();
        const address = `${col!.column_letter}${String(row.source_row)}`;
        const raw = cellOf(String(row.sheet), address);
        expect(raw, `${row.sheet}!${address} exists`).toBeDefined();
        checked++;
        if (raw!.formula !== undefined && !raw!.cached) {
          // Saved without a result: only a value the pipeline says it evaluated may load.
          expect(evaluatedSheets.has(String(row.sheet)), `${row.sheet}!${address} =${raw!.formula} loaded ${loaded} without evaluation`).toBe(true);
          expect(loaded, `${row.sheet}!${address} =${raw!.formula}`).not.toBeNull();
          continue;
        }
        const converted = convertCell(field, raw!.value as never, { registry, emptyCountIsZero: false });
        if (converted.ok && converted.value === null) {
          // An empty cell: 0 only for a flow count of a statistics table (the documented rule), else not reported.
          const documentedZero = form.kind === 'aggregate' && field.type === 'count' && field.measure !== 'stock';
          expect(loaded, `${row.sheet}!${address} is empty`).toBe(documentedZero ? 0 : null);
        } else {
          expect(converted.ok, `${row.sheet}!${address} ${JSON.stringify(raw!.value)} is readable`).toBe(true);
          expect(loaded, `${row.sheet}!${address} ${JSON.stringify(raw!.value)}`).toBeCloseTo(Number((converted as { value: unknown }).value), 6);
        }
      }
    }
    if (form.fields.some((f) => f.type === 'count' || f.type === 'amount')) expect(checked).toBeGreaterThan(0);
  });
});
