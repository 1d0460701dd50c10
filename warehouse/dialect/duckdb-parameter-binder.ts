import * as duckdb from '@duckdb/node-api';
import { DuckDBTimestampTZValue, DuckDBTypeId, blobValue, type DuckDBPreparedStatement, type DuckDBValue } from '@duckdb/node-api';

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * The value classes of `@duckdb/node-api`. A caller who already holds one of these
 * (say a `DuckDBDecimalValue` for an exact amount) gets it bound untouched.
 * Typed by what `instanceof` needs, as some of them have private constructors.
 */
const DUCKDB_VALUE_CLASSES: ReadonlyArray<{ [Symbol.hasInstance](value: unknown): boolean }> = [
  duckdb.DuckDBArrayValue,
  duckdb.DuckDBBitValue,
  duckdb.DuckDBBlobValue,
  duckdb.DuckDBDateValue,
  duckdb.DuckDBDecimalValue,
  duckdb.DuckDBGeometryValue,
  duckdb.DuckDBIntervalValue,
  duckdb.DuckDBListValue,
  duckdb.DuckDBMapValue,
  duckdb.DuckDBStructValue,
  duckdb.DuckDBTimeNSValue,
  duckdb.DuckDBTimestampMillisecondsValue,
  duckdb.DuckDBTimestampNanosecondsValue,
  duckdb.DuckDBTimestampSecondsValue,
  duckdb.DuckDBTimestampTZValue,
  duckdb.DuckDBTimestampValue,
  duckdb.DuckDBTimeTZValue,
  duckdb.DuckDBTimeValue,
  duckdb.DuckDBUnionValue,
  duckdb.DuckDBUUIDValue,
  duckdb.DuckDBVariantValue,
];

function isDuckDBValueObject(value: object): value is Exclude<DuckDBValue, null | boolean | number | bigint | string> {
  return DUCKDB_VALUE_CLASSES.some((cls) => value instanceof cls);
}

/**
 * A `Date` as a DuckDB TIMESTAMPTZ (an instant, microseconds since the epoch).
 *
 * A `Date` is an instant, so it is bound as one. Where the SQL expects a DATE or a
 * zoneless TIMESTAMP, DuckDB converts the instant to the calendar day / wall-clock
 * time of the session's `TimeZone` setting (the dialect's `timeZone` option), which
 * is the only zone-correct way to turn an instant into a wall-clock value.
 */
function timestampTZValueFromDate(date: Date): DuckDBTimestampTZValue {
  const millis = date.getTime();

  if (Number.isNaN(millis)) {
    throw new TypeError('cannot bind an invalid Date');
  }

  return new DuckDBTimestampTZValue(BigInt(millis) * 1000n);
}

/**
 * Converts one JS value into a {@link DuckDBValue}, for the items of list
 * parameters (scalars are bound directly by {@link bindParameters}). The mapping is
 * the one documented there.
 */
function toDuckDBValue(value: unknown): DuckDBValue {
  if (value === null || value === undefined) {
    return null;
  }

  switch (typeof value) {
    case 'boolean':
    case 'number':
    case 'bigint':
    case 'string':
      return value;

    case 'object':
      if (value instanceof Date) {
        return timestampTZValueFromDate(value);
      }

      if (value instanceof Uint8Array) {
        return blobValue(value);
      }

      if (isDuckDBValueObject(value)) {
        return value;
      }

      return JSON.stringify(value);

    default:
      throw new TypeError(`cannot bind a ${typeof value} as a DuckDB parameter`);
  }
}

/**
 * Binds Kysely's positional parameters (`$1`, `$2`, …) to a prepared statement with
 * the narrowest fitting DuckDB type.
 *
 * DuckDB infers each parameter's type from its SQL context (`d = $1` on a DATE
 * column makes `$1` a DATE) and casts the bound value to it, so a value only needs
 * a type DuckDB can cast from:
 *
 * | JS value                | bound as                                                   |
 * | ----------------------- | ---------------------------------------------------------- |
 * | `null` / `undefined`    | NULL                                                       |
 * | `boolean`               | BOOLEAN                                                    |
 * | safe integer `number`   | INTEGER (32-bit range) or BIGINT                           |
 * | other `number`          | DOUBLE (DuckDB casts it to a DECIMAL column's scale)       |
 * | `bigint`                | BIGINT, or HUGEINT beyond 64 bits                          |
 * | `string`                | VARCHAR (DuckDB casts `'2024-03-01'` to DATE, `'12.30'` to DECIMAL, …) |
 * | `Date`                  | TIMESTAMPTZ; DuckDB turns it into a DATE / TIMESTAMP in the session `TimeZone` |
 * | `Uint8Array` / `Buffer` | BLOB                                                       |
 * | array                   | LIST (items mapped the same way)                           |
 * | `@duckdb/node-api` value | as is                                                     |
 * | other object            | VARCHAR holding `JSON.stringify(value)`                    |
 */
export function bindParameters(statement: DuckDBPreparedStatement, parameters: readonly unknown[]): void {
  if (statement.parameterCount !== parameters.length) {
    throw new Error(`the statement has ${statement.parameterCount} parameter(s) but ${parameters.length} value(s) were given`);
  }

  parameters.forEach((value, i) => {
    bindParameter(statement, i + 1, value);
  });
}

function bindParameter(statement: DuckDBPreparedStatement, index: number, value: unknown): void {
  if (value === null || value === undefined) {
    statement.bindNull(index);
    return;
  }

  switch (typeof value) {
    case 'boolean':
      statement.bindBoolean(index, value);
      return;

    case 'number':
      if (Number.isSafeInteger(value)) {
        if (value >= INT32_MIN && value <= INT32_MAX) {
          statement.bindInteger(index, value);
        } else {
          statement.bindBigInt(index, BigInt(value));
        }
      } else {
        statement.bindDouble(index, value);
      }
      return;

    case 'bigint':
      if (value >= INT64_MIN && value <= INT64_MAX) {
        statement.bindBigInt(index, value);
      } else {
        statement.bindHugeInt(index, value);
      }
      return;

    case 'string':
      statement.bindVarchar(index, value);
      return;

    case 'object':
      bindObjectParameter(statement, index, value);
      return;

    default:
      throw new TypeError(`cannot bind a ${typeof value} as DuckDB parameter $${index}`);
  }
}

function bindObjectParameter(statement: DuckDBPreparedStatement, index: number, value: object): void {
  if (value instanceof Date) {
    statement.bindTimestampTZ(index, timestampTZValueFromDate(value));
    return;
  }

  if (value instanceof Uint8Array) {
    statement.bindBlob(index, value);
    return;
  }

  if (Array.isArray(value)) {
    const items = value.map((item: unknown) => toDuckDBValue(item));

    // With a LIST context (a LIST column, `= any($1)` on a typed column) bind as that
    // type; otherwise DuckDB infers the list type from the first item. (Asking for
    // the full type of an untyped parameter throws, hence the type id check first.)
    if (statement.parameterTypeId(index) === DuckDBTypeId.LIST) {
      const expected = statement.parameterType(index);
      statement.bindList(index, items, expected.typeId === DuckDBTypeId.LIST ? expected : undefined);
    } else {
      statement.bindList(index, items);
    }
    return;
  }

  if (isDuckDBValueObject(value)) {
    statement.bindValue(index, value);
    return;
  }

  statement.bindVarchar(index, JSON.stringify(value));
}
