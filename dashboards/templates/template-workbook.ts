import ExcelJS from 'exceljs';
import { canonicalHeader, fullLabel, type FieldDefinition, type FormDefinition, type UnitKind } from '../../domain/forms/form-definition.js';
import { monthPeriod, periodLabel, quarterPeriod } from '../../domain/periods.js';
import type { Unit, UnitRegistry } from '../../domain/units.js';
import { expectedText } from '../../pipelines/normalize/cell-values.js';
import { columnLetters } from '../../sources/readers/reader.js';
import { displayWidth } from '../../domain/cell-text.js';
import { printSetup } from '../xlsx/sheet-layout.js';
import { templateLayout, type TemplateLayout } from './template-layout.js';

/**
 * A fill-in template for one form, generated from its definition: the title with placeholders
 * (a formula that fills itself from the 填报单位 and 统计期间 cells), the fill-in row, the canonical
 * headers (grouped fields under a merged group header, units in full-width brackets), empty
 * formatted rows carrying data validation and input hints, the notes row, a `填表说明` sheet
 * describing every field, and a hidden `选项` sheet holding the drop-down lists (Excel limits an
 * inline list to 255 characters; 22 township names do not fit).
 *
 * Nothing about a form is written here by hand: a field added to a form file appears in its
 * template, its validation and its instructions.
 */

export interface TemplateOptions {
  /** Units offered in the drop-downs (those reporting at some time in `year`). */
  readonly registry: UnitRegistry;
  /** The year in the title and in the period lists. */
  readonly year: number;
  /** Empty rows under the header (default 22 for T1/B1, 200 for ledgers). */
  readonly dataRows?: number;
  /** Workbook created/modified time (default now). */
  readonly generatedAt?: Date;
}

export const optionsSheetName = '选项';
export const instructionsSheetName = '填表说明';

const fontName = '宋体';
const thin = { style: 'thin' as const };
const border: Partial<ExcelJS.Borders> = { top: thin, left: thin, bottom: thin, right: thin };
const headerFill: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFF2F2F2' } };
const inputFill: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFF9E5' } };
/** Excel's limits on data-validation texts. */
const maxTitle = 32;
const maxMessage = 255;
/** Range accepted by date validation. */
const firstDate = '2000-01-01';
const lastDate = '2099-12-31';

const typeWords: Record<FieldDefinition['type'], string> = {
  count: '整数',
  amount: '金额',
  date: '日期',
  text: '文字',
  choice: '单选',
  choices: '多选',
  yesno: '是/否',
  unit: '单位名称',
  period: '统计期间',
};

/**
 * The sheet's data validations by range. Setting `cell.dataValidation` on every cell makes exceljs
 * squeeze them back into ranges when writing, and its squeezing sorts addresses as text (`A10`
 * before `A5`) and emits overlapping ranges, which Excel reports as a damaged file. One entry per
 * range is written as it is. (exceljs has `worksheet.dataValidations` but its typings omit it.)
 */
function validations(ws: ExcelJS.Worksheet): { add(range: string, validation: ExcelJS.DataValidation): void } {
  return (ws as unknown as { dataValidations: { add(range: string, validation: ExcelJS.DataValidation): void } }).dataValidations;
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A unit reports at some time in the year. */
function activeInYear(unit: Unit, year: number): boolean {
  return unit.validFrom <= `${year}-12-31` && (unit.validTo === null || unit.validTo >= `${year}-01-01`);
}

/** The lists the `选项` sheet holds, one per column, each referenced by the validations. */
class OptionLists {
  private readonly lists: { title: string; values: readonly string[] }[] = [];

  /** The absolute reference of a list (`'选项'!$A$2:$A$23`), adding it on first use. */
  ref(title: string, values: readonly string[]): string {
    let index = this.lists.findIndex((l) => l.title === title);
    if (index < 0) {
      this.lists.push({ title, values });
      index = this.lists.length - 1;
    }
    const col = columnLetters(index + 1);
    const n = Math.max(1, this.lists[index]!.values.length);
    return `'${optionsSheetName}'!$${col}$2:$${col}$${n + 1}`;
  }

  write(ws: ExcelJS.Worksheet): void {
    this.lists.forEach((list, i) => {
      ws.getCell(1, i + 1).value = list.title;
      ws.getCell(1, i + 1).font = { name: fontName, bold: true };
      list.values.forEach((v, r) => {
        ws.getCell(r + 2, i + 1).value = v;
      });
      ws.getColumn(i + 1).width = Math.max(12, ...list.values.map((v) => displayWidth(v) + 2));
    });
  }
}

/** What the template offers for each kind of cell. */
class TemplateVocabulary {
  readonly lists = new OptionLists();

  constructor(
    readonly form: FormDefinition,
    private readonly options: TemplateOptions,
  ) {}

  private unitNames(kinds: readonly UnitKind[], only?: readonly string[]): string[] {
    return this.options.registry.units
      .filter((u) => kinds.includes(u.kind) && activeInYear(u, this.options.year) && (!only || only.includes(u.name)))
      .map((u) => u.name);
  }

  /** Who sends the form (the fill-in cell, and the form's own unit column). */
  senderNames(): string[] {
    return this.unitNames(this.form.senders, this.form.senderUnits);
  }

  /** Units a field may name: the sender for the form's unit field, any unit otherwise (R1's 承办单位). */
  unitsFor(field: FieldDefinition): { title: string; names: string[] } {
    if (field.id === this.form.unitField) return { title: senderTitle(this.form.senders, this.form.senderUnits), names: this.senderNames() };
    return { title: '全部单位', names: this.unitNames(['township', 'bureau']) };
  }

  quarters(): string[] {
    return [1, 2, 3, 4].map((q) => periodLabel(quarterPeriod(this.options.year, q)));
  }

  months(): string[] {
    return Array.from({ length: 12 }, (_, i) => periodLabel(monthPeriod(this.options.year, i + 1)));
  }

  /** Periods the fill-in cell offers: the form's reporting periods. */
  submissionPeriods(): { title: string; values: string[] } {
    return this.form.frequency === 'monthly'
      ? { title: `${this.options.year}年月份`, values: this.months() }
      : { title: `${this.options.year}年季度`, values: this.quarters() };
  }

  /** Periods a row's period column offers: T1 rows are quarters or months, B1 rows months, R1 quarters. */
  rowPeriods(field: FieldDefinition): { title: string; values: string[] } {
    if (this.form.kind === 'aggregate' && this.form.frequency === 'quarterly')
      return { title: `${this.options.year}年季度和月份`, values: [...this.quarters(), ...this.months()] };
    if (this.form.frequency === 'monthly' && field.id === this.form.periodField) return { title: `${this.options.year}年月份`, values: this.months() };
    return { title: `${this.options.year}年季度`, values: this.quarters() };
  }
}

function senderTitle(kinds: readonly UnitKind[], only?: readonly string[]): string {
  if (only?.length) return only.join('、');
  if (kinds.includes('township') && kinds.includes('bureau')) return '镇街和局本级科室';
  return kinds.includes('township') ? '镇街' : '局本级科室';
}

/** The unit placeholder in the title: `XX镇街`, `XX科室`, `XX镇街/科室`; a single sender by name. */
function unitPlaceholder(form: FormDefinition): string {
  if (form.senderUnits?.length === 1) return form.senderUnits[0]!;
  const t = form.senders.includes('township');
  const b = form.senders.includes('bureau');
  return t && b ? 'XX镇街/科室' : t ? 'XX镇街' : 'XX科室';
}

/** `渝北区XX镇街2024年第X季度消防执法工作统计表`: parts before and after the unit and the period. */
function titleParts(form: FormDefinition, district: string, year: number): { district: string; unit: string; period: string; name: string } {
  const unit = unitPlaceholder(form);
  // `XX镇街` + `镇街消防执法工作统计表` would say 镇街 twice.
  const name = unit.endsWith('镇街') && form.name.startsWith('镇街') ? form.name.slice(2) : form.name;
  return { district, unit, period: form.frequency === 'monthly' ? `${year}年X月` : `${year}年第X季度`, name };
}

function quoteFormula(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** Chinese words for whether a field must be filled. */
function requiredText(form: FormDefinition, field: FieldDefinition): string {
  if (field.id === form.unitField) return '是（本列留空时按第 2 行的“填报单位”）';
  if (field.id === form.periodField && form.kind === 'aggregate') return '否（留空时按第 2 行的“统计期间”）';
  if (field.required) return '是';
  if (field.type === 'count' && form.kind === 'aggregate') return '否（不填按 0 计）';
  return '否';
}

/** The input hint for a field's cells (Excel allows 255 characters). */
function promptFor(form: FormDefinition, field: FieldDefinition): string {
  const parts: string[] = [];
  if (field.id === form.unitField) parts.push('请从下拉列表中选择；本列留空时按第 2 行的“填报单位”。');
  else if (field.required) parts.push('必填。');
  else if (field.type === 'count' && form.kind === 'aggregate') parts.push('没有请填 0（留空也按 0 计）。');
  parts.push(`应填写${expectedText(field)}。`);
  if (field.type === 'choice' || field.type === 'yesno') parts.push('请从下拉列表中选择。');
  if (field.type === 'choices') parts.push('可从下拉列表中选择一项；多项请用顿号“、”隔开直接输入。');
  if (field.type === 'date') parts.push('请按 2024-03-05 的格式输入。');
  if (field.type === 'period') parts.push('可从下拉列表中选择。');
  return cut(parts.join(''), maxMessage);
}

function validationFor(form: FormDefinition, field: FieldDefinition, vocabulary: TemplateVocabulary): ExcelJS.DataValidation {
  const label = fullLabel(field);
  const common = {
    allowBlank: true,
    showInputMessage: true,
    promptTitle: cut(canonicalHeader(field), maxTitle),
    prompt: promptFor(form, field),
    showErrorMessage: true,
    errorTitle: cut(`“${label}”填写有误`, maxTitle),
    error: cut(`“${label}”应填写${expectedText(field)}。`, maxMessage),
  };
  switch (field.type) {
    case 'count':
      return { ...common, type: 'whole', operator: 'greaterThanOrEqual', formulae: [0], errorStyle: 'stop' };
    case 'amount':
      return { ...common, type: 'decimal', operator: 'greaterThanOrEqual', formulae: [0], errorStyle: 'stop' };
    case 'date':
      return {
        ...common,
        type: 'date',
        operator: 'between',
        formulae: [firstDate, lastDate],
        errorStyle: 'stop',
        error: cut(`“${label}”应填写 ${firstDate.slice(0, 4)}—${lastDate.slice(0, 4)} 年间的日期，如 2024-03-05。`, maxMessage),
      };
    case 'choice':
      return { ...common, type: 'list', formulae: [vocabulary.lists.ref(label, field.choices ?? [])], errorStyle: 'stop' };
    case 'choices':
      // Several values may be typed (`文书填写不全面、执法程序不规范`): the list only helps.
      return { ...common, type: 'list', formulae: [vocabulary.lists.ref(label, (field.choices ?? []).filter(Boolean))], errorStyle: 'information' };
    case 'yesno':
      return { ...common, type: 'list', formulae: [vocabulary.lists.ref('是/否', ['是', '否'])], errorStyle: 'stop' };
    case 'unit': {
      const { title, names } = vocabulary.unitsFor(field);
      return {
        ...common,
        type: 'list',
        formulae: [vocabulary.lists.ref(title, names)],
        errorStyle: 'stop',
        error: cut(`“${label}”请从下拉列表中选择${title}的正式名称。`, maxMessage),
      };
    }
    case 'period': {
      const { title, values } = vocabulary.rowPeriods(field);
      // Other ways of writing a period (`2024Q1`) are read too: warn, do not forbid.
      return { ...common, type: 'list', formulae: [vocabulary.lists.ref(title, values)], errorStyle: 'warning' };
    }
    case 'text':
      // Excel's "any value" validation: no rule, only the input hint. exceljs writes it (no
      // `type` attribute) but its typings leave it out.
      return { ...common, type: 'any' as ExcelJS.DataValidation['type'], formulae: [] };
  }
}

function numFmtFor(field: FieldDefinition): string | undefined {
  switch (field.type) {
    case 'date':
      return 'yyyy-mm-dd';
    case 'amount':
      return '0.00';
    case 'count':
      return undefined;
    default:
      // Text, so that Excel keeps `2024-03` or `0012` as typed instead of turning them into a date or a number.
      return '@';
  }
}

function columnWidth(field: FieldDefinition): number {
  // Wide enough for the label on one line; the unit in brackets wraps onto the second.
  const leaf = field.group ? `${field.label}（${field.unit ?? ''}）` : field.label;
  const header = displayWidth(leaf) + 3;
  const longestChoice = Math.max(0, ...(field.choices ?? []).map(displayWidth));
  const byType: Record<FieldDefinition['type'], number> = {
    count: 8,
    amount: 12,
    date: 12,
    text: /描述|行为|说明/.test(field.label) ? 34 : 20,
    choice: longestChoice + 4,
    choices: 24,
    yesno: 8,
    unit: 14,
    period: 16,
  };
  return Math.min(40, Math.max(8, header, byType[field.type]));
}

function styleHeader(cell: ExcelJS.Cell): void {
  cell.font = { name: fontName, size: 11, bold: true };
  cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
  cell.fill = headerFill;
  cell.border = border;
}

function addDataSheet(wb: ExcelJS.Workbook, form: FormDefinition, layout: TemplateLayout, vocabulary: TemplateVocabulary, options: TemplateOptions): void {
  const ws = wb.addWorksheet(form.name, { properties: { tabColor: { argb: 'FF4472C4' } } });
  const width = layout.columns.length;
  for (const { field, column } of layout.columns) ws.getColumn(column).width = columnWidth(field);

  // Title: fills itself from the fill-in cells; until then it shows the placeholders.
  const parts = titleParts(form, options.registry.district, options.year);
  const unit = layout.unitCell.address;
  const period = layout.periodCell.address;
  const title = ws.getCell(layout.titleRow, 1);
  title.value = {
    formula: `${quoteFormula(parts.district)}&IF(${unit}="",${quoteFormula(parts.unit)},${unit})&IF(${period}="",${quoteFormula(parts.period)},${period})&${quoteFormula(parts.name)}`,
    result: `${parts.district}${parts.unit}${parts.period}${parts.name}`,
  };
  title.font = { name: fontName, size: 16, bold: true };
  title.alignment = { horizontal: 'center', vertical: 'middle' };
  ws.mergeCells(layout.titleRow, 1, layout.titleRow, width);
  ws.getRow(layout.titleRow).height = 32;

  // Fill-in row: 填报单位 and 统计期间, each a drop-down.
  const fill = (labelColumn: number, valueCell: TemplateLayout['unitCell'], label: string, validation: ExcelJS.DataValidation, value?: string) => {
    const l = ws.getCell(layout.fillRow, labelColumn);
    l.value = label;
    l.font = { name: fontName, size: 11, bold: true };
    l.alignment = { horizontal: 'right', vertical: 'middle' };
    ws.mergeCells(valueCell.row, valueCell.column, valueCell.row, valueCell.column + 1);
    const v = ws.getCell(valueCell.row, valueCell.column);
    if (value) v.value = value;
    v.font = { name: fontName, size: 11 };
    v.alignment = { horizontal: 'center', vertical: 'middle' };
    v.numFmt = '@';
    v.fill = inputFill;
    v.border = { bottom: thin };
    validations(ws).add(valueCell.address, validation);
  };
  const senders = vocabulary.senderNames();
  const senderList = senderTitle(form.senders, form.senderUnits);
  fill(
    layout.unitCell.column - 1,
    layout.unitCell,
    '填报单位：',
    {
      type: 'list',
      allowBlank: true,
      formulae: [vocabulary.lists.ref(senderList, senders)],
      showInputMessage: true,
      promptTitle: '填报单位',
      prompt: cut(`请从下拉列表中选择本单位（${senderList}）。标题会随之填好。`, maxMessage),
      showErrorMessage: true,
      errorStyle: 'stop',
      errorTitle: '填报单位有误',
      error: cut(`请从下拉列表中选择${senderList}的正式名称。`, maxMessage),
    },
    senders.length === 1 ? senders[0] : undefined,
  );
  const periods = vocabulary.submissionPeriods();
  fill(layout.periodCell.column - 1, layout.periodCell, '统计期间：', {
    type: 'list',
    allowBlank: true,
    formulae: [vocabulary.lists.ref(periods.title, periods.values)],
    showInputMessage: true,
    promptTitle: '统计期间',
    prompt: cut(`请从下拉列表中选择本表的统计期间，如“${periods.values[0]}”。标题会随之填好。`, maxMessage),
    showErrorMessage: true,
    errorStyle: 'warning',
    errorTitle: '统计期间',
    error: `请填写${form.frequency === 'monthly' ? '月份，如“2024年3月”' : '季度，如“2024年第一季度”'}。`,
  });
  ws.getRow(layout.fillRow).height = 22;

  // Headers: a group over its adjacent fields; the other headers merged down both rows.
  const top = layout.headerRows[0]!;
  const bottom = layout.headerRows[layout.headerRows.length - 1]!;
  for (const r of layout.headerRows) for (let c = 1; c <= width; c++) styleHeader(ws.getCell(r, c));
  for (let i = 0; i < width; ) {
    const field = layout.columns[i]!.field;
    if (field.group && bottom > top) {
      let j = i;
      while (j + 1 < width && layout.columns[j + 1]!.field.group === field.group) j++;
      ws.getCell(top, i + 1).value = field.group;
      if (j > i) ws.mergeCells(top, i + 1, top, j + 1);
      for (let k = i; k <= j; k++) {
        const f = layout.columns[k]!.field;
        ws.getCell(bottom, k + 1).value = f.unit ? `${f.label}（${f.unit}）` : f.label;
      }
      i = j + 1;
    } else {
      ws.getCell(top, i + 1).value = canonicalHeader(field);
      if (bottom > top) ws.mergeCells(top, i + 1, bottom, i + 1);
      i++;
    }
  }
  for (const r of layout.headerRows) ws.getRow(r).height = layout.headerRows.length > 1 ? 24 : 36;

  // Empty rows, formatted, each column with its validation and input hint.
  for (const { field, column, letter } of layout.columns) {
    const validation = validationFor(form, field, vocabulary);
    const numFmt = numFmtFor(field);
    const wrap = field.type === 'text';
    for (let r = layout.firstDataRow; r <= layout.lastDataRow; r++) {
      const cell = ws.getCell(r, column);
      cell.font = { name: fontName, size: 11 };
      cell.border = border;
      cell.alignment = wrap
        ? { horizontal: 'left', vertical: 'middle', wrapText: true }
        : { horizontal: field.type === 'count' || field.type === 'amount' ? 'right' : 'center', vertical: 'middle' };
      if (numFmt) cell.numFmt = numFmt;
    }
    validations(ws).add(`${letter}${layout.firstDataRow}:${letter}${layout.lastDataRow}`, validation);
  }
  for (let r = layout.firstDataRow; r <= layout.lastDataRow; r++) ws.getRow(r).height = 20;

  // Notes under the table (the reader skips them; they never reach the warehouse).
  ['填表人：', '联系电话：', '审核人：'].forEach((text, i) => {
    const cell = ws.getCell(layout.notesRow, layout.notesColumns[i]!);
    cell.value = text;
    cell.font = { name: fontName, size: 11 };
    cell.alignment = { horizontal: 'left', vertical: 'middle' };
  });
  ws.getRow(layout.notesRow).height = 24;

  ws.views = [{ state: 'frozen', xSplit: 1, ySplit: bottom, topLeftCell: `B${bottom + 1}`, activeCell: `${unit}` }];
  printSetup(
    ws,
    Array.from({ length: bottom - top + 1 }, (_, i) => top + i),
    width,
    layout.notesRow,
  );
}

/** General advice, then the form's own. */
function generalNotes(form: FormDefinition, layout: TemplateLayout): string[] {
  const headerRows = layout.headerRows.length > 1 ? `第 ${layout.headerRows[0]}–${layout.headerRows[1]} 行` : `第 ${layout.headerRows[0]} 行`;
  const notes = [
    `请先在第 ${layout.fillRow} 行选择“填报单位”和“统计期间”，标题会随之填好。一个文件只报送一个单位、一种报表、一个统计期间。`,
    `不要修改、删除或移动表头（${headerRows}），不要增加、合并或调换列；数据从第 ${layout.firstDataRow} 行起逐行填写，行不够时可在表格中间插入行。`,
    '带下拉箭头的单元格请从列表中选择；选中单元格时会显示该栏的填写要求，填错时会提示。',
    '日期请按 2024-03-05 的格式填写；数量填整数，金额以元为单位、最多两位小数，不要在数字后加单位。',
    '表格下方的“填表人、联系电话、审核人”仅供联系核实，不会入库，也不会出现在任何通报中。',
    `报送时间：每${form.frequency === 'monthly' ? '月' : '季度'}结束后 ${form.dueDays} 日内。同一单位同一期间再次报送时，以最后一次报送的文件为准。`,
  ];
  if (form.kind === 'aggregate') {
    notes.push('没有数据的栏目请填 0（留空也按 0 计）。如需合计行，请写在数据下方、首列写“合计”：合计行只用于核对，不入库。');
  } else {
    notes.push('每行填写一条记录。本期没有记录时，填好第 2 行后报送空表即可。');
  }
  return notes;
}

function addInstructionsSheet(wb: ExcelJS.Workbook, form: FormDefinition, layout: TemplateLayout, vocabulary: TemplateVocabulary): void {
  const ws = wb.addWorksheet(instructionsSheetName);
  const widths = [6, 30, 10, 10, 24, 60];
  widths.forEach((w, i) => {
    ws.getColumn(i + 1).width = w;
  });
  const title = ws.getCell(1, 1);
  title.value = `${form.code} ${form.name}填表说明`;
  title.font = { name: fontName, size: 14, bold: true };
  ws.mergeCells(1, 1, 1, widths.length);
  ws.getRow(1).height = 28;

  // The header words here must not read as a form's header (`单位`, `类型` would).
  const headers = ['序号', '栏目（表头）', '数据类型', '计量单位', '是否必填', '填写要求及可选值'];
  headers.forEach((h, i) => {
    styleHeader(Object.assign(ws.getCell(2, i + 1), { value: h }));
  });
  form.fields.forEach((field, i) => {
    const r = 3 + i;
    let allowed = expectedText(field);
    if (field.type === 'unit') allowed = `${vocabulary.unitsFor(field).names.join('、')}（从下拉列表中选择）`;
    else if (field.type === 'choice' || field.type === 'yesno')
      allowed = `${(field.type === 'yesno' ? ['是', '否'] : (field.choices ?? [])).join('、')}（从下拉列表中选择）`;
    else if (field.type === 'choices') allowed = `${(field.choices ?? []).filter(Boolean).join('、')}（可填多项，用顿号“、”隔开）`;
    const values = [i + 1, canonicalHeader(field), typeWords[field.type], field.unit ?? '—', requiredText(form, field), allowed];
    values.forEach((v, c) => {
      const cell = ws.getCell(r, c + 1);
      cell.value = v;
      cell.font = { name: fontName, size: 11 };
      cell.border = border;
      cell.alignment = { vertical: 'middle', horizontal: c === 5 || c === 1 ? 'left' : 'center', wrapText: true };
    });
    const lines = Math.max(...values.map((v, c) => Math.ceil(displayWidth(String(v)) / (widths[c]! - 2))));
    ws.getRow(r).height = Math.max(20, 16 * lines);
  });

  let r = 3 + form.fields.length + 1;
  const heading = ws.getCell(r, 1);
  heading.value = '填写须知';
  heading.font = { name: fontName, size: 12, bold: true };
  for (const [i, text] of generalNotes(form, layout).entries()) {
    r++;
    const cell = ws.getCell(r, 1);
    cell.value = `${i + 1}. ${text}`;
    cell.font = { name: fontName, size: 11 };
    cell.alignment = { vertical: 'middle', horizontal: 'left', wrapText: true };
    ws.mergeCells(r, 1, r, widths.length);
    ws.getRow(r).height = Math.max(20, 16 * Math.ceil(displayWidth(text) / 130));
  }
  ws.pageSetup = { ...ws.pageSetup, paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 };
}

/** Builds the template workbook of one form. */
export function buildTemplate(form: FormDefinition, options: TemplateOptions): ExcelJS.Workbook {
  const layout = templateLayout(form, options.dataRows);
  const vocabulary = new TemplateVocabulary(form, options);
  const wb = new ExcelJS.Workbook();
  const when = options.generatedAt ?? new Date();
  wb.creator = 'firestat';
  wb.lastModifiedBy = 'firestat';
  wb.created = when;
  wb.modified = when;
  wb.title = `${form.code} ${form.name}（模板）`;
  wb.company = options.registry.bureau;
  // The title formula is computed by Excel/WPS on opening; its cached value is the placeholder.
  wb.calcProperties = { fullCalcOnLoad: true };
  addDataSheet(wb, form, layout, vocabulary, options);
  addInstructionsSheet(wb, form, layout, vocabulary);
  const optionsSheet = wb.addWorksheet(optionsSheetName, { state: 'hidden' });
  vocabulary.lists.write(optionsSheet);
  return wb;
}
