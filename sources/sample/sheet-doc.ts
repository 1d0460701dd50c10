import type { IsoDate } from '../../domain/dates.js';

/**
 * A spreadsheet as the sample composes it, before any file format: rows of cells, merged
 * ranges and which rows are titles and headers. The writers turn it into xlsx or CSV bytes.
 */

/** A date stored as a real date cell (an Excel serial with a date number format). */
interface DateCell {
  readonly kind: 'date';
  readonly date: IsoDate;
  /** Excel number format: `yyyy-mm-dd` or `yyyy"年"m"月"d"日"`. */
  readonly numFmt: 'yyyy-mm-dd' | 'yyyy"年"m"月"d"日"';
}

/** What a cell holds: text (also numbers written as text), a number, a date cell, or nothing. */
export type SampleCell = string | number | DateCell | null;

/** A merged range, 1-based and inclusive. */
export interface MergedRange {
  readonly top: number;
  readonly left: number;
  readonly bottom: number;
  readonly right: number;
}

/** One sheet. */
export interface SheetDoc {
  readonly name: string;
  /** `rows[0]` is sheet row 1; `rows[r][0]` is column A. */
  readonly rows: SampleCell[][];
  readonly merges: MergedRange[];
  /** 1-based rows drawn as titles (large, bold). */
  readonly titleRows: number[];
  /** 1-based rows drawn as table headers (bold, shaded, wrapped). */
  readonly headerRows: number[];
  /** Column widths in characters, from column A. */
  readonly widths: number[];
}

/** A workbook: one or more sheets (a CSV file holds only the first). */
export interface WorkbookDoc {
  readonly sheets: SheetDoc[];
}

/** How a file is produced. */
export type FileFormat =
  /** Saved by Excel (written with exceljs: shared strings, styles, merges, date cells). */
  | 'xlsx-excel'
  /** Exported by the 镇街系统管理平台 (inline strings, built-in date formats, no title rows needed). */
  | 'xlsx-export'
  /** CSV saved by WPS/Excel on Chinese Windows: GB18030, CRLF. */
  | 'csv-gb18030'
  /** CSV saved as "CSV UTF-8": UTF-8 with BOM, CRLF. */
  | 'csv-utf8-bom';

/** The file extension of a format. */
export function extensionOf(format: FileFormat): string {
  return format.startsWith('csv') ? '.csv' : '.xlsx';
}

/** Builds a sheet row by row. */
export class SheetBuilder {
  private readonly rows: SampleCell[][] = [];
  private readonly merges: MergedRange[] = [];
  private readonly titleRows: number[] = [];
  private readonly headerRows: number[] = [];

  constructor(
    private readonly name: string,
    /** Width of the table in columns, for titles merged across it. */
    readonly width: number,
  ) {}

  /** The 1-based number the next row will get. */
  get nextRow(): number {
    return this.rows.length + 1;
  }

  /** Appends a row and returns its 1-based number. */
  row(cells: SampleCell[]): number {
    this.rows.push(cells);
    return this.rows.length;
  }

  /** Overwrites one cell (1-based row and column). */
  set(row: number, column: number, value: SampleCell): void {
    const cells = this.rows[row - 1];
    if (!cells) throw new Error(`row ${row} does not exist`);
    while (cells.length < column) cells.push(null);
    cells[column - 1] = value;
  }

  blank(): number {
    return this.row([]);
  }

  /** A title across the table (merged in xlsx). */
  title(text: string): number {
    const r = this.row([text]);
    if (this.width > 1) this.merges.push({ top: r, left: 1, bottom: r, right: this.width });
    this.titleRows.push(r);
    return r;
  }

  /** Marks rows as header rows. */
  header(...rows: number[]): void {
    this.headerRows.push(...rows);
  }

  merge(range: MergedRange): void {
    this.merges.push(range);
  }

  build(widths?: number[]): SheetDoc {
    return {
      name: this.name,
      rows: this.rows,
      merges: this.merges,
      titleRows: this.titleRows,
      headerRows: this.headerRows,
      widths: widths ?? Array.from({ length: this.width }, () => 12),
    };
  }
}
