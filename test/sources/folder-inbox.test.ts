import { mkdirSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeName, FolderInbox } from '../../sources/inbox/folder-inbox.js';
import type { SourceFile } from '../../sources/source.js';
import { queryRows } from '../../warehouse/query.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { t1Header, writeCsv } from '../support/csv-submissions.js';
import { deliverFile, fixturesDir, memoryWarehouse, runIngest, tempDir } from '../support/ingest-helpers.js';

let warehouse: Warehouse | undefined;
afterEach(async () => {
  await warehouse?.close();
  warehouse = undefined;
});

const when = new Date('2024-04-05T02:00:00Z');

/** The whole listing, or an error if it does not end within `ms` (a looping walk never would). */
async function listWithin(inbox: string, ms = 20_000): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  const walk = (async () => {
    for await (const f of new FolderInbox(inbox).list()) {
      files.push(f);
      if (files.length > 10_000) throw new Error('the listing keeps growing');
    }
    return files;
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the listing did not end within ${ms} ms (${files.length} entries so far)`)), ms);
  });
  try {
    return await Promise.race([walk, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function t1(inbox: string, rel: string, unit: string): void {
  writeCsv(inbox, rel, [t1Header, [unit, '2024年第一季度', 10, 2, 1, 0, 0, 0, 0, 0, 1]], when);
}

describe('a bad name does not stop the listing', () => {
  it('reads a file whose name is GBK bytes (unzip of a Windows zip), shown decoded, with the rest of the inbox', async () => {
    const inbox = tempDir();
    t1(inbox, '2024Q1/大湾镇/T1.csv', '大湾镇');
    const folder = join(inbox, '2024Q1', '龙兴镇');
    deliverFile(join(fixturesDir, 'inbox/2024Q1/龙兴镇/龙兴镇2024年一季度统计表.xlsx'), inbox, '2024Q1/龙兴镇/x.xlsx', when);
    const gbkPath = Buffer.concat([Buffer.from(`${folder}/`), Buffer.from(iconv.encode('龙兴镇统计表.xlsx', 'gbk'))]);
    renameSync(join(folder, 'x.xlsx'), gbkPath);
    utimesSync(gbkPath, when, when);

    warehouse = await memoryWarehouse();
    const r = await runIngest(warehouse, inbox, join(inbox, '..', 'reports'));
    const byPath = Object.fromEntries(r.outcomes.map((o) => [o.path, o]));
    expect(byPath['2024Q1/龙兴镇/龙兴镇统计表.xlsx']).toMatchObject({ status: 'loaded', unit: '龙兴镇', form: 'T1' });
    expect(byPath['2024Q1/大湾镇/T1.csv']).toMatchObject({ status: 'loaded', unit: '大湾镇' });
    // The next night it is one lookup like any other file.
    const again = await runIngest(warehouse, inbox, join(inbox, '..', 'reports'));
    expect(again.counts).toMatchObject({ files_seen: 2, files_unchanged: 2 });
  });

  it('shows names as UTF-8, else GBK, else with the bytes escaped', () => {
    expect(decodeName(Buffer.from('龙兴镇.xlsx'))).toEqual({ text: '龙兴镇.xlsx', utf8: true });
    expect(decodeName(Buffer.from(iconv.encode('龙兴镇.xlsx', 'gbk')))).toEqual({ text: '龙兴镇.xlsx', utf8: false });
    expect(decodeName(Buffer.from([0x61, 0xff, 0x62]))).toEqual({ text: 'a\\xffb', utf8: false });
  });

  it('records a folder past the system path limit as one refused entry naming the folder, and loads the rest', async () => {
    const base = tempDir();
    const inbox = join(base, 'inbox');
    t1(inbox, '2024Q1/大湾镇/T1.csv', '大湾镇');
    // A chain deeper than PATH_MAX (4096 bytes): every call below uses a path shorter than that —
    // the deep part is built beside the inbox and moved into place by one rename.
    const segment = 'd'.repeat(200);
    let deep = join(inbox, 'deep');
    while (deep.length < 3000) deep = join(deep, segment);
    mkdirSync(deep, { recursive: true });
    let tail = join(base, 'tail');
    while (tail.length < join(base, 'tail').length + 1600) tail = join(tail, segment);
    mkdirSync(tail, { recursive: true });
    writeCsv(tail, 'T1.csv', [t1Header, ['龙兴镇', '2024年第一季度', 1, 1, 1, 0, 0, 0, 0, 0, 1]], when);
    renameSync(join(base, 'tail'), join(deep, 'tail'));
    try {
      const listed = await listWithin(inbox);
      const problem = listed.find((f) => f.path.startsWith('deep/'))!;
      // The first entry whose full path is past the limit; the folder holding it is named.
      expect(problem.path.startsWith(`${deep.slice(inbox.length + 1)}/tail/`)).toBe(true);
      expect(Buffer.byteLength(join(inbox, problem.path))).toBeGreaterThanOrEqual(4096);
      expect(problem.refusal).toMatch(/^文件夹“deep\/d+…[d/]+”中的“d+…d+”无法读取：路径过长/);
      expect(listed.filter((f) => f.path.startsWith('deep/'))).toHaveLength(1);

      warehouse = await memoryWarehouse();
      const r = await runIngest(warehouse, inbox, join(base, 'reports'));
      expect(r.outcomes.find((o) => o.path === '2024Q1/大湾镇/T1.csv')).toMatchObject({ status: 'loaded' });
      const refused = r.outcomes.find((o) => o.path.startsWith('deep/'));
      expect(refused).toMatchObject({ status: 'rejected' });
      expect(refused?.reason).toContain('路径过长');
      const { rows } = await queryRows(warehouse, `SELECT count(*) AS n FROM submissions WHERE status = 'rejected' AND reason LIKE '%路径过长%'`);
      expect(rows).toEqual([{ n: 1 }]);
    } finally {
      // Bring the deep part back within reach so it can be removed.
      renameSync(join(deep, 'tail'), join(base, 'tail'));
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('links inside the inbox are followed once', () => {
  it('records and skips links that lead back to folders already walked (loops, the inbox itself)', async () => {
    const inbox = tempDir();
    t1(inbox, '2024Q1/大湾镇/T1.csv', '大湾镇');
    t1(inbox, '2024Q1/龙兴镇/T1.csv', '龙兴镇');
    symlinkSync('..', join(inbox, '2024Q1/大湾镇/loop'));
    symlinkSync('../..', join(inbox, '2024Q1/龙兴镇/loop'));
    // Sorted before the genuine folders: a walk in name order would read the files through it first.
    symlinkSync('.', join(inbox, '0-收件箱'));
    symlinkSync('2024Q1/大湾镇', join(inbox, '0-大湾镇'));
    // A link to a folder that is reached only through it is walked (once).
    mkdirSync(join(inbox, '.archive'));
    t1(inbox, '.archive/2024Q1/古路镇/T1.csv', '古路镇');
    symlinkSync('.archive/2024Q1', join(inbox, '归档'));

    const listed = await listWithin(inbox);
    const refusals = Object.fromEntries(listed.filter((f) => f.refusal).map((f) => [f.path, f.refusal]));
    expect(
      listed
        .filter((f) => !f.refusal)
        .map((f) => f.path)
        .sort(),
    ).toEqual(['2024Q1/大湾镇/T1.csv', '2024Q1/龙兴镇/T1.csv', '归档/古路镇/T1.csv']);
    expect(Object.keys(refusals).sort()).toEqual(['0-大湾镇', '0-收件箱', '2024Q1/大湾镇/loop', '2024Q1/龙兴镇/loop']);
    expect(refusals['0-收件箱']).toContain('收件箱本身');
    expect(refusals['2024Q1/大湾镇/loop']).toContain('“2024Q1”');
    expect(refusals['0-大湾镇']).toContain('“2024Q1/大湾镇”');

    warehouse = await memoryWarehouse();
    const r = await runIngest(warehouse, inbox, join(inbox, '..', 'reports'));
    // The genuine files load under their own paths; nothing is "unchanged" because a link read it first.
    expect(
      r.outcomes
        .filter((o) => o.status === 'loaded')
        .map((o) => o.path)
        .sort(),
    ).toEqual(['2024Q1/大湾镇/T1.csv', '2024Q1/龙兴镇/T1.csv', '归档/古路镇/T1.csv']);
    expect(r.counts).toMatchObject({ files_seen: 7, files_loaded: 3, files_refused: 4, files_unchanged: 0 });
  });

  it('still refuses links that lead out of the inbox', async () => {
    const base = tempDir();
    const inbox = join(base, 'inbox');
    t1(inbox, '2024Q1/大湾镇/T1.csv', '大湾镇');
    writeFileSync(join(base, 'secret.csv'), 'x');
    symlinkSync(join(base, 'secret.csv'), join(inbox, 'secret.csv'));
    symlinkSync(base, join(inbox, 'up'));
    const listed = await listWithin(inbox);
    expect(
      listed
        .filter((f) => f.refusal?.includes('收件箱以外'))
        .map((f) => f.path)
        .sort(),
    ).toEqual(['secret.csv', 'up']);
  });
});
