import { once } from 'node:events';
import type { ResourceLimits, Worker } from 'node:worker_threads';
import { workerBeside } from '../../domain/worker-script.js';
import { checkReadBudget } from './read-budget.js';
import { ReadError } from './reader.js';
import type { ReadableFile, ReaderNotice, ReadLimits, SheetRow, SheetStream, WorkbookReader, WorkbookStream } from './reader.js';
import type { FromWorker, ThreadedFamily, ToWorker, WorkerError, WorkerInput } from './reader-thread-protocol.js';

/**
 * A reader on a worker thread: the same reader, run beside the main thread, which meanwhile
 * parses, validates and appends the rows it has already been sent.
 *
 * Reading an .xlsx is more than half of its ingest on the one thread (unzipping, tokenising the
 * sheet XML, building rows), while the second core waits; on a worker the two halves overlap
 * (200,000 rows: 6.9 s on one thread, 5.3 s with the worker). The night's first workbook can be
 * started before ingest asks for it ({@link readAhead}). Rows come over in batches with flow
 * control (the worker runs at most {@link readerThreadSettings.ahead} batches ahead, so memory does
 * not grow with the file);
 * notices arrive before the rows read after them; a `ReadError` comes back as the same `ReadError`
 * (code, Chinese message, sheet, cell). A worker that runs out of heap takes only itself down: the
 * file is stopped with `out_of_memory`, as the heap guard would. Stopping early (the parser gives
 * up, the file's time is up) stops the worker, which closes the file.
 *
 * Small files, and files that are not on disk, are read on the calling thread: a worker costs
 * tens of milliseconds to start. `FIRESTAT_READER_THREAD=off` reads every file there;
 * `always` ignores the size (tests).
 */
export const readerThreadSettings = {
  /** Files smaller than this are read on the calling thread. */
  minBytes: 2 * 1024 * 1024,
  /** Rows per message. */
  batchRows: 1024,
  /** Batches the worker may send before the first of them is taken. */
  ahead: 4,
};

/** Started and stopped reader threads (tests look at it). */
export const readerThreadStats = { started: 0, exited: 0 };

function mode(): 'auto' | 'off' | 'always' {
  const v = process.env.FIRESTAT_READER_THREAD;
  return v === 'off' || v === 'always' ? v : 'auto';
}

export class ThreadedReader implements WorkbookReader {
  readonly extensions: readonly string[];

  /**
   * @param family which reader the worker builds (the same as `inProcess`)
   * @param inProcess the reader for files read on the calling thread
   */
  constructor(
    private readonly family: ThreadedFamily,
    private readonly inProcess: WorkbookReader,
    private readonly options: { readonly resourceLimits?: ResourceLimits } = {},
  ) {
    this.extensions = inProcess.extensions;
  }

  read(file: ReadableFile, limits: ReadLimits): WorkbookStream {
    if (!onThread(file)) return this.inProcess.read(file, limits);
    const notices: ReaderNotice[] = [];
    const input = workerInput(this.family, file, limits);
    const inProcess = () => this.inProcess.read(file, limits);
    // Started (or a read started ahead taken) when the sheets are first asked for: a stream
    // dropped unread holds no worker, and its finally stops the one it started.
    const start = () => takeReadAhead(input) ?? begin(input, this.options.resourceLimits);
    return { notices, sheets: threadedSheets(start, limits, notices, inProcess) };
  }
}

/** Whether `file` is read on a worker thread. */
function onThread(file: ReadableFile): file is ReadableFile & { localPath: string } {
  const m = mode();
  return m !== 'off' && !!file.localPath && (m === 'always' || file.bytes >= readerThreadSettings.minBytes);
}

function workerInput(family: ThreadedFamily, file: ReadableFile & { localPath: string }, limits: ReadLimits): WorkerInput {
  return {
    family,
    file: { path: file.path, bytes: file.bytes, localPath: file.localPath },
    limits,
    batchRows: readerThreadSettings.batchRows,
    ahead: readerThreadSettings.ahead,
  };
}

/** A worker and its messages; undefined when no worker could be started here. */
type Started = { readonly worker: Worker; readonly inbox: Inbox } | undefined;

function begin(input: WorkerInput, resourceLimits: ResourceLimits | undefined): Started {
  let worker: Worker;
  try {
    worker = startWorker(input, resourceLimits);
  } catch {
    // No worker on this machine (threads refused, the script missing): the file is read here.
    return undefined;
  }
  readerThreadStats.started++;
  return { worker, inbox: new Inbox(worker) };
}

/** Reads started before their file's turn, by file and limits (the deadline aside). */
const readsAhead = new Map<string, NonNullable<Started>>();

function aheadKey(input: WorkerInput): string {
  const { deadline: _deadline, ...limits } = input.limits;
  return JSON.stringify([input.family, input.file, limits, input.batchRows, input.ahead]);
}

/**
 * Starts reading `file` on a worker now, before the pipeline asks for it: the night's first large
 * workbook is read (its shared strings, its first batches, no more than the flow control allows)
 * while the warehouse is copied and opened. The read has no deadline until the pipeline takes it
 * with {@link ThreadedReader.read} for the same file and limits; the deadline given then applies
 * from then on. A file that is not read on a worker, or not read at all, is not taken: the
 * function returned stops the worker (call it once the night's files are done).
 */
export function readAhead(family: ThreadedFamily, file: ReadableFile, limits: ReadLimits): () => Promise<void> {
  if (!onThread(file)) return async () => {};
  const { deadline: _deadline, ...untimed } = limits;
  const input = workerInput(family, file, untimed);
  const key = aheadKey(input);
  if (readsAhead.has(key)) return async () => {};
  const started = begin(input, undefined);
  if (!started) return async () => {};
  readsAhead.set(key, started);
  return async () => {
    if (readsAhead.get(key) !== started) return;
    readsAhead.delete(key);
    await stop(started.worker, started.inbox);
  };
}

/** The read started ahead for this file and these limits, now given their deadline; undefined when there is none. */
function takeReadAhead(input: WorkerInput): Started {
  const key = aheadKey(input);
  const started = readsAhead.get(key);
  if (!started) return undefined;
  readsAhead.delete(key);
  post(started.worker, { t: 'deadline', deadline: input.limits.deadline });
  return started;
}

/** The worker, on `reader-thread-worker` beside this module (see {@link workerBeside}). */
function startWorker(input: WorkerInput, resourceLimits: ResourceLimits | undefined): Worker {
  return workerBeside(import.meta.url, 'sources/readers', 'reader-thread-worker', { workerData: input, ...(resourceLimits ? { resourceLimits } : {}) });
}

/** The worker's messages in order; once it is gone, why. */
class Inbox {
  private readonly items: FromWorker[] = [];
  private waiting: { resolve: (m: FromWorker) => void; reject: (e: Error) => void } | undefined;
  private gone: Error | undefined;
  exited = false;

  constructor(worker: Worker) {
    worker.on('message', (m: FromWorker) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w.resolve(m);
      } else this.items.push(m);
    });
    worker.on('error', (e: Error & { code?: string }) => this.fail(workerFailure(e)));
    worker.on('exit', (code: number) => {
      this.exited = true;
      readerThreadStats.exited++;
      this.fail(new Error(`reader worker thread exited unexpectedly (exit code ${code})`));
    });
  }

  private fail(e: Error): void {
    this.gone ??= e;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w.reject(this.gone);
    }
  }

  /** The next message; once the worker is gone and its messages are taken, the reason it went. */
  take(): Promise<FromWorker> {
    const m = this.items.shift();
    if (m) return Promise.resolve(m);
    if (this.gone) return Promise.reject(this.gone);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }
}

/** A worker that died of its heap is the file's `out_of_memory`, as the heap guard says it on the main thread. */
function workerFailure(e: Error & { code?: string }): Error {
  if (e.code === 'ERR_WORKER_OUT_OF_MEMORY')
    return new ReadError('out_of_memory', '读取该文件占用的内存过多，已停止读取，以免影响其他文件。如一再失败，请拆分文件或删除无关内容后重新报送');
  return e;
}

/** The error the worker met, as it was thrown there. */
function revived(e: WorkerError): Error {
  if (e.kind === 'ReadError') return new ReadError(e.code, e.message, e.sheet, e.cell);
  const error = new Error(e.message);
  error.name = e.name;
  if (e.stack) error.stack = e.stack;
  return error;
}

function post(worker: Worker, m: ToWorker): void {
  worker.postMessage(m);
}

/** Where a sheet's rows stand, between the consumer and the sheets' loop. */
interface SheetState {
  taken: boolean;
  ended: boolean;
  failure?: Error;
}

async function* threadedSheets(
  start: () => Started,
  limits: ReadLimits,
  notices: ReaderNotice[],
  inProcess: () => WorkbookStream,
): AsyncGenerator<SheetStream> {
  const started = start();
  if (!started) {
    yield* readHere(inProcess, notices);
    return;
  }
  const { worker, inbox } = started;
  /** The next message, its notices added first: they were given before what it carries was read. */
  const next = async (): Promise<FromWorker> => {
    const m = await inbox.take();
    for (const n of m.notices) notices.push(n);
    return m;
  };
  let heard = false;
  try {
    for (;;) {
      let m: FromWorker;
      try {
        m = await next();
      } catch (e) {
        // A worker that failed before saying anything (it could not start) says nothing of the
        // file: the file is read here instead. One that ran out of heap says out_of_memory.
        if (heard || e instanceof ReadError) throw e;
        await stop(worker, inbox);
        yield* readHere(inProcess, notices);
        return;
      }
      heard = true;
      if (m.t === 'end') return;
      if (m.t === 'error') throw revived(m.error);
      if (m.t !== 'sheet') throw new Error(`读取线程消息顺序错误：${m.t}`);
      const state: SheetState = { taken: false, ended: false };
      const rows: AsyncIterable<SheetRow> = { [Symbol.asyncIterator]: () => sheetRows(worker, next, state, m.index, limits) };
      yield { name: m.name, index: m.index, rows };
      if (state.failure) throw state.failure;
      if (!state.ended) {
        // The consumer went on without reading every row: the worker skips the rest of the sheet.
        // Nothing of what it read ahead was read on the calling thread: its notices are dropped too.
        post(worker, { t: 'skip', sheet: m.index });
        for (;;) {
          const r = await inbox.take();
          if (r.t === 'rows') post(worker, { t: 'next' });
          else if (r.t === 'sheetEnd') break;
          // Met in rows the consumer left unread: on the calling thread it would never have been met.
          else if (r.t === 'error' && r.sheet === m.index) break;
          else if (r.t === 'error') throw revived(r.error);
          else throw new Error(`读取线程消息顺序错误：${r.t}`);
        }
      }
    }
  } finally {
    await stop(worker, inbox);
  }
}

async function* sheetRows(worker: Worker, next: () => Promise<FromWorker>, state: SheetState, sheet: number, limits: ReadLimits): AsyncGenerator<SheetRow> {
  if (state.taken) throw new Error(`工作表 ${sheet + 1} 的行只能读取一次`);
  state.taken = true;
  for (;;) {
    const m = await next();
    if (m.t === 'rows') {
      // The main thread's heap too (what the consumer keeps of the rows) and the deadline, as the
      // reader checks them on the calling thread; the worker checks its own.
      checkReadBudget(limits);
      // Taken: the worker may read one batch more while these are parsed.
      post(worker, { t: 'next' });
      yield* m.rows;
    } else if (m.t === 'sheetEnd') {
      state.ended = true;
      return;
    } else if (m.t === 'error') {
      state.ended = true;
      state.failure = revived(m.error);
      throw state.failure;
    } else throw new Error(`读取线程消息顺序错误：${m.t}`);
  }
}

/** Stops the worker (it closes the file first); one that does not stop within 5 s is terminated. */
async function stop(worker: Worker, inbox: Inbox): Promise<void> {
  if (inbox.exited) return;
  const exited = once(worker, 'exit').catch(() => undefined);
  post(worker, { t: 'stop' });
  const timer = setTimeout(() => void worker.terminate(), 5_000);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** The file read on this thread, its notices added to `notices` as they come. */
async function* readHere(inProcess: () => WorkbookStream, notices: ReaderNotice[]): AsyncGenerator<SheetStream> {
  const stream = inProcess();
  let seen = 0;
  const sync = () => {
    for (const n of stream.notices.slice(seen)) notices.push(n);
    seen = stream.notices.length;
  };
  try {
    for await (const sheet of stream.sheets) {
      sync();
      yield sheet;
      sync();
    }
  } finally {
    sync();
  }
}
