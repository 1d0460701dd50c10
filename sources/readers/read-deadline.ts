import { ReadError } from './reader.js';
import type { ReadLimits } from './reader.js';

/**
 * The part of the read budget every platform has: the read's deadline (`ReadLimits.deadline`).
 * The Node readers add the heap guard on top (`read-budget.ts`, which needs `node:v8`); the
 * self-check page in the browser has only this.
 */

/** Stops the read when its deadline has passed. */
export function checkDeadline(limits: Pick<ReadLimits, 'deadline'>): void {
  if (limits.deadline !== undefined && Date.now() > limits.deadline) throw readTimeout();
}

function readTimeout(): ReadError {
  return new ReadError('timeout', '读取文件用时超过了处理时限，已停止读取（文件可能过大或结构异常）');
}
