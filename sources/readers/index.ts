import { extname } from 'node:path';
import type { WorkbookReader } from './reader.js';

/** A reader, loaded on first use: a night with nothing new never pays for exceljs or papaparse. */
interface LazyReader {
  readonly extensions: readonly string[];
  readonly load: () => Promise<WorkbookReader>;
}

function lazy(extensions: readonly string[], make: () => Promise<WorkbookReader>): LazyReader {
  let loaded: Promise<WorkbookReader> | undefined;
  return { extensions, load: () => (loaded ??= make()) };
}

/** The readers the pipeline uses, one per family of formats. */
export const readers: readonly LazyReader[] = [
  lazy(['.xlsx', '.xlsm'], async () => new (await import('./xlsx-reader.js')).XlsxReader()),
  lazy(['.csv', '.txt'], async () => new (await import('./csv-reader.js')).CsvReader()),
];

/** Formats people send that no reader handles, with how to resave them (Chinese). */
const resaveAdvice: Record<string, string> = {
  '.xls': '这是旧版 Excel 97-2003 格式（.xls）。请用 Excel 或 WPS 打开后“另存为” Excel 工作簿（*.xlsx）再报送',
  '.et': '这是 WPS 表格格式（.et）。请用 WPS 打开后“另存为” Excel 工作簿（*.xlsx）再报送',
  '.ods': '这是 OpenDocument 表格格式（.ods）。请用 WPS、Excel 或 LibreOffice 打开后“另存为” Excel 工作簿（*.xlsx）再报送',
  '.numbers': '这是 Apple Numbers 格式。请在 Numbers 中“导出为 Excel（.xlsx）”后再报送',
  '.xlsb': '这是 Excel 二进制工作簿（.xlsb）。请用 Excel 打开后“另存为” Excel 工作簿（*.xlsx）再报送',
  '.wps': '这是 WPS 文字文档，不是表格。请使用统一模板（.xlsx）填报',
  '.doc': '这是 Word 文档，不是表格。请使用统一模板（.xlsx）填报',
  '.docx': '这是 Word 文档，不是表格。请使用统一模板（.xlsx）填报',
  '.pdf': '这是 PDF 文件，无法读取其中的数据。请报送 Excel 工作簿（*.xlsx）或 CSV 文件',
};

/** The reader for a file, or the Chinese reason there is none. */
export function readerFor(path: string): LazyReader | { refusal: string } {
  const ext = extname(path).toLowerCase();
  const reader = readers.find((r) => r.extensions.includes(ext));
  if (reader) return reader;
  return {
    refusal:
      resaveAdvice[ext] ??
      `不支持的文件类型（${ext || '无扩展名'}）。请报送 Excel 工作簿（*.xlsx）或 CSV 文件（UTF-8 或 GBK 编码）`,
  };
}
