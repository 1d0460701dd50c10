/**
 * The CSV bulk path against the JS path on the CSV fixtures, the real-world CSV corpus and fuzzed
 * ledgers (see \`csv-bulk-differential.test.ts\`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Prng } from '../../sources/sample/prng.js';
import { mutate } from '../fuzz/mutator.js';
import { csvText, expectSame, ledger, rel, restoreBulkModeAfterAll, utf8 } from '../support/bulk-diff.js';
import { filesUnder } from '../support/files.js';
import { fixturesDir } from '../support/ingest-helpers.js';

restoreBulkModeAfterAll();

describe('CSV bulk path = JS path: fixtures, corpus, fuzz', () => {
  it('the CSV fixtures and the real-world CSV corpus', async () => {
    const fixtures = filesUnder(fixturesDir).filter((p) => p.endsWith('.csv') && !p.includes('/expected'));
    const corpus = join(fixturesDir, '..', 'corpus', 'real-world');
    const files = [
      ...fixtures.map((p) => ({ rel: relative(fixturesDir, p).split('/').slice(1).join('/'), bytes: readFileSync(p) })),
      ...readdirSync(corpus)
        .filter((n) => n.endsWith('.csv'))
        .map((n) => ({ rel: `2024Q1/龙兴镇/${n}`, bytes: readFileSync(join(corpus, n)) })),
    ];
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) await expectSame([f]);
  }, 120_000);

  it('fuzzed ledgers', async () => {
    const base = utf8(csvText(ledger(9, 70, 0.15)));
    let used = 0;
    for (let seed = 1; seed <= 24; seed++) {
      const rng = new Prng(seed, 'bulk-fuzz');
      const { bytes } = await mutate(base, false, rng);
      used += (await expectSame([{ rel, bytes }])).used;
    }
    // Most mutants keep a readable ledger: the bulk path must have taken some of them.
    expect(used).toBeGreaterThan(5);
  }, 120_000);
});
