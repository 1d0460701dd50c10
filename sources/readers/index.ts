import type { ReadableFile } from './reader.js';
import { chooseReader, lazy } from './reader-choice.js';
import type { LazyReader, ReaderChoice } from './reader-choice.js';
import { readHead } from './sniff.js';

export type { ReaderChoice } from './reader-choice.js';

// Large .xlsx files are read on a worker thread while the main thread parses and loads (`reader-thread.ts`).
const xlsxReader = lazy(['.xlsx', '.xlsm'], async () => {
  const [{ XlsxReader }, { ThreadedReader }] = await Promise.all([import('./xlsx-reader.js'), import('./reader-thread.js')]);
  return new ThreadedReader('xlsx', new XlsxReader());
});
const csvReader = lazy(['.csv', '.txt'], async () => new (await import('./csv-reader.js')).CsvReader());
const xlsReader = lazy(['.xls', '.et'], async () => new (await import('./xls-reader.js')).XlsReader());

/** The readers the pipeline uses, one per family of formats. */
export const readers: readonly LazyReader[] = [xlsxReader, csvReader, xlsReader];

/**
 * The reader the nightly run uses for a file, chosen by its first bytes (see `chooseReader` in
 * `reader-choice.ts`, which the self-check page shares), or the Chinese reason there is none.
 * `knownHead`: the file's first `SNIFF_BYTES` when the caller already read them (ingest does, while hashing).
 */
export async function readerFor(file: ReadableFile, knownHead?: Buffer): Promise<ReaderChoice> {
  let head: Buffer;
  try {
    head = knownHead ?? (await readHead(file));
  } catch (e) {
    return { refusal: `文件无法打开：${e instanceof Error ? e.message : String(e)}` };
  }
  return chooseReader(file.path, head, { xlsx: xlsxReader, csv: csvReader, xls: xlsReader });
}
