import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnitRegistry } from '../../domain/units.js';
import { ingest, type IngestResult } from '../../pipelines/ingest/ingest.js';
import { FolderInbox } from '../../sources/inbox/folder-inbox.js';
import { writeSampleInbox, type SampleFile, type SampleManifest } from '../../sources/sample/index.js';
import { queryRows } from '../../warehouse/query.js';
import { Warehouse } from '../../warehouse/warehouse.js';

/** Section 一 of the bureau's 2024 report (seed/000_559e665f033afaeb.txt), written out by hand. */
const reportFigures: Record<string, number> = {
  'bureau|出动执法人员': 9858,
  'bureau|消防监督检查': 4929,
  'bureau|发现隐患': 2838,
  'bureau|督促整改隐患': 2792,
  'bureau|责令改正通知书': 2476,
  'bureau|重大火灾隐患整改通知书': 7,
  'bureau|整改重大火灾隐患': 6,
  'bureau|处理投诉': 1283,
  'bureau|行政许可': 619,
  'bureau|行政处罚': 521,
  'bureau|责令三停': 36,
  'bureau|责令查封': 4,
  'bureau|火灾调查·一般程序': 18,
  'bureau|火灾调查·简易程序': 120,
  'bureau|火灾调查·轻微火灾': 346,
  'bureau|案件移送通知书': 1,
  'bureau|宣传教育': 100000,
  'bureau|培训': 4,
  'township|检查社会单位': 7982,
  'township|发现火灾隐患': 9829,
  'township|整改火灾隐患': 9062,
  'township|赋权执法案件·一般程序': 80,
  'township|赋权执法案件·简易程序': 200,
  'township|委托执法案件·一般程序': 50,
  'township|委托执法案件·简易程序': 20,
  'township|消防管理岗人员': 34,
};

/** The kinds of mess docs/domain.md lists; the sample must show each at least once. */
const expectedMess = [
  'title-row',
  'fill-in-row',
  'two-level-header',
  'merged-cells',
  'header-line-break',
  'header-spaces',
  'header-full-width-brackets',
  'header-half-width-brackets',
  'total-row',
  'contact-row',
  'note-row',
  'number-as-text',
  'full-width-digits',
  'zero-as-mark',
  'empty-cell',
  'thousands-separator',
  'amount-with-unit',
  'date:cjk',
  'date:dot',
  'date:slash',
  'date:dash',
  'date:iso',
  'date:excel-cell',
  'short-unit-name',
  'blank-row',
  'serial-column',
  'sheet-per-month',
  'yes-no-ticks',
];

const clock = () => new Date('2025-02-01T02:00:00Z');

let dir: string;
let manifest: SampleManifest;
let result: IngestResult;
let warehouse: Warehouse;
const timings = { generate: 0, ingest: 0 };

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await queryRows(warehouse, sql)).rows;
}

function planted(plant: string): SampleFile[] {
  return manifest.files.filter((f) => f.plants.includes(plant));
}

function one(plant: string): SampleFile {
  const files = planted(plant);
  expect(files, plant).toHaveLength(1);
  return files[0]!;
}

/** Hash of an xlsx's member contents (the zip's own time stamps left out), or of a CSV's bytes. */
async function contentHash(path: string): Promise<string> {
  if (!path.endsWith('.xlsx')) return createHash('sha256').update(readFileSync(path)).digest('hex');
  const zip = await new Promise<yauzl.ZipFile>((ok, fail) => yauzl.open(path, { lazyEntries: true }, (e, z) => (e ? fail(e) : ok(z))));
  const members: string[] = [];
  await new Promise<void>((ok, fail) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (e, stream) => {
        if (e) return fail(e);
        const hash = createHash('sha256');
        stream.on('data', (c: Buffer) => hash.update(c));
        stream.on('end', () => {
          members.push(`${entry.fileName}:${hash.digest('hex')}`);
          zip.readEntry();
        });
        stream.on('error', fail);
      });
    });
    zip.on('end', () => ok());
    zip.on('error', fail);
    zip.readEntry();
  });
  zip.close();
  return createHash('sha256').update(members.sort().join('\n')).digest('hex');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'firestat-sample-'));
  const inbox = join(dir, 'inbox');
  let t = performance.now();
  manifest = await writeSampleInbox({ outDir: inbox });
  timings.generate = performance.now() - t;
  warehouse = await Warehouse.open({ path: join(dir, 'w.duckdb') });
  t = performance.now();
  result = await ingest({ source: new FolderInbox(inbox), warehouse, registry: UnitRegistry.sample(), reportsDir: join(dir, 'reports'), clock });
  timings.ingest = performance.now() - t;
  console.log(
    `sample year: ${manifest.files.length} files generated in ${(timings.generate / 1000).toFixed(1)} s, ` +
      `ingested in ${(timings.ingest / 1000).toFixed(1)} s (${result.counts.rows_loaded} rows)`,
  );
});

afterAll(async () => {
  await warehouse?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the sample year, ingested by the real pipeline', () => {
  it('reproduces every figure of the 2024 report exactly', async () => {
    const got: Record<string, number> = {};
    for (const r of await rows('SELECT scope, label, value FROM year_figures WHERE year = 2024')) got[`${r['scope']}|${r['label']}`] = Number(r['value']);
    const joint = got['township|联合执法检查'];
    delete got['township|联合执法检查'];
    expect(got).toEqual(reportFigures);
    // The report says 300 余次; the sample picks an exact number.
    expect(joint).toBeGreaterThanOrEqual(301);
    expect(joint).toBeLessThanOrEqual(399);
    expect(joint).toBe(manifest.jointInspections);
  });

  it('gives every file the status the manifest expects', async () => {
    const status = new Map((await rows('SELECT path, status FROM submissions')).map((r) => [String(r['path']), String(r['status'])]));
    const outcome = new Map(result.outcomes.map((o) => [o.path, o.status]));
    for (const f of manifest.files) {
      const got = f.expected === 'unchanged' ? outcome.get(f.path) : status.get(f.path);
      expect(`${f.path} ${got}`).toBe(`${f.path} ${f.expected}`);
    }
    expect(result.outcomes).toHaveLength(manifest.files.length);
  });

  it('refuses the planted bad files with a reason naming the cell and value', async () => {
    const reason = async (f: SampleFile) => String((await rows(`SELECT reason FROM submissions WHERE path = '${f.path}'`))[0]?.['reason']);
    const text = await reason(one('refused:text-in-count'));
    expect(text).toContain('待统计');
    expect(text).toMatch(/[A-Z]+\d+ 单元格“联合执法检查”/);
    const conflict = one('refused:unit-conflict');
    const conflictReason = await reason(conflict);
    expect(conflictReason).toContain('报送单位前后不一致');
    expect(conflictReason).toContain(conflict.unit);
    expect(await reason(one('refused:damaged-workbook'))).toMatch(/损坏|不完整/);
    // Each refusal is followed by a corrected file for the same unit, form and period that loads.
    for (const bad of [...planted('refused:text-in-count'), conflict, ...planted('refused:damaged-workbook')]) {
      const fix = manifest.files.find(
        (f) => f.plants.includes('resubmission:after-refusal') && f.unit === bad.unit && f.form === bad.form && f.period === bad.period,
      );
      expect(fix?.expected, bad.path).toBe('loaded');
      expect(fix!.receivedAt > bad.receivedAt).toBe(true);
    }
  });

  it('replaces the first T1 of the resubmitting township by its correction', async () => {
    const first = one('superseded');
    const correction = one('resubmission:correction');
    const [old] = await rows(`SELECT status, replaced_by FROM submissions WHERE path = '${first.path}'`);
    const [fix] = await rows(`SELECT submission_id, status FROM submissions WHERE path = '${correction.path}'`);
    expect(old?.['status']).toBe('replaced');
    expect(Number(old?.['replaced_by'])).toBe(Number(fix?.['submission_id']));
    expect(fix?.['status']).toBe('loaded');
    // The first version said something else.
    const [diff] = await rows(`
      SELECT count(*) AS n FROM (
        SELECT * EXCLUDE (submission_id, sheet, source_row) FROM t1_township_stats WHERE submission_id = (SELECT submission_id FROM submissions WHERE path = '${first.path}')
        EXCEPT
        SELECT * EXCLUDE (submission_id, sheet, source_row) FROM t1_township_stats WHERE submission_id = ${Number(fix?.['submission_id'])})`);
    expect(Number(diff?.['n'])).toBeGreaterThan(0);
  });

  it('marks the late township as received after the due date', async () => {
    const late = planted('late');
    expect(late.length).toBeGreaterThanOrEqual(3);
    for (const f of late) {
      expect(f.late).toBe(true);
      const [s] = await rows(`SELECT strftime(received_at, '%Y-%m-%dT%H:%M:%S') AS at FROM submissions WHERE path = '${f.path}'`);
      expect(`${String(s?.['at'])}+08:00`).toBe(f.receivedAt);
    }
  });

  it('keeps T1 in step with the ledgers, except the planted disagreement', async () => {
    const mismatches = await rows(`
      WITH t AS (
        SELECT unit, quarter, metric, value FROM quarter_figures WHERE year = 2024 AND form = 'T1'
          AND metric IN ('hazards_found', 'hazards_rectified', 'empowered_general_cases', 'empowered_simple_cases', 'entrusted_general_cases', 'entrusted_simple_cases')),
      l AS (
        SELECT unit, found_quarter AS quarter, 'hazards_found' AS metric, count(*) AS value FROM hazards WHERE found_year = 2024 GROUP BY ALL
        UNION ALL SELECT unit, rectified_quarter, 'hazards_rectified', count(*) FROM hazards WHERE rectified_year = 2024 GROUP BY ALL
        UNION ALL SELECT unit, decision_quarter,
          CASE enforcement_type WHEN '赋权执法' THEN 'empowered_' ELSE 'entrusted_' END || CASE procedure WHEN '一般程序' THEN 'general_cases' ELSE 'simple_cases' END, count(*)
          FROM cases WHERE decision_year = 2024 AND enforcement_type <> '本级执法' GROUP BY ALL)
      SELECT t.unit, t.quarter, t.metric, t.value - coalesce(l.value, 0) AS diff
      FROM t LEFT JOIN l USING (unit, quarter, metric) WHERE t.value <> coalesce(l.value, 0) ORDER BY t.quarter`);
    const breach = planted('breach:t1-vs-l2');
    expect(breach.map((f) => f.period)).toEqual(['2024Q2', '2024Q3']);
    expect(mismatches.map((m) => [m['unit'], m['quarter'], m['metric'], Number(m['diff'])])).toEqual([
      [breach[0]!.unit, 2, 'hazards_found', 3],
      [breach[0]!.unit, 3, 'hazards_found', -3],
    ]);
  });

  it("keeps the bureau's B1 in step with its ledgers month by month", async () => {
    const mismatches = await rows(`
      WITH b AS (
        SELECT b.month, sum(penalties) AS p, sum(hazards_found) AS f, sum(hazards_rectified) AS r
        FROM b1_bureau_monthly b JOIN submissions s USING (submission_id) WHERE s.status = 'loaded' AND b.year = 2024 GROUP BY ALL),
      c AS (SELECT month(decision_date) AS month, count(*) AS p FROM cases WHERE enforcement_type = '本级执法' GROUP BY ALL),
      f AS (SELECT month(inspection_date) AS month, count(*) AS f FROM hazards WHERE unit = '防火监督科' GROUP BY ALL),
      r AS (SELECT month(rectified_date) AS month, count(*) AS r FROM hazards WHERE unit = '防火监督科' AND rectified_date IS NOT NULL GROUP BY ALL)
      SELECT * FROM b FULL JOIN c USING (month) FULL JOIN f USING (month) FULL JOIN r USING (month)
      WHERE b.p IS DISTINCT FROM c.p OR b.f IS DISTINCT FROM f.f OR b.r IS DISTINCT FROM r.r`);
    expect(mismatches).toEqual([]);
    const [counts] = await rows(
      `SELECT count(*) AS months FROM b1_bureau_monthly b JOIN submissions s USING (submission_id) WHERE s.status = 'loaded' AND b.unit = '火灾调查科'`,
    );
    expect(Number(counts?.['months'])).toBe(12);
  });

  it('plants exactly one over-cap 简易程序 fine and one hazard rectified before it was found', async () => {
    const overCap = await rows(`
      SELECT unit, party, fine_amount FROM cases WHERE procedure = '简易程序'
        AND ((party_type = '个人' AND fine_amount > 200) OR (party_type = '单位' AND fine_amount > 3000))`);
    expect(overCap).toHaveLength(1);
    expect(Number(overCap[0]?.['fine_amount'])).toBe(500);
    expect(manifest.personNames).toContain(String(overCap[0]?.['party']));
    const early = await rows('SELECT unit FROM hazards WHERE rectified_date < inspection_date');
    expect(early).toHaveLength(1);
    const [rules] = await rows(`
      SELECT count(*) FILTER (decision_date < filed_date) AS undated,
             (SELECT count(*) FROM hazards WHERE deadline <= inspection_date) AS deadlines,
             count(*) - count(DISTINCT case_no) AS duplicate_numbers,
             count(*) FILTER (procedure = '一般程序' AND fine_amount <= 200) AS small_general
      FROM cases`);
    expect(Object.values(rules ?? {}).map(Number)).toEqual([0, 0, 0, 0]);
  });

  it('warns only about what was planted', async () => {
    const problems = await rows(`
      SELECT s.status, p.severity, p.code, count(*) AS n FROM submission_problems p JOIN submissions s USING (submission_id)
      WHERE p.severity <> 'notice' GROUP BY ALL ORDER BY p.code`);
    expect(problems.map((p) => `${p['status']} ${p['severity']} ${p['code']} ${Number(p['n'])}`)).toEqual([
      'rejected error invalid_value 1',
      'rejected error read_corrupt 1',
      'loaded warning total_mismatch 1',
      'rejected error unit_conflict 1',
      'loaded warning unknown_column 1',
    ]);
  });

  it('covers every kind of real-life mess and every file format', () => {
    const seen = new Set(manifest.files.flatMap((f) => f.features));
    expect(expectedMess.filter((m) => !seen.has(m))).toEqual([]);
    expect(new Set(manifest.files.map((f) => f.format))).toEqual(new Set(['xlsx-excel', 'xlsx-export', 'csv-gb18030', 'csv-utf8-bom']));
    expect(new Set(manifest.files.map((f) => f.form))).toEqual(new Set(['T1', 'B1', 'L1', 'L2', 'R1']));
    const plants = new Set(manifest.files.flatMap((f) => f.plants));
    for (const p of [
      'late',
      'superseded',
      'resubmission',
      'refused:text-in-count',
      'refused:unit-conflict',
      'refused:damaged-workbook',
      'breach:over-cap-fine',
      'breach:rectified-before-found',
      'breach:t1-vs-l2',
      'duplicate',
      'resend:carry-open',
      'resend:cumulative',
      'quarterly-workbook',
    ]) {
      expect(plants.has(p), p).toBe(true);
    }
    expect(manifest.personNames.length).toBeGreaterThan(5);
    expect(manifest.contactNames.length).toBeGreaterThan(5);
  });

  it('is deterministic: the same seed writes the same content', async () => {
    const again = join(dir, 'again');
    const second = await writeSampleInbox({ outDir: again });
    expect(second).toEqual(manifest);
    for (const f of manifest.files) {
      // A truncated zip has no directory to list its members by; its size was compared in the manifest.
      if (f.plants.includes('refused:damaged-workbook')) continue;
      expect(await contentHash(join(again, f.path)), f.path).toBe(await contentHash(join(dir, 'inbox', f.path)));
    }
  });

  it('runs well under a minute', () => {
    // About 12 s on an idle 2-core machine; the bound leaves room for a busy one.
    expect(timings.generate + timings.ingest).toBeLessThan(50_000);
  });
});
