import type { IsoDate } from '../../domain/dates.js';
import { apportion, jitter } from './apportion.js';
import { addDays, isoDate, monthsOfQuarter, nextWorkday, randomWorkday } from './calendar.js';
import { entityViolations, personViolations } from './fire-vocabulary.js';
import { monthActivity } from './hazard-plan.js';
import type { Prng } from './prng.js';
import type { EnforcementType, PenaltyCase, Procedure, SampleUnit } from './sample-records.js';

/** Cases of one enforcement type and procedure, and how many there were in the year. */
export interface CaseQuota {
  readonly enforcementType: EnforcementType;
  readonly procedure: Procedure;
  readonly count: number;
}

/** Enforcement under delegated powers started in January, so the first quarter is quieter. */
const quarterActivity = [0.75, 1.0, 1.1, 1.15] as const;

/** Who the parties are: firms and shops of the unit, and a few private persons. */
export interface CaseParties {
  readonly entities: ReadonlyMap<string, readonly string[]>;
  readonly persons: readonly string[];
}

function fineFor(rng: Prng, procedure: Procedure, partyType: '单位' | '个人'): { penaltyKind: string; fine: number | null } {
  if (procedure === '简易程序') {
    if (rng.chance(partyType === '个人' ? 0.3 : 0.2)) return { penaltyKind: '警告', fine: null };
    const fine = partyType === '个人' ? rng.pick([50, 100, 100, 200, 200]) : rng.pick([500, 1000, 1000, 2000, 3000]);
    return { penaltyKind: '罚款', fine };
  }
  if (partyType === '个人') return { penaltyKind: rng.pick(['罚款', '罚款', '警告、罚款']), fine: rng.pick([300, 500, 500, 1000, 2000]) };
  const fine = rng.pick([5000, 5000, 8000, 10000, 10000, 15000, 20000, 30000, 50000]);
  return { penaltyKind: rng.chance(0.12) ? '罚款、责令停止使用' : '罚款', fine };
}

function makeCase(rng: Prng, year: number, unit: SampleUnit, quota: CaseQuota, decisionDate: IsoDate, parties: CaseParties): PenaltyCase {
  const general = quota.procedure === '一般程序';
  const personShare = general ? 0.08 : 0.25;
  const partyType = rng.chance(personShare) ? '个人' : '单位';
  const party = partyType === '个人' ? rng.pick(parties.persons) : rng.pick(parties.entities.get(unit.name) ?? []);
  let decision = decisionDate;
  let filed = decision;
  if (general) {
    const yearStart = quota.enforcementType === '本级执法' ? isoDate(year - 1, 11, 1) : isoDate(year, 1, 2);
    filed = addDays(decision, -rng.int(10, 45));
    if (filed < yearStart) {
      filed = yearStart;
      if (decision < addDays(filed, 10)) decision = nextWorkday(addDays(filed, rng.int(10, 20)));
    }
  }
  const { penaltyKind, fine } = fineFor(rng, quota.procedure, partyType);
  return {
    caseNo: '',
    unit: unit.name,
    enforcementType: quota.enforcementType,
    procedure: quota.procedure,
    party,
    partyType,
    violation: rng.pick(partyType === '个人' ? personViolations : entityViolations),
    filedDate: filed,
    decisionDate: decision,
    penaltyKind,
    fine,
    legalReview: true,
    collectiveDiscussion: general && (fine ?? 0) >= 30000,
    publicized: true,
  };
}

function decisionDay(rng: Prng, year: number, quarter: number): IsoDate {
  const months = monthsOfQuarter(quarter);
  const month = rng.weighted(months.map((m) => [m, monthActivity[m - 1] ?? 1] as const));
  return randomWorkday(rng, year, month);
}

/**
 * The townships' cases: every township decides at least one case every quarter (an empty
 * ledger cannot be sent), the rest fall where the townships' weights and the quarters' activity say.
 */
export function planTownshipCases(
  rng: Prng,
  year: number,
  townships: readonly SampleUnit[],
  quotas: readonly CaseQuota[],
  parties: CaseParties,
): PenaltyCase[] {
  const labels = rng.shuffle(quotas.flatMap((q) => Array.from({ length: q.count }, () => q)));
  const slots = townships.flatMap((t) => [1, 2, 3, 4].map((quarter) => ({ t, quarter })));
  const cases: PenaltyCase[] = [];
  const place = (quota: CaseQuota, t: SampleUnit, quarter: number) => {
    cases.push(makeCase(rng, year, t, quota, decisionDay(rng, year, quarter), parties));
  };
  const first = rng.shuffle(slots);
  labels.forEach((quota, i) => {
    const slot = first[i];
    if (slot) place(quota, slot.t, slot.quarter);
    else {
      const chosen = rng.weighted(slots.map((s) => [s, s.t.weight * (quarterActivity[s.quarter - 1] ?? 1)] as const));
      place(quota, chosen.t, chosen.quarter);
    }
  });
  numberCases(cases, year, (c) => townships.find((t) => t.name === c.unit)?.short ?? '', 3);
  return cases;
}

/** The bureau's own cases (本级执法), spread over the months, about two in three by 一般程序. */
export function planBureauCases(rng: Prng, year: number, unit: SampleUnit, total: number, parties: CaseParties): PenaltyCase[] {
  const perMonth = apportion(total, jitter(rng, monthActivity, 0.2));
  const cases: PenaltyCase[] = [];
  perMonth.forEach((count, m) => {
    for (let i = 0; i < count; i++) {
      const procedure: Procedure = rng.chance(0.66) ? '一般程序' : '简易程序';
      const quota: CaseQuota = { enforcementType: '本级执法', procedure, count: 1 };
      cases.push(makeCase(rng, year, unit, quota, randomWorkday(rng, year, m + 1), parties));
    }
  });
  numberCases(cases, year, () => '', 4);
  return cases;
}

/** Numbers cases per unit and series in order of decision: `渝北龙兴消行罚决字〔2024〕012号`, `渝北消当罚决字〔2024〕0045号`. */
function numberCases(cases: PenaltyCase[], year: number, shortOf: (c: PenaltyCase) => string, digits: number): void {
  cases.sort((a, b) =>
    a.decisionDate < b.decisionDate ? -1 : a.decisionDate > b.decisionDate ? 1 : a.filedDate < b.filedDate ? -1 : a.filedDate > b.filedDate ? 1 : 0,
  );
  const next = new Map<string, number>();
  for (const c of cases) {
    const series = `渝北${shortOf(c)}消${c.procedure === '一般程序' ? '行罚决字' : '当罚决字'}`;
    const n = (next.get(series) ?? 0) + 1;
    next.set(series, n);
    c.caseNo = `${series}〔${year}〕${String(n).padStart(digits, '0')}号`;
  }
}
