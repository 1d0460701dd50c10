import type { IsoDate } from '../../domain/dates.js';

/** The real-world records behind the sample: what happened in the year, before anyone fills a form. */

/** A reporting unit as the sample writes it. */
export interface SampleUnit {
  /** Official name in the registry: `龙兴镇`. */
  readonly name: string;
  /** Short name people write: `龙兴`. */
  readonly short: string;
  /** Long name used in titles: `渝北区龙兴镇`. */
  readonly long: string;
  readonly kind: 'township' | 'bureau';
  /** Relative size of the unit's workload. */
  readonly weight: number;
}

/** One fire hazard found in an inspection (L2 row). */
export interface Hazard {
  readonly id: number;
  readonly unit: string;
  readonly inspectionDate: IsoDate;
  readonly entity: string;
  readonly category: string;
  readonly description: string;
  readonly deadline: IsoDate;
  /** When it was rectified (as finally recorded), or null when still open at year end. */
  rectifiedDate: IsoDate | null;
  /** 重大火灾隐患 (bureau only). */
  major: boolean;
  /** A planted breach on this record. */
  plant?: string;
}

export type EnforcementType = '赋权执法' | '委托执法' | '本级执法';
export type Procedure = '一般程序' | '简易程序';

/** One administrative penalty case (L1 row). */
export interface PenaltyCase {
  caseNo: string;
  readonly unit: string;
  readonly enforcementType: EnforcementType;
  readonly procedure: Procedure;
  readonly party: string;
  readonly partyType: '单位' | '个人';
  readonly violation: string;
  readonly filedDate: IsoDate;
  readonly decisionDate: IsoDate;
  penaltyKind: string;
  /** 元; null for a warning without fine. */
  fine: number | null;
  readonly legalReview: boolean;
  readonly collectiveDiscussion: boolean;
  readonly publicized: boolean;
  plant?: string;
}

export type ReviewResult = '合格' | '基本合格' | '不合格';

/** One case file reviewed by 法制科 (R1 row). */
export interface CaseReview {
  readonly caseNo: string;
  readonly unit: string;
  readonly quarter: number;
  readonly result: ReviewResult;
  readonly problems: readonly string[];
  readonly description: string;
}

/** A form's counts for one unit and month, by field id. */
export type MonthCounts = Record<string, number>;
