import { createReadStream } from 'node:fs';
import { lstat, opendir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Source, SourceFile } from '../source.js';

/** Names people's tools leave beside real files: Excel/WPS lock files, hidden and temp files. */
function isIgnored(name: string): boolean {
  return name.startsWith('~$') || name.startsWith('.') || name.startsWith('~') || name.endsWith('.tmp') || name === 'Thumbs.db' || name === 'desktop.ini';
}

/**
 * A folder of submissions at any depth (`inbox/2024Q1/龙兴镇/…`). Excel's `~$` lock files and
 * hidden files are ignored; a link that leads outside the folder is offered with a refusal.
 */
export class FolderInbox implements Source {
  readonly description: string;

  constructor(private readonly root: string) {
    this.description = `收件箱 ${root}`;
  }

  async *list(): AsyncIterable<SourceFile> {
    const rootReal = await realpath(this.root);
    yield* this.walk(this.root, rootReal);
  }

  private async *walk(dir: string, rootReal: string): AsyncIterable<SourceFile> {
    const entries: string[] = [];
    for await (const entry of await opendir(dir)) {
      if (!isIgnored(entry.name)) entries.push(entry.name);
    }
    entries.sort();
    for (const name of entries) {
      const full = join(dir, name);
      const path = relative(this.root, full).split(sep).join('/');
      const link = await lstat(full);
      if (link.isSymbolicLink()) {
        let target: string;
        try {
          target = await realpath(full);
        } catch {
          yield refused(path, full, link.mtime, '链接指向的文件不存在');
          continue;
        }
        if (target !== rootReal && !target.startsWith(rootReal + sep)) {
          yield refused(path, full, link.mtime, '该文件是指向收件箱以外位置的链接，出于安全考虑不予读取');
          continue;
        }
      }
      const info = await stat(full);
      if (info.isDirectory()) {
        yield* this.walk(full, rootReal);
      } else if (info.isFile()) {
        yield {
          path,
          localPath: full,
          bytes: info.size,
          modifiedAt: info.mtime,
          receivedAt: info.mtime,
          open: () => createReadStream(full),
        };
      }
    }
  }
}

function refused(path: string, full: string, mtime: Date, why: string): SourceFile {
  return {
    path,
    bytes: 0,
    modifiedAt: mtime,
    receivedAt: mtime,
    refusal: why,
    open: () => {
      throw new Error(`${full}: ${why}`);
    },
  };
}
