import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/ingest-helpers.js';
import { fuzzRound } from './fuzz-run.js';

/** Fixed seeds in CI; `npm run fuzz` tries random ones. */
const seeds = [1, 2, 3];

describe('seeded fuzzing of valid fixtures', () => {
  it.each(seeds)('seed %i: every mutant is accounted for, nothing crashes or hangs', async (seed) => {
    const o = await fuzzRound(seed, 6, tempDir('firestat-fuzz-'), 120_000);
    expect(o.timedOut).toBe(false);
    expect(o.exitCode, o.stderr).toBe(0);
    expect(o.unaccounted.map((u) => `${u}: ${o.manifest[u]}`)).toEqual([]);
    process.stdout.write(`fuzz seed ${seed}: ${o.mutants} mutants → ${JSON.stringify(o.statuses)}\n`);
  });
});
