import { gb18030Csv, utf8BomCsv } from './csv-writer.js';
import type { FileFormat, WorkbookDoc } from './sheet-doc.js';
import { excelXlsx } from './xlsx-excel-writer.js';
import { exportXlsx } from './xlsx-export-writer.js';

/** The bytes of a composed workbook in a file format (a CSV holds the first sheet). */
export async function renderFile(doc: WorkbookDoc, format: FileFormat): Promise<Buffer> {
  const first = doc.sheets[0];
  if (!first) throw new Error('a workbook needs at least one sheet');
  switch (format) {
    case 'xlsx-excel':
      return excelXlsx(doc);
    case 'xlsx-export':
      return exportXlsx(doc);
    case 'csv-gb18030':
      return gb18030Csv(first);
    case 'csv-utf8-bom':
      return utf8BomCsv(first);
  }
}

/** A transfer cut short: the first part of the bytes only (a zip without its central directory). */
export function truncated(bytes: Buffer): Buffer {
  return bytes.subarray(0, Math.floor(bytes.length * 0.55));
}
