import { ReadError, cellAddress } from './reader.js';
import type { CellValue, SheetRow } from './reader.js';
import { FormulaUnevaluable, referencedSheets, parseFormula } from './xlsx-formula.js';
import { Evaluator, FormulaSheet, defaultEvaluationBudget, resultCellValue } from './xlsx-formula-eval.js';
import type { EvaluationBudget, FormulaCell } from './xlsx-formula-eval.js';
import type { XlsxPackage } from './xlsx-package.js';
import { collectSheet } from './xlsx-sheet.js';
import type { SheetContext } from './xlsx-sheet.js';
import type { SheetEntry, WorkbookModel } from './xlsx-workbook.js';

/**
 * The sheets of one workbook held in memory for evaluating formulas that have no cached result:
 * the sheet being read and, transitively, every sheet its uncached formulas refer to (hidden
 * sheets included — they are skipped as tables, not as data). Bounded by the total size of the
 * parts loaded; a workbook over the bound is refused rather than evaluated partly.
 */

/** Most uncompressed worksheet XML held in memory for evaluation, over the whole workbook. */
const FORMULA_MAX_WORKBOOK_BYTES = 32 * 1024 * 1024;
const SAVE_HINT = '请在 Excel/WPS 中打开并保存后再报送';
const MAX_NAMED = 10;

/** One sheet's rows with evaluated results in place. */
export interface EvaluatedSheet {
  readonly rows: SheetRow[];
  /** `ref` of every `<mergeCell>` of the sheet. */
  readonly merges: readonly string[];
  /** Formula cells given a result by firestat. */
  readonly evaluated: number;
  /** The first of them as `C9 =SUM(C5:C8)`, for the notice. */
  readonly example: string | undefined;
}

export class FormulaBook {
  private readonly models = new Map<number, FormulaSheet>();
  private readonly merges = new Map<number, readonly string[]>();
  private readonly byName = new Map<string, SheetEntry>();
  private loadedBytes = 0;
  private readonly evaluator: Evaluator;

  constructor(
    private readonly pkg: XlsxPackage,
    workbook: WorkbookModel,
    private readonly contextOf: (sheet: SheetEntry) => SheetContext,
    private readonly budget: EvaluationBudget = defaultEvaluationBudget,
    private readonly maxBytes: number = FORMULA_MAX_WORKBOOK_BYTES,
  ) {
    for (const s of workbook.sheets) {
      const key = s.name.toUpperCase();
      if (!this.byName.has(key)) this.byName.set(key, s);
    }
    this.evaluator = new Evaluator((name) => {
      const entry = this.byName.get(name.toUpperCase());
      return entry ? this.models.get(entry.index) : undefined;
    }, budget);
  }

  /**
   * Evaluates every formula of `sheet` that has no cached result and returns its rows with the
   * results in place. `bytes` are the sheet's inflated bytes when the caller already has them.
   * @throws ReadError `formula_unevaluated` naming the cells when any cannot be evaluated.
   */
  async evaluateSheet(sheet: SheetEntry, bytes?: AsyncIterable<Uint8Array>): Promise<EvaluatedSheet> {
    const target = await this.load(sheet, sheet, bytes);
    await this.loadReferenced(target, sheet);
    const pending = target.pending;
    for (let i = 0; i < pending.length; i++) {
      if ((i & 1023) === 0) this.budget.checkpoint?.();
      this.evaluator.evaluate(pending[i]!);
    }
    const failed = pending.filter((c) => c.state !== 'done');
    if (failed.length > 0) throw this.refusal(sheet, failed);
    return this.patch(sheet, target);
  }

  private async load(entry: SheetEntry, forSheet: SheetEntry, bytes?: AsyncIterable<Uint8Array>): Promise<FormulaSheet> {
    const loaded = this.models.get(entry.index);
    if (loaded) return loaded;
    const part = entry.part;
    if (!part || !this.pkg.has(part)) throw new ReadError('corrupt', `文件已损坏：找不到工作表“${entry.name}”的数据部件。`, entry.name);
    const size = this.pkg.size(part);
    if (this.loadedBytes + size > this.maxBytes) {
      throw new ReadError(
        'formula_unevaluated',
        `工作表“${forSheet.name}”中有公式单元格没有保存计算结果，需要由系统计算，但参与计算的工作表过大（合计 ${mib(this.loadedBytes + size)}，上限 ${mib(this.maxBytes)}），系统无法计算。${SAVE_HINT}`,
        forSheet.name,
      );
    }
    this.loadedBytes += size;
    const context = this.contextOf(entry);
    const collected = await collectSheet(bytes ?? this.pkg.chunks(part), part, context);
    const model = new FormulaSheet(entry.name, collected.rows, collected.formulas, collected.errorCells, collected.hiddenRows, context.date1904);
    this.models.set(entry.index, model);
    this.merges.set(entry.index, collected.findings.merges);
    let total = 0;
    for (const m of this.models.values()) total += m.pending.length;
    if (total > this.budget.maxFormulas) {
      throw new ReadError(
        'formula_unevaluated',
        `工作表“${forSheet.name}”中有公式单元格没有保存计算结果，但工作簿中没有计算结果的公式过多（${total} 个，上限 ${this.budget.maxFormulas} 个），系统无法计算。${SAVE_HINT}`,
        forSheet.name,
      );
    }
    return model;
  }

  /** Loads the sheets the uncached formulas refer to, and the sheets theirs refer to. */
  private async loadReferenced(start: FormulaSheet, forSheet: SheetEntry): Promise<void> {
    const queue = [start];
    const seen = new Set<FormulaSheet>([start]);
    while (queue.length > 0) {
      const model = queue.pop()!;
      const names = new Set<string>();
      for (const cell of model.pending) {
        if (cell.kind === 'arrayMember' || cell.parseError || cell.ast) {
          if (cell.ast) referencedSheets(cell.ast, names);
          continue;
        }
        try {
          cell.ast = parseFormula(cell.text);
          referencedSheets(cell.ast, names);
        } catch (err) {
          if (!(err instanceof FormulaUnevaluable)) throw err;
          cell.parseError = err;
        }
      }
      for (const name of names) {
        const entry = this.byName.get(name.toUpperCase());
        // A missing sheet or a chart sheet fails the formula that names it, with its name.
        if (!entry || (entry.kind !== 'worksheet' && entry.kind !== '') || !entry.part || !this.pkg.has(entry.part)) continue;
        const loaded = await this.load(entry, forSheet);
        if (!seen.has(loaded)) {
          seen.add(loaded);
          queue.push(loaded);
        }
      }
    }
  }

  private refusal(sheet: SheetEntry, failed: readonly FormulaCell[]): ReadError {
    const ordered = [...failed].sort((a, b) => rank(a) - rank(b) || a.row - b.row || a.col - b.col);
    const named = ordered.slice(0, MAX_NAMED).map((c) => `${cellAddress(c.row, c.col)} ${shown(c.text)}：${c.failure?.reason ?? '无法计算'}`);
    const more = failed.length > MAX_NAMED ? `；等 ${failed.length} 个单元格` : '';
    const first = ordered[0]!;
    return new ReadError(
      'formula_unevaluated',
      `工作表“${sheet.name}”中有 ${failed.length} 个公式单元格没有保存计算结果，系统也无法计算：${named.join('；')}${more}。${SAVE_HINT}`,
      sheet.name,
      cellAddress(first.row, first.col),
    );
  }

  /** Puts results into the rows as the reader yields cells, within the read limits. */
  private patch(sheet: SheetEntry, model: FormulaSheet): EvaluatedSheet {
    const context = this.contextOf(sheet);
    const { maxColumns, maxCellChars } = context.limits;
    let evaluated = 0;
    let example: string | undefined;
    const touched = new Set<CellValue[]>();
    for (const cell of model.pending) {
      const cells = model.rowMap.get(cell.row);
      if (!cells) continue;
      const value = resultCellValue(cell.result, context.dateStyles[cell.style] ?? false, context.date1904);
      const address = cellAddress(cell.row, cell.col);
      if (value !== null && cell.col > maxColumns) {
        throw new ReadError(
          'too_many_columns',
          `工作表“${sheet.name}”的单元格 ${address} 有数据，超出了允许的列数（${maxColumns} 列）。请删除表格右侧多余的内容后再报送。`,
          sheet.name,
          address,
        );
      }
      if (typeof value === 'string' && value.length > maxCellChars) {
        throw new ReadError(
          'too_large',
          `工作表“${sheet.name}”的单元格 ${address} 的公式结果过长（${value.length} 个字符，上限 ${maxCellChars} 个）。`,
          sheet.name,
          address,
        );
      }
      if (cell.col <= cells.length || value !== null) {
        while (cells.length < cell.col) cells.push(null);
        cells[cell.col - 1] = value;
      }
      touched.add(cells);
      evaluated++;
      if (!example && cell.kind !== 'arrayMember') example = `${address} ${shown(cell.text)}`;
    }
    for (const cells of touched) {
      while (cells.length > 0 && cells[cells.length - 1] === null) cells.pop();
    }
    return { rows: model.rows, merges: this.merges.get(sheet.index) ?? [], evaluated, example };
  }
}

function rank(c: FormulaCell): number {
  return c.failure?.root === false ? 1 : 0;
}

function shown(text: string): string {
  const t = `=${text.trim()}`;
  return t.length > 80 ? `${t.slice(0, 77)}…` : t;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
