import { z } from 'zod';

/**
 * The file listing a township platform exports: JSON, either an array of entries or an object
 * with a `files` array. Each entry:
 *
 * ```json
 * { "name": "龙兴镇2024年第一季度统计表.xlsx", "size": 18234,
 *   "modified": "2024-04-05T10:12:00+08:00", "url": "files/123/download" }
 * ```
 *
 * `name` and `url` are required; `url` may be relative to the listing's address. `size` (bytes)
 * and `modified` (ISO 8601; without a zone it is Beijing time; a date alone is midnight Beijing
 * time) may be left out or `null`: without `modified` a file is downloaded again on every run
 * (conditionally, when the server gave an ETag or Last-Modified) and counts as received when its
 * bytes were first seen. Other keys are ignored.
 */
export interface ListingEntry {
  /** The name as the server wrote it (never used as a path; see `safe-name.ts`). */
  readonly name: string;
  readonly size: number | null;
  readonly modified: Date | null;
  /** Absolute download address. */
  readonly url: URL;
}

/** A URL as shown in messages and logs: no user name, password, query or fragment (they may hold a token). */
export function shownUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** A listing that cannot be used, or a listing request that failed; the message is Chinese. */
export class HttpSourceError extends Error {
  override readonly name = 'HttpSourceError';
}

const isoTime = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/** Parses an ISO 8601 time; no zone means Asia/Shanghai. */
export function parseListingTime(text: string): Date | undefined {
  const m = isoTime.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = m;
  let offset = '+08:00';
  if (zone === 'Z') offset = 'Z';
  else if (zone) offset = zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${frac}${offset}`);
  if (Number.isNaN(date.getTime())) return undefined;
  // `2024-02-30` rolls over silently in Date; refuse it.
  const check = new Date(date.getTime() + (offset === 'Z' ? 0 : offsetMinutes(offset) * 60_000));
  if (check.getUTCDate() !== Number(d) || check.getUTCMonth() + 1 !== Number(mo)) return undefined;
  return date;
}

function offsetMinutes(offset: string): number {
  const sign = offset.startsWith('-') ? -1 : 1;
  return sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
}

const fieldNames: Record<string, string> = {
  name: '文件名（name）',
  size: '文件大小（size）',
  modified: '修改时间（modified）',
  url: '下载地址（url）',
};
const fieldRules: Record<string, string> = {
  name: '应为非空的文字',
  size: '应为不小于 0 的整数（字节数）',
  modified: '应为 ISO 8601 时间，如 2024-04-05T10:12:00+08:00',
  url: '应为文字（绝对地址，或相对于清单地址）',
};

const entrySchema = z.object({
  name: z.string().min(1),
  size: z.number().int().nonnegative().nullable().optional(),
  modified: z
    .string()
    .refine((s) => parseListingTime(s) !== undefined)
    .nullable()
    .optional(),
  url: z.string().min(1),
});

/** Largest listing accepted (bytes); a listing is names and addresses, not data. */
export const maxListingBytes = 16 * 1024 * 1024;
/** Most entries accepted in one listing. */
const maxListingEntries = 100_000;

/**
 * Parses and validates a listing. Throws {@link HttpSourceError} naming the entry and the field
 * at fault (`文件清单 … 第 3 项（“x.xlsx”）缺少下载地址（url）`).
 */
export function parseListing(text: string, listingUrl: URL): ListingEntry[] {
  const where = `文件清单 ${shownUrl(listingUrl)}`;
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\ufeff/, ''));
  } catch (e) {
    const start = text.trim().slice(0, 40).replace(/\s+/g, ' ');
    throw new HttpSourceError(`${where} 不是有效的 JSON（${e instanceof Error ? e.message : String(e)}）；内容开头为“${start}”。请确认清单地址是否正确`);
  }
  const list = Array.isArray(json)
    ? json
    : json !== null && typeof json === 'object' && Array.isArray((json as { files?: unknown }).files)
      ? (json as { files: unknown[] }).files
      : undefined;
  if (!list) throw new HttpSourceError(`${where} 格式不对：应为文件数组，或含有 files 数组的对象`);
  if (list.length > maxListingEntries) throw new HttpSourceError(`${where} 有 ${list.length} 项，超过上限 ${maxListingEntries}`);

  const problems: string[] = [];
  const entries: ListingEntry[] = [];
  const names = new Map<string, number>();
  list.forEach((raw, i) => {
    const parsed = entrySchema.safeParse(raw);
    const rawName =
      raw !== null && typeof raw === 'object' && typeof (raw as { name?: unknown }).name === 'string' ? (raw as { name: string }).name : undefined;
    const label = `第 ${i + 1} 项${rawName ? `（“${rawName.slice(0, 60)}”）` : ''}`;
    if (!parsed.success) {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        problems.push(`${label}不是对象，应写作 {"name": …, "size": …, "modified": …, "url": …}`);
        return;
      }
      for (const issue of parsed.error.issues) {
        const key = String(issue.path[0] ?? '');
        const missing = (raw as Record<string, unknown>)[key] === undefined;
        problems.push(`${label}${missing ? `缺少${fieldNames[key] ?? key}` : `的${fieldNames[key] ?? key}${fieldRules[key] ?? '无效'}`}`);
      }
      return;
    }
    const e = parsed.data;
    let url: URL;
    try {
      url = new URL(e.url, listingUrl);
    } catch {
      problems.push(`${label}的下载地址（url）“${e.url.slice(0, 80)}”不是有效的地址`);
      return;
    }
    const first = names.get(e.name);
    if (first !== undefined) {
      problems.push(`${label}与第 ${first + 1} 项文件名相同，无法区分`);
      return;
    }
    names.set(e.name, i);
    entries.push({ name: e.name, size: e.size ?? null, modified: e.modified ? parseListingTime(e.modified)! : null, url });
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).join('；');
    throw new HttpSourceError(`${where} 有 ${problems.length} 处错误：${shown}${problems.length > 5 ? '；……' : ''}`);
  }
  return entries;
}
