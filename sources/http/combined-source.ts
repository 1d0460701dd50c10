import type { Source, SourceFile } from '../source.js';

/**
 * Several sources as one (the folder inbox and a platform's listing), in order. A source that
 * fails (a listing that cannot be fetched) fails the whole listing by default — the run records
 * the error and loads nothing. With `onSourceError`, the failure is handed over instead and the
 * other sources' files are still offered: the nightly job keeps loading the inbox while a
 * platform is down, and fetches from the platform on the next run.
 */
export class CombinedSource implements Source {
  readonly description: string;

  constructor(
    private readonly sources: readonly Source[],
    private readonly onSourceError?: (source: Source, error: unknown) => void,
  ) {
    this.description = sources.map((s) => s.description).join('；');
  }

  async *list(): AsyncIterable<SourceFile> {
    for (const source of this.sources) {
      if (!this.onSourceError) {
        yield* source.list();
        continue;
      }
      // Collected first, so a source failing half-way offers nothing rather than half its files.
      const files: SourceFile[] = [];
      try {
        for await (const file of source.list()) files.push(file);
      } catch (e) {
        this.onSourceError(source, e);
        continue;
      }
      yield* files;
    }
  }
}
