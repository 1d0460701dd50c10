/**
 * Large files are hashed on a thread of their own, so that the main thread stays free for what runs
 * meanwhile: the warehouse's migrations and views while the night's first file is hashed, the parser
 * while the next files are. One worker for the process, started at the first large file, idle (and
 * not keeping the process alive) between files, ended after 30 s idle. If it cannot start or dies,
 * the caller hashes the file on its own thread, as for a small file; after two such failures the
 * thread is not tried again.
 *
 * Measured (1M-row CSV, 177 MB, 2 cores): the hash and the bulk path's byte scan took 0.2–0.25 s of
 * main-thread time and slowed the warehouse's creation beside them (migrations 0.14 → 0.39 s); on
 * the thread, the bulk path's staging starts 0.13–0.15 s sooner and the whole ingest ends 0.1 s sooner.
 *
 * @module
 */
import { rmSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { workerBeside } from '../../domain/worker-script.js';
import { CsvScan } from './csv-bulk/csv-byte-scan.js';
import type { Digest } from './file-digest.js';
import type { HashReply, HashRequest } from './hash-thread-protocol.js';

export const hashThreadSettings = {
  /** Files at least this large are hashed on the thread (a smaller one is hashed before a thread would have started). */
  minBytes: 4 * 1024 * 1024,
  /** `FIRESTAT_HASH_THREAD=off`: every file is hashed on the calling thread. */
  enabled: process.env.FIRESTAT_HASH_THREAD !== 'off',
};

/** What the thread did (tests look at it). */
export const hashThreadStats = { started: 0, hashed: 0, failures: 0 };

/** The thread is gone (it could not start, or exited): the caller hashes the file itself. */
export class HashThreadGone extends Error {}

type Success = Extract<HashReply, { sha256: string }>;

interface Pending {
  readonly resolve: (r: Success) => void;
  readonly reject: (e: Error) => void;
  /** The GB18030 copy's folder, once the thread has made it: removed here if no reply comes. */
  copyDir?: string;
}

interface Thread {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  /** Ends the thread once it has been idle this long (the scheduler's process lives between nights). */
  idle?: NodeJS.Timeout;
}

/** How long an idle thread is kept for the next file. */
const idleMs = 30_000;

let thread: Thread | undefined;
let nextId = 0;

function start(): Thread {
  let worker: Worker;
  try {
    worker = workerBeside(import.meta.url, 'pipelines/ingest', 'hash-thread-worker');
  } catch (e) {
    hashThreadStats.failures++;
    throw new HashThreadGone(`hashing thread could not start: ${e instanceof Error ? e.message : String(e)}`);
  }
  hashThreadStats.started++;
  const t: Thread = { worker, pending: new Map() };
  worker.unref();
  const fail = (why: HashThreadGone) => {
    if (thread !== t) return;
    thread = undefined;
    hashThreadStats.failures++;
    for (const p of t.pending.values()) {
      // A copy half written by a thread that died: nobody else knows its folder.
      if (p.copyDir) rmSync(p.copyDir, { recursive: true, force: true });
      p.reject(why);
    }
    t.pending.clear();
  };
  worker.on('message', (m: HashReply) => {
    const p = t.pending.get(m.id);
    if ('copyDir' in m) {
      if (p) p.copyDir = m.copyDir;
      else rmSync(m.copyDir, { recursive: true, force: true });
      return;
    }
    if (!p) {
      // A reply nobody waits for any more (its thread was given up): its copy is removed.
      if ('scan' in m && m.scan?.gb) rmSync(m.scan.gb.dir, { recursive: true, force: true });
      return;
    }
    t.pending.delete(m.id);
    if (t.pending.size === 0) {
      worker.unref();
      t.idle = setTimeout(() => {
        if (thread !== t || t.pending.size) return;
        // Gone on purpose: not a failure (see `fail`).
        thread = undefined;
        void worker.terminate();
      }, idleMs).unref();
    }
    if ('error' in m) p.reject(Object.assign(new Error(m.error), m.code ? { code: m.code } : {}));
    else p.resolve(m);
  });
  worker.on('error', (e) => fail(new HashThreadGone(`hashing thread failed: ${e.message}`)));
  worker.on('exit', (code) => fail(new HashThreadGone(`hashing thread exited (code ${code})`)));
  return t;
}

/**
 * The digest of the file at `path` (and, with `scan`, its bytes checked for the CSV bulk path),
 * worked out on the hashing thread. Rejects with the read's own error (the file could not be read),
 * or with {@link HashThreadGone}.
 */
export async function digestOnThread(path: string, scan: boolean): Promise<Digest & { readonly scan?: CsvScan }> {
  if (hashThreadStats.failures >= 2) throw new HashThreadGone('the hashing thread failed twice');
  thread ??= start();
  const t = thread;
  const id = ++nextId;
  clearTimeout(t.idle);
  const reply = await new Promise<Success>((resolve, reject) => {
    t.pending.set(id, { resolve, reject });
    t.worker.ref();
    // FIRESTAT_HASH_THREAD_EXIT=request|copy (tests): the thread exits on this request, as if it had died.
    const exit = process.env.FIRESTAT_HASH_THREAD_EXIT;
    t.worker.postMessage({ id, path, scan, ...(exit === 'request' || exit === 'copy' ? { exit } : {}) } satisfies HashRequest);
  });
  hashThreadStats.hashed++;
  const head = Buffer.from(reply.head.buffer, reply.head.byteOffset, reply.head.byteLength);
  return { sha256: reply.sha256, head, ...(reply.scan ? { scan: new CsvScan(reply.scan) } : {}) };
}
