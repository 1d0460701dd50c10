/**
 * One Chinese line for a failure the operating system or DuckDB reported in English: what went
 * wrong, at which step and on which file, and what it means for the night's results.
 * `磁盘空间不足，生成输出：写入 /srv/out/xlsx/汇总表-2024-Q1.xlsx 时失败，本次结果未发布`.
 */

const errnoText: Readonly<Record<string, string>> = {
  ENOSPC: '磁盘空间不足',
  EDQUOT: '磁盘配额已用完',
  EACCES: '没有权限',
  EPERM: '操作不被允许（权限不足）',
  EROFS: '文件系统是只读的',
  EIO: '磁盘读写出错',
  EMFILE: '本进程打开的文件过多',
  ENFILE: '系统打开的文件过多',
  ENOMEM: '内存不足',
  ENOENT: '文件或目录不存在',
  ENOTDIR: '路径中有一段不是目录',
  EISDIR: '应为文件的地方是一个目录',
  EEXIST: '文件已存在',
  ENOTEMPTY: '目录不是空的',
  EBUSY: '文件或目录正被占用',
  EXDEV: '不能跨文件系统改名',
  ENAMETOOLONG: '文件名过长',
};

const syscallText: Readonly<Record<string, string>> = {
  open: '打开',
  write: '写入',
  read: '读取',
  close: '写入',
  rename: '改名',
  mkdir: '创建目录',
  unlink: '删除',
  rmdir: '删除目录',
  rm: '删除',
  copyfile: '复制',
  link: '创建',
  scandir: '列出目录',
  stat: '读取',
  lstat: '读取',
  fsync: '写入',
};

/** DuckDB's (English) messages that come from the system, in the order they are tried. */
const duckdbText: readonly (readonly [RegExp, string])[] = [
  [/No space left on device/i, '磁盘空间不足'],
  [/Disk quota exceeded/i, '磁盘配额已用完'],
  [/Read-only file system/i, '文件系统是只读的'],
  [/Permission denied/i, '没有权限'],
  [/Could not set lock on file|Conflicting lock is held/i, '数据仓库正被另一个程序以读写方式打开'],
  [/Too many open files/i, '打开的文件过多'],
  [/Out of Memory Error|Failed to allocate/i, '内存不足'],
  [/not a valid DuckDB database file|Corrupt database|checksum/i, '数据仓库文件已损坏'],
  [/^IO Error/i, '读写文件出错'],
];

/** A path inside a staging folder (`/srv/.out.staging-123-…/data/x.json`) as the reader knows it (`/srv/out/data/x.json`). */
export function displayPath(path: string): string {
  return path.replace(/(^|\/)\.([^/]+)\.staging-[^/]+/g, '$1$2');
}

/**
 * The Chinese line for `error` at `step` ("生成输出", "发布数据仓库" …), ending with `outcome`
 * (default `本次结果未发布`), or undefined when the error is not a system error.
 */
export function systemErrorLine(error: unknown, step: string, outcome = '本次结果未发布'): string | undefined {
  const e = error as (NodeJS.ErrnoException & { dest?: string }) | undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code && errnoText[code]) {
    const verb = (e?.syscall && syscallText[e.syscall]) || '访问';
    const where = e?.path ? `${verb} ${displayPath(e.path)}${e.dest ? ` → ${displayPath(e.dest)}` : ''} 时失败` : `${verb}文件时失败`;
    return `${errnoText[code]}，${step}：${where}，${outcome}`;
  }
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  for (const [pattern, text] of duckdbText) {
    if (pattern.test(message)) {
      const file = /(?:file|database) "([^"]+)"/i.exec(message)?.[1] ?? /'(\/[^']+)'/.exec(message)?.[1];
      return `${text}，${step}${file ? `：访问 ${displayPath(file)} 时` : '时'}失败，${outcome}`;
    }
  }
  return undefined;
}

/** {@link systemErrorLine}, or a plain `<step>时失败：<message>，<outcome>` for any other error. */
export function failureLine(error: unknown, step: string, outcome = '本次结果未发布'): string {
  return systemErrorLine(error, step, outcome) ?? `${step}时失败：${error instanceof Error ? error.message.split('\n')[0] : String(error)}，${outcome}`;
}
