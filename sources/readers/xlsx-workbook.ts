import { ReadError } from './reader.js';
import { isBuiltinDateFormat, isDateFormatCode } from './xlsx-dates.js';
import type { XlsxPackage } from './xlsx-package.js';
import { prefixedAttribute } from './xlsx-xml.js';

/**
 * The workbook-level parts the sheet parser needs: the sheet list (names, visibility, kind,
 * part), the date system, which cell styles are dates, and the shared-string table.
 */

type SheetVisibility = 'visible' | 'hidden' | 'veryHidden';

/** One entry of the workbook's `<sheets>` list, in tab order. */
export interface SheetEntry {
  readonly name: string;
  /** 0-based tab position, hidden sheets included. */
  readonly index: number;
  readonly visibility: SheetVisibility;
  /** Relationship kind: `worksheet`, `chartsheet`, `dialogsheet`, `xlMacrosheet`…; `''` when unresolved. */
  readonly kind: string;
  /** The part holding the sheet, when the relationship resolved. */
  readonly part: string | undefined;
}

export interface WorkbookModel {
  readonly sheets: readonly SheetEntry[];
  /** `<workbookPr date1904="1"/>`: serials count from 1904-01-01 (old Mac Excel). */
  readonly date1904: boolean;
  readonly sharedStringsPart: string | undefined;
  readonly stylesPart: string | undefined;
}

/** A shared string longer than the cell limit; kept as its length so it costs no memory. */
export class OversizeText {
  constructor(readonly length: number) {}
}

export type SharedString = string | OversizeText;

const MAIN_CONTENT_TYPE = /spreadsheetml\.(sheet|template)\.main|ms-excel\.(sheet|template)\.macroEnabled\.main/i;

/** Reads the package and workbook relationships and workbook.xml. */
export async function loadWorkbook(pkg: XlsxPackage): Promise<WorkbookModel> {
  const mainPart = await findMainPart(pkg);
  const rels = await pkg.relationships(mainPart);
  const byId = new Map(rels.map((r) => [r.id, r]));
  const sheets: SheetEntry[] = [];
  let date1904 = false;
  let inSheets = false;
  await pkg.parseSmall(mainPart, {
    open(name, attributes) {
      if (name === 'workbookPr') date1904 = isTrue(attributes['date1904']);
      else if (name === 'sheets') inSheets = true;
      else if (name === 'sheet' && inSheets) {
        const rel = byId.get(prefixedAttribute(attributes, 'id') ?? '');
        sheets.push({
          name: attributes['name'] ?? `Sheet${sheets.length + 1}`,
          index: sheets.length,
          visibility: visibilityOf(attributes['state']),
          kind: rel?.kind ?? '',
          part: rel?.part,
        });
      }
    },
    close(name) {
      if (name === 'sheets') inSheets = false;
    },
    text() {},
  });
  return {
    sheets,
    date1904,
    sharedStringsPart: rels.find((r) => r.kind === 'sharedStrings' && r.part && pkg.has(r.part))?.part,
    stylesPart: rels.find((r) => r.kind === 'styles' && r.part && pkg.has(r.part))?.part,
  };
}

/** The workbook part: package rels first (Excel's way), then content types, then the usual name. */
async function findMainPart(pkg: XlsxPackage): Promise<string> {
  const fromRels = (await pkg.relationships('')).find((r) => r.kind === 'officeDocument' && r.part)?.part;
  if (fromRels) {
    if (pkg.has(fromRels)) return fromRels;
    throw new ReadError('corrupt', `文件不完整：找不到工作簿部件“${fromRels}”。请用 Excel/WPS 打开后重新另存为 .xlsx。`);
  }
  if (pkg.has('[Content_Types].xml')) {
    let fromTypes: string | undefined;
    await pkg.parseSmall('[Content_Types].xml', {
      open(name, attributes) {
        if (name === 'Override' && !fromTypes && MAIN_CONTENT_TYPE.test(attributes['ContentType'] ?? '')) {
          fromTypes = (attributes['PartName'] ?? '').replace(/^\/+/, '');
        }
      },
      close() {},
      text() {},
    });
    if (fromTypes && pkg.has(fromTypes)) return fromTypes;
  }
  if (pkg.has('xl/workbook.xml')) return 'xl/workbook.xml';
  throw new ReadError('unsupported_format', '文件中找不到 Excel 工作簿部件，不是有效的 .xlsx 文件。请用 Excel/WPS 另存为 .xlsx 后再报送。');
}

function isTrue(value: string | undefined): boolean {
  return value === '1' || value?.toLowerCase() === 'true';
}

function visibilityOf(state: string | undefined): SheetVisibility {
  if (state === 'hidden') return 'hidden';
  if (state === 'veryHidden') return 'veryHidden';
  return 'visible';
}

/** For each cell style index (`s=`), whether its number format shows a date or time. */
export async function loadDateStyles(pkg: XlsxPackage, stylesPart: string | undefined): Promise<boolean[]> {
  if (!stylesPart) return [];
  const codes = new Map<number, string>();
  const xfFormats: number[] = [];
  let inCellXfs = false;
  await pkg.parseSmall(stylesPart, {
    open(name, attributes) {
      if (name === 'numFmt') codes.set(Number(attributes['numFmtId']), attributes['formatCode'] ?? '');
      else if (name === 'cellXfs') inCellXfs = true;
      else if (name === 'xf' && inCellXfs) xfFormats.push(Number(attributes['numFmtId'] ?? 0));
    },
    close(name) {
      if (name === 'cellXfs') inCellXfs = false;
    },
    text() {},
  });
  return xfFormats.map((id) => {
    const code = codes.get(id);
    return code === undefined ? isBuiltinDateFormat(id) : isDateFormatCode(code);
  });
}

/** `_x000D_` → CR: OOXML's escape for characters XML cannot carry; `_x005F_` escapes the underscore. */
function unescapeOoxml(text: string): string {
  if (!text.includes('_x')) return text;
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * Reads the shared-string table. Rich-text runs are joined; phonetic guides (`<rPh>`, furigana)
 * are left out; strings over `maxCellChars` are kept only as their length.
 */
export async function loadSharedStrings(pkg: XlsxPackage, part: string | undefined, maxCellChars: number): Promise<SharedString[]> {
  if (!part) return [];
  const text = new TextCollector(maxCellChars);
  const strings: SharedString[] = [];
  let phonetic = 0;
  let inText = false;
  await pkg.parse(part, {
    open(name) {
      if (name === 'si') text.reset();
      else if (name === 'rPh') phonetic++;
      else if (name === 't' && phonetic === 0) inText = true;
    },
    close(name) {
      if (name === 't') inText = false;
      else if (name === 'rPh') phonetic--;
      else if (name === 'si') strings.push(text.take());
    },
    text(chunk) {
      if (inText) text.add(chunk);
    },
    cut(dropped) {
      if (inText) text.cut(dropped);
    },
  });
  return strings;
}

/**
 * Joins the text pieces of one string value with bounded memory: past the limit only the
 * length is counted. The limit applies after `_xHHHH_` unescaping, so the raw cap is 7× wider.
 */
export class TextCollector {
  /** The pieces so far, joined (most values are one piece: no array per value). */
  private text = '';
  private rawLength = 0;
  /** Part of the text was left out by the XML bounds: over the limit whatever its length. */
  private wasCut = false;

  constructor(private readonly maxChars: number) {}

  reset(): void {
    this.text = '';
    this.rawLength = 0;
    this.wasCut = false;
  }

  add(chunk: string): void {
    this.rawLength += chunk.length;
    if (this.rawLength <= this.maxChars * 7) this.text = this.text === '' ? chunk : this.text + chunk;
    else this.text = '';
  }

  /** `dropped` characters of the text were left out before it reached the parser. */
  cut(dropped: number): void {
    this.rawLength += dropped;
    this.wasCut = true;
    this.text = '';
  }

  /** The unescaped text, or its (raw) length when over the limit; resets the collector. */
  take(): SharedString {
    const over = this.wasCut || this.rawLength > this.maxChars * 7;
    const text = over ? '' : unescapeOoxml(this.text);
    const result = over || text.length > this.maxChars ? new OversizeText(over ? this.rawLength : text.length) : text;
    this.reset();
    return result;
  }
}
