/**
 * The hashing thread (see `hash-thread.ts`): reads each file it is asked for, hashes it and, when
 * asked, scans its bytes for the CSV bulk path (writing a GB18030 file's UTF-8 copy), then replies.
 * Files are read concurrently when several are asked for at once.
 */
import { parentPort } from 'node:worker_threads';
import { CsvByteScan } from './csv-bulk/csv-byte-scan.js';
import { digestLocalFile } from './file-digest.js';
import type { HashReply, HashRequest } from './hash-thread-protocol.js';

async function reply(request: HashRequest): Promise<HashReply> {
  const scan = request.scan
    ? new CsvByteScan((copyDir) => {
        parentPort!.postMessage({ id: request.id, copyDir } satisfies HashReply);
        if (request.exit === 'copy') process.exit(3);
      })
    : undefined;
  try {
    const { sha256, head } = await digestLocalFile(request.path, scan && ((chunk) => scan.update(chunk)));
    await scan?.end();
    return { id: request.id, sha256, head, ...(scan ? { scan: scan.result().state } : {}) };
  } catch (e) {
    await scan?.dispose();
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    return { id: request.id, error: e instanceof Error ? e.message : String(e), ...(typeof code === 'string' ? { code } : {}) };
  }
}

parentPort!.on('message', (request: HashRequest) => {
  if (request.exit === 'request') process.exit(3);
  void reply(request).then((r) => parentPort!.postMessage(r));
});
