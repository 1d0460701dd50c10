import type { FieldDefinition, FormDefinition } from '../../domain/forms/form-definition.js';
import { fullLabel } from '../../domain/forms/form-definition.js';
import { periodContains, periodKind, periodLabel, type Period } from '../../domain/periods.js';
import { chineseInteger, quote, squeeze } from '../../domain/text.js';
import type { Unit, UnitRegistry } from '../../domain/units.js';
import type { CellValue, SheetRow, WorkbookStream } from '../../sources/readers/reader.js';
import { cellAddress, columnLetters, columnNumber, ReadError } from '../../sources/readers/reader.js';
import { convertCell, expectedText, type FieldValue } from '../normalize/cell-values.js';
import type { HeaderMatcher } from '../normalize/header-matcher.js';
import { headerSearchRows, isLocateFailure, locateTable, type TableLayout } from '../normalize/table-locator.js';
import { rowSchema } from '../validate/row-schema.js';
import { ProblemList, splitTechnical, technicalNoticeCodes, type Problem, type ProblemSource } from './problem.js';
import {
  agreeOnPeriod,
  agreeOnUnit,
  isContradiction,
  statedYear,
  statementOf,
  type ContradictionPlace,
  type Statement,
  type StatementPlace,
} from './stated-unit-period.js';

/** One validated data row, ready to load, with its lineage. */
export interface ParsedRecord {
  readonly sheet: string;
  readonly rowNumber: number;
  /** The row's unit (official name). */
  readonly unit: string;
  /** The period the row reports (aggregates: its month or quarter; ledgers: the sheet's). */
  readonly period: Period;
  /** Converted values by field id. */
  readonly values: Readonly<Record<string, FieldValue>>;
  /** Running totals written beside this period's figures (`1-9月累计`), by field id, with their cells. */
  readonly cumulative?: readonly { readonly field: string; readonly value: number; readonly cell: string }[];
}

/** What the parser learnt about the whole file once every row has been read. */
export interface ParsedSubmission {
  form?: FormDefinition;
  unit?: Unit;
  period?: Period;
  rows: number;
  sheets: string[];
  /** Where each field's column is in each sheet read. */
  readonly columns: { sheet: string; field: string; column: string; header: string }[];
  readonly problems: ProblemList;
  /** What the file's names and titles say about unit and period, even where the file is refused. */
  readonly guess: { unit?: Unit; period?: Period };
}

/** Everything the parser needs besides the file. */
export interface ParserContext {
  readonly registry: UnitRegistry;
  readonly matcher: HeaderMatcher;
  /** Path of the file relative to the inbox (`2024Q1/龙兴镇/T1.xlsx`). */
  readonly path: string;
  /**
   * Unit and period stated by the analyst (`firestat review accept --unit --period`): they take the
   * place of what the names and titles say; every other check stands (rows must still agree).
   */
  readonly placement?: { readonly unit?: Unit; readonly period?: Period };
}

/** A row whose label says it is a total: `合计`, `总 计`, `第三季度合计`, `本季度合计`, `全年合计`, `小计`. */
export const totalLabel = /^(合计|总计|小计|总合计|全区合计|累计合计|共计)|(合计|总计|小计|共计)(数)?$/;
/** A row whose label says it is a running total: `1-9月累计`, `本年累计`, `累计`. */
export const cumulativeLabel = /^(累计|本年累计|年累计)|累计(数)?$/;
export const notesRow =
  /^(填表人|填报人|审核人|审核|联系电话|联系人|电话|制表人|制表|填报日期|报送日期|填表日期|单位负责人|负责人|注[:：]|说明[:：]|备注[:：]|注释|签字|盖章)/;
/** A heading that splits a ledger into sections: `一、已整改隐患`, `（二）未整改隐患`, `第二部分`. */
const sectionHeading =
  /^(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十0-9]{1,3}[)）]|第[一二三四五六七八九十0-9]{1,3}(?:部分|节|类|项|章)|[0-9]{1,2}[、.．](?=[\u4e00-\u9fff]))/;

function cellText(v: CellValue | undefined): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return squeeze(String(v));
}

/** A row saying there is nothing to report this period: `本季度无行政处罚案件`, `无`. */
const nothingRow = /^(本季度|本月|本期|当季|当月)?(无|没有|暂无)(行政处罚)?(案件|隐患|记录|数据|案卷|评查)?(情况)?。?$/;

type RowKind = 'blank' | 'total' | 'cumulative' | 'notes' | 'nothing' | 'section' | 'header' | 'data';

function classify(row: SheetRow, headerTexts: ReadonlySet<string>): { kind: RowKind; label?: string } {
  // Only the first few filled cells decide; squeezing every cell of every row costs real time.
  const texts: string[] = [];
  let filled = 0;
  for (const cell of row.cells) {
    if (cell === null || cell === '') continue;
    filled++;
    if (texts.length < 3) {
      const t = cellText(cell);
      if (t) texts.push(t);
      else filled--;
    }
  }
  if (filled === 0 || (texts.length === 0 && row.cells.every((c) => cellText(c) === ''))) return { kind: 'blank' };
  if (filled === 1 && nothingRow.test(texts[0]!)) return { kind: 'nothing' };
  const total = texts.find((t) => totalLabel.test(t));
  if (total) return { kind: 'total', label: total };
  const cumulative = texts.find((t) => cumulativeLabel.test(t));
  if (cumulative) return { kind: 'cumulative', label: cumulative };
  if (notesRow.test(texts[0] ?? '')) return { kind: 'notes' };
  if (filled === 1 && sectionHeading.test(texts[0]!)) return { kind: 'section', label: texts[0]! };
  // The header written again above a second section: most of its filled cells are header words, none a number.
  if (filled >= 2 && texts.some((t) => headerTexts.has(t))) {
    let words = 0;
    let all = 0;
    for (const cell of row.cells) {
      if (cell === null || cell === '') continue;
      if (typeof cell !== 'string') return { kind: 'data' };
      const t = cellText(cell);
      if (!t) continue;
      all++;
      if (headerTexts.has(t)) words++;
    }
    if (all >= 2 && words / all >= 0.6) return { kind: 'header' };
  }
  return { kind: 'data' };
}

/** What a sheet's title, names and the file's path settle about unit and period. */
interface SheetContext {
  readonly unit?: Unit;
  readonly unitSource?: string;
  readonly period?: Period;
  readonly contextYear?: number;
  /** False after a contradiction about the unit was reported: rows say nothing more about it. */
  readonly unitSettled: boolean;
  /** False after a contradiction about the period was reported. */
  readonly periodSettled: boolean;
}

/** Where a problem is, besides its message. */
type At = Omit<Problem, 'severity' | 'code' | 'message'>;

type LayoutColumn = TableLayout['columns'][number];

/** One sheet being read: its table, what its titles and names settle, and what its rows have said so far. */
interface SheetReading {
  readonly sheetName: string;
  readonly layout: TableLayout;
  readonly form: FormDefinition;
  /** A sheet of another form than the file's first: checked cell by cell, never loaded. */
  readonly foreign: boolean;
  readonly schema: ReturnType<typeof rowSchema>;
  readonly unitField?: FieldDefinition;
  readonly periodField?: FieldDefinition;
  readonly unitCol: LayoutColumn | undefined;
  readonly periodCol: LayoutColumn | undefined;
  /** Aggregates read an empty count as 0. */
  readonly emptyCountIsZero: boolean;
  /** The count and amount columns a 合计 row is checked against. */
  readonly counted: readonly LayoutColumn[];
  /** The sums of `counted` over the rows read so far whose values all stood. */
  readonly sums: Map<string, number>;
  /** The header's words, to recognise the header written again above a section. */
  readonly headerTexts: ReadonlySet<string>;
  readonly decisions: SheetDecisions;
  readonly contextYear: number | undefined;
  readonly unitSettled: boolean;
  readonly periodSettled: boolean;
  /** The sheet's unit: as stated, or the first a unit cell names when nothing stated one. */
  unit: Unit | undefined;
  /** Where `unit` was said, for a message about a row that disagrees. */
  unitSource: string | undefined;
  readonly period: Period | undefined;
  /** Said once for the sheet, not on every row: what the sheet as a whole does not state. */
  unitUnknownSaid: boolean;
  periodUnknownSaid: boolean;
  periodSpanSaid: boolean;
  /** A row was refused: the sum of the rest says nothing about a 合计 row. */
  rowsRefused: boolean;
}

/** Adds the row's counts and amounts to the sheet's sums (for checking its 合计 row). */
function addToSums(sheet: SheetReading, values: Readonly<Record<string, FieldValue>>): void {
  for (const c of sheet.counted) {
    const v = values[c.field.id];
    if (typeof v === 'number') sheet.sums.set(c.field.id, (sheet.sums.get(c.field.id) ?? 0) + v);
  }
}

/** A count written in Chinese numerals (`十二`, `二十三家`, `一百零五处`), to say which figure to write instead. */
function chineseCount(text: string): number | undefined {
  return chineseInteger(squeeze(text).replace(/[家处起次名人份件个场]+$/, ''));
}

/** How to fix a value that is not what its field takes, where the expected text alone does not say it. */
function fixFor(field: FieldDefinition, raw: CellValue): string | undefined {
  if (field.type !== 'count' && field.type !== 'amount') return undefined;
  if (typeof raw === 'string') {
    const n = chineseCount(raw);
    if (n !== undefined) return `请改用阿拉伯数字填写，即 ${n}`;
    if (/[\u4e00-\u9fff]/.test(raw)) return '这一栏只能填数字。尚未统计完的，请统计完后再报送；确实没有的填 0';
  }
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(squeeze(raw)) : Number.NaN;
  if (Number.isFinite(n) && n < 0) return '不能填负数。如果是更正以前期间的数字，请改正那一期的报表后重新报送，不要在本期填负数';
  if (field.type === 'count' && Number.isFinite(n) && !Number.isInteger(n)) return '这一栏是个数，只能填整数，请核对后改为整数';
  return undefined;
}

/**
 * Turns a workbook stream into validated records and a list of problems. Reads each sheet's
 * first rows to find its table, states where the unit and period come from, then streams the
 * data rows. Records are yielded as soon as they are valid; the caller decides at the end
 * (`result.problems.hasErrors`) whether the file is loaded or refused.
 *
 * A refused file's problems are all of them in one pass: after a contradiction in the titles or
 * names, a sheet of another form or a repeated column, every row of every sheet is still read and
 * every cell checked (up to `maxProblemsPerFile`); only what follows from a problem already
 * said (each row's "unit unknown" after the title contradicts the file name) is not said again.
 * `finish()` decides whether the file's contents settle its unit and period (`incomplete`), so the
 * parser's result alone says whether a file is refused for what it holds. No Node-only imports:
 * the browser self-check runs this same parser.
 */
export class SubmissionParser {
  readonly result: ParsedSubmission = { rows: 0, sheets: [], columns: [], problems: new ProblemList(), guess: {} };
  /** Aggregate rows' periods across every sheet, so a summary sheet cannot count a month twice. */
  private readonly seenPeriods: { form: string; unit: string; period: Period; sheet: string; rowNumber: number }[] = [];
  private readonly fileStatements: Statement[];
  /** File-level problems already said (a contradiction between file and folder names, seen from every sheet). */
  private readonly said = new Set<string>();

  constructor(
    private readonly workbook: WorkbookStream,
    private readonly ctx: ParserContext,
  ) {
    const segments = ctx.path.split('/');
    const fileName = segments.pop() ?? ctx.path;
    // Sources name where a thing was said, never quote it whole: a file or folder name may hold a person's name.
    const folder = (i: number): StatementPlace => ({ kind: 'folder_name', label: segments.length > 1 ? `第 ${i + 1} 级文件夹名` : '文件夹名' });
    const fileNamePlace: StatementPlace = { kind: 'file_name', label: '文件名' };
    this.fileStatements = [
      ...segments.map((s, i) => statementOf(folder(i), s, ctx.registry)),
      statementOf(fileNamePlace, fileName.replace(/\.[^.]+$/, ''), ctx.registry),
    ];
    const year = statedYear(this.fileStatements);
    if (year !== undefined) {
      this.fileStatements = [
        ...segments.map((s, i) => statementOf(folder(i), s, ctx.registry, year)),
        statementOf(fileNamePlace, fileName.replace(/\.[^.]+$/, ''), ctx.registry, year),
      ];
    }
  }

  private error(code: string, message: string, at: At = {}): void {
    this.result.problems.add({ severity: 'error', code, message, ...at });
  }

  private warn(code: string, message: string, at: At = {}): void {
    this.result.problems.add({ severity: 'warning', code, message, ...at });
  }

  /** An error said once per file, however many sheets lead to it. */
  private errorOnce(code: string, message: string, at: At = {}): void {
    const key = `${code}\u0000${message}`;
    if (this.said.has(key)) return;
    this.said.add(key);
    this.error(code, message, at);
  }

  /** Yields every valid record of every sheet. Read errors become problems, never exceptions. */
  async *records(): AsyncGenerator<ParsedRecord> {
    try {
      for await (const sheet of this.workbook.sheets) {
        yield* this.sheetRecords(sheet.name, sheet.rows);
      }
    } catch (e) {
      if (e instanceof ReadError) {
        // The report names the file already; a reader's own "file：" prefix would say it twice.
        const name = this.ctx.path.split('/').pop() ?? '';
        const text = e.message.replace(new RegExp(`^(${escapeRegExp(this.ctx.path)}|${escapeRegExp(name)})[：:]\\s*`), '');
        // A library's own (English) words go to the technical details, never into the clerk's sentence.
        const { message, detail } = splitTechnical(text);
        // A CSV's only "sheet" is the file itself.
        const sheet = e.sheet && e.sheet !== name.replace(/\.[^.]+$/, '') ? e.sheet : undefined;
        this.error(`read_${e.code}`, message, { ...(sheet ? { sheet } : {}), ...(e.cell ? { cell: e.cell } : {}), ...(detail ? { detail } : {}) });
      } else {
        // The readers turn everything a file can do wrong into a ReadError: anything else is the
        // program's (a reader's bug, its worker thread gone), not the sender's. Ingest keeps the
        // file and tries it again on later runs; the self-check says the same.
        this.error('read_internal', '读取该文件时程序出错，不是文件本身的问题。文件已保留，请联系系统管理员', {
          detail: e instanceof Error ? e.message : String(e),
        });
      }
    }
    for (const n of this.workbook.notices) {
      this.result.problems.add({
        severity: 'notice',
        code: n.code,
        message: n.message,
        ...(n.sheet ? { sheet: n.sheet } : {}),
        // How the file was decoded means nothing to a clerk: the statistician's detail.
        ...(technicalNoticeCodes.has(n.code) ? { detail: n.message } : {}),
      });
    }
    this.finish();
  }

  /**
   * The file as a whole: a table found, rows in a statistics table, and a unit and a period the
   * contents settle. Said only when nothing else is wrong: otherwise these follow from what was said.
   */
  private finish(): void {
    const r = this.result;
    if (r.problems.hasErrors) return;
    if (!r.form) {
      this.error('no_table', '文件中没有找到任何可识别的报表（T1/B1/L1/L2/R1）。请使用标准模板，表头不要改动');
      return;
    }
    // An empty ledger is a real answer (no cases this quarter); an empty statistics table is not.
    if (r.rows === 0 && r.form.kind === 'aggregate') {
      this.error('no_rows', `“${r.form.name}”中没有数据行。如本期确实没有数据，请在表中填 0 后再报送`);
    }
    if (!r.unit) this.error('incomplete', '无法确定报送单位：请在标题、文件名或单位列中写明');
    if (!r.period) this.error('incomplete', '无法确定统计期间：请在标题或文件名中写明，如“2024年第一季度”');
  }

  /** Finds the sheet's table, then yields its valid rows; a sheet without a table is said and skipped. */
  private async *sheetRecords(sheetName: string, rows: AsyncIterable<SheetRow>): AsyncGenerator<ParsedRecord> {
    const head: SheetRow[] = [];
    const iterator = rows[Symbol.asyncIterator]();
    while (head.length < headerSearchRows + 1) {
      const next = await iterator.next();
      if (next.done) break;
      head.push(next.value);
    }
    const located = locateTable(head, this.ctx.matcher);
    if (isLocateFailure(located)) {
      if (located.reason === 'no_header') {
        // A sheet of instructions or a chart: say so, and let the other sheets carry the file.
        this.result.problems.add({
          severity: 'notice',
          code: 'sheet_without_table',
          sheet: sheetName,
          message: `工作表“${sheetName}”中没有找到报表表头，已跳过`,
        });
      } else {
        // Which form the table is cannot be told: there is nothing to check its cells against.
        this.error(located.reason, located.message, { sheet: sheetName, ...(located.cell ? { cell: located.cell } : {}) });
      }
      await drain(iterator);
      return;
    }
    const layout = located;
    const foreign = this.adoptSheet(sheetName, layout);
    const headerRow = layout.headerRowNumbers[layout.headerRowNumbers.length - 1] ?? 0;
    this.reportLayout(sheetName, layout, headerRow);
    const sheet = this.startSheet(sheetName, layout, head, foreign);
    const lastHeaderIndex = head.findIndex((r) => r.rowNumber === headerRow);
    for (const row of head.slice(lastHeaderIndex + 1)) {
      const record = this.readRow(sheet, row);
      if (record) {
        this.result.rows++;
        yield record;
      }
    }
    let next = await iterator.next();
    while (!next.done) {
      const record = this.readRow(sheet, next.value);
      if (record) {
        this.result.rows++;
        yield record;
      }
      next = await iterator.next();
    }
    this.finishSheet(sheet);
  }

  /**
   * Whether the sheet is of another form than the file's first (true: refused as `mixed_forms`, still
   * checked cell by cell); otherwise its form, name and columns become the file's.
   */
  private adoptSheet(sheetName: string, layout: TableLayout): boolean {
    const form = layout.form;
    // A sheet of another form is refused, and still checked cell by cell: the clerk splits the file
    // and sends both, so what is wrong in the second sheet is said now, not on the next round.
    const foreign = this.result.form !== undefined && this.result.form !== form;
    if (foreign) {
      this.error(
        'mixed_forms',
        `一个文件只能报送一种报表：工作表“${this.result.sheets[0]}”是“${this.result.form!.name}”，工作表“${sheetName}”是“${form.name}”。请分成两个文件报送`,
        { sheet: sheetName },
      );
    } else {
      this.result.form = form;
      this.result.sheets.push(sheetName);
      for (const c of layout.columns) this.result.columns.push({ sheet: sheetName, field: c.field.id, column: columnLetters(c.column), header: c.header });
    }
    return foreign;
  }

  /**
   * Which header problems refuse the sheet (a repeated or missing column, a wrong unit of measure)
   * and which columns are only noted or ignored; `headerRow` (the last header row) is where they are reported.
   */
  private reportLayout(sheetName: string, layout: TableLayout, headerRow: number): void {
    const form = layout.form;
    for (const d of layout.duplicateColumns) this.error('duplicate_column', d.message, { sheet: sheetName, cell: d.cell });
    for (const f of layout.missingFields) {
      this.error(
        'missing_column',
        `缺少栏目“${fullLabel(f)}”：表头（第 ${headerRow} 行）中找不到这一列。请按模板补上该列${form.kind === 'aggregate' ? '，没有数据请填 0' : ''}`,
        { sheet: sheetName, field: f.id },
      );
    }
    for (const m of layout.unitMismatches) {
      this.error(
        'unit_scale',
        `${cellAddress(headerRow, m.column)} 单元格表头“${m.header}”以${m.stated}为单位，本表“${fullLabel(m.field)}”要求以${m.field.unit}填写。请换算后修改表头和数据`,
        { sheet: sheetName, cell: cellAddress(headerRow, m.column), field: m.field.id },
      );
    }
    if (layout.comparisonColumns.length) {
      this.result.problems.add({
        severity: 'notice',
        code: 'comparison_columns_ignored',
        sheet: sheetName,
        message: `${layout.comparisonColumns.map((c) => `${columnLetters(c.column)} 列“${c.text}”`).join('、')}是与其他期间的比较，不入库`,
      });
    }
    if (layout.cumulativeColumns.length) {
      this.result.problems.add({
        severity: 'notice',
        code: 'cumulative_columns_checked',
        sheet: sheetName,
        message: `${layout.cumulativeColumns.length} 个累计列（如 ${columnLetters(layout.cumulativeColumns[0]!.column)} 列“${layout.cumulativeColumns[0]!.header}”）不入库，只与系统中已入库的本年累计数核对；入库的是各“本期”列`,
      });
    }
    for (const u of layout.unknownHeaders) {
      this.warn('unknown_column', `表头“${u.text}”不是“${form.name}”的栏目，该列已忽略`, { sheet: sheetName, cell: cellAddress(headerRow, u.column) });
    }
  }

  /** What the sheet's rows are read against: its table, the unit and period its titles and names settle, and empty running state. */
  private startSheet(sheetName: string, layout: TableLayout, head: readonly SheetRow[], foreign: boolean): SheetReading {
    const context = this.sheetContext(sheetName, layout, foreign);
    const form = layout.form;
    const unitField = form.unitField ? form.fields.find((f) => f.id === form.unitField) : undefined;
    const periodField = form.periodField ? form.fields.find((f) => f.id === form.periodField) : undefined;
    const headerTexts = new Set<string>();
    for (const r of head) {
      if (!layout.headerRowNumbers.includes(r.rowNumber)) continue;
      for (const c of r.cells) {
        const t = cellText(c);
        if (t) headerTexts.add(t);
      }
    }
    return {
      sheetName,
      layout,
      form,
      foreign,
      schema: rowSchema(form),
      ...(unitField ? { unitField } : {}),
      ...(periodField ? { periodField } : {}),
      unitCol: unitField ? layout.columns.find((c) => c.field === unitField) : undefined,
      periodCol: periodField ? layout.columns.find((c) => c.field === periodField) : undefined,
      emptyCountIsZero: form.kind === 'aggregate',
      counted: layout.columns.filter((c) => c.field.type === 'count' || c.field.type === 'amount'),
      sums: new Map<string, number>(),
      headerTexts,
      decisions: new SheetDecisions(),
      contextYear: context.contextYear,
      unitSettled: context.unitSettled,
      periodSettled: context.periodSettled,
      unit: context.unit,
      unitSource: context.unitSource,
      period: context.period,
      unitUnknownSaid: false,
      periodUnknownSaid: false,
      periodSpanSaid: false,
      rowsRefused: false,
    };
  }

  /** The sheet's notices about rows read without refusing them, and what it adds to the file's unit and period. */
  private finishSheet(sheet: SheetReading): void {
    const { sheetName, form, unit } = sheet;
    for (const notice of sheet.decisions.notices(sheetName)) this.result.problems.add(notice);
    if (sheet.foreign) return;
    if (sheet.periodSettled) this.widenPeriod(sheet.period ?? this.result.period);
    for (const s of this.seenPeriods) if (s.sheet === sheetName && s.form === form.code) this.widenPeriod(s.period);
    if (unit && sheet.unitSettled) this.result.unit ??= unit;
  }

  /**
   * One row below the header: a record when it is a data row whose every cell, unit and period
   * stand (and the sheet is the file's form); otherwise undefined, with every problem of the row said.
   */
  private readRow(sheet: SheetReading, row: SheetRow): ParsedRecord | undefined {
    if (this.skipsRow(sheet, row)) return undefined;
    // Every cell of the row is checked, whatever else is wrong with it: one round trip for the clerk.
    const errorsBefore = this.result.problems.errors;
    const firstOfRow = this.result.problems.items.length;
    const { values, reported } = this.readCells(sheet, row);
    const { unitField, periodField } = sheet;
    const rowUnit = this.rowUnit(sheet, row, values, reported);
    if (unitField && rowUnit && !reported.has(unitField.id)) values[unitField.id] = rowUnit.name;
    const rowPeriod = this.rowPeriod(sheet, row, values, reported, rowUnit);
    if (periodField && rowPeriod && !reported.has(periodField.id)) values[periodField.id] = rowPeriod;
    this.checkRules(sheet, row, values, reported);
    const rowOk = this.result.problems.errors === errorsBefore;
    if (!rowOk) {
      sheet.rowsRefused = true;
      // Found stage by stage (unreadable cells, then the form's rules); listed left to right.
      this.result.problems.sortFrom(firstOfRow, (a, b) => columnOf(a.cell) - columnOf(b.cell));
    }
    const valueErrors = [...reported].some((id) => id !== unitField?.id && id !== periodField?.id);
    if (!valueErrors) addToSums(sheet, values);
    if (!rowOk || !rowUnit || !rowPeriod) return undefined;
    const cumulative = this.cumulativeCells(sheet, row);
    // A sheet of another form is checked, never loaded.
    if (sheet.foreign) return undefined;
    return { sheet: sheet.sheetName, rowNumber: row.rowNumber, unit: rowUnit.name, period: rowPeriod, values, ...(cumulative.length ? { cumulative } : {}) };
  }

  /**
   * Whether the row holds no data to read: blank, notes, "nothing this period", a section heading or
   * the header repeated (noted), a 合计 or 累计 row (noted; a 合计 row is checked against the rows above).
   */
  private skipsRow(sheet: SheetReading, row: SheetRow): boolean {
    const { kind, label } = classify(row, sheet.headerTexts);
    if (kind === 'blank' || kind === 'notes' || kind === 'nothing') return true;
    if (kind === 'section' || kind === 'header') {
      sheet.decisions.note(kind, row.rowNumber, label);
      return true;
    }
    if (kind === 'total' || kind === 'cumulative') {
      sheet.decisions.note(kind, row.rowNumber, label);
      // With rows refused above, their sum says nothing about the 合计 row; a 累计 row spans earlier periods too.
      if (kind === 'total' && !sheet.rowsRefused) this.checkTotal(sheet.sheetName, row, sheet.counted, sheet.sums, label ?? '合计');
      return true;
    }
    return false;
  }

  /**
   * Each cell converted by its field (an unreadable one reported, its field in `reported`, its value
   * null); a field without a column is empty; words meaning "same as another field" take that field's value.
   */
  private readCells(sheet: SheetReading, row: SheetRow): { values: Record<string, FieldValue>; reported: Set<string> } {
    const { sheetName, layout, form, decisions, emptyCountIsZero, contextYear } = sheet;
    const reported = new Set<string>();
    const values: Record<string, FieldValue> = {};
    const sameAs: { field: FieldDefinition; from: string; cell: string }[] = [];
    for (const col of layout.columns) {
      const raw = row.cells[col.column - 1] ?? null;
      const converted = convertCell(col.field, raw, { registry: this.ctx.registry, emptyCountIsZero, ...(contextYear !== undefined ? { contextYear } : {}) });
      const cell = cellAddress(row.rowNumber, col.column);
      if (!converted.ok) {
        reported.add(col.field.id);
        this.badValue(sheetName, cell, col.field, raw, converted.mark);
        values[col.field.id] = null;
        continue;
      }
      if (converted.sameAs) sameAs.push({ field: col.field, from: converted.sameAs, cell });
      else if (converted.mark !== undefined) decisions.mark(col.field, converted.mark, cell);
      else if (converted.value === null && col.field.measure === 'stock' && emptyCountIsZero) decisions.blankStock(col.field, cell);
      values[col.field.id] = converted.value;
    }
    for (const f of form.fields) if (!(f.id in values)) values[f.id] = f.type === 'choices' ? [] : null;
    for (const s of sameAs) {
      const source = form.fields.find((f) => f.id === s.from);
      const value = values[s.from];
      if (value === null || value === undefined || !source) {
        reported.add(s.field.id);
        // Said at the field it points to when that one could not be read, or is required (its emptiness is reported below).
        const saidThere = reported.has(s.from) || (source?.required === true && layout.columns.some((c) => c.field === source));
        if (!saidThere) {
          const raw = row.cells[layout.columns.find((c) => c.field === s.field)!.column - 1];
          this.error(
            'invalid_value',
            `${s.cell} 单元格“${fullLabel(s.field)}”写的是${quote(raw)}，意为与“${source ? fullLabel(source) : s.from}”相同，但该栏为空。请填写具体日期`,
            { sheet: sheetName, cell: s.cell, field: s.field.id, found: quote(raw) },
          );
        }
        continue;
      }
      values[s.field.id] = value;
      decisions.same(s.field, source, s.cell);
    }
    return { values, reported };
  }

  /**
   * The row's unit: its unit column if the form has one, else the sheet's; both must agree. The first
   * unit a column names settles a sheet that stated none. No unit at all is an error (once per sheet without a unit column).
   */
  private rowUnit(sheet: SheetReading, row: SheetRow, values: Record<string, FieldValue>, reported: Set<string>): Unit | undefined {
    const { sheetName, form, unitField, unitCol, unitSettled } = sheet;
    let rowUnit = unitSettled ? sheet.unit : undefined;
    const unitCell = unitCol ? cellAddress(row.rowNumber, unitCol.column) : undefined;
    if (unitField && unitCell && !reported.has(unitField.id) && values[unitField.id] !== null) {
      const named = this.ctx.registry.byName(String(values[unitField.id]));
      if (unitSettled) {
        if (named && !sheet.unit) {
          sheet.unit = named;
          sheet.unitSource = `${unitCell} 单元格`;
          if (!sheet.foreign) this.result.unit ??= named;
        }
        const unit = sheet.unit;
        if (named && unit && named.code !== unit.code && !(named.kind === 'bureau' && unit.kind === 'bureau' && form.kind === 'ledger')) {
          reported.add(unitField.id);
          this.error(
            'unit_conflict',
            `报送单位前后不一致：${sheet.unitSource ?? '文件'}写的是“${unit.name}”，${unitCell} 单元格写的是“${named.name}”。一个文件只能报送一个单位的数据`,
            { sheet: sheetName, cell: unitCell, field: unitField.id, found: named.name },
          );
        }
        rowUnit = named ?? unit;
      } else {
        rowUnit = named;
      }
    }
    if (!rowUnit && unitSettled && !(unitField && reported.has(unitField.id))) {
      if (unitCell) {
        this.error(
          'unit_unknown',
          `${unitCell} 单元格“${fullLabel(unitField!)}”为空，标题、工作表名和文件名中也没有写明单位，无法确定第 ${row.rowNumber} 行属于哪个单位`,
          {
            sheet: sheetName,
            cell: unitCell,
            field: unitField!.id,
            fix: `请在 ${unitCell} 单元格填写单位名称，或在标题中写明单位`,
          },
        );
      } else if (!sheet.unitUnknownSaid) {
        sheet.unitUnknownSaid = true;
        this.error('unit_unknown', `无法确定工作表“${sheetName}”属于哪个单位：表中没有单位列，标题、工作表名和文件名中也没有写明单位`, {
          sheet: sheetName,
          fix: '请在表格标题中写明单位，如“龙兴镇2024年第一季度……”',
        });
      }
    }
    return rowUnit;
  }

  /**
   * The row's period: its period column if the form has one (it must lie inside the sheet's), else the
   * sheet's. A period cell that could not be read leaves it unknown (not the sheet's: a month row would
   * overlap its quarter); no period at all is an error; an aggregate row's period must then pass {@link aggregatePeriod}.
   */
  private rowPeriod(
    sheet: SheetReading,
    row: SheetRow,
    values: Record<string, FieldValue>,
    reported: Set<string>,
    rowUnit: Unit | undefined,
  ): Period | undefined {
    const { sheetName, form, unitField, periodField, periodCol, periodSettled, period } = sheet;
    let rowPeriod = periodSettled && !(periodField && reported.has(periodField.id)) ? period : undefined;
    const periodCell = periodCol ? cellAddress(row.rowNumber, periodCol.column) : undefined;
    let periodFromCell = false;
    if (periodField && periodCell && !reported.has(periodField.id) && values[periodField.id] !== null) {
      const p = values[periodField.id] as Period;
      if (periodSettled && period && !periodContains(period, p)) {
        reported.add(periodField.id);
        rowPeriod = undefined;
        this.error('period_conflict', `${periodCell} 单元格的统计期间“${periodLabel(p)}”不在本表的统计期间“${periodLabel(period)}”之内`, {
          sheet: sheetName,
          cell: periodCell,
          field: periodField.id,
          found: periodLabel(p),
          expected: periodLabel(period),
          fix: '请改正这一格或标题中的统计期间，使两者一致',
        });
      } else {
        rowPeriod = p;
        periodFromCell = true;
      }
    }
    if (!rowPeriod && periodSettled && !(periodField && reported.has(periodField.id))) {
      const hint = '标题、工作表名和文件名中也没有写明（如“2024年第一季度”）';
      if (periodCell) {
        this.error('period_unknown', `${periodCell} 单元格“${fullLabel(periodField!)}”为空，${hint}，无法确定第 ${row.rowNumber} 行的统计期间`, {
          sheet: sheetName,
          cell: periodCell,
          field: periodField!.id,
          fix: `请在 ${periodCell} 单元格填写统计期间，或在标题中写明`,
        });
      } else if (!sheet.periodUnknownSaid) {
        sheet.periodUnknownSaid = true;
        this.error('period_unknown', `无法确定工作表“${sheetName}”的统计期间：表中没有期间列，${hint}`, {
          sheet: sheetName,
          fix: '请在表格标题中写明统计期间，如“2024年第一季度”',
        });
      }
    }
    // Whether the row's period repeats another's is asked only of a row whose unit stands.
    if (form.kind === 'aggregate' && rowPeriod && !(unitField && reported.has(unitField.id))) {
      const at = periodFromCell && periodCell ? { cell: periodCell, field: periodField!.id } : {};
      return this.aggregatePeriod(sheet, row, rowPeriod, rowUnit, periodFromCell, at);
    }
    return rowPeriod;
  }

  /**
   * An aggregate row's period if it is a month or a quarter that no earlier row of the file reports for
   * the same unit (then remembered); otherwise an error (a span once per sheet unless from a cell) and undefined.
   */
  private aggregatePeriod(
    sheet: SheetReading,
    row: SheetRow,
    rowPeriod: Period,
    rowUnit: Unit | undefined,
    periodFromCell: boolean,
    at: At,
  ): Period | undefined {
    const { sheetName, form } = sheet;
    const overlap = this.seenPeriods.find(
      (s) => s.form === form.code && s.unit === (rowUnit?.name ?? '') && (periodContains(s.period, rowPeriod) || periodContains(rowPeriod, s.period)),
    );
    if (periodKind(rowPeriod) === 'other') {
      if (periodFromCell || !sheet.periodSpanSaid) {
        sheet.periodSpanSaid ||= !periodFromCell;
        this.error('period_span', `第 ${row.rowNumber} 行的统计期间“${periodLabel(rowPeriod)}”既不是一个月也不是一个季度，请按月或按季度填报`, {
          sheet: sheetName,
          ...at,
        });
      }
      return undefined;
    }
    if (overlap) {
      const where = overlap.sheet === sheetName ? `第 ${overlap.rowNumber} 行` : `工作表“${overlap.sheet}”第 ${overlap.rowNumber} 行`;
      this.error(
        'period_duplicate',
        `第 ${row.rowNumber} 行（${periodLabel(rowPeriod)}）与${where}（${periodLabel(overlap.period)}）的统计期间重复，数据会被重复计算。如果其中一个是汇总表或合计行，请删除后重新报送`,
        { sheet: sheetName, ...at },
      );
      return undefined;
    }
    this.seenPeriods.push({ form: form.code, unit: rowUnit?.name ?? '', period: rowPeriod, sheet: sheetName, rowNumber: row.rowNumber });
    return rowPeriod;
  }

  /** The form's rules on the values that could be read; the unit and period were checked already, a missing column once for the sheet. */
  private checkRules(sheet: SheetReading, row: SheetRow, values: Record<string, FieldValue>, reported: Set<string>): void {
    const parsed = sheet.schema.safeParse(values);
    if (parsed.success) return;
    for (const issue of parsed.error.issues) {
      const fieldId = String(issue.path[0] ?? '');
      if (reported.has(fieldId) || fieldId === sheet.unitField?.id || fieldId === sheet.periodField?.id) continue;
      const col = sheet.layout.columns.find((c) => c.field.id === fieldId);
      if (!col) continue;
      reported.add(fieldId);
      this.badValue(sheet.sheetName, cellAddress(row.rowNumber, col.column), col.field, row.cells[col.column - 1] ?? null);
    }
  }

  /** The row's running totals (`1-9月累计` columns) that read as numbers, to check later; one that does not read is a warning. */
  private cumulativeCells(sheet: SheetReading, row: SheetRow): { field: string; value: number; cell: string }[] {
    const cumulative: { field: string; value: number; cell: string }[] = [];
    for (const c of sheet.layout.cumulativeColumns) {
      if (c.field.type !== 'count' && c.field.type !== 'amount') continue;
      const raw = row.cells[c.column - 1] ?? null;
      const cell = cellAddress(row.rowNumber, c.column);
      const v = convertCell(c.field, raw, { registry: this.ctx.registry, emptyCountIsZero: false });
      if (!v.ok) {
        this.warn('cumulative_unreadable', `累计列 ${cell} 单元格“${c.header}”填的是 ${quote(raw)}，不是数字，未能核对累计数`, {
          sheet: sheet.sheetName,
          cell,
        });
      } else if (typeof v.value === 'number') cumulative.push({ field: c.field.id, value: v.value, cell });
    }
    return cumulative;
  }

  /** The submission's period is the span of its sheets' periods. */
  private widenPeriod(p: Period | undefined): void {
    if (!p) return;
    const cur = this.result.period;
    if (!cur) this.result.period = p;
    else if (cur.year !== p.year) {
      this.error('period_years', `一个文件只能报送同一年的数据：文件中既有“${periodLabel(cur)}”也有“${periodLabel(p)}”`);
    } else {
      this.result.period = { year: cur.year, fromMonth: Math.min(cur.fromMonth, p.fromMonth), toMonth: Math.max(cur.toMonth, p.toMonth) };
    }
  }

  /**
   * Unit and period as the file and this sheet state them. A contradiction is reported (once, with
   * the title cells and whether a name states it) and the sheet is read on without that unit or period.
   */
  private sheetContext(sheetName: string, layout: TableLayout, foreign: boolean): SheetContext {
    const yearHint = statedYear(this.fileStatements);
    // Each row above the header is its own statement: two title rows naming different quarters contradict.
    const statementsWith = (year: number | undefined) => [
      statementOf({ kind: 'sheet_name', label: '工作表名' }, sheetName, this.ctx.registry, year),
      ...layout.titleRows.map((r) =>
        statementOf({ kind: 'title', label: `表头上方第 ${r.rowNumber} 行` }, r.cells.filter(Boolean).join(' '), this.ctx.registry, year, (words) => {
          // The cell that holds the words, so the message points at it and quotes nothing else.
          const column = r.cells.findIndex((c) => squeeze(c).includes(words));
          return column >= 0 ? cellAddress(r.rowNumber, column + 1) : undefined;
        }),
      ),
    ];
    let sheetStatements = statementsWith(yearHint);
    const contextYear = yearHint ?? statedYear(sheetStatements);
    if (yearHint === undefined && contextYear !== undefined) sheetStatements = statementsWith(contextYear);
    const all = [...this.fileStatements, ...sheetStatements];
    const stated = this.ctx.placement;
    const unit = stated?.unit ? { unit: stated.unit, source: '审核确认的单位' } : agreeOnUnit(all);
    const period = stated?.period ? { period: stated.period, source: '审核确认的期间' } : agreeOnPeriod(all);
    // Even a file refused for a contradiction is filed under what it does say, so the 调度 shows 退回, not 未报.
    if (!foreign) {
      if (!isContradiction(unit) && unit.unit) this.result.guess.unit ??= unit.unit;
      if (!isContradiction(period) && period.period) this.result.guess.period ??= period.period;
    }
    let unitSettled = true;
    let submitter: Unit | undefined;
    if (isContradiction(unit)) {
      this.errorOnce('unit_conflict', unit.message, { sheet: sheetName, ...placesAt(unit.places) });
      unitSettled = false;
    } else if (this.result.unit && unit.unit && this.result.unit.code !== unit.unit.code) {
      this.errorOnce('unit_conflict', `报送单位前后不一致：前一个工作表是“${this.result.unit.name}”，工作表“${sheetName}”是“${unit.unit.name}”`, {
        sheet: sheetName,
        ...(unit.place ? placesAt([unit.place]) : {}),
        fix: '一个文件只报送一个单位的数据，请核对后改正或分开报送',
      });
      unitSettled = false;
    } else {
      submitter = unit.unit ?? this.result.unit;
    }
    let periodSettled = true;
    if (isContradiction(period)) {
      this.errorOnce(period.code ?? 'period_conflict', period.message, { sheet: sheetName, ...placesAt(period.places) });
      periodSettled = false;
    }
    const form = layout.form;
    if (submitter) {
      if (!form.senders.includes(submitter.kind) || (form.senderUnits && !form.senderUnits.includes(submitter.name))) {
        const at = !isContradiction(unit) && unit.place && unit.unit ? placesAt([unit.place]) : {};
        this.errorOnce('wrong_sender', `“${submitter.name}”不报送“${form.name}”。请核对报表类型或单位名称`, { sheet: sheetName, ...at });
      } else if (!foreign) this.result.unit ??= submitter;
    }
    return {
      ...(submitter ? { unit: submitter } : {}),
      ...(!isContradiction(unit) && unit.source ? { unitSource: unit.source } : {}),
      ...(!isContradiction(period) && period.period ? { period: period.period } : {}),
      ...(this.ctx.placement?.period ? { contextYear: this.ctx.placement.period.year } : contextYear !== undefined ? { contextYear } : {}),
      unitSettled,
      periodSettled,
    };
  }

  private badValue(sheet: string, cell: string, field: FieldDefinition, raw: CellValue, mark?: string): void {
    const empty = raw === null || (typeof raw === 'string' && raw.trim() === '');
    const found = empty ? '（空）' : quote(raw);
    const label = fullLabel(field);
    const message = empty
      ? `${cell} 单元格“${label}”为必填项，不能为空`
      : mark !== undefined
        ? `${cell} 单元格“${label}”为必填项，填的是 ${found}（表示没有内容），应填写${expectedText(field)}`
        : `${cell} 单元格“${label}”填的是 ${found}，应填写${expectedText(field)}`;
    const fix = empty || mark !== undefined ? undefined : fixFor(field, raw);
    this.error(empty || mark !== undefined ? 'required' : 'invalid_value', message, {
      sheet,
      cell,
      field: field.id,
      found,
      expected: expectedText(field),
      ...(fix ? { fix } : {}),
    });
  }

  private checkTotal(
    sheet: string,
    row: SheetRow,
    counted: readonly { column: number; field: FieldDefinition }[],
    sums: Map<string, number>,
    label: string,
  ): void {
    for (const c of counted) {
      const raw = row.cells[c.column - 1] ?? null;
      if (raw === null || raw === '') continue;
      const v = convertCell(c.field, raw, { registry: this.ctx.registry, emptyCountIsZero: true });
      if (!v.ok || typeof v.value !== 'number') continue;
      const sum = sums.get(c.field.id) ?? 0;
      if (c.field.measure === 'stock') continue;
      if (Math.abs(v.value - sum) > 0.005) {
        this.warn(
          'total_mismatch',
          `合计行（“${label}”）${cellAddress(row.rowNumber, c.column)} 单元格“${fullLabel(c.field)}”为 ${v.value}，但上方各行相加为 ${Math.round(sum * 100) / 100}。合计行不入库，已按各行数据计算`,
          { sheet, cell: cellAddress(row.rowNumber, c.column), field: c.field.id },
        );
      }
    }
  }
}

/** The column number of an address (`C4` → 3); 0 for none. */
function columnOf(cell: string | undefined): number {
  const m = cell ? /^[A-Z]+/.exec(cell) : null;
  return m ? columnNumber(m[0]) : 0;
}

/** A contradiction's places as a problem's location: its title cells, and whether a name states it. */
function placesAt(places: readonly ContradictionPlace[]): At {
  const cells = places.map((p) => p.cell).filter((c): c is string => c !== undefined);
  const named = places.find((p) => p.kind === 'file_name' || p.kind === 'folder_name' || p.kind === 'sheet_name');
  return {
    ...(cells.length ? { cell: cells[0]! } : {}),
    ...(cells.length > 1 ? { cells: cells.slice(1) } : {}),
    ...(named ? { source: named.kind as ProblemSource } : {}),
  };
}

async function drain(iterator: AsyncIterator<SheetRow>): Promise<void> {
  // The reader must see its sheet consumed before it moves to the next one.
  for (let n = await iterator.next(); !n.done; n = await iterator.next()) {
    /* skip */
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Cell addresses listed in a notice: the first few and how many more. */
function cellList(cells: readonly string[], max = 8): string {
  return cells.length <= max ? cells.join('、') : `${cells.slice(0, max).join('、')} 等 ${cells.length} 个单元格`;
}

/**
 * What the parser decided about a sheet's rows without refusing them, said once per kind as a
 * notice so that every reading stays explainable: rows skipped as totals, section headings or
 * repeated headers; marks read as "no value"; words read as another field's value; blank head counts.
 */
class SheetDecisions {
  private readonly rows = new Map<string, { rows: number[]; labels: string[] }>();
  private readonly marks = new Map<FieldDefinition, { marks: Set<string>; cells: string[] }>();
  private readonly sames = new Map<FieldDefinition, { source: FieldDefinition; cells: string[] }>();
  private readonly stocks = new Map<FieldDefinition, string[]>();

  note(kind: 'total' | 'cumulative' | 'section' | 'header', rowNumber: number, label: string | undefined): void {
    const entry = this.rows.get(kind) ?? { rows: [], labels: [] };
    entry.rows.push(rowNumber);
    if (label && entry.labels.length < 5 && !entry.labels.includes(label)) entry.labels.push(label.slice(0, 20));
    this.rows.set(kind, entry);
  }

  mark(field: FieldDefinition, mark: string, cell: string): void {
    const entry = this.marks.get(field) ?? { marks: new Set<string>(), cells: [] };
    entry.marks.add(mark);
    entry.cells.push(cell);
    this.marks.set(field, entry);
  }

  same(field: FieldDefinition, source: FieldDefinition, cell: string): void {
    const entry = this.sames.get(field) ?? { source, cells: [] };
    entry.cells.push(cell);
    this.sames.set(field, entry);
  }

  blankStock(field: FieldDefinition, cell: string): void {
    const cells = this.stocks.get(field) ?? [];
    cells.push(cell);
    this.stocks.set(field, cells);
  }

  notices(sheet: string): Problem[] {
    const out: Problem[] = [];
    const rowsText = (rows: number[]) =>
      rows.length <= 8 ? rows.map((r) => `第 ${r} 行`).join('、') : `第 ${rows.slice(0, 8).join('、')} 行等 ${rows.length} 行`;
    const quoted = (labels: string[]) => labels.map((l) => `“${l}”`).join('、');
    const what: Record<string, (e: { rows: number[]; labels: string[] }) => [string, string]> = {
      total: (e) => ['total_row_dropped', `${rowsText(e.rows)}是合计行（${quoted(e.labels)}），已与上方各行核对，不入库`],
      cumulative: (e) => ['cumulative_row_dropped', `${rowsText(e.rows)}是累计行（${quoted(e.labels)}），包含以前期间的数据，不入库`],
      section: (e) => ['section_heading_skipped', `${rowsText(e.rows)}是分段标题（${quoted(e.labels)}），已跳过；各段数据按同一张表读取`],
      header: (e) => ['repeated_header_skipped', `${rowsText(e.rows)}是重复的表头，已跳过`],
    };
    for (const [kind, entry] of this.rows) {
      const [code, message] = what[kind]!(entry);
      out.push({ severity: 'notice', code, sheet, message });
    }
    for (const [field, e] of this.marks) {
      out.push({
        severity: 'notice',
        code: 'no_value_mark',
        sheet,
        field: field.id,
        cell: e.cells[0]!,
        message: `“${fullLabel(field)}”${cellList(e.cells)}填的是${[...e.marks].map((m) => `“${m}”`).join('、')}，按“未填写”处理`,
      });
    }
    for (const [field, e] of this.sames) {
      out.push({
        severity: 'notice',
        code: 'same_as_field',
        sheet,
        field: field.id,
        cell: e.cells[0]!,
        message: `“${fullLabel(field)}”${cellList(e.cells)}写的是当场（立即）整改，按同一行的“${fullLabel(e.source)}”计`,
      });
    }
    for (const [field, cells] of this.stocks) {
      out.push({
        severity: 'notice',
        code: 'stock_not_reported',
        sheet,
        field: field.id,
        cell: cells[0]!,
        message: `“${fullLabel(field)}”${cellList(cells)}未填写，视为该期未报告（不按 0 计），人数按该单位此前最近一次报告的数字统计`,
      });
    }
    return out;
  }
}
