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
import { ProblemList } from './problem.js';
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
}

/** Everything the parser needs besides the file. */
export interface ParserContext {
  readonly registry: UnitRegistry;
  readonly matcher: HeaderMatcher;
  /** Path of the file relative to the inbox (`2024Q1/龙兴镇/T1.xlsx`). */
  readonly path: string;
}

const totalRow = /^(合计|总计|小计|总合计|全区合计|累计合计)/;
const notesRow = /^(填表人|填报人|审核人|审核|联系电话|联系人|电话|制表人|制表|填报日期|报送日期|填表日期|单位负责人|负责人|注[:：]|说明[:：]|备注[:：]|注释|签字|盖章)/;

function cellText(v: CellValue | undefined): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return squeeze(String(v));
}

/** A row saying there is nothing to report this period: `本季度无行政处罚案件`, `无`. */
const nothingRow = /^(本季度|本月|本期|当季|当月)?(无|没有|暂无)(行政处罚)?(案件|隐患|记录|数据|案卷|评查)?(情况)?。?$/;

function classify(row: SheetRow): 'blank' | 'total' | 'notes' | 'nothing' | 'data' {
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
  if (filled === 0 || (texts.length === 0 && row.cells.every((c) => cellText(c) === ''))) return 'blank';
  if (filled === 1 && nothingRow.test(texts[0]!)) return 'nothing';
  if (texts.some((t) => totalRow.test(t))) return 'total';
  if (notesRow.test(texts[0] ?? '')) return 'notes';
  return 'data';
}

/**
 * Turns a workbook stream into validated records and a list of problems. Reads each sheet's
 * first rows to find its table, states where the unit and period come from, then streams the
 * data rows. Records are yielded as soon as they are valid; the caller decides at the end
 * (`result.problems.hasErrors`) whether the file is loaded or refused.
 */
export class SubmissionParser {
  readonly result: ParsedSubmission = { rows: 0, sheets: [], columns: [], problems: new ProblemList() };
  /** Aggregate rows' periods across every sheet, so a summary sheet cannot count a month twice. */
  private readonly seenPeriods: { unit: string; period: Period; sheet: string; rowNumber: number }[] = [];
  private readonly fileStatements: Statement[];

  constructor(
    private readonly workbook: WorkbookStream,
    private readonly ctx: ParserContext,
  ) {
    const segments = ctx.path.split('/');
    const fileName = segments.pop() ?? ctx.path;
    this.fileStatements = [
      ...segments.map((s) => statementOf(`文件夹“${s}”`, s, ctx.registry)),
      statementOf(`文件名“${fileName}”`, fileName.replace(/\.[^.]+$/, ''), ctx.registry),
    ];
    const year = statedYear(this.fileStatements);
    if (year !== undefined) {
      this.fileStatements = [
        ...segments.map((s) => statementOf(`文件夹“${s}”`, s, ctx.registry, year)),
        statementOf(`文件名“${fileName}”`, fileName.replace(/\.[^.]+$/, ''), ctx.registry, year),
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

    const errorsBefore = this.result.problems.errors;
    const handle = (row: SheetRow): ParsedRecord | undefined => {
      const kind = classify(row);
      if (kind === 'blank' || kind === 'notes' || kind === 'nothing') return undefined;
      if (kind === 'total') {
        // With rows refused above, their sum says nothing about the 合计 row.
        if (this.result.problems.errors === errorsBefore) this.checkTotal(sheetName, row, counted, sums);
        return undefined;
      }
      const values: Record<string, FieldValue> = {};
      let rowOk = true;
      for (const col of layout.columns) {
        const raw = row.cells[col.column - 1] ?? null;
        const converted = convertCell(col.field, raw, { registry: this.ctx.registry, emptyCountIsZero, ...(contextYear !== undefined ? { contextYear } : {}) });
        const cell = cellAddress(row.rowNumber, col.column);
        if (!converted.ok) {
          rowOk = false;
          this.badValue(sheetName, cell, col.field, raw);
          continue;
        }
        values[col.field.id] = converted.value;
      }
      for (const f of form.fields) if (!(f.id in values)) values[f.id] = f.type === 'choices' ? [] : null;
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
      return { sheet: sheetName, rowNumber: row.rowNumber, unit: rowUnit.name, period: rowPeriod, values };
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
      statementOf(`工作表名“${sheetName}”`, sheetName, this.ctx.registry, year),
      ...layout.titleTexts.map((t) => statementOf(`标题“${t.slice(0, 60)}”`, t, this.ctx.registry, year)),
    ];
    let sheetStatements = statementsWith(yearHint);
    const contextYear = yearHint ?? statedYear(sheetStatements);
    if (yearHint === undefined && contextYear !== undefined) sheetStatements = statementsWith(contextYear);
    const all = [...this.fileStatements, ...sheetStatements];
    const unit = agreeOnUnit(all);
    if (isContradiction(unit)) {
      this.error('unit_conflict', unit.message, { sheet: sheetName });
      return undefined;
    }
    if (this.result.unit && unit.unit && this.result.unit.code !== unit.unit.code) {
      this.error('unit_conflict', `报送单位前后不一致：前一个工作表是“${this.result.unit.name}”，工作表“${sheetName}”是“${unit.unit.name}”`, { sheet: sheetName });
      return undefined;
    }
    const period = agreeOnPeriod(all);
    if (isContradiction(period)) {
      this.error('period_conflict', period.message, { sheet: sheetName });
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

  private badValue(sheet: string, cell: string | undefined, field: FieldDefinition, raw: CellValue): void {
    const empty = raw === null || (typeof raw === 'string' && raw.trim() === '');
    const found = empty ? '（空）' : quote(raw);
    const label = fullLabel(field);
    const message = empty
      ? `${cell ?? ''} 单元格“${label}”为必填项，不能为空`
      : `${cell ?? ''} 单元格“${label}”填的是 ${found}，应填写${expectedText(field)}`;
    this.error(empty ? 'required' : 'invalid_value', message, { sheet, ...(cell ? { cell } : {}), field: field.id, found, expected: expectedText(field) });
  }

  private checkTotal(sheet: string, row: SheetRow, counted: readonly { column: number; field: FieldDefinition }[], sums: Map<string, number>): void {
    for (const c of counted) {
      const raw = row.cells[c.column - 1] ?? null;
      if (raw === null || raw === '') continue;
      const v = convertCell(c.field, raw, { registry: this.ctx.registry, emptyCountIsZero: true });
      if (!v.ok || typeof v.value !== 'number') continue;
      const sum = sums.get(c.field.id) ?? 0;
      if (c.field.measure === 'stock') continue;
      if (Math.abs(v.value - sum) > 0.005) {
        this.warn('total_mismatch', `合计行 ${cellAddress(row.rowNumber, c.column)} 单元格“${fullLabel(c.field)}”为 ${v.value}，但上方各行相加为 ${Math.round(sum * 100) / 100}。合计行不入库，已按各行数据计算`, { sheet, cell: cellAddress(row.rowNumber, c.column) });
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
