import type { IsoDate } from '../../domain/dates.js';
import { monthPeriod, quarterPeriod, type Period } from '../../domain/periods.js';
import { b1Document, type B1Month } from './b1-document.js';
import { addDays, arrivalBetween, monthsOfQuarter, officeHours, periodEnd, quarterOfDate, shanghaiDay } from './calendar.js';
import { b1Style, contactFor, ledgerStyle, townshipProfiles, type TownshipProfile } from './clerk-profiles.js';
import { l1Document, l2Document, r1Document, type LedgerFrame } from './ledger-documents.js';
import type { Contact } from './paperwork.js';
import { chooseFilePlants, type FilePlants } from './planted-problems.js';
import type { Prng } from './prng.js';
import type { Hazard, MonthCounts, SampleUnit } from './sample-records.js';
import { extensionOf, type FileFormat, type WorkbookDoc } from './sheet-doc.js';
import { quarterWords, t1Document } from './t1-document.js';
import type { YearPlan } from './year-plan.js';

/** The forms of the sample. */
export type FormCode = 'T1' | 'B1' | 'L1' | 'L2' | 'R1';

/** What the pipeline should make of a file. */
export type ExpectedStatus = 'loaded' | 'replaced' | 'rejected' | 'unchanged';

/** One file of the inbox, composed but not yet written. */
export interface PlannedFile {
  /** Relative path in the inbox, `/`-separated. */
  readonly path: string;
  /** Official name of the sending unit. */
  readonly unit: string;
  readonly form: FormCode;
  readonly period: Period;
  readonly format: FileFormat;
  readonly receivedAt: Date;
  readonly doc: WorkbookDoc;
  /** Data rows in the file. */
  readonly rows: number;
  /** What the file plants (`refused:text-in-count`, `late`, `superseded`, `resubmission`, …). */
  readonly plants: string[];
  readonly expected: ExpectedStatus;
  /** The bytes are cut short after writing (a damaged transfer). */
  readonly truncate?: boolean;
  /** The file repeats another file's bytes exactly (the path of that file). */
  readonly sameBytesAs?: string;
}

/** The planned inbox and the choices behind it. */
export interface InboxPlan {
  readonly files: PlannedFile[];
  readonly plants: FilePlants;
  readonly profiles: readonly TownshipProfile[];
}

const formWords: Readonly<Record<'T1' | 'L1' | 'L2', readonly [string, string, string]>> = {
  T1: ['消防执法工作统计表', '执法统计', '消防执法统计表'],
  L1: ['行政处罚案件台账', '案件台账', '行政处罚台账'],
  L2: ['火灾隐患整改台账', '隐患台账', '隐患整改台账'],
};

function townshipPath(p: TownshipProfile, form: 'T1' | 'L1' | 'L2', year: number, quarter: number, format: FileFormat, suffix = ''): string {
  const u = p.unit;
  const q = quarterWords[quarter - 1];
  const words = formWords[form];
  const base =
    p.naming === 0 ? `${u.name}${year}年第${q}季度${words[0]}` : p.naming === 1 ? `${u.short}-${year}Q${quarter}-${words[1]}` : `${year}年${q}季度${u.name}${words[2]}`;
  return `${year}Q${quarter}/${p.ownFolder ? `${u.name}/` : ''}${base}${suffix}${extensionOf(format)}`;
}

function bureauPath(year: number, quarter: number, base: string, format: FileFormat, suffix = ''): string {
  return `${year}Q${quarter}/局本级/${base}${suffix}${extensionOf(format)}`;
}

/** The day a sheet was filled in: a day or two before it was sent, never before the period ended. */
function filledOn(rng: Prng, sent: Date, year: number, toMonth: number): IsoDate {
  const day = addDays(shanghaiDay(sent), -rng.int(0, 2));
  const earliest = addDays(periodEnd(year, toMonth), 1);
  return day < earliest ? earliest : day;
}

function later(rng: Prng, sent: Date, minDays: number, maxDays: number): Date {
  return officeHours(rng, addDays(shanghaiDay(sent), rng.int(minDays, maxDays)));
}

/** Hazards a ledger lists at a quarter's end, in inspection order. */
function ledgerHazards(all: readonly Hazard[], resend: 'carry-open' | 'cumulative', quarterStart: IsoDate, quarterEnd: IsoDate): Hazard[] {
  return all.filter((h) => {
    if (h.inspectionDate > quarterEnd) return false;
    if (h.inspectionDate >= quarterStart || resend === 'cumulative') return true;
    // carry-open: found earlier and still open when the quarter began.
    return h.rectifiedDate === null || h.rectifiedDate >= quarterStart;
  });
}

/**
 * Composes every file of the year: each township's T1, L1 and L2 every quarter; each bureau unit's
 * B1 every month (火灾调查科 as a quarterly workbook with a sheet per month); the bureau's L1 and L2
 * and 法制科's R1 every quarter; and the planted problems with their corrected resubmissions.
 */
export function planInbox(rng: Prng, plan: YearPlan): InboxPlan {
  const { year } = plan;
  const profiles = townshipProfiles(rng.fork('profiles'), plan.townships, plan.contacts);
  const plants = chooseFilePlants(rng.fork('plants/files'), profiles);
  const files: PlannedFile[] = [];
  const units = new Map(plan.townships.map((t) => [t.name, t]));

  profiles.forEach((p) => {
    const r = rng.fork(`inbox/${p.unit.name}`);
    const name = p.unit.name;
    const hazards = plan.townshipHazards.filter((h) => h.unit === name);
    const counts = plan.townshipCounts.get(name)!;
    for (const quarter of [1, 2, 3, 4]) {
      const period = quarterPeriod(year, quarter);
      const months = monthsOfQuarter(quarter);
      const isLate = plants.late.township === name && plants.late.quarter === quarter;
      const sent = isLate ? arrivalBetween(r, year, quarter * 3, 11, 20) : arrivalBetween(r, year, quarter * 3, 2, 9);
      const lateTag = isLate ? ['late'] : [];
      const filled = filledOn(r, sent, year, quarter * 3);

      // T1
      const monthCounts: MonthCounts[] = months.map((m) => ({ ...counts[m - 1]! }));
      const t1Plants: string[] = [...lateTag];
      if (plants.disagreement.township === name && (quarter === 2 || quarter === 3)) {
        const delta = quarter === 2 ? plants.disagreement.delta : -plants.disagreement.delta;
        const target = monthCounts.reduce((best, m) => ((m['hazards_found'] ?? 0) > (best['hazards_found'] ?? 0) ? m : best));
        target['hazards_found'] = (target['hazards_found'] ?? 0) + delta;
        t1Plants.push('breach:t1-vs-l2');
      }
      const wrongTotal = plants.wrongTotal.township === name && plants.wrongTotal.quarter === quarter ? plants.wrongTotal : undefined;
      if (wrongTotal) t1Plants.push('warning:total-mismatch');
      const t1 = (rr: Prng, over: { months?: MonthCounts[]; textInCount?: FilePlants['textInCount']; titleUnit?: SampleUnit } = {}) =>
        t1Document(rr, {
          unit: p.unit,
          year,
          quarter,
          months: over.months ?? monthCounts,
          style: over.titleUnit && p.t1Style.title === 'none' ? { ...p.t1Style, title: 'unit-first' } : p.t1Style,
          contact: p.contact,
          filledOn: filled,
          ...(over.titleUnit ? { titleUnit: over.titleUnit } : {}),
          ...(over.textInCount ? { textInCount: over.textInCount } : {}),
          ...(wrongTotal ? { wrongTotal } : {}),
        });
      const t1File = (doc: WorkbookDoc, at: Date, extra: string[], expected: ExpectedStatus, suffix = ''): PlannedFile => ({
        path: townshipPath(p, 'T1', year, quarter, p.t1Format, suffix),
        unit: name,
        form: 'T1',
        period,
        format: p.t1Format,
        receivedAt: at,
        doc,
        rows: p.t1Style.rows === 'monthly' ? 3 : 1,
        plants: [...t1Plants, ...extra],
        expected,
      });
      const correctedAt = later(r, sent, 2, 5);
      if (plants.resubmission.township === name && plants.resubmission.quarter === quarter) {
        // First version: 检查社会单位 and 发现火灾隐患 mistyped; the corrected one replaces it.
        const wrong = monthCounts.map((m) => ({ ...m }));
        wrong[0]!['units_inspected'] = (wrong[0]!['units_inspected'] ?? 0) + 12;
        wrong[1]!['hazards_found'] = Math.max(0, (wrong[1]!['hazards_found'] ?? 0) - 2);
        wrong[2]!['joint_inspections'] = (wrong[2]!['joint_inspections'] ?? 0) + 1;
        files.push(t1File(t1(r.fork('t1-first'), { months: wrong }), sent, ['superseded'], 'replaced'));
        files.push(t1File(t1(r.fork('t1')), correctedAt, ['resubmission', 'resubmission:correction'], 'loaded', '（更正）'));
      } else if (plants.textInCount.township === name && plants.textInCount.quarter === quarter) {
        files.push(t1File(t1(r.fork('t1-first'), { textInCount: plants.textInCount }), sent, ['refused:text-in-count'], 'rejected'));
        files.push(t1File(t1(r.fork('t1')), correctedAt, ['resubmission', 'resubmission:after-refusal'], 'loaded', '（重新报送）'));
      } else if (plants.unitConflict.township === name && plants.unitConflict.quarter === quarter) {
        const other = units.get(plants.unitConflict.other)!;
        files.push(t1File(t1(r.fork('t1-first'), { titleUnit: other }), sent, ['refused:unit-conflict'], 'rejected'));
        files.push(t1File(t1(r.fork('t1')), correctedAt, ['resubmission', 'resubmission:after-refusal'], 'loaded', '_修改版'));
      } else {
        files.push(t1File(t1(r.fork('t1')), sent, [], 'loaded'));
      }

      // L1: the cases decided in the quarter.
      const frame: LedgerFrame = { unit: p.unit, year, quarter, style: p.ledgerStyle, contact: p.contact, filledOn: filled };
      const cases = plan.townshipCases.filter((c) => c.unit === name && quarterOfDate(c.decisionDate) === quarter);
      const l1Doc = l1Document(r.fork('l1'), frame, cases);
      const l1Plants = [...lateTag, ...cases.flatMap((c) => (c.plant ? [c.plant] : []))];
      const l1Path = townshipPath(p, 'L1', year, quarter, p.ledgerFormat);
      files.push({ path: l1Path, unit: name, form: 'L1', period, format: p.ledgerFormat, receivedAt: new Date(sent.getTime() + 60_000), doc: l1Doc, rows: cases.length, plants: l1Plants, expected: 'loaded' });
      if (plants.duplicate.township === name && plants.duplicate.quarter === quarter) {
        files.push({
          path: townshipPath(p, 'L1', year, quarter, p.ledgerFormat, '(1)'),
          unit: name,
          form: 'L1',
          period,
          format: p.ledgerFormat,
          receivedAt: later(r, sent, 1, 3),
          doc: l1Doc,
          rows: cases.length,
          plants: ['duplicate'],
          expected: 'unchanged',
          sameBytesAs: l1Path,
        });
      }

      // L2: the quarter's hazards as they stood at its end, re-sent the clerk's way.
      const start = `${year}-${String(months[0]).padStart(2, '0')}-01`;
      const end = periodEnd(year, quarter * 3);
      const listed = ledgerHazards(hazards, p.l2Resend, start, end);
      const extra = plants.extraColumn.township === name && plants.extraColumn.quarter === quarter ? plants.extraColumn : undefined;
      const l2Doc = l2Document(r.fork('l2'), frame, listed, end, extra);
      const l2Plants = [
        ...lateTag,
        ...(quarter > 1 && listed.some((h) => h.inspectionDate < start) ? [`resend:${p.l2Resend}`] : []),
        ...listed.flatMap((h) => (h.plant && h.inspectionDate >= start ? [h.plant] : [])),
        ...(extra ? ['warning:unknown-column'] : []),
      ];
      const l2 = (suffix: string, at: Date, extraPlants: string[], expected: ExpectedStatus, truncate = false): PlannedFile => ({
        path: townshipPath(p, 'L2', year, quarter, p.ledgerFormat, suffix),
        unit: name,
        form: 'L2',
        period,
        format: p.ledgerFormat,
        receivedAt: at,
        doc: l2Doc,
        rows: listed.length,
        plants: [...l2Plants, ...extraPlants],
        expected,
        ...(truncate ? { truncate } : {}),
      });
      const l2At = new Date(sent.getTime() + 120_000);
      if (plants.damaged.township === name && plants.damaged.quarter === quarter) {
        files.push(l2('', l2At, ['refused:damaged-workbook'], 'rejected', true));
        files.push(l2('（重发）', later(r, sent, 1, 3), ['resubmission', 'resubmission:after-refusal'], 'loaded'));
      } else {
        files.push(l2('', l2At, [], 'loaded'));
      }
    }
  });

  planBureau(rng.fork('inbox/bureau'), plan, files, units);
  files.sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || (a.path < b.path ? -1 : 1));
  return { files, plants, profiles };
}

function planBureau(rng: Prng, plan: YearPlan, files: PlannedFile[], townships: ReadonlyMap<string, SampleUnit>): void {
  const { year, bureau } = plan;
  const contacts: Record<string, Contact> = {};
  Object.values(bureau).forEach((u, i) => (contacts[u.name] = contactFor(rng.fork(`contact/${u.name}`), plan.contacts, 22 + i)));
  const aliases: Record<string, string> = { 防火监督科: '防火科', 火灾调查科: '火调科', 法制科: '局法制科', 宣传科: '宣传科' };

  // B1: three units send a file a month; 火灾调查科 a workbook a quarter with a sheet per month.
  const monthly: readonly [SampleUnit, FileFormat][] = [
    [bureau.supervision, 'xlsx-excel'],
    [bureau.legal, 'csv-utf8-bom'],
    [bureau.publicity, 'csv-gb18030'],
  ];
  for (const [unit, format] of monthly) {
    const r = rng.fork(`b1/${unit.name}`);
    const style = b1Style(r.fork('style'), format);
    const counts = plan.bureauCounts.get(unit.name)!;
    for (let month = 1; month <= 12; month++) {
      const sent = arrivalBetween(r, year, month, 1, 8);
      const m: B1Month = { month, counts: counts[month - 1]!, filledOn: filledOn(r, sent, year, month) };
      const doc = b1Document(r.fork(`doc/${month}`), { unit, alias: aliases[unit.name] ?? unit.name, year, months: [m], style, contact: contacts[unit.name]! });
      const quarter = Math.ceil(month / 3);
      files.push({ path: bureauPath(year, quarter, `${unit.name}${year}年${month}月执法工作月报`, format), unit: unit.name, form: 'B1', period: monthPeriod(year, month), format, receivedAt: sent, doc, rows: 1, plants: [], expected: 'loaded' });
    }
  }
  {
    const unit = bureau.investigation;
    const r = rng.fork(`b1/${unit.name}`);
    const style = b1Style(r.fork('style'), 'xlsx-excel');
    const counts = plan.bureauCounts.get(unit.name)!;
    for (const quarter of [1, 2, 3, 4]) {
      const sent = arrivalBetween(r, year, quarter * 3, 2, 8);
      const months = monthsOfQuarter(quarter).map((month): B1Month => ({ month, counts: counts[month - 1]!, filledOn: filledOn(r, sent, year, quarter * 3) }));
      const doc = b1Document(r.fork(`doc/${quarter}`), { unit, alias: aliases[unit.name] ?? unit.name, year, months, style, contact: contacts[unit.name]! });
      files.push({
        path: bureauPath(year, quarter, `${unit.name}${year}年第${quarterWords[quarter - 1]}季度执法工作月报`, 'xlsx-excel'),
        unit: unit.name,
        form: 'B1',
        period: quarterPeriod(year, quarter),
        format: 'xlsx-excel',
        receivedAt: sent,
        doc,
        rows: 3,
        plants: ['quarterly-workbook'],
        expected: 'loaded',
      });
    }
  }

  // The bureau's ledgers and 法制科's reviews, every quarter.
  const l1Style = ledgerStyle(rng.fork('style/l1'), 'xlsx-excel', false);
  const l2Style = ledgerStyle(rng.fork('style/l2'), 'xlsx-export', false);
  // No 备注 column on R1: the form reads 备注 as 问题描述, and both columns would be refused as duplicates.
  const r1Style = { ...ledgerStyle(rng.fork('style/r1'), 'xlsx-excel', false), unitText: 'short' as const, remarksColumn: false };
  for (const quarter of [1, 2, 3, 4]) {
    const r = rng.fork(`ledgers/${quarter}`);
    const period = quarterPeriod(year, quarter);
    const start = `${year}-${String(quarter * 3 - 2).padStart(2, '0')}-01`;
    const end = periodEnd(year, quarter * 3);
    const sent = arrivalBetween(r, year, quarter * 3, 3, 9);
    const filled = filledOn(r, sent, year, quarter * 3);

    const cases = plan.bureauCases.filter((c) => quarterOfDate(c.decisionDate) === quarter);
    const l1Frame: LedgerFrame = { unit: bureau.legal, year, quarter, style: l1Style, contact: contacts[bureau.legal.name]!, filledOn: filled };
    files.push({
      path: bureauPath(year, quarter, `法制科${year}年第${quarterWords[quarter - 1]}季度行政处罚案件台账`, 'xlsx-excel'),
      unit: bureau.legal.name,
      form: 'L1',
      period,
      format: 'xlsx-excel',
      receivedAt: sent,
      doc: l1Document(r.fork('l1'), l1Frame, cases),
      rows: cases.length,
      plants: [],
      expected: 'loaded',
    });

    const listed = ledgerHazards(plan.bureauHazards, 'carry-open', start, end);
    const l2Frame: LedgerFrame = { unit: bureau.supervision, year, quarter, style: l2Style, contact: contacts[bureau.supervision.name]!, filledOn: filled };
    files.push({
      path: bureauPath(year, quarter, `防火监督科${year}年第${quarterWords[quarter - 1]}季度火灾隐患整改台账`, 'xlsx-export'),
      unit: bureau.supervision.name,
      form: 'L2',
      period,
      format: 'xlsx-export',
      receivedAt: new Date(sent.getTime() + 3_600_000),
      doc: l2Document(r.fork('l2'), l2Frame, listed, end),
      rows: listed.length,
      plants: quarter > 1 ? ['resend:carry-open'] : [],
      expected: 'loaded',
    });

    const reviews = plan.reviews.filter((v) => v.quarter === quarter);
    const r1Frame: LedgerFrame = { unit: bureau.legal, year, quarter, style: r1Style, contact: contacts[bureau.legal.name]!, filledOn: filled };
    files.push({
      path: bureauPath(year, quarter, `法制科${year}年第${quarterWords[quarter - 1]}季度案卷评查表`, 'xlsx-excel'),
      unit: bureau.legal.name,
      form: 'R1',
      period,
      format: 'xlsx-excel',
      receivedAt: new Date(sent.getTime() + 7_200_000),
      doc: r1Document(r.fork('r1'), r1Frame, reviews, townships),
      rows: reviews.length,
      plants: [],
      expected: 'loaded',
    });
  }
}

