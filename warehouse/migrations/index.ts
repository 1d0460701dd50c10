import type { Migration } from 'kysely';
import { initial } from './0001-initial.js';
import { cumulativeFigures } from './0002-cumulative-figures.js';
import { retryAndReprocess } from './0003-retry-and-reprocess.js';
import { reviewActions } from './0004-review-actions.js';

/**
 * Every schema migration, by name; names sort in the order they run. A migration that has run
 * is never edited: a change to the schema is a new entry.
 */
export const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-cumulative-figures': cumulativeFigures,
  '0003-retry-and-reprocess': retryAndReprocess,
  '0004-review-actions': reviewActions,
};
