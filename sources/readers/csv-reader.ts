import { CsvBookReader } from './csv-book.js';
import { checkReadBudget } from './read-budget.js';
import { nodeText } from './text-platform-node.js';

export { detectDelimiter, type CsvDelimiter, type CsvWorkbookStream } from './csv-book.js';

/**
 * The CSV/TXT reader of the nightly run (see `csv-book.ts` for how a file is read): GB18030 by
 * iconv-lite, and every chunk checks the deadline and the heap guard (`read-budget.ts`).
 */
export class CsvReader extends CsvBookReader {
  constructor() {
    super({ budget: checkReadBudget, text: nodeText });
  }
}
