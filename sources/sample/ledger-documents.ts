import type { IsoDate } from '../../domain/dates.js';
import { caseReviewsForm, hazardLedgerForm, penaltyCasesForm } from '../../domain/forms/index.js';
import { amountCell, dateCell, yesNoCell, type DateStyle, type NumberStyle, type YesNoStyle } from './cell-styles.js';
import { formColumns, writeHeader, type HeaderStyle, type SheetColumn } from './form-headers.js';
import { rectifiedBy } from './hazard-plan.js';
import { writeAbove, writeBelow, type Contact } from './paperwork.js';
import type { Prng } from './prng.js';
import type { CaseReview, Hazard, PenaltyCase, SampleUnit } from './sample-records.js';
import { SheetBuilder, type SampleCell, type WorkbookDoc } from './sheet-doc.js';
import { quarterWords } from './t1-document.js';

/** How a unit writes its ledgers. */
export interface LedgerStyle {
  readonly header: HeaderStyle;
  /** The clerk's usual date style; `mixedDates` lets other styles slip in. */
  readonly dateStyle: DateStyle;
  readonly mixedDates: boolean;
  readonly numbers: NumberStyle;
  readonly yesNo: YesNoStyle;
  /** Unit cells in full, short (`龙兴`) or no unit column at all (L2 only). */
  readonly unitText: 'full' | 'short' | 'none';
  /** Choice values as the form spells them, or the short forms people use (`赋权`, `简易`, `整改中`). */
  readonly choices: 'canonical' | 'colloquial';
  readonly title: boolean;
  readonly fillIn: boolean;
  readonly notes: boolean;
  readonly serialColumn: boolean;
  readonly remarksColumn: boolean;
  /** Blank rows left between blocks of rows (a month's rows, say). */
  readonly blankRows: boolean;
  /** Styles the other clerks use, for `mixedDates`. */
  readonly otherDateStyles: readonly DateStyle[];
}

/** Everything a ledger file needs besides its rows. */
export interface LedgerFrame {
  readonly unit: SampleUnit;
  readonly year: number;
  readonly quarter: number;
  readonly style: LedgerStyle;
  readonly contact: Contact;
  readonly filledOn: IsoDate;
}

function date(rng: Prng, s: LedgerStyle, d: IsoDate): SampleCell {
  const style = s.mixedDates && rng.chance(0.08) ? rng.pick(s.otherDateStyles) : s.dateStyle;
  return dateCell(d, style);
}

function framed(rng: Prng, f: LedgerFrame, formTitle: string, columns: SheetColumn[], sheetName: string, rows: (SampleCell[] | 'blank')[]): WorkbookDoc {
  const s = f.style;
  const sheet = new SheetBuilder(sheetName, columns.length);
  const q = quarterWords[f.quarter - 1];
  writeAbove(sheet, {
    ...(s.title
      ? { title: f.unit.kind === 'township' ? `${f.unit.long}${f.year}年第${q}季度${formTitle}` : `重庆市渝北区消防救援局${f.year}年第${q}季度${formTitle}` }
      : {}),
    // Without a title stating the quarter, a fill-in date like 2024年4月5日 would read as the period.
    ...(s.fillIn
      ? {
          fillIn: {
            unit: f.unit.kind === 'township' ? f.unit.long : `重庆市渝北区消防救援局${f.unit.name}`,
            date: f.filledOn,
            dateStyle: s.title ? s.dateStyle : 'dot',
          },
        }
      : {}),
  });
  writeHeader(rng, sheet, columns, s.header);
  let serial = 0;
  for (const row of rows) {
    if (row === 'blank') {
      sheet.blank();
      continue;
    }
    serial++;
    const cells = s.serialColumn ? [serial, ...row] : row;
    if (s.remarksColumn) cells.push(null);
    sheet.row(cells);
  }
  writeBelow(sheet, s.notes ? { contact: f.contact, blankBeforeNotes: rng.chance(0.5) } : {});
  return { sheets: [sheet.build(columns.map((c) => c.width ?? 12))] };
}

function extraColumns(s: LedgerStyle, columns: SheetColumn[]): SheetColumn[] {
  return [...(s.serialColumn ? [{ header: '序号', width: 6 }] : []), ...columns, ...(s.remarksColumn ? [{ header: '备注', width: 10 }] : [])];
}

const enforcementColloquial: Readonly<Record<string, string>> = { 赋权执法: '赋权', 委托执法: '委托', 本级执法: '本级执法' };
const procedureColloquial: Readonly<Record<string, string>> = { 一般程序: '一般', 简易程序: '简易' };

/** The L1 行政处罚案件台账 of one unit and quarter. */
export function l1Document(rng: Prng, f: LedgerFrame, cases: readonly PenaltyCase[]): WorkbookDoc {
  const s = f.style;
  const columns = extraColumns(
    s,
    formColumns(penaltyCasesForm).map((c) => ({ ...c, width: c.field?.id === 'violation' || c.field?.id === 'case_no' ? 26 : 12 })),
  );
  const colloquial = s.choices === 'colloquial';
  const rows = cases.map((c): SampleCell[] => [
    c.caseNo,
    s.unitText === 'short' ? f.unit.short : f.unit.name,
    colloquial ? (enforcementColloquial[c.enforcementType] ?? c.enforcementType) : c.enforcementType,
    colloquial ? (c.procedure === '简易程序' && rng.chance(0.3) ? '当场处罚' : (procedureColloquial[c.procedure] ?? c.procedure)) : c.procedure,
    c.party,
    colloquial ? (c.partyType === '个人' ? '自然人' : rng.pick(['单位', '企业'])) : c.partyType,
    c.violation,
    date(rng, s, c.filedDate),
    date(rng, s, c.decisionDate),
    c.penaltyKind,
    amountCell(rng, c.fine, s.numbers),
    yesNoCell(c.legalReview, s.yesNo),
    yesNoCell(c.collectiveDiscussion, s.yesNo),
    yesNoCell(c.publicized, s.yesNo),
  ]);
  return framed(rng, f, '行政处罚案件台账', columns, rng.pick(['Sheet1', '案件台账', `${quarterWords[f.quarter - 1]}季度`]), rows);
}

/**
 * The L2 火灾隐患整改台账 of one unit as at the end of a quarter: each hazard's status as it
 * stood on that day (rectified later → still 未整改 here, with no completion date).
 */
export function l2Document(
  rng: Prng,
  f: LedgerFrame,
  hazards: readonly Hazard[],
  asOf: IsoDate,
  extra?: { readonly header: string; readonly values: readonly string[] },
): WorkbookDoc {
  const s = f.style;
  const fields = formColumns(hazardLedgerForm, s.unitText === 'none' ? ['unit'] : []);
  const columns = extraColumns(s, [
    ...fields.map((c) => ({ ...c, width: c.field?.id === 'description' || c.field?.id === 'inspected_entity' ? 28 : 12 })),
    ...(extra ? [{ header: extra.header, width: 12 }] : []),
  ]);
  const colloquial = s.choices === 'colloquial';
  const rows: (SampleCell[] | 'blank')[] = [];
  let lastMonth = '';
  for (const h of hazards) {
    const month = h.inspectionDate.slice(0, 7);
    if (s.blankRows && lastMonth && month !== lastMonth) rows.push('blank');
    lastMonth = month;
    const done = rectifiedBy(h, asOf);
    const overdue = !done && h.deadline < asOf;
    const status = done ? (colloquial ? rng.pick(['已整改', '已完成', '整改完毕']) : '已整改') : colloquial ? (overdue ? '逾期未改' : '整改中') : '未整改';
    const cells: SampleCell[] = [];
    if (s.unitText !== 'none') cells.push(s.unitText === 'short' ? f.unit.short : f.unit.name);
    cells.push(
      date(rng, s, h.inspectionDate),
      h.entity,
      h.category,
      h.description,
      date(rng, s, h.deadline),
      done && h.rectifiedDate ? date(rng, s, h.rectifiedDate) : null,
      status,
    );
    if (extra) cells.push(rng.pick(extra.values));
    rows.push(cells);
  }
  return framed(rng, f, '火灾隐患整改台账', columns, rng.pick(['Sheet1', '隐患台账', `${quarterWords[f.quarter - 1]}季度`]), rows);
}

/** The R1 案卷评查表 法制科 fills for one quarter. */
export function r1Document(rng: Prng, f: LedgerFrame, reviews: readonly CaseReview[], units: ReadonlyMap<string, SampleUnit>): WorkbookDoc {
  const s = f.style;
  const columns = extraColumns(
    s,
    formColumns(caseReviewsForm).map((c) => ({ ...c, width: c.field?.id === 'problem_description' || c.field?.id === 'case_no' ? 30 : 12 })),
  );
  const q = quarterWords[f.quarter - 1];
  const rows = reviews.map((r): SampleCell[] => [
    r.caseNo,
    s.unitText === 'short' ? (units.get(r.unit)?.short ?? r.unit) : r.unit,
    s.choices === 'colloquial' ? `${q}季度` : `${f.year}年第${q}季度`,
    r.result,
    r.problems.length ? r.problems.join('、') : s.choices === 'colloquial' ? '无' : null,
    r.description || null,
  ]);
  return framed(rng, { ...f }, '行政处罚案卷评查表', columns, rng.pick(['Sheet1', '评查结果']), rows);
}
