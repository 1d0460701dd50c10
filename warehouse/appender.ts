import {
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
} from '@duckdb/node-api';
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';

/** Column types {@link appendRows} knows how to append natively. */
export type AppendColumnType =
  | 'varchar'
  | 'boolean'
  | 'tinyint'
  | 'smallint'
  | 'integer'
  | 'bigint'
  | 'float'
  | 'double'
  | 'decimal'
  | 'date'
  | 'timestamp'
  | 'timestamptz';

/**
 * One column to append, by table column name, with the JS values it accepts.
 *
 * | `type`        | accepted values (`null`/`undefined` always append NULL)                     |
 * | ------------- | ---------------------------------------------------------------------------- |
 * | `varchar`     | `string`                                                                     |
 * | `boolean`     | `boolean`                                                                    |
 * | `tinyint`, `smallint`, `integer` | integer `number` in the type's range                      |
 * | `bigint`      | safe integer `number`, or `bigint` in 64-bit range                           |
 * | `float`, `double` | `number`                                                                 |
 * | `decimal`     | `number`, decimal `string` (`'1234.50'`, exact), or `bigint`; rounded half away from zero to `scale` |
 * | `date`        | `'YYYY-MM-DD'`, `Date` (its calendar day in the time zone), `DuckDBDateValue` |
 * | `timestamp`   | zoneless `'YYYY-MM-DD HH:MM[:SS[.ffffff]]'` (`T` also accepted), `Date` (wall-clock time in the time zone), `DuckDBTimestampValue` |
 * | `timestamptz` | `Date`, ISO string with `Z` or an offset, `DuckDBTimestampTZValue`            |
 *
 * Anything else throws a `TypeError` naming the row and column: the appender is the
 * last gate before the warehouse, so it refuses to guess (a number for a VARCHAR
 * column usually means an upstream parsing bug).
 */
export type ColumnSpec =
  | { readonly name: string; readonly type: Exclude<AppendColumnType, 'decimal'> }
  | { readonly name: string; readonly type: 'decimal'; readonly width: number; readonly scale: number };

/** A row: one value per {@link ColumnSpec}, in the same order. */
export type AppendRow = readonly unknown[];

/** Options of {@link appendRows}. */
export interface AppendOptions {
  /** Schema of the table. Defaults to the connection's current schema (`main`). */
  readonly schema?: string;
  /**
   * Flush buffered rows into the table every this many rows. Defaults to 204 800,
   * DuckDB's own auto-flush interval (100 vectors); lower it to bound memory for
   * very wide rows.
   */
  readonly flushEvery?: number;
  /**
   * IANA time zone that turns `Date` values into DATE / TIMESTAMP wall-clock values.
   * Defaults to the connection's `TimeZone` setting, the same zone the Kysely
   * dialect uses for bound `Date` parameters.
   */
  readonly timeZone?: string;
}

/** What {@link appendRows} did. */
export interface AppendResult {
  /** Rows appended. */
  readonly rowCount: number;
}

/** Appends one validated value; throws `TypeError` before appending anything invalid. */
type ColumnWriter = (appender: DuckDBAppender, value: unknown, row: number) => void;

/** DuckDB's own appender flush interval: 100 vectors of 2048 rows. */
const DEFAULT_FLUSH_EVERY = 204_800;

const MS_PER_DAY = 86_400_000;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP_PATTERN = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$/;
const ZONED_ISO_PATTERN = /(?:Z|[+-]\d{2}:\d{2})$/;
const DECIMAL_PATTERN = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
/** Bounds of the exact double fast path for DECIMAL columns (see the `decimal` writer). */
const MAX_FAST_DECIMAL = 2n ** 49n;
const MAX_FAST_DECIMAL_SCALE = 15;

const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'Z']);

/**
 * Bulk-loads rows into a DuckDB table through DuckDB's appender, the fastest way in:
 * values go straight into DuckDB's column vectors, without SQL parsing or binding.
 *
 * Columns are matched by name. Table columns that are not in `columns` get their
 * DEFAULT, which DuckDB's appender only supports for constant defaults (or NULL):
 * a `nextval(…)` key must be passed explicitly.
 *
 * **Transactions.** An appender writes through its connection's transaction. If a
 * transaction is open on `connection`, every appended row belongs to it: `ROLLBACK`
 * removes them and other connections see nothing before `COMMIT` (verified in
 * `test/warehouse/dialect.test.ts`). Without one, each flush commits on its own, so
 * a failure halfway leaves the rows flushed so far in the table. For all-or-nothing
 * loads, call this inside a Kysely transaction on the same connection that was given
 * to the `DuckDBDialect`:
 *
 * ```ts
 * await db.transaction().execute(async (trx) => {
 *   await trx.deleteFrom('fact_x').where('submission_id', '=', id).execute()
 *   await appendRows(connection, 'fact_x', columns, rows)
 * })
 * ```
 *
 * Inside the transaction callback the dialect's connection mutex is held, so no
 * other Kysely query can interleave with the append. Outside one, do not run Kysely
 * queries concurrently with an append on the same connection.
 *
 * On error the unflushed rows are discarded, the appender is closed and the error
 * is rethrown.
 *
 * @param connection - the DuckDB connection to append on.
 * @param table - table name (unquoted, as created).
 * @param columns - the columns each row supplies, in row order.
 * @param rows - rows as arrays, from an iterable or an async iterable (e.g. a parser stream).
 * @param options - see {@link AppendOptions}.
 */
export async function appendRows(
  connection: DuckDBConnection,
  table: string,
  columns: readonly ColumnSpec[],
  rows: Iterable<AppendRow> | AsyncIterable<AppendRow>,
  options: AppendOptions = {},
): Promise<AppendResult> {
  const flushEvery = options.flushEvery ?? DEFAULT_FLUSH_EVERY;

  if (!Number.isInteger(flushEvery) || flushEvery <= 0) {
    throw new RangeError('flushEvery must be a positive integer');
  }

  const timeZone = options.timeZone ?? (await currentTimeZone(connection));
  const tableColumns = await tableColumnNames(connection, table, options.schema);
  const writers = planWriters(table, tableColumns, columns, timeZone);
  const appender = await connection.createAppender(table, options.schema ?? null);
  let rowCount = 0;

  try {
    for await (const row of rows) {
      if (row.length !== columns.length) {
        throw new TypeError(`row ${rowCount}: expected ${columns.length} values, got ${row.length}`);
      }

      for (const write of writers) {
        write(appender, row, rowCount);
      }

      appender.endRow();
      rowCount++;

      if (rowCount % flushEvery === 0) {
        appender.flushSync();
      }
    }

    appender.closeSync();
  } catch (error) {
    discard(appender);
    throw error;
  }

  return { rowCount };
}

/** Drops unflushed rows and closes; errors here would only hide the original one. */
function discard(appender: DuckDBAppender): void {
  try {
    appender.clear();
  } catch {
    // The appender may already be invalidated by the failure being reported.
  }

  try {
    appender.closeSync();
  } catch {
    // Same: nothing useful to add to the original error.
  }
}

async function currentTimeZone(connection: DuckDBConnection): Promise<string> {
  const reader = await connection.runAndReadAll(`select current_setting('TimeZone') as tz`);
  const zone = reader.getRowObjectsJS()[0]?.['tz'];

  return typeof zone === 'string' ? zone : 'UTC';
}

/** The table's column names in table order; throws if the table does not exist. */
async function tableColumnNames(
  connection: DuckDBConnection,
  table: string,
  schema: string | undefined,
): Promise<string[]> {
  const reader = await connection.runAndReadAll(
    `select column_name
     from duckdb_columns()
     where database_name = current_database()
       and schema_name = coalesce($1, current_schema())
       and table_name = $2
     order by column_index`,
    [schema ?? null, table],
  );
  const names = reader.getRowObjectsJS().map((row) => String(row['column_name']));

  if (names.length === 0) {
    throw new Error(`appendRows: table "${schema === undefined ? '' : `${schema}.`}${table}" does not exist`);
  }

  return names;
}

/**
 * One writer per *table* column, in table order (the appender is positional):
 * supplied columns read their value from the row, the others append DEFAULT.
 */
function planWriters(
  table: string,
  tableColumns: readonly string[],
  columns: readonly ColumnSpec[],
  timeZone: string,
): ((appender: DuckDBAppender, row: AppendRow, rowIndex: number) => void)[] {
  const positions = new Map<string, number>();

  columns.forEach((column, position) => {
    const key = column.name.toLowerCase();

    if (positions.has(key)) {
      throw new Error(`appendRows: column "${column.name}" is listed twice`);
    }
    positions.set(key, position);
  });

  const known = new Set(tableColumns.map((name) => name.toLowerCase()));
  const unknown = columns.filter((column) => !known.has(column.name.toLowerCase()));

  if (unknown.length > 0) {
    throw new Error(`appendRows: table "${table}" has no column ${unknown.map((c) => `"${c.name}"`).join(', ')}`);
  }

  return tableColumns.map((name) => {
    const position = positions.get(name.toLowerCase());

    if (position === undefined) {
      return (appender: DuckDBAppender) => appender.appendDefault();
    }

    const column = columns[position] as ColumnSpec;
    const write = columnWriter(column, timeZone);

    return (appender: DuckDBAppender, row: AppendRow, rowIndex: number) => {
      const value = row[position];

      if (value === null || value === undefined) {
        appender.appendNull();
      } else {
        write(appender, value, rowIndex);
      }
    };
  });
}

/**
 * The writer for one supplied column. Each writer validates before it appends, so
 * a rejected value never leaves a half-appended cell behind.
 */
function columnWriter(column: ColumnSpec, timeZone: string): ColumnWriter {
  const fail = (value: unknown, row: number, expected: string): never => {
    const shown = typeof value === 'string' ? JSON.stringify(value) : `${typeof value} ${String(value)}`;
    throw new TypeError(`row ${row}, column "${column.name}" (${column.type}): expected ${expected}, got ${shown}`);
  };

  const integer =
    (min: number, max: number, append: (appender: DuckDBAppender, value: number) => void): ColumnWriter =>
      (appender, value, row) => {
        if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
          return fail(value, row, `an integer in [${min}, ${max}]`);
        }
        append(appender, value);
      };

  switch (column.type) {
    case 'varchar':
      return (appender, value, row) => {
        if (typeof value !== 'string') return fail(value, row, 'a string');
        appender.appendVarchar(value);
      };

    case 'boolean':
      return (appender, value, row) => {
        if (typeof value !== 'boolean') return fail(value, row, 'a boolean');
        appender.appendBoolean(value);
      };

    case 'tinyint':
      return integer(-128, 127, (appender, value) => appender.appendTinyInt(value));

    case 'smallint':
      return integer(-32_768, 32_767, (appender, value) => appender.appendSmallInt(value));

    case 'integer':
      return integer(-2_147_483_648, 2_147_483_647, (appender, value) => appender.appendInteger(value));

    case 'bigint':
      return (appender, value, row) => {
        if (typeof value === 'number' && Number.isSafeInteger(value)) {
          appender.appendBigInt(BigInt(value));
        } else if (typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX) {
          appender.appendBigInt(value);
        } else {
          fail(value, row, 'a safe integer number or a 64-bit bigint');
        }
      };

    case 'float':
      return (appender, value, row) => {
        if (typeof value !== 'number') return fail(value, row, 'a number');
        appender.appendFloat(value);
      };

    case 'double':
      return (appender, value, row) => {
        if (typeof value !== 'number') return fail(value, row, 'a number');
        appender.appendDouble(value);
      };

    case 'decimal': {
      const { width, scale } = column;
      if (!Number.isInteger(width) || width < 1 || width > 38 || !Number.isInteger(scale) || scale < 0 || scale > width) {
        throw new RangeError(`appendRows: column "${column.name}": invalid DECIMAL(${width}, ${scale})`);
      }
      const limit = 10n ** BigInt(width);
      const divisor = 10 ** scale;
      const fast = scale <= MAX_FAST_DECIMAL_SCALE;
      return (appender, value, row) => {
        const scaled = scaledDecimal(value, scale);
        if (scaled === undefined) return fail(value, row, 'a number, a decimal string or a bigint');
        if (scaled >= limit || scaled <= -limit) return fail(value, row, `a value that fits DECIMAL(${width}, ${scale})`);

        if (fast && scaled < MAX_FAST_DECIMAL && scaled > -MAX_FAST_DECIMAL) {
          // appendDecimal goes through a generic value conversion costing ~3 µs per
          // cell. A double is 4x cheaper and still exact: DuckDB casts it with
          // round(d × 10^scale), and for |scaled| < 2^49 the double's error is far
          // below the 0.5 that rounding absorbs.
          appender.appendDouble(Number(scaled) / divisor);
        } else {
          appender.appendDecimal(new DuckDBDecimalValue(scaled, width, scale));
        }
      };
    }

    case 'date': {
      // The rows of one report share a handful of dates: remember the last one.
      // (`Date`s are mutable, so they are converted every time.)
      let lastInput: unknown;
      let lastValue = DuckDBDateValue.Epoch;
      return (appender, value, row) => {
        if (value instanceof DuckDBDateValue) {
          appender.appendDate(value);
          return;
        }
        if (value !== lastInput || value instanceof Date) {
          const days = daysFromDateInput(value, timeZone);
          if (days === undefined) return fail(value, row, "a 'YYYY-MM-DD' string or a Date");
          lastInput = value;
          lastValue = new DuckDBDateValue(days);
        }
        appender.appendDate(lastValue);
      };
    }

    case 'timestamp': {
      let lastInput: unknown;
      let lastValue = DuckDBTimestampValue.Epoch;
      return (appender, value, row) => {
        if (value instanceof DuckDBTimestampValue) {
          appender.appendTimestamp(value);
          return;
        }
        if (value !== lastInput || value instanceof Date) {
          const micros = microsFromTimestampInput(value, timeZone);
          if (micros === undefined) return fail(value, row, "a zoneless 'YYYY-MM-DD HH:MM:SS' string or a Date");
          lastInput = value;
          lastValue = new DuckDBTimestampValue(micros);
        }
        appender.appendTimestamp(lastValue);
      };
    }

    case 'timestamptz':
      return (appender, value, row) => {
        if (value instanceof DuckDBTimestampTZValue) {
          appender.appendTimestampTZ(value);
          return;
        }
        const millis = millisFromInstantInput(value);
        if (Number.isNaN(millis)) return fail(value, row, 'a valid Date or an ISO string with Z or ±HH:MM');
        appender.appendTimestampTZ(new DuckDBTimestampTZValue(BigInt(millis) * 1000n));
      };
  }
}

/**
 * `value` scaled by 10^scale as an exact integer, rounded half away from zero, or
 * `undefined` if it is not a decimal. Numbers go through their shortest decimal
 * text (`String(1.005)` is `'1.005'`), so `1.005` becomes `1.01` as a person
 * expects, not `1.00` as its binary value would round.
 */
export function scaledDecimal(value: unknown, scale: number): bigint | undefined {
  if (typeof value === 'bigint') {
    return value * 10n ** BigInt(scale);
  }

  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    text = String(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    return undefined;
  }

  const match = DECIMAL_PATTERN.exec(text);
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match ?? [];

  if (match === null || whole.length + fraction.length === 0) {
    return undefined;
  }

  const digits = BigInt(whole + fraction);
  // digits × 10^shift is the value scaled by 10^scale.
  const shift = Number(exponent) - fraction.length + scale;
  let scaled: bigint;

  if (shift >= 0) {
    scaled = digits * 10n ** BigInt(shift);
  } else {
    const divisor = 10n ** BigInt(-shift);
    scaled = digits / divisor;
    if ((digits % divisor) * 2n >= divisor) scaled += 1n;
  }

  return sign === '-' ? -scaled : scaled;
}

/** A `date` column input as days since 1970-01-01, or `undefined` if unusable. */
function daysFromDateInput(value: unknown, timeZone: string): number | undefined {
  if (typeof value === 'string') return daysFromDateString(value);
  if (value instanceof Date) return daysFromInstant(value, timeZone);
  return undefined;
}

/** A `timestamp` column input as wall-clock microseconds, or `undefined` if unusable. */
function microsFromTimestampInput(value: unknown, timeZone: string): bigint | undefined {
  if (typeof value === 'string') return microsFromWallClockString(value);
  if (value instanceof Date) return wallClockMicrosFromInstant(value, timeZone);
  return undefined;
}

/** A `timestamptz` column input as epoch milliseconds, or `NaN` if unusable. */
function millisFromInstantInput(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string' && ZONED_ISO_PATTERN.test(value)) return Date.parse(value);
  return Number.NaN;
}

/** Days since 1970-01-01 of a calendar date, or `undefined` for e.g. February 30th. */
function daysFromParts(year: number, month: number, day: number): number | undefined {
  const millis = Date.UTC(year, month - 1, day);
  // Date.UTC rolls 2024-02-30 over to March 1st; reject instead.
  const check = new Date(millis);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return undefined;
  }

  return millis / MS_PER_DAY;
}

/** Days since 1970-01-01 of a `'YYYY-MM-DD'` string, or `undefined` if it is no real date. */
function daysFromDateString(text: string): number | undefined {
  const match = DATE_PATTERN.exec(text);
  if (match === null) return undefined;

  const [, year = '', month = '', day = ''] = match;
  return daysFromParts(Number(year), Number(month), Number(day));
}

/** Microseconds of a zoneless wall-clock string, taken as is (no zone conversion). */
function microsFromWallClockString(text: string): bigint | undefined {
  const match = TIMESTAMP_PATTERN.exec(text);
  if (match === null) return undefined;

  const [, year = '', month = '', day = '', hour = '', minute = '', second = '0', fraction = ''] = match;
  const days = daysFromParts(Number(year), Number(month), Number(day));
  const hours = Number(hour);
  const minutes = Number(minute);
  const seconds = Number(second);
  if (days === undefined || hours > 23 || minutes > 59 || seconds > 59) return undefined;

  const secondOfDay = hours * 3600 + minutes * 60 + seconds;
  return (BigInt(days) * 86_400n + BigInt(secondOfDay)) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
}

const wallClockFormats = new Map<string, Intl.DateTimeFormat>();
const zoneOffsets = new Map<string, Map<number, number>>();

/** Zone offsets are cached per 15 minutes of UTC time (see {@link zoneOffsetMillis}). */
const OFFSET_BUCKET_MS = 15 * 60 * 1000;
const MAX_CACHED_OFFSETS = 100_000;

/**
 * Offset of `timeZone` from UTC at an instant, in milliseconds (+8 h for Shanghai).
 *
 * `Intl.DateTimeFormat#formatToParts` costs several microseconds, which made `Date`
 * columns 5x slower than string columns. Real offset changes happen at instants on
 * a 15-minute grid (zone offsets are multiples of 15 minutes and transitions occur
 * at whole local hours or half hours), so one lookup per grid cell is exact; only
 * pre-1970 local-mean-time transitions with odd offsets could fall inside a cell.
 */
function zoneOffsetMillis(millis: number, timeZone: string): number {
  let offsets = zoneOffsets.get(timeZone);
  if (offsets === undefined) {
    offsets = new Map();
    zoneOffsets.set(timeZone, offsets);
  }

  const bucket = Math.floor(millis / OFFSET_BUCKET_MS);
  let offset = offsets.get(bucket);

  if (offset === undefined) {
    let format = wallClockFormats.get(timeZone);
    if (format === undefined) {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
      wallClockFormats.set(timeZone, format);
    }

    const part: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
    for (const { type, value } of format.formatToParts(millis)) {
      part[type] = Number(value);
    }

    const wallSeconds = Date.UTC(
      part.year ?? 1970,
      (part.month ?? 1) - 1,
      part.day ?? 1,
      part.hour ?? 0,
      part.minute ?? 0,
      part.second ?? 0,
    );
    offset = wallSeconds - (millis - (((millis % 1000) + 1000) % 1000));

    if (offsets.size >= MAX_CACHED_OFFSETS) offsets.clear();
    offsets.set(bucket, offset);
  }

  return offset;
}

/**
 * The wall-clock reading of an instant in `timeZone`, as microseconds of a
 * zoneless TIMESTAMP. This is what DuckDB does when it casts TIMESTAMPTZ to
 * TIMESTAMP, so appended and bound `Date`s agree.
 */
function wallClockMicrosFromInstant(date: Date, timeZone: string): bigint | undefined {
  const millis = date.getTime();
  if (Number.isNaN(millis)) return undefined;

  const offset = UTC_ZONES.has(timeZone) ? 0 : zoneOffsetMillis(millis, timeZone);
  return BigInt(millis + offset) * 1000n;
}

/** The calendar day of an instant in `timeZone`, as days since 1970-01-01. */
function daysFromInstant(date: Date, timeZone: string): number | undefined {
  const micros = wallClockMicrosFromInstant(date, timeZone);
  if (micros === undefined) return undefined;

  return Math.floor(Number(micros / 1000n) / MS_PER_DAY);
}
