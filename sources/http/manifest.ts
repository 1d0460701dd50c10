import { readFile, rename } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from '../../domain/atomic-write.js';

/**
 * The state of one listing's downloads, `<stateDir>/http/<listing-hash>/manifest.json`:
 * for each server name the version held (listing size and time, bytes, sha256, local file),
 * the `.part` downloads in progress with the validators needed to resume them, and when each
 * version without a listed time was first seen. Written atomically once per batch (see
 * `HttpListingSource.list`), so a crash loses at most the batch in hand: those files are fetched
 * again on the next run.
 */

const validators = {
  etag: z.string().optional(),
  lastModified: z.string().optional(),
};

const heldSchema = z.object({
  /** Relative path shown to the pipeline after `http/<host>/`. */
  path: z.string().min(1),
  /** Listing size and time of the version held (`null` when the listing gave none). */
  size: z.number().int().nonnegative().nullable(),
  modified: z.string().nullable(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** `files/<sha12>-<basename>`, relative to the listing's state folder. */
  local: z.string().regex(/^files\/[^/\\]+$/),
  /** When these bytes were first downloaded (ISO). */
  firstSeen: z.string(),
  ...validators,
});

const partSchema = z.object({
  url: z.string(),
  size: z.number().int().nonnegative().nullable(),
  modified: z.string().nullable(),
  ...validators,
});

const manifestSchema = z.object({
  version: z.literal(1),
  /** The listing address (without credentials). */
  listing: z.string(),
  /** By server name. */
  files: z.record(z.string(), heldSchema).default({}),
  /** Downloads in progress, by server name. */
  parts: z.record(z.string(), partSchema).default({}),
  /** First-seen time of versions that have no listed time (refusals, files without `modified`). */
  seen: z.record(z.string(), z.string()).default({}),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type HeldFile = z.infer<typeof heldSchema>;

/** Loads the manifest; a missing one is empty, an unreadable one is set aside (`.bad`) and started afresh. */
export async function loadManifest(path: string, listing: string, log: (line: string) => void): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return { version: 1, listing, files: {}, parts: {}, seen: {} };
  }
  try {
    return manifestSchema.parse(JSON.parse(text));
  } catch (e) {
    const aside = `${path}.${Date.now()}.bad`;
    await rename(path, aside).catch(() => {});
    log(`下载记录 ${path} 无法读取（${e instanceof Error ? e.message.slice(0, 200) : String(e)}），已另存为 ${aside}，将重新下载清单中的文件`);
    return { version: 1, listing, files: {}, parts: {}, seen: {} };
  }
}

export async function saveManifest(path: string, manifest: Manifest): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(manifest, null, 2)}\n`);
}
