/**
 * Excel formula text → syntax tree, for the formulas program-written workbooks leave without a
 * cached result (see `xlsx-formula-eval.ts`). Covers A1 references (`$C$5`, `C5:C7`, `C:C`,
 * `5:5`), sheet-qualified references (`数据!B2`, `'原始 数据'!B2`), numbers, strings, booleans,
 * error literals, the arithmetic/comparison/`&`/`%` operators and function calls. What it does not
 * cover — external workbooks (`[1]Sheet1!A1`), defined names, array constants, 3-D and structured
 * references, the intersection and `@` operators — is a {@link FormulaUnevaluable} with a Chinese
 * reason, never a guess.
 */
import { columnLetters, columnNumber } from './reader.js';

/** Excel's grid. */
const MAX_ROW = 1_048_576;
export const MAX_COL = 16_384;
/** Longest formula text evaluated (Excel's own limit is 8,192 characters). */
export const MAX_FORMULA_CHARS = 8_192;
/** Deepest nesting of parentheses/operators the parser follows (Excel allows 64 nested functions). */
const MAX_PARSE_DEPTH = 128;

/** A formula that firestat cannot evaluate, and why (Chinese). */
export class FormulaUnevaluable extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'FormulaUnevaluable';
  }
}

/** A rectangle of cells, 1-based, normalised (r1 ≤ r2, c1 ≤ c2). Whole columns span all rows. */
export interface RefNode {
  readonly k: 'ref';
  /** Sheet as written in the formula; undefined = the formula's own sheet. */
  readonly sheet?: string;
  readonly r1: number;
  readonly c1: number;
  readonly r2: number;
  readonly c2: number;
  /** Whole columns (`C:C`) or whole rows (`5:5`): clipped to the used area when read. */
  readonly whole?: 'cols' | 'rows';
}

export type FormulaNode =
  | { readonly k: 'num'; readonly v: number }
  | { readonly k: 'str'; readonly v: string }
  | { readonly k: 'bool'; readonly v: boolean }
  | { readonly k: 'err'; readonly v: string }
  | RefNode
  | { readonly k: 'neg'; readonly a: FormulaNode }
  | { readonly k: 'pct'; readonly a: FormulaNode }
  | { readonly k: 'bin'; readonly op: BinaryOp; readonly a: FormulaNode; readonly b: FormulaNode }
  | { readonly k: 'call'; readonly name: string; readonly args: readonly FormulaNode[] }
  | { readonly k: 'missing' };

export type BinaryOp = '+' | '-' | '*' | '/' | '^' | '&' | '=' | '<>' | '<' | '>' | '<=' | '>=';

const ERROR_LITERALS = ['#NULL!', '#DIV/0!', '#VALUE!', '#REF!', '#NAME?', '#NUM!', '#N/A', '#GETTING_DATA'];

type Token =
  | { readonly t: 'num'; readonly v: number }
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'err'; readonly v: string }
  | { readonly t: 'ref'; readonly ref: RefNode; readonly body: RefBody; readonly start: number; readonly end: number }
  | { readonly t: 'func'; readonly name: string }
  | { readonly t: 'op'; readonly v: string }
  | { readonly t: '(' | ')' | ',' };

/** One reference as written: corners with their `$` marks (for shifting shared formulas). */
interface RefBody {
  readonly kind: 'cell' | 'area' | 'cols' | 'rows';
  readonly a: Corner;
  readonly b: Corner;
  /** Where the reference part (after any `Sheet!`) starts in the formula text. */
  readonly bodyStart: number;
}

interface Corner {
  readonly col: number;
  readonly row: number;
  readonly colAbs: boolean;
  readonly rowAbs: boolean;
}

const AREA_OR_CELL = /(\$?)([A-Za-z]{1,3})(\$?)(\d{1,7})(?::(\$?)([A-Za-z]{1,3})(\$?)(\d{1,7}))?(?![A-Za-z0-9_.(!\u0080-\uffff])/y;
const COLS = /(\$?)([A-Za-z]{1,3}):(\$?)([A-Za-z]{1,3})(?![A-Za-z0-9_.(!\u0080-\uffff])/y;
const ROWS = /(\$?)(\d{1,7}):(\$?)(\d{1,7})(?![A-Za-z0-9_.(!\u0080-\uffff])/y;
const NUMBER = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const IDENT = /[A-Za-z_\\\u0080-\uffff][A-Za-z0-9_.\\?\u0080-\uffff]*/y;
const THREE_D = /[A-Za-z_\u0080-\uffff][A-Za-z0-9_.\u0080-\uffff]*:[A-Za-z_\u0080-\uffff][A-Za-z0-9_.\u0080-\uffff]*!/y;
const SPACE = /[ \t\r\n\u00a0]/;

function checkedCorner(colAbs: string, col: string, rowAbs: string, row: string): Corner | undefined {
  const c = columnNumber(col);
  const r = Number(row);
  if (c < 1 || c > MAX_COL || r < 1 || r > MAX_ROW) return undefined;
  return { col: c, row: r, colAbs: colAbs === '$', rowAbs: rowAbs === '$' };
}

/** Tries to read a reference body (`A1`, `$A$1:B2`, `C:C`, `5:5`) at `i`. */
function readRefBody(text: string, i: number): { body: RefBody; end: number } | undefined {
  AREA_OR_CELL.lastIndex = i;
  let m = AREA_OR_CELL.exec(text);
  if (m) {
    const a = checkedCorner(m[1] ?? '', m[2] ?? '', m[3] ?? '', m[4] ?? '');
    if (!a) return undefined;
    if (m[6] !== undefined) {
      const b = checkedCorner(m[5] ?? '', m[6], m[7] ?? '', m[8] ?? '');
      if (!b) return undefined;
      return { body: { kind: 'area', a, b, bodyStart: i }, end: AREA_OR_CELL.lastIndex };
    }
    return { body: { kind: 'cell', a, b: a, bodyStart: i }, end: AREA_OR_CELL.lastIndex };
  }
  COLS.lastIndex = i;
  m = COLS.exec(text);
  if (m) {
    const c1 = columnNumber(m[2] ?? '');
    const c2 = columnNumber(m[4] ?? '');
    if (c1 > MAX_COL || c2 > MAX_COL) return undefined;
    const a: Corner = { col: c1, row: 1, colAbs: m[1] === '$', rowAbs: true };
    const b: Corner = { col: c2, row: MAX_ROW, colAbs: m[3] === '$', rowAbs: true };
    return { body: { kind: 'cols', a, b, bodyStart: i }, end: COLS.lastIndex };
  }
  ROWS.lastIndex = i;
  m = ROWS.exec(text);
  if (m) {
    const r1 = Number(m[2]);
    const r2 = Number(m[4]);
    if (r1 < 1 || r2 < 1 || r1 > MAX_ROW || r2 > MAX_ROW) return undefined;
    const a: Corner = { col: 1, row: r1, colAbs: true, rowAbs: m[1] === '$' };
    const b: Corner = { col: MAX_COL, row: r2, colAbs: true, rowAbs: m[3] === '$' };
    return { body: { kind: 'rows', a, b, bodyStart: i }, end: ROWS.lastIndex };
  }
  return undefined;
}

function refNode(body: RefBody, sheet: string | undefined): RefNode {
  const { a, b } = body;
  const base = {
    k: 'ref' as const,
    r1: Math.min(a.row, b.row),
    c1: Math.min(a.col, b.col),
    r2: Math.max(a.row, b.row),
    c2: Math.max(a.col, b.col),
  };
  const whole = body.kind === 'cols' ? { whole: 'cols' as const } : body.kind === 'rows' ? { whole: 'rows' as const } : {};
  return sheet === undefined ? { ...base, ...whole } : { ...base, ...whole, sheet };
}

/** Splits formula text into tokens; unsupported constructs throw {@link FormulaUnevaluable}. */
/**
 * The text between the quote at `start` and its closing quote, a doubled quote standing for one
 * (`"a ""b"""`, `'O''Brien'!A1`), and where the closing quote ends; `missing` if there is none.
 */
function readQuoted(text: string, start: number, missing: string): { value: string; end: number } {
  const quote = text[start]!;
  let value = '';
  for (let j = start + 1; ; ) {
    const q = text.indexOf(quote, j);
    if (q < 0) throw new FormulaUnevaluable(missing);
    value += text.slice(j, q);
    if (text[q + 1] !== quote) return { value, end: q + 1 };
    value += quote;
    j = q + 2;
  }
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i]!;
    if (SPACE.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (ch === '"') {
      const quoted = readQuoted(text, i, '公式中的文字缺少结束引号');
      i = quoted.end;
      tokens.push({ t: 'str', v: quoted.value });
      continue;
    }
    if (ch === "'") {
      // A quoted sheet name: '原始 数据'!B2 ('' is a quote inside the name).
      const quoted = readQuoted(text, i, '公式中的工作表名缺少结束引号');
      const name = quoted.value;
      i = quoted.end;
      if (/^\[|\]/.test(name) || name.includes('[')) throw new FormulaUnevaluable('引用了其他工作簿的外部链接');
      if (text[i] !== '!') throw new FormulaUnevaluable('公式写法无法识别（引号中的名称后没有“!”）');
      if (name.includes(':')) throw new FormulaUnevaluable('使用了跨多个工作表的三维引用');
      const read = readRefBody(text, i + 1);
      if (!read) throw refError(text, i + 1);
      tokens.push({ t: 'ref', ref: refNode(read.body, name), body: read.body, start, end: read.end });
      i = read.end;
      continue;
    }
    if (ch === '[') throw new FormulaUnevaluable('引用了其他工作簿的外部链接或表格的结构化引用');
    if (ch === '{') throw new FormulaUnevaluable('使用了数组常量 {…}');
    if (ch === '@') throw new FormulaUnevaluable('使用了隐式交集运算符 @');
    if (ch === '#') {
      const literal = ERROR_LITERALS.find((e) => text.startsWith(e, i) || text.slice(i, i + e.length).toUpperCase() === e);
      if (!literal) throw new FormulaUnevaluable('公式写法无法识别');
      tokens.push({ t: 'err', v: literal });
      i += literal.length;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ t: ch });
      i++;
      continue;
    }
    if (ch === ';') throw new FormulaUnevaluable('公式写法无法识别（分号）');
    if ('+-*/^&%='.includes(ch)) {
      tokens.push({ t: 'op', v: ch });
      i++;
      continue;
    }
    if (ch === '<' || ch === '>') {
      const two = text.slice(i, i + 2);
      if (two === '<>' || two === '<=' || two === '>=') {
        tokens.push({ t: 'op', v: two });
        i += 2;
      } else {
        tokens.push({ t: 'op', v: ch });
        i++;
      }
      continue;
    }
    if (ch === '$') {
      const read = readRefBody(text, i);
      if (!read) throw refError(text, i);
      tokens.push({ t: 'ref', ref: refNode(read.body, undefined), body: read.body, start, end: read.end });
      i = read.end;
      continue;
    }
    if ((ch >= '0' && ch <= '9') || ch === '.') {
      const rows = readRefBody(text, i);
      if (rows && rows.body.kind === 'rows') {
        tokens.push({ t: 'ref', ref: refNode(rows.body, undefined), body: rows.body, start, end: rows.end });
        i = rows.end;
        continue;
      }
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) throw new FormulaUnevaluable('公式写法无法识别');
      tokens.push({ t: 'num', v: Number(m[0]) });
      i = NUMBER.lastIndex;
      continue;
    }
    // A reference (A1, C:C), a sheet prefix (数据!B2), a function (SUM(), TRUE/FALSE or a name.
    const ref = readRefBody(text, i);
    if (ref) {
      tokens.push({ t: 'ref', ref: refNode(ref.body, undefined), body: ref.body, start, end: ref.end });
      i = ref.end;
      continue;
    }
    THREE_D.lastIndex = i;
    if (THREE_D.exec(text)) throw new FormulaUnevaluable('使用了跨多个工作表的三维引用');
    IDENT.lastIndex = i;
    const m = IDENT.exec(text);
    if (!m) throw new FormulaUnevaluable(`公式中有无法识别的字符“${ch}”`);
    const word = m[0];
    i = IDENT.lastIndex;
    if (text[i] === '!') {
      const read = readRefBody(text, i + 1);
      if (!read) throw refError(text, i + 1);
      tokens.push({ t: 'ref', ref: refNode(read.body, word), body: read.body, start, end: read.end });
      i = read.end;
      continue;
    }
    if (text[i] === '(') {
      tokens.push({ t: 'func', name: functionName(word) });
      i++;
      continue;
    }
    const upper = word.toUpperCase();
    if (upper === 'TRUE' || upper === 'FALSE') {
      tokens.push({ t: 'bool', v: upper === 'TRUE' });
      continue;
    }
    throw new FormulaUnevaluable(`使用了定义的名称或无法识别的引用“${word}”`);
  }
  return tokens;
}

function refError(text: string, at: number): FormulaUnevaluable {
  if (text.startsWith('#REF!', at)) return new FormulaUnevaluable('引用无效（#REF!）');
  return new FormulaUnevaluable('公式中的引用无法识别');
}

/** `_xlfn.IFNA` → `IFNA`: newer functions carry a prefix in the file. */
function functionName(word: string): string {
  return word.toUpperCase().replace(/^(_XLFN\.|_XLWS\.)+/, '');
}

const BINARY_PRECEDENCE: Readonly<Record<string, number>> = {
  '=': 1,
  '<>': 1,
  '<': 1,
  '>': 1,
  '<=': 1,
  '>=': 1,
  '&': 2,
  '+': 3,
  '-': 3,
  '*': 4,
  '/': 4,
  '^': 5,
};
const PERCENT_PRECEDENCE = 6;
const PREFIX_PRECEDENCE = 7;

class Parser {
  private i = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parse(): FormulaNode {
    if (this.tokens.length === 0) throw new FormulaUnevaluable('公式为空');
    const node = this.expr(0);
    if (this.i < this.tokens.length) throw new FormulaUnevaluable('公式写法无法识别（可能使用了交集运算或多余的符号）');
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private expr(minPrecedence: number): FormulaNode {
    if (++this.depth > MAX_PARSE_DEPTH) throw new FormulaUnevaluable('公式嵌套过深');
    let left = this.prefix();
    for (;;) {
      const token = this.peek();
      if (token?.t !== 'op') break;
      if (token.v === '%') {
        if (PERCENT_PRECEDENCE < minPrecedence) break;
        this.i++;
        left = { k: 'pct', a: left };
        continue;
      }
      const precedence = BINARY_PRECEDENCE[token.v];
      if (precedence === undefined || precedence < minPrecedence) break;
      this.i++;
      // All of Excel's binary operators are left-associative (2^3^2 is 64).
      const right = this.expr(precedence + 1);
      left = { k: 'bin', op: token.v as BinaryOp, a: left, b: right };
    }
    this.depth--;
    return left;
  }

  private prefix(): FormulaNode {
    const token = this.tokens[this.i++];
    if (!token) throw new FormulaUnevaluable('公式不完整');
    switch (token.t) {
      case 'num':
        return { k: 'num', v: token.v };
      case 'str':
        return { k: 'str', v: token.v };
      case 'bool':
        return { k: 'bool', v: token.v };
      case 'err':
        return { k: 'err', v: token.v };
      case 'ref':
        return token.ref;
      case 'op':
        if (token.v === '-') return { k: 'neg', a: this.expr(PREFIX_PRECEDENCE) };
        if (token.v === '+') return this.expr(PREFIX_PRECEDENCE);
        throw new FormulaUnevaluable('公式写法无法识别（运算符位置不对）');
      case '(': {
        const inner = this.expr(0);
        if (this.tokens[this.i++]?.t !== ')') throw new FormulaUnevaluable('公式中的括号不配对');
        return inner;
      }
      case 'func':
        return this.call(token.name);
      default:
        throw new FormulaUnevaluable('公式写法无法识别');
    }
  }

  private call(name: string): FormulaNode {
    const args: FormulaNode[] = [];
    if (this.peek()?.t === ')') {
      this.i++;
      return { k: 'call', name, args };
    }
    for (;;) {
      const token = this.peek();
      if (token?.t === ',' || token?.t === ')') args.push({ k: 'missing' });
      else args.push(this.expr(0));
      const next = this.tokens[this.i++];
      if (next?.t === ')') break;
      if (next?.t !== ',') throw new FormulaUnevaluable(`函数 ${name} 的参数写法无法识别`);
      if (args.length > 255) throw new FormulaUnevaluable(`函数 ${name} 的参数过多`);
    }
    return { k: 'call', name, args };
  }
}

/** Parses formula text as stored in `<f>` (without the leading `=`). */
export function parseFormula(text: string): FormulaNode {
  if (text.length > MAX_FORMULA_CHARS) throw new FormulaUnevaluable(`公式过长（${text.length} 个字符）`);
  const body = text.trimStart().startsWith('=') ? text.trimStart().slice(1) : text;
  return new Parser(tokenize(body)).parse();
}

/** Sheet names a formula refers to (as written), for loading them before evaluation. */
export function referencedSheets(node: FormulaNode, out: Set<string> = new Set()): Set<string> {
  switch (node.k) {
    case 'ref':
      if (node.sheet !== undefined) out.add(node.sheet);
      break;
    case 'neg':
    case 'pct':
      referencedSheets(node.a, out);
      break;
    case 'bin':
      referencedSheets(node.a, out);
      referencedSheets(node.b, out);
      break;
    case 'call':
      for (const a of node.args) referencedSheets(a, out);
      break;
    default:
      break;
  }
  return out;
}

/**
 * The formula of a shared-formula follower: the master's text with every relative reference
 * moved by the follower's offset (`$`-fixed parts stay). A reference pushed off the grid becomes
 * `#REF!`, as Excel does.
 */
export function shiftFormula(text: string, rowOffset: number, colOffset: number): string {
  if (rowOffset === 0 && colOffset === 0) return text;
  const tokens = tokenize(text);
  let out = '';
  let at = 0;
  for (const token of tokens) {
    if (token.t !== 'ref') continue;
    const { body } = token;
    out += text.slice(at, body.bodyStart);
    out += shiftedBody(body, rowOffset, colOffset);
    at = token.end;
  }
  return out + text.slice(at);
}

function shiftedBody(body: RefBody, dr: number, dc: number): string {
  const move = (c: Corner): Corner | undefined => {
    const col = c.colAbs ? c.col : c.col + dc;
    const row = c.rowAbs ? c.row : c.row + dr;
    if (col < 1 || col > MAX_COL || row < 1 || row > MAX_ROW) return undefined;
    return { ...c, col, row };
  };
  const a = move(body.a);
  const b = move(body.b);
  if (!a || !b) return '#REF!';
  const col = (c: Corner): string => `${c.colAbs ? '$' : ''}${columnLetters(c.col)}`;
  const row = (c: Corner): string => `${c.rowAbs ? '$' : ''}${c.row}`;
  switch (body.kind) {
    case 'cell':
      return col(a) + row(a);
    case 'area':
      return `${col(a)}${row(a)}:${col(b)}${row(b)}`;
    case 'cols':
      return `${col(a)}:${col(b)}`;
    case 'rows':
      return `${row(a)}:${row(b)}`;
  }
}
