/**
 * Excel date serials, the one converter between them and dates (readers, formulas, the domain's
 * date parsing, the sample workbooks): a serial becomes a `Date` whose UTC fields are the
 * wall-clock value. Pure arithmetic on milliseconds, so the machine's time zone never leaks in.
 */

const MS_PER_DAY = 86_400_000;
/** Serial of 1970-01-01 in the 1900 system (valid from 1900-03-01, serial 61, on). */
const UNIX_EPOCH_1900 = 25_569;
/** Days between the 1900 and 1904 epochs. */
const DAYS_1904 = 1_462;
/** 9999-12-31, the last day Excel can show. */
const MAX_SERIAL = 2_958_465;

/**
 * Converts a serial to a wall-clock `Date` in UTC fields. 1900 system: serial 1 is 1900-01-01 and
 * Excel's phantom 1900-02-29 (serial 60) is folded onto 02-28; times of day alone (serial < 1) sit
 * on 1899-12-30 like every other reader. Returns undefined outside Excel's calendar.
 */
export function serialToDate(serial: number, date1904: boolean): Date | undefined {
  if (!Number.isFinite(serial) || serial < 0 || serial > MAX_SERIAL) return undefined;
  let days: number;
  if (date1904) days = serial + DAYS_1904 - UNIX_EPOCH_1900;
  else if (serial >= 1 && serial < 60) days = serial - (UNIX_EPOCH_1900 - 1);
  else days = serial - UNIX_EPOCH_1900;
  return new Date(Math.round(days * MS_PER_DAY));
}

/**
 * The serial of a wall-clock `Date` (UTC fields), the inverse of {@link serialToDate}: formulas
 * compute on serials. 1900 system: dates before 1900-03-01 step over the phantom 1900-02-29;
 * times of day alone (1899-12-30) stay below 1.
 */
export function dateToSerial(date: Date, date1904: boolean): number {
  const days = date.getTime() / MS_PER_DAY;
  if (date1904) return days + UNIX_EPOCH_1900 - DAYS_1904;
  const serial = days + UNIX_EPOCH_1900;
  return serial >= 1 && serial < 61 ? serial - 1 : serial;
}
