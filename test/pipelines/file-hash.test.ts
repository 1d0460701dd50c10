import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { csvBulkSettings } from '../../pipelines/ingest/csv-bulk/csv-bulk-load.js';
import { HashAhead, hashFile, releaseBytes } from '../../pipelines/ingest/file-hash.js';
import { sortForReading } from '../../pipelines/ingest/ingest.js';
import { FolderInbox } from '../../sources/inbox/folder-inbox.js';
import type { SourceFile } from '../../sources/source.js';
import { tempDir } from '../support/ingest-helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** An inbox of `n` files of different sizes, listed as a run lists them, in reading order. */
async function inbox(n: number): Promise<{ dir: string; files: SourceFile[] }> {
  const dir = tempDir('firestat-hash-');
  dirs.push(dir);
  for (let i = 0; i < n; i++) writeFileSync(join(dir, `f${i}.csv`), `单位,日期\n${'某某镇,2024-01-02\n'.repeat(1000 * (i + 1))}`);
  const files: SourceFile[] = [];
  for await (const f of new FolderInbox(dir).list()) files.push(f);
  return { dir, files: sortForReading(files, new Date()) };
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('hashes worked out ahead', () => {
  it('are the hashes, first bytes and byte scans of the files as hashing them then gives', async () => {
    const saved = csvBulkSettings.minBytes;
    csvBulkSettings.minBytes = 0; // every CSV gets the bulk path's byte scan
    try {
      const { files } = await inbox(4);
      const ahead = new HashAhead(files, 2);
      for (const f of files) {
        const early = await ahead.take(f);
        const now = await hashFile(f);
        expect(early, f.path).toBeDefined();
        expect(early!.sha256).toBe(sha(f.localPath!));
        expect(early!.sha256).toBe(now.sha256);
        expect(early!.head.equals(now.head)).toBe(true);
        expect(early!.scan?.lines.lf).toBe(now.scan?.lines.lf);
        expect(early!.scan?.lines.lf).toBeGreaterThan(1000);
      }
    } finally {
      csvBulkSettings.minBytes = saved;
    }
  });

  it('never stand for a file changed since it was listed, nor for files passed over', async () => {
    const { dir, files } = await inbox(4);
    const ahead = new HashAhead(files, 4);
    // Let the worker hash everything it may.
    await ahead.take(files[0]!);
    // f1 grows after the listing: the run's own listing sees another size, which was not hashed.
    appendFileSync(files[1]!.localPath!, '某某镇,2024-03-04\n');
    const relisted: SourceFile[] = [];
    for await (const f of new FolderInbox(dir).list()) relisted.push(f);
    const f1 = relisted.find((f) => f.path === files[1]!.path)!;
    expect(f1.bytes).not.toBe(files[1]!.bytes);
    expect(ahead.take(f1)).toBeUndefined();
    // Taking f3 passes over f2 (read from memory, say): f2 is let go.
    expect(await ahead.take(files[3]!)).toMatchObject({ sha256: sha(files[3]!.localPath!) });
    expect(ahead.take(files[2]!)).toBeUndefined();
  });

  it('stay a few files ahead of the one being read', async () => {
    const { files } = await inbox(6);
    const ahead = new HashAhead(files, 2);
    expect(await ahead.take(files[0]!)).toBeDefined();
    expect(await ahead.take(files[1]!)).toBeDefined();
    await new Promise((r) => setTimeout(r, 300));
    // f4 is changed in place (same size and time: the listing cannot tell) while f1 is read: it was
    // not hashed yet, so its hash, when its turn comes, is of what it holds then.
    const f4 = files[4]!.localPath!;
    const before = readFileSync(f4);
    const after = Buffer.from(before.toString('utf8').replace('2024-01-02', '2024-01-03'));
    expect(after.length).toBe(before.length);
    writeFileSync(f4, after);
    utimesSync(f4, files[4]!.modifiedAt, files[4]!.modifiedAt);
    expect(await ahead.take(files[2]!)).toBeDefined();
    expect(await ahead.take(files[3]!)).toBeDefined();
    expect((await ahead.take(files[4]!))!.sha256).toBe(sha(f4));
    expect(sha(f4)).not.toBe(createHash('sha256').update(before).digest('hex'));
  });

  it('turn a GB18030 CSV into UTF-8 in the same read, and let go of the copy with the hash', async () => {
    const saved = csvBulkSettings.minBytes;
    csvBulkSettings.minBytes = 0;
    try {
      const dir = tempDir('firestat-hash-');
      dirs.push(dir);
      const text = `单位,日期,隐患描述\r\n${'某某镇,2024-01-02,安全出口（第３处）上锁\r\n'.repeat(40_000)}`;
      writeFileSync(join(dir, 'gb.csv'), iconv.encode(text, 'gb18030'));
      writeFileSync(join(dir, 'utf8.csv'), text);
      // A code the two decoders read differently (A6D9), late in the file.
      writeFileSync(join(dir, 'odd.csv'), Buffer.concat([iconv.encode(text, 'gb18030'), Buffer.from([0xa6, 0xd9, 0x0d, 0x0a])]));
      const files: Record<string, SourceFile> = {};
      for await (const f of new FolderInbox(dir).list()) files[f.path] = f;

      const gb = await hashFile(files['gb.csv']!);
      const copy = gb.scan!.gbCopy!;
      expect(readFileSync(copy.path, 'utf8')).toBe(text);
      expect(copy.differs).toBe(false);
      // The full-width characters of the copy (（ ） ３), for the bulk path's folding.
      expect(copy.fullWidth).toEqual([0xff08, 0xff09, 0xff13]);
      expect(gb.sha256).toBe(sha(files['gb.csv']!.localPath!));
      await releaseBytes(gb);
      expect(existsSync(copy.path)).toBe(false);

      const utf8 = await hashFile(files['utf8.csv']!);
      expect(utf8.scan!.gbCopy).toBeUndefined();

      const odd = await hashFile(files['odd.csv']!);
      expect(odd.scan!.gbCopy!.differs).toBe(true);
      await releaseBytes(odd);
    } finally {
      csvBulkSettings.minBytes = saved;
    }
  });
});
