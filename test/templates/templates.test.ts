import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { canonicalHeader, forms, formByCode, type FieldDefinition, type FormDefinition } from '../../domain/forms/index.js';
import { UnitRegistry } from '../../domain/units.js';
import { queryRows } from '../../warehouse/query.js';
import { instructionsSheetName, optionsSheetName } from '../../dashboards/templates/template-workbook.js';
import { templateLayout } from '../../dashboards/templates/template-layout.js';
import { templateFileName, writeTemplates } from '../../dashboards/templates/write-templates.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { memoryWarehouse, runIngest, tempDir } from '../support/ingest-helpers.js';

const registry = UnitRegistry.sample();
const townships = registry.units.filter((u) => u.kind === 'township').map((u) => u.name);
const bureauUnits = registry.units.filter((u) => u.kind === 'bureau').map((u) => u.name);
let outDir: string;
let written: { form: string; path: string }[];

beforeAll(async () => {
  outDir = tempDir('firestat-templates-');
  written = await writeTemplates({ outDir, registry, year: 2024, generatedAt: new Date('2024-01-02T00:00:00Z') });
});

async function open(path: string): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  return wb;
}

function text(cell: ExcelJS.Cell): string {
  const v = cell.value;
  if (v === null || v === undefined) return '';
  if (typeof v === 'object' && 'result' in v) return String(v.result ?? '');
  return String(v);
}

/** Headers as the sheet shows them, two-level ones joined with `·` (the reader's way). */
function headersOf(ws: ExcelJS.Worksheet, rows: readonly number[], width: number): string[] {
  const out: string[] = [];
  for (let c = 1; c <= width; c++) {
    const top = ws.getCell(rows[0]!, c);
    if (rows.length === 1) {
      out.push(text(top));
      continue;
    }
    const bottom = ws.getCell(rows[1]!, c);
    const mergedDown = bottom.isMerged && bottom.master.address === top.address;
    out.push(mergedDown ? text(top) : `${text(top.isMerged ? top.master : top)}·${text(bottom)}`);
  }
  return out;
}

type Validations = Record<string, ExcelJS.DataValidation | undefined>;
function validationsOf(ws: ExcelJS.Worksheet): Validations {
  return (ws as unknown as { dataValidations: { model: Validations } }).dataValidations.model;
}

/** The values a list validation offers, read from the `选项` sheet it references. */
function listValues(wb: ExcelJS.Workbook, formula: string): string[] {
  const m = /^'选项'!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)$/.exec(formula);
  expect(m, formula).not.toBeNull();
  const ws = wb.getWorksheet(optionsSheetName)!;
  const out: string[] = [];
  for (let r = Number(m![2]); r <= Number(m![4]); r++) out.push(text(ws.getCell(`${m![1]}${r}`)));
  return out;
}

describe('firestat templates', () => {
  it('writes one template per form, named without unit or period', () => {
    expect(written.map((w) => w.form)).toEqual(['T1', 'B1', 'L1', 'L2', 'R1']);
    expect(written.map((w) => basename(w.path))).toEqual(forms.map(templateFileName));
  });

  for (const form of forms) {
    it(`${form.code}: headers, validations, hints, frozen header, print setup and instructions come from the form definition`, async () => {
      const wb = await open(join(outDir, templateFileName(form)));
      expect(wb.worksheets.map((w) => w.name)).toEqual([form.name, instructionsSheetName, optionsSheetName]);
      expect(wb.getWorksheet(optionsSheetName)!.state).toBe('hidden');
      const ws = wb.worksheets[0]!;
      const layout = templateLayout(form);
      const width = form.fields.length;

      // Title with placeholders, and the fill-in row.
      const title = ws.getCell(1, 1).value as ExcelJS.CellFormulaValue;
      expect(title.formula).toContain(layout.unitCell.address);
      const expectedTitle = {
        T1: '渝北区XX镇街2024年第X季度消防执法工作统计表',
        B1: '渝北区XX科室2024年X月局本级执法工作月报',
        L1: '渝北区XX镇街/科室2024年第X季度行政处罚案件台账',
        L2: '渝北区XX镇街/科室2024年第X季度火灾隐患整改台账',
        R1: '渝北区法制科2024年第X季度案卷评查表',
      }[form.code];
      expect(title.result).toBe(expectedTitle);
      expect(text(ws.getCell(2, layout.unitCell.column - 1))).toBe('填报单位：');
      expect(text(ws.getCell(2, layout.periodCell.column - 1))).toBe('统计期间：');

      // Headers: exactly the canonical headers, two-level where the form groups fields.
      expect(layout.headerRows).toHaveLength(form.fields.some((f) => f.group) ? 2 : 1);
      expect(headersOf(ws, layout.headerRows, width)).toEqual(form.fields.map(canonicalHeader));
      if (form.code === 'T1') {
        expect(text(ws.getCell('F3'))).toBe('赋权执法案件');
        expect(text(ws.getCell('F4'))).toBe('一般程序（起）');
        expect(text(ws.getCell('G4'))).toBe('简易程序（起）');
        expect(ws.getCell('G3').isMerged && ws.getCell('G3').master.address).toBe('F3');
      }

      // Validations on every column of the first and the last empty row.
      const validations = validationsOf(ws);
      for (const [i, field] of form.fields.entries()) {
        for (const row of [layout.firstDataRow, layout.lastDataRow]) {
          const address = `${layout.columns[i]!.letter}${row}`;
          const v = validations[address];
          expect(v, `${form.code} ${address}`).toBeDefined();
          expectValidation(wb, form, field, v!);
        }
        expect(validations[`${layout.columns[i]!.letter}${layout.lastDataRow + 1}`]).toBeUndefined();
        const cell = ws.getCell(layout.firstDataRow, i + 1);
        if (field.type === 'date') expect(cell.numFmt).toBe('yyyy-mm-dd');
        if (['text', 'choice', 'unit', 'period'].includes(field.type)) expect(cell.numFmt).toBe('@');
        expect(ws.getColumn(i + 1).width).toBeGreaterThanOrEqual(8);
      }
      // The fill-in cells offer the senders and the form's periods.
      const unitList = listValues(wb, String(validations[layout.unitCell.address]!.formulae[0]));
      expect(unitList).toEqual(
        form.senderUnits
          ? [...form.senderUnits]
          : form.senders.includes('township') && form.senders.includes('bureau')
            ? [...townships, ...bureauUnits]
            : form.senders.includes('township')
              ? townships
              : bureauUnits,
      );
      const periodList = listValues(wb, String(validations[layout.periodCell.address]!.formulae[0]));
      expect(periodList).toEqual(
        form.frequency === 'monthly'
          ? Array.from({ length: 12 }, (_, m) => `2024年${m + 1}月`)
          : ['2024年第一季度', '2024年第二季度', '2024年第三季度', '2024年第四季度'],
      );

      // Frozen header, print setup, notes row.
      expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: layout.headerRows.at(-1), xSplit: 1 });
      expect(ws.pageSetup).toMatchObject({ paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 });
      expect(ws.pageSetup.printTitlesRow).toBe(`${layout.headerRows[0]}:${layout.headerRows.at(-1)}`);
      const notes = Array.from({ length: width }, (_, c) => c + 1)
        .map((c) => text(ws.getCell(layout.notesRow, c)))
        .filter(Boolean);
      expect(notes).toEqual(['填表人：', '联系电话：', '审核人：']);
      expect(layout.lastDataRow - layout.firstDataRow + 1).toBe(form.kind === 'aggregate' ? 22 : 200);

      // Instructions: every field with its type, unit, whether required and what is allowed.
      const help = wb.getWorksheet(instructionsSheetName)!;
      for (const [i, field] of form.fields.entries()) {
        const row = help.getRow(3 + i);
        expect(text(row.getCell(2))).toBe(canonicalHeader(field));
        expect(text(row.getCell(3))).not.toBe('');
        expect(text(row.getCell(4))).toBe(field.unit ?? '—');
        expect(text(row.getCell(5))).toMatch(/^(是|否)/);
        for (const choice of (field.choices ?? []).filter(Boolean)) expect(text(row.getCell(6))).toContain(choice);
      }
    });
  }
});

function expectValidation(wb: ExcelJS.Workbook, form: FormDefinition, field: FieldDefinition, v: ExcelJS.DataValidation): void {
  const where = `${form.code} ${field.id}`;
  // Every column has a Chinese input hint and error message within Excel's limits.
  expect(v.showInputMessage, where).toBe(true);
  expect(v.promptTitle, where).toBe(canonicalHeader(field).slice(0, 32));
  expect(v.prompt!.length, where).toBeGreaterThan(5);
  expect(v.prompt!.length, where).toBeLessThanOrEqual(255);
  expect(v.prompt, where).toMatch(/[\u4e00-\u9fff]/);
  if (field.type !== 'text') {
    expect(v.showErrorMessage, where).toBe(true);
    expect(v.error!.length, where).toBeLessThanOrEqual(255);
    expect(v.errorTitle!.length, where).toBeLessThanOrEqual(32);
    expect(v.error, where).toMatch(/[\u4e00-\u9fff]/);
  }
  switch (field.type) {
    case 'count':
      expect(v).toMatchObject({ type: 'whole', operator: 'greaterThanOrEqual', formulae: [0], errorStyle: 'stop' });
      break;
    case 'amount':
      expect(v).toMatchObject({ type: 'decimal', operator: 'greaterThanOrEqual', formulae: [0] });
      break;
    case 'date':
      expect(v).toMatchObject({ type: 'date', operator: 'between' });
      expect((v.formulae[0] as Date).toISOString().slice(0, 10)).toBe('2000-01-01');
      break;
    case 'choice':
    case 'choices':
      expect(v.type).toBe('list');
      expect(listValues(wb, String(v.formulae[0]))).toEqual((field.choices ?? []).filter(Boolean));
      expect(v.errorStyle).toBe(field.type === 'choice' ? 'stop' : 'information');
      break;
    case 'yesno':
      expect(v.type).toBe('list');
      expect(listValues(wb, String(v.formulae[0]))).toEqual(['是', '否']);
      break;
    case 'unit': {
      expect(v.type).toBe('list');
      const names = listValues(wb, String(v.formulae[0]));
      if (field.id === form.unitField) {
        if (form.senders.includes('township')) expect(names).toEqual(expect.arrayContaining(townships));
        else expect(names).toEqual(bureauUnits);
        if (!form.senders.includes('bureau')) expect(names).not.toContain('法制科');
      } else {
        expect(names).toEqual([...townships, ...bureauUnits]);
      }
      break;
    }
    case 'period':
      expect(v.type).toBe('list');
      expect(listValues(wb, String(v.formulae[0]))).toContain(form.code === 'B1' ? '2024年3月' : '2024年第一季度');
      break;
    case 'text':
      expect(v.type).toBe('any');
      break;
  }
}

/** Fills a template the way a clerk would: the fill-in row and data rows from the first one. */
async function fill(
  code: string,
  target: string,
  fillIn: { unit?: string; period?: string },
  rows: readonly Record<string, ExcelJS.CellValue>[],
): Promise<void> {
  const form = formByCode(code)!;
  const layout = templateLayout(form);
  const wb = await open(join(outDir, templateFileName(form)));
  const ws = wb.worksheets[0]!;
  // Columns found by their headers, as read back, not from the layout.
  const headers = headersOf(ws, layout.headerRows, form.fields.length);
  const columnOf = (id: string) => headers.indexOf(canonicalHeader(form.fields.find((f) => f.id === id)!)) + 1;
  const labelCell = (label: string) => [1, 2, 3, 4, 5, 6].find((c) => text(ws.getCell(2, c)) === label)!;
  if (fillIn.unit) ws.getCell(2, labelCell('填报单位：') + 1).value = fillIn.unit;
  if (fillIn.period) ws.getCell(2, labelCell('统计期间：') + 1).value = fillIn.period;
  rows.forEach((row, i) => {
    for (const [id, value] of Object.entries(row)) {
      const c = columnOf(id);
      expect(c, id).toBeGreaterThan(0);
      ws.getCell(layout.firstDataRow + i, c).value = value;
    }
  });
  mkdirSync(join(target, '..'), { recursive: true });
  await wb.xlsx.writeFile(target);
}

const d = (iso: string) => new Date(`${iso}T00:00:00Z`);

describe('a filled template goes through the real pipeline', () => {
  let warehouse: Warehouse | undefined;
  afterEach(async () => {
    await warehouse?.close();
    warehouse = undefined;
  });

  it('loads every form filled in its own template, with the right values', async () => {
    const inbox = tempDir('firestat-tpl-inbox-');
    const reports = tempDir('firestat-tpl-reports-');
    const counts = {
      units_inspected: 120,
      hazards_found: 45,
      hazards_rectified: 40,
      empowered_general_cases: 2,
      empowered_simple_cases: 5,
      entrusted_general_cases: 1,
      entrusted_simple_cases: 0,
      joint_inspections: 6,
      fire_staff: 2,
    };
    // T1 by month, the unit column left empty for two rows (the fill-in row says it).
    await fill('T1', join(inbox, '龙兴镇', templateFileName(formByCode('T1')!)), { unit: '龙兴镇', period: '2024年第一季度' }, [
      { township: '龙兴镇', period: '2024年1月', ...counts },
      { period: '2024年2月', ...counts, fire_staff: 3 },
      { period: '2024年3月', units_inspected: 7 },
    ]);
    await fill('B1', join(inbox, '防火监督科', templateFileName(formByCode('B1')!)), { unit: '防火监督科', period: '2024年3月' }, [
      {
        unit: '防火监督科',
        month: '2024年3月',
        officers_deployed: 800,
        inspections: 410,
        hazards_found: 236,
        penalties: 43,
        fire_investigations_general: 2,
        fire_investigations_minor: 30,
        trainings: 1,
      },
    ]);
    await fill('L1', join(inbox, '龙兴镇', templateFileName(formByCode('L1')!)), { unit: '龙兴镇', period: '2024年第一季度' }, [
      {
        case_no: '渝北龙兴罚决字〔2024〕001号',
        handling_unit: '龙兴镇',
        enforcement_type: '赋权执法',
        procedure: '一般程序',
        party: '重庆某某餐饮有限公司',
        party_type: '单位',
        violation: '占用、堵塞疏散通道',
        filed_date: d('2024-02-01'),
        decision_date: d('2024-03-05'),
        penalty_kind: '罚款',
        fine_amount: 5000,
        legal_review: '是',
        collective_discussion: '否',
        publicized: '是',
      },
      {
        case_no: '渝北龙兴罚决字〔2024〕002号',
        handling_unit: '龙兴镇',
        enforcement_type: '委托执法',
        procedure: '简易程序',
        party: '张某',
        party_type: '个人',
        violation: '损坏消防设施',
        filed_date: d('2024-03-10'),
        decision_date: d('2024-03-10'),
        penalty_kind: '警告',
        legal_review: '否',
        collective_discussion: '否',
        publicized: '否',
      },
    ]);
    await fill('L2', join(inbox, '龙兴镇', templateFileName(formByCode('L2')!)), { unit: '龙兴镇', period: '2024年第一季度' }, [
      {
        unit: '龙兴镇',
        inspection_date: d('2024-02-01'),
        inspected_entity: '龙兴古镇某茶楼',
        category: '疏散通道',
        description: '安全出口上锁',
        deadline: d('2024-02-15'),
        rectified_date: d('2024-02-10'),
        status: '已整改',
      },
    ]);
    await fill('R1', join(inbox, '法制科', templateFileName(formByCode('R1')!)), { period: '2024年第一季度' }, [
      {
        case_no: '渝北龙兴罚决字〔2024〕001号',
        handling_unit: '龙兴镇',
        review_quarter: '2024年第一季度',
        result: '基本合格',
        problems: '文书填写不全面、执法程序不规范',
        problem_description: '送达回证未签名',
      },
    ]);
    warehouse = await memoryWarehouse();
    const result = await runIngest(warehouse, inbox, reports);
    const byForm = Object.fromEntries(result.outcomes.map((o) => [o.form, o]));
    for (const code of ['T1', 'B1', 'L1', 'L2', 'R1']) {
      expect(byForm[code], `${code}: ${JSON.stringify(result.outcomes)}`).toMatchObject({ status: 'loaded', form: code });
    }
    expect(byForm.T1).toMatchObject({ unit: '龙兴镇', period: '2024年第一季度', rows: 3 });
    expect(byForm.B1).toMatchObject({ unit: '防火监督科', period: '2024年3月', rows: 1 });
    expect(byForm.R1).toMatchObject({ unit: '法制科', rows: 1 });
    // Nothing found wrong: the instructions and the hidden lists are not read as data.
    const { rows: problems } = await queryRows(warehouse, "SELECT code, severity FROM submission_problems WHERE severity <> 'notice'");
    expect(problems).toEqual([]);

    const t1 = await queryRows(
      warehouse,
      'SELECT month, units_inspected, hazards_found, entrusted_simple_cases, fire_staff, joint_inspections FROM t1_township_stats ORDER BY month',
    );
    expect(t1.rows).toEqual([
      { month: 1, units_inspected: 120, hazards_found: 45, entrusted_simple_cases: 0, fire_staff: 2, joint_inspections: 6 },
      { month: 2, units_inspected: 120, hazards_found: 45, entrusted_simple_cases: 0, fire_staff: 3, joint_inspections: 6 },
      // March's head count was left blank: not reported (null), never 0; February's 3 stands for the quarter.
      { month: 3, units_inspected: 7, hazards_found: 0, entrusted_simple_cases: 0, fire_staff: null, joint_inspections: 0 },
    ]);
    const b1 = await queryRows(
      warehouse,
      'SELECT unit, month, officers_deployed, penalties, fire_investigations_general, fire_investigations_simple, fire_investigations_minor FROM b1_bureau_monthly',
    );
    expect(b1.rows).toEqual([
      {
        unit: '防火监督科',
        month: 3,
        officers_deployed: 800,
        penalties: 43,
        fire_investigations_general: 2,
        fire_investigations_simple: 0,
        fire_investigations_minor: 30,
      },
    ]);
    const l1 = await queryRows(
      warehouse,
      'SELECT case_no, unit, procedure, party_type, CAST(filed_date AS VARCHAR) AS filed, CAST(decision_date AS VARCHAR) AS decided, CAST(fine_amount AS DOUBLE) AS fine, legal_review, collective_discussion, quarter FROM l1_cases ORDER BY case_no',
    );
    expect(l1.rows).toEqual([
      {
        case_no: '渝北龙兴罚决字〔2024〕001号',
        unit: '龙兴镇',
        procedure: '一般程序',
        party_type: '单位',
        filed: '2024-02-01',
        decided: '2024-03-05',
        fine: 5000,
        legal_review: true,
        collective_discussion: false,
        quarter: 1,
      },
      {
        case_no: '渝北龙兴罚决字〔2024〕002号',
        unit: '龙兴镇',
        procedure: '简易程序',
        party_type: '个人',
        filed: '2024-03-10',
        decided: '2024-03-10',
        fine: null,
        legal_review: false,
        collective_discussion: false,
        quarter: 1,
      },
    ]);
    const l2 = await queryRows(
      warehouse,
      'SELECT unit, CAST(inspection_date AS VARCHAR) AS found, CAST(rectified_date AS VARCHAR) AS fixed, status FROM l2_hazards',
    );
    expect(l2.rows).toEqual([{ unit: '龙兴镇', found: '2024-02-01', fixed: '2024-02-10', status: '已整改' }]);
    const r1 = await queryRows(warehouse, 'SELECT handling_unit, year, quarter, result, problems FROM r1_case_reviews');
    expect(r1.rows).toEqual([{ handling_unit: '龙兴镇', year: 2024, quarter: 1, result: '基本合格', problems: ['文书填写不全面', '执法程序不规范'] }]);
  });

  it('refuses a filled template with a value the validation would have stopped, naming the cell', async () => {
    const inbox = tempDir('firestat-tpl-inbox-');
    await fill('T1', join(inbox, 'T1.xlsx'), { unit: '大湾镇', period: '2024年第一季度' }, [
      { township: '大湾镇', period: '2024年第一季度', units_inspected: 12, hazards_found: -3 },
    ]);
    await fill('L1', join(inbox, 'L1.xlsx'), { unit: '大湾镇', period: '2024年第一季度' }, [
      {
        case_no: 'A1',
        handling_unit: '大湾镇',
        enforcement_type: '赋权执法',
        procedure: '一般程序',
        party: '某公司',
        party_type: '单位',
        violation: 'x',
        filed_date: d('2024-02-01'),
        decision_date: '三月五日',
        penalty_kind: '罚款',
        fine_amount: 100,
        legal_review: '是',
        collective_discussion: '是',
        publicized: '是',
      },
    ]);
    warehouse = await memoryWarehouse();
    const result = await runIngest(warehouse, inbox, tempDir('firestat-tpl-reports-'));
    const t1 = result.outcomes.find((o) => o.path === 'T1.xlsx')!;
    expect(t1.status).toBe('rejected');
    expect(t1.reason).toContain('D5 单元格');
    expect(t1.reason).toContain('-3');
    const l1 = result.outcomes.find((o) => o.path === 'L1.xlsx')!;
    expect(l1.status).toBe('rejected');
    expect(l1.reason).toContain('I4 单元格“决定日期”');
  });

  it('says what is missing when a template is sent without the fill-in row, and loads an empty ledger', async () => {
    const inbox = tempDir('firestat-tpl-inbox-');
    // Untouched placeholders (`XX镇街`, `2024年第X季度`) name no unit and no period.
    await fill('L2', join(inbox, 'untouched.xlsx'), {}, [
      { unit: '', inspection_date: d('2024-02-01'), inspected_entity: '某店', category: '电气', description: '私拉乱接', status: '未整改' },
    ]);
    await fill('L2', join(inbox, 'empty.xlsx'), { unit: '古路镇', period: '2024年第二季度' }, []);
    warehouse = await memoryWarehouse();
    const result = await runIngest(warehouse, inbox, tempDir('firestat-tpl-reports-'), new Date('2024-07-20T02:00:00Z'));
    const untouched = result.outcomes.find((o) => o.path === 'untouched.xlsx')!;
    expect(untouched.status).toBe('rejected');
    expect(untouched.reason).toContain('无法确定第 4 行属于哪个单位');
    expect(result.outcomes.find((o) => o.path === 'empty.xlsx')).toMatchObject({ status: 'loaded', unit: '古路镇', period: '2024年第二季度', rows: 0 });
  });
});
