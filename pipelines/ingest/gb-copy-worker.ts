/**
 * A GB18030 file's UTF-8 copy for the CSV bulk path, made on a thread of its own beside the hashing
 * thread (`hash-thread-worker.ts`), which starts it: the transcoding (0.6 s for 150 MB) and the hash
 * and byte scan (0.3 s) then run on both cores instead of one after the other. It reads the file
 * itself (from the page cache: the hashing thread reads it at the same time), tells the folder of
 * the copy as soon as it is made, then the copy's state; a failure makes no copy (the bulk path then
 * makes one on the main thread, or steps aside).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { GbCopy } from './csv-bulk/csv-byte-scan.js';
import { readLocalChunks } from './file-digest.js';
import type { GbCopyReply } from './hash-thread-protocol.js';

const { path } = workerData as { path: string };
const post = (m: GbCopyReply) => parentPort!.postMessage(m);
const copy = new GbCopy((copyDir) => post({ copyDir }));
try {
  await readLocalChunks(path, (chunk) => copy.write(chunk));
  await copy.end();
  post({ state: copy.state() ?? null });
} catch {
  // The folder (if any) goes back with the reply: its remover is the hashing thread's caller.
  post({ state: copy.state() ?? null });
}
