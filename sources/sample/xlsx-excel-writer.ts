import ExcelJS from 'exceljs';
import type { SheetDoc, WorkbookDoc } from './sheet-doc.js';

/** The time stamped into the workbook's properties, so that content does not depend on the clock. */
const fixedTime = new Date(Date.UTC(2024, 0, 1));

const thin = { style: 'thin' as const };
const border = { top: thin, left: thin, bottom: thin, right: thin };

function fillSheet(ws: ExcelJS.Worksheet, sheet: SheetDoc): void {
  const titles = new Set(sheet.titleRows);
  const headers = new Set(sheet.headerRows);
  const firstHeader = Math.min(...sheet.headerRows);
  const tableWidth = sheet.widths.length;
  sheet.widths.forEach((w, i) => {
    ws.getColumn(i + 1).width = w;
  });
  sheet.rows.forEach((cells, r) => {
    const rowNumber = r + 1;
    cells.forEach((value, c) => {
      if (value === null) return;
      const cell = ws.getCell(rowNumber, c + 1);
      if (typeof value === 'object') {
        const [y, m, d] = [Number(value.date.slice(0, 4)), Number(value.date.slice(5, 7)), Number(value.date.slice(8, 10))];
        cell.value = new Date(Date.UTC(y, m - 1, d));
        cell.numFmt = value.numFmt;
      } else {
        cell.value = value;
      }
    });
    const row = ws.getRow(rowNumber);
    if (titles.has(rowNumber)) {
      row.font = { bold: true, size: 14, name: '宋体' };
      row.alignment = { horizontal: 'center', vertical: 'middle' };
      row.height = 28;
    } else if (headers.has(rowNumber)) {
      for (let c = 1; c <= tableWidth; c++) {
        const cell = ws.getCell(rowNumber, c);
        cell.font = { bold: true, name: '宋体' };
        cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
        cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9E1F2' } };
        cell.border = border;
      }
    } else if (rowNumber > firstHeader && cells.length > 1 && cells.some((v) => v !== null)) {
      for (let c = 1; c <= tableWidth; c++) ws.getCell(rowNumber, c).border = border;
    }
  });
  for (const m of sheet.merges) ws.mergeCells(m.top, m.left, m.bottom, m.right);
}

/** Writes a workbook as Excel would save it (exceljs: shared strings, styles, merges, date cells). */
export async function excelXlsx(doc: WorkbookDoc): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '渝北区消防救援局';
  wb.created = fixedTime;
  wb.modified = fixedTime;
  for (const sheet of doc.sheets) fillSheet(wb.addWorksheet(sheet.name), sheet);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
