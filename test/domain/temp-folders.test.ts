import { existsSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { staleTempAgeMs, sweepStaleTempFolders } from '../../domain/temp-folders.js';
import { tempDir } from '../support/ingest-helpers.js';

describe("firestat's temporary folders", () => {
  it('a run removes those a day old and leaves the rest', async () => {
    const dir = tempDir('firestat-sweep-');
    const now = new Date();
    const old = new Date(now.getTime() - staleTempAgeMs - 60_000);
    const recent = new Date(now.getTime() - staleTempAgeMs + 60_000);
    const make = (name: string, at: Date, file = true) => {
      mkdirSync(join(dir, name));
      if (file) writeFileSync(join(dir, name, 'body.csv'), 'x'.repeat(1000));
      utimesSync(join(dir, name), at, at);
    };
    make('firestat-csv-old', old);
    make('firestat-xlsx-old', old);
    make('firestat-accept-old', old, false);
    make('firestat-csv-recent', recent);
    make('someone-elses-old', old);
    writeFileSync(join(dir, 'firestat-csv-a-file'), 'not a folder');
    utimesSync(join(dir, 'firestat-csv-a-file'), old, old);

    const removed = await sweepStaleTempFolders(now, dir);
    expect(removed.sort()).toEqual(['firestat-accept-old', 'firestat-csv-old', 'firestat-xlsx-old']);
    for (const n of removed) expect(existsSync(join(dir, n))).toBe(false);
    for (const n of ['firestat-csv-recent', 'someone-elses-old', 'firestat-csv-a-file']) expect(existsSync(join(dir, n)), n).toBe(true);
    // Nothing there, or no folder at all: nothing to do.
    expect(await sweepStaleTempFolders(now, dir)).toEqual([]);
    expect(await sweepStaleTempFolders(now, join(dir, 'missing'))).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });
});
