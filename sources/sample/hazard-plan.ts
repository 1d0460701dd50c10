import type { IsoDate } from '../../domain/dates.js';
import { apportionWithMinimum, jitter } from './apportion.js';
import { addDays, daysBetween, isoDate, monthOfDate, randomWorkday } from './calendar.js';
import { hazardText, majorHazardCategory, majorHazardDescription } from './fire-vocabulary.js';
import type { Prng } from './prng.js';
import type { Hazard, SampleUnit } from './sample-records.js';

/** Relative inspection activity by month: 春节 in February, 安全生产月 in June, 119 宣传月 in November. */
export const monthActivity = [0.75, 0.6, 0.95, 1.0, 1.0, 1.1, 1.0, 0.95, 1.0, 1.0, 1.2, 1.05] as const;

/** What to generate for a group of units (the 22 townships, or the bureau's supervision unit). */
export interface HazardPlanInput {
  readonly year: number;
  readonly units: readonly SampleUnit[];
  /** Fictitious inspected entities by unit name. */
  readonly entities: ReadonlyMap<string, readonly string[]>;
  readonly found: number;
  readonly rectified: number;
  /** 重大火灾隐患 among them (bureau), and how many of those were rectified. */
  readonly major?: { readonly found: number; readonly rectified: number };
  /** First id to give. */
  readonly firstId: number;
}

const visitSizes = [
  [1, 5],
  [2, 3],
  [3, 1.5],
  [4, 0.5],
] as const;

/**
 * Generates every hazard found in the year: per unit and month as the weights say, in inspection
 * visits of one to four hazards at one entity on one working day; then decides which were
 * rectified (exactly `rectified` of them, all within the year and never before they were found)
 * and when. The ones left open are mostly the latest found, plus a few long-overdue ones.
 */
export function planHazards(rng: Prng, input: HazardPlanInput): Hazard[] {
  const { year } = input;
  const perUnit = apportionWithMinimum(
    input.found,
    input.units.map((u) => u.weight),
    12,
  );
  const hazards: Hazard[] = [];
  let id = input.firstId;
  input.units.forEach((unit, u) => {
    const pool = input.entities.get(unit.name) ?? [];
    const perMonth = apportionWithMinimum(perUnit[u] ?? 0, jitter(rng, monthActivity, 0.25), 1);
    const keys = new Set<string>();
    perMonth.forEach((count, m) => {
      let left = count;
      while (left > 0) {
        const size = Math.min(left, rng.weighted(visitSizes));
        const date = randomWorkday(rng, year, m + 1);
        const entity = rng.pick(pool);
        for (let k = 0; k < size; k++) {
          let text = hazardText(rng);
          let key = `${date}|${entity}|${text.description}`;
          for (let tries = 0; keys.has(key) && tries < 50; tries++) {
            text = hazardText(rng);
            key = `${date}|${entity}|${text.description}`;
          }
          if (keys.has(key)) throw new Error(`could not find a distinct hazard for ${unit.name} on ${date}`);
          keys.add(key);
          const deadline = addDays(date, rng.pick([3, 7, 7, 15, 15, 30]));
          hazards.push({ id: id++, unit: unit.name, inspectionDate: date, entity, ...text, deadline, rectifiedDate: null, major: false });
        }
        left -= size;
      }
    });
  });
  hazards.sort((a, b) => (a.inspectionDate < b.inspectionDate ? -1 : a.inspectionDate > b.inspectionDate ? 1 : a.id - b.id));

  const open = new Set<Hazard>();
  let openLeft = input.found - input.rectified;
  const yearEnd = isoDate(year, 12, 31);
  if (input.major) {
    const majors = pickMajors(rng, hazards, input.major.found);
    majors.forEach((h, i) => {
      const replaced: Hazard = {
        ...h,
        category: majorHazardCategory,
        description: majorHazardDescription(i),
        deadline: addDays(h.inspectionDate, 90),
        major: true,
      };
      hazards[hazards.indexOf(h)] = replaced;
      if (i >= input.major!.rectified) {
        open.add(replaced);
        openLeft--;
      }
    });
  }
  // A few hazards from the first three quarters are still open at year end (逾期未改).
  const early = rng.shuffle(hazards.filter((h) => !open.has(h) && !h.major && monthOfDate(h.inspectionDate) <= 9));
  const overdue = Math.round(openLeft * 0.05);
  for (const h of early.slice(0, overdue)) open.add(h);
  openLeft -= overdue;
  const scored = hazards
    .filter((h) => !open.has(h) && !h.major)
    .map((h) => ({ h, score: daysBetween(isoDate(year, 1, 1), h.inspectionDate) + rng.next() * 75 }))
    .sort((a, b) => b.score - a.score || a.h.id - b.h.id);
  for (const { h } of scored.slice(0, openLeft)) open.add(h);

  for (const h of hazards) {
    if (open.has(h)) continue;
    const allowed = daysBetween(h.inspectionDate, h.deadline);
    const lag = h.major ? rng.int(20, 60) : rng.chance(0.25) ? 0 : Math.max(1, rng.int(1, allowed + rng.int(-2, 10)));
    const done = addDays(h.inspectionDate, lag);
    h.rectifiedDate = done <= yearEnd ? done : addDays(h.inspectionDate, rng.int(0, daysBetween(h.inspectionDate, yearEnd)));
  }
  return hazards;
}

/** Major hazards are found across the year; the last one found is the one still open. */
function pickMajors(rng: Prng, hazards: readonly Hazard[], count: number): Hazard[] {
  if (count === 0) return [];
  const months = rng
    .shuffle([1, 2, 3, 4, 5, 6, 7, 8, 9])
    .slice(0, count - 1)
    .sort((a, b) => a - b);
  const out: Hazard[] = [];
  for (const month of months) {
    const candidate = rng.shuffle(hazards.filter((h) => monthOfDate(h.inspectionDate) === month))[0];
    if (candidate) out.push(candidate);
  }
  const late = rng.shuffle(hazards.filter((h) => monthOfDate(h.inspectionDate) === 11));
  if (late[0]) out.push(late[0]);
  return out;
}

/** The status a hazard had at the end of a day: rectified on or before it, or still open. */
export function rectifiedBy(h: Hazard, day: IsoDate): boolean {
  return h.rectifiedDate !== null && h.rectifiedDate <= day;
}
