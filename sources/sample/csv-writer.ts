import iconv from 'iconv-lite';
import type { SampleCell, SheetDoc } from './sheet-doc.js';

/** A cell as Excel writes it into a CSV: date cells in the display style `2024/3/5`. */
function text(cell: SampleCell): string {
  if (cell === null) return '';
  if (typeof cell === 'number') return String(cell);
  if (typeof cell === 'string') return cell;
  return `${Number(cell.date.slice(0, 4))}/${Number(cell.date.slice(5, 7))}/${Number(cell.date.slice(8, 10))}`;
}

function quoted(value: string): string {
  return /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The sheet as CSV text: every row padded to the used width (as Excel does), CRLF line ends. */
function csvText(sheet: SheetDoc): string {
  const width = Math.max(...sheet.rows.map((r) => r.length), 1);
  return sheet.rows
    .map((cells) => Array.from({ length: width }, (_, i) => quoted(text(cells[i] ?? null))).join(','))
    .join('\r\n')
    .concat('\r\n');
}

/** CSV saved by Chinese Windows Excel/WPS: GB18030 (a superset of GBK), no BOM. */
export function gb18030Csv(sheet: SheetDoc): Buffer {
  return iconv.encode(csvText(sheet), 'gb18030');
}

/** CSV saved as "CSV UTF-8 (逗号分隔)": UTF-8 with a byte-order mark. */
export function utf8BomCsv(sheet: SheetDoc): Buffer {
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csvText(sheet), 'utf8')]);
}
