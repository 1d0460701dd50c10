import { quarterOfDate } from './calendar.js';
import { reviewFindings } from './fire-vocabulary.js';
import type { Prng } from './prng.js';
import type { CaseReview, PenaltyCase, ReviewResult } from './sample-records.js';

const problemTypes = ['文书填写不全面', '调查取证资料不规范', '执法程序不规范', '其他'] as const;

/**
 * 法制科's quarterly case-file review: about a quarter of the townships' cases decided in the
 * quarter, at most two per township, always including cases that carry a planted breach (which
 * the reviewers find).
 */
export function planReviews(rng: Prng, townshipCases: readonly PenaltyCase[]): CaseReview[] {
  const reviews: CaseReview[] = [];
  for (const quarter of [1, 2, 3, 4]) {
    const inQuarter = townshipCases.filter((c) => quarterOfDate(c.decisionDate) === quarter);
    const wanted = Math.round(inQuarter.length * 0.25);
    const chosen: PenaltyCase[] = inQuarter.filter((c) => c.plant !== undefined);
    const perUnit = new Map<string, number>();
    for (const c of chosen) perUnit.set(c.unit, (perUnit.get(c.unit) ?? 0) + 1);
    for (const c of rng.shuffle(inQuarter)) {
      if (chosen.length >= wanted) break;
      if (chosen.includes(c) || (perUnit.get(c.unit) ?? 0) >= 2) continue;
      chosen.push(c);
      perUnit.set(c.unit, (perUnit.get(c.unit) ?? 0) + 1);
    }
    chosen.sort((a, b) => (a.caseNo < b.caseNo ? -1 : 1));
    for (const c of chosen) reviews.push(review(rng, c, quarter));
  }
  return reviews;
}

function review(rng: Prng, c: PenaltyCase, quarter: number): CaseReview {
  if (c.plant === 'breach:over-cap-fine') {
    return {
      caseNo: c.caseNo,
      unit: c.unit,
      quarter,
      result: '不合格',
      problems: ['执法程序不规范', '文书填写不全面'],
      description: `适用简易程序对个人当场罚款${c.fine ?? 0}元，超过《行政处罚法》第五十一条规定的二百元上限；处罚决定书未写明履行方式和期限`,
    };
  }
  const result = rng.weighted<ReviewResult>([
    ['合格', 55],
    ['基本合格', 33],
    ['不合格', 12],
  ]);
  // A file that passes may still carry a minor remark; a procedural or evidence fault fails it.
  const problems: string[] =
    result === '合格'
      ? rng.chance(0.2)
        ? [rng.pick(['文书填写不全面', '其他'])]
        : []
      : rng.shuffle(problemTypes.slice(0, 3)).slice(0, result === '基本合格' ? rng.int(1, 2) : rng.int(2, 3));
  if (result !== '合格' && rng.chance(0.1)) problems.push('其他');
  const ordered = problemTypes.filter((p) => problems.includes(p));
  const description = ordered.map((p) => rng.pick(reviewFindings[p] ?? [''])).join('；');
  return { caseNo: c.caseNo, unit: c.unit, quarter, result, problems: ordered, description };
}
