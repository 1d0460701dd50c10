import type { FieldDefinition, FormDefinition } from '../../domain/forms/form-definition.js';
import { fullLabel } from '../../domain/forms/form-definition.js';
import { periodContains, periodKind, periodLabel, type Period } from '../../domain/periods.js';
import { quote, squeeze } from '../../domain/text.js';
import type { Unit, UnitRegistry } from '../../domain/units.js';
import type { CellValue, SheetRow, WorkbookStream } from '../../sources/readers/reader.js';
import { cellAddress, columnLetters, ReadError } from '../../sources/readers/reader.js';
import { convertCell, expectedText, type FieldValue } from '../normalize/cell-values.js';
import type { HeaderMatcher } from '../normalize/header-matcher.js';
import { headerSearchRows, isLocateFailure, locateTable, type TableLayout } from '../normalize/table-locator.js';
import { rowSchema } from '../validate/row-schema.js';
import { ProblemList, type Problem } from './problem.js';
import {
  agreeOnPeriod,
  agreeOnUnit,
  isContradiction,
  statedYear,
  statementOf,
  type Statement,
} from './statements.js';

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
}

/** A row whose label says it is a total: `合计`, `总 计`, `第三季度合计`, `本季度合计`, `全年合计`, `小计`. */
const totalLabel = /^(合计|总计|小计|总合计|全区合计|累计合计|共计)|(合计|总计|小计|共计)(数)?$/;
/** A row whose label says it is a running total: `1-9月累计`, `本年累计`, `累计`. */
const cumulativeLabel = /^(累计|本年累计|年累计)|累计(数)?$/;
const notesRow = /^(填表人|填报人|审核人|审核|联系电话|联系人|电话|制表人|制表|填报日期|报送日期|填表日期|单位负责人|负责人|注[:：]|说明[:：]|备注[:：]|注释|签字|盖章)/;
/** A heading that splits a ledger into sections: `一、已整改隐患`, `（二）未整改隐患`, `第二部分`. */
const sectionHeading = /^(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十0-9]{1,3}[)）]|第[一二三四五六七八九十0-9]{1,3}(?:部分|节|类|项|章)|[0-9]{1,2}[、.．](?=[\u4e00-\u9fff]))/;

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

/**
 * Turns a workbook stream into validated records and a list of problems. Reads each sheet's
 * first rows to find its table, states where the unit and period come from, then streams the
 * data rows. Records are yielded as soon as they are valid; the caller decides at the end
 * (`result.problems.hasErrors`) whether the file is loaded or refused.
 */
export class SubmissionParser {
  readonly result: ParsedSubmission = { rows: 0, sheets: [], columns: [], problems: new ProblemList(), guess: {} };
  /** Aggregate rows' periods across every sheet, so a summary sheet cannot count a month twice. */
  private readonly seenPeriods: { unit: string; period: Period; sheet: string; rowNumber: number }[] = [];
  private readonly fileStatements: Statement[];

  constructor(
    private readonly workbook: WorkbookStream,
    private readonly ctx: ParserContext,
  ) {
    const segments = ctx.path.split('/');
    const fileName = segments.pop() ?? ctx.path;
    // Sources name where a thing was said, never quote it whole: a file or folder name may hold a person's name.
    const folder = (i: number) => (segments.length > 1 ? `第 ${i + 1} 级文件夹名` : '文件夹名');
    this.fileStatements = [
      ...segments.map((s, i) => statementOf(folder(i), s, ctx.registry)),
      statementOf('文件名', fileName.replace(/\.[^.]+$/, ''), ctx.registry),
    ];
    const year = statedYear(this.fileStatements);
    if (year !== undefined) {
      this.fileStatements = [
        ...segments.map((s, i) => statementOf(folder(i), s, ctx.registry, year)),
        statementOf('文件名', fileName.replace(/\.[^.]+$/, ''), ctx.registry, year),
      ];
    }
  }

  private error(code: string, message: string, at: { sheet?: string; cell?: string; field?: string; found?: string; expected?: string } = {}): void {
    this.result.problems.add({ severity: 'error', code, message, ...at });
  }

  private warn(code: string, message: string, at: { sheet?: string; cell?: string } = {}): void {
    this.result.problems.add({ severity: 'warning', code, message, ...at });
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
        const message = e.message.replace(new RegExp(`^(${escapeRegExp(this.ctx.path)}|${escapeRegExp(name)})[：:]\\s*`), '');
        // A CSV's only "sheet" is the file itself.
        const sheet = e.sheet && e.sheet !== name.replace(/\.[^.]+$/, '') ? e.sheet : undefined;
        this.error(`read_${e.code}`, message, { ...(sheet ? { sheet } : {}), ...(e.cell ? { cell: e.cell } : {}) });
      } else {
        this.error('read_failed', `文件无法读取：${e instanceof Error ? e.message : String(e)}`);
      }
    }
    for (const n of this.workbook.notices) {
      this.result.problems.add({ severity: 'notice', code: n.code, message: n.message, ...(n.sheet ? { sheet: n.sheet } : {}) });
    }
    this.finish();
  }

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
  }

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
        this.result.problems.add({ severity: 'notice', code: 'sheet_without_table', sheet: sheetName, message: `工作表“${sheetName}”中没有找到报表表头，已跳过` });
      } else {
        this.error(located.reason, located.message, { sheet: sheetName, ...(located.cell ? { cell: located.cell } : {}) });
      }
      await drain(iterator);
      return;
    }
    const layout = located;
    const form = layout.form;
    if (this.result.form && this.result.form !== form) {
      this.error('mixed_forms', `一个文件只能报送一种报表：工作表“${this.result.sheets[0]}”是“${this.result.form.name}”，工作表“${sheetName}”是“${form.name}”。请分成两个文件报送`, { sheet: sheetName });
      await drain(iterator);
      return;
    }
    this.result.form = form;
    this.result.sheets.push(sheetName);
    for (const c of layout.columns) this.result.columns.push({ sheet: sheetName, field: c.field.id, column: columnLetters(c.column), header: c.header });
    const headerRow = layout.headerRowNumbers[layout.headerRowNumbers.length - 1] ?? 0;
    for (const f of layout.missingFields) {
      this.error('missing_column', `缺少栏目“${fullLabel(f)}”：表头（第 ${headerRow} 行）中找不到这一列。请按模板补上该列${form.kind === 'aggregate' ? '，没有数据请填 0' : ''}`, { sheet: sheetName, field: f.id });
    }
    for (const m of layout.unitMismatches) {
      this.error('unit_scale', `${cellAddress(headerRow, m.column)} 单元格表头“${m.header}”以${m.stated}为单位，本表“${fullLabel(m.field)}”要求以${m.field.unit}填写。请换算后修改表头和数据`, { sheet: sheetName, cell: cellAddress(headerRow, m.column), field: m.field.id });
    }
    if (layout.comparisonColumns.length) {
      this.result.problems.add({ severity: 'notice', code: 'comparison_columns_ignored', sheet: sheetName, message: `${layout.comparisonColumns.map((c) => `${columnLetters(c.column)} 列“${c.text}”`).join('、')}是与其他期间的比较，不入库` });
    }
    if (layout.cumulativeColumns.length) {
      this.result.problems.add({ severity: 'notice', code: 'cumulative_columns_checked', sheet: sheetName, message: `${layout.cumulativeColumns.length} 个累计列（如 ${columnLetters(layout.cumulativeColumns[0]!.column)} 列“${layout.cumulativeColumns[0]!.header}”）不入库，只与系统中已入库的本年累计数核对；入库的是各“本期”列` });
    }
    for (const u of layout.unknownHeaders) {
      this.warn('unknown_column', `表头“${u.text}”不是“${form.name}”的栏目，该列已忽略`, { sheet: sheetName, cell: cellAddress(headerRow, u.column) });
    }

    const sheetContext = this.sheetContext(sheetName, layout);
    if (!sheetContext) {
      await drain(iterator);
      return;
    }
    const { contextYear } = sheetContext;
    let { unit, unitSource, period } = sheetContext;

    const schema = rowSchema(form);
    const unitField = form.unitField ? form.fields.find((f) => f.id === form.unitField) : undefined;
    const periodField = form.periodField ? form.fields.find((f) => f.id === form.periodField) : undefined;
    const emptyCountIsZero = form.kind === 'aggregate';
    const sums = new Map<string, number>();
    const counted = layout.columns.filter((c) => c.field.type === 'count' || c.field.type === 'amount');
    const lastHeaderIndex = head.findIndex((r) => r.rowNumber === headerRow);

    const headerTexts = new Set<string>();
    for (const r of head) {
      if (!layout.headerRowNumbers.includes(r.rowNumber)) continue;
      for (const c of r.cells) {
        const t = cellText(c);
        if (t) headerTexts.add(t);
      }
    }
    const decisions = new SheetDecisions();

    const errorsBefore = this.result.problems.errors;
    const handle = (row: SheetRow): ParsedRecord | undefined => {
      const { kind, label } = classify(row, headerTexts);
      if (kind === 'blank' || kind === 'notes' || kind === 'nothing') return undefined;
      if (kind === 'section' || kind === 'header') {
        decisions.note(kind, row.rowNumber, label);
        return undefined;
      }
      if (kind === 'total' || kind === 'cumulative') {
        decisions.note(kind, row.rowNumber, label);
        // With rows refused above, their sum says nothing about the 合计 row; a 累计 row spans earlier periods too.
        if (kind === 'total' && this.result.problems.errors === errorsBefore) this.checkTotal(sheetName, row, counted, sums, label ?? '合计');
        return undefined;
      }
      const values: Record<string, FieldValue> = {};
      const sameAs: { field: FieldDefinition; from: string; cell: string }[] = [];
      let rowOk = true;
      for (const col of layout.columns) {
        const raw = row.cells[col.column - 1] ?? null;
        const converted = convertCell(col.field, raw, { registry: this.ctx.registry, emptyCountIsZero, ...(contextYear !== undefined ? { contextYear } : {}) });
        const cell = cellAddress(row.rowNumber, col.column);
        if (!converted.ok) {
          rowOk = false;
          this.badValue(sheetName, cell, col.field, raw, converted.mark);
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
          rowOk = false;
          this.error('invalid_value', `${s.cell} 单元格“${fullLabel(s.field)}”写的是${quote(row.cells[layout.columns.find((c) => c.field === s.field)!.column - 1])}，意为与“${source ? fullLabel(source) : s.from}”相同，但该栏为空。请填写具体日期`, { sheet: sheetName, cell: s.cell, field: s.field.id });
          continue;
        }
        values[s.field.id] = value;
        decisions.same(s.field, source, s.cell);
      }
      if (!rowOk) return undefined;

      // The unit: its column if the form has one, else the sheet's; both must agree.
      let rowUnit = unit;
      if (unitField && values[unitField.id] !== null) {
        const named = this.ctx.registry.byName(String(values[unitField.id]));
        const col = layout.columns.find((c) => c.field === unitField);
        const cell = col ? cellAddress(row.rowNumber, col.column) : undefined;
        if (named && !unit) {
          unit = named;
          unitSource = `${cell ?? ''} 单元格`;
          this.result.unit ??= named;
        }
        if (named && unit && named.code !== unit.code && !(named.kind === 'bureau' && unit.kind === 'bureau' && form.kind === 'ledger')) {
          this.error('unit_conflict', `报送单位前后不一致：${unitSource ?? '文件'}写的是“${unit.name}”，${cell ?? ''} 单元格写的是“${named.name}”。一个文件只能报送一个单位的数据`, { sheet: sheetName, ...(cell ? { cell } : {}), field: unitField.id, found: named.name });
          return undefined;
        }
        rowUnit = named ?? unit;
      }
      if (!rowUnit) {
        const unitCol = unitField ? layout.columns.find((c) => c.field === unitField) : undefined;
        this.error(
          'unit_unknown',
          unitCol
            ? `${cellAddress(row.rowNumber, unitCol.column)} 单元格“${fullLabel(unitField!)}”为空，标题、工作表名和文件名中也没有写明单位，无法确定第 ${row.rowNumber} 行属于哪个单位`
            : `无法确定第 ${row.rowNumber} 行属于哪个单位：表中没有单位列，标题、工作表名和文件名中也没有写明单位`,
          { sheet: sheetName, ...(unitCol ? { cell: cellAddress(row.rowNumber, unitCol.column) } : {}) },
        );
        return undefined;
      }
      if (unitField) values[unitField.id] = rowUnit.name;

      // The period: its column if the form has one, else the sheet's; the row must lie inside it.
      let rowPeriod = period;
      if (periodField && values[periodField.id] !== null) {
        const p = values[periodField.id] as Period;
        const col = layout.columns.find((c) => c.field === periodField);
        const cell = col ? cellAddress(row.rowNumber, col.column) : '';
        if (period && !periodContains(period, p)) {
          this.error('period_conflict', `${cell} 单元格的统计期间“${periodLabel(p)}”不在本表的统计期间“${periodLabel(period)}”之内`, { sheet: sheetName, cell, field: periodField.id, found: periodLabel(p) });
          return undefined;
        }
        rowPeriod = p;
      }
      if (!rowPeriod) {
        this.error('period_unknown', `无法确定第 ${row.rowNumber} 行的统计期间：表中没有期间列，标题、工作表名和文件名中也没有写明（如“2024年第一季度”）`, { sheet: sheetName });
        return undefined;
      }
      if (form.kind === 'aggregate') {
        if (periodKind(rowPeriod) === 'other') {
          this.error('period_span', `第 ${row.rowNumber} 行的统计期间“${periodLabel(rowPeriod)}”既不是一个月也不是一个季度，请按月或按季度填报`, { sheet: sheetName });
          return undefined;
        }
        const overlap = this.seenPeriods.find((s) => s.unit === rowUnit!.name && (periodContains(s.period, rowPeriod!) || periodContains(rowPeriod!, s.period)));
        if (overlap) {
          const where = overlap.sheet === sheetName ? `第 ${overlap.rowNumber} 行` : `工作表“${overlap.sheet}”第 ${overlap.rowNumber} 行`;
          this.error('period_duplicate', `第 ${row.rowNumber} 行（${periodLabel(rowPeriod)}）与${where}（${periodLabel(overlap.period)}）的统计期间重复，数据会被重复计算。如果其中一个是汇总表或合计行，请删除后重新报送`, { sheet: sheetName });
          return undefined;
        }
        this.seenPeriods.push({ unit: rowUnit.name, period: rowPeriod, sheet: sheetName, rowNumber: row.rowNumber });
      }
      if (periodField) values[periodField.id] = rowPeriod;

      const parsed = schema.safeParse(values);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          const fieldId = String(issue.path[0] ?? '');
          const field = form.fields.find((f) => f.id === fieldId);
          if (!field) continue;
          const col = layout.columns.find((c) => c.field === field);
          const cell = col ? cellAddress(row.rowNumber, col.column) : undefined;
          this.badValue(sheetName, cell, field, col ? (row.cells[col.column - 1] ?? null) : null);
        }
        return undefined;
      }
      for (const c of counted) {
        const v = values[c.field.id];
        if (typeof v === 'number') sums.set(c.field.id, (sums.get(c.field.id) ?? 0) + v);
      }
      const cumulative: { field: string; value: number; cell: string }[] = [];
      for (const c of layout.cumulativeColumns) {
        if (c.field.type !== 'count' && c.field.type !== 'amount') continue;
        const raw = row.cells[c.column - 1] ?? null;
        const cell = cellAddress(row.rowNumber, c.column);
        const v = convertCell(c.field, raw, { registry: this.ctx.registry, emptyCountIsZero: false });
        if (!v.ok) {
          this.warn('cumulative_unreadable', `累计列 ${cell} 单元格“${c.header}”填的是 ${quote(raw)}，不是数字，未能核对累计数`, { sheet: sheetName, cell });
        } else if (typeof v.value === 'number') cumulative.push({ field: c.field.id, value: v.value, cell });
      }
      return { sheet: sheetName, rowNumber: row.rowNumber, unit: rowUnit.name, period: rowPeriod, values, ...(cumulative.length ? { cumulative } : {}) };
    };

    for (const row of head.slice(lastHeaderIndex + 1)) {
      const record = handle(row);
      if (record) {
        this.result.rows++;
        yield record;
      }
    }
    let next = await iterator.next();
    while (!next.done) {
      const record = handle(next.value);
      if (record) {
        this.result.rows++;
        yield record;
      }
      next = await iterator.next();
    }
    for (const notice of decisions.notices(sheetName)) this.result.problems.add(notice);
    this.widenPeriod(period ?? this.result.period);
    for (const s of this.seenPeriods) if (s.sheet === sheetName) this.widenPeriod(s.period);
    if (unit) this.result.unit ??= unit;
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

  /** Unit and period as the file and this sheet state them, or undefined after reporting a contradiction. */
  private sheetContext(sheetName: string, layout: TableLayout): { unit?: Unit; unitSource?: string; period?: Period; contextYear?: number } | undefined {
    const yearHint = statedYear(this.fileStatements);
    // Each row above the header is its own statement: two title rows naming different quarters contradict.
    const statementsWith = (year: number | undefined) => [
      statementOf('工作表名', sheetName, this.ctx.registry, year),
      ...layout.titleRows.map((r) =>
        statementOf(`表头上方第 ${r.rowNumber} 行`, r.cells.filter(Boolean).join(' '), this.ctx.registry, year, (words) => {
          // The cell that holds the words, so the message points at it and quotes nothing else.
          const column = r.cells.findIndex((c) => squeeze(c).includes(words));
          return column >= 0 ? `${cellAddress(r.rowNumber, column + 1)} 单元格` : `表头上方第 ${r.rowNumber} 行`;
        }),
      ),
    ];
    let sheetStatements = statementsWith(yearHint);
    const contextYear = yearHint ?? statedYear(sheetStatements);
    if (yearHint === undefined && contextYear !== undefined) sheetStatements = statementsWith(contextYear);
    const all = [...this.fileStatements, ...sheetStatements];
    const unit = agreeOnUnit(all);
    const agreedPeriod = agreeOnPeriod(all);
    // Even a file refused for a contradiction is filed under what it does say, so the 调度 shows 退回, not 未报.
    if (!isContradiction(unit) && unit.unit) this.result.guess.unit ??= unit.unit;
    if (!isContradiction(agreedPeriod) && agreedPeriod.period) this.result.guess.period ??= agreedPeriod.period;
    if (isContradiction(unit)) {
      this.error('unit_conflict', unit.message, { sheet: sheetName });
      return undefined;
    }
    if (this.result.unit && unit.unit && this.result.unit.code !== unit.unit.code) {
      this.error('unit_conflict', `报送单位前后不一致：前一个工作表是“${this.result.unit.name}”，工作表“${sheetName}”是“${unit.unit.name}”`, { sheet: sheetName });
      return undefined;
    }
    const period = agreedPeriod;
    if (isContradiction(period)) {
      this.error(period.code ?? 'period_conflict', period.message, { sheet: sheetName });
      return undefined;
    }
    const form = layout.form;
    const submitter = unit.unit ?? this.result.unit;
    if (submitter) {
      if (!form.senders.includes(submitter.kind) || (form.senderUnits && !form.senderUnits.includes(submitter.name))) {
        this.error('wrong_sender', `“${submitter.name}”不报送“${form.name}”。请核对报表类型或单位名称`, { sheet: sheetName });
        return undefined;
      }
      this.result.unit ??= submitter;
    }
    return {
      ...(submitter ? { unit: submitter } : {}),
      ...(unit.source ? { unitSource: unit.source } : {}),
      ...(period.period ? { period: period.period } : {}),
      ...(contextYear !== undefined ? { contextYear } : {}),
    };
  }

  private badValue(sheet: string, cell: string | undefined, field: FieldDefinition, raw: CellValue, mark?: string): void {
    const empty = raw === null || (typeof raw === 'string' && raw.trim() === '');
    const found = empty ? '（空）' : quote(raw);
    const label = fullLabel(field);
    const message = empty
      ? `${cell ?? ''} 单元格“${label}”为必填项，不能为空`
      : mark !== undefined
        ? `${cell ?? ''} 单元格“${label}”为必填项，填的是 ${found}（表示没有内容），应填写${expectedText(field)}`
        : `${cell ?? ''} 单元格“${label}”填的是 ${found}，应填写${expectedText(field)}`;
    this.error(empty || mark !== undefined ? 'required' : 'invalid_value', message, { sheet, ...(cell ? { cell } : {}), field: field.id, found, expected: expectedText(field) });
  }

  private checkTotal(sheet: string, row: SheetRow, counted: readonly { column: number; field: FieldDefinition }[], sums: Map<string, number>, label: string): void {
    for (const c of counted) {
      const raw = row.cells[c.column - 1] ?? null;
      if (raw === null || raw === '') continue;
      const v = convertCell(c.field, raw, { registry: this.ctx.registry, emptyCountIsZero: true });
      if (!v.ok || typeof v.value !== 'number') continue;
      const sum = sums.get(c.field.id) ?? 0;
      if (c.field.measure === 'stock') continue;
      if (Math.abs(v.value - sum) > 0.005) {
        this.warn('total_mismatch', `合计行（“${label}”）${cellAddress(row.rowNumber, c.column)} 单元格“${fullLabel(c.field)}”为 ${v.value}，但上方各行相加为 ${Math.round(sum * 100) / 100}。合计行不入库，已按各行数据计算`, { sheet, cell: cellAddress(row.rowNumber, c.column) });
      }
    }
  }
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
    const rowsText = (rows: number[]) => (rows.length <= 8 ? rows.map((r) => `第 ${r} 行`).join('、') : `第 ${rows.slice(0, 8).join('、')} 行等 ${rows.length} 行`);
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
      out.push({ severity: 'notice', code: 'no_value_mark', sheet, field: field.id, cell: e.cells[0]!, message: `“${fullLabel(field)}”${cellList(e.cells)}填的是${[...e.marks].map((m) => `“${m}”`).join('、')}，按“未填写”处理` });
    }
    for (const [field, e] of this.sames) {
      out.push({ severity: 'notice', code: 'same_as_field', sheet, field: field.id, cell: e.cells[0]!, message: `“${fullLabel(field)}”${cellList(e.cells)}写的是当场（立即）整改，按同一行的“${fullLabel(e.source)}”计` });
    }
    for (const [field, cells] of this.stocks) {
      out.push({ severity: 'notice', code: 'stock_not_reported', sheet, field: field.id, cell: cells[0]!, message: `“${fullLabel(field)}”${cellList(cells)}未填写，视为该期未报告（不按 0 计），人数按该单位此前最近一次报告的数字统计` });
    }
    return out;
  }
}
