import { checkReadBudget } from './read-budget.js';
import type { ReadableFile, ReadLimits } from './reader.js';
import { XlsxBookReader } from './xlsx-book.js';
import type { OpenedZip } from './xlsx-book.js';
import { localCopyOf } from './xlsx-spool.js';
import { fileZipSource } from './xlsx-zip.js';

/**
 * The .xlsx/.xlsm reader of the nightly run (see `xlsx-book.ts` for how a workbook is read): the
 * zip is read by yauzl from the file on disk, or from a temporary copy when the file only comes as
 * a stream (`xlsx-spool.ts`); every chunk checks the deadline and the heap guard (`read-budget.ts`).
 */
export class XlsxReader extends XlsxBookReader {
  constructor() {
    super({ openZip: openFileZip, budget: checkReadBudget });
  }
}

async function openFileZip(file: ReadableFile, limits: ReadLimits): Promise<OpenedZip> {
  const copy = await localCopyOf(file, limits);
  return { source: fileZipSource(copy.path), cleanup: () => copy.cleanup() };
}
