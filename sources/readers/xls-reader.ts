import * as cptable from '@e965/xlsx/dist/cpexcel.full.mjs';
import { XlsBookReader } from './xls-book.js';

export { XLS_MAX_BYTES } from './xls-book.js';

/**
 * The .xls/.et reader of the nightly run (see `xls-book.ts` for how a workbook is read): SheetJS
 * with its own code-page tables, given Node Buffers.
 */
export class XlsReader extends XlsBookReader {
  constructor(options: { readonly maxBytes?: number } = {}) {
    super({ codepages: cptable, bytesType: 'buffer' }, options);
  }
}
