import { existsSync } from 'node:fs';
import { shanghaiTimestamp, type Clock } from '../../domain/clock.js';
import { SubmissionStore } from '../../warehouse/load/submission-store.js';
import { withWorkingCopy } from '../../warehouse/working-copy.js';
import { acquireRunLock } from '../run/run-lock.js';

/** A request that cannot be made (no such submission or path); the message is Chinese. */
export class ReprocessError extends Error {
  override readonly name = 'ReprocessError';
}

export interface ReprocessOptions {
  readonly warehousePath: string;
  /** The file of this submission (`submissions.submission_id`). */
  readonly submissionId?: number;
  /** Or the file at this path, as the warehouse shows it (`2024Q1/龙兴镇/统计表.xlsx`). */
  readonly path?: string;
  readonly clock: Clock;
  /** How long to wait for a run holding the lock (ms). Default 5000. */
  readonly lockWaitMs?: number;
}

/**
 * `firestat reprocess`: asks the next run (`firestat run` or `firestat ingest`) to read the file
 * at a path again, whatever it remembers of it — a refusal, a failure given up after its last
 * try, or bytes it has seen before. The request is written like a run writes: under the run lock,
 * into a working copy published by rename; the run that reads the file marks it done.
 */
export async function requestReprocess(options: ReprocessOptions): Promise<{ path: string; submissionId: number | null }> {
  if ((options.submissionId === undefined) === (options.path === undefined)) throw new ReprocessError('请给出 --submission 编号或 --path 路径（二者选一）');
  if (!existsSync(options.warehousePath)) throw new ReprocessError(`数据仓库文件不存在：${options.warehousePath}`);
  const lock = await acquireRunLock(`${options.warehousePath}.lock`, options.lockWaitMs ?? 5_000, options.clock);
  try {
    return await withWorkingCopy(options.warehousePath, async (warehouse) => {
      const store = new SubmissionStore(warehouse);
      let path: string;
      if (options.submissionId !== undefined) {
        const found = await store.submissionPath(options.submissionId);
        if (found === undefined) throw new ReprocessError(`数据仓库中没有编号为 ${options.submissionId} 的报送文件`);
        path = found;
      } else {
        path = options.path!.replace(/\\/g, '/').replace(/^\.\//, '');
        if (!(await store.pathSeen(path)))
          throw new ReprocessError(`数据仓库没有见过路径为“${path}”的文件（路径应与 submissions.path 中的写法一致，如 2024Q1/龙兴镇/统计表.xlsx）`);
      }
      await store.requestReprocess(path, options.submissionId ?? null, shanghaiTimestamp(options.clock()));
      return { path, submissionId: options.submissionId ?? null };
    });
  } finally {
    await lock.release();
  }
}
