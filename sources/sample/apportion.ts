import type { Prng } from './prng.js';

/**
 * Splits a whole-number total over weights so that the parts are whole numbers summing exactly
 * to the total (largest remainder; ties go to the earlier weight).
 */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  if (weights.length === 0) throw new Error('apportion over no weights');
  if (sum <= 0) {
    const parts = weights.map(() => 0);
    parts[0] = total;
    return parts;
  }
  const exact = weights.map((w) => (total * w) / sum);
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((s, p) => s + p, 0);
  const order = exact.map((x, i) => ({ i, rem: x - Math.floor(x) })).sort((a, b) => b.rem - a.rem || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    parts[i] = (parts[i] ?? 0) + 1;
    left--;
  }
  return parts;
}

/** Like {@link apportion}, after giving every part `minimum` first. */
export function apportionWithMinimum(total: number, weights: readonly number[], minimum: number): number[] {
  const floor = minimum * weights.length;
  if (total < floor) throw new Error(`cannot give ${weights.length} parts at least ${minimum} from ${total}`);
  return apportion(total - floor, weights).map((p) => p + minimum);
}

/** Weights jittered by ±`spread` (multiplicative), so that allocations look less regular. */
export function jitter(rng: Prng, weights: readonly number[], spread: number): number[] {
  return weights.map((w) => w * (1 - spread + rng.next() * 2 * spread));
}

/** Draws `total` items one at a time into the weighted bins (a multinomial sample). */
export function scatter(rng: Prng, total: number, weights: readonly number[]): number[] {
  const parts = weights.map(() => 0);
  const bins = weights.map((w, i) => [i, w] as const);
  for (let n = 0; n < total; n++) {
    const i = rng.weighted(bins);
    parts[i] = (parts[i] ?? 0) + 1;
  }
  return parts;
}
