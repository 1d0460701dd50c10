import { monthPeriod, quarterPeriod } from '../../domain/periods.js';
import { b1Document, type B1Month } from './b1-document.js';
import { arrivalBetween, monthsOfQuarter, periodEnd, quarterOfDate } from './calendar.js';
import { b1Style, contactFor, ledgerStyle } from './clerk-profiles.js';
import { l1Document, l2Document, r1Document, type LedgerFrame } from './ledger-documents.js';
import type { Contact } from './paperwork.js';
import { filledOn, ledgerHazards, type PlannedFile } from './planned-file.js';
import type { Prng } from './prng.js';
import type { SampleUnit } from './sample-records.js';
import { extensionOf, type FileFormat } from './sheet-doc.js';
import { quarterWords } from './t1-document.js';
import type { YearPlan } from './year-plan.js';

function bureauPath(year: number, quarter: number, base: string, format: FileFormat): string {
  return `${year}Q${quarter}/局本级/${base}${extensionOf(format)}`;
}

/**
 * The bureau's files: 防火监督科, 法制科 and 宣传科 send a B1 every month; 火灾调查科 sends a
 * quarterly workbook with one sheet per month; 法制科 sends the bureau's L1 and the R1 case
 * reviews every quarter, 防火监督科 the bureau's L2 (exported from the supervision system).
 */
export function bureauFiles(rng: Prng, plan: YearPlan, townships: ReadonlyMap<string, SampleUnit>): PlannedFile[] {
  const files: PlannedFile[] = [];
  const { year, bureau } = plan;
  const contacts: Record<string, Contact> = {};
  Object.values(bureau).forEach((u, i) => {
    contacts[u.name] = contactFor(rng.fork(`contact/${u.name}`), plan.contacts, 22 + i);
  });
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
      files.push({
        path: bureauPath(year, quarter, `${unit.name}${year}年${month}月执法工作月报`, format),
        unit: unit.name,
        form: 'B1',
        period: monthPeriod(year, month),
        format,
        receivedAt: sent,
        doc,
        rows: 1,
        plants: [],
        expected: 'loaded',
      });
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
  return files;
}
