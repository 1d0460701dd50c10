import { apportion, jitter, scatter } from './apportion.js';
import { monthOfDate } from './calendar.js';
import { monthActivity } from './hazard-plan.js';
import type { Prng } from './prng.js';
import type { Hazard, MonthCounts, PenaltyCase, SampleUnit } from './sample-records.js';
import { bureauRoles, bureauTargets, investigationOfficers, townshipTargets } from './targets.js';

/** Twelve months of counts for each unit, by unit name. */
export type YearCounts = Map<string, MonthCounts[]>;

function emptyYear(fields: readonly string[]): MonthCounts[] {
  return Array.from({ length: 12 }, () => Object.fromEntries(fields.map((f) => [f, 0])));
}

const caseFields: Readonly<Record<string, string>> = {
  '赋权执法|一般程序': 'empowered_general_cases',
  '赋权执法|简易程序': 'empowered_simple_cases',
  '委托执法|一般程序': 'entrusted_general_cases',
  '委托执法|简易程序': 'entrusted_simple_cases',
};

const t1Fields = [
  'units_inspected',
  'hazards_found',
  'hazards_rectified',
  'empowered_general_cases',
  'empowered_simple_cases',
  'entrusted_general_cases',
  'entrusted_simple_cases',
  'joint_inspections',
  'fire_staff',
];

/** Counts hazards found and rectified per month from the ledger's final state. */
function countHazards(year: MonthCounts[], hazards: readonly Hazard[], found: string, rectified: string): void {
  for (const h of hazards) {
    (year[monthOfDate(h.inspectionDate) - 1] as MonthCounts)[found]! += 1;
    if (h.rectifiedDate) (year[monthOfDate(h.rectifiedDate) - 1] as MonthCounts)[rectified]! += 1;
  }
}

/**
 * The townships' T1 counts per month. Hazard and case counts come from the ledgers, so T1 and
 * L1/L2 agree; 检查社会单位 follows the hazards found; 联合执法检查 is scattered; 消防管理岗人员 is
 * a head count that ends the year at 34 (some townships fill a post during the year).
 */
export function planTownshipCounts(
  rng: Prng,
  townships: readonly SampleUnit[],
  hazards: readonly Hazard[],
  cases: readonly PenaltyCase[],
  jointInspections: number,
): YearCounts {
  const counts: YearCounts = new Map(townships.map((t) => [t.name, emptyYear(t1Fields)]));
  for (const t of townships)
    countHazards(
      counts.get(t.name)!,
      hazards.filter((h) => h.unit === t.name),
      'hazards_found',
      'hazards_rectified',
    );
  for (const c of cases) {
    const field = caseFields[`${c.enforcementType}|${c.procedure}`];
    if (field) counts.get(c.unit)![monthOfDate(c.decisionDate) - 1]![field]! += 1;
  }

  const cells = townships.flatMap((t) => counts.get(t.name)!.map((m) => m));
  const inspected = apportion(
    townshipTargets.units_inspected,
    jitter(
      rng,
      cells.map((m) => m['hazards_found'] ?? 0),
      0.15,
    ),
  );
  cells.forEach((m, i) => {
    m['units_inspected'] = inspected[i] ?? 0;
  });
  const joint = scatter(
    rng,
    jointInspections,
    townships.flatMap((t) => monthActivity.map((a) => a * t.weight)),
  );
  cells.forEach((m, i) => {
    m['joint_inspections'] = joint[i] ?? 0;
  });

  // Posts at year end: the larger townships have two, the others one (34 over 22).
  const twoPosts = townshipTargets.fire_staff - townships.length;
  const bySize = [...townships].sort((a, b) => b.weight - a.weight || (a.name < b.name ? -1 : 1));
  for (const t of townships) {
    const final = bySize.indexOf(t) < twoPosts ? 2 : 1;
    const hiredLate = rng.chance(0.3);
    const from = hiredLate ? rng.int(2, 10) : 1;
    counts.get(t.name)!.forEach((m, i) => {
      m['fire_staff'] = i + 1 >= from ? final : final - 1;
    });
  }
  return counts;
}

const investigationActivity = [1.4, 1.5, 1.1, 0.9, 0.8, 0.8, 0.9, 0.9, 0.8, 0.9, 1.1, 1.3];
const publicityActivity = [0.6, 0.5, 0.8, 0.8, 0.9, 2.0, 0.7, 0.7, 0.9, 0.9, 3.0, 1.0];

/**
 * The bureau units' B1 counts per month. 防火监督科's hazards and major hazards follow its L2,
 * 法制科's penalties follow the bureau's L1; every other figure is apportioned over the months.
 */
export function planBureauCounts(rng: Prng, hazards: readonly Hazard[], cases: readonly PenaltyCase[]): YearCounts {
  const fields = Object.keys(bureauTargets);
  const counts: YearCounts = new Map(Object.values(bureauRoles).map((name) => [name, emptyYear(fields)]));
  const supervision = counts.get(bureauRoles.supervision)!;
  const investigation = counts.get(bureauRoles.investigation)!;
  const legal = counts.get(bureauRoles.legal)!;
  const publicity = counts.get(bureauRoles.publicity)!;
  const spread = (target: MonthCounts[], field: string, total: number, weights: readonly number[], smooth = true) => {
    const parts = smooth ? apportion(total, jitter(rng, weights, 0.2)) : scatter(rng, total, weights);
    parts.forEach((n, i) => {
      target[i]![field] = n;
    });
  };

  countHazards(supervision, hazards, 'hazards_found', 'hazards_rectified');
  countHazards(
    supervision,
    hazards.filter((h) => h.major),
    'major_hazard_notices',
    'major_hazards_rectified',
  );
  spread(supervision, 'officers_deployed', bureauTargets.officers_deployed - investigationOfficers, monthActivity);
  spread(supervision, 'inspections', bureauTargets.inspections, monthActivity);
  spread(supervision, 'correction_notices', bureauTargets.correction_notices, monthActivity);
  spread(supervision, 'complaints_handled', bureauTargets.complaints_handled, monthActivity);
  spread(supervision, 'licences', bureauTargets.licences, monthActivity);
  spread(supervision, 'three_stops', bureauTargets.three_stops, monthActivity, false);
  spread(supervision, 'seals', bureauTargets.seals, monthActivity, false);

  spread(investigation, 'officers_deployed', investigationOfficers, investigationActivity);
  spread(investigation, 'fire_investigations_general', bureauTargets.fire_investigations_general, investigationActivity, false);
  spread(investigation, 'fire_investigations_simple', bureauTargets.fire_investigations_simple, investigationActivity);
  spread(investigation, 'fire_investigations_minor', bureauTargets.fire_investigations_minor, investigationActivity);
  spread(investigation, 'case_transfers', bureauTargets.case_transfers, investigationActivity, false);

  for (const c of cases) legal[monthOfDate(c.decisionDate) - 1]!['penalties']! += 1;
  for (const m of rng.shuffle([3, 4, 5, 6, 8, 9, 10, 11]).slice(0, bureauTargets.trainings)) legal[m - 1]!['trainings'] = 1;

  // 宣传教育 is counted in tens of people.
  apportion(bureauTargets.publicity_people / 10, jitter(rng, publicityActivity, 0.15)).forEach((n, i) => {
    publicity[i]!['publicity_people'] = n * 10;
  });
  return counts;
}
