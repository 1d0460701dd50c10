import type { UnitRegistry } from '../../domain/units.js';
import { planBureauCases, planTownshipCases, type CaseQuota } from './case-plan.js';
import { addDays, monthOfDate, quarterOfDate } from './calendar.js';
import { bureauEntities, contactPeople, partyPeople, townshipEntities } from './fictitious-names.js';
import { planBureauCounts, planTownshipCounts, type YearCounts } from './figures-plan.js';
import { planHazards } from './hazard-plan.js';
import type { Prng } from './prng.js';
import { planReviews } from './review-plan.js';
import type { CaseReview, Hazard, PenaltyCase, SampleUnit } from './sample-records.js';
import { bureauRoles, bureauTargets, jointInspectionRange, townshipTargets } from './targets.js';

/** Everything that happened in the sample year, before it is written into forms. */
export interface YearPlan {
  readonly year: number;
  readonly townships: readonly SampleUnit[];
  /** The four bureau units, by role. */
  readonly bureau: Readonly<Record<keyof typeof bureauRoles, SampleUnit>>;
  readonly townshipHazards: readonly Hazard[];
  readonly bureauHazards: readonly Hazard[];
  readonly townshipCases: readonly PenaltyCase[];
  readonly bureauCases: readonly PenaltyCase[];
  readonly reviews: readonly CaseReview[];
  /** T1 counts per township and month (consistent with the ledgers). */
  readonly townshipCounts: YearCounts;
  /** B1 counts per bureau unit and month (consistent with the bureau's ledgers). */
  readonly bureauCounts: YearCounts;
  readonly jointInspections: number;
  /** Fictitious persons who are parties to cases. */
  readonly persons: readonly string[];
  /** Fictitious clerks and reviewers. */
  readonly contacts: readonly string[];
}

/** The short name people write: `龙兴镇` → `龙兴`, when the registry knows it. */
function sampleUnit(registry: UnitRegistry, name: string, kind: 'township' | 'bureau', weight: number): SampleUnit {
  const unit = registry.byName(name);
  if (!unit) throw new Error(`单位名录中没有“${name}”，样例数据需要标准样例名录`);
  const stem = name.replace(/(街道|镇)$/, '');
  const short = kind === 'township' && registry.resolve(stem)?.code === unit.code ? stem : name;
  return { name, short, long: kind === 'township' ? `${registry.district}${name}` : name, kind, weight };
}

/**
 * Plans the year: townships' and bureau's hazards and cases, the case reviews, and the T1/B1
 * counts derived from them, plus the two planted breaches that live in the records themselves
 * (an over-cap 简易程序 fine, a hazard rectified before it was found).
 */
export function planYear(rng: Prng, year: number, registry: UnitRegistry): YearPlan {
  const yearStart = `${year}-01-01`;
  const townships = registry.active('township', yearStart).map((u) => {
    const urban = u.name.endsWith('街道');
    return sampleUnit(registry, u.name, 'township', (urban ? 1.35 : 0.8) * (0.75 + rng.fork(`weight/${u.code}`).next() * 0.5));
  });
  const bureau = {
    supervision: sampleUnit(registry, bureauRoles.supervision, 'bureau', 1),
    investigation: sampleUnit(registry, bureauRoles.investigation, 'bureau', 1),
    legal: sampleUnit(registry, bureauRoles.legal, 'bureau', 1),
    publicity: sampleUnit(registry, bureauRoles.publicity, 'bureau', 1),
  };
  const persons = partyPeople(rng.fork('persons'));
  const contacts = contactPeople(rng.fork('contacts'));

  const entities = new Map<string, string[]>();
  for (const t of townships) entities.set(t.name, townshipEntities(rng.fork(`entities/${t.name}`), t.short, Math.round(260 * t.weight)));
  const bigVenues = bureauEntities(rng.fork('entities/bureau'), 700);
  entities.set(bureau.supervision.name, bigVenues);
  entities.set(bureau.legal.name, bigVenues);

  const townshipHazards = planHazards(rng.fork('hazards/townships'), {
    year,
    units: townships,
    entities,
    found: townshipTargets.hazards_found,
    rectified: townshipTargets.hazards_rectified,
    firstId: 1,
  });
  const bureauHazards = planHazards(rng.fork('hazards/bureau'), {
    year,
    units: [bureau.supervision],
    entities,
    found: bureauTargets.hazards_found,
    rectified: bureauTargets.hazards_rectified,
    major: { found: bureauTargets.major_hazard_notices, rectified: bureauTargets.major_hazards_rectified },
    firstId: 100_001,
  });

  const quotas: CaseQuota[] = [
    { enforcementType: '赋权执法', procedure: '一般程序', count: townshipTargets.empowered_general_cases },
    { enforcementType: '赋权执法', procedure: '简易程序', count: townshipTargets.empowered_simple_cases },
    { enforcementType: '委托执法', procedure: '一般程序', count: townshipTargets.entrusted_general_cases },
    { enforcementType: '委托执法', procedure: '简易程序', count: townshipTargets.entrusted_simple_cases },
  ];
  const townshipCases = planTownshipCases(rng.fork('cases/townships'), year, townships, quotas, { entities, persons });
  const bureauCases = planBureauCases(rng.fork('cases/bureau'), year, bureau.legal, bureauTargets.penalties, { entities, persons });

  plantRecordBreaches(rng.fork('plants/records'), townshipCases, townshipHazards);
  const reviews = planReviews(rng.fork('reviews'), townshipCases);

  const jointInspections = rng.fork('joint').int(jointInspectionRange.min, jointInspectionRange.max);
  const townshipCounts = planTownshipCounts(rng.fork('counts/townships'), townships, townshipHazards, townshipCases, jointInspections);
  const bureauCounts = planBureauCounts(rng.fork('counts/bureau'), bureauHazards, bureauCases);
  return {
    year,
    townships,
    bureau,
    townshipHazards,
    bureauHazards,
    townshipCases,
    bureauCases,
    reviews,
    townshipCounts,
    bureauCounts,
    jointInspections,
    persons,
    contacts,
  };
}

/**
 * Breaches that live in the records: a 简易程序 fine of 500 元 to a person (the cap is 200), and
 * a hazard whose 整改完成日期 was typed a week before its 检查日期 (same month, so every count
 * stays where it was).
 */
function plantRecordBreaches(rng: Prng, cases: PenaltyCase[], hazards: Hazard[]): void {
  const personSimple = cases.filter((c) => c.procedure === '简易程序' && c.partyType === '个人');
  const overCap = rng.pick(
    personSimple.filter((c) => quarterOfDate(c.decisionDate) === 2).length ? personSimple.filter((c) => quarterOfDate(c.decisionDate) === 2) : personSimple,
  );
  overCap.fine = 500;
  overCap.penaltyKind = '罚款';
  overCap.plant = 'breach:over-cap-fine';

  const candidates = hazards.filter(
    (h) =>
      h.rectifiedDate !== null &&
      Number(h.inspectionDate.slice(8)) >= 12 &&
      monthOfDate(h.rectifiedDate) === monthOfDate(h.inspectionDate) &&
      h.rectifiedDate > h.inspectionDate,
  );
  const early = rng.pick(candidates);
  early.rectifiedDate = addDays(early.inspectionDate, -rng.int(3, 9));
  early.plant = 'breach:rectified-before-found';
}
