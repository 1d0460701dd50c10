/**
 * A file's SHA-256 and its first bytes, in one read: on the calling thread for a stream, on either
 * thread for a file on disk (`file-hash.ts`, `hash-thread-worker.ts`). No parser, no DuckDB.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { SNIFF_BYTES } from '../../sources/readers/sniff.js';

/** What a read of the whole file gives: its hash, and its first `SNIFF_BYTES` for recognising its format. */
export interface Digest {
  readonly sha256: string;
  readonly head: Buffer;
}

/** Sees every chunk; must not keep it (the next chunk waits for the promise it may return). */
export type ChunkObserver = (chunk: Buffer) => Promise<void> | undefined;

/** The hash and the first bytes of chunks fed in order. */
export class DigestBuilder {
  private readonly hash = createHash('sha256');
  private readonly head = Buffer.alloc(SNIFF_BYTES);
  private headBytes = 0;

  constructor(private readonly observe?: ChunkObserver) {}

  take(buf: Buffer): Promise<void> | undefined {
    this.hash.update(buf);
    if (this.headBytes < SNIFF_BYTES) {
      const part = buf.subarray(0, SNIFF_BYTES - this.headBytes);
      this.head.set(part, this.headBytes);
      this.headBytes += part.length;
    }
    return this.observe?.(buf);
  }

  digest(): Digest {
    return { sha256: this.hash.digest('hex'), head: this.head.subarray(0, this.headBytes) };
  }
}

/**
 * Reads a file on disk through one reused 1 MiB buffer (a 177 MB CSV: 0.14 s, against 0.6 s through
 * a stream's 64 KiB chunks); `take` sees each chunk and must not keep it (the next read waits for the
 * promise it may return).
 */
export async function readLocalChunks(path: string, take: ChunkObserver): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n = (await handle.read(buf, 0, buf.length, null)).bytesRead; n > 0; n = (await handle.read(buf, 0, buf.length, null)).bytesRead) {
      await take(n === buf.length ? buf : buf.subarray(0, n));
    }
  } finally {
    await handle.close();
  }
}

/** The digest of a file on disk (see {@link readLocalChunks}); `observe` sees every chunk too. */
export async function digestLocalFile(path: string, observe?: ChunkObserver): Promise<Digest> {
  const builder = new DigestBuilder(observe);
  await readLocalChunks(path, (chunk) => builder.take(chunk));
  return builder.digest();
}
