import type { BulletinDocument, DispatchDocument } from '../data/documents.js';

const quarterNames = ['', '一', '二', '三', '四'];
const statusNames: Record<string, string> = { late: '逾期报送', missing: '未报送', rejected: '被退回后未重新报送' };
const formNames: Record<string, string> = { T1: '镇街消防执法工作统计表', B1: '局本级执法工作月报', L1: '行政处罚案件台账', L2: '火灾隐患整改台账', R1: '案卷评查表' };

/** What the drafted bulletin is made from. */
export interface BulletinInput {
  readonly year: number;
  readonly quarter: number;
  readonly rankings: BulletinDocument['rankings'];
  readonly caseQuality: BulletinDocument['caseQuality'];
  readonly lateOrMissing: BulletinDocument['lateOrMissing'];
  readonly findings: DispatchDocument['findings'];
}

function showValue(indicator: string, value: number | null): string {
  if (value === null) return '—';
  if (indicator.endsWith('_rate')) return `${(value * 100).toFixed(1)}%`;
  if (indicator === 'problems_per_case') return value.toFixed(2);
  return String(value);
}

/**
 * The quarter's 通报 as Markdown, in the bureau's register: rankings, case-quality problems by
 * type and township, data-quality findings, and who was late or missing. Names only units —
 * never parties or people.
 */
export function bulletinText(input: BulletinInput): string {
  const q = quarterNames[input.quarter];
  const period = `${input.year}年第${q}季度`;
  const lines: string[] = [
    `# 关于${period}全区镇街消防执法工作情况的通报`,
    '',
    '各镇街：',
    '',
    `为推动镇街消防赋权执法、委托执法工作规范开展，现将${period}全区镇街消防执法工作情况通报如下。`,
    '',
    '## 一、主要指标排名',
    '',
  ];
  for (const r of input.rankings) {
    const ranked = r.entries.filter((e) => e.rank !== null);
    if (ranked.length === 0) {
      lines.push(`- ${r.label}：本季度无数据。`);
      continue;
    }
    const show = (e: (typeof ranked)[number]) => `${e.unit}（${showValue(r.indicator, e.value)}）`;
    const label = `${r.label}${r.better === 'lower' ? '（越少越好）' : ''}`;
    if (ranked.length <= 6) {
      lines.push(`- ${label}：依次为${ranked.map(show).join('、')}。`);
    } else {
      lines.push(`- ${label}：排名靠前的是${ranked.slice(0, 3).map(show).join('、')}；排名靠后的是${ranked.slice(-3).reverse().map(show).join('、')}。`);
    }
  }
  lines.push('', '## 二、案卷评查发现的问题', '');
  const cq = input.caseQuality;
  if (cq.reviewed === 0) {
    lines.push('本季度未开展案卷评查。');
  } else {
    const totals = cq.problems.filter((p) => (cq.totals[p] ?? 0) > 0).map((p) => `${p} ${cq.totals[p]} 份`);
    lines.push(`本季度共评查镇街行政处罚案卷 ${cq.reviewed} 份，发现${totals.length ? totals.join('、') : '问题 0 份'}。`);
    const worst = cq.byTownship
      .map((t) => ({ ...t, total: Object.values(t.counts).reduce((a, b) => a + b, 0) }))
      .filter((t) => t.total > 0)
      .sort((a, b) => b.total - a.total || a.unit.localeCompare(b.unit, 'zh'));
    for (const t of worst) {
      const parts = cq.problems.filter((p) => (t.counts[p] ?? 0) > 0).map((p) => `${p} ${t.counts[p]} 份`);
      lines.push(`- ${t.unit}：评查 ${t.reviewed} 份，${parts.join('、')}。`);
    }
  }
  lines.push('', '## 三、数据质量问题', '');
  if (input.findings.length === 0) {
    lines.push('本季度报送数据未发现不一致。');
  } else {
    for (const f of input.findings) lines.push(`- ${f.unit ? `${f.unit}：` : ''}${f.message}${f.path ? `（${f.path}${f.cell ? ` ${f.cell}` : ''}）` : ''}`);
  }
  lines.push('', '## 四、报送情况', '');
  if (input.lateOrMissing.length === 0) {
    lines.push('各单位均按时报送。');
  } else {
    for (const status of ['missing', 'rejected', 'late']) {
      const items = input.lateOrMissing.filter((x) => x.status === status);
      if (items.length === 0) continue;
      const byUnit = new Map<string, string[]>();
      for (const x of items) byUnit.set(x.unit, [...(byUnit.get(x.unit) ?? []), `${formNames[x.form] ?? x.form}${x.month ? ` ${x.month}月` : ''}`]);
      lines.push(`- ${statusNames[status]}：${[...byUnit].map(([unit, what]) => `${unit}（${what.join('、')}）`).join('；')}。`);
    }
  }
  lines.push(
    '',
    '## 五、工作要求',
    '',
    '请各镇街对照本通报，逐项核实整改数据质量和案卷质量问题，按时、准确报送统计报表和台账；对排名靠后的指标，分析原因、制定措施，切实提升消防执法规范化水平。',
    '',
  );
  return lines.join('\n');
}
