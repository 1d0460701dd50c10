/** Messages between `hash-thread.ts` and its worker, `hash-thread-worker.ts`. */
import type { CsvScanState } from './csv-bulk/csv-byte-scan.js';

/** Hash the file at `path`; `scan`: also check its bytes for the CSV bulk path. */
export interface HashRequest {
  readonly id: number;
  readonly path: string;
  readonly scan: boolean;
  /** Fault injection (tests): the thread exits on this request, as if it had died — as it arrives, or once it has made a GB18030 copy's folder. */
  readonly exit?: 'request' | 'copy';
}

/**
 * The file's digest (and scan), or why it could not be read; before either, the folder of a GB18030
 * copy as soon as it is made (removed by the main thread if the thread dies before its reply).
 */
export type HashReply =
  | { readonly id: number; readonly sha256: string; readonly head: Uint8Array; readonly scan?: CsvScanState }
  | { readonly id: number; readonly error: string; readonly code?: string }
  | { readonly id: number; readonly copyDir: string };

/** From `gb-copy-worker.ts` to the hashing thread: the copy's folder once made, then the copy (null: none). */
export type GbCopyReply = { readonly copyDir: string } | { readonly state: CsvScanState['gb'] | null };
