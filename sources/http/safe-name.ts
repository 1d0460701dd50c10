import { printable as shownPrintable } from '../../domain/printable.js';

/**
 * A server-given file name is data, never a path. {@link safeRelativeName} turns the `name` of a
 * listing entry into a safe relative path for messages (`2024Q1/龙兴镇统计表.xlsx`) and a safe
 * basename for the local copy, or refuses it with a Chinese reason.
 *
 * Refused (terminal: the same name is refused every time, and the pipeline records it):
 * absolute paths (`/etc/x`, `\\server\x`), drive letters (`C:\x`, `C:x`), any `..` segment,
 * NUL and other control characters, names over {@link maxNameChars} characters.
 *
 * Sanitised: `\` is a folder separator like `/`; empty and `.` segments are dropped; characters
 * Windows forbids (`<>:"|?*`) become `_`; invisible format characters (zero-width, bidi
 * overrides that disguise an extension) are removed; leading dots (hidden files) become `_`;
 * trailing dots and spaces are trimmed; device names (`CON`, `NUL.txt`, `COM1`) get a `_`
 * prefix; each segment is cut to {@link maxSegmentBytes} UTF-8 bytes keeping its extension; only
 * the last {@link maxSegments} segments are kept.
 *
 * The local file is never built from the folders: it is `files/<sha>-<basename>`, so nothing a
 * server writes can leave the state folder (and the caller checks that again before writing).
 */

/** A name longer than this (in characters) is refused rather than cut. */
const maxNameChars = 1024;
/** Longest segment kept, in UTF-8 bytes (ext4 and NTFS allow 255 per component). */
const maxSegmentBytes = 150;
/** Most folder levels kept from a name (the last ones: `2024Q1/龙兴镇/x.xlsx`). */
const maxSegments = 6;

export type SafeName =
  | {
      readonly ok: true;
      /** `a/b/c.csv`: `/`-separated, every segment safe. */
      readonly path: string;
      readonly basename: string;
    }
  | {
      readonly ok: false;
      /** Chinese. */
      readonly reason: string;
    };

const control = /[\u0000-\u001f\u007f-\u009f]/;
/** Zero-width and bidirectional formatting characters: invisible, used to disguise extensions. */
const invisible = /[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/g;
const windowsForbidden = /[<>:"|?*]/g;
const deviceName = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\.|$)/i;

/** Shows a hostile name in a message without its control characters (see `domain/printable.ts`). */
export function printable(name: string, max = 80): string {
  return shownPrintable(name, max);
}

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Cuts a segment to `maxBytes` UTF-8 bytes, keeping a short extension. */
function truncateSegment(segment: string, maxBytes: number): string {
  if (utf8Length(segment) <= maxBytes) return segment;
  const dot = segment.lastIndexOf('.');
  const ext = dot > 0 && segment.length - dot <= 10 ? segment.slice(dot) : '';
  let stem = segment.slice(0, segment.length - ext.length);
  const budget = maxBytes - utf8Length(ext) - utf8Length('…');
  const chars = Array.from(stem);
  while (chars.length > 0 && utf8Length(chars.join('')) > budget) chars.pop();
  stem = chars.join('');
  return `${stem}…${ext}`;
}

function cleanSegment(raw: string): string {
  let s = raw
    .replace(windowsForbidden, '_')
    .replace(/[ .]+$/, '')
    .replace(/^ +/, '');
  if (s.startsWith('.')) s = `_${s.slice(1)}`;
  if (deviceName.test(s)) s = `_${s}`;
  return truncateSegment(s, maxSegmentBytes);
}

/** See the module comment. */
export function safeRelativeName(name: string): SafeName {
  if (name.length > maxNameChars) return { ok: false, reason: `文件名过长（${name.length} 个字符，上限 ${maxNameChars}）` };
  const text = name.normalize('NFC');
  if (control.test(text)) return { ok: false, reason: `文件名“${printable(text)}”含有控制字符（如 NUL、换行），可能是伪造的文件名` };
  const visible = text.replace(invisible, '');
  if (/^[/\\]/.test(visible)) return { ok: false, reason: `文件名“${printable(visible)}”是绝对路径，可能试图写到下载目录以外` };
  if (/^[A-Za-z]:/.test(visible)) return { ok: false, reason: `文件名“${printable(visible)}”带有盘符，可能试图写到下载目录以外` };
  const raw = visible.split(/[/\\]+/);
  if (raw.some((s) => s.trim() === '..')) return { ok: false, reason: `文件名“${printable(visible)}”含有“..”，可能试图写到下载目录以外` };
  const segments = raw
    .filter((s) => s.trim() !== '' && s.trim() !== '.')
    .map(cleanSegment)
    .filter((s) => s !== '');
  if (segments.length === 0) return { ok: false, reason: `文件名“${printable(visible)}”为空或只有分隔符` };
  const kept = segments.slice(-maxSegments);
  return { ok: true, path: kept.join('/'), basename: kept[kept.length - 1]! };
}

/** Makes `path` unique among `taken` by adding `-<tag>` before the extension of its last segment. */
export function disambiguate(path: string, tag: string, taken: ReadonlySet<string>): string {
  if (!taken.has(path)) return path;
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash + 1);
  const base = path.slice(slash + 1);
  const dot = base.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [base.slice(0, dot), base.slice(dot)] : [base, ''];
  return `${dir}${stem}-${tag}${ext}`;
}
