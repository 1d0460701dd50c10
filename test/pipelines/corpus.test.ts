import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Warehouse } from '../../warehouse/warehouse.js';
import { queryRows } from '../../warehouse/query.js';
import { tempDir } from '../support/ingest-helpers.js';

const repoRoot = new URL('../../', import.meta.url).pathname;
/** CI clones the repo with shared/ beside it, as here. */
const corpus = resolve(repoRoot, 'test/corpus/real-world');
const bin = join(repoRoot, 'bin/firestat.js');

describe('the real-world corpus (84 hostile and odd files)', () => {
  it('accounts for every file, loaded or refused with a reason, within bounded memory and time', async () => {
    const dir = tempDir();
    const inbox = join(dir, 'inbox');
    mkdirSync(inbox);
    const files = readdirSync(corpus).sort();
    for (const f of files) copyFileSync(join(corpus, f), join(inbox, f));
    const wh = join(dir, 'w.duckdb');
    const started = Date.now();
    const r = spawnSync('node', [bin, 'ingest', '--inbox', inbox, '--warehouse', wh, '--quiet'], {
      encoding: 'utf8',
      env: { ...process.env, FIRESTAT_REPORT_RSS: '1' },
      timeout: 240_000,
    });
    const seconds = (Date.now() - started) / 1000;
    expect(r.status, r.stderr).toBe(0);
    const rss = Number(/firestat-peak-rss-kib (\d+)/.exec(r.stderr)?.[1]);
    process.stdout.write(`corpus: ${files.length} files in ${seconds.toFixed(1)} s, peak RSS ${(rss / 1024).toFixed(0)} MiB\n`);
    expect(rss).toBeLessThan(1024 * 1024);

    const w = await Warehouse.open({ path: wh, readOnly: true });
    try {
      const { rows } = await queryRows(w, 'SELECT path, status, reason, duration_ms FROM submissions ORDER BY path');
      expect(rows.map((x) => x.path)).toEqual(files);
      for (const row of rows) {
        expect(['loaded', 'rejected']).toContain(row.status);
        if (row.status === 'rejected') expect(String(row.reason).length, String(row.path)).toBeGreaterThan(8);
        expect(Number(row.duration_ms), String(row.path)).toBeLessThan(60_000);
      }
      const byName = Object.fromEntries(rows.map((x) => [String(x.path), x]));
      expect(byName['calamine__pass_protected_encrypted.xlsx']?.reason).toMatch(/加密|密码/);
      // Read since .xls support: its one visible sheet holds no form, so it is refused for that, not
      // for its format; its hidden, very hidden and chart sheets were skipped with notices.
      expect(byName['calamine__any_sheets_biff8.xls']?.reason).toContain('没有找到');
      const xlsNotices = await queryRows(
        w,
        "SELECT p.code, p.sheet FROM submission_problems p JOIN submissions s USING (submission_id) WHERE s.path = 'calamine__any_sheets_biff8.xls' AND p.code IN ('hidden_sheet_skipped', 'chart_sheet_skipped') ORDER BY p.seq",
      );
      expect(xlsNotices.rows.map((x) => `${String(x.code)}:${String(x.sheet)}`)).toEqual([
        'hidden_sheet_skipped:Hidden',
        'hidden_sheet_skipped:VeryHidden',
        'chart_sheet_skipped:Chart',
      ]);
      expect(byName['calamine__any_sheets.ods']?.reason).toContain('另存为');
      expect(byName['frictionless__empty_0_bytes.csv']?.status).toBe('rejected');
      expect(byName['poi__54764_billion_laughs.xlsx']?.status).toBe('rejected');
      expect(byName['frictionless__wide_9074_columns.csv']?.reason).toMatch(/列/);
      // None of these is one of our forms: a readable file is refused for having no recognisable table.
      expect(byName['ncov__daily_2020_02_10_zh.csv']?.reason).toContain('没有找到');
      const summary = await queryRows(w, 'SELECT status, count(*) AS n FROM submissions GROUP BY status ORDER BY status');
      process.stdout.write(`corpus outcome: ${JSON.stringify(summary.rows)}\n`);
    } finally {
      await w.close();
    }
  });
});
