import { dateToSerial } from '../../domain/excel-serial.js';
import { columnLetters } from '../readers/reader.js';
import type { SampleCell, SheetDoc, WorkbookDoc } from './sheet-doc.js';
import { zip } from './zip-writer.js';
import { escapeXml } from '../../domain/html-text.js';

/**
 * Writes a workbook the way a system export does (the 镇街系统管理平台, Java exporters): inline
 * strings instead of a shared-string table, dates as serials with the built-in formats 14
 * (`m/d/yyyy`) and 31 (zh-CN `yyyy"年"m"月"d"日"`) that have no `<numFmt>` entry, a bold style for
 * titles and headers, merges. Deterministic byte for byte.
 */
export function exportXlsx(doc: WorkbookDoc): Buffer {
  const sheets = doc.sheets;
  return zip([
    { name: '[Content_Types].xml', data: contentTypes(sheets.length) },
    { name: '_rels/.rels', data: rootRels },
    { name: 'docProps/app.xml', data: appXml },
    { name: 'xl/workbook.xml', data: workbookXml(sheets) },
    { name: 'xl/_rels/workbook.xml.rels', data: workbookRels(sheets.length) },
    { name: 'xl/styles.xml', data: stylesXml },
    ...sheets.map((s, i) => ({ name: `xl/worksheets/sheet${i + 1}.xml`, data: sheetXml(s) })),
  ]);
}

const xmlHeader = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const mainNs = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const relNs = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

function contentTypes(count: number): string {
  const sheets = Array.from(
    { length: count },
    (_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`,
  ).join('');
  return `${xmlHeader}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>${sheets}</Types>`;
}

const rootRels = `${xmlHeader}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${relNs}/officeDocument" Target="xl/workbook.xml"/><Relationship Id="rId2" Type="${relNs}/extended-properties" Target="docProps/app.xml"/></Relationships>`;

const appXml = `${xmlHeader}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>镇街系统管理平台</Application></Properties>`;

function workbookXml(sheets: readonly SheetDoc[]): string {
  const list = sheets.map((s, i) => `<sheet name="${escapeXml(s.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('');
  return `${xmlHeader}<workbook xmlns="${mainNs}" xmlns:r="${relNs}"><sheets>${list}</sheets></workbook>`;
}

function workbookRels(count: number): string {
  const sheets = Array.from(
    { length: count },
    (_, i) => `<Relationship Id="rId${i + 1}" Type="${relNs}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`,
  ).join('');
  return `${xmlHeader}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${sheets}<Relationship Id="rId${count + 1}" Type="${relNs}/styles" Target="styles.xml"/></Relationships>`;
}

/** Styles: 0 general, 1 date (built-in 14), 2 date (built-in 31, zh-CN), 3 bold text. */
const stylesXml = `${xmlHeader}<styleSheet xmlns="${mainNs}"><fonts count="2"><font><sz val="11"/><name val="宋体"/></font><font><b/><sz val="11"/><name val="宋体"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="31" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs></styleSheet>`;

function cellXml(ref: string, cell: SampleCell, bold: boolean): string {
  if (cell === null) return '';
  if (typeof cell === 'number') return `<c r="${ref}"><v>${cell}</v></c>`;
  if (typeof cell === 'string') return `<c r="${ref}"${bold ? ' s="3"' : ''} t="inlineStr"><is><t xml:space="preserve">${escapeXml(cell)}</t></is></c>`;
  const serial = dateToSerial(new Date(`${cell.date.slice(0, 10)}T00:00:00Z`), false);
  return `<c r="${ref}" s="${cell.numFmt === 'yyyy-mm-dd' ? 1 : 2}"><v>${serial}</v></c>`;
}

function sheetXml(sheet: SheetDoc): string {
  const bold = new Set([...sheet.titleRows, ...sheet.headerRows]);
  const cols = sheet.widths.map((w, i) => `<col min="${i + 1}" max="${i + 1}" width="${w}" customWidth="1"/>`).join('');
  const rows = sheet.rows
    .map((cells, r) => {
      const body = cells.map((c, i) => cellXml(`${columnLetters(i + 1)}${r + 1}`, c, bold.has(r + 1))).join('');
      return body ? `<row r="${r + 1}">${body}</row>` : '';
    })
    .join('');
  const merges = sheet.merges.length
    ? `<mergeCells count="${sheet.merges.length}">${sheet.merges.map((m) => `<mergeCell ref="${columnLetters(m.left)}${m.top}:${columnLetters(m.right)}${m.bottom}"/>`).join('')}</mergeCells>`
    : '';
  return `${xmlHeader}<worksheet xmlns="${mainNs}" xmlns:r="${relNs}">${cols ? `<cols>${cols}</cols>` : ''}<sheetData>${rows}</sheetData>${merges}</worksheet>`;
}
