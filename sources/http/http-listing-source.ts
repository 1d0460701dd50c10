import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { Clock } from '../../domain/clock.js';
import { defaultReadLimits, type ReadLimits } from '../readers/reader.js';
import type { Source, SourceFile } from '../source.js';
import { HttpSourceError, maxListingBytes, parseListing, shownUrl, type ListingEntry } from './listing.js';
import { loadManifest, saveManifest, type HeldFile, type Manifest } from './manifest.js';
import { disambiguate, printable, safeRelativeName } from './safe-name.js';
import { download, readText, request, TransferError, type TransferContext } from './transfer.js';

/** How to reach a platform's export and where to keep what was fetched. */
export interface HttpListingSourceOptions {
  /** The listing address (JSON; see `listing.ts`). */
  readonly listingUrl: string | URL;
  /** State folder; this listing's downloads go to `<stateDir>/http/<listing-hash>/`. */
  readonly stateDir: string;
  /** First folder of the paths shown to the pipeline (`http/<label>/…`); default the listing's host name. */
  readonly label?: string;
  /** `maxFileBytes` bounds each download (default 256 MiB, as for every file). */
  readonly limits?: Pick<ReadLimits, 'maxFileBytes'>;
  /** Longest time one request (the listing, or one file's download) may take. Default 300 s. */
  readonly timeoutSeconds?: number;
  /** Other hosts that downloads and redirects may go to (`files.example.cn` or `files.example.cn:8443`). */
  readonly allowedHosts?: readonly string[];
  /** Extra request headers (e.g. `Authorization`); sent only to the listing's own origin (scheme, host and port). */
  readonly headers?: Readonly<Record<string, string>>;
  /** After this many failed downloads in a row the rest wait for the next run. Default 3. */
  readonly maxConsecutiveFailures?: number;
  /** First-seen times. Default the system clock. */
  readonly clock?: Clock;
  /** One Chinese line per event (downloaded, skipped, refused). */
  readonly log?: (line: string) => void;
  /** Stops the listing and downloads (SIGTERM). */
  readonly signal?: AbortSignal;
}

/** What the last `list()` did, for the command's summary and for tests. */
export interface HttpListReport {
  /** Entries in the listing. */
  listed: number;
  /** Server names downloaded this run (whole or resumed). */
  readonly downloaded: string[];
  /** Of those, the ones completed from a `.part` left by an earlier run. */
  readonly resumed: string[];
  /** Already held with the same size and time: not fetched. */
  readonly reused: string[];
  /** Failed for now (network, server error): retried next run, not offered (or offered as the version held before). */
  readonly skipped: { readonly name: string; readonly reason: string }[];
  /** Refused for good and offered with `refusal` (unsafe name, too large, forbidden host). */
  readonly refused: { readonly name: string; readonly reason: string }[];
  /** How many times the manifest was written (once per batch, not per entry). */
  manifestWrites: number;
}

/** The manifest is written when something changed and this long has passed since the last write (and at the end). */
const manifestBatchMs = 5_000;

function hash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

function hostPermitted(url: URL, base: URL, allowed: readonly string[]): boolean {
  return url.host === base.host || allowed.some((a) => a.toLowerCase() === url.host.toLowerCase() || a.toLowerCase() === url.hostname.toLowerCase());
}

function inside(root: string, path: string): boolean {
  const r = resolve(root);
  const p = resolve(path);
  return p.startsWith(r + sep);
}

/**
 * A township platform's export as a source: a JSON listing of files (name, size, modified, url)
 * behind one address. Each `list()` fetches the listing, downloads only what is new or changed
 * (a file held with the same size and time is not fetched again) into a state folder, and offers
 * every listed file from its local copy.
 *
 * Failures, decided so that nothing is lost and nothing is refused for a network hiccup:
 * - a bad listing (not JSON, missing fields, HTTP error) fails the whole `list()` with an
 *   {@link HttpSourceError} naming what is wrong — the run records the error and loads nothing;
 * - a download that fails for a reason that may pass (connection dropped, timeout, HTTP 5xx or
 *   404, size not as listed) is skipped with a logged reason; what arrived stays in a `.part`
 *   file and the next run resumes it (HTTP `Range`, checked with `If-Range`) or starts over; the
 *   version held before, if any, is still offered. After `maxConsecutiveFailures` in a row the
 *   remaining downloads wait for the next run;
 * - a file that can never be fetched safely — a name that is an absolute path, has `..`, a drive
 *   letter or control characters, a download address or redirect to a host not allowed, plain
 *   http under an https listing, a size over `maxFileBytes` — is offered with `refusal` set (a
 *   Chinese reason), which the pipeline records as a rejected submission. It is not downloaded.
 *
 * Server names are never paths: the local copy is `files/<sha256 prefix>-<safe basename>` inside
 * the state folder (checked again before every write), and the path the pipeline sees is
 * `http/<host>/<sanitised name>` (see `safe-name.ts`). Every version downloaded is kept.
 *
 * Secrets — the `Authorization` header from `headers`, the user and password of the listing
 * address — are sent only to the listing's own origin (scheme, host and port), never to an
 * allowed other host nor over plain http.
 *
 * `receivedAt` and `modifiedAt` are the listing's `modified`, or when the bytes were first seen.
 */
export class HttpListingSource implements Source {
  readonly description: string;
  /** Filled by each `list()`. */
  lastReport: HttpListReport = { listed: 0, downloaded: [], resumed: [], reused: [], skipped: [], refused: [], manifestWrites: 0 };

  private readonly listingUrl: URL;
  private readonly folder: string;
  private readonly label: string;
  private readonly maxBytes: number;
  private readonly log: (line: string) => void;
  private readonly clock: Clock;
  private readonly credentials: string | undefined;

  constructor(private readonly options: HttpListingSourceOptions) {
    let url: URL;
    try {
      url = new URL(options.listingUrl);
    } catch {
      throw new HttpSourceError(`文件清单地址“${String(options.listingUrl).slice(0, 100)}”不是有效的网址`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HttpSourceError(`文件清单地址应以 http:// 或 https:// 开头：${shownUrl(url)}`);
    // fetch refuses addresses with credentials: they become a Basic Authorization header.
    let credentials: string | undefined;
    if (url.username || url.password) {
      credentials = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
      url = new URL(url);
      url.username = '';
      url.password = '';
    }
    this.credentials = credentials;
    this.listingUrl = url;
    this.description = `文件清单 ${shownUrl(url)}`;
    this.folder = join(options.stateDir, 'http', hash(url.href, 16));
    this.label = (options.label ?? url.hostname).replace(/[^A-Za-z0-9.\-_\u4e00-\u9fff]/g, '_').replace(/^\.+/, '_') || 'server';
    this.maxBytes = options.limits?.maxFileBytes ?? defaultReadLimits.maxFileBytes;
    this.log = options.log ?? (() => {});
    this.clock = options.clock ?? (() => new Date());
  }

  /** The folder holding this listing's manifest, downloads and `.part` files. */
  get stateFolder(): string {
    return this.folder;
  }

  private context(): TransferContext {
    const allowed = this.options.allowedHosts ?? [];
    return {
      timeoutMs: (this.options.timeoutSeconds ?? 300) * 1000,
      headers: {},
      // The token and the listing address's user and password go to the listing's own origin only.
      credentials: { origin: this.listingUrl.origin, headers: { ...(this.credentials ? { authorization: this.credentials } : {}), ...this.options.headers } },
      ...(this.options.signal ? { signal: this.options.signal } : {}),
      permit: (url, from) => {
        if (url.protocol !== 'http:' && url.protocol !== 'https:') return `地址协议“${url.protocol}”不允许，只下载 http/https 地址`;
        if (url.username || url.password) return '地址中不能含有用户名或密码';
        if (from?.protocol === 'https:' && url.protocol === 'http:') return '不允许从 https 转到不加密的 http';
        if (this.listingUrl.protocol === 'https:' && url.protocol === 'http:') return '文件清单使用加密的 https，不允许改用不加密的 http 下载';
        if (!hostPermitted(url, this.listingUrl, allowed))
          return `主机 ${url.host} 不是清单所在的主机 ${this.listingUrl.host}，也不在允许的主机（allowedHosts）之列`;
        return undefined;
      },
    };
  }

  private async fetchListing(ctx: TransferContext): Promise<ListingEntry[]> {
    let text: string;
    try {
      const { response } = await request(this.listingUrl, ctx, { accept: 'application/json' });
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => {});
        throw new TransferError(`服务器返回 HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`, false);
      }
      text = await readText(response, maxListingBytes, ctx.timeoutMs);
    } catch (e) {
      if (e instanceof TransferError) throw new HttpSourceError(`无法获取${this.description}：${e.message}`);
      throw e;
    }
    return parseListing(text, this.listingUrl);
  }

  async *list(): AsyncIterable<SourceFile> {
    const report: HttpListReport = { listed: 0, downloaded: [], resumed: [], reused: [], skipped: [], refused: [], manifestWrites: 0 };
    this.lastReport = report;
    const ctx = this.context();
    const entries = await this.fetchListing(ctx);
    report.listed = entries.length;
    await mkdir(join(this.folder, 'files'), { recursive: true });
    await mkdir(join(this.folder, 'parts'), { recursive: true });
    const manifestPath = join(this.folder, 'manifest.json');
    const manifest = await loadManifest(manifestPath, shownUrl(this.listingUrl), this.log);
    // Written once per batch — when something changed and a few seconds have passed, and at the
    // end — not after every entry: a 100k-entry listing would write the whole manifest 100k times.
    // A crash loses at most the batch in hand: those files are downloaded again, and a `.part`
    // without its record is started over rather than resumed blind.
    let dirty = false;
    let lastWrite = Date.now();
    let lastCost = 0;
    const flush = async () => {
      if (!dirty) return;
      const started = Date.now();
      await saveManifest(manifestPath, manifest);
      dirty = false;
      report.manifestWrites++;
      lastWrite = Date.now();
      lastCost = lastWrite - started;
    };
    const save = async () => {
      dirty = true;
      if (Date.now() - lastWrite >= Math.max(manifestBatchMs, 20 * lastCost)) await flush();
    };
    try {
      yield* this.entries(entries, ctx, manifest, save, report);
    } finally {
      await flush();
    }
  }

  private async *entries(
    entries: readonly ListingEntry[],
    ctx: TransferContext,
    manifest: Manifest,
    save: () => Promise<void>,
    report: HttpListReport,
  ): AsyncIterable<SourceFile> {
    const taken = new Set<string>();
    let failuresInRow = 0;
    const maxFailures = this.options.maxConsecutiveFailures ?? 3;
    for (const entry of entries) {
      if (this.options.signal?.aborted) break;
      const safe = safeRelativeName(entry.name);
      const path = safe.ok ? disambiguate(safe.path, hash(entry.name, 6), taken) : `不安全的文件名-${hash(entry.name, 8)}`;
      taken.add(path);
      const shown = `http/${this.label}/${path}`;

      const refuse = async (reason: string): Promise<SourceFile> => {
        report.refused.push({ name: entry.name, reason });
        this.log(`拒收 ${printable(entry.name)}：${reason}`);
        const when = entry.modified ?? (await this.firstSeen(manifest, entry, save));
        return refusedFile(shown, entry.size ?? 0, when, reason);
      };
      if (!safe.ok) {
        yield await refuse(`服务器给出的${safe.reason}，出于安全考虑未下载`);
        continue;
      }
      const forbidden = ctx.permit(entry.url);
      if (forbidden) {
        yield await refuse(`下载地址 ${shownUrl(entry.url)} 不允许：${forbidden}`);
        continue;
      }
      if (entry.size !== null && entry.size > this.maxBytes) {
        yield await refuse(`文件过大（${Math.round(entry.size / 1048576)} MB），超过上限 ${Math.round(this.maxBytes / 1048576)} MB，未下载。请拆分后报送`);
        continue;
      }

      const held = manifest.files[entry.name];
      const modified = entry.modified?.toISOString() ?? null;
      if (held && modified !== null && held.modified === modified && held.size === entry.size && (await this.present(held))) {
        report.reused.push(entry.name);
        yield this.offer(shown, held, entry);
        continue;
      }
      if (failuresInRow >= maxFailures) {
        const reason = `前 ${failuresInRow} 个文件连续下载失败，本次不再尝试，下次运行时重试`;
        report.skipped.push({ name: entry.name, reason });
        this.log(`跳过 ${entry.name}：${reason}`);
        if (held && (await this.present(held))) yield this.offer(shown, held, entry);
        continue;
      }

      const key = hash(entry.name, 16);
      const partPath = join(this.folder, 'parts', `${key}.part`);
      const part = manifest.parts[entry.name];
      if (!part || part.size !== entry.size || part.modified !== modified || (modified === null && part.url !== entry.url.href)) {
        // The .part holds another version, or one whose record was lost: start over.
        await rm(partPath, { force: true });
        if (part) delete manifest.parts[entry.name];
      }
      const resuming = manifest.parts[entry.name] !== undefined && (await sizeOrZero(partPath)) > 0;
      try {
        const result = await download(
          {
            url: entry.url,
            partPath,
            expectedBytes: entry.size,
            maxBytes: this.maxBytes,
            ...(manifest.parts[entry.name] ? { partValidators: pickValidators(manifest.parts[entry.name]!) } : {}),
            ...(held && modified === null ? { conditional: pickValidators(held) } : {}),
            onResponse: async (v) => {
              manifest.parts[entry.name] = { url: entry.url.href, size: entry.size, modified, ...v };
              await save();
            },
          },
          ctx,
        );
        failuresInRow = 0;
        if (result.status === 'not-modified') {
          if (held && (await this.present(held))) {
            report.reused.push(entry.name);
            yield this.offer(shown, held, entry);
          }
          continue;
        }
        const basename = safe.basename;
        const local = `files/${result.sha256.slice(0, 12)}-${basename}`;
        const target = join(this.folder, local);
        if (!inside(this.folder, target) || !inside(this.folder, partPath)) throw new Error(`内部错误：本地路径 ${target} 不在下载目录内`);
        if ((await sizeOrZero(target)) === result.bytes) await rm(partPath, { force: true });
        else await rename(partPath, target);
        const firstSeen = held && held.sha256 === result.sha256 ? held.firstSeen : this.clock().toISOString();
        const now: HeldFile = { path, size: entry.size, modified, bytes: result.bytes, sha256: result.sha256, local, firstSeen, ...result.validators };
        manifest.files[entry.name] = now;
        delete manifest.parts[entry.name];
        await save();
        report.downloaded.push(entry.name);
        if (resuming && result.resumed) report.resumed.push(entry.name);
        this.log(`下载 ${entry.name}（${result.bytes} 字节${resuming && result.resumed ? '，断点续传' : ''}）`);
        yield this.offer(shown, now, entry);
      } catch (e) {
        if (!(e instanceof TransferError)) throw e;
        if (e.terminal) {
          delete manifest.parts[entry.name];
          await rm(partPath, { force: true });
          await save();
          yield await refuse(`${e.message}，未下载`);
          continue;
        }
        failuresInRow++;
        report.skipped.push({ name: entry.name, reason: e.message });
        this.log(`跳过 ${entry.name}：${e.message}`);
        if (held && (await this.present(held))) yield this.offer(shown, held, entry);
      }
    }
  }

  /** The local copy is there, whole. */
  private async present(held: HeldFile): Promise<boolean> {
    const path = join(this.folder, held.local);
    return inside(this.folder, path) && (await sizeOrZero(path)) === held.bytes;
  }

  private offer(shown: string, held: HeldFile, entry: ListingEntry): SourceFile {
    const localPath = resolve(this.folder, held.local);
    // The listed time when the version held is the one listed; else when its bytes were first seen.
    const listedNow = entry.modified !== null && held.modified === entry.modified.toISOString() && held.size === entry.size;
    const when = listedNow ? entry.modified! : held.modified !== null ? new Date(held.modified) : new Date(held.firstSeen);
    return {
      path: shown,
      localPath,
      bytes: held.bytes,
      receivedAt: when,
      modifiedAt: when,
      open: () => createReadStream(localPath),
    };
  }

  /** When a version without a listed time was first seen (recorded, so the file's identity stays stable). */
  private async firstSeen(manifest: Manifest, entry: ListingEntry, save: () => Promise<void>): Promise<Date> {
    const key = JSON.stringify([entry.name, entry.size]);
    let seen = manifest.seen[key];
    if (!seen) {
      seen = this.clock().toISOString();
      manifest.seen[key] = seen;
      await save();
    }
    return new Date(seen);
  }
}

function pickValidators(v: { etag?: string | undefined; lastModified?: string | undefined }): { etag?: string; lastModified?: string } {
  return { ...(v.etag ? { etag: v.etag } : {}), ...(v.lastModified ? { lastModified: v.lastModified } : {}) };
}

async function sizeOrZero(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

function refusedFile(path: string, bytes: number, when: Date, reason: string): SourceFile {
  return {
    path,
    bytes,
    receivedAt: when,
    modifiedAt: when,
    refusal: reason,
    open: () => {
      throw new Error(`${path}: ${reason}`);
    },
  };
}
