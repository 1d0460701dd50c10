/**
 * The hashing thread (see `hash-thread.ts`): reads each file it is asked for, hashes it and, when
 * asked, scans its bytes for the CSV bulk path, then replies. A GB18030 file's UTF-8 copy is made
 * meanwhile on a thread of its own (`gb-copy-worker.ts`), so that both cores work. Files are read
 * concurrently when several are asked for at once.
 */
import { parentPort } from 'node:worker_threads';
import { workerBeside } from '../../domain/worker-script.js';
import { CsvByteScan, type CsvScanState } from './csv-bulk/csv-byte-scan.js';
import { digestLocalFile } from './file-digest.js';
import type { GbCopyReply, HashReply, HashRequest } from './hash-thread-protocol.js';

/** The copy of the GB18030 file at `path`, made on its own thread; never rejects (no copy: undefined, or only its folder). */
function copyOnThread(path: string, onCopyDir: (dir: string) => void): Promise<CsvScanState['gb']> {
  return new Promise((resolve) => {
    let dir: string | undefined;
    let settled = false;
    const settle = (gb: CsvScanState['gb']) => {
      if (settled) return;
      settled = true;
      resolve(gb ?? (dir ? { dir } : undefined));
    };
    let worker: ReturnType<typeof workerBeside>;
    try {
      worker = workerBeside(import.meta.url, 'pipelines/ingest', 'gb-copy-worker', { workerData: { path } });
    } catch {
      settle(undefined);
      return;
    }
    worker.on('message', (m: GbCopyReply) => {
      if ('copyDir' in m) {
        dir = m.copyDir;
        onCopyDir(m.copyDir);
      } else settle(m.state ?? undefined);
    });
    worker.on('error', () => settle(undefined));
    worker.on('exit', () => settle(undefined));
  });
}

async function reply(request: HashRequest): Promise<HashReply> {
  const onCopyDir = (copyDir: string) => {
    parentPort!.postMessage({ id: request.id, copyDir } satisfies HashReply);
    if (request.exit === 'copy') process.exit(3);
  };
  const scan = request.scan ? new CsvByteScan(onCopyDir, () => copyOnThread(request.path, onCopyDir)) : undefined;
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
