import { sql, type Kysely, type Migration } from 'kysely';
import { forms } from '../../domain/forms/index.js';
import { coreTablesDdl } from '../schema/core-tables.js';
import { factTableDdl } from '../schema/fact-tables.js';

/** Units, runs, submissions, problems, and one fact table per form, all with Chinese comments. */
export const initial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const statement of [...coreTablesDdl(), ...forms.flatMap(factTableDdl)]) {
      await sql.raw(statement).execute(db);
    }
  },
};
