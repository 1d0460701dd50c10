import { sql, type Kysely, type Migration } from 'kysely';
import { coreTablesDdl } from '../schema/core-tables.js';

/** `cumulative_figures`: the 累计 columns written beside a period's figures, kept for checking. */
export const cumulativeFigures: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const statement of coreTablesDdl('0002')) await sql.raw(statement).execute(db);
  },
};
