import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { AbortedTransactionError, Kysely, sql } from 'kysely';
import type { ColumnType, Generated, Migration } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { DuckDBDialect } from '../../warehouse/dialect/duckdb-dialect.js';
import { MigrationError, createMigrator, migrateToLatest } from '../../warehouse/migrator.js';
import type { MigrationRecord } from '../../warehouse/migrator.js';

interface StationTable {
  id: number;
  name: string;
  district: string | null;
  staff: Generated<number>;
  opened_on: ColumnType<string, string | Date, string | Date>;
  inspected_at: ColumnType<string | null, string | Date | null, string | Date | null>;
  fine_total: ColumnType<number, number | string | undefined, number | string>;
}

interface IncidentTable {
  id: Generated<number>;
  station_id: number;
  kind: string;
  reported_at: ColumnType<Date, Date | string, Date | string>;
}

interface TestDatabase {
  station: StationTable;
  incident: IncidentTable;
}

interface Harness {
  readonly instance: DuckDBInstance;
  readonly connection: DuckDBConnection;
  readonly db: Kysely<TestDatabase>;
  close(): Promise<void>;
}

async function open(path = ':memory:'): Promise<Harness> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  const db = new Kysely<TestDatabase>({
    dialect: new DuckDBDialect({ database: connection, timeZone: 'Asia/Shanghai' }),
  });

  return {
    instance,
    connection,
    db,
    async close() {
      await db.destroy();
      instance.closeSync();
    },
  };
}

async function createStationTable(db: Kysely<TestDatabase>): Promise<void> {
  await db.schema
    .createTable('station')
    .addColumn('id', 'integer', (col) => col.primaryKey())
    .addColumn('name', 'varchar', (col) => col.notNull())
    .addColumn('district', 'varchar')
    .addColumn('staff', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('opened_on', 'date', (col) => col.notNull())
    .addColumn('inspected_at', 'timestamp')
    .addColumn('fine_total', 'decimal(18, 2)', (col) => col.notNull().defaultTo(0))
    .execute();
}

const station1 = {
  id: 1,
  name: '城南消防救援站',
  district: '南湖街道',
  staff: 32,
  opened_on: '2019-05-12',
  inspected_at: '2024-03-01 09:30:00',
  fine_total: '12345.67',
};

let h: Harness;

describe('DuckDBDialect', () => {
  beforeEach(async () => {
    h = await open();
  });

  afterEach(async () => {
    await h.close();
  });

  describe('schema', () => {
    it('creates tables with the schema builder and COMMENT ON, and introspects them', async () => {
      await createStationTable(h.db);
      await sql`comment on table station is ${sql.lit('消防救援站名录')}`.execute(h.db);
      await sql`comment on column station.name is ${sql.lit('站名')}`.execute(h.db);
      await h.db.schema
        .createView('station_names')
        .as(h.db.selectFrom('station').select(['id', 'name']))
        .execute();

      const tables = await h.db.introspection.getTables();
      const station = tables.find((t) => t.name === 'station');
      const view = tables.find((t) => t.name === 'station_names');

      expect(station?.schema).toBe('main');
      expect(station?.isView).toBe(false);
      expect(station?.columns.map((c) => c.name)).toEqual(['id', 'name', 'district', 'staff', 'opened_on', 'inspected_at', 'fine_total']);
      expect(station?.columns.find((c) => c.name === 'name')).toMatchObject({
        dataType: 'VARCHAR',
        isNullable: false,
        comment: '站名',
      });
      expect(station?.columns.find((c) => c.name === 'staff')?.hasDefaultValue).toBe(true);
      expect(station?.columns.find((c) => c.name === 'fine_total')?.dataType).toBe('DECIMAL(18,2)');
      expect(view?.isView).toBe(true);

      const { rows } = await sql<{ comment: string }>`
        select comment from duckdb_tables() where table_name = 'station'
      `.execute(h.db);
      expect(rows).toEqual([{ comment: '消防救援站名录' }]);
      expect(await h.db.introspection.getSchemas()).toEqual([{ name: 'main' }]);
    });

    it('explains that DuckDB has no auto-increment and supports sequences instead', async () => {
      expect(() =>
        h.db.schema
          .createTable('x')
          .addColumn('id', 'integer', (col) => col.autoIncrement())
          .compile(),
      ).toThrow(/nextval/);

      await sql`create sequence incident_id`.execute(h.db);
      await h.db.schema
        .createTable('incident')
        .addColumn('id', 'integer', (col) => col.primaryKey().defaultTo(sql`nextval('incident_id')`))
        .addColumn('station_id', 'integer', (col) => col.notNull())
        .addColumn('kind', 'varchar', (col) => col.notNull())
        .addColumn('reported_at', 'timestamptz', (col) => col.notNull())
        .execute();

      const ids = await h.db
        .insertInto('incident')
        .values([
          { station_id: 1, kind: '火灾', reported_at: new Date('2024-03-01T01:00:00Z') },
          { station_id: 1, kind: '抢险救援', reported_at: '2024-03-02 10:00:00+08' },
        ])
        .returning('id')
        .execute();
      expect(ids).toEqual([{ id: 1 }, { id: 2 }]);

      const tables = await h.db.introspection.getTables();
      expect(tables.find((t) => t.name === 'incident')?.columns[0]?.isAutoIncrementing).toBe(true);
    });
  });

  describe('queries', () => {
    beforeEach(async () => {
      await createStationTable(h.db);
    });

    it('inserts, selects, updates and deletes with typed queries', async () => {
      const inserted = await h.db
        .insertInto('station')
        .values([station1, { id: 2, name: '城北消防救援站', district: null, opened_on: '2021-01-01', inspected_at: null, fine_total: 0 }])
        .executeTakeFirstOrThrow();
      expect(inserted.numInsertedOrUpdatedRows).toBe(2n);

      const rows = await h.db.selectFrom('station').selectAll().orderBy('id').execute();
      expect(rows).toEqual([
        { ...station1, fine_total: 12345.67 },
        { id: 2, name: '城北消防救援站', district: null, staff: 0, opened_on: '2021-01-01', inspected_at: null, fine_total: 0 },
      ]);

      const byName = await h.db.selectFrom('station').select(['id', 'district']).where('name', 'like', '%城南%').limit(1).offset(0).executeTakeFirst();
      expect(byName).toEqual({ id: 1, district: '南湖街道' });

      const updated = await h.db
        .updateTable('station')
        .set((eb) => ({ staff: eb('staff', '+', 1), district: '北湖街道' }))
        .where('id', '=', 2)
        .executeTakeFirstOrThrow();
      expect(updated.numUpdatedRows).toBe(1n);

      const returned = await h.db.updateTable('station').set({ staff: 40 }).where('id', 'in', [1, 2]).returning(['id', 'staff']).execute();
      expect(returned.sort((a, b) => a.id - b.id)).toEqual([
        { id: 1, staff: 40 },
        { id: 2, staff: 40 },
      ]);

      const deleted = await h.db.deleteFrom('station').where('id', '=', 2).executeTakeFirstOrThrow();
      expect(deleted.numDeletedRows).toBe(1n);

      const { count } = await h.db
        .selectFrom('station')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .executeTakeFirstOrThrow();
      expect(count).toBe(1);
    });

    it('supports ON CONFLICT upserts, INSERT OR IGNORE, DEFAULT in multi-row VALUES and RETURNING', async () => {
      await h.db.insertInto('station').values(station1).execute();

      const upserted = await h.db
        .insertInto('station')
        .values({ ...station1, name: '城南特勤站', staff: 50 })
        .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({ name: eb.ref('excluded.name'), staff: eb.ref('excluded.staff') })))
        .returning(['id', 'name', 'staff'])
        .execute();
      expect(upserted).toEqual([{ id: 1, name: '城南特勤站', staff: 50 }]);

      const ignored = await h.db
        .insertInto('station')
        .values({ ...station1, name: '不应写入' })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      expect(ignored.numInsertedOrUpdatedRows).toBe(0n);

      await h.db
        .insertInto('station')
        .orIgnore()
        .values({ ...station1, name: '也不应写入' })
        .execute();

      // The second row omits `staff`, so Kysely sends DEFAULT for it.
      await h.db
        .insertInto('station')
        .values([
          { id: 3, name: '三号站', staff: 7, opened_on: '2020-01-01', fine_total: 1 },
          { id: 4, name: '四号站', opened_on: '2020-01-01', fine_total: 1 },
        ])
        .execute();

      const rows = await h.db.selectFrom('station').select(['id', 'name', 'staff']).orderBy('id').execute();
      expect(rows).toEqual([
        { id: 1, name: '城南特勤站', staff: 50 },
        { id: 3, name: '三号站', staff: 7 },
        { id: 4, name: '四号站', staff: 0 },
      ]);
    });

    it('streams a large result in chunks', async () => {
      const chunks: number[] = [];
      let total = 0;

      const query = h.db.selectFrom(sql<{ n: number }>`range(5000)`.as('r')).select(sql<number>`range`.as('n'));
      for await (const row of query.stream(1000)) {
        total += row.n;
        chunks.push(row.n);
      }

      expect(chunks).toHaveLength(5000);
      expect(total).toBe((4999 * 5000) / 2);

      // Breaking out early releases the connection for the next query.
      for await (const row of query.stream(10)) {
        if (row.n > 20) break;
      }
      expect(await h.db.selectFrom('station').selectAll().execute()).toEqual([]);
    });

    it('serializes concurrent Kysely calls on the single connection', async () => {
      const order: string[] = [];

      await Promise.all([
        h.db.transaction().execute(async (trx) => {
          order.push('trx begin');
          await trx.insertInto('station').values(station1).execute();
          await new Promise((resolve) => setTimeout(resolve, 20));
          order.push('trx end');
        }),
        (async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          const rows = await h.db.selectFrom('station').select('id').execute();
          order.push(`outside saw ${rows.length}`);
        })(),
      ]);

      expect(order).toEqual(['trx begin', 'trx end', 'outside saw 1']);
    });
  });

  describe('transactions', () => {
    beforeEach(async () => {
      await createStationTable(h.db);
    });

    it('commits', async () => {
      await h.db.transaction().execute(async (trx) => {
        await trx.insertInto('station').values(station1).execute();
        await trx.updateTable('station').set({ staff: 33 }).where('id', '=', 1).execute();
      });

      expect(await h.db.selectFrom('station').select('staff').execute()).toEqual([{ staff: 33 }]);
    });

    it('rolls back data and DDL when the callback throws', async () => {
      await expect(
        h.db.transaction().execute(async (trx) => {
          await trx.insertInto('station').values(station1).execute();
          await trx.schema.createTable('scratch').addColumn('x', 'integer').execute();
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');

      expect(await h.db.selectFrom('station').selectAll().execute()).toEqual([]);
      const tables = await h.db.introspection.getTables();
      expect(tables.map((t) => t.name)).toEqual(['station']);
    });

    it('throws AbortedTransactionError instead of silently rolling back on commit', async () => {
      // DuckDB answers COMMIT of an aborted transaction with success and a rollback.
      await expect(
        h.db.transaction().execute(async (trx) => {
          await trx.insertInto('station').values(station1).execute();
          await expect(trx.insertInto('station').values(station1).execute()).rejects.toThrow(/PRIMARY KEY|duplicate/i);
        }),
      ).rejects.toBeInstanceOf(AbortedTransactionError);

      expect(await h.db.selectFrom('station').selectAll().execute()).toEqual([]);
      // The connection is usable afterwards.
      await h.db.insertInto('station').values(station1).execute();
    });

    it('supports read-only transactions and refuses isolation levels DuckDB lacks', async () => {
      await expect(
        h.db
          .transaction()
          .setAccessMode('read only')
          .execute((trx) => trx.insertInto('station').values(station1).execute()),
      ).rejects.toThrow(/read-only/);

      await expect(
        h.db
          .transaction()
          .setIsolationLevel('serializable')
          .execute(async () => undefined),
      ).rejects.toThrow(/snapshot isolation/);

      await h.db
        .transaction()
        .setIsolationLevel('snapshot')
        .execute(async () => undefined);
    });
  });

  describe('value round-trips', () => {
    it('maps DATE, TIMESTAMP, TIMESTAMPTZ, DECIMAL, BIGINT and Chinese text', async () => {
      await createStationTable(h.db);
      const opened = new Date('2019-05-11T20:00:00Z'); // 2019-05-12 04:00 in Shanghai

      await h.db
        .insertInto('station')
        .values([
          { ...station1, opened_on: opened, inspected_at: opened, fine_total: 0.1 + 0.2 },
          { ...station1, id: 2, opened_on: '2020-02-29', inspected_at: '2024-03-01 23:59:59.123456', fine_total: '99999999999.99' },
        ])
        .execute();

      const rows = await h.db.selectFrom('station').select(['opened_on', 'inspected_at', 'fine_total']).orderBy('id').execute();
      expect(rows).toEqual([
        // A Date is an instant; DuckDB stores its Shanghai calendar day / wall-clock time.
        { opened_on: '2019-05-12', inspected_at: '2019-05-12 04:00:00', fine_total: 0.3 },
        { opened_on: '2020-02-29', inspected_at: '2024-03-01 23:59:59.123456', fine_total: 99999999999.99 },
      ]);

      const exact = await sql<{ v: string }>`select fine_total::varchar as v from station order by id`.execute(h.db);
      expect(exact.rows).toEqual([{ v: '0.30' }, { v: '99999999999.99' }]);

      // Parameters typed by their SQL context: a Date compared to a DATE column.
      const found = await sql<{ id: number }>`
        select id from station where opened_on = ${new Date('2020-02-28T16:00:00Z')}
      `.execute(h.db);
      expect(found.rows).toEqual([{ id: 2 }]);

      const {
        rows: [values],
      } = await sql<Record<string, unknown>>`
        select
          ${'消防'} || ${'救援'} as text,
          9007199254740991::bigint as safe,
          9007199254740993::bigint as unsafe,
          ${12n}::bigint as from_bigint,
          ${true} as flag,
          ${null}::integer as nothing,
          ${1.5} as dbl,
          '2024-03-01 08:00:00+08'::timestamptz as instant,
          ${new Date('2024-03-01T00:00:00Z')} as bound_instant,
          date '2024-03-01' as day,
          [${1}, ${2}] as list,
          ${['甲', '乙']} as bound_list,
          {'a': 1::bigint} as struct
      `.execute(h.db);
      expect(values).toEqual({
        text: '消防救援',
        safe: 9007199254740991,
        unsafe: 9007199254740993n,
        from_bigint: 12,
        flag: true,
        nothing: null,
        dbl: 1.5,
        instant: new Date('2024-03-01T00:00:00Z'),
        bound_instant: new Date('2024-03-01T00:00:00Z'),
        day: '2024-03-01',
        list: [1, 2],
        bound_list: ['甲', '乙'],
        struct: { a: 1 },
      });
    });
  });

  describe('migrations', () => {
    const migrations: MigrationRecord = {
      '0001_station': {
        async up(db) {
          await db.schema
            .createTable('station')
            .addColumn('id', 'integer', (col) => col.primaryKey())
            .addColumn('name', 'varchar', (col) => col.notNull())
            .execute();
          await sql`comment on table station is '消防救援站'`.execute(db);
        },
        async down(db) {
          await db.schema.dropTable('station').execute();
        },
      },
      '0002_station_seed': {
        async up(db) {
          await db.insertInto('station').values({ id: 1, name: '城南站' }).execute();
        },
        async down(db) {
          await db.deleteFrom('station').where('id', '=', 1).execute();
        },
      },
    };

    it('applies pending migrations once; the second run is a no-op', async () => {
      const first = await migrateToLatest(h.db, migrations);
      expect(first.results?.map((r) => [r.migrationName, r.status])).toEqual([
        ['0001_station', 'Success'],
        ['0002_station_seed', 'Success'],
      ]);

      const second = await migrateToLatest(h.db, migrations);
      expect(second.results).toEqual([]);

      const applied = await sql<{ name: string; timestamp: string }>`select name, timestamp from kysely_migration order by name`.execute(h.db);
      expect(applied.rows.map((r) => r.name)).toEqual(['0001_station', '0002_station_seed']);
      expect(Number.isNaN(Date.parse(applied.rows[0]?.timestamp ?? ''))).toBe(false);

      const lock = await sql`select id, is_locked from kysely_migration_lock`.execute(h.db);
      expect(lock.rows).toEqual([{ id: 'migration_lock', is_locked: 0 }]);

      const infos = await createMigrator(h.db, migrations).getMigrations();
      expect(infos.every((info) => info.executedAt instanceof Date)).toBe(true);

      // Internal tables are hidden from plain introspection.
      expect((await h.db.introspection.getTables()).map((t) => t.name)).toEqual(['station']);
    });

    it('applies a later migration on top and can migrate down', async () => {
      await migrateToLatest(h.db, { '0001_station': migrations['0001_station'] as Migration });
      const more = await migrateToLatest(h.db, migrations);
      expect(more.results?.map((r) => r.migrationName)).toEqual(['0002_station_seed']);

      const down = await createMigrator(h.db, migrations).migrateDown();
      expect(down.error).toBeUndefined();
      expect(down.results).toEqual([{ migrationName: '0002_station_seed', direction: 'Down', status: 'Success' }]);
      expect(await h.db.selectFrom('station').selectAll().execute()).toEqual([]);
      const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(h.db);
      expect(applied.rows).toEqual([{ name: '0001_station' }]);
    });

    it('throws MigrationError and keeps nothing when a migration fails', async () => {
      const broken: MigrationRecord = {
        ...migrations,
        '0003_broken': {
          async up(db) {
            await db.insertInto('station').values({ id: 2, name: '二号站' }).execute();
            await sql`select * from no_such_table`.execute(db);
          },
        },
      };

      const error = await migrateToLatest(h.db, broken).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as MigrationError).message).toMatch(/0003_broken.*no_such_table/s);
      expect((error as MigrationError).results.map((r) => r.status)).toEqual(['Success', 'Success', 'Error']);

      // One transaction for the whole run: even 0001 and 0002 were rolled back.
      const tables = await h.db.introspection.getTables();
      expect(tables.map((t) => t.name)).toEqual([]);
      const applied = await sql<{ n: number }>`select count(*) as n from kysely_migration`.execute(h.db);
      expect(applied.rows).toEqual([{ n: 0 }]);

      const fixed = await migrateToLatest(h.db, migrations);
      expect(fixed.results).toHaveLength(2);
    });

    it('lets only one of two concurrent migrators on one instance apply the migrations', async () => {
      const other = await h.instance.connect();
      const db2 = new Kysely<TestDatabase>({ dialect: new DuckDBDialect({ database: other }) });

      const outcomes = await Promise.allSettled([migrateToLatest(h.db, migrations), migrateToLatest(db2, migrations)]);
      const applied = outcomes.flatMap((o) => (o.status === 'fulfilled' ? (o.value.results ?? []) : []));

      // Whatever the interleaving: each migration applied exactly once.
      expect(
        applied
          .filter((r) => r.status === 'Success')
          .map((r) => r.migrationName)
          .sort(),
      ).toEqual(['0001_station', '0002_station_seed']);
      expect(await h.db.selectFrom('station').selectAll().execute()).toEqual([{ id: 1, name: '城南站' }]);
      expect((await migrateToLatest(db2, migrations)).results).toEqual([]);

      await db2.destroy();
    });
  });
});

describe('DuckDBDialect on a database file', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firestat-duckdb-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('persists migrations and Kysely inserts across reopen', async () => {
    const path = join(dir, 'warehouse.duckdb');
    const migrations: MigrationRecord = {
      '0001_station': { up: async (db) => createStationTable(db as Kysely<TestDatabase>) },
    };

    const first = await open(path);
    await migrateToLatest(first.db, migrations);
    await first.db.insertInto('station').values(station1).execute();
    await first.db.transaction().execute(async (trx) => {
      await trx.insertInto('station').values({ id: 2, name: '城北站', opened_on: '2021-01-01' }).execute();
    });
    await first.close();

    const second = await open(path);
    expect((await migrateToLatest(second.db, migrations)).results).toEqual([]);
    const rows = await second.db.selectFrom('station').select(['id', 'name', 'opened_on']).orderBy('id').execute();
    expect(rows).toEqual([
      { id: 1, name: '城南消防救援站', opened_on: '2019-05-12' },
      { id: 2, name: '城北站', opened_on: '2021-01-01' },
    ]);
    await second.close();
  });
});
