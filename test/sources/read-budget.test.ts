import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CsvReader } from '../../sources/readers/csv-reader.js';
import { ReadError, defaultReadLimits } from '../../sources/readers/reader.js';
import type { ReadLimits, ReadableFile, WorkbookReader } from '../../sources/readers/reader.js';
import { XlsxReader } from '../../sources/readers/xlsx-reader.js';
import { writeHostileXlsx } from '../support/hostile-xlsx.js';
import type { HostileShape } from '../support/hostile-xlsx.js';
import { buildZip, craftXlsx } from './xlsx-test-zip.js';

/**
 * Issue 14: one file must not kill the night. Memory is measured in a child process with a small
 * heap (the compiled readers in dist/, built by the test setup): before the XML bounds, each of
 * these files took saxes to about 30 bytes of heap per character — a 16 M-character comment to
 * 570 MB, a V8 abort (exit 134) under --max-old-space-size=256.
 */

const child = fileURLToPath(new URL('../support/read-in-child.mjs', import.meta.url));

interface ChildResult {
  readonly status: number | null;
  readonly rows: number;
  readonly code?: string;
  readonly message?: string;
  readonly seconds: number;
  readonly peakRssMiB: number;
  readonly stderr: string;
}

function readInChild(heapMiB: number, args: string[]): ChildResult {
  const r = spawnSync(process.execPath, [`--max-old-space-size=${heapMiB}`, child, ...args], { encoding: 'utf8', timeout: 240_000 });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  const parsed = (last.startsWith('{') ? JSON.parse(last) : { rows: -1, seconds: -1, peakRssMiB: -1 }) as Omit<ChildResult, 'status' | 'stderr'>;
  return { ...parsed, status: r.status, stderr: r.stderr.slice(-2000) };
}

let tmp = '';
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'firestat-budget-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('memory per file is bounded whatever one XML run holds', () => {
  const chars = 16_000_000;
  const expected: Record<HostileShape, { rows?: number; code?: string; cell?: string }> = {
    // Comments, PIs and long attribute values are not data: the sheet reads.
    comment: { rows: 1 },
    pi: { rows: 1 },
    attribute: { rows: 2 },
    // A cell's text over maxCellChars is refused naming the cell, as before.
    text: { code: 'too_large', cell: 'A2' },
    cdata: { code: 'too_large', cell: 'A2' },
  };
  for (const shape of Object.keys(expected) as HostileShape[]) {
    it(`reads a sheet with a ${chars / 1e6} M-character ${shape} within a 256 MB heap`, () => {
      const file = path.join(tmp, `${shape}.xlsx`);
      const bytes = writeHostileXlsx(file, shape, chars);
      expect(bytes).toBeLessThan(8 * 1024 * 1024);
      const r = readInChild(256, [file]);
      expect(r.status, r.stderr).toBe(0);
      const want = expected[shape];
      if (want.rows !== undefined) {
        expect(r.code, r.message).toBeUndefined();
        expect(r.rows).toBe(want.rows);
      } else {
        expect(r.code).toBe(want.code);
        expect(r.message).toContain(`单元格 ${want.cell}`);
        expect(r.message).toContain(`${chars} 个字符`);
      }
      // The sheet (under 16 MiB) is held as bytes for the formula survey; nothing grows with the run.
      expect(r.peakRssMiB).toBeLessThan(250);
    });
  }

  it('refuses a CSV field of 200 MiB without a line end within a small heap', () => {
    const r = readInChild(128, ['--csv-field-mib', '200']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.code).toBe('too_large');
    expect(r.message).toMatch(/第 2 行起的一条记录超过 \d+ 个字符/);
    expect(r.peakRssMiB).toBeLessThan(250);
  });

  it('stops a read with out_of_memory when the heap nearly fills, instead of a V8 abort', () => {
    // 60 M characters of cell text (each cell its own string once parsed), kept by the consumer:
    // more than a 64 MB heap holds. Stored, not deflated: quick to make, no compression ratio.
    const text = 'ab'.repeat(2500);
    const rows: string[] = [];
    for (let r = 1; r <= 12_000; r++) rows.push(`<row r="${r}"><c r="A${r}" t="inlineStr"><is><t>${text}</t></is></c></row>`);
    const file = path.join(tmp, 'kept.xlsx');
    const members = craftXlsx({ sheets: [{ name: '台账', rows: rows.join('') }] }).map((m) => ({ ...m, deflate: false }));
    fs.writeFileSync(file, buildZip(members));
    const r = readInChild(64, [file, '--keep-rows']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.code).toBe('out_of_memory');
    expect(r.message).toMatch(/内存过多/);
    expect(r.rows).toBeGreaterThan(1000);
    expect(r.rows).toBeLessThan(12_000);
  });
});

/** A sheet whose formulas have no saved result and take seconds to evaluate (SUM over 20,000 cells, 600 times). */
function slowFormulaXlsx(): string {
  const rows: string[] = [];
  for (let r = 1; r <= 20_000; r++) {
    rows.push(`<row r="${r}"><c r="A${r}"><v>${r}</v></c>${r <= 600 ? `<c r="B${r}"><f>SUM($A$1:$A$20000)+${r}</f></c>` : ''}</row>`);
  }
  const file = path.join(tmp, 'slow-formulas.xlsx');
  fs.writeFileSync(file, buildZip(craftXlsx({ sheets: [{ name: '汇总', rows: rows.join('') }] })));
  return file;
}

async function readAll(reader: WorkbookReader, file: ReadableFile, limits: ReadLimits): Promise<number> {
  let rows = 0;
  const book = reader.read(file, limits);
  for await (const sheet of book.sheets) for await (const _ of sheet.rows) rows++;
  return rows;
}

async function timed(work: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await work;
    return { error: undefined, ms: Date.now() - started };
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
}

describe('the deadline is checked inside a file', () => {
  it('stops formula evaluation inside one sheet near the deadline', async () => {
    const local = slowFormulaXlsx();
    const file: ReadableFile = { path: 'slow.xlsx', bytes: fs.statSync(local).size, open: () => fs.createReadStream(local), localPath: local };
    const { error, ms } = await timed(readAll(new XlsxReader(), file, { ...defaultReadLimits, deadline: Date.now() + 500 }));
    expect(error).toBeInstanceOf(ReadError);
    expect((error as ReadError).code).toBe('timeout');
    expect((error as ReadError).message).toMatch(/处理时限/);
    // Evaluating all of it takes several seconds (about 12 M steps); stopped soon after 0.5 s.
    expect(ms).toBeLessThan(3000);
  });

  it('stops a CSV that trickles in', async () => {
    let n = 0;
    const file: ReadableFile = {
      path: 'slow.csv',
      bytes: 1024,
      open: () =>
        new Readable({
          read() {
            setTimeout(() => this.push(Buffer.from(`龙兴镇,${n++}\n`)), 20);
          },
        }),
    };
    const { error, ms } = await timed(readAll(new CsvReader(), file, { ...defaultReadLimits, deadline: Date.now() + 300 }));
    expect((error as ReadError).code).toBe('timeout');
    expect(ms).toBeLessThan(2000);
  });
});
