import type { ReadableFile } from './readers/reader.js';

/** A file a source offers for loading. */
export interface SourceFile extends ReadableFile {
  /** When the file arrived: its modification time, or when the source first saw it. */
  readonly receivedAt: Date;
  /** The file's own modification time, used with size to skip unchanged files without reading them. */
  readonly modifiedAt: Date;
  /** Set when the source refuses to hand the file over (e.g. a link pointing outside the inbox); Chinese. */
  readonly refusal?: string;
  /**
   * Set when the source could not hand the file over this time for a reason that may pass (an
   * I/O error, no permission to list a folder); Chinese. Recorded as `failed` and tried again
   * on later runs.
   */
  readonly failure?: string;
}

/**
 * Where submissions come from: a folder inbox today, an HTTP listing later. A source lists what
 * it has (cheaply: names, sizes, times); the pipeline decides what is new.
 */
export interface Source {
  /** Shown in logs: `收件箱 /srv/inbox`. */
  readonly description: string;
  /** Every file currently offered. */
  list(): AsyncIterable<SourceFile>;
}
