import { ReadError, cellAddress } from './reader.js';
import type { CellValue, ReadBudget, ReadLimits, SheetRow } from './reader.js';
import { serialToDate } from '../../domain/excel-serial.js';
import { parseIsoCellDate } from './xlsx-dates.js';
import { MAX_FORMULA_CHARS, shiftFormula } from './xlsx-formula.js';
import { cellKey } from './xlsx-formula-eval.js';
import type { CollectedFormula } from './xlsx-formula-eval.js';
import { OversizeText, TextCollector } from './xlsx-workbook.js';
import type { SharedString } from './xlsx-workbook.js';
import { XmlPartParser } from './xlsx-xml.js';
import type { XmlSink } from './xlsx-xml.js';

/**
 * Streams the rows of one worksheet part. Rows and cells lacking `r=` take the next position
 * (calamine issue 261); empty cells, however styled or wide the dimension, cost nothing;
 * only cells holding a value count against `maxColumns`.
 */

/** What a worksheet needs from its workbook. */
export interface SheetContext {
  readonly sheetName: string;
  readonly sharedStrings: readonly SharedString[];
  /** By cell style index: does the number format show a date? */
  readonly dateStyles: readonly boolean[];
  readonly date1904: boolean;
  readonly limits: ReadLimits;
  /** Checked on every chunk of the part (the read's deadline; on Node the heap guard too). */
  readonly budget: ReadBudget;
}

/** Most `<mergeCell>` entries read from one sheet (a real sheet has a few hundred at most). */
export const MAX_MERGES = 100_000;
/** Formula cells without a result named in a message. */
const MAX_SAMPLES = 10;

/** What parsing a sheet learnt besides its rows. */
export interface SheetFindings {
  /** `ref` of every `<mergeCell>`, in file order. */
  readonly merges: string[];
  /** Formula cells without a cached result. */
  uncachedCount: number;
  /** The first few of them, with their formulas (shared followers: the master's, shifted). */
  readonly uncachedSamples: { address: string; formula: string }[];
}

/** A sheet read whole into memory for formula evaluation. */
export interface CollectedSheet {
  readonly rows: SheetRow[];
  readonly findings: SheetFindings;
  /** Every formula cell, cached or not. */
  readonly formulas: CollectedFormula[];
  /** Cells holding a cached error (`t="e"`). */
  readonly errorCells: Set<number>;
  /** Rows marked `hidden` (SUBTOTAL 101–111 leaves them out). */
  readonly hiddenRows: Set<number>;
}

/**
 * Yields the rows of a worksheet part as its bytes arrive. `finish` sees what the parse found
 * once the part has ended (and may refuse the sheet, e.g. for formulas without results).
 */
export async function* readSheetRows(
  source: AsyncIterable<Uint8Array>,
  part: string,
  context: SheetContext,
  finish?: (findings: SheetFindings) => void,
): AsyncGenerator<SheetRow> {
  const builder = new RowBuilder(context, false);
  const parser = new XmlPartParser(part, builder, context.limits, context.budget);
  try {
    for await (const chunk of source) {
      parser.write(chunk);
      yield* builder.drain();
    }
    parser.end();
    yield* builder.drain();
    finish?.(builder.findings);
  } catch (err) {
    throw inSheet(err, context.sheetName);
  }
}

/** Reads a whole worksheet part into memory, with its formulas (for evaluation). */
export async function collectSheet(source: AsyncIterable<Uint8Array>, part: string, context: SheetContext): Promise<CollectedSheet> {
  const builder = new RowBuilder(context, true);
  const parser = new XmlPartParser(part, builder, context.limits, context.budget);
  const rows: SheetRow[] = [];
  try {
    for await (const chunk of source) {
      parser.write(chunk);
      for (const row of builder.drain()) rows.push(row);
    }
    parser.end();
    for (const row of builder.drain()) rows.push(row);
  } catch (err) {
    throw inSheet(err, context.sheetName);
  }
  return { rows, findings: builder.findings, formulas: builder.formulas, errorCells: builder.errorCells, hiddenRows: builder.hiddenRows };
}

function inSheet(err: unknown, sheet: string): ReadError {
  if (err instanceof ReadError) {
    return err.sheet ? err : new ReadError(err.code, `工作表“${sheet}”：${err.message}`, sheet, err.cell);
  }
  if (err instanceof RangeError) {
    return new ReadError('too_large', `工作表“${sheet}”内容过大，无法读取。（${err.message}）`, sheet);
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new ReadError('corrupt', `工作表“${sheet}”读取失败，文件可能已损坏。（${detail}）`, sheet);
}

/** SpreadsheetML `<sheetData>` → `SheetRow`s, one state machine per sheet. */
class RowBuilder implements XmlSink {
  private ready: SheetRow[] = [];
  private inSheetData = false;
  private inRow = false;
  private rowNumber = 0;
  private rowCount = 0;
  private cells: CellValue[] = [];
  private column = 0;

  private inCell = false;
  private type = 'n';
  private style = 0;
  private readonly value: TextCollector;
  private readonly inline: TextCollector;
  private hasValue = false;
  private hasInline = false;
  private collecting: 'value' | 'inline' | 'formula' | undefined;
  private inInline = false;
  private phonetic = 0;

  private hasFormula = false;
  private formulaType = '';
  private formulaSi: string | undefined;
  private formulaRef: string | undefined;
  private readonly formula = new TextCollector(MAX_FORMULA_CHARS);
  /** Shared-formula masters by `si`, to name followers' formulas in messages. */
  private readonly sharedMasters = new Map<string, { row: number; col: number; text: string }>();

  readonly findings: SheetFindings = { merges: [], uncachedCount: 0, uncachedSamples: [] };
  readonly formulas: CollectedFormula[] = [];
  readonly errorCells = new Set<number>();
  readonly hiddenRows = new Set<number>();

  constructor(
    private readonly context: SheetContext,
    /** Keep every formula, error cell and hidden row (in-memory evaluation). */
    private readonly collect: boolean,
  ) {
    this.value = new TextCollector(context.limits.maxCellChars);
    this.inline = new TextCollector(context.limits.maxCellChars);
  }

  /** Rows completed since the last call. */
  drain(): SheetRow[] {
    const rows = this.ready;
    this.ready = [];
    return rows;
  }

  open(name: string, attributes: Readonly<Record<string, string>>): void {
    if (name === 'sheetData') this.inSheetData = true;
    if (!this.inSheetData) {
      // <mergeCells> follows <sheetData>.
      if (name === 'mergeCell') this.addMerge(attributes['ref']);
      return;
    }
    switch (name) {
      case 'row':
        this.startRow(attributes['r']);
        if (this.collect && isTrue(attributes['hidden'])) this.hiddenRows.add(this.rowNumber);
        break;
      case 'f':
        if (this.inCell) {
          this.hasFormula = true;
          this.formulaType = attributes['t'] ?? 'normal';
          this.formulaSi = attributes['si'];
          this.formulaRef = attributes['ref'];
          this.formula.reset();
          this.collecting = 'formula';
        }
        break;
      case 'c':
        if (this.inRow) this.startCell(attributes);
        break;
      case 'v':
        if (this.inCell) this.collecting = 'value';
        break;
      case 'is':
        if (this.inCell) {
          this.inInline = true;
          this.hasInline = true;
        }
        break;
      case 'rPh':
        if (this.inInline) this.phonetic++;
        break;
      case 't':
        if (this.inInline && this.phonetic === 0) this.collecting = 'inline';
        break;
    }
  }

  text(text: string): void {
    if (this.collecting === 'value') {
      this.hasValue = true;
      this.value.add(text);
    } else if (this.collecting === 'inline') {
      this.inline.add(text);
    } else if (this.collecting === 'formula') {
      this.formula.add(text);
    }
  }

  /** A text node or CDATA section over the run cap was cut: the value, text or formula in hand is too long. */
  cut(dropped: number): void {
    if (this.collecting === 'value') this.value.cut(dropped);
    else if (this.collecting === 'inline') this.inline.cut(dropped);
    else if (this.collecting === 'formula') this.formula.cut(dropped);
  }

  close(name: string): void {
    if (!this.inSheetData) return;
    switch (name) {
      case 'v':
        if (this.collecting === 'value') this.hasValue = true;
        this.collecting = undefined;
        break;
      case 'f':
        if (this.collecting === 'formula') this.collecting = undefined;
        break;
      case 't':
        if (this.collecting === 'inline') this.collecting = undefined;
        break;
      case 'rPh':
        if (this.phonetic > 0) this.phonetic--;
        break;
      case 'is':
        this.inInline = false;
        break;
      case 'c':
        if (this.inCell) this.endCell();
        break;
      case 'row':
        if (this.inRow) this.endRow();
        break;
      case 'sheetData':
        this.inSheetData = false;
        break;
    }
  }

  private startRow(r: string | undefined): void {
    const given = Number(r);
    // A missing, invalid (r="0") or backwards number is replaced by the next position.
    this.rowNumber = Number.isInteger(given) && given > this.rowNumber ? given : this.rowNumber + 1;
    this.inRow = true;
    this.cells = [];
    this.column = 0;
  }

  private endRow(): void {
    this.inRow = false;
    this.rowCount++;
    if (this.rowCount > this.context.limits.maxRowsPerSheet) {
      throw new ReadError(
        'too_many_rows',
        `工作表“${this.context.sheetName}”行数过多（超过 ${this.context.limits.maxRowsPerSheet} 行），请拆分后报送。`,
        this.context.sheetName,
      );
    }
    this.ready.push({ rowNumber: this.rowNumber, cells: this.cells });
  }

  private startCell(attributes: Readonly<Record<string, string>>): void {
    const given = columnOf(attributes['r']);
    this.column = given ?? this.column + 1;
    this.type = attributes['t'] ?? 'n';
    this.style = Number(attributes['s'] ?? 0) || 0;
    this.inCell = true;
    this.hasValue = false;
    this.hasInline = false;
    this.hasFormula = false;
    this.value.reset();
    this.inline.reset();
  }

  private endCell(): void {
    this.inCell = false;
    this.collecting = undefined;
    this.inInline = false;
    this.phonetic = 0;
    const type = this.type;
    const value = this.cellValue();
    if (this.hasFormula) this.endFormula(value, type);
    if (this.collect && type === 'e' && value !== null) this.errorCells.add(cellKey(this.rowNumber, this.column));
    if (value === null) return;
    const { maxColumns } = this.context.limits;
    if (this.column > maxColumns) {
      const address = this.address();
      throw new ReadError(
        'too_many_columns',
        `工作表“${this.context.sheetName}”的单元格 ${address} 有数据，超出了允许的列数（${maxColumns} 列）。请删除表格右侧多余的内容后再报送。`,
        this.context.sheetName,
        address,
      );
    }
    while (this.cells.length < this.column - 1) this.cells.push(null);
    this.cells[this.column - 1] = value;
  }

  /**
   * A formula cell's result is cached when it has a `<v>` with something in it; an empty `<v>`
   * on a `t="str"` cell is Excel's cached empty text (`=IF(…,"",…)`), not a missing result.
   */
  private endFormula(value: CellValue, type: string): void {
    const cached = this.hasValue ? value !== null || type === 'str' : this.hasInline && value !== null;
    const raw = this.formula.take();
    const oversize = raw instanceof OversizeText;
    const text = oversize ? '' : raw;
    const row = this.rowNumber;
    const col = this.column;
    if (
      this.formulaType === 'shared' &&
      this.formulaSi !== undefined &&
      text.trim() !== '' &&
      !this.sharedMasters.has(this.formulaSi) &&
      this.sharedMasters.size < 10_000
    ) {
      this.sharedMasters.set(this.formulaSi, { row, col, text });
    }
    if (this.collect) {
      this.formulas.push({ row, col, text, type: this.formulaType, si: this.formulaSi, ref: this.formulaRef, cached, style: this.style, oversize });
    }
    if (cached) return;
    this.findings.uncachedCount++;
    if (this.findings.uncachedSamples.length < MAX_SAMPLES) {
      this.findings.uncachedSamples.push({ address: this.address(), formula: oversize ? '（公式过长）' : this.followerText(text, row, col) });
    }
  }

  private followerText(text: string, row: number, col: number): string {
    if (text.trim() !== '' || this.formulaType !== 'shared' || this.formulaSi === undefined) return text;
    const master = this.sharedMasters.get(this.formulaSi);
    if (!master) return '（共享公式）';
    try {
      return shiftFormula(master.text, row - master.row, col - master.col);
    } catch {
      return master.text;
    }
  }

  private addMerge(ref: string | undefined): void {
    if (!ref) return;
    if (this.findings.merges.length >= MAX_MERGES) {
      throw new ReadError(
        'too_large',
        `工作表“${this.context.sheetName}”中的合并单元格过多（超过 ${MAX_MERGES} 处），可能是异常或恶意构造的文件。`,
        this.context.sheetName,
      );
    }
    this.findings.merges.push(ref);
  }

  private cellValue(): CellValue {
    switch (this.type) {
      case 's':
        return this.hasValue ? this.sharedString(this.takeText(this.value)) : null;
      case 'inlineStr':
        return nonEmpty(this.takeText(this.hasInline ? this.inline : this.value));
      case 'str':
      case 'e':
        return this.hasValue ? nonEmpty(this.takeText(this.value)) : null;
      case 'b':
        return this.hasValue ? booleanOf(this.takeText(this.value)) : null;
      case 'd':
        return this.hasValue ? isoDateOf(this.takeText(this.value)) : null;
      default:
        if (this.hasValue) return this.number(this.takeText(this.value).trim());
        return this.hasInline ? nonEmpty(this.takeText(this.inline)) : null;
    }
  }

  private takeText(collector: TextCollector): string {
    const text = collector.take();
    if (text instanceof OversizeText) throw this.oversize(text.length);
    return text;
  }

  private sharedString(raw: string): CellValue {
    const index = Number(raw.trim());
    if (raw.trim() === '') return null;
    const text = Number.isInteger(index) ? this.context.sharedStrings[index] : undefined;
    if (text === undefined) {
      const address = this.address();
      throw new ReadError(
        'corrupt',
        `工作表“${this.context.sheetName}”的单元格 ${address} 引用了不存在的共享字符串（#${raw.trim()}），文件已损坏。`,
        this.context.sheetName,
        address,
      );
    }
    if (text instanceof OversizeText) throw this.oversize(text.length);
    return nonEmpty(text);
  }

  private number(raw: string): CellValue {
    if (raw === '') return null;
    const number = Number(raw);
    if (!Number.isFinite(number) || !/^[-+]?(\d|\.\d)/.test(raw)) return raw;
    if (this.context.dateStyles[this.style]) return serialToDate(number, this.context.date1904) ?? number;
    return number;
  }

  private oversize(length: number): ReadError {
    const address = this.address();
    return new ReadError(
      'too_large',
      `工作表“${this.context.sheetName}”的单元格 ${address} 内容过长（${length} 个字符，上限 ${this.context.limits.maxCellChars} 个），可能是异常或恶意构造的文件。`,
      this.context.sheetName,
      address,
    );
  }

  private address(): string {
    return cellAddress(this.rowNumber, this.column);
  }
}

/** Column number of an A1 reference (`B3` → 2, `$AA$1` → 27); undefined when absent or odd. */
function columnOf(ref: string | undefined): number | undefined {
  if (!ref) return undefined;
  let column = 0;
  for (let i = 0; i < ref.length; i++) {
    let code = ref.charCodeAt(i);
    if (code === 36 /* $ */) continue;
    if (code >= 97 && code <= 122) code -= 32;
    if (code < 65 || code > 90) break;
    column = column * 26 + (code - 64);
    if (column > 1_000_000) return undefined;
  }
  return column > 0 ? column : undefined;
}

function isTrue(value: string | undefined): boolean {
  return value === '1' || value?.toLowerCase() === 'true';
}

function nonEmpty(text: string): CellValue {
  return text === '' ? null : text;
}

function booleanOf(raw: string): CellValue {
  const text = raw.trim().toLowerCase();
  if (text === '1' || text === 'true') return true;
  if (text === '0' || text === 'false') return false;
  return nonEmpty(raw);
}

function isoDateOf(raw: string): CellValue {
  if (raw.trim() === '') return null;
  return parseIsoCellDate(raw) ?? raw;
}
