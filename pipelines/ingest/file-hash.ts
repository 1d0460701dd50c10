/**
 * What ingest needs of a file's bytes before reading it — its SHA-256 (content seen before?), its
 * first bytes (which reader?) and, for a large CSV, the bulk path's byte scan — in one read; and
 * the same worked out ahead, while the run does something else.
 *
 * @module
 */
import type { SourceFile } from '../../sources/source.js';
import { csvBulkMayTake } from './csv-bulk/csv-bulk-load.js';
import { CsvByteScan, type CsvScan } from './csv-bulk/csv-byte-scan.js';
import { DigestBuilder, digestLocalFile, type ChunkObserver, type Digest } from './file-digest.js';
import { digestOnThread, HashThreadGone, hashThreadSettings } from './hash-thread.js';

/** A file's bytes as ingest needs them before reading it. */
export interface FileBytes {
  readonly sha256: string;
  /** The first `SNIFF_BYTES`, for choosing the reader. */
  readonly head: Buffer;
  /** A large CSV's line ends and full-width characters, checked for the bulk path while hashing; undefined for other files. */
  readonly scan: CsvScan | undefined;
}

/**
 * Hashes `file`; a large CSV's bytes are checked for the bulk path in the same read (one read, not
 * two). A large file on disk is hashed on the hashing thread (`hash-thread.ts`), or here if that is gone.
 */
export async function hashFile(file: SourceFile): Promise<FileBytes> {
  const scan = csvBulkMayTake(file);
  if (file.localPath && hashThreadSettings.enabled && file.bytes >= hashThreadSettings.minBytes) {
    try {
      const d = await digestOnThread(file.localPath, scan);
      return { sha256: d.sha256, head: d.head, scan: d.scan };
    } catch (e) {
      if (!(e instanceof HashThreadGone)) throw e;
    }
  }
  const scanner = scan ? new CsvByteScan() : undefined;
  try {
    const { sha256, head } = await digestOf(file, scanner && ((chunk) => scanner.update(chunk)));
    await scanner?.end();
    return { sha256, head, scan: scanner?.result() };
  } catch (e) {
    await scanner?.dispose();
    throw e;
  }
}

/** Lets go of what hashing `bytes` left behind (a GB18030 file's UTF-8 copy). */
export async function releaseBytes(bytes: FileBytes | undefined): Promise<void> {
  await bytes?.scan?.dispose();
}

/** The file's hash and first bytes, on this thread: from disk, or from the source's stream. */
async function digestOf(file: SourceFile, observe?: ChunkObserver): Promise<Digest> {
  if (file.localPath) return digestLocalFile(file.localPath, observe);
  const builder = new DigestBuilder(observe);
  for await (const chunk of file.open()) await builder.take(chunk as Buffer);
  return builder.digest();
}

/** A listed file as a run knows it before reading it: its path, size and time. */
const identity = (f: SourceFile): string => `${f.bytes}\u0000${f.modifiedAt.getTime()}\u0000${f.path}`;

/**
 * Hashes the files a run is about to read, one at a time in the order it reads them, while it does
 * something else: the first while the warehouse is copied and opened (a 177 MB CSV: 0.3 s of the
 * 0.5 s an open takes), each next one while the one before is loaded (DuckDB's work, or the
 * reader's on its own thread). Never more than `ahead` files past the last one taken, so nothing
 * piles up. A file changed since it was listed does not match and is hashed again when read.
 */
export class HashAhead {
  private readonly files: SourceFile[];
  private readonly started = new Map<string, Promise<FileBytes>>();
  /** Index in `files` of the next file to hash, and of the one after the last taken. */
  private next = 0;
  private reached = 0;
  private chain: Promise<unknown> = Promise.resolve();
  /** The run is over: hashes queued but not begun are not begun. */
  private disposed = false;

  /**
   * @param files the files whose bytes the run reads, in the order it reads them (`filesToRead` in `ingest.ts`)
   * @param ahead how many files past the last one taken may be hashed
   */
  constructor(
    files: readonly SourceFile[],
    private readonly ahead = 2,
  ) {
    this.files = files.filter((f) => f.localPath);
    this.pump();
  }

  /** The bytes of `file` if they were worked out (or are being), else undefined: hash it now. */
  take(file: SourceFile): Promise<FileBytes> | undefined {
    const key = identity(file);
    const at = this.files.findIndex((f, i) => i >= this.reached && identity(f) === key);
    if (at < 0) return undefined;
    const bytes = this.started.get(key);
    // Files passed over (read from memory as unchanged, or refused before hashing) are let go.
    for (let i = this.reached; i <= at; i++) {
      const k = identity(this.files[i]!);
      if (i < at) this.release(this.started.get(k));
      this.started.delete(k);
    }
    this.reached = at + 1;
    this.next = Math.max(this.next, this.reached);
    this.pump();
    return bytes;
  }

  /** Lets go of every hash not taken (the run is over). */
  dispose(): void {
    this.disposed = true;
    for (const bytes of this.started.values()) this.release(bytes);
    this.started.clear();
    this.next = this.files.length;
  }

  private release(bytes: Promise<FileBytes> | undefined): void {
    bytes?.then(releaseBytes, () => undefined).catch(() => undefined);
  }

  private pump(): void {
    while (this.next < this.files.length && this.next < this.reached + this.ahead) {
      const file = this.files[this.next++]!;
      const bytes = this.chain.then(() => (this.disposed ? Promise.reject(new Error('the run is over')) : hashFile(file)));
      // Not taken (the run stopped first): nobody is told, the file is hashed again next time.
      bytes.catch(() => undefined);
      this.chain = bytes.catch(() => undefined);
      this.started.set(identity(file), bytes);
    }
  }
}
