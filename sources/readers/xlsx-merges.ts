import { cellAddress, cellRange } from './reader.js';
import type { CellValue, ReaderNotice, SheetRow } from './reader.js';

/**
 * Vertically merged cells. A range merged over several rows keeps its value only in its top-left
 * cell; the rows below look empty (`检查日期` merged over the three hazards of one inspection).
 * Each row a merge covers gets the merge's value in the merge's first column, as a person reads
 * the sheet. Horizontal merges are left as they are (the table locator reads merged group
 * headers itself). Only rows that are in the file are filled; none are invented.
 */

export interface MergeRange {
  readonly ref: string;
  readonly r1: number;
  readonly c1: number;
  readonly r2: number;
  readonly c2: number;
}

/** The merges of `refs` that span more than one row, in sheet order; odd refs are ignored. */
export function verticalMerges(refs: readonly string[], maxColumns: number): MergeRange[] {
  const out: MergeRange[] = [];
  for (const ref of refs) {
    const range = cellRange(ref);
    if (!range) continue;
    if (range.r2 === range.r1 || range.r1 < 1 || range.c1 < 1 || range.c1 > maxColumns) continue;
    out.push({ ref: `${cellAddress(range.r1, range.c1)}:${cellAddress(range.r2, range.c2)}`, ...range });
  }
  return out.sort((a, b) => a.r1 - b.r1 || a.c1 - b.c1);
}

interface Active {
  readonly merge: MergeRange;
  readonly value: CellValue;
  used: boolean;
  /** A row it covers holds a number, date or boolean (data, not a header or title). */
  dataRows: boolean;
}

/** A row holding something other than text: a data row rather than a header, title or note. */
function holdsData(cells: readonly CellValue[]): boolean {
  for (const c of cells) if (c !== null && typeof c !== 'string') return true;
  return false;
}

/** Fills the rows a vertical merge covers as they stream past; at most one merge per column at a time. */
export class MergeSpreader {
  private next = 0;
  private readonly active = new Map<number, Active>();
  private readonly done: Active[] = [];

  constructor(private readonly merges: readonly MergeRange[]) {}

  get empty(): boolean {
    return this.merges.length === 0;
  }

  apply(row: SheetRow): SheetRow {
    if (this.merges.length === 0) return row;
    const r = row.rowNumber;
    for (const [col, a] of this.active) {
      if (a.merge.r2 < r) {
        this.active.delete(col);
        if (a.used) this.done.push(a);
      }
    }
    while (this.next < this.merges.length && this.merges[this.next]!.r1 <= r) {
      const merge = this.merges[this.next++]!;
      // The anchor row must be this one: a merge whose top row is missing has nothing to give.
      if (merge.r1 !== r || this.active.has(merge.c1)) continue;
      const value = row.cells[merge.c1 - 1] ?? null;
      if (value === null) continue;
      this.active.set(merge.c1, { merge, value, used: false, dataRows: false });
    }
    if (this.active.size === 0) return row;
    let cells: CellValue[] | undefined;
    for (const a of this.active.values()) {
      if (a.merge.r1 === r) continue;
      if ((row.cells[a.merge.c1 - 1] ?? null) !== null) continue;
      cells ??= [...row.cells];
      while (cells.length < a.merge.c1) cells.push(null);
      cells[a.merge.c1 - 1] = a.value;
      a.used = true;
    }
    const data = holdsData(cells ?? row.cells);
    if (data) for (const a of this.active.values()) a.dataRows = true;
    return cells ? { rowNumber: r, cells } : row;
  }

  /** The notice naming the merges whose value went into data rows; headers and titles go unmentioned. */
  notice(sheet: string): ReaderNotice | undefined {
    const spread = [...this.done, ...[...this.active.values()].filter((a) => a.used)]
      .filter((a) => a.dataRows)
      .map((a) => a.merge)
      .sort((a, b) => a.r1 - b.r1 || a.c1 - b.c1);
    if (spread.length === 0) return undefined;
    const shown = spread
      .slice(0, 10)
      .map((m) => m.ref)
      .join('、');
    const more = spread.length > 10 ? ` 等 ${spread.length} 处` : '';
    return {
      code: 'merged_spread',
      sheet,
      message: `工作表“${sheet}”中合并单元格 ${shown}${more} 的值已填入其覆盖的每一行`,
    };
  }
}
