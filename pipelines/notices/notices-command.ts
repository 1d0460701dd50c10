import { Warehouse } from '../../warehouse/warehouse.js';
import { loadPersonalStrings } from '../../warehouse/personal-data.js';
import { writeNoticeSet, type WrittenNotices } from './notice-files.js';
import { composeNotices } from './notices.js';

/**
 * `firestat notices`: the 催报通知 as at a reference date, from the published warehouse opened
 * read-only (analysts and a run in progress are not disturbed; nothing in the warehouse changes).
 */
export async function noticesCommand(options: {
  readonly warehousePath: string;
  readonly asOf: string;
  readonly outDir: string;
  readonly issuer: string;
}): Promise<WrittenNotices> {
  const warehouse = await Warehouse.open({ path: options.warehousePath, readOnly: true, sandbox: {} });
  try {
    const personal = await loadPersonalStrings(warehouse);
    const set = await composeNotices(warehouse, { asOf: options.asOf, issuer: options.issuer, personal });
    return await writeNoticeSet(options.outDir, set);
  } finally {
    await warehouse.close();
  }
}

/** What `run` and `notices` print about written notices: where, one line per unit, who got none. */
export function noticesReport(w: WrittenNotices, show: (text: string) => string = (t) => t): string[] {
  const lines = [
    w.notices.length
      ? `催报通知 ${w.notices.length} 份（每个需要提醒的单位一份，可直接转发）及领导汇总：${show(w.dir)}`
      : `没有需要催报的单位，只写了领导汇总：${show(w.dir)}`,
  ];
  for (const n of w.notices) {
    const parts = [n.refused ? `退回 ${n.refused}` : '', n.missing ? `逾期未报 ${n.missing}` : '', n.upcoming ? `即将到期 ${n.upcoming}` : '']
      .filter(Boolean)
      .join('，');
    lines.push(`  ${show(n.unit)}（${parts}）：${show(n.path)}`);
  }
  lines.push(`  汇总：${show(w.summary)}`);
  if (w.quiet.length) lines.push(`  ${w.quiet.length} 个单位没有需要提醒的事项，未写通知`);
  return lines;
}
