import type { IsoDate } from '../../domain/dates.js';
import type { Period } from '../../domain/periods.js';
import { addDays, officeHours, periodEnd, shanghaiDay } from './calendar.js';
import type { Prng } from './prng.js';
import type { Hazard } from './sample-records.js';
import type { FileFormat, WorkbookDoc } from './sheet-doc.js';

/** The forms of the sample. */
export type FormCode = 'T1' | 'B1' | 'L1' | 'L2' | 'R1';

/** What the pipeline should make of a file. */
export type ExpectedStatus = 'loaded' | 'replaced' | 'rejected' | 'unchanged';

/** One file of the inbox, composed but not yet written. */
export interface PlannedFile {
  /** Relative path in the inbox, `/`-separated. */
  readonly path: string;
  /** Official name of the sending unit. */
  readonly unit: string;
  readonly form: FormCode;
  readonly period: Period;
  readonly format: FileFormat;
  readonly receivedAt: Date;
  readonly doc: WorkbookDoc;
  /** Data rows in the file. */
  readonly rows: number;
  /** What the file plants (`refused:text-in-count`, `late`, `superseded`, `resubmission`, …). */
  readonly plants: string[];
  readonly expected: ExpectedStatus;
  /** The bytes are cut short after writing (a damaged transfer). */
  readonly truncate?: boolean;
  /** The file repeats another file's bytes exactly (the path of that file). */
  readonly sameBytesAs?: string;
}

/** The day a sheet was filled in: a day or two before it was sent, never before the period ended. */
export function filledOn(rng: Prng, sent: Date, year: number, toMonth: number): IsoDate {
  const day = addDays(shanghaiDay(sent), -rng.int(0, 2));
  const earliest = addDays(periodEnd(year, toMonth), 1);
  // biome-ignore lint/complexity/useMathMinMax: ISO dates as text (`YYYY-MM-DD`); Math.max would make them NaN
  return day < earliest ? earliest : day;
}

/** An office-hours time a few days after `sent` (a resubmission, a second copy). */
export function later(rng: Prng, sent: Date, minDays: number, maxDays: number): Date {
  return officeHours(rng, addDays(shanghaiDay(sent), rng.int(minDays, maxDays)));
}

/** Hazards a ledger lists at a quarter's end, in inspection order. */
export function ledgerHazards(all: readonly Hazard[], resend: 'carry-open' | 'cumulative', quarterStart: IsoDate, quarterEnd: IsoDate): Hazard[] {
  return all.filter((h) => {
    if (h.inspectionDate > quarterEnd) return false;
    if (h.inspectionDate >= quarterStart || resend === 'cumulative') return true;
    // carry-open: found earlier and still open when the quarter began.
    return h.rectifiedDate === null || h.rectifiedDate >= quarterStart;
  });
}
