import { existsSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { queryRows } from '../../warehouse/query.js';
import type { Warehouse } from '../../warehouse/warehouse.js';

/** What a decision is. */
export type ReviewActionKind = 'ack' | 'reject' | 'accept' | 'undo';

/** One decision, as `review_actions` holds it and the journal keeps it (one JSON object a line). */
export interface ReviewAction {
  readonly action_id: number;
  /** Beijing wall time `YYYY-MM-DD HH:MM:SS`, as every other timestamp of the warehouse. */
  readonly acted_at: string;
  readonly acted_by: string;
  readonly action: ReviewActionKind;
  /** Finding id (ack), submission id when decided (reject, accept), decision id (undo). */
  readonly target: string;
  readonly note: string;
  readonly target_sha256: string | null;
  readonly target_path: string | null;
  readonly finding_digest: string | null;
  readonly unit: string | null;
  readonly year: number | null;
  readonly period_from: number | null;
  readonly period_to: number | null;
  readonly report_path: string | null;
}

const columns = [
  'action_id',
  'acted_at',
  'acted_by',
  'action',
  'target',
  'note',
  'target_sha256',
  'target_path',
  'finding_digest',
  'unit',
  'year',
  'period_from',
  'period_to',
  'report_path',
] as const satisfies readonly (keyof ReviewAction)[];

const kinds: ReadonlySet<string> = new Set(['ack', 'reject', 'accept', 'undo']);

/** The journal of a warehouse: `<warehouse>.review.jsonl`, beside it. */
export function journalPath(warehousePath: string): string {
  return `${warehousePath}.review.jsonl`;
}

/** A journal line that is not a decision (a line cut short by a crash, an edit by hand). */
export class JournalError extends Error {
  override readonly name = 'JournalError';
}

/** The decision a journal line holds, checked field by field; undefined for a line cut short at the end. */
function parseLine(line: string, n: number, path: string, last: boolean): ReviewAction | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    // A crash between write and fsync can leave the last line cut short: that decision was never published.
    if (last) return undefined;
    throw new JournalError(`审核日志 ${path} 第 ${n} 行不是完整的记录，无法重放；请检查该文件（不要删除其中的审核决定）`);
  }
  const o = raw as Record<string, unknown>;
  const id = Number(o.action_id);
  if (
    !Number.isSafeInteger(id) ||
    id <= 0 ||
    !kinds.has(String(o.action)) ||
    typeof o.acted_at !== 'string' ||
    typeof o.acted_by !== 'string' ||
    typeof o.target !== 'string' ||
    typeof o.note !== 'string'
  ) {
    throw new JournalError(`审核日志 ${path} 第 ${n} 行缺少必要的字段（action_id、acted_at、acted_by、action、target、note），无法重放`);
  }
  const text = (k: string) => (o[k] === null || o[k] === undefined ? null : String(o[k]));
  const int = (k: string) => (o[k] === null || o[k] === undefined ? null : Number(o[k]));
  return {
    action_id: id,
    acted_at: o.acted_at,
    acted_by: o.acted_by,
    action: o.action as ReviewActionKind,
    target: o.target,
    note: o.note,
    target_sha256: text('target_sha256'),
    target_path: text('target_path'),
    finding_digest: text('finding_digest'),
    unit: text('unit'),
    year: int('year'),
    period_from: int('period_from'),
    period_to: int('period_to'),
    report_path: text('report_path'),
  };
}

/** Every decision in the journal, in the order written (none when there is no journal). */
export async function readJournal(path: string): Promise<ReviewAction[]> {
  if (!existsSync(path)) return [];
  const lines = (await readFile(path, 'utf8')).split('\n');
  while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
  const out: ReviewAction[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const a = parseLine(line, i + 1, path, i === lines.length - 1);
    if (a) out.push(a);
  });
  return out;
}

/** One decision as its journal line. */
function journalLine(a: ReviewAction): string {
  return `${JSON.stringify(Object.fromEntries(columns.map((c) => [c, a[c]])))}\n`;
}

/**
 * Appends decisions to the journal and flushes them to disk (fsync) before returning: called
 * before the warehouse holding them is published, so a decision the analyst saw published is
 * never only in the (derived) warehouse.
 */
export async function appendJournal(path: string, actions: readonly ReviewAction[]): Promise<void> {
  if (actions.length === 0) return;
  const created = !existsSync(path);
  const handle = await open(path, 'a');
  try {
    await handle.appendFile(actions.map(journalLine).join(''), 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (created) {
    // The new file's name is durable only once its folder is.
    const dir = await open(dirname(path), 'r');
    try {
      await dir.sync();
    } catch {
      /* not every file system syncs a folder */
    } finally {
      await dir.close();
    }
  }
}

/** Inserts one decision; an undo marks the decision it undoes (`undone_by`). */
export async function insertAction(warehouse: Warehouse, a: ReviewAction): Promise<void> {
  await queryRows(
    warehouse,
    `INSERT INTO review_actions (${columns.join(', ')}) VALUES (${columns.map((_, i) => (i === 1 ? `CAST($${i + 1} AS TIMESTAMP)` : `$${i + 1}`)).join(', ')})`,
    columns.map((c) => a[c]),
  );
  if (a.action === 'undo')
    await queryRows(warehouse, `UPDATE review_actions SET undone_by = $1 WHERE action_id = $2 AND undone_by IS NULL`, [a.action_id, Number(a.target)]);
}

/** Every decision the warehouse holds, in order. */
async function warehouseActions(warehouse: Warehouse): Promise<(ReviewAction & { undone_by: number | null })[]> {
  const { rows } = await queryRows(warehouse, `SELECT *, strftime(acted_at, '%Y-%m-%d %H:%M:%S') AS at_text FROM review_actions ORDER BY action_id`);
  return rows.map((r) => ({
    action_id: Number(r.action_id),
    acted_at: String(r.at_text),
    acted_by: String(r.acted_by),
    action: String(r.action) as ReviewActionKind,
    target: String(r.target),
    note: String(r.note),
    target_sha256: r.target_sha256 == null ? null : String(r.target_sha256),
    target_path: r.target_path == null ? null : String(r.target_path),
    finding_digest: r.finding_digest == null ? null : String(r.finding_digest),
    unit: r.unit == null ? null : String(r.unit),
    year: r.year == null ? null : Number(r.year),
    period_from: r.period_from == null ? null : Number(r.period_from),
    period_to: r.period_to == null ? null : Number(r.period_to),
    report_path: r.report_path == null ? null : String(r.report_path),
    undone_by: r.undone_by == null ? null : Number(r.undone_by),
  }));
}

/**
 * Brings the warehouse and its journal together: every decision of the journal the warehouse
 * lacks is inserted (a warehouse built afresh from the inbox gets them all, before anything is
 * read, so an accepted file loads as accepted), in journal order; a decision only the warehouse
 * has (a journal lost or moved away) is written back to the journal. Returns how many were replayed.
 */
export async function syncJournal(warehouse: Warehouse, path: string): Promise<{ replayed: number; restored: number }> {
  const journal = await readJournal(path);
  const held = await warehouseActions(warehouse);
  const heldIds = new Set(held.map((a) => a.action_id));
  const journalIds = new Set(journal.map((a) => a.action_id));
  let replayed = 0;
  for (const a of journal) {
    if (heldIds.has(a.action_id)) continue;
    await insertAction(warehouse, a);
    heldIds.add(a.action_id);
    replayed++;
  }
  const missing = held.filter((a) => !journalIds.has(a.action_id)).map(({ undone_by: _u, ...a }) => a);
  if (missing.length && existsSync(dirname(path))) await appendJournal(path, missing);
  return { replayed, restored: missing.length };
}
