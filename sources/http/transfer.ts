import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

/**
 * HTTP transfers for the listing source: redirects followed by hand (only to permitted hosts),
 * a timeout per request, bodies bounded in size, downloads into a `.part` file resumed with
 * `Range` when the server honours it.
 */

/** Why a transfer failed. `terminal`: the same request will fail the same way (refuse the file). */
export class TransferError extends Error {
  override readonly name = 'TransferError';
  constructor(
    message: string,
    readonly terminal: boolean,
  ) {
    super(message);
  }
}

/** What every request needs. */
export interface TransferContext {
  /** Is a URL (the listing's, an entry's, a redirect target) one we may fetch? Returns a Chinese reason when not. */
  readonly permit: (url: URL, from?: URL) => string | undefined;
  readonly timeoutMs: number;
  readonly headers: Readonly<Record<string, string>>;
  /**
   * Headers that carry secrets (a bearer token, the listing address's user and password), sent
   * only to `origin` (scheme, host and port: the listing's own) — never to another host, even
   * an allowed one, and never over http when the origin is https.
   */
  readonly credentials?: { readonly origin: string; readonly headers: Readonly<Record<string, string>> };
  readonly signal?: AbortSignal;
  readonly maxRedirects?: number;
}

const sensitiveHeaders = ['authorization', 'cookie', 'proxy-authorization'];

function describe(e: unknown, timeoutMs: number): string {
  if (e instanceof Error) {
    if (e.name === 'TimeoutError') return `超过 ${Math.round(timeoutMs / 1000)} 秒未完成`;
    if (e.name === 'AbortError') return '已中止';
    const cause = (e as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? ((cause as { code?: string }).code ?? cause.message) : undefined;
    return detail ? `${e.message}（${detail}）` : e.message;
  }
  return String(e);
}

/**
 * GET with redirects followed by hand: each hop must be permitted; credentials go only to their
 * origin (see {@link TransferContext.credentials}), and no `Authorization` or cookie header goes
 * anywhere else. The returned response's body is the caller's to read or cancel.
 */
export async function request(
  url: URL,
  ctx: TransferContext,
  extra: Readonly<Record<string, string>> = {},
): Promise<{ response: Response; url: URL; signal: AbortSignal }> {
  const timeout = AbortSignal.timeout(ctx.timeoutMs);
  // AbortSignal.any arrived in Node 20.3; before it, only the timeout applies.
  const signal = ctx.signal && typeof AbortSignal.any === 'function' ? AbortSignal.any([timeout, ctx.signal]) : timeout;
  let current = url;
  const origin = ctx.credentials?.origin ?? url.origin;
  for (let hop = 0; ; hop++) {
    const own = current.origin === origin;
    const headers: Record<string, string> = { ...ctx.headers, ...(own ? ctx.credentials?.headers : {}), ...extra };
    if (!own) for (const h of Object.keys(headers)) if (sensitiveHeaders.includes(h.toLowerCase())) delete headers[h];
    let response: Response;
    try {
      response = await fetch(current, { headers, redirect: 'manual', signal });
    } catch (e) {
      throw new TransferError(`无法连接 ${current.host}：${describe(e, ctx.timeoutMs)}`, false);
    }
    if (response.status >= 300 && response.status < 400 && response.status !== 304) {
      await response.body?.cancel().catch(() => {});
      const location = response.headers.get('location');
      if (!location) throw new TransferError(`服务器返回重定向 HTTP ${response.status} 但没有给出新地址`, false);
      if (hop >= (ctx.maxRedirects ?? 5)) throw new TransferError(`重定向次数过多（超过 ${ctx.maxRedirects ?? 5} 次）`, false);
      let next: URL;
      try {
        next = new URL(location, current);
      } catch {
        throw new TransferError(`服务器重定向到无效的地址“${location.slice(0, 80)}”`, true);
      }
      const refused = ctx.permit(next, current);
      if (refused) throw new TransferError(`服务器把下载重定向到 ${next.host}：${refused}`, true);
      current = next;
      continue;
    }
    return { response, url: current, signal };
  }
}

/** Reads a whole (small) body as text, refusing more than `maxBytes`. */
export async function readText(response: Response, maxBytes: number, timeoutMs: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw new TransferError(`内容过大（${declared} 字节，上限 ${maxBytes}）`, true);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    if (response.body) {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        total += chunk.byteLength;
        if (total > maxBytes) {
          await response.body.cancel().catch(() => {});
          throw new TransferError(`内容过大（超过 ${maxBytes} 字节）`, true);
        }
        chunks.push(Buffer.from(chunk));
      }
    }
  } catch (e) {
    if (e instanceof TransferError) throw e;
    throw new TransferError(`读取内容时连接中断：${describe(e, timeoutMs)}`, false);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** What the server said about the version it sent, for resuming and conditional requests. */
interface Validators {
  readonly etag?: string;
  readonly lastModified?: string;
}

export interface DownloadRequest {
  readonly url: URL;
  /** The `.part` file (appended to when resuming). */
  readonly partPath: string;
  /** Size the listing promised, if it did. */
  readonly expectedBytes: number | null;
  readonly maxBytes: number;
  /** Validators of the version the `.part` holds (for `If-Range`); a resume without them is still checked by size. */
  readonly partValidators?: Validators;
  /** Validators of the copy already held, for `If-None-Match`/`If-Modified-Since`. */
  readonly conditional?: Validators;
  /** Called once a response starts filling the `.part`, so its validators can be kept for a later resume. */
  readonly onResponse?: (validators: Validators) => Promise<void>;
}

export type DownloadResult =
  | { readonly status: 'complete'; readonly bytes: number; readonly sha256: string; readonly validators: Validators; readonly resumed: boolean }
  | { readonly status: 'not-modified' };

function validatorsOf(response: Response): Validators {
  const etag = response.headers.get('etag');
  const lastModified = response.headers.get('last-modified');
  return { ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) };
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Downloads into `partPath`, resuming from what it already holds when the server answers a
 * `Range` request with `206` from the right offset (a `200` starts over). On failure the `.part`
 * keeps what arrived, for the next run — except when it cannot be resumed (too large, wrong size).
 */
export async function download(req: DownloadRequest, ctx: TransferContext): Promise<DownloadResult> {
  let offset = await sizeOf(req.partPath);
  if (req.expectedBytes !== null && offset > req.expectedBytes) {
    await rm(req.partPath, { force: true });
    offset = 0;
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    const headers: Record<string, string> = {};
    if (offset > 0) {
      headers['range'] = `bytes=${offset}-`;
      const v = req.partValidators?.etag && !req.partValidators.etag.startsWith('W/') ? req.partValidators.etag : req.partValidators?.lastModified;
      if (v) headers['if-range'] = v;
    } else if (req.conditional) {
      if (req.conditional.etag) headers['if-none-match'] = req.conditional.etag;
      if (req.conditional.lastModified) headers['if-modified-since'] = req.conditional.lastModified;
    }
    const { response } = await request(req.url, ctx, headers);
    if (response.status === 304 && offset === 0 && req.conditional) {
      await response.body?.cancel().catch(() => {});
      return { status: 'not-modified' };
    }
    if (response.status === 416 && offset > 0) {
      await response.body?.cancel().catch(() => {});
      // The .part may already be whole (the connection dropped after the last byte).
      if (req.expectedBytes === offset)
        return { status: 'complete', bytes: offset, sha256: await sha256File(req.partPath), validators: req.partValidators ?? {}, resumed: true };
      await rm(req.partPath, { force: true });
      offset = 0;
      continue;
    }
    let append = false;
    if (response.status === 206 && offset > 0) {
      const range = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(response.headers.get('content-range') ?? '');
      if (!range || Number(range[1]) !== offset) {
        // A range we did not ask for: start over with a plain request.
        await response.body?.cancel().catch(() => {});
        await rm(req.partPath, { force: true });
        offset = 0;
        continue;
      }
      append = true;
    } else if (response.status !== 200) {
      await response.body?.cancel().catch(() => {});
      throw new TransferError(`服务器返回 HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`, false);
    }
    const start = append ? offset : 0;
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && start + declared > req.maxBytes) {
      await response.body?.cancel().catch(() => {});
      await rm(req.partPath, { force: true });
      throw new TransferError(`文件过大（${Math.round((start + declared) / 1048576)} MB），超过上限 ${Math.round(req.maxBytes / 1048576)} MB`, true);
    }
    if (!response.body) throw new TransferError('服务器的响应没有内容', false);
    if (!append) await req.onResponse?.(validatorsOf(response));
    let received = start;
    let tooLarge = false;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        received += chunk.length;
        if (received > req.maxBytes) {
          tooLarge = true;
          done(new Error('too large'));
          return;
        }
        done(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(response.body as unknown as NodeReadableStream), counter, createWriteStream(req.partPath, { flags: append ? 'a' : 'w' }));
    } catch (e) {
      if (tooLarge) {
        await rm(req.partPath, { force: true });
        throw new TransferError(`文件过大，超过上限 ${Math.round(req.maxBytes / 1048576)} MB`, true);
      }
      throw new TransferError(
        `下载中断（已收到 ${received} 字节${req.expectedBytes !== null ? `，共 ${req.expectedBytes} 字节` : ''}），下次运行时续传：${describe(e, ctx.timeoutMs)}`,
        false,
      );
    }
    const bytes = await sizeOf(req.partPath);
    if (req.expectedBytes !== null && bytes !== req.expectedBytes) {
      await rm(req.partPath, { force: true });
      throw new TransferError(`下载的文件大小（${bytes} 字节）与清单所列（${req.expectedBytes} 字节）不符，下次运行时重新下载`, false);
    }
    return { status: 'complete', bytes, sha256: await sha256File(req.partPath), validators: validatorsOf(response), resumed: append };
  }
  throw new TransferError('服务器不能从断点续传，重新下载也未成功', false);
}
