import { cellAddress, cellRange } from './reader.js';
import type { CellValue, SheetRow } from './reader.js';
import { dateToSerial, serialToDate } from '../../domain/excel-serial.js';
import { FormulaUnevaluable, MAX_COL, parseFormula, shiftFormula } from './xlsx-formula.js';
import type { BinaryOp, FormulaNode, RefNode } from './xlsx-formula.js';

/**
 * Evaluates formula cells that a producer (openpyxl, exceljs, POI, a platform export) wrote without
 * a cached result, over sheets held in memory. A deliberately small, Excel-faithful subset:
 * arithmetic, comparisons, `&`, `%`, references and ranges (also to hidden sheets), and the
 * functions statistics tables use (SUM, SUBTOTAL, SUMIF(S), COUNT(A/IF/IFS/BLANK), AVERAGE(IF),
 * MIN, MAX, ROUND*, IF, IFERROR, AND/OR/NOT …). Anything else — volatile or unknown functions,
 * external links, `#REF!`, cycles — is {@link FormulaUnevaluable}: the file is refused rather
 * than given a guessed number. Evaluation is iterative (no recursion over dependency chains) and
 * bounded by step, depth and formula budgets, so a hostile file cannot hang the run.
 */

/** An Excel error value (`#DIV/0!` …) as a result, not a failure to evaluate. */
export class XlError {
  private static readonly known = new Map<string, XlError>();
  private constructor(readonly code: string) {}
  static of(code: string): XlError {
    let e = XlError.known.get(code);
    if (!e) {
      e = new XlError(code);
      XlError.known.set(code, e);
    }
    return e;
  }
}

const DIV0 = XlError.of('#DIV/0!');
const VALUE = XlError.of('#VALUE!');
const NUM = XlError.of('#NUM!');
const NA = XlError.of('#N/A');

/** A single value; `null` is an empty cell (not the empty string). */
export type Scalar = number | string | boolean | XlError | null;

interface Area {
  readonly kind: 'area';
  readonly sheet: FormulaSheet;
  readonly r1: number;
  readonly c1: number;
  readonly r2: number;
  readonly c2: number;
}

interface Matrix {
  readonly kind: 'matrix';
  readonly rows: Scalar[][];
}

type Value = Scalar | Area | Matrix;

function isArea(v: Value): v is Area {
  return typeof v === 'object' && v !== null && !(v instanceof XlError) && v.kind === 'area';
}

function isMatrix(v: Value): v is Matrix {
  return typeof v === 'object' && v !== null && !(v instanceof XlError) && v.kind === 'matrix';
}

/** A formula cell as read from the sheet XML (cached or not). */
export interface CollectedFormula {
  readonly row: number;
  readonly col: number;
  /** The `<f>` text; empty for shared-formula followers. */
  readonly text: string;
  /** `<f t=…>`: normal, shared, array, dataTable. */
  readonly type: string;
  readonly si: string | undefined;
  readonly ref: string | undefined;
  /** Whether the file holds a result for it. */
  readonly cached: boolean;
  readonly style: number;
  /** Longer than firestat evaluates. */
  readonly oversize?: boolean;
}

/** A formula cell without a cached result, to be evaluated. */
export interface FormulaCell {
  readonly sheet: FormulaSheet;
  readonly row: number;
  readonly col: number;
  /** The formula as it applies to this cell (shared followers: the master's, shifted). */
  readonly text: string;
  readonly style: number;
  readonly kind: 'normal' | 'array' | 'arrayMember';
  /** Array formulas: the range the result fills. */
  readonly arrayArea?: { r1: number; c1: number; r2: number; c2: number };
  /** Array members: the cell holding the formula. */
  readonly master?: FormulaCell;
  ast?: FormulaNode;
  parseError?: FormulaUnevaluable;
  state: 'pending' | 'active' | 'done' | 'failed';
  result?: Scalar;
  failure?: { readonly reason: string; readonly root: boolean };
}

/** Numbers of cells go by this key: (row − 1) × 16384 + (col − 1). */
export function cellKey(row: number, col: number): number {
  return (row - 1) * MAX_COL + (col - 1);
}

/** Largest array-formula range that is filled cell by cell. */
const MAX_ARRAY_CELLS = 10_000;

/** One sheet held in memory for evaluation: its rows as read and its uncached formula cells. */
export class FormulaSheet {
  readonly rowMap = new Map<number, CellValue[]>();
  /** Row numbers in ascending order. */
  readonly rowNumbers: number[] = [];
  maxRow = 0;
  maxCol = 0;
  readonly uncached = new Map<number, FormulaCell>();
  /** Every uncached formula cell in sheet order (array members included). */
  readonly pending: FormulaCell[] = [];
  /** Cells holding SUBTOTAL/AGGREGATE formulas: SUBTOTAL leaves them out. */
  readonly subtotalCells = new Set<number>();
  /** Cells of array formulas filled one by one, and rows added for them (both bounded). */
  private arrayCells = 0;
  private createdRows = 0;

  constructor(
    readonly name: string,
    readonly rows: SheetRow[],
    formulas: readonly CollectedFormula[],
    /** Cells of type `e` (cached errors). */
    readonly errorCells: ReadonlySet<number>,
    readonly hiddenRows: ReadonlySet<number>,
    readonly date1904: boolean,
  ) {
    for (const row of rows) {
      this.rowMap.set(row.rowNumber, row.cells as CellValue[]);
      this.rowNumbers.push(row.rowNumber);
      this.maxRow = Math.max(this.maxRow, row.rowNumber);
      this.maxCol = Math.max(this.maxCol, row.cells.length);
    }
    this.rowNumbers.sort((a, b) => a - b);
    this.resolve(formulas);
  }

  private resolve(formulas: readonly CollectedFormula[]): void {
    const masters = new Map<string, CollectedFormula>();
    for (const f of formulas) {
      if (f.type === 'shared' && f.si !== undefined && f.text.trim() !== '' && !masters.has(f.si)) masters.set(f.si, f);
    }
    for (const f of formulas) {
      let text = f.text;
      let parseError: FormulaUnevaluable | undefined;
      if (f.type === 'shared' && text.trim() === '') {
        const master = f.si === undefined ? undefined : masters.get(f.si);
        if (!master) parseError = new FormulaUnevaluable('共享公式找不到主公式');
        else {
          text = master.text;
          try {
            text = shiftFormula(master.text, f.row - master.row, f.col - master.col);
          } catch (err) {
            if (!(err instanceof FormulaUnevaluable)) throw err;
            parseError = err;
          }
        }
      } else if (f.oversize) {
        parseError = new FormulaUnevaluable('公式过长');
      } else if (f.type === 'dataTable') {
        parseError = new FormulaUnevaluable('使用了模拟运算表（数据表）');
      }
      if (/\b(SUBTOTAL|AGGREGATE)\s*\(/i.test(text)) this.subtotalCells.add(cellKey(f.row, f.col));
      if (f.cached) continue;
      const area = f.type === 'array' ? cellRange(f.ref) : undefined;
      const cell: FormulaCell = {
        sheet: this,
        row: f.row,
        col: f.col,
        text,
        style: f.style,
        kind: f.type === 'array' ? 'array' : 'normal',
        state: 'pending',
        ...(area ? { arrayArea: area } : {}),
        ...(parseError ? { parseError } : {}),
      };
      this.add(cell);
      if (area && (area.r2 > area.r1 || area.c2 > area.c1)) {
        const size = (area.r2 - area.r1 + 1) * (area.c2 - area.c1 + 1);
        let missingRows = 0;
        for (let r = area.r1; r <= area.r2 && missingRows <= MAX_ARRAY_CELLS; r++) if (!this.rowMap.has(r)) missingRows++;
        this.arrayCells += size;
        this.createdRows += missingRows;
        if (size > MAX_ARRAY_CELLS || this.arrayCells > MAX_ARRAY_CELLS * 10 || this.createdRows > MAX_ARRAY_CELLS) {
          cell.parseError = new FormulaUnevaluable(`数组公式范围过大（${size} 个单元格）`);
          continue;
        }
        for (let r = area.r1; r <= area.r2; r++) {
          for (let c = area.c1; c <= area.c2; c++) {
            if (r === f.row && c === f.col) continue;
            this.add({ sheet: this, row: r, col: c, text, style: f.style, kind: 'arrayMember', master: cell, state: 'pending' });
          }
        }
      }
    }
  }

  private add(cell: FormulaCell): void {
    const key = cellKey(cell.row, cell.col);
    if (this.uncached.has(key)) return;
    this.uncached.set(key, cell);
    this.pending.push(cell);
    const cells = this.ensureRow(cell.row);
    while (cells.length < cell.col) cells.push(null);
    this.maxCol = Math.max(this.maxCol, cells.length);
  }

  /** The cells of a row, creating an empty row (an array formula may fill rows the file lacks). */
  private ensureRow(rowNumber: number): CellValue[] {
    let cells = this.rowMap.get(rowNumber);
    if (cells) return cells;
    cells = [];
    this.rowMap.set(rowNumber, cells);
    const row: SheetRow = { rowNumber, cells };
    // rows and rowNumbers are both in ascending row order (the parser makes row numbers increase).
    const at = lowerBound(this.rowNumbers, rowNumber);
    this.rowNumbers.splice(at, 0, rowNumber);
    this.rows.splice(at, 0, row);
    this.maxRow = Math.max(this.maxRow, rowNumber);
    return cells;
  }
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? 0) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The bounds every evaluation runs within. */
export interface EvaluationBudget {
  /** Most uncached formula cells evaluated in one workbook. */
  readonly maxFormulas: number;
  /** Most syntax-tree steps plus cell reads in one workbook. */
  readonly maxSteps: number;
  /** Longest chain of formulas waiting on one another. */
  readonly maxDepth: number;
  /** Longest text result (Excel: 32,767). */
  readonly maxTextChars: number;
  /**
   * Called every 65,536 steps; throws (a `ReadError`, not a `FormulaUnevaluable`) to stop the
   * whole read: the file's deadline, the heap guard.
   */
  readonly checkpoint?: () => void;
}

export const defaultEvaluationBudget: EvaluationBudget = {
  maxFormulas: 100_000,
  maxSteps: 50_000_000,
  maxDepth: 100_000,
  maxTextChars: 32_767,
};

class BudgetExceeded extends FormulaUnevaluable {}
class DependentFailure extends FormulaUnevaluable {}

interface Frame {
  readonly cell: FormulaCell;
  deps: FormulaCell[];
  next: number;
}

interface Ctx {
  readonly sheet: FormulaSheet;
  readonly row: number;
  readonly col: number;
  /** Array formula (or an argument of SUMPRODUCT): ranges stay arrays under operators. */
  readonly array: boolean;
}

type Fn = (ev: Evaluator, args: readonly FormulaNode[], ctx: Ctx) => Value;

const VOLATILE = new Set(['TODAY', 'NOW', 'RAND', 'RANDBETWEEN', 'RANDARRAY', 'INDIRECT', 'OFFSET', 'CELL', 'INFO']);

/** Evaluates the uncached formula cells of the sheets of one workbook. */
export class Evaluator {
  private steps = 0;
  private formulas = 0;
  private need: FormulaCell[] = [];
  private exhausted: BudgetExceeded | undefined;

  constructor(
    /** Finds a sheet by the name a formula uses (case-insensitive); undefined when there is none. */
    private readonly sheetNamed: (name: string) => FormulaSheet | undefined,
    private readonly budget: EvaluationBudget = defaultEvaluationBudget,
  ) {}

  /** Evaluates one cell (and what it depends on); afterwards its state is `done` or `failed`. */
  evaluate(target: FormulaCell): void {
    const root = target.kind === 'arrayMember' && target.master ? target.master : target;
    if (root.state !== 'pending') return;
    root.state = 'active';
    const stack: Frame[] = [{ cell: root, deps: [], next: 0 }];
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      let pushed = false;
      while (frame.next < frame.deps.length) {
        const dep = frame.deps[frame.next++]!;
        if (dep.state !== 'pending') continue;
        if (stack.length >= this.budget.maxDepth) {
          this.fail(frame.cell, new FormulaUnevaluable('公式之间的引用层级过深'), true);
          stack.pop();
          pushed = true;
          break;
        }
        dep.state = 'active';
        stack.push({ cell: dep, deps: [], next: 0 });
        pushed = true;
        break;
      }
      if (pushed) continue;
      this.need = [];
      try {
        const result = this.run(frame.cell);
        if (this.need.length > 0) {
          frame.deps = this.need;
          frame.next = 0;
          continue;
        }
        this.complete(frame.cell, result);
        stack.pop();
      } catch (err) {
        if (!(err instanceof FormulaUnevaluable)) throw err;
        if (this.need.length > 0 && !(err instanceof BudgetExceeded)) {
          frame.deps = this.need;
          frame.next = 0;
          continue;
        }
        this.fail(frame.cell, err, !(err instanceof DependentFailure));
        stack.pop();
      }
    }
  }

  private run(cell: FormulaCell): Scalar | Matrix {
    if (this.exhausted) throw this.exhausted;
    if (++this.formulas > this.budget.maxFormulas * 4) throw this.exhaust('需要计算的公式过多');
    if (cell.parseError) throw cell.parseError;
    if (!cell.ast) {
      try {
        cell.ast = parseFormula(cell.text);
      } catch (err) {
        if (err instanceof FormulaUnevaluable) cell.parseError = err;
        throw err;
      }
    }
    const ctx: Ctx = { sheet: cell.sheet, row: cell.row, col: cell.col, array: cell.kind === 'array' };
    const value = this.eval(cell.ast, ctx);
    // Read a referenced cell now, so that a formula it still waits for is known before completing.
    if (cell.kind === 'array' && cell.arrayArea && (isArea(value) || isMatrix(value))) return this.toMatrix(value);
    return this.scalar(value, ctx);
  }

  private exhaust(reason: string): BudgetExceeded {
    this.exhausted ??= new BudgetExceeded(reason);
    return this.exhausted;
  }

  private complete(cell: FormulaCell, value: Scalar | Matrix): void {
    if (cell.kind === 'array' && cell.arrayArea) {
      const area = cell.arrayArea;
      const matrix = isMatrix(value) ? value : undefined;
      for (let r = area.r1; r <= area.r2; r++) {
        for (let c = area.c1; c <= area.c2; c++) {
          const target = r === cell.row && c === cell.col ? cell : cell.sheet.uncached.get(cellKey(r, c));
          if (!target || (target !== cell && target.master !== cell)) continue;
          let v: Scalar;
          if (!matrix) v = value as Scalar;
          else {
            const rows = matrix.rows;
            const i = rows.length === 1 ? 0 : r - area.r1;
            const j = (rows[0]?.length ?? 0) === 1 ? 0 : c - area.c1;
            v = rows[i]?.[j] ?? NA;
          }
          target.result = finalScalar(v);
          target.state = 'done';
        }
      }
      return;
    }
    cell.result = finalScalar(isMatrix(value) ? (value.rows[0]?.[0] ?? null) : value);
    cell.state = 'done';
  }

  private fail(cell: FormulaCell, err: FormulaUnevaluable, root: boolean): void {
    cell.state = 'failed';
    cell.failure = { reason: err.reason, root };
    if (cell.kind !== 'array') return;
    for (const member of cell.sheet.pending) {
      if (member.master === cell && member.state !== 'done') {
        member.state = 'failed';
        member.failure = { reason: `数组公式 ${cellAddress(cell.row, cell.col)} 无法计算`, root: false };
      }
    }
  }

  private step(): void {
    if (++this.steps > this.budget.maxSteps) throw this.exhaust('公式计算量过大');
    if ((this.steps & 0xffff) === 0) this.budget.checkpoint?.();
  }

  // ---- values of cells ----

  private cellValue(sheet: FormulaSheet, row: number, col: number): Scalar {
    this.step();
    const formula = sheet.uncached.size > 0 ? sheet.uncached.get(cellKey(row, col)) : undefined;
    if (formula) return this.formulaValue(formula);
    const raw = sheet.rowMap.get(row)?.[col - 1] ?? null;
    return this.fromCell(sheet, row, col, raw);
  }

  private fromCell(sheet: FormulaSheet, row: number, col: number, raw: CellValue): Scalar {
    if (raw === null) return null;
    if (raw instanceof Date) return dateToSerial(raw, sheet.date1904);
    if (typeof raw === 'string' && raw.startsWith('#') && sheet.errorCells.has(cellKey(row, col))) return XlError.of(raw);
    return raw;
  }

  private formulaValue(cell: FormulaCell): Scalar {
    switch (cell.state) {
      case 'done':
        return cell.result ?? null;
      case 'failed':
        throw new DependentFailure(`引用的单元格 ${qualified(cell)} 无法计算`);
      case 'active':
        throw new FormulaUnevaluable(`循环引用（经过 ${qualified(cell)}）`);
      case 'pending': {
        const owner = cell.kind === 'arrayMember' && cell.master ? cell.master : cell;
        if (owner.state === 'active') throw new FormulaUnevaluable(`循环引用（经过 ${qualified(owner)}）`);
        if (owner.state === 'failed') throw new DependentFailure(`引用的单元格 ${qualified(owner)} 无法计算`);
        this.need.push(owner);
        return null;
      }
    }
  }

  /** Calls `fn` for every cell of the area that holds something (or is a formula), row by row. */
  private forEachCell(area: Area, fn: (v: Scalar, row: number, col: number) => void): void {
    const { sheet } = area;
    const lastRow = Math.min(area.r2, sheet.maxRow);
    let i = lowerBound(sheet.rowNumbers, area.r1);
    for (; i < sheet.rowNumbers.length; i++) {
      const r = sheet.rowNumbers[i]!;
      if (r > lastRow) break;
      const cells = sheet.rowMap.get(r)!;
      const lastCol = Math.min(area.c2, cells.length);
      for (let c = area.c1; c <= lastCol; c++) {
        const raw = cells[c - 1] ?? null;
        if (raw === null && !sheet.uncached.has(cellKey(r, c))) {
          this.step();
          continue;
        }
        fn(this.cellValue(sheet, r, c), r, c);
      }
    }
  }

  /** A dense copy of an area (whole columns/rows clipped to the used part of the sheet). */
  private toMatrix(v: Area | Matrix): Matrix {
    if (isMatrix(v)) return v;
    const lastRow = Math.min(v.r2, Math.max(v.sheet.maxRow, v.r1));
    const lastCol = Math.min(v.c2, Math.max(v.sheet.maxCol, v.c1));
    const rows: Scalar[][] = [];
    for (let r = v.r1; r <= lastRow; r++) {
      const row: Scalar[] = [];
      for (let c = v.c1; c <= lastCol; c++) row.push(this.cellValue(v.sheet, r, c));
      rows.push(row);
    }
    return { kind: 'matrix', rows };
  }

  // ---- the syntax tree ----

  private eval(node: FormulaNode, ctx: Ctx): Value {
    this.step();
    switch (node.k) {
      case 'num':
        return node.v;
      case 'str':
        return node.v;
      case 'bool':
        return node.v;
      case 'missing':
        return null;
      case 'err':
        if (node.v === '#REF!') throw new FormulaUnevaluable('引用无效（#REF!）');
        if (node.v === '#NAME?') throw new FormulaUnevaluable('公式中有无法识别的名称（#NAME?）');
        return XlError.of(node.v);
      case 'ref':
        return this.area(node, ctx);
      case 'neg':
        return this.unary(this.eval(node.a, ctx), ctx, (x) => -x);
      case 'pct':
        return this.unary(this.eval(node.a, ctx), ctx, (x) => x / 100);
      case 'bin':
        return this.binary(node.op, this.eval(node.a, ctx), this.eval(node.b, ctx), ctx);
      case 'call':
        return this.call(node.name, node.args, ctx);
    }
  }

  private area(node: RefNode, ctx: Ctx): Area {
    let sheet = ctx.sheet;
    if (node.sheet !== undefined) {
      const found = this.sheetNamed(node.sheet);
      if (!found) throw new FormulaUnevaluable(`引用了不存在或无法读取的工作表“${node.sheet}”`);
      sheet = found;
    }
    return { kind: 'area', sheet, r1: node.r1, c1: node.c1, r2: node.r2, c2: node.c2 };
  }

  /** One value from a value that may be a range: Excel's implicit intersection. */
  scalar(v: Value, ctx: Ctx): Scalar {
    if (isMatrix(v)) return v.rows[0]?.[0] ?? null;
    if (!isArea(v)) return v;
    if (v.r1 === v.r2 && v.c1 === v.c2) return this.cellValue(v.sheet, v.r1, v.c1);
    if (v.c1 === v.c2 && ctx.row >= v.r1 && ctx.row <= v.r2) return this.cellValue(v.sheet, ctx.row, v.c1);
    if (v.r1 === v.r2 && ctx.col >= v.c1 && ctx.col <= v.c2) return this.cellValue(v.sheet, v.r1, ctx.col);
    return VALUE;
  }

  private unary(v: Value, ctx: Ctx, op: (x: number) => number): Value {
    if (ctx.array && (isArea(v) || isMatrix(v))) {
      return mapMatrix(this.toMatrix(v), (s) => numericResult(s, op));
    }
    return numericResult(this.scalar(v, ctx), op);
  }

  private binary(op: BinaryOp, a: Value, b: Value, ctx: Ctx): Value {
    if (ctx.array && (isArea(a) || isMatrix(a) || isArea(b) || isMatrix(b))) {
      const ma = isArea(a) || isMatrix(a) ? this.toMatrix(a) : { kind: 'matrix' as const, rows: [[a]] };
      const mb = isArea(b) || isMatrix(b) ? this.toMatrix(b) : { kind: 'matrix' as const, rows: [[b]] };
      return this.broadcast(ma, mb, (x, y) => this.apply(op, x, y));
    }
    return this.apply(op, this.scalar(a, ctx), this.scalar(b, ctx));
  }

  private broadcast(a: Matrix, b: Matrix, fn: (x: Scalar, y: Scalar) => Scalar): Matrix {
    const height = Math.max(a.rows.length, b.rows.length);
    const width = Math.max(a.rows[0]?.length ?? 0, b.rows[0]?.length ?? 0);
    const pick = (m: Matrix, i: number, j: number): Scalar => {
      const rows = m.rows.length === 1 ? m.rows[0] : m.rows[i];
      if (!rows) return NA;
      return rows.length === 1 ? (rows[0] ?? null) : j < rows.length ? (rows[j] ?? null) : NA;
    };
    const out: Scalar[][] = [];
    for (let i = 0; i < height; i++) {
      const row: Scalar[] = [];
      for (let j = 0; j < width; j++) {
        this.step();
        row.push(fn(pick(a, i, j), pick(b, i, j)));
      }
      out.push(row);
    }
    return { kind: 'matrix', rows: out };
  }

  private apply(op: BinaryOp, a: Scalar, b: Scalar): Scalar {
    if (a instanceof XlError) return a;
    if (b instanceof XlError) return b;
    switch (op) {
      case '&': {
        const text = toText(a) + toText(b);
        return text.length > this.budget.maxTextChars ? VALUE : text;
      }
      case '=':
      case '<>':
      case '<':
      case '>':
      case '<=':
      case '>=': {
        const c = compare(a, b);
        switch (op) {
          case '=':
            return c === 0;
          case '<>':
            return c !== 0;
          case '<':
            return c < 0;
          case '>':
            return c > 0;
          case '<=':
            return c <= 0;
          default:
            return c >= 0;
        }
      }
      default: {
        const x = toNumber(a);
        if (x instanceof XlError) return x;
        const y = toNumber(b);
        if (y instanceof XlError) return y;
        switch (op) {
          case '+':
            return finite(x + y);
          case '-':
            return finite(x - y);
          case '*':
            return finite(x * y);
          case '/':
            return y === 0 ? DIV0 : finite(x / y);
          default:
            if (x === 0 && y === 0) return NUM;
            return finite(x ** y);
        }
      }
    }
  }

  // ---- functions ----

  private call(name: string, args: readonly FormulaNode[], ctx: Ctx): Value {
    const fn = FUNCTIONS[name];
    if (fn) return fn(this, args, ctx);
    if (VOLATILE.has(name)) throw new FormulaUnevaluable(`使用了易变函数 ${name}，其结果随时间、位置或环境而变`);
    throw new FormulaUnevaluable(`使用了系统不支持的函数 ${name}`);
  }

  /** Evaluates an argument. */
  arg(node: FormulaNode | undefined, ctx: Ctx): Value {
    return node ? this.eval(node, ctx) : null;
  }

  /** Evaluates an argument to one value. */
  scalarArg(node: FormulaNode | undefined, ctx: Ctx): Scalar {
    return node ? this.scalar(this.eval(node, ctx), ctx) : null;
  }

  /** Evaluates an argument that must be a reference (SUMIF's ranges, SUBTOTAL's refs). */
  areaArg(node: FormulaNode | undefined, ctx: Ctx, fn: string): Area {
    const v = node ? this.eval(node, ctx) : null;
    if (!isArea(v)) throw new FormulaUnevaluable(`函数 ${fn} 的参数必须是单元格区域`);
    return v;
  }

  /**
   * Visits the values of arguments as SUM/COUNT/… do: in references only numbers count (text,
   * booleans and empty cells are skipped); typed arguments are converted (`SUM("3", TRUE)` is 4).
   * The first error met is returned.
   */
  eachValue(
    args: readonly FormulaNode[],
    ctx: Ctx,
    visit: (v: Scalar, direct: boolean) => XlError | undefined,
    filter?: (sheet: FormulaSheet, row: number, col: number) => boolean,
  ): XlError | undefined {
    for (const node of args) {
      const v = this.eval(node, ctx);
      if (isArea(v)) {
        let error: XlError | undefined;
        this.forEachCell(v, (s, r, c) => {
          if (error || (filter && !filter(v.sheet, r, c))) return;
          error = visit(s, false);
        });
        if (error) return error;
      } else if (isMatrix(v)) {
        for (const row of v.rows)
          for (const s of row) {
            const e = visit(s, false);
            if (e) return e;
          }
      } else {
        const e = visit(node.k === 'missing' ? null : v, true);
        if (e) return e;
      }
    }
    return undefined;
  }

  /** The numbers SUM, AVERAGE, MIN, MAX … work on, or the first error. */
  numbers(args: readonly FormulaNode[], ctx: Ctx, filter?: (sheet: FormulaSheet, row: number, col: number) => boolean): number[] | XlError {
    const out: number[] = [];
    const error = this.eachValue(
      args,
      ctx,
      (v, direct) => {
        if (v instanceof XlError) return v;
        if (typeof v === 'number') out.push(v);
        else if (direct && v !== null) {
          const n = toNumber(v);
          if (n instanceof XlError) return n;
          out.push(n);
        }
        return undefined;
      },
      filter,
    );
    return error ?? out;
  }

  /** Cell-by-cell walk of same-shaped ranges (SUMIF/COUNTIFS …), dense over the used part. */
  walkAligned(areas: readonly Area[], fn: (values: Scalar[]) => void): number {
    const first = areas[0]!;
    const height = first.r2 - first.r1 + 1;
    const width = first.c2 - first.c1 + 1;
    let rows = 0;
    let cols = 0;
    for (const a of areas) {
      rows = Math.max(rows, Math.min(height, Math.max(0, a.sheet.maxRow - a.r1 + 1)));
      cols = Math.max(cols, Math.min(width, Math.max(0, a.sheet.maxCol - a.c1 + 1)));
    }
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        fn(areas.map((a) => this.cellValue(a.sheet, a.r1 + i, a.c1 + j)));
      }
    }
    // Cells past the used part are empty; the caller learns how many it did not visit.
    return height * width - rows * cols;
  }

  toMatrixValue(v: Value, ctx: Ctx): Matrix {
    if (isArea(v) || isMatrix(v)) return this.toMatrix(v);
    return { kind: 'matrix', rows: [[this.scalar(v, ctx)]] };
  }
}

function qualified(cell: FormulaCell): string {
  return `${cell.sheet.name}!${cellAddress(cell.row, cell.col)}`;
}

function mapMatrix(m: Matrix, fn: (s: Scalar) => Scalar): Matrix {
  return { kind: 'matrix', rows: m.rows.map((row) => row.map(fn)) };
}

function numericResult(s: Scalar, op: (x: number) => number): Scalar {
  const x = toNumber(s);
  return x instanceof XlError ? x : finite(op(x));
}

function finite(x: number): Scalar {
  return Number.isFinite(x) ? x : NUM;
}

/** The value a formula cell takes: an empty reference reads as 0, as in Excel. */
function finalScalar(v: Scalar): Scalar {
  if (v === null) return 0;
  if (typeof v === 'number' && !Number.isFinite(v)) return NUM;
  return v;
}

const NUMERIC_TEXT = /^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?%?$/;

/** Text → number the way Excel coerces it (`"1,002"`, `"5%"`, `" 3 "`); #VALUE! otherwise. */
function textToNumber(text: string): number | XlError {
  const t = text.trim();
  if (t === '' || !/\d/.test(t) || !NUMERIC_TEXT.test(t)) return VALUE;
  const percent = t.endsWith('%');
  const n = Number((percent ? t.slice(0, -1) : t).replace(/,/g, ''));
  if (!Number.isFinite(n)) return VALUE;
  return percent ? n / 100 : n;
}

function toNumber(v: Scalar): number | XlError {
  if (v === null) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof XlError) return v;
  return textToNumber(v);
}

/** Number → text as Excel's General format does (15 significant digits). */
export function numberText(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n);
  const s = String(Number(n.toPrecision(15)));
  return s.replace(/e([+-])(\d)$/, 'E$10$2').replace(/e/, 'E');
}

function toText(v: Scalar): string {
  if (v === null) return '';
  if (typeof v === 'number') return numberText(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (v instanceof XlError) return v.code;
  return v;
}

function toBoolean(v: Scalar): boolean | XlError {
  if (v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (v instanceof XlError) return v;
  const u = v.trim().toUpperCase();
  if (u === 'TRUE') return true;
  if (u === 'FALSE') return false;
  return VALUE;
}

/** Excel's ordering: numbers < text < booleans; text compares case-insensitively; empty is 0/""/FALSE. */
function compare(a: Scalar, b: Scalar): number {
  const rank = (v: Scalar): number => (typeof v === 'number' ? 0 : typeof v === 'string' ? 1 : 2);
  let x = a;
  let y = b;
  if (x === null && y === null) return 0;
  if (x === null) x = typeof y === 'number' ? 0 : typeof y === 'string' ? '' : false;
  if (y === null) y = typeof x === 'number' ? 0 : typeof x === 'string' ? '' : false;
  const rx = rank(x);
  const ry = rank(y);
  if (rx !== ry) return rx - ry;
  if (typeof x === 'string' && typeof y === 'string') {
    const ux = x.toUpperCase();
    const uy = y.toUpperCase();
    return ux < uy ? -1 : ux > uy ? 1 : 0;
  }
  const nx = Number(x);
  const ny = Number(y);
  return nx < ny ? -1 : nx > ny ? 1 : 0;
}

/** Criteria of SUMIF/COUNTIF: `">5"`, `"<>已整改"`, `"镇*"`, `3`, `""`. */
function criteria(c: Scalar): (v: Scalar) => boolean {
  if (c instanceof XlError) return (v) => v === c;
  if (c === null) return (v) => v === 0;
  if (typeof c === 'number') return (v) => (typeof v === 'number' ? v === c : typeof v === 'string' && textToNumber(v) === c);
  if (typeof c === 'boolean') return (v) => v === c;
  const m = /^(<=|>=|<>|=|<|>)?([\s\S]*)$/.exec(c)!;
  const op = m[1] ?? '=';
  const rest = m[2] ?? '';
  const n = rest.trim() === '' ? VALUE : textToNumber(rest);
  if (!(n instanceof XlError)) {
    const num = n;
    return (v) => {
      const x = typeof v === 'number' ? v : typeof v === 'string' && (op === '=' || op === '<>') ? textToNumber(v) : undefined;
      if (typeof x !== 'number') return op === '<>';
      switch (op) {
        case '=':
          return x === num;
        case '<>':
          return x !== num;
        case '<':
          return x < num;
        case '>':
          return x > num;
        case '<=':
          return x <= num;
        default:
          return x >= num;
      }
    };
  }
  const upper = rest.toUpperCase();
  if (upper === 'TRUE' || upper === 'FALSE') {
    const b = upper === 'TRUE';
    return (v) => (op === '<>' ? v !== b : op === '=' ? v === b : false);
  }
  if (rest === '') {
    if (op === '=') return (v) => v === null || v === '';
    if (op === '<>') return (v) => v !== null && v !== '';
    return () => false;
  }
  if (op === '=' || op === '<>') {
    const pattern = wildcard(rest);
    return (v) => {
      const hit = typeof v === 'string' && pattern.test(v);
      return op === '=' ? hit : !hit;
    };
  }
  return (v) => {
    if (typeof v !== 'string') return false;
    const c2 = compare(v, rest);
    return op === '<' ? c2 < 0 : op === '>' ? c2 > 0 : op === '<=' ? c2 <= 0 : c2 >= 0;
  };
}

function wildcard(text: string): RegExp {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '~' && i + 1 < text.length) out += escapeRegExp(text[++i]!);
    else if (ch === '*') out += '[\\s\\S]*';
    else if (ch === '?') out += '[\\s\\S]';
    else out += escapeRegExp(ch);
  }
  return new RegExp(`^${out}$`, 'i');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Rounds half away from zero on the decimal value Excel shows (15 significant digits). */
export function excelRound(x: number, digits: number, mode: 'near' | 'up' | 'down' = 'near'): number {
  const d = Math.max(-15, Math.min(15, Math.trunc(digits)));
  const sign = x < 0 ? -1 : 1;
  const abs = Number(Math.abs(x).toPrecision(15));
  const scaled = Number(`${abs}e${d}`);
  const shifted = Number.isFinite(scaled) && !String(abs).includes('e') ? scaled : abs * 10 ** d;
  const cleaned = Number(shifted.toPrecision(15));
  const r = mode === 'near' ? Math.round(cleaned) : mode === 'up' ? Math.ceil(cleaned) : Math.floor(cleaned);
  const back = Number(`${r}e${-d}`);
  return sign * (Number.isFinite(back) ? back : r / 10 ** d);
}

function aggregate(kind: number, nums: number[]): Scalar {
  switch (kind) {
    case 1:
      return nums.length === 0 ? DIV0 : nums.reduce((s, x) => s + x, 0) / nums.length;
    case 2:
      return nums.length;
    case 4:
      return nums.length === 0 ? 0 : Math.max(...nums);
    case 5:
      return nums.length === 0 ? 0 : Math.min(...nums);
    case 6:
      return nums.reduce((p, x) => p * x, 1);
    case 7:
    case 8:
    case 10:
    case 11: {
      const sample = kind === 7 || kind === 10;
      if (nums.length < (sample ? 2 : 1)) return DIV0;
      const mean = nums.reduce((s, x) => s + x, 0) / nums.length;
      const ss = nums.reduce((s, x) => s + (x - mean) ** 2, 0);
      const variance = ss / (nums.length - (sample ? 1 : 0));
      return kind === 10 || kind === 11 ? variance : Math.sqrt(variance);
    }
    default:
      return nums.reduce((s, x) => s + x, 0);
  }
}

function maxOf(nums: readonly number[]): number {
  let m = -Infinity;
  for (const x of nums) if (x > m) m = x;
  return m;
}

function minOf(nums: readonly number[]): number {
  let m = Infinity;
  for (const x of nums) if (x < m) m = x;
  return m;
}

function sum(nums: readonly number[]): number {
  let s = 0;
  for (const x of nums) s += x;
  return s;
}

function arity(name: string, args: readonly FormulaNode[], min: number, max: number): void {
  if (args.length < min || args.length > max) throw new FormulaUnevaluable(`函数 ${name} 的参数个数不对`);
}

function numberArg(ev: Evaluator, node: FormulaNode | undefined, ctx: Ctx): number | XlError {
  return toNumber(ev.scalarArg(node, ctx));
}

function counting(ev: Evaluator, args: readonly FormulaNode[], ctx: Ctx, counted: (v: Scalar, direct: boolean) => boolean): Scalar {
  let n = 0;
  ev.eachValue(args, ctx, (v, direct) => {
    if (counted(v, direct)) n++;
    return undefined;
  });
  return n;
}

function countIfs(ev: Evaluator, pairs: readonly FormulaNode[], ctx: Ctx, name: string): { areas: Area[]; tests: ((v: Scalar) => boolean)[] } {
  const areas: Area[] = [];
  const tests: ((v: Scalar) => boolean)[] = [];
  for (let i = 0; i < pairs.length; i += 2) {
    areas.push(ev.areaArg(pairs[i], ctx, name));
    tests.push(criteria(ev.scalarArg(pairs[i + 1], ctx)));
  }
  const h = areas[0]!.r2 - areas[0]!.r1;
  const w = areas[0]!.c2 - areas[0]!.c1;
  if (areas.some((a) => a.r2 - a.r1 !== h || a.c2 - a.c1 !== w)) throw new FormulaUnevaluable(`函数 ${name} 的各个区域大小不一致`);
  return { areas, tests };
}

/** Resizes SUMIF's sum range to the shape of its criteria range, as Excel does. */
function resized(sumArea: Area, like: Area): Area {
  return { ...sumArea, r2: sumArea.r1 + (like.r2 - like.r1), c2: sumArea.c1 + (like.c2 - like.c1) };
}

const FUNCTIONS: Readonly<Record<string, Fn>> = {
  SUM: (ev, args, ctx) => {
    const nums = ev.numbers(args, ctx);
    return nums instanceof XlError ? nums : sum(nums);
  },
  AVERAGE: (ev, args, ctx) => {
    const nums = ev.numbers(args, ctx);
    return nums instanceof XlError ? nums : aggregate(1, nums);
  },
  MIN: (ev, args, ctx) => {
    const nums = ev.numbers(args, ctx);
    return nums instanceof XlError ? nums : nums.length === 0 ? 0 : minOf(nums);
  },
  MAX: (ev, args, ctx) => {
    const nums = ev.numbers(args, ctx);
    return nums instanceof XlError ? nums : nums.length === 0 ? 0 : maxOf(nums);
  },
  PRODUCT: (ev, args, ctx) => {
    const nums = ev.numbers(args, ctx);
    return nums instanceof XlError ? nums : finite(nums.reduce((p, x) => p * x, 1));
  },
  COUNT: (ev, args, ctx) =>
    counting(
      ev,
      args,
      ctx,
      (v, direct) => typeof v === 'number' || (direct && (typeof v === 'boolean' || (typeof v === 'string' && !(textToNumber(v) instanceof XlError)))),
    ),
  COUNTA: (ev, args, ctx) => counting(ev, args, ctx, (v) => v !== null),
  COUNTBLANK: (ev, args, ctx) => {
    arity('COUNTBLANK', args, 1, 1);
    const area = ev.areaArg(args[0], ctx, 'COUNTBLANK');
    let blank = 0;
    const unvisited = ev.walkAligned([area], ([v]) => {
      if (v === null || v === '') blank++;
    });
    return blank + unvisited;
  },
  SUBTOTAL: (ev, args, ctx) => {
    if (args.length < 2) throw new FormulaUnevaluable('函数 SUBTOTAL 的参数个数不对');
    const code = numberArg(ev, args[0], ctx);
    if (code instanceof XlError) return code;
    const kind = Math.trunc(code);
    const base = kind > 100 ? kind - 100 : kind;
    if (base < 1 || base > 11) return VALUE;
    const refs = args.slice(1);
    for (const r of refs) ev.areaArg(r, ctx, 'SUBTOTAL');
    const filter = (sheet: FormulaSheet, row: number, col: number): boolean =>
      !sheet.subtotalCells.has(cellKey(row, col)) && !(kind > 100 && sheet.hiddenRows.has(row));
    if (base === 3) {
      let n = 0;
      ev.eachValue(
        refs,
        ctx,
        (v) => {
          if (v !== null) n++;
          return undefined;
        },
        filter,
      );
      return n;
    }
    const nums = ev.numbers(refs, ctx, filter);
    return nums instanceof XlError ? nums : aggregate(base, nums);
  },
  SUMIF: (ev, args, ctx) => {
    arity('SUMIF', args, 2, 3);
    const range = ev.areaArg(args[0], ctx, 'SUMIF');
    const test = criteria(ev.scalarArg(args[1], ctx));
    const sumArea = args[2] && args[2].k !== 'missing' ? resized(ev.areaArg(args[2], ctx, 'SUMIF'), range) : range;
    let total = 0;
    let error: XlError | undefined;
    ev.walkAligned([range, sumArea], ([v, s]) => {
      if (test(v ?? null)) {
        if (s instanceof XlError) error ??= s;
        else if (typeof s === 'number') total += s;
      }
    });
    return error ?? total;
  },
  SUMIFS: (ev, args, ctx) => {
    if (args.length < 3 || args.length % 2 === 0) throw new FormulaUnevaluable('函数 SUMIFS 的参数个数不对');
    const sumArea = ev.areaArg(args[0], ctx, 'SUMIFS');
    const { areas, tests } = countIfs(ev, args.slice(1), ctx, 'SUMIFS');
    if (areas[0]!.r2 - areas[0]!.r1 !== sumArea.r2 - sumArea.r1 || areas[0]!.c2 - areas[0]!.c1 !== sumArea.c2 - sumArea.c1) return VALUE;
    let total = 0;
    let error: XlError | undefined;
    ev.walkAligned([sumArea, ...areas], ([s, ...vs]) => {
      if (tests.every((t, i) => t(vs[i] ?? null))) {
        if (s instanceof XlError) error ??= s;
        else if (typeof s === 'number') total += s;
      }
    });
    return error ?? total;
  },
  AVERAGEIF: (ev, args, ctx) => {
    arity('AVERAGEIF', args, 2, 3);
    const range = ev.areaArg(args[0], ctx, 'AVERAGEIF');
    const test = criteria(ev.scalarArg(args[1], ctx));
    const avgArea = args[2] && args[2].k !== 'missing' ? resized(ev.areaArg(args[2], ctx, 'AVERAGEIF'), range) : range;
    let total = 0;
    let n = 0;
    let error: XlError | undefined;
    ev.walkAligned([range, avgArea], ([v, s]) => {
      if (test(v ?? null)) {
        if (s instanceof XlError) error ??= s;
        else if (typeof s === 'number') {
          total += s;
          n++;
        }
      }
    });
    return error ?? (n === 0 ? DIV0 : total / n);
  },
  COUNTIF: (ev, args, ctx) => {
    arity('COUNTIF', args, 2, 2);
    const { areas, tests } = countIfs(ev, args, ctx, 'COUNTIF');
    let n = 0;
    const unvisited = ev.walkAligned(areas, ([v]) => {
      if (tests[0]!(v ?? null)) n++;
    });
    return n + (tests[0]!(null) ? unvisited : 0);
  },
  COUNTIFS: (ev, args, ctx) => {
    if (args.length < 2 || args.length % 2 !== 0) throw new FormulaUnevaluable('函数 COUNTIFS 的参数个数不对');
    const { areas, tests } = countIfs(ev, args, ctx, 'COUNTIFS');
    let n = 0;
    const unvisited = ev.walkAligned(areas, (vs) => {
      if (tests.every((t, i) => t(vs[i] ?? null))) n++;
    });
    return n + (tests.every((t) => t(null)) ? unvisited : 0);
  },
  SUMPRODUCT: (ev, args, ctx) => {
    if (args.length < 1) throw new FormulaUnevaluable('函数 SUMPRODUCT 的参数个数不对');
    const arrayCtx = { ...ctx, array: true };
    const ms = args.map((a) => ev.toMatrixValue(ev.arg(a, arrayCtx), arrayCtx));
    const h = ms[0]!.rows.length;
    const w = ms[0]!.rows[0]?.length ?? 0;
    if (ms.some((m) => m.rows.length !== h || (m.rows[0]?.length ?? 0) !== w)) return VALUE;
    let total = 0;
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        let p = 1;
        for (const m of ms) {
          const v = m.rows[i]![j] ?? null;
          if (v instanceof XlError) return v;
          p *= typeof v === 'number' ? v : 0;
        }
        total += p;
      }
    }
    return finite(total);
  },
  TRANSPOSE: (ev, args, ctx) => {
    arity('TRANSPOSE', args, 1, 1);
    const m = ev.toMatrixValue(ev.arg(args[0], ctx), ctx);
    const width = m.rows[0]?.length ?? 0;
    const rows: Scalar[][] = [];
    for (let j = 0; j < width; j++) rows.push(m.rows.map((row) => row[j] ?? null));
    return { kind: 'matrix', rows };
  },
  ROUND: (ev, args, ctx) => roundFn(ev, args, ctx, 'near', 'ROUND'),
  ROUNDUP: (ev, args, ctx) => roundFn(ev, args, ctx, 'up', 'ROUNDUP'),
  ROUNDDOWN: (ev, args, ctx) => roundFn(ev, args, ctx, 'down', 'ROUNDDOWN'),
  INT: (ev, args, ctx) => {
    arity('INT', args, 1, 1);
    const x = numberArg(ev, args[0], ctx);
    return x instanceof XlError ? x : Math.floor(x);
  },
  ABS: (ev, args, ctx) => {
    arity('ABS', args, 1, 1);
    const x = numberArg(ev, args[0], ctx);
    return x instanceof XlError ? x : Math.abs(x);
  },
  MOD: (ev, args, ctx) => {
    arity('MOD', args, 2, 2);
    const x = numberArg(ev, args[0], ctx);
    const y = numberArg(ev, args[1], ctx);
    if (x instanceof XlError) return x;
    if (y instanceof XlError) return y;
    return y === 0 ? DIV0 : finite(x - y * Math.floor(x / y));
  },
  IF: (ev, args, ctx) => {
    arity('IF', args, 1, 3);
    const test = toBoolean(ev.scalarArg(args[0], ctx));
    if (test instanceof XlError) return test;
    if (test) return args.length >= 2 ? ev.arg(args[1], ctx) : true;
    return args.length >= 3 ? ev.arg(args[2], ctx) : false;
  },
  IFERROR: (ev, args, ctx) => {
    arity('IFERROR', args, 2, 2);
    const v = ev.scalarArg(args[0], ctx);
    return v instanceof XlError ? ev.arg(args[1], ctx) : v;
  },
  IFNA: (ev, args, ctx) => {
    arity('IFNA', args, 2, 2);
    const v = ev.scalarArg(args[0], ctx);
    return v === NA ? ev.arg(args[1], ctx) : v;
  },
  AND: (ev, args, ctx) => logical(ev, args, ctx, 'and'),
  OR: (ev, args, ctx) => logical(ev, args, ctx, 'or'),
  NOT: (ev, args, ctx) => {
    arity('NOT', args, 1, 1);
    const b = toBoolean(ev.scalarArg(args[0], ctx));
    return b instanceof XlError ? b : !b;
  },
  TRUE: () => true,
  FALSE: () => false,
  ISBLANK: (ev, args, ctx) => {
    arity('ISBLANK', args, 1, 1);
    return ev.scalarArg(args[0], ctx) === null;
  },
  ISNUMBER: (ev, args, ctx) => typeof ev.scalarArg(args[0], ctx) === 'number',
  ISTEXT: (ev, args, ctx) => typeof ev.scalarArg(args[0], ctx) === 'string',
  ISERROR: (ev, args, ctx) => ev.scalarArg(args[0], ctx) instanceof XlError,
  ISNA: (ev, args, ctx) => ev.scalarArg(args[0], ctx) === NA,
  N: (ev, args, ctx) => {
    const v = ev.scalarArg(args[0], ctx);
    return typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : v instanceof XlError ? v : 0;
  },
  VALUE: (ev, args, ctx) => {
    arity('VALUE', args, 1, 1);
    const v = ev.scalarArg(args[0], ctx);
    if (typeof v === 'string') return textToNumber(v);
    return toNumber(v);
  },
  LEN: (ev, args, ctx) => {
    arity('LEN', args, 1, 1);
    const v = ev.scalarArg(args[0], ctx);
    return v instanceof XlError ? v : toText(v).length;
  },
  TRIM: (ev, args, ctx) => {
    arity('TRIM', args, 1, 1);
    const v = ev.scalarArg(args[0], ctx);
    return v instanceof XlError ? v : toText(v).trim().replace(/ {2,}/g, ' ');
  },
  LEFT: (ev, args, ctx) => slice(ev, args, ctx, 'LEFT'),
  RIGHT: (ev, args, ctx) => slice(ev, args, ctx, 'RIGHT'),
  MID: (ev, args, ctx) => {
    arity('MID', args, 3, 3);
    const v = ev.scalarArg(args[0], ctx);
    const start = numberArg(ev, args[1], ctx);
    const len = numberArg(ev, args[2], ctx);
    if (v instanceof XlError) return v;
    if (start instanceof XlError) return start;
    if (len instanceof XlError) return len;
    if (start < 1 || len < 0) return VALUE;
    return [...toText(v)].slice(Math.trunc(start) - 1, Math.trunc(start) - 1 + Math.trunc(len)).join('');
  },
  CONCATENATE: (ev, args, ctx) => concat(ev, args, ctx, false),
  CONCAT: (ev, args, ctx) => concat(ev, args, ctx, true),
  ROW: (ev, args, ctx) => (args.length === 0 ? ctx.row : ev.areaArg(args[0], ctx, 'ROW').r1),
  COLUMN: (ev, args, ctx) => (args.length === 0 ? ctx.col : ev.areaArg(args[0], ctx, 'COLUMN').c1),
  DATE: (ev, args, ctx) => {
    arity('DATE', args, 3, 3);
    const [y, m, d] = args.map((a) => numberArg(ev, a, ctx));
    for (const x of [y, m, d]) if (x instanceof XlError) return x;
    let year = Math.trunc(y as number);
    if (year >= 0 && year < 1900) year += 1900;
    if (year < 1900 || year > 9999) return NUM;
    const date = new Date(Date.UTC(year, Math.trunc(m as number) - 1, Math.trunc(d as number)));
    return dateToSerial(date, ctx.sheet.date1904);
  },
  YEAR: (ev, args, ctx) => datePart(ev, args, ctx, (d) => d.getUTCFullYear()),
  MONTH: (ev, args, ctx) => datePart(ev, args, ctx, (d) => d.getUTCMonth() + 1),
  DAY: (ev, args, ctx) => datePart(ev, args, ctx, (d) => d.getUTCDate()),
};

function roundFn(ev: Evaluator, args: readonly FormulaNode[], ctx: Ctx, mode: 'near' | 'up' | 'down', name: string): Scalar {
  arity(name, args, 1, 2);
  const x = numberArg(ev, args[0], ctx);
  const d = args.length > 1 ? numberArg(ev, args[1], ctx) : 0;
  if (x instanceof XlError) return x;
  if (d instanceof XlError) return d;
  return excelRound(x, d, mode);
}

function logical(ev: Evaluator, args: readonly FormulaNode[], ctx: Ctx, kind: 'and' | 'or'): Scalar {
  if (args.length === 0) throw new FormulaUnevaluable(`函数 ${kind.toUpperCase()} 的参数个数不对`);
  let seen = 0;
  let result = kind === 'and';
  const error = ev.eachValue(args, ctx, (v, direct) => {
    if (v instanceof XlError) return v;
    if (v === null || (!direct && typeof v === 'string')) return undefined;
    const b = toBoolean(v);
    if (b instanceof XlError) return b;
    seen++;
    result = kind === 'and' ? result && b : result || b;
    return undefined;
  });
  if (error) return error;
  return seen === 0 ? VALUE : result;
}

function slice(ev: Evaluator, args: readonly FormulaNode[], ctx: Ctx, side: 'LEFT' | 'RIGHT'): Scalar {
  arity(side, args, 1, 2);
  const v = ev.scalarArg(args[0], ctx);
  const n = args.length > 1 ? numberArg(ev, args[1], ctx) : 1;
  if (v instanceof XlError) return v;
  if (n instanceof XlError) return n;
  if (n < 0) return VALUE;
  const chars = [...toText(v)];
  const k = Math.trunc(n);
  return (side === 'LEFT' ? chars.slice(0, k) : chars.slice(Math.max(0, chars.length - k))).join('');
}

function concat(ev: Evaluator, args: readonly FormulaNode[], ctx: Ctx, ranges: boolean): Scalar {
  let out = '';
  if (ranges) {
    const error = ev.eachValue(args, ctx, (v) => {
      if (v instanceof XlError) return v;
      out += toText(v);
      return undefined;
    });
    if (error) return error;
  } else {
    for (const a of args) {
      const v = ev.scalarArg(a, ctx);
      if (v instanceof XlError) return v;
      out += toText(v);
    }
  }
  return out.length > defaultEvaluationBudget.maxTextChars ? VALUE : out;
}

function datePart(ev: Evaluator, args: readonly FormulaNode[], ctx: Ctx, part: (d: Date) => number): Scalar {
  const x = numberArg(ev, args[0], ctx);
  if (x instanceof XlError) return x;
  const d = serialToDate(x, ctx.sheet.date1904);
  return d ? part(d) : NUM;
}

/** A result as the reader yields it: dates by the cell's style, errors as their code, "" as empty. */
export function resultCellValue(v: Scalar | undefined, isDateStyle: boolean, date1904: boolean): CellValue {
  if (v === undefined || v === null) return null;
  if (v instanceof XlError) return v.code;
  if (typeof v === 'number') return isDateStyle ? (serialToDate(v, date1904) ?? v) : v;
  if (v === '') return null;
  return v;
}
