/**
 * A large CSV's bytes as the bulk path needs them (`csv-bulk-load.ts`), checked while the file is
 * hashed: its line ends, the full-width ASCII it holds, and a GB18030 file's UTF-8 copy. No parser,
 * no DuckDB: the hashing thread (`../hash-thread-worker.ts`) loads this module alone.
 *
 * @module
 */
import { isUtf8 } from 'node:buffer';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tempFolderPrefix } from '../../../domain/temp-folders.js';
import { Gb18030ToUtf8 } from './gb18030-utf8.js';

/** The last two bytes of the chunks seen so far: a character or a line end may be cut by a chunk's end. */
class Carry {
  private prev = -1;
  private prev2 = -1;

  /** Byte `i` of `buf`; for `i` = -1 and -2, the last and second-last byte before it. */
  at(buf: Buffer, i: number): number {
    return i >= 0 ? buf[i]! : i === -1 ? this.prev : this.prev2;
  }

  /** `buf` has been seen. */
  keep(buf: Buffer): void {
    if (buf.length >= 2) {
      this.prev2 = buf[buf.length - 2]!;
      this.prev = buf[buf.length - 1]!;
    } else if (buf.length === 1) {
      this.prev2 = this.prev;
      this.prev = buf[0]!;
    }
  }
}

/**
 * The full-width ASCII characters a UTF-8 file holds (U+FF01–U+FF5E: EF BC 81–BF, EF BD 80–9E),
 * so that SQL folds only those: DuckDB's `translate` costs in proportion to its table, per cell.
 */
class FullWidthScan {
  readonly seen = new Set<number>();
  private readonly carry = new Carry();

  update(buf: Buffer): void {
    const at = (i: number) => this.carry.at(buf, i);
    // A character split across chunks: its lead byte is one of the last two of the previous chunk.
    for (let i = -2; i < 0; i++) if (at(i) === 0xef && i + 2 < buf.length) this.take(at(i + 1), at(i + 2));
    for (let i = buf.indexOf(0xef); i >= 0 && i + 2 < buf.length; i = buf.indexOf(0xef, i + 1)) this.take(buf[i + 1]!, buf[i + 2]!);
    this.carry.keep(buf);
  }

  private take(b1: number, b2: number): void {
    if (b1 === 0xbc && b2 >= 0x81 && b2 <= 0xbf) this.seen.add(0xff00 + b2 - 0x80);
    else if (b1 === 0xbd && b2 >= 0x80 && b2 <= 0x9e) this.seen.add(0xff40 + b2 - 0x80);
  }
}

/** Scans UTF-8 bytes: a blank line before the end, or a CR not followed by LF, shifts DuckDB's record numbers. */
class LineCheck {
  private readonly carry = new Carry();
  private tail = false;
  /** The chunk ended in CR: the next must start with LF (a final CR ends the last record in both readers). */
  private pendingCR = false;
  crlf = 0;
  lf = 0;
  bad: string | undefined;

  update(buf: Buffer): void {
    if (this.bad) return;
    if (this.tail) {
      for (const b of buf) if (b !== 10 && b !== 13) this.bad = 'blank line inside the file';
      return;
    }
    if (this.pendingCR && buf.length && buf[0] !== 10) this.bad = 'lone CR';
    this.pendingCR = false;
    for (let i = buf.indexOf(13); i >= 0; i = buf.indexOf(13, i + 1)) {
      if (i === buf.length - 1) this.pendingCR = true;
      else if (buf[i + 1] !== 10) {
        this.bad = 'lone CR';
        return;
      }
    }
    // A blank line: LF LF or LF CR LF (also across chunk boundaries). Line ends of both kinds
    // (a CRLF file with LF inside quoted cells): DuckDB takes one kind, the JS reader both.
    const at = (i: number) => this.carry.at(buf, i);
    let blank = -1;
    for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) {
      const before = at(i - 1);
      if (before === 13) this.crlf++;
      else this.lf++;
      if (before === 10 || (before === 13 && at(i - 2) === 10)) {
        blank = i;
        break;
      }
    }
    if (this.crlf && this.lf) this.bad = 'both CRLF and LF line ends';
    if (blank >= 0) {
      this.tail = true;
      for (let i = blank + 1; i < buf.length; i++) if (buf[i] !== 10 && buf[i] !== 13) this.bad = 'blank line inside the file';
      return;
    }
    this.carry.keep(buf);
  }
}

/**
 * What the bulk path needs to know of a UTF-8 file's bytes: its line ends (a blank line or a lone CR
 * shifts DuckDB's record numbers) and the full-width ASCII it holds. Fed while the file is hashed, on
 * whichever thread hashes it; {@link result} is what ingest keeps.
 */
export class CsvByteScan {
  /**
   * @param onCopyDir told the folder of a GB18030 copy as soon as it is made (the hashing thread tells the main thread, which removes it if the thread dies)
   * @param copyElsewhere makes a GB18030 file's copy on another thread, which reads the file itself (the hashing thread's way: the two run side by side); it never rejects
   */
  constructor(
    private readonly onCopyDir?: (dir: string) => void,
    private readonly copyElsewhere?: () => Promise<CsvScanState['gb']>,
  ) {}

  private readonly lines = new LineCheck();
  private readonly fullWidth = new FullWidthScan();
  /** A file whose first bytes are not UTF-8 is transcoded from GB18030 while it is hashed (one read, not two)… */
  private gb: GbCopy | undefined;
  /** …or on another thread at the same time. */
  private gbElsewhere: Promise<CsvScanState['gb']> | undefined;
  private gbMadeElsewhere: CsvScanState['gb'];
  private first = true;

  /** Sees the next chunk, which it does not keep; a promise while it writes the GB18030 file's copy. */
  update(chunk: Buffer): Promise<void> | undefined {
    this.lines.update(chunk);
    if (!this.lines.bad) this.fullWidth.update(chunk);
    if (this.first) {
      this.first = false;
      if (maybeGb18030(chunk)) {
        if (this.copyElsewhere) this.gbElsewhere = this.copyElsewhere();
        else this.gb = new GbCopy(this.onCopyDir);
      }
    }
    return this.gb?.write(chunk);
  }

  /** The file has been read to its end (and its copy, if another thread makes it, written). */
  async end(): Promise<void> {
    await this.gb?.end();
    if (this.gbElsewhere) this.gbMadeElsewhere = await this.gbElsewhere;
  }

  /** What the scan found, once the file has been read to its end (the GB18030 copy, if any, is the result's to remove). */
  result(): CsvScan {
    const gb = this.gbElsewhere ? this.gbMadeElsewhere : this.gb?.state();
    return new CsvScan({
      ...(this.lines.bad ? { bad: this.lines.bad } : {}),
      crlf: this.lines.crlf > 0,
      lf: this.lines.lf,
      fullWidth: [...this.fullWidth.seen].sort((a, b) => a - b),
      ...(gb ? { gb } : {}),
    });
  }

  /** Removes the copy (the file could not be read to its end). */
  async dispose(): Promise<void> {
    await this.gb?.dispose();
    const elsewhere = await this.gbElsewhere;
    if (elsewhere) rmSync(elsewhere.dir, { recursive: true, force: true });
  }
}

/** A byte scan's findings as plain data (they cross from the hashing thread). */
export interface CsvScanState {
  /** Why DuckDB's record numbers would not be the JS reader's (a blank line, a lone CR, both line ends). */
  readonly bad?: string;
  /** Line ends are CRLF (else LF). */
  readonly crlf: boolean;
  /** How many line ends. */
  readonly lf: number;
  /** The full-width ASCII characters the file holds (code points, ascending). */
  readonly fullWidth: readonly number[];
  /** The folder of a GB18030 file's UTF-8 copy and, if it was written whole, the copy. */
  readonly gb?: { readonly dir: string; readonly copy?: { readonly path: string; readonly differs: boolean; readonly fullWidth: number[] } };
}

/** A large CSV's bytes as the bulk path needs them, and its UTF-8 copy to remove when the file is done with. */
export class CsvScan {
  constructor(readonly state: CsvScanState) {}

  /** The file as UTF-8, if it was transcoded while hashed (used when the reader, too, reads it as GB18030). */
  get gbCopy(): { readonly path: string; readonly differs: boolean; readonly fullWidth: number[] } | undefined {
    return this.state.gb?.copy;
  }

  /** Removes the copy. */
  async dispose(): Promise<void> {
    if (this.state.gb) rmSync(this.state.gb.dir, { recursive: true, force: true });
  }
}

/**
 * Whether a file starting with `chunk` may be GB18030: it holds bytes over 0x7F and is not UTF-8
 * up to its last line end (nor UTF-16). The reader decides; a copy made for nothing is removed.
 */
function maybeGb18030(chunk: Buffer): boolean {
  if (chunk.length < 2 || (chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff)) return false;
  const lf = chunk.lastIndexOf(10);
  const part = lf > 0 ? chunk.subarray(0, lf) : chunk;
  return part.some((b) => b >= 0x80) && !isUtf8(part);
}

/** A GB18030 file's UTF-8 copy in a temporary folder, written chunk by chunk; any failure only makes it unusable. */
export class GbCopy {
  constructor(private readonly onDir?: (dir: string) => void) {}

  /** Made at the first chunk, inside the `try`: a Node without ICU's GB18030 makes no copy (the JS path reads the file). */
  private transcoder: Gb18030ToUtf8 | undefined;
  private readonly fullWidth = new FullWidthScan();
  private dir: string | undefined;
  private handle: FileHandle | undefined;
  private failed = false;
  private ended = false;

  async write(chunk: Buffer): Promise<void> {
    if (this.failed || this.transcoder?.differs) return;
    try {
      this.transcoder ??= new Gb18030ToUtf8();
      if (!this.handle) {
        this.dir = mkdtempSync(join(tmpdir(), tempFolderPrefix.csv));
        this.onDir?.(this.dir);
        this.handle = await open(join(this.dir, 'body.csv'), 'w');
      }
      const bytes = this.transcoder.write(chunk);
      if (this.transcoder.differs) return;
      this.fullWidth.update(bytes);
      await this.handle.write(bytes);
    } catch {
      this.failed = true;
    }
  }

  async end(): Promise<void> {
    this.transcoder?.end();
    try {
      await this.handle?.close();
    } catch {
      this.failed = true;
    }
    this.handle = undefined;
    this.ended = true;
  }

  /** The folder and, once written whole, the copy: what a scan's result needs to use and remove it. */
  state(): CsvScanState['gb'] {
    if (!this.dir) return undefined;
    const copy = this.done();
    return { dir: this.dir, ...(copy ? { copy } : {}) };
  }

  done(): { path: string; differs: boolean; fullWidth: number[] } | undefined {
    if (!this.ended || this.failed || !this.dir || !this.transcoder) return undefined;
    return { path: join(this.dir, 'body.csv'), differs: this.transcoder.differs, fullWidth: [...this.fullWidth.seen].sort((a, b) => a - b) };
  }

  async dispose(): Promise<void> {
    this.failed = true;
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}
