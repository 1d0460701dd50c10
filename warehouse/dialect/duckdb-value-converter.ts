import {
  arrayFromArrayValue,
  arrayFromListValue,
  booleanFromValue,
  bytesFromBitValue,
  bytesFromBlobValue,
  bytesFromGeometryValue,
  createDuckDBValueConverter,
  DuckDBTypeId,
  fromVariantValue,
  nullConverter,
  numberFromValue,
  objectArrayFromMapValue,
  objectFromStructValue,
  objectFromUnionValue,
  stringFromValue,
  unsupportedConverter,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBIntervalValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
} from '@duckdb/node-api';
import type { DuckDBValue, DuckDBValueConverter } from '@duckdb/node-api';

/**
 * A plain JavaScript value produced for one result cell.
 *
 * See {@link duckDBRowValueConverter} for which DuckDB type becomes which shape.
 */
export type DuckDBRowValue = null | boolean | number | bigint | string | Uint8Array | Date | DuckDBRowValue[] | { [key: string]: DuckDBRowValue };

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** JS `Date` covers ±8.64e15 ms around the epoch; anything beyond cannot be a `Date`. */
const MAX_DATE_MILLIS = 8_640_000_000_000_000n;

/**
 * BIGINT-family values become `number` when exactly representable, `bigint` otherwise.
 *
 * Counts, sums and surrogate keys are BIGINT in DuckDB (`count(*)` is BIGINT), and a
 * `bigint` there would leak into every dashboard and `JSON.stringify`. Returning a
 * rounded `number` for the rare huge value would silently corrupt it, so those keep
 * their exact `bigint`.
 */
function numberOrBigintFromValue(value: DuckDBValue): number | bigint {
  if (typeof value === 'bigint') {
    return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value;
  }

  if (typeof value === 'number') {
    return value;
  }

  throw new TypeError(`expected an integer DuckDB value, got ${String(value)}`);
}

/**
 * DATE becomes a `'YYYY-MM-DD'` string.
 *
 * A DATE is a calendar day without a time zone; as a JS `Date` it would be UTC
 * midnight and print as the previous day in any zone west of UTC. Report periods
 * in this project are calendar days, so the string is the faithful shape.
 * `infinity` / `-infinity` come back as those words.
 */
function dateStringFromValue(value: DuckDBValue): string {
  if (value instanceof DuckDBDateValue) {
    return value.toString();
  }

  throw new TypeError('expected a DuckDBDateValue');
}

/**
 * TIMESTAMP (any precision, without time zone) becomes DuckDB's text form,
 * `'YYYY-MM-DD HH:MM:SS'` plus fractional seconds when there are any.
 *
 * A TIMESTAMP is a wall-clock reading with no zone (this project stores Beijing
 * time in them), so like DATE it stays a string: a JS `Date` would have to invent
 * a zone and would shift the value by eight hours on a UTC machine.
 */
function wallClockStringFromTimestampValue(value: DuckDBValue): string {
  if (
    value instanceof DuckDBTimestampValue ||
    value instanceof DuckDBTimestampSecondsValue ||
    value instanceof DuckDBTimestampMillisecondsValue ||
    value instanceof DuckDBTimestampNanosecondsValue
  ) {
    return value.toString();
  }

  throw new TypeError('expected a DuckDB timestamp value');
}

/**
 * TIMESTAMPTZ becomes a JS `Date`: it denotes an instant, which is what a `Date` is.
 * `infinity` and instants beyond a `Date`'s range come back as DuckDB's text.
 */
function dateFromTimestampTZValue(value: DuckDBValue): Date | string {
  if (!(value instanceof DuckDBTimestampTZValue)) {
    throw new TypeError('expected a DuckDBTimestampTZValue');
  }

  const millis = value.micros / 1000n;

  if (millis < -MAX_DATE_MILLIS || millis > MAX_DATE_MILLIS) {
    return value.toString();
  }

  return new Date(Number(millis));
}

/**
 * DECIMAL becomes a `number`.
 *
 * Amounts in this warehouse are DECIMAL(18,2) yuan; a double is exact for them up
 * to about 9e13. Cast to VARCHAR in SQL when the exact decimal text is needed.
 */
function numberFromDecimalValue(value: DuckDBValue): number {
  if (value instanceof DuckDBDecimalValue) {
    return value.toDouble();
  }

  throw new TypeError('expected a DuckDBDecimalValue');
}

/** TIME, TIME_NS and TIMETZ become DuckDB's text form, e.g. `'08:30:00'`. */
function stringFromTimeValue(value: DuckDBValue): string {
  return String(value);
}

/** INTERVAL becomes `{ months, days, micros }` with a `number` micros (exact up to ~285 years). */
function objectFromIntervalValue(value: DuckDBValue): { months: number; days: number; micros: number } {
  if (value instanceof DuckDBIntervalValue) {
    return { months: value.months, days: value.days, micros: Number(value.micros) };
  }

  throw new TypeError('expected a DuckDBIntervalValue');
}

/**
 * Converts DuckDB result values into plain JS values for Kysely rows.
 *
 * | DuckDB type                                   | JS value                                  |
 * | --------------------------------------------- | ----------------------------------------- |
 * | BOOLEAN                                       | `boolean`                                 |
 * | TINYINT … INTEGER, U… up to UINTEGER, FLOAT, DOUBLE | `number`                            |
 * | BIGINT, UBIGINT, HUGEINT, UHUGEINT, BIGNUM    | `number` if safe, else `bigint`           |
 * | DECIMAL                                       | `number`                                  |
 * | VARCHAR, ENUM, UUID                           | `string`                                  |
 * | DATE                                          | `'YYYY-MM-DD'` string                     |
 * | TIMESTAMP, TIMESTAMP_S/_MS/_NS                | `'YYYY-MM-DD HH:MM:SS[.ffffff]'` string   |
 * | TIMESTAMPTZ                                   | `Date`                                    |
 * | TIME, TIME_NS, TIMETZ                         | `string`                                  |
 * | INTERVAL                                      | `{ months, days, micros }`                |
 * | BLOB, BIT, GEOMETRY                           | `Uint8Array`                              |
 * | LIST, ARRAY, STRUCT, MAP, UNION, VARIANT      | arrays / objects converted recursively    |
 */
export const duckDBRowValueConverter: DuckDBValueConverter<DuckDBRowValue> = createDuckDBValueConverter<DuckDBRowValue>({
  [DuckDBTypeId.INVALID]: unsupportedConverter,
  [DuckDBTypeId.BOOLEAN]: booleanFromValue,
  [DuckDBTypeId.TINYINT]: numberFromValue,
  [DuckDBTypeId.SMALLINT]: numberFromValue,
  [DuckDBTypeId.INTEGER]: numberFromValue,
  [DuckDBTypeId.BIGINT]: numberOrBigintFromValue,
  [DuckDBTypeId.UTINYINT]: numberFromValue,
  [DuckDBTypeId.USMALLINT]: numberFromValue,
  [DuckDBTypeId.UINTEGER]: numberFromValue,
  [DuckDBTypeId.UBIGINT]: numberOrBigintFromValue,
  [DuckDBTypeId.FLOAT]: numberFromValue,
  [DuckDBTypeId.DOUBLE]: numberFromValue,
  [DuckDBTypeId.TIMESTAMP]: wallClockStringFromTimestampValue,
  [DuckDBTypeId.DATE]: dateStringFromValue,
  [DuckDBTypeId.TIME]: stringFromTimeValue,
  [DuckDBTypeId.INTERVAL]: objectFromIntervalValue,
  [DuckDBTypeId.HUGEINT]: numberOrBigintFromValue,
  [DuckDBTypeId.UHUGEINT]: numberOrBigintFromValue,
  [DuckDBTypeId.VARCHAR]: stringFromValue,
  [DuckDBTypeId.BLOB]: bytesFromBlobValue,
  [DuckDBTypeId.DECIMAL]: numberFromDecimalValue,
  [DuckDBTypeId.TIMESTAMP_S]: wallClockStringFromTimestampValue,
  [DuckDBTypeId.TIMESTAMP_MS]: wallClockStringFromTimestampValue,
  [DuckDBTypeId.TIMESTAMP_NS]: wallClockStringFromTimestampValue,
  [DuckDBTypeId.ENUM]: stringFromValue,
  [DuckDBTypeId.LIST]: arrayFromListValue,
  [DuckDBTypeId.STRUCT]: objectFromStructValue,
  [DuckDBTypeId.MAP]: objectArrayFromMapValue,
  [DuckDBTypeId.ARRAY]: arrayFromArrayValue,
  [DuckDBTypeId.UUID]: stringFromValue,
  [DuckDBTypeId.UNION]: objectFromUnionValue,
  [DuckDBTypeId.BIT]: bytesFromBitValue,
  [DuckDBTypeId.TIME_TZ]: stringFromTimeValue,
  [DuckDBTypeId.TIMESTAMP_TZ]: dateFromTimestampTZValue,
  [DuckDBTypeId.ANY]: unsupportedConverter,
  [DuckDBTypeId.BIGNUM]: numberOrBigintFromValue,
  [DuckDBTypeId.SQLNULL]: nullConverter,
  [DuckDBTypeId.STRING_LITERAL]: unsupportedConverter,
  [DuckDBTypeId.INTEGER_LITERAL]: unsupportedConverter,
  [DuckDBTypeId.TIME_NS]: stringFromTimeValue,
  [DuckDBTypeId.GEOMETRY]: bytesFromGeometryValue,
  [DuckDBTypeId.VARIANT]: fromVariantValue,
});
