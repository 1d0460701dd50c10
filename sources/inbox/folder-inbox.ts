import { createReadStream, type BigIntStats } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import iconv from 'iconv-lite';
import { printable } from '../../domain/printable.js';
import type { Source, SourceFile } from '../source.js';

/** Names people's tools leave beside real files: Excel/WPS lock files, hidden and temp files. */
function isIgnored(name: string): boolean {
  return name.startsWith('~$') || name.startsWith('.') || name.startsWith('~') || name.endsWith('.tmp') || name === 'Thumbs.db' || name === 'desktop.ini';
}

const slash = Buffer.from('/');
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A file name as the folder holds it (bytes), as text: UTF-8 when it is; else GBK, which is what
 * `unzip` leaves of a zip made on a Chinese Windows PC (`龙兴镇统计表.xlsx`); else ASCII with the
 * other bytes shown as `\xNN`. `utf8` says whether the text is the name itself (and so usable as
 * a path string).
 */
export function decodeName(bytes: Buffer): { readonly text: string; readonly utf8: boolean } {
  try {
    return { text: utf8Decoder.decode(bytes), utf8: true };
  } catch {
    /* not UTF-8 */
  }
  const gbk = iconv.decode(bytes, 'gbk');
  if (!gbk.includes('\ufffd') && iconv.encode(gbk, 'gbk').equals(bytes)) return { text: gbk, utf8: false };
  let text = '';
  for (const b of bytes) text += b < 0x80 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return { text, utf8: false };
}

/** A path for a message: control characters escaped, a very long one cut in the middle. */
function shown(path: string): string {
  const p = printable(path);
  return p.length > 160 ? `${p.slice(0, 40)}…${p.slice(-110)}` : p;
}

function errorCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** Why a folder or an entry could not be read, in Chinese, and whether it may pass by itself. */
function explain(e: unknown): { readonly text: string; readonly transient: boolean } {
  switch (errorCode(e)) {
    case 'ENAMETOOLONG':
      return { text: '路径过长，超过操作系统允许的长度（4096 字节）。请把文件移到层级较浅、名称较短的文件夹中', transient: false };
    case 'ELOOP':
      return { text: '链接层层相套，无法解析', transient: false };
    case 'EACCES':
    case 'EPERM':
      return { text: '没有读取权限，请检查文件夹的权限设置', transient: true };
    case 'EIO':
      return { text: '磁盘或网络共享读写出错', transient: true };
    case 'EMFILE':
    case 'ENFILE':
      return { text: '同时打开的文件过多', transient: true };
    default:
      return { text: `读取出错（${errorCode(e) ?? (e instanceof Error ? e.message : String(e))}）`, transient: true };
  }
}

/** A folder to walk: its path as bytes (names are bytes, not always UTF-8) and as shown. */
interface Folder {
  readonly full: Buffer;
  /** Relative to the inbox, `/`-separated; `''` for the inbox itself. */
  readonly path: string;
  /** Every name on the way is UTF-8 (the path string is the real path). */
  readonly utf8: boolean;
  readonly mtime: Date;
}

/** Identity of a folder: device and inode, whatever path or link led to it. */
function identity(info: BigIntStats): string {
  return `${info.dev}:${info.ino}`;
}

/**
 * A folder of submissions at any depth (`inbox/2024Q1/龙兴镇/…`). Excel's `~$` lock files and
 * hidden files are ignored; a link that leads outside the folder is offered with a refusal.
 *
 * Whatever a night brings, the listing goes on and says what it could not read:
 * - names are read as bytes: a name that is not UTF-8 (GBK from a zip made on Windows) is shown
 *   decoded as GBK and read by its bytes;
 * - a folder or entry that cannot be read (a path past the system's limit, no permission, an I/O
 *   error) is offered as one entry naming the folder, with a refusal (for good: too long, link
 *   loop) or a failure (may pass: tried again next run); the rest of the inbox is listed;
 * - folders are walked once each, by device and inode: real folders first, then the folders
 *   that links inside the inbox lead to. A link (or mount) to a folder already walked — `loop ->
 *   ..`, a link to the inbox itself — is offered with a refusal saying so and not followed, so a
 *   listing can neither repeat nor grow without end, and genuine files keep their own paths.
 */
export class FolderInbox implements Source {
  readonly description: string;
  private readonly rootPath: string;

  constructor(root: string) {
    this.description = `收件箱 ${root}`;
    this.rootPath = root.length > 1 ? root.replace(/\/+$/, '') : root;
  }

  async *list(): AsyncIterable<SourceFile> {
    // An inbox that is missing or unreadable as a whole fails the listing (the run says so).
    const rootReal = await realpath(this.rootPath, { encoding: 'buffer' });
    const rootInfo = await stat(this.rootPath, { bigint: true });
    const walked = new Map<string, string>([[identity(rootInfo), '']]);
    const links: Folder[] = [];
    yield* this.walk({ full: Buffer.from(this.rootPath), path: '', utf8: true, mtime: rootInfo.mtime }, rootReal, walked, links);
    // Links to folders, after every real folder (links found on the way are appended).
    for (let i = 0; i < links.length; i++) {
      const link = links[i]!;
      let info: BigIntStats;
      try {
        info = await stat(link.full, { bigint: true });
      } catch (e) {
        yield listingProblem(link.path, link.mtime, `链接“${shown(link.path)}”无法读取：`, e);
        continue;
      }
      const earlier = walked.get(identity(info));
      if (earlier !== undefined) {
        yield refused(link.path, link.mtime, `该链接指向收件箱中已读取的文件夹“${earlier === '' ? '收件箱本身' : shown(earlier)}”，为避免重复读取已跳过`);
        continue;
      }
      walked.set(identity(info), link.path);
      yield* this.walk({ ...link, mtime: info.mtime }, rootReal, walked, links);
    }
  }

  private async *walk(dir: Folder, rootReal: Buffer, walked: Map<string, string>, links: Folder[]): AsyncIterable<SourceFile> {
    let names: Buffer[];
    try {
      names = await readdir(dir.full, { encoding: 'buffer' });
    } catch (e) {
      if (dir.path === '') throw e;
      yield listingProblem(dir.path, dir.mtime, `无法列出文件夹“${shown(dir.path)}”中的文件：`, e);
      return;
    }
    const entries = names.map((name) => ({ name, ...decodeName(name) })).filter((n) => !isIgnored(n.text));
    entries.sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
    for (const entry of entries) {
      const full = Buffer.concat([dir.full, slash, entry.name]);
      const path = dir.path ? `${dir.path}/${entry.text}` : entry.text;
      const utf8 = dir.utf8 && entry.utf8;
      let info: BigIntStats;
      try {
        info = await lstat(full, { bigint: true });
      } catch (e) {
        if (errorCode(e) === 'ENOENT') continue; // gone since the folder was listed
        yield listingProblem(path, dir.mtime, `文件夹“${dir.path ? shown(dir.path) : '收件箱'}”中的“${shown(entry.text)}”无法读取：`, e);
        continue;
      }
      if (info.isSymbolicLink()) {
        let target: Buffer;
        try {
          target = await realpath(full, { encoding: 'buffer' });
        } catch {
          yield refused(path, info.mtime, '链接指向的文件不存在');
          continue;
        }
        if (!inside(target, rootReal)) {
          yield refused(path, info.mtime, '该文件是指向收件箱以外位置的链接，出于安全考虑不予读取');
          continue;
        }
        let targetInfo: BigIntStats;
        try {
          targetInfo = await stat(full, { bigint: true });
        } catch (e) {
          yield listingProblem(path, info.mtime, `链接“${shown(path)}”无法读取：`, e);
          continue;
        }
        if (targetInfo.isDirectory()) links.push({ full, path, utf8, mtime: info.mtime });
        else if (targetInfo.isFile()) yield offered(path, full, utf8, targetInfo);
        continue;
      }
      if (info.isDirectory()) {
        const earlier = walked.get(identity(info));
        if (earlier !== undefined) {
          yield refused(
            path,
            info.mtime,
            `该文件夹与收件箱中已读取的“${earlier === '' ? '收件箱本身' : shown(earlier)}”是同一位置（挂载或链接），为避免重复读取已跳过`,
          );
          continue;
        }
        walked.set(identity(info), path);
        yield* this.walk({ full, path, utf8, mtime: info.mtime }, rootReal, walked, links);
      } else if (info.isFile()) {
        yield offered(path, full, utf8, info);
      }
    }
  }
}

/** Is `target` the inbox or inside it (both real paths)? */
function inside(target: Buffer, rootReal: Buffer): boolean {
  if (target.equals(rootReal)) return true;
  const prefix = rootReal.length > 0 && rootReal[rootReal.length - 1] === 0x2f ? rootReal : Buffer.concat([rootReal, slash]);
  return target.length > prefix.length && target.subarray(0, prefix.length).equals(prefix);
}

function offered(path: string, full: Buffer, utf8: boolean, info: BigIntStats): SourceFile {
  return {
    path,
    // Readers that need random access use the path; a name that is not UTF-8 is read by its bytes (through `open`).
    ...(utf8 ? { localPath: full.toString('utf8') } : {}),
    bytes: Number(info.size),
    modifiedAt: info.mtime,
    receivedAt: info.mtime,
    open: () => createReadStream(full),
  };
}

function refused(path: string, mtime: Date, why: string): SourceFile {
  return {
    path,
    bytes: 0,
    modifiedAt: mtime,
    receivedAt: mtime,
    refusal: why,
    open: () => {
      throw new Error(`${path}: ${why}`);
    },
  };
}

/** An entry of the listing that could not be read: refused for good, or failed for now. */
function listingProblem(path: string, mtime: Date, what: string, e: unknown): SourceFile {
  const { text, transient } = explain(e);
  const message = `${what}${text}`;
  return {
    path,
    bytes: 0,
    modifiedAt: mtime,
    receivedAt: mtime,
    ...(transient ? { failure: message } : { refusal: message }),
    open: () => {
      throw new Error(message);
    },
  };
}
