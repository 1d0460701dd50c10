import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import iconv from 'iconv-lite';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { csvBulkSettings } from '../../pipelines/ingest/csv-bulk/csv-bulk-load.js';
import { HashAhead, hashFile, releaseBytes } from '../../pipelines/ingest/file-hash.js';
import { hashThreadSettings, hashThreadStats } from '../../pipelines/ingest/hash-thread.js';
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
        expect(early!.scan?.state.lf).toBe(now.scan?.state.lf);
        expect(early!.scan?.state.lf).toBeGreaterThan(1000);
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

describe('the hashing thread', () => {
  /** Runs `fn` with every CSV scanned for the bulk path and every file on disk hashed on the thread. */
  async function onThread<T>(fn: () => Promise<T>): Promise<T> {
    const saved = [csvBulkSettings.minBytes, hashThreadSettings.minBytes] as const;
    csvBulkSettings.minBytes = 0;
    hashThreadSettings.minBytes = 0;
    try {
      return await fn();
    } finally {
      [csvBulkSettings.minBytes, hashThreadSettings.minBytes] = saved;
    }
  }

  async function listed(files: Record<string, Buffer | string>): Promise<Record<string, SourceFile>> {
    const dir = tempDir('firestat-hash-thread-');
    dirs.push(dir);
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    const out: Record<string, SourceFile> = {};
    for await (const f of new FolderInbox(dir).list()) out[f.path] = f;
    return out;
  }

  it('gives each file the hash, first bytes and byte scan the calling thread gives', async () => {
    const text = `单位,日期,隐患描述\r\n${'某某镇,2024-01-02,安全出口（第３处）上锁\r\n'.repeat(30_000)}`;
    const files = await listed({
      'crlf.csv': text,
      'lf.csv': text.replace(/\r\n/g, '\n'),
      'blank.csv': text.replace('上锁\r\n', '上锁\r\n\r\n'),
      'lone-cr.csv': text.replace('上锁\r\n', '上锁\r'),
      'gb.csv': iconv.encode(text, 'gb18030'),
      'odd.csv': Buffer.concat([iconv.encode(text, 'gb18030'), Buffer.from([0xa6, 0xd9, 0x0d, 0x0a])]),
      'note.txt': text,
    });
    await onThread(async () => {
      const before = hashThreadStats.hashed;
      for (const f of Object.values(files)) {
        const threaded = await hashFile(f);
        hashThreadSettings.enabled = false;
        const here = await hashFile(f).finally(() => {
          hashThreadSettings.enabled = true;
        });
        try {
          expect(threaded.sha256, f.path).toBe(sha(f.localPath!));
          expect(threaded.sha256, f.path).toBe(here.sha256);
          expect(threaded.head.equals(here.head), f.path).toBe(true);
          const { gb: gbThreaded, ...scanThreaded } = threaded.scan?.state ?? {};
          const { gb: gbHere, ...scanHere } = here.scan?.state ?? {};
          expect(scanThreaded, f.path).toEqual(scanHere);
          expect(threaded.scan?.gbCopy?.differs, f.path).toBe(here.scan?.gbCopy?.differs);
          expect(threaded.scan?.gbCopy?.fullWidth, f.path).toEqual(here.scan?.gbCopy?.fullWidth);
          if (!here.scan?.gbCopy?.differs && here.scan?.gbCopy) expect(readFileSync(threaded.scan!.gbCopy!.path, 'utf8')).toBe(text);
          expect(Boolean(gbThreaded), f.path).toBe(Boolean(gbHere));
        } finally {
          await releaseBytes(threaded);
          await releaseBytes(here);
        }
        if (threaded.scan?.state.gb) expect(existsSync(threaded.scan.state.gb.dir)).toBe(false);
      }
      expect(hashThreadStats.hashed - before).toBe(Object.keys(files).length);
      // What tells the files apart came through.
      const scans = Object.fromEntries(await Promise.all(Object.entries(files).map(async ([k, f]) => [k, (await hashFile(f)).scan?.state] as const)));
      expect(scans['crlf.csv']).toMatchObject({ crlf: true, fullWidth: [0xff08, 0xff09, 0xff13] });
      expect(scans['crlf.csv']!.bad).toBeUndefined();
      expect(scans['lf.csv']).toMatchObject({ crlf: false });
      expect(scans['blank.csv']!.bad).toBe('blank line inside the file');
      expect(scans['lone-cr.csv']!.bad).toBe('lone CR');
      expect(scans['note.txt']).toBeUndefined();
      for (const s of Object.values(scans)) if (s?.gb) rmSync(s.gb.dir, { recursive: true, force: true });
    });
  });

  it('says why a file it cannot read could not be read, and stays', async () => {
    const files = await listed({ 'gone.csv': 'a,b\n1,2\n', 'here.csv': 'a,b\n3,4\n' });
    rmSync(files['gone.csv']!.localPath!);
    await onThread(async () => {
      const started = hashThreadStats.started;
      await expect(hashFile(files['gone.csv']!)).rejects.toThrow(/ENOENT/);
      expect((await hashFile(files['here.csv']!)).sha256).toBe(sha(files['here.csv']!.localPath!));
      expect(hashThreadStats.started).toBe(started);
    });
  });

  it('gone while writing a GB18030 copy: the copy is removed, the calling thread makes its own', async () => {
    const text = `单位,日期,隐患描述\r\n${'某某镇,2024-01-02,安全出口（第３处）上锁\r\n'.repeat(20_000)}`;
    const files = await listed({ 'gb.csv': iconv.encode(text, 'gb18030') });
    const copies = () => new Set(readdirSync(tmpdir()).filter((d) => d.startsWith('firestat-csv-')));
    await onThread(async () => {
      const before = { ...hashThreadStats };
      const existing = copies();
      process.env.FIRESTAT_HASH_THREAD_EXIT = 'copy';
      let gb: Awaited<ReturnType<typeof hashFile>>;
      try {
        gb = await hashFile(files['gb.csv']!);
      } finally {
        delete process.env.FIRESTAT_HASH_THREAD_EXIT;
      }
      expect(hashThreadStats.failures).toBe(before.failures + 1);
      hashThreadStats.failures = before.failures;
      expect(readFileSync(gb.scan!.gbCopy!.path, 'utf8')).toBe(text);
      // Only the calling thread's copy is left, and it goes with the hash.
      expect([...copies()].filter((d) => !existing.has(d))).toHaveLength(1);
      await releaseBytes(gb);
      expect([...copies()].filter((d) => !existing.has(d))).toEqual([]);
    });
  });

  it('gone mid-file, leaves the file to the calling thread; the next file starts it again', async () => {
    const files = await listed({ 'a.csv': 'a,b\n1,2\n', 'b.csv': 'a,b\n3,4\n' });
    await onThread(async () => {
      const before = { ...hashThreadStats };
      process.env.FIRESTAT_HASH_THREAD_EXIT = 'request';
      try {
        const a = await hashFile(files['a.csv']!);
        expect(a.sha256).toBe(sha(files['a.csv']!.localPath!));
        expect(a.scan?.state.lf).toBe(2);
      } finally {
        delete process.env.FIRESTAT_HASH_THREAD_EXIT;
      }
      expect(hashThreadStats.failures).toBe(before.failures + 1);
      expect(hashThreadStats.hashed).toBe(before.hashed);
      hashThreadStats.failures = before.failures;
      expect((await hashFile(files['b.csv']!)).sha256).toBe(sha(files['b.csv']!.localPath!));
      expect(hashThreadStats.hashed).toBe(before.hashed + 1);
      expect(hashThreadStats.started).toBeGreaterThan(before.started);
    });
  });
});
