import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../dashboards/build.js';
import { JsonPublisher } from '../../dashboards/json-publisher.js';
import { TextPublisher } from '../../dashboards/text-publisher.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { deliver, fixturesDir, memoryWarehouse, runIngest, tempDir } from '../support/ingest-helpers.js';
import { filesUnder } from '../support/files.js';

/** `UPDATE_GOLDEN=1` rewrites the expected outputs (review the diff). */
const update = process.env.UPDATE_GOLDEN === '1';
const expectedDir = join(fixturesDir, 'expected-out');

let warehouse: Warehouse;
let out: string;

beforeAll(async () => {
  const inbox = tempDir();
  deliver('inbox', inbox, new Date('2024-04-08T02:00:00Z'));
  warehouse = await memoryWarehouse();
  await runIngest(warehouse, inbox, join(inbox, '..', 'reports'));
  out = tempDir();
  await build({
    warehouse,
    outDir: out,
    year: 2024,
    generatedAt: '2024-04-20T02:00:00.000Z',
    asOf: '2024-04-20',
    publishers: [new JsonPublisher(), new TextPublisher()],
  });
});

afterAll(async () => {
  await warehouse.close();
});

describe('published JSON and text (golden files)', () => {
  it('match the checked-in outputs exactly', () => {
    const written = filesUnder(out)
      .map((f) => relative(out, f))
      .sort();
    if (update) {
      for (const f of written) {
        mkdirSync(dirname(join(expectedDir, f)), { recursive: true });
        writeFileSync(join(expectedDir, f), readFileSync(join(out, f)));
      }
    }
    expect(existsSync(expectedDir)).toBe(true);
    expect(written).toEqual(
      filesUnder(expectedDir)
        .map((f) => relative(expectedDir, f))
        .sort(),
    );
    for (const f of written) expect(readFileSync(join(out, f), 'utf8'), f).toBe(readFileSync(join(expectedDir, f), 'utf8'));
  });

  it('are byte-identical when rebuilt, apart from the generation time', async () => {
    const again = tempDir();
    await build({
      warehouse,
      outDir: again,
      year: 2024,
      generatedAt: '2024-04-21T09:30:00.000Z',
      asOf: '2024-04-20',
      publishers: [new JsonPublisher(), new TextPublisher()],
    });
    for (const f of filesUnder(out).map((x) => relative(out, x))) {
      const a = readFileSync(join(out, f), 'utf8');
      const b = readFileSync(join(again, f), 'utf8').replaceAll('2024-04-21T09:30:00.000Z', '2024-04-20T02:00:00.000Z');
      expect(b, f).toBe(a);
    }
  });

  it('say where the year-end figures come from and hold no personal data', () => {
    const year = JSON.parse(readFileSync(join(out, 'data/year-2024.json'), 'utf8'));
    expect(year.sources.map((s: { path: string }) => s.path)).toContain('2024Q1/大湾镇2024一季度统计.csv');
    const all = filesUnder(out)
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    // The fixture ledger's person party and the phone numbers in the notes under the tables.
    for (const secret of ['张某', '13812345678', '023-67891234', '王小明', '赵六']) expect(all).not.toContain(secret);
  });
});
