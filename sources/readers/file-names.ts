/**
 * `path.posix.basename` and `path.posix.extname` without `node:path`, so that the readers' file
 * naming (sheet names of CSV files, extensions) reads the same on Node and in the browser.
 */

/** The last segment of a `/` path (trailing `/`s ignored). */
export function basename(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** The extension of a path's last segment with its dot: `.xlsx`; `''` for `.profile`, `..` or none. */
export function extname(path: string): string {
  const base = basename(path);
  const dot = base.lastIndexOf('.');
  return dot <= 0 || base === '..' ? '' : base.slice(dot);
}
