import { townshipStatsForm } from '../../domain/forms/index.js';
import { percentText } from '../rates.js';

/** One township's place on one indicator, as `township_ranking` gives it. */
interface RankEntry {
  readonly unit: string;
  readonly value: number | null;
  /** 1 is best; units with the same value share a rank; `null`: no value this quarter. */
  readonly rank: number | null;
}

/** One indicator's ranking, as the 通报 document carries it. */
export interface IndicatorRanking {
  readonly indicator: string;
  readonly label: string;
  readonly better: 'higher' | 'lower';
  readonly entries: readonly RankEntry[];
}

/** Units sharing one rank (one value). */
interface RankGroup {
  readonly rank: number;
  readonly value: number;
  readonly units: readonly string[];
}

/**
 * More tied units than this are counted (`其余 17 个镇街`), not named: a sentence naming seventeen
 * townships tells a reader nothing the count does not.
 */
export const maxNamedTies = 6;

/** At least this many units are shown at each end of a ranking (whole tie groups, so maybe more). */
const endSize = 3;

/** The ranked units grouped by rank, best first. The order inside a group is the document's. */
function rankGroups(entries: readonly RankEntry[]): RankGroup[] {
  const groups = new Map<number, { rank: number; value: number; units: string[] }>();
  for (const e of entries) {
    if (e.rank === null || e.value === null) continue;
    const g = groups.get(e.rank) ?? { rank: e.rank, value: e.value, units: [] };
    g.units.push(e.unit);
    groups.set(e.rank, g);
  }
  return [...groups.values()].sort((a, b) => a.rank - b.rank);
}

/**
 * How one indicator is told:
 * - `ranked`: the groups at the top (`head`) and at the bottom (`tail`), whole tie groups, never
 *   the same group in both and never the first rank among the last; `complete` when the two
 *   together are every ranked unit (then the sentence lists them all, in order);
 * - `equal`: every ranked unit has the same value — nothing separates them, so no ranking;
 * - `single`: only one unit has a value; `none`: no unit has one.
 */
export type RankingPlan =
  | {
      readonly kind: 'ranked';
      readonly head: readonly RankGroup[];
      readonly tail: readonly RankGroup[];
      readonly complete: boolean;
      readonly unranked: readonly string[];
    }
  | { readonly kind: 'equal'; readonly group: RankGroup; readonly unranked: readonly string[] }
  | { readonly kind: 'single'; readonly group: RankGroup; readonly unranked: readonly string[] }
  | { readonly kind: 'none'; readonly unranked: readonly string[] };

export function planRanking(r: IndicatorRanking): RankingPlan {
  const groups = rankGroups(r.entries);
  const unranked = r.entries.filter((e) => e.rank === null || e.value === null).map((e) => e.unit);
  const ranked = groups.reduce((a, g) => a + g.units.length, 0);
  if (groups.length === 0) return { kind: 'none', unranked };
  if (ranked === 1) return { kind: 'single', group: groups[0]!, unranked };
  if (groups.length === 1) return { kind: 'equal', group: groups[0]!, unranked };
  const head: RankGroup[] = [];
  let i = 0;
  while (i < groups.length && head.reduce((a, g) => a + g.units.length, 0) < endSize) head.push(groups[i++]!);
  // The last groups, never one already at the top (so the first rank is never among the last).
  const tail: RankGroup[] = [];
  let j = groups.length - 1;
  while (j >= i && tail.reduce((a, g) => a + g.units.length, 0) < endSize) tail.unshift(groups[j--]!);
  return { kind: 'ranked', head, tail, complete: j < i, unranked };
}

const unitOf = (id: string) => townshipStatsForm.fields.find((f) => f.id === id)?.unit ?? '';

/** The unit an indicator is counted in, from the form (`家`, `起`); `个/份` for problems per case file; none for rates. */
export function indicatorUnit(indicator: string): string {
  if (indicator === 'problems_per_case') return '个/份';
  if (indicator === 'inspections') return unitOf('units_inspected');
  if (indicator === 'cases') return unitOf('empowered_general_cases');
  return '';
}

/** An indicator's number without its unit: rates with `percentText` (rounded once, as everywhere), averages to two decimals at most. */
export function indicatorNumber(indicator: string, value: number | null): string {
  if (value === null) return '—';
  if (indicator.endsWith('_rate')) return percentText(value);
  if (indicator === 'problems_per_case') return String(Number(value.toFixed(2)));
  return String(value);
}

/** An indicator's value as the 通报 writes it: `140 家`, `9 起`, `96.9%`, `1.5 个/份`. */
export function indicatorValue(indicator: string, value: number | null): string {
  const unit = value === null ? '' : indicatorUnit(indicator);
  return `${indicatorNumber(indicator, value)} ${unit}`.trim();
}

/** The indicator's name in the body, with the direction where lower is better. */
export function indicatorLabel(r: Pick<IndicatorRanking, 'indicator' | 'label' | 'better'>): string {
  if (r.indicator === 'problems_per_case') return '被评查案卷平均问题数（问题少者在前）';
  return r.better === 'lower' ? `${r.label}（数值小者在前）` : r.label;
}

/** `龙溪街道（140 家，第 1 名）`, `A、B（均为 122 家，并列第 2 名）`, `其余 17 个镇街（均为 100.0%，并列第 1 名）`. */
function groupText(indicator: string, g: RankGroup, rest = false): string {
  const v = indicatorValue(indicator, g.value);
  if (g.units.length === 1) return `${g.units[0]}（${v}，第 ${g.rank} 名）`;
  const who = g.units.length > maxNamedTies ? `${rest ? '其余' : ''} ${g.units.length} 个镇街` : g.units.join('、');
  return `${who}（均为 ${v}，并列第 ${g.rank} 名）`;
}

/** What a township without a value did not have. */
function noValue(indicator: string): string {
  if (indicator === 'problems_per_case') return '本季度没有被评查的案卷';
  if (indicator === 'rectification_rate') return '年初至今未发现火灾隐患';
  return '本季度无数据';
}

function unrankedText(indicator: string, unranked: readonly string[]): string {
  if (unranked.length === 0) return '';
  const who = unranked.length > maxNamedTies ? `另有 ${unranked.length} 个镇街` : `${unranked.join('、')}`;
  return `${who}${noValue(indicator)}，不参加排名。`;
}

/**
 * The ranking sentence of one indicator, or `null` when nothing separates the units (all equal, one
 * or no unit with a value) — such an indicator is left out of the ranking and told by
 * {@link unrankedSentence}. Every tie is named whole or counted; the first rank is never among the
 * last; a unit is never both at the top and at the bottom.
 */
export function rankingSentence(r: IndicatorRanking): string | null {
  const plan = planRanking(r);
  if (plan.kind !== 'ranked') return null;
  const label = indicatorLabel(r);
  const tail = unrankedText(r.indicator, plan.unranked);
  if (plan.complete) {
    const groups = [...plan.head, ...plan.tail];
    // A counted group of "the others" reads last: `A（…），B（…），其余 17 个镇街（…）`.
    const counted = groups.filter((g) => g.units.length > maxNamedTies);
    const ordered = counted.length === 1 ? [...groups.filter((g) => g !== counted[0]), counted[0]!] : groups;
    return `${label}：${ordered.map((g) => groupText(r.indicator, g, counted.length === 1 && g === counted[0])).join('，')}。${tail}`;
  }
  return `${label}：排名靠前的是${plan.head.map((g) => groupText(r.indicator, g)).join('，')}；排名靠后的是${plan.tail.map((g) => groupText(r.indicator, g)).join('，')}。${tail}`;
}

/** `22 个镇街均按时报送`: an indicator on which nothing separates the townships, said once. */
export function unrankedSentence(r: IndicatorRanking): string | null {
  const plan = planRanking(r);
  const missing = unrankedText(r.indicator, plan.unranked);
  switch (plan.kind) {
    case 'ranked':
      return null;
    case 'none':
      return `${r.label}：各镇街${noValue(r.indicator)}，不作排名。`;
    case 'single': {
      const g = plan.group;
      return `${indicatorLabel(r)}：仅${g.units[0]}有数据（${indicatorValue(r.indicator, g.value)}），不作排名；${missing.replace(/^另有 /, '其余 ')}`;
    }
    case 'equal': {
      const g = plan.group;
      const n = `${g.units.length} 个镇街`;
      let said: string;
      if (r.indicator === 'on_time_rate' && g.value === 1) said = `${n}均按时报送`;
      else if (r.indicator === 'on_time_rate' && g.value === 0) said = `${n}均未按时报送`;
      else if (r.indicator === 'problems_per_case' && g.value === 0) said = `${n}被评查的案卷均未发现问题`;
      else if (r.indicator === 'cases' && g.value === 0) said = `${n}本季度均未办理案件`;
      else said = `${n}${r.label}均为 ${indicatorValue(r.indicator, g.value)}`;
      return `${said}，${r.label}不作排名。${missing}`;
    }
  }
}
