import type { ReadErrorCode, ReaderNotice, ReadLimits, SheetRow } from './reader.js';

/** The readers that can run on a worker thread. */
export type ThreadedFamily = 'xlsx';

/** What the worker is started with. */
export interface WorkerInput {
  readonly family: ThreadedFamily;
  readonly file: { readonly path: string; readonly bytes: number; readonly localPath: string };
  readonly limits: ReadLimits;
  readonly batchRows: number;
  readonly ahead: number;
}

/** An error thrown in the worker, as it crosses to the main thread. */
export type WorkerError =
  | { readonly kind: 'ReadError'; readonly code: ReadErrorCode; readonly message: string; readonly sheet?: string; readonly cell?: string }
  | { readonly kind: 'Error'; readonly name: string; readonly message: string; readonly stack?: string };

/** Each message carries the notices given since the last one, before what it carries was read. */
export type FromWorker = { readonly notices: readonly ReaderNotice[] } & (
  | { readonly t: 'sheet'; readonly name: string; readonly index: number }
  | { readonly t: 'rows'; readonly rows: readonly SheetRow[] }
  | { readonly t: 'sheetEnd' }
  | { readonly t: 'end' }
  /** `sheet`: met while reading that sheet's rows (the worker then waits to hear whether they were wanted). */
  | { readonly t: 'error'; readonly error: WorkerError; readonly sheet?: number }
);

/**
 * `next`: one batch taken; `skip`: the consumer left sheet `sheet`; `stop`: close the file and end;
 * `deadline`: a read started ahead has been taken, and its deadline is now this one.
 */
export type ToWorker =
  | { readonly t: 'next' }
  | { readonly t: 'skip'; readonly sheet: number }
  | { readonly t: 'stop' }
  | { readonly t: 'deadline'; readonly deadline: number | undefined };
