import type { IsoDate } from '../../domain/dates.js';
import { quarterPeriod, type Period } from '../../domain/periods.js';
import { arrivalBetween, monthsOfQuarter, periodEnd, quarterOfDate } from './calendar.js';
import type { TownshipProfile } from './clerk-profiles.js';
import { l1Document, l2Document, type LedgerFrame } from './ledger-documents.js';
import { filledOn, later, ledgerHazards, type ExpectedStatus, type PlannedFile } from './planned-file.js';
import type { FilePlants } from './planted-problems.js';
import type { Prng } from './prng.js';
import type { MonthCounts, SampleUnit } from './sample-records.js';
import { extensionOf, type FileFormat, type WorkbookDoc } from './sheet-doc.js';
import { quarterWords, t1Document } from './t1-document.js';
import type { YearPlan } from './year-plan.js';

/** One township's quarter: who, when, and what the plan and the plants say. */
interface QuarterContext {
  readonly rng: Prng;
  readonly plan: YearPlan;
  readonly plants: FilePlants;
  readonly profile: TownshipProfile;
  readonly townships: ReadonlyMap<string, SampleUnit>;
  readonly quarter: number;
  readonly period: Period;
  /** When the quarter's files were sent (T1 first, the ledgers a minute or two later). */
  readonly sent: Date;
  readonly filled: IsoDate;
  /** `['late']` when the files arrive after the due date. */
  readonly lateTag: readonly string[];
}

const formWords: Readonly<Record<'T1' | 'L1' | 'L2', readonly [string, string, string]>> = {
  T1: ['消防执法工作统计表', '执法统计', '消防执法统计表'],
  L1: ['行政处罚案件台账', '案件台账', '行政处罚台账'],
  L2: ['火灾隐患整改台账', '隐患台账', '隐患整改台账'],
};

/** `2024Q2/龙兴镇/龙兴-2024Q2-案件台账（更正）.xlsx`, in the clerk's naming pattern. */
function townshipPath(c: QuarterContext, form: 'T1' | 'L1' | 'L2', format: FileFormat, suffix = ''): string {
  const { unit, naming, ownFolder } = c.profile;
  const year = c.plan.year;
  const q = quarterWords[c.quarter - 1];
  const words = formWords[form];
  const base =
    naming === 0
      ? `${unit.name}${year}年第${q}季度${words[0]}`
      : naming === 1
        ? `${unit.short}-${year}Q${c.quarter}-${words[1]}`
        : `${year}年${q}季度${unit.name}${words[2]}`;
  return `${year}Q${c.quarter}/${ownFolder ? `${unit.name}/` : ''}${base}${suffix}${extensionOf(format)}`;
}

function is(plant: { readonly township: string; readonly quarter?: number }, c: Pick<QuarterContext, 'profile' | 'quarter'>): boolean {
  return plant.township === c.profile.unit.name && (plant.quarter === undefined || plant.quarter === c.quarter);
}

/**
 * The T1 of a quarter (its three months of counts, adjusted for a planted disagreement), and the
 * planted first versions: mistyped then corrected, refused for `待统计`, refused for naming
 * another township in the title — each followed by the file that is finally accepted.
 */
function t1Files(c: QuarterContext): PlannedFile[] {
  const { profile: p, plants, rng, quarter } = c;
  const counts = c.plan.townshipCounts.get(p.unit.name)!;
  const months: MonthCounts[] = monthsOfQuarter(quarter).map((m) => ({ ...counts[m - 1]! }));
  const tags: string[] = [...c.lateTag];
  if (is(plants.disagreement, c) && (quarter === 2 || quarter === 3)) {
    // T1 says 3 more hazards found in Q2 and 3 fewer in Q3 than the ledger: the year stays right.
    const delta = quarter === 2 ? plants.disagreement.delta : -plants.disagreement.delta;
    const target = months.reduce((best, m) => ((m['hazards_found'] ?? 0) > (best['hazards_found'] ?? 0) ? m : best));
    target['hazards_found'] = (target['hazards_found'] ?? 0) + delta;
    tags.push('breach:t1-vs-l2');
  }
  const wrongTotal = is(plants.wrongTotal, c) ? plants.wrongTotal : undefined;
  if (wrongTotal) tags.push('warning:total-mismatch');

  const doc = (r: Prng, over: { months?: MonthCounts[]; textInCount?: FilePlants['textInCount']; titleUnit?: SampleUnit } = {}): WorkbookDoc =>
    t1Document(r, {
      unit: p.unit,
      year: c.plan.year,
      quarter,
      months: over.months ?? months,
      style: over.titleUnit && p.t1Style.title === 'none' ? { ...p.t1Style, title: 'unit-first' } : p.t1Style,
      contact: p.contact,
      filledOn: c.filled,
      ...(over.titleUnit ? { titleUnit: over.titleUnit } : {}),
      ...(over.textInCount ? { textInCount: over.textInCount } : {}),
      ...(wrongTotal ? { wrongTotal } : {}),
    });
  const file = (d: WorkbookDoc, at: Date, extra: string[], expected: ExpectedStatus, suffix = ''): PlannedFile => ({
    path: townshipPath(c, 'T1', p.t1Format, suffix),
    unit: p.unit.name,
    form: 'T1',
    period: c.period,
    format: p.t1Format,
    receivedAt: at,
    doc: d,
    rows: p.t1Style.rows === 'monthly' ? 3 : 1,
    plants: [...tags, ...extra],
    expected,
  });
  const final = doc(rng.fork('t1'));
  const correctedAt = later(rng, c.sent, 2, 5);
  const corrected = ['resubmission', 'resubmission:after-refusal'];
  if (is(plants.resubmission, c)) {
    const wrong = months.map((m) => ({ ...m }));
    wrong[0]!['units_inspected'] = (wrong[0]!['units_inspected'] ?? 0) + 12;
    wrong[1]!['hazards_found'] = Math.max(0, (wrong[1]!['hazards_found'] ?? 0) - 2);
    wrong[2]!['joint_inspections'] = (wrong[2]!['joint_inspections'] ?? 0) + 1;
    return [
      file(doc(rng.fork('t1-first'), { months: wrong }), c.sent, ['superseded'], 'replaced'),
      file(final, correctedAt, ['resubmission', 'resubmission:correction'], 'loaded', '（更正）'),
    ];
  }
  if (is(plants.textInCount, c)) {
    return [
      file(doc(rng.fork('t1-first'), { textInCount: plants.textInCount }), c.sent, ['refused:text-in-count'], 'rejected'),
      file(final, correctedAt, corrected, 'loaded', '（重新报送）'),
    ];
  }
  if (is(plants.unitConflict, c)) {
    const other = c.townships.get(plants.unitConflict.other)!;
    return [
      file(doc(rng.fork('t1-first'), { titleUnit: other }), c.sent, ['refused:unit-conflict'], 'rejected'),
      file(final, correctedAt, corrected, 'loaded', '_修改版'),
    ];
  }
  return [file(final, c.sent, [], 'loaded')];
}

/** The L1 of a quarter: the cases decided in it (sent twice under two names by the duplicate plant). */
function l1Files(c: QuarterContext, frame: LedgerFrame): PlannedFile[] {
  const { profile: p } = c;
  const cases = c.plan.townshipCases.filter((x) => x.unit === p.unit.name && quarterOfDate(x.decisionDate) === c.quarter);
  const doc = l1Document(c.rng.fork('l1'), frame, cases);
  const path = townshipPath(c, 'L1', p.ledgerFormat);
  const base = { unit: p.unit.name, form: 'L1' as const, period: c.period, format: p.ledgerFormat, doc, rows: cases.length };
  const files: PlannedFile[] = [
    {
      ...base,
      path,
      receivedAt: new Date(c.sent.getTime() + 60_000),
      plants: [...c.lateTag, ...cases.flatMap((x) => (x.plant ? [x.plant] : []))],
      expected: 'loaded',
    },
  ];
  if (is(c.plants.duplicate, c)) {
    files.push({
      ...base,
      path: townshipPath(c, 'L1', p.ledgerFormat, '(1)'),
      receivedAt: later(c.rng, c.sent, 1, 3),
      plants: ['duplicate'],
      expected: 'unchanged',
      sameBytesAs: path,
    });
  }
  return files;
}

/**
 * The L2 of a quarter: its hazards as they stood at its end, plus earlier ones re-sent the
 * clerk's way (still open, or the whole year so far); truncated in transfer and sent again by the
 * damaged-workbook plant.
 */
function l2Files(c: QuarterContext, frame: LedgerFrame): PlannedFile[] {
  const { profile: p, plants, quarter } = c;
  const year = c.plan.year;
  const start = `${year}-${String(quarter * 3 - 2).padStart(2, '0')}-01`;
  const end = periodEnd(year, quarter * 3);
  const listed = ledgerHazards(
    c.plan.townshipHazards.filter((h) => h.unit === p.unit.name),
    p.l2Resend,
    start,
    end,
  );
  const extra = is(plants.extraColumn, c) ? plants.extraColumn : undefined;
  const doc = l2Document(c.rng.fork('l2'), frame, listed, end, extra);
  const tags = [
    ...c.lateTag,
    ...(listed.some((h) => h.inspectionDate < start) ? [`resend:${p.l2Resend}`] : []),
    ...listed.flatMap((h) => (h.plant && h.inspectionDate >= start ? [h.plant] : [])),
    ...(extra ? ['warning:unknown-column'] : []),
  ];
  const file = (suffix: string, at: Date, extraTags: string[], expected: ExpectedStatus, truncate = false): PlannedFile => ({
    path: townshipPath(c, 'L2', p.ledgerFormat, suffix),
    unit: p.unit.name,
    form: 'L2',
    period: c.period,
    format: p.ledgerFormat,
    receivedAt: at,
    doc,
    rows: listed.length,
    plants: [...tags, ...extraTags],
    expected,
    ...(truncate ? { truncate } : {}),
  });
  const at = new Date(c.sent.getTime() + 120_000);
  if (is(plants.damaged, c)) {
    return [
      file('', at, ['refused:damaged-workbook'], 'rejected', true),
      file('（重发）', later(c.rng, c.sent, 1, 3), ['resubmission', 'resubmission:after-refusal'], 'loaded'),
    ];
  }
  return [file('', at, [], 'loaded')];
}

/** Every file one township sends in the year: T1, L1 and L2 each quarter, with its planted problems. */
export function townshipFiles(
  rng: Prng,
  plan: YearPlan,
  plants: FilePlants,
  profile: TownshipProfile,
  townships: ReadonlyMap<string, SampleUnit>,
): PlannedFile[] {
  const files: PlannedFile[] = [];
  for (const quarter of [1, 2, 3, 4]) {
    const r = rng.fork(`q${quarter}`);
    const late = is(plants.late, { profile, quarter });
    const sent = late ? arrivalBetween(r, plan.year, quarter * 3, 11, 20) : arrivalBetween(r, plan.year, quarter * 3, 2, 9);
    const c: QuarterContext = {
      rng: r,
      plan,
      plants,
      profile,
      townships,
      quarter,
      period: quarterPeriod(plan.year, quarter),
      sent,
      filled: filledOn(r, sent, plan.year, quarter * 3),
      lateTag: late ? ['late'] : [],
    };
    const frame: LedgerFrame = { unit: profile.unit, year: plan.year, quarter, style: profile.ledgerStyle, contact: profile.contact, filledOn: c.filled };
    files.push(...t1Files(c), ...l1Files(c, frame), ...l2Files(c, frame));
  }
  return files;
}
