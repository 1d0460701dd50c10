import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { systemClock } from '../../domain/clock.js';
import { UnitRegistry } from '../../domain/units.js';
import { FolderInbox } from '../../sources/inbox/folder-inbox.js';
import { writeSampleInbox, type SampleManifest } from '../../sources/sample/index.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { ingest } from '../ingest/ingest.js';
import { build } from '../../dashboards/build.js';
import { defaultPublishers } from '../../dashboards/publishers.js';
import { queryRows } from '../../warehouse/query.js';
import { formatTable } from './table-format.js';
import { loadPersonalStrings } from '../../warehouse/personal-data.js';
import { noticesFolder, writeNoticeSet } from '../notices/notice-files.js';
import { noticesReport } from '../notices/notices-command.js';
import { composeNotices } from '../notices/notices.js';

/** What `firestat demo` leaves in its folder; only these are removed when it runs again. */
const demoEntries = ['inbox', 'warehouse.duckdb', 'warehouse.duckdb.wal', 'reports', 'out'];

/**
 * Writes the sample year into `dir/inbox`, ingests it into `dir/warehouse.duckdb` and prints what
 * happened and where to look. Starts afresh each time, touching nothing it did not make.
 */
export async function runDemo(dirArg: string, out: (line: string) => void): Promise<{ manifest: SampleManifest; outDir: string; warehousePath: string }> {
  const dir = resolve(dirArg);
  if (existsSync(dir)) {
    const foreign = readdirSync(dir).filter((n) => !demoEntries.includes(n));
    if (foreign.length > 0 && !readdirSync(dir).includes('warehouse.duckdb')) {
      throw new Error(`目录 ${dir} 中已有其他文件（${foreign.slice(0, 3).join('、')}…），为免误删，请换一个目录：npm run demo -- --dir 新目录`);
    }
    for (const n of demoEntries) rmSync(join(dir, n), { recursive: true, force: true });
  }
  const inbox = join(dir, 'inbox');
  const started = performance.now();
  const manifest = await writeSampleInbox({ outDir: inbox, year: 2024, seed: 1 });
  out(`已生成样例收件箱：${inbox}（${manifest.files.length} 个文件，2024 年全年，22 个镇街与 4 个局本级科室）`);

  const warehousePath = join(dir, 'warehouse.duckdb');
  const warehouse = await Warehouse.open({ path: warehousePath });
  try {
    const result = await ingest({
      source: new FolderInbox(inbox),
      warehouse,
      registry: UnitRegistry.sample(),
      reportsDir: join(dir, 'reports'),
      clock: systemClock,
    });
    const c = result.counts;
    out(`已入库：${c.files_loaded} 个文件，${c.rows_loaded} 行；替换旧文件 ${c.files_replaced} 个；退回 ${c.files_refused} 个`);
    for (const o of result.outcomes.filter((x) => x.status === 'rejected')) out(`  退回 ${o.path}\n       ${o.reason ?? ''}`);
    for (const o of result.outcomes.filter((x) => x.status === 'failed')) out(`  处理失败（下次运行重试） ${o.path}\n       ${o.reason ?? ''}`);
    for (const o of result.outcomes.filter((x) => x.replacedIds?.length)) out(`  更正 ${o.path}（替换了此前报送的同期文件）`);
    const asOf = '2025-01-20';
    const registry = UnitRegistry.sample();
    // The personal strings once, for the notices and the outputs alike.
    const personal = await loadPersonalStrings(warehouse);
    const built = await build({
      warehouse,
      outDir: join(dir, 'out'),
      year: 2024,
      generatedAt: new Date().toISOString(),
      asOf,
      issuer: registry.bureau,
      personal,
      publishers: await defaultPublishers(),
    });
    out(`已生成输出：${built.files.length} 个文件（数据截至 ${asOf}，即年度报告起草时）`);
    const notices = await writeNoticeSet(
      noticesFolder(join(dir, 'reports'), asOf),
      await composeNotices(warehouse, { asOf, issuer: registry.bureau, personal }),
    );
    out(noticesReport(notices).join('\n'));
    const { columns, rows } = await queryRows(
      warehouse,
      'SELECT scope AS 范围, label AS 指标, value AS 数值 FROM year_figures WHERE year = 2024 ORDER BY scope DESC, position',
    );
    out('\n2024 年主要数字（year_figures）：');
    out(
      formatTable(
        columns,
        rows.map((r) => ({ ...r, 范围: r['范围'] === 'bureau' ? '局本级' : '镇街' })),
      ),
    );
    out(`\n用时 ${((performance.now() - started) / 1000).toFixed(1)} 秒。接下来可以看：`);
    out(`  数据仓库   ${warehousePath}`);
    out(`  查询示例   npx firestat sql --warehouse ${warehousePath} "SELECT * FROM year_figures"`);
    out(`  退回说明   ${join(dir, 'reports')}`);
    out(`  催报通知   ${notices.dir}（每个单位一份，可直接转发微信；催报汇总给领导）`);
    out(`  输出       ${join(dir, 'out')}（data/ 看板数据，xlsx/ 汇总表·调度表·通报，docx/ 通报与年度报告 Word 文稿，text/ 通报与年度报告文字稿）`);
    out('\n年度报告文字稿：');
    for (const p of built.documents.year.paragraphs) out(`  ${p}`);
    out(`\n看板首页（双击即可离线打开）：${join(dir, 'out', 'index.html')}`);
  } finally {
    await warehouse.close();
  }
  return { manifest, outDir: join(dir, 'out'), warehousePath };
}
