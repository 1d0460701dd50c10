import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkReadBudget } from './read-budget.js';
import { tempFolderPrefix } from '../../domain/temp-folders.js';
import { ReadError } from './reader.js';
import type { ReadLimits, ReadableFile } from './reader.js';

/** A file on local disk for random access, and how to let go of it. */
export interface LocalCopy {
  readonly path: string;
  cleanup(): Promise<void>;
}

/**
 * The file's local path, or — for files that only come as a stream — a temporary copy
 * (a zip's directory is at its end, so it cannot be read front to back).
 */
export async function localCopyOf(file: ReadableFile, limits: ReadLimits): Promise<LocalCopy> {
  if (file.localPath) return { path: file.localPath, cleanup: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), tempFolderPrefix.xlsx));
  const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });
  const path = join(dir, 'input.xlsx');
  try {
    await pipeline(file.open(), new ByteLimit(limits), createWriteStream(path));
  } catch (err) {
    await cleanup();
    if (err instanceof ReadError) throw err;
    throw new ReadError('corrupt', `无法读取上传的文件内容。（${err instanceof Error ? err.message : String(err)}）`);
  }
  return { path, cleanup };
}

/** Stops the copy past `maxFileBytes` or the read's deadline (a stream that trickles). */
class ByteLimit extends Transform {
  private seen = 0;

  constructor(private readonly limits: ReadLimits) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limits.maxFileBytes) {
      callback(new ReadError('too_large', `文件过大（超过 ${this.limits.maxFileBytes} 字节），请拆分后报送。`));
      return;
    }
    try {
      checkReadBudget(this.limits);
    } catch (err) {
      callback(err as Error);
      return;
    }
    callback(null, chunk);
  }
}
