import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultReadLimits, ReadError } from '../../sources/readers/reader.js';
import type { ReadableFile, ReadLimits, SheetRow, WorkbookReader } from '../../sources/readers/reader.js';
import { readAhead, readerThreadSettings, readerThreadStats, ThreadedReader } from '../../sources/readers/reader-thread.js';
import { XlsxReader } from '../../sources/readers/xlsx-reader.js';
import { deliverFile, memoryWarehouse, runIngest, tempDir } from '../support/ingest-helpers.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Every .xlsx/.xlsm the tests hold: the real-world corpus (hostile files among them) and the fixtures. */
function workbooks(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.xls[xm]$/i.test(e.name)) out.push(p);
    }
  };
  walk(path.join(repoRoot, 'test/corpus/real-world'));
  walk(path.join(repoRoot, 'test/fixtures'));
  return out.sort();
}

function fileAt(localPath: string): ReadableFile {
  return { path: path.basename(localPath), bytes: fs.statSync(localPath).size, open: () => fs.createReadStream(localPath), localPath };
}

/** Everything a reader says of a file, in the order it says it: sheets, rows, notices as they stood, the error. */
async function transcript(reader: WorkbookReader, file: ReadableFile, limits: ReadLimits = defaultReadLimits): Promise<unknown[]> {
  const book = reader.read(file, limits);
  const said: unknown[] = [];
  try {
    for await (const sheet of book.sheets) {
      said.push({ sheet: sheet.name, index: sheet.index, notices: book.notices.length });
      for await (const row of sheet.rows) said.push([row.rowNumber, ...row.cells.map((c) => (c instanceof Date ? `date:${c.toISOString()}` : c))]);
      said.push({ sheetEnd: sheet.index, notices: book.notices.length });
    }
  } catch (e) {
    said.push(e instanceof ReadError ? { ReadError: e.code, message: e.message, sheet: e.sheet, cell: e.cell } : { error: String(e) });
  }
  said.push({ notices: book.notices });
  return said;
}

const saved = { ...readerThreadSettings };
beforeAll(() => {
  // Every file on the worker, in batches small enough that a sheet spans several.
  readerThreadSettings.minBytes = 0;
  readerThreadSettings.batchRows = 7;
  readerThreadSettings.ahead = 2;
});
afterAll(() => Object.assign(readerThreadSettings, saved));

/** Waits until every started worker has exited (they stop asynchronously). */
async function workersGone(): Promise<void> {
  for (let i = 0; i < 200 && readerThreadStats.exited < readerThreadStats.started; i++) await new Promise((r) => setTimeout(r, 25));
  expect(readerThreadStats.exited).toBe(readerThreadStats.started);
}

describe('an .xlsx read on a worker thread', () => {
  const files = workbooks();
  /** A workbook the reader reads without refusing it, with at least `rows` rows. */
  const readable = async (rows: number): Promise<string> => {
    for (const f of files) {
      const said = await transcript(new XlsxReader(), fileAt(f));
      if (!said.some((x) => typeof x === 'object' && x !== null && 'ReadError' in x) && said.filter(Array.isArray).length >= rows) return f;
    }
    throw new Error(`no readable workbook of ${rows} rows`);
  };

  it('says exactly what the reader says on the calling thread, for every workbook the tests hold', async () => {
    expect(files.length).toBeGreaterThan(40);
    const inProcess = new XlsxReader();
    const threaded = new ThreadedReader('xlsx', new XlsxReader());
    const startedBefore = readerThreadStats.started;
    let refused = 0;
    for (const f of files) {
      const here = await transcript(inProcess, fileAt(f));
      const there = await transcript(threaded, fileAt(f));
      expect(there, path.relative(repoRoot, f)).toEqual(here);
      if (here.some((x) => typeof x === 'object' && x !== null && 'ReadError' in x)) refused++;
    }
    // Both kinds were compared: files read and files refused, each on its own worker.
    expect(refused).toBeGreaterThan(5);
    expect(refused).toBeLessThan(files.length);
    expect(readerThreadStats.started - startedBefore).toBe(files.length);
    await workersGone();
  });

  it('stops the worker when the reading stops early, and skips a sheet whose rows were not read', async () => {
    const many = await readable(10);
    const threaded = new ThreadedReader('xlsx', new XlsxReader());
    // Stopped after three rows.
    const book = threaded.read(fileAt(many), defaultReadLimits);
    const first: SheetRow[] = [];
    outer: for await (const sheet of book.sheets) {
      for await (const row of sheet.rows) {
        first.push(row);
        if (first.length === 3) break outer;
      }
    }
    expect(first).toHaveLength(3);
    await workersGone();

    // A workbook of several sheets, the first left unread: the others come as on the calling thread.
    for (const f of files) {
      const inProcess = await transcript(new XlsxReader(), fileAt(f));
      const sheets = inProcess.filter((x) => typeof x === 'object' && x !== null && 'sheet' in x).length;
      if (sheets < 2) continue;
      const skipFirst = async (reader: WorkbookReader) => {
        const out: unknown[] = [];
        const b = reader.read(fileAt(f), defaultReadLimits);
        try {
          for await (const sheet of b.sheets) {
            out.push(sheet.name);
            if (sheet.index === 0) continue;
            for await (const row of sheet.rows) out.push(row.rowNumber, row.cells);
          }
        } catch (e) {
          out.push(String(e));
        }
        return out;
      };
      expect(await skipFirst(threaded), path.relative(repoRoot, f)).toEqual(await skipFirst(new XlsxReader()));
    }
    await workersGone();
  });

  it('takes a read started ahead for the same file and limits, and gives it the deadline it is taken with', async () => {
    const f = await readable(10);
    const threaded = new ThreadedReader('xlsx', new XlsxReader());
    const here = await transcript(new XlsxReader(), fileAt(f));
    const before = readerThreadStats.started;

    // A stream dropped before its sheets are asked for starts no worker and takes no read started ahead.
    threaded.read(fileAt(f), defaultReadLimits);
    expect(readerThreadStats.started - before).toBe(0);

    // Started ahead, left to read for a while (the flow control holds it), then taken: one worker, the same transcript.
    const stop = readAhead('xlsx', fileAt(f), defaultReadLimits);
    expect(readerThreadStats.started - before).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(await transcript(threaded, fileAt(f), { ...defaultReadLimits, deadline: Date.now() + 60_000 })).toEqual(here);
    expect(readerThreadStats.started - before).toBe(1);
    await stop(); // taken: nothing left to stop
    await workersGone();

    // Taken with a deadline already past: stopped as any read past its deadline (the read ahead had none).
    const stopLate = readAhead('xlsx', fileAt(f), defaultReadLimits);
    await new Promise((r) => setTimeout(r, 300));
    const late = await transcript(threaded, fileAt(f), { ...defaultReadLimits, deadline: Date.now() - 1 });
    expect(late).toContainEqual(expect.objectContaining({ ReadError: 'timeout' }));
    expect(readerThreadStats.started - before).toBe(2);
    await stopLate();
    await workersGone();
  });

  it('does not take a read started ahead for other limits or another file; the stopper ends it', async () => {
    const f = await readable(10);
    const threaded = new ThreadedReader('xlsx', new XlsxReader());
    const before = readerThreadStats.started;
    const exitedBefore = readerThreadStats.exited;
    const stop = readAhead('xlsx', fileAt(f), defaultReadLimits);
    const other = { ...defaultReadLimits, maxRowsPerSheet: 3 };
    // Other limits: read by a worker of its own, with those limits (the sheet has more than three rows).
    expect(await transcript(threaded, fileAt(f), other)).toEqual(await transcript(new XlsxReader(), fileAt(f), other));
    expect(readerThreadStats.started - before).toBe(2);
    // The read ahead is still waiting; the stopper ends it.
    expect(readerThreadStats.exited - exitedBefore).toBe(1);
    await stop();
    await workersGone();
    expect(readerThreadStats.exited - exitedBefore).toBe(2);
    // Started ahead twice for the same file and limits: one worker.
    const again = readAhead('xlsx', fileAt(f), defaultReadLimits);
    const twice = readAhead('xlsx', fileAt(f), defaultReadLimits);
    expect(readerThreadStats.started - before).toBe(3);
    await twice();
    await again();
    await workersGone();
  });

  it('a worker that dies in the middle of a file fails it for this run, as the program’s fault, and the next run loads it', async () => {
    const file = path.join(repoRoot, 'test/fixtures/inbox/2024Q1/龙兴镇/隐患台账.xlsx');
    const dir = tempDir('firestat-worker-dies-');
    const inbox = path.join(dir, 'inbox');
    deliverFile(file, inbox, '2024Q1/龙兴镇/隐患台账.xlsx', new Date('2024-04-10T02:00:00Z'));
    const warehouse = await memoryWarehouse();
    const saved = process.env.FIRESTAT_READER_THREAD_EXIT_AFTER;
    try {
      process.env.FIRESTAT_READER_THREAD_EXIT_AFTER = '1';
      const first = await runIngest(warehouse, inbox, path.join(dir, 'reports'));
      expect(first.outcomes.map((o) => o.status)).toEqual(['failed']);
      const reason = first.outcomes[0]!.reason ?? '';
      expect(reason).toContain('读取该文件时程序出错，不是文件本身的问题');
      expect(reason).toContain('exited unexpectedly');
      expect(reason).toContain('以后的运行会自动重试');
      await workersGone();

      delete process.env.FIRESTAT_READER_THREAD_EXIT_AFTER;
      const second = await runIngest(warehouse, inbox, path.join(dir, 'reports'), new Date('2024-04-21T02:00:00Z'));
      expect(second.outcomes.map((o) => o.status)).toEqual(['loaded']);
      expect(second.outcomes[0]!.rows).toBeGreaterThan(0);
    } finally {
      if (saved === undefined) delete process.env.FIRESTAT_READER_THREAD_EXIT_AFTER;
      else process.env.FIRESTAT_READER_THREAD_EXIT_AFTER = saved;
      await warehouse.close();
    }
    await workersGone();
  });

  it('stops a file past its deadline as on the calling thread', async () => {
    const f = await readable(1);
    const limits = { ...defaultReadLimits, deadline: Date.now() - 1 };
    const there = await transcript(new ThreadedReader('xlsx', new XlsxReader()), fileAt(f), limits);
    expect(there).toContainEqual(expect.objectContaining({ ReadError: 'timeout' }));
    expect(there).toEqual(await transcript(new XlsxReader(), fileAt(f), limits));
    await workersGone();
  });

  it('a worker that runs out of heap stops only its file, as out_of_memory; the process reads on', async () => {
    // The largest workbook the tests hold, on a worker with a 6 MB heap.
    const big = [...files].sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0]!;
    const small = new ThreadedReader('xlsx', new XlsxReader(), { resourceLimits: { maxOldGenerationSizeMb: 6, maxYoungGenerationSizeMb: 1 } });
    const there = await transcript(small, fileAt(big));
    expect(there).toContainEqual(expect.objectContaining({ ReadError: 'out_of_memory', message: expect.stringContaining('内存') }));
    // The next file reads as ever.
    const f = await readable(1);
    expect(await transcript(new ThreadedReader('xlsx', new XlsxReader()), fileAt(f))).toEqual(await transcript(new XlsxReader(), fileAt(f)));
    await workersGone();
  });
});
