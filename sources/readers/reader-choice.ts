import type { ReadLimits, ReadableFile, ReaderNotice, SheetStream, WorkbookReader, WorkbookStream } from './reader.js';
import { ReadError } from './reader.js';
import { actuallyIs, extensionOf, sniffBytes } from './sniff.js';
import type { ContentKind } from './sniff.js';

/** A reader, loaded on first use: a night with nothing new never pays for exceljs, papaparse or SheetJS. */
export interface LazyReader {
  readonly extensions: readonly string[];
  readonly load: () => Promise<WorkbookReader>;
}

export function lazy(extensions: readonly string[], make: () => Promise<WorkbookReader>): LazyReader {
  let loaded: Promise<WorkbookReader> | undefined;
  return { extensions, load: () => (loaded ??= make()) };
}

/** Formats people send that no reader handles, with how to resave them (Chinese). */
const resaveAdvice: Record<string, string> = {
  '.ods': '这是 OpenDocument 表格格式（.ods）。请用 WPS、Excel 或 LibreOffice 打开后“另存为” Excel 工作簿（*.xlsx）再报送',
  '.numbers': '这是 Apple Numbers 格式。请在 Numbers 中“导出为 Excel（.xlsx）”后再报送',
  '.xlsb': '这是 Excel 二进制工作簿（.xlsb）。请用 Excel 打开后“另存为” Excel 工作簿（*.xlsx）再报送',
  '.wps': '这是 WPS 文字文档，不是表格。请使用统一模板（.xlsx）填报',
  '.doc': '这是 Word 文档，不是表格。请使用统一模板（.xlsx）填报',
  '.docx': '这是 Word 文档，不是表格。请使用统一模板（.xlsx）填报',
  '.pdf': '这是 PDF 文件，无法读取其中的数据。请报送 Excel 工作簿（*.xlsx）或 CSV 文件',
};

const RESAVE = '请用 Excel 或 WPS 打开后“另存为” Excel 工作簿（*.xlsx）再报送';

/** What the pipeline calls a reader: something to load, or the Chinese reason there is none. */
export type ReaderChoice = { readonly load: () => Promise<WorkbookReader> } | { readonly refusal: string };

/** The readers of one platform, one per family of formats (Node: `index.ts`; browser: the self-check page). */
export interface ReaderFamilies {
  readonly xlsx: LazyReader;
  readonly csv: LazyReader;
  readonly xls: LazyReader;
}

/**
 * The reader for a file, chosen by its first bytes `head` (the extension only breaks ties), or the
 * Chinese reason there is none. Zip → xlsx reader; OLE2 or bare BIFF → xls reader (which refuses
 * a Word .doc or an encrypted .xlsx by its stream names); text → CSV reader; HTML, XML, PDF,
 * pictures and archives are refused saying what they really are. When a file is read by another
 * reader than its extension names, a `format_detected` notice says so.
 */
export function chooseReader(path: string, head: Uint8Array, families: ReaderFamilies): ReaderChoice {
  const { xlsx: xlsxReader, csv: csvReader, xls: xlsReader } = families;
  const ext = extensionOf(path);
  const sniffed = sniffBytes(head);
  const byExtension = [xlsxReader, csvReader, xlsReader].find((r) => r.extensions.includes(ext));
  switch (sniffed.kind) {
    case 'empty':
      return byExtension ?? { refusal: '文件是空的（0 字节），没有任何内容。请重新导出后报送' };
    case 'zip':
      if (ext === '.xlsb' || ext === '.numbers') return { refusal: resaveAdvice[ext] as string };
      return detected(xlsxReader, ext, 'Excel 工作簿（.xlsx）', '.xlsx');
    case 'ole2':
    case 'biff':
      return detected(xlsReader, ext, 'Excel 97-2003 工作簿（.xls）', '.xls');
    case 'text':
      return detected(csvReader, ext, 'CSV 文本（逗号或制表符分隔）', 'CSV');
    case 'binary':
      if (byExtension && byExtension !== xlsReader) return byExtension;
      if (byExtension === xlsReader) {
        return { refusal: `文件内容无法识别：不是 Excel 97-2003 工作簿（${ext}），也不是其他表格格式，文件可能已损坏。${RESAVE}` };
      }
      return { refusal: resaveAdvice[ext] ?? unsupported(ext) };
    default:
      return { refusal: refusalFor(sniffed.kind, path, sniffed.detail) };
  }
}

function unsupported(ext: string): string {
  return `不支持的文件类型（${ext || '无扩展名'}）。请报送 Excel 工作簿（*.xlsx）或 CSV 文件（UTF-8 或 GBK 编码）`;
}

/** Refusals for content no reader handles, naming what the file really is. */
function refusalFor(kind: ContentKind, path: string, detail: string | undefined): string {
  switch (kind) {
    case 'pdf':
      return extensionOf(path) === '.pdf'
        ? (resaveAdvice['.pdf'] as string)
        : `${actuallyIs(path, ' PDF 文件')}，无法读取其中的数据。请报送 Excel 工作簿（*.xlsx）或 CSV 文件`;
    case 'html':
      return `${actuallyIs(path, '网页（HTML）格式', ['.html', '.htm'])}，不是真正的 Excel 工作簿（从网上系统“导出 Excel”常得到这种文件）。${RESAVE}`;
    case 'mhtml':
      return `${actuallyIs(path, '单个文件网页（MHT/MHTML）格式', ['.mht', '.mhtml'])}，不是真正的 Excel 工作簿。${RESAVE}`;
    case 'spreadsheetml':
      return `${actuallyIs(path, ' XML 表格（Excel 2003 XML，SpreadsheetML）格式', ['.xml'])}，不是真正的 Excel 工作簿（从网上系统“导出 Excel”常得到这种文件）。${RESAVE}`;
    case 'xml':
      return `${actuallyIs(path, ' XML 数据文件', ['.xml'])}，不是 Excel 工作簿。请报送 Excel 工作簿（*.xlsx）或 CSV 文件`;
    case 'rtf':
      return `${actuallyIs(path, ' RTF 文档（写字板/Word 格式）', ['.rtf'])}，不是表格。请使用统一模板（.xlsx）填报`;
    case 'image':
      return `${actuallyIs(path, `图片（${detail ?? '图像'}）`, ['.png', '.jpg', '.jpeg', '.gif', '.tif', '.tiff'])}，不是表格，无法读取其中的数据。请报送 Excel 工作簿（*.xlsx）或 CSV 文件，不要拍照或截图`;
    case 'archive':
      return `${actuallyIs(path, `压缩包（${detail ?? '压缩文件'}）`, ['.rar', '.7z', '.gz', '.tgz'])}。请解压后分别报送其中的 Excel 工作簿（*.xlsx）`;
    default:
      return unsupported(extensionOf(path));
  }
}

/**
 * `reader`, which is not the one the extension names when `ext` is not among its extensions: then
 * the sheets it yields come with a `format_detected` notice (given only once a sheet was read, so a
 * refused file does not also claim to have been read).
 */
function detected(reader: LazyReader, ext: string, what: string, readAs: string): ReaderChoice {
  if (reader.extensions.includes(ext)) return reader;
  const message = `文件扩展名是 ${ext || '（无）'}，但内容是 ${what}，已按 ${readAs} 读取`;
  return {
    load: async () => {
      const inner = await reader.load();
      return {
        extensions: inner.extensions,
        read: (file: ReadableFile, limits: ReadLimits): WorkbookStream => announced(inner.read(file, limits), message, ext),
      };
    },
  };
}

function announced(stream: WorkbookStream, message: string, ext: string): WorkbookStream {
  const notices: ReaderNotice[] = stream.notices;
  async function* sheets(): AsyncGenerator<SheetStream> {
    let told = false;
    try {
      for await (const sheet of stream.sheets) {
        if (!told) {
          notices.unshift({ code: 'format_detected', message });
          told = true;
        }
        yield sheet;
      }
    } catch (e) {
      throw renamedExtension(e, ext);
    }
  }
  return { notices, sheets: sheets() };
}

/** The zip guard says "扩展名被改成了 .xlsx" of a renamed .docx; say the extension the file has. */
function renamedExtension(e: unknown, ext: string): unknown {
  if (!(e instanceof ReadError) || !ext || !e.message.includes('扩展名被改成了 .xlsx')) return e;
  return new ReadError(e.code, e.message.replace('扩展名被改成了 .xlsx', `扩展名被改成了 ${ext}`), e.sheet, e.cell);
}
