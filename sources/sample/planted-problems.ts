import type { TownshipProfile } from './clerk-profiles.js';
import type { Prng } from './prng.js';

/**
 * Which township plants which file-level problem. Every problem goes to a different township,
 * so that each shows up on its own in the 调度 views. None changes the year's accepted totals.
 */
export interface FilePlants {
  /** T1 发现火灾隐患 disagrees with L2: +delta in Q2, −delta in Q3 (the year's total stays right). */
  readonly disagreement: { readonly township: string; readonly delta: number };
  /** Q3 files (T1, L1, L2) arrive after the due date. */
  readonly late: { readonly township: string; readonly quarter: number };
  /** Q1 T1 sent with wrong numbers, then a corrected T1 replaces it. */
  readonly resubmission: { readonly township: string; readonly quarter: number };
  /** Q2 T1 with `待统计` in a count cell: refused, then sent again corrected. */
  readonly textInCount: { readonly township: string; readonly quarter: number; readonly field: string; readonly text: string };
  /** Q3 T1 whose title names another township (a copied template): refused, then corrected. */
  readonly unitConflict: { readonly township: string; readonly other: string; readonly quarter: number };
  /** Q4 L2 workbook cut short in transfer (a truncated zip): refused, then sent again. */
  readonly damaged: { readonly township: string; readonly quarter: number };
  /** Q2 L1 sent twice under two names, same bytes. */
  readonly duplicate: { readonly township: string; readonly quarter: number };
  /** A monthly T1 whose 合计 row does not add up (a warning; the rows are loaded). */
  readonly wrongTotal: { readonly township: string; readonly quarter: number; readonly field: string; readonly delta: number };
  /** An L2 with a column the form does not have (a warning; the column is ignored). */
  readonly extraColumn: { readonly township: string; readonly quarter: number; readonly header: string; readonly values: readonly string[] };
}

/** Chooses the townships for each planted problem, respecting what each needs (an xlsx ledger, monthly rows). */
export function chooseFilePlants(rng: Prng, profiles: readonly TownshipProfile[]): FilePlants {
  const taken = new Set<string>();
  const take = (ok: (p: TownshipProfile) => boolean): TownshipProfile => {
    const found = rng.shuffle(profiles).find((p) => !taken.has(p.unit.name) && ok(p)) ?? rng.shuffle(profiles).find((p) => !taken.has(p.unit.name));
    if (!found) throw new Error('not enough townships for the planted problems');
    taken.add(found.unit.name);
    return found;
  };
  const damaged = take((p) => p.ledgerFormat.startsWith('xlsx'));
  const wrongTotal = take((p) => p.t1Style.rows === 'monthly' && p.t1Format !== 'xlsx-export');
  const unitConflict = take((p) => p.t1Format !== 'xlsx-export');
  const other = profiles.find((p) => !taken.has(p.unit.name) && p.unit.name.endsWith(unitConflict.unit.name.slice(-1)));
  const textInCount = take(() => true);
  const resubmission = take(() => true);
  const late = take(() => true);
  const disagreement = take(() => true);
  const duplicate = take(() => true);
  const extraColumn = take((p) => p.ledgerFormat !== 'xlsx-export');
  return {
    disagreement: { township: disagreement.unit.name, delta: 3 },
    late: { township: late.unit.name, quarter: 3 },
    resubmission: { township: resubmission.unit.name, quarter: 1 },
    textInCount: { township: textInCount.unit.name, quarter: 2, field: 'joint_inspections', text: '待统计' },
    unitConflict: { township: unitConflict.unit.name, other: (other ?? profiles.find((p) => p !== unitConflict)!).unit.name, quarter: 3 },
    damaged: { township: damaged.unit.name, quarter: 4 },
    duplicate: { township: duplicate.unit.name, quarter: 2 },
    wrongTotal: { township: wrongTotal.unit.name, quarter: 4, field: 'units_inspected', delta: 10 },
    extraColumn: { township: extraColumn.unit.name, quarter: 2, header: '隐患来源', values: ['日常检查', '双随机抽查', '举报投诉', '专项检查'] },
  };
}
