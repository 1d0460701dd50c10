import type { IsoDate } from '../../domain/dates.js';
import type { Prng } from './prng.js';

/**
 * Calendar arithmetic for the sample on plain `YYYY-MM-DD` strings (wall dates in Asia/Shanghai),
 * and the instants files arrive at.
 */

const dayMs = 86_400_000;

/** `2024-03-05` from its parts. */
export function isoDate(year: number, month: number, day: number): IsoDate {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function toUtc(date: IsoDate): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
}

function fromUtc(ms: number): IsoDate {
  const d = new Date(ms);
  return isoDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

export function addDays(date: IsoDate, days: number): IsoDate {
  return fromUtc(toUtc(date) + days * dayMs);
}

/** Whole days from `a` to `b` (positive when `b` is later). */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  return Math.round((toUtc(b) - toUtc(a)) / dayMs);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function monthOfDate(date: IsoDate): number {
  return Number(date.slice(5, 7));
}

export function quarterOfDate(date: IsoDate): number {
  return Math.floor((monthOfDate(date) - 1) / 3) + 1;
}

/** Months 1–3, 4–6, … of a quarter. */
export function monthsOfQuarter(quarter: number): number[] {
  return [quarter * 3 - 2, quarter * 3 - 1, quarter * 3];
}

function isWeekend(date: IsoDate): boolean {
  const dow = new Date(toUtc(date)).getUTCDay();
  return dow === 0 || dow === 6;
}

/** The working days (Monday–Friday) of a month. */
function workdays(year: number, month: number): IsoDate[] {
  const out: IsoDate[] = [];
  for (let d = 1; d <= daysInMonth(year, month); d++) {
    const date = isoDate(year, month, d);
    if (!isWeekend(date)) out.push(date);
  }
  return out;
}

/** A random working day of a month, optionally not before `from`. */
export function randomWorkday(rng: Prng, year: number, month: number, from?: IsoDate): IsoDate {
  const days = workdays(year, month).filter((d) => from === undefined || d >= from);
  return days.length ? rng.pick(days) : (from ?? isoDate(year, month, 1));
}

/** The first working day on or after `date`. */
export function nextWorkday(date: IsoDate): IsoDate {
  let d = date;
  while (isWeekend(d)) d = addDays(d, 1);
  return d;
}

/** An instant given as Asia/Shanghai wall-clock time (UTC+8, no daylight saving). */
function shanghaiInstant(date: IsoDate, hour: number, minute: number, second = 0): Date {
  return new Date(toUtc(date) + ((hour - 8) * 3600 + minute * 60 + second) * 1000);
}

/** `2024-04-08T10:12:00+08:00` — how the manifest writes an instant. */
export function shanghaiIso(instant: Date): string {
  return `${new Date(instant.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 19)}+08:00`;
}

/** Last day of a period's last month. */
export function periodEnd(year: number, toMonth: number): IsoDate {
  return isoDate(year, toMonth, daysInMonth(year, toMonth));
}

/** The due date of a period: the `dueDays`-th day after it ends (quarter or month), end of that day. */
export function dueInstant(year: number, toMonth: number, dueDays = 10): Date {
  return shanghaiInstant(addDays(periodEnd(year, toMonth), dueDays), 23, 59, 59);
}

/** An office-hours arrival on a working day between `minDays` and `maxDays` days after a period ends. */
export function arrivalBetween(rng: Prng, year: number, toMonth: number, minDays: number, maxDays: number): Date {
  const end = periodEnd(year, toMonth);
  const days: IsoDate[] = [];
  for (let d = minDays; d <= maxDays; d++) {
    const day = addDays(end, d);
    if (!isWeekend(day)) days.push(day);
  }
  const day = days.length ? rng.pick(days) : addDays(end, maxDays);
  return officeHours(rng, day);
}

/** A time during office hours on `day`. */
export function officeHours(rng: Prng, day: IsoDate): Date {
  return shanghaiInstant(day, rng.pick([8, 9, 9, 10, 10, 11, 14, 15, 15, 16, 17]), rng.int(0, 59), rng.int(0, 59));
}

/** The Asia/Shanghai calendar date of an instant. */
export function shanghaiDay(instant: Date): IsoDate {
  return shanghaiIso(instant).slice(0, 10);
}
