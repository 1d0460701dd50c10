import { zip, type ZipEntry } from '../../sources/sample/zip-writer.js';

/**
 * Crafted xlsx packages that exceljs would never write: prefixed namespaces, rows without `r=`,
 * 1904 dates, duplicate or unsafe member names, bad CRCs, bombs.
 */

/** A member of a crafted package: stored unless `deflate` (see `ZipEntry`). */
export type ZipMember = ZipEntry;

/** Builds a zip file in memory with the project's zip writer; members are stored unless `deflate`. */
export function buildZip(members: readonly ZipMember[]): Buffer {
  return zip(members.map((m) => ({ ...m, deflate: m.deflate ?? false })));
}

const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const REL_TYPE = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

export interface CraftedSheet {
  readonly name: string;
  /** The children of `<sheetData>`. */
  readonly rows: string;
  readonly state?: 'hidden' | 'veryHidden';
}

export interface CraftedWorkbook {
  readonly sheets: readonly CraftedSheet[];
  /** `<si>` elements. */
  readonly sharedStrings?: readonly string[];
  /** `<numFmt>` elements and the numFmtId of each cellXfs `<xf>` (style index = position). */
  readonly numFmts?: string;
  readonly xfNumFmtIds?: readonly number[];
  readonly date1904?: boolean;
  /** Prefix bound to the SpreadsheetML namespace (`x` → `<x:worksheet>`). */
  readonly prefix?: string;
}

/** The members of a minimal but valid xlsx package. */
export function craftXlsx(book: CraftedWorkbook): ZipMember[] {
  const p = book.prefix ? `${book.prefix}:` : '';
  const ns = book.prefix ? `xmlns:${book.prefix}="${MAIN_NS}"` : `xmlns="${MAIN_NS}"`;
  const members: ZipMember[] = [
    {
      name: '[Content_Types].xml',
      data:
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
        '</Types>',
    },
    {
      name: '_rels/.rels',
      data: `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL_TYPE}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    },
  ];
  const rels: string[] = [];
  const sheetEls: string[] = [];
  book.sheets.forEach((sheet, i) => {
    rels.push(`<Relationship Id="rId${i + 1}" Type="${REL_TYPE}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`);
    const state = sheet.state ? ` state="${sheet.state}"` : '';
    sheetEls.push(`<${p}sheet name="${sheet.name}" sheetId="${i + 1}"${state} r:id="rId${i + 1}"/>`);
    members.push({
      name: `xl/worksheets/sheet${i + 1}.xml`,
      data: `<?xml version="1.0" encoding="UTF-8"?><${p}worksheet ${ns} xmlns:r="${REL_NS}"><${p}sheetData>${sheet.rows}</${p}sheetData></${p}worksheet>`,
      deflate: true,
    });
  });
  const n = book.sheets.length;
  rels.push(`<Relationship Id="rId${n + 1}" Type="${REL_TYPE}/styles" Target="styles.xml"/>`);
  const xfs = (book.xfNumFmtIds ?? [0]).map((id) => `<${p}xf numFmtId="${id}" fontId="0" fillId="0" borderId="0" xfId="0"/>`).join('');
  members.push({
    name: 'xl/styles.xml',
    data: `<?xml version="1.0" encoding="UTF-8"?><${p}styleSheet ${ns}>${book.numFmts ? `<${p}numFmts>${book.numFmts}</${p}numFmts>` : ''}<${p}cellXfs>${xfs}</${p}cellXfs></${p}styleSheet>`,
  });
  if (book.sharedStrings) {
    rels.push(`<Relationship Id="rId${n + 2}" Type="${REL_TYPE}/sharedStrings" Target="sharedStrings.xml"/>`);
    members.push({
      name: 'xl/sharedStrings.xml',
      data: `<?xml version="1.0" encoding="UTF-8"?><${p}sst ${ns}>${book.sharedStrings.join('')}</${p}sst>`,
    });
  }
  const pr = book.date1904 ? `<${p}workbookPr date1904="1"/>` : '';
  members.push(
    {
      name: 'xl/workbook.xml',
      data: `<?xml version="1.0" encoding="UTF-8"?><${p}workbook ${ns} xmlns:r="${REL_NS}">${pr}<${p}sheets>${sheetEls.join('')}</${p}sheets></${p}workbook>`,
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      data: `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rels.join('')}</Relationships>`,
    },
  );
  return members;
}
