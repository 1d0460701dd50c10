/**
 * The worker side of `reader-thread.ts`: reads one file with the reader of its family and sends
 * its sheets and rows, a batch at a time, never more than `ahead` batches before they are taken.
 *
 * @module
 */
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { ReadError } from './reader.js';
import type { ReadableFile, ReadLimits, SheetRow, WorkbookReader } from './reader.js';
import type { FromWorker, ThreadedFamily, ToWorker, WorkerError, WorkerInput } from './reader-thread-protocol.js';

const port = parentPort!;
const input = workerData as WorkerInput;

/** The reader keeps this object: a read started ahead gets its deadline when it is taken. */
const limits: { -readonly [K in keyof ReadLimits]: ReadLimits[K] } = { ...input.limits };
/**
 * Fault injection for the tests of a worker that dies in the middle of a file (`test/sources/
 * reader-thread.test.ts`): the thread exits after sending this many batches of rows.
 */
const exitAfterBatches = Number(process.env.FIRESTAT_READER_THREAD_EXIT_AFTER ?? Number.NaN);
let batchesSent = 0;
let credit = input.ahead;
let skipSheet = -1;
let stopped = false;
let wake: (() => void) | undefined;
port.on('message', (m: ToWorker) => {
  if (m.t === 'next') credit++;
  else if (m.t === 'skip') skipSheet = m.sheet;
  else if (m.t === 'deadline') limits.deadline = m.deadline;
  else stopped = true;
  const w = wake;
  wake = undefined;
  w?.();
});

async function readerOf(family: ThreadedFamily): Promise<WorkbookReader> {
  switch (family) {
    case 'xlsx':
      return new (await import('./xlsx-reader.js')).XlsxReader();
  }
}

function asWorkerError(e: unknown): WorkerError {
  if (e instanceof ReadError)
    return {
      kind: 'ReadError',
      code: e.code,
      message: e.message,
      ...(e.sheet !== undefined ? { sheet: e.sheet } : {}),
      ...(e.cell !== undefined ? { cell: e.cell } : {}),
    };
  if (e instanceof Error) return { kind: 'Error', name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) };
  return { kind: 'Error', name: 'Error', message: String(e) };
}

async function main(): Promise<void> {
  const { path, bytes, localPath } = input.file;
  const file: ReadableFile = { path, bytes, localPath, open: () => createReadStream(localPath) };
  const book = (await readerOf(input.family)).read(file, limits);
  let sent = 0;
  const fresh = () => {
    const n = book.notices.slice(sent);
    sent = book.notices.length;
    return n;
  };
  const send = (m: FromWorker) => port.postMessage(m);
  try {
    for await (const sheet of book.sheets) {
      if (stopped) break;
      send({ t: 'sheet', name: sheet.name, index: sheet.index, notices: fresh() });
      const leaving = () => stopped || skipSheet === sheet.index;
      let batch: SheetRow[] = [];
      let batchNotices = fresh();
      const flush = async () => {
        while (credit <= 0 && !leaving()) await new Promise<void>((r) => (wake = r));
        if (leaving()) return;
        credit--;
        send({ t: 'rows', rows: batch, notices: batchNotices });
        if (++batchesSent >= exitAfterBatches) process.exit(70);
        batch = [];
        batchNotices = [];
      };
      try {
        for await (const row of sheet.rows) {
          if (leaving()) break;
          // A notice given after rows already batched goes with the rows read after it.
          if (book.notices.length > sent) {
            if (batch.length) await flush();
            batchNotices = [...batchNotices, ...fresh()];
          }
          batch.push(row);
          if (batch.length >= input.batchRows) await flush();
        }
      } catch (e) {
        // The rows read before it first. The consumer may have left the sheet (it never reads this
        // far on the calling thread, where nothing is read ahead): then the next sheet follows.
        if (batch.length && !leaving()) await flush();
        if (stopped) break;
        send({ t: 'error', error: asWorkerError(e), sheet: sheet.index, notices: [...batchNotices, ...fresh()] });
        batchNotices = [];
        while (!leaving()) await new Promise<void>((r) => (wake = r));
        if (stopped) break;
        continue;
      }
      if (batch.length && !leaving()) await flush();
      if (stopped) break;
      send({ t: 'sheetEnd', notices: [...batchNotices, ...fresh()] });
    }
    if (!stopped) send({ t: 'end', notices: fresh() });
  } catch (e) {
    if (!stopped) send({ t: 'error', error: asWorkerError(e), notices: fresh() });
  } finally {
    port.close();
  }
}

await main();
