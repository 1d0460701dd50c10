import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { checkDeadline } from './read-deadline.js';
import { ReadError } from './reader.js';
import type { ReadLimits } from './reader.js';

/**
 * The time and memory a read may take, checked inside the readers' loops (every XML or CSV chunk,
 * every 65,536 formula steps), so that one file can neither hold the night past its deadline nor
 * take the process to a V8 out-of-memory abort.
 *
 * The heap guard is the last line of defence: the readers bound what they hold themselves (see
 * `xlsx-xml-bounds.ts`), so it only fires for a path nobody bounded, or a consumer that keeps what
 * it is given. When the old generation passes {@link HEAP_GUARD_FRACTION} of what V8 lets it grow
 * to, a full collection is asked for first (the used size counts garbage too); only a heap still
 * that full stops the read with `ReadError('out_of_memory')`, and the night goes on. Cost: one
 * `getHeapStatistics()` (about 2 µs) per 16–64 KiB chunk.
 */

/** Share of V8's old-generation limit (`--max-old-space-size`) past which the read in hand is stopped. */
const HEAP_GUARD_FRACTION = 0.75;

/** Stops the read when its deadline has passed or the heap is nearly full. */
export function checkReadBudget(limits: Pick<ReadLimits, 'deadline'>): void {
  checkDeadline(limits);
  checkHeap();
}

function checkHeap(): void {
  const line = HEAP_GUARD_FRACTION * oldGenerationLimit();
  // Cheap first: the used size counts the young generation too, so it passes the line first.
  if (getHeapStatistics().used_heap_size < line) return;
  if (oldGenerationUsed() < line) return;
  collectGarbage();
  const after = oldGenerationUsed();
  if (after < line) return;
  const mib = (n: number): number => Math.round(n / 1048576);
  throw new ReadError(
    'out_of_memory',
    `读取该文件占用的内存过多（已用 ${mib(after)} MB，上限 ${mib(oldGenerationLimit())} MB），已停止读取，以免影响其他文件。如一再失败，请拆分文件或删除无关内容后重新报送`,
  );
}

let oldLimit: number | undefined;

/** V8's default young-generation reserve on 64-bit: three 16 MiB semi-spaces (`--max-semi-space-size`). */
const DEFAULT_YOUNG_RESERVE = 48 * 1048576;

/**
 * What V8 lets the old generation grow to (`--max-old-space-size`): the heap limit less the young
 * generation's reserve (two semi-spaces and the new large-object space, one semi-space each),
 * which is never "used" but is a third of the limit of a small heap. The reserve is taken as at
 * least the default: with a smaller one the line is only drawn a little early.
 */
function oldGenerationLimit(): number {
  if (oldLimit === undefined) {
    const newLarge = getHeapSpaceStatistics().find((space) => space.space_name === 'new_large_object_space');
    const semiSpace = newLarge ? newLarge.space_size + newLarge.space_available_size : 0;
    oldLimit = getHeapStatistics().heap_size_limit - Math.max(DEFAULT_YOUNG_RESERVE, 3 * semiSpace);
  }
  return oldLimit;
}

function oldGenerationUsed(): number {
  let used = 0;
  for (const space of getHeapSpaceStatistics()) {
    if (space.space_name !== 'new_space' && space.space_name !== 'new_large_object_space') used += space.space_used_size;
  }
  return used;
}

let gc: (() => void) | undefined;

/** A full collection, so that garbage is not taken for a full heap (asked for only past the guard's line). */
function collectGarbage(): void {
  if (!gc) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) gc = exposed;
    else {
      // The documented way to reach V8's collector without starting node with --expose-gc.
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    }
  }
  gc();
}
