import { forms, townshipStatsForm } from '../../domain/forms/index.js';
import type { BulletinDocument } from '../data/documents.js';
import { isOverHundred, overHundredNote, percentText, rateOf } from '../rates.js';
import { chineseDate, officialMarkdown, type OfficialBlock, type OfficialText } from './official-text.js';
import { maxNamedTies, rankingSentence, unrankedSentence } from './ranking-text.js';

const quarterNames = ['', '一', '二', '三', '四'];

/** Who the 通报 is addressed to (主送机关). */
const bulletinRecipients = '各镇人民政府、街道办事处：';

/** What the drafted bulletin is made from: the bulletin document's data, without its text. */
export type BulletinInput = Pick<BulletinDocument, 'year' | 'quarter' | 'asOf' | 'overview' | 'rankings' | 'caseQuality' | 'lateOrMissing' | 'findings'> & {
  /** 发文机关 (落款): `重庆市渝北区消防救援局`. */
  readonly issuer: string;
};

const statusWords: Record<string, string> = { missing: '未报送', rejected: '报送后被退回、尚未重新报送', late: '逾期报送' };

function formName(code: string): string {
  return forms.find((f) => f.code === code)?.name ?? '报表';
}

const unitOf = (id: string) => townshipStatsForm.fields.find((f) => f.id === id)?.unit ?? '';

/** `龙溪街道、大湾镇`; more than {@link maxNamedTies} are counted: `上述 19 个镇街`. */
function joinUnits(units: readonly string[], counted = `上述 ${units.length} 个镇街`): string {
  return units.length > maxNamedTies ? counted : units.join('、');
}

/** `增加 12 家（增长 5.3%）`, `减少 3 处（下降 2.1%）`, `持平`. */
function change(current: number, previous: number, unit: string): string {
  const diff = current - previous;
  if (diff === 0) return '持平';
  const amount = `${Math.abs(diff)} ${unit}`.trim();
  if (previous === 0) return `增加 ${amount}（上季度为 0）`;
  const rel = percentText(rateOf(Math.abs(diff), previous));
  return diff > 0 ? `增加 ${amount}（增长 ${rel}）` : `减少 ${amount}（下降 ${rel}）`;
}

/**
 * The 成文日期: the quarter's reporting deadline (the bulletin follows the last reports), or the
 * data's reference date when that is earlier.
 */
function issueDate(input: BulletinInput): string {
  const due = input.overview.dueDate;
  return chineseDate(due && due < input.asOf ? due : input.asOf);
}

function overviewBlocks(input: BulletinInput, period: string): OfficialBlock[] {
  const o = input.overview;
  const v = (id: string) => o.quarter[id] ?? 0;
  const t = (id: string) => `${v(id)} ${unitOf(id)}`.trim();
  const empowered = v('empowered_general_cases') + v('empowered_simple_cases');
  const entrusted = v('entrusted_general_cases') + v('entrusted_simple_cases');
  const caseUnit = unitOf('empowered_general_cases');
  const notIn = o.notReported.length > 0 ? `（${joinUnits(o.notReported, `${o.notReported.length} 个镇街`)}未报送本季度统计表，未计入）` : '';
  const figures =
    `${period}，全区 ${o.townships} 个镇街共检查社会单位 ${t('units_inspected')}，发现火灾隐患 ${t('hazards_found')}，整改火灾隐患 ${t('hazards_rectified')}；` +
    `办理消防赋权执法案件 ${empowered} ${caseUnit}（一般程序 ${t('empowered_general_cases')}、简易程序 ${t('empowered_simple_cases')}），` +
    `委托执法案件 ${entrusted} ${caseUnit}（一般程序 ${t('entrusted_general_cases')}、简易程序 ${t('entrusted_simple_cases')}）；` +
    `会同有关部门开展联合执法检查 ${t('joint_inspections')}；全区共有消防管理岗人员 ${t('fire_staff')}${notIn}。`;
  const found = o.yearToDate.hazards_found ?? 0;
  const rectified = o.yearToDate.hazards_rectified ?? 0;
  const rate = rateOf(rectified, found);
  const ytd =
    rate === null
      ? ''
      : `截至本季度末，各镇街年初以来累计发现火灾隐患 ${found} ${unitOf('hazards_found')}、整改 ${rectified} ${unitOf('hazards_rectified')}，累计整改率 ${percentText(rate)}${isOverHundred(rate) ? `（${overHundredNote}）` : ''}。`;
  const blocks: OfficialBlock[] = [{ kind: 'paragraph', text: `${figures}${ytd}` }];
  const p = o.previousQuarter;
  if (p) {
    const pv = (id: string) => p[id] ?? 0;
    const pCases = pv('empowered_general_cases') + pv('empowered_simple_cases') + pv('entrusted_general_cases') + pv('entrusted_simple_cases');
    blocks.push({
      kind: 'paragraph',
      text:
        `与上季度相比，检查社会单位${change(v('units_inspected'), pv('units_inspected'), unitOf('units_inspected'))}，` +
        `发现火灾隐患${change(v('hazards_found'), pv('hazards_found'), unitOf('hazards_found'))}，` +
        `整改火灾隐患${change(v('hazards_rectified'), pv('hazards_rectified'), unitOf('hazards_rectified'))}，` +
        `办理案件${change(empowered + entrusted, pCases, caseUnit)}，` +
        `联合执法检查${change(v('joint_inspections'), pv('joint_inspections'), unitOf('joint_inspections'))}。`,
    });
  }
  return blocks;
}

function reviewBlocks(input: BulletinInput): OfficialBlock[] {
  const cq = input.caseQuality;
  if (cq.reviewed === 0) return [{ kind: 'paragraph', text: '本季度未开展镇街行政处罚案卷评查。' }];
  const r = (k: string) => cq.results[k] ?? 0;
  const blocks: OfficialBlock[] = [
    {
      kind: 'paragraph',
      text: `本季度，我局对 ${cq.byTownship.length} 个镇街的 ${cq.reviewed} 份行政处罚案卷开展评查，其中合格 ${r('合格')} 份、基本合格 ${r('基本合格')} 份、不合格 ${r('不合格')} 份。`,
    },
  ];
  if (cq.failed.length > 0) {
    const byUnit = new Map<string, string[]>();
    for (const f of cq.failed) byUnit.set(f.unit, [...(byUnit.get(f.unit) ?? []), f.caseNo]);
    blocks.push({
      kind: 'paragraph',
      text: `评定为不合格的案卷 ${cq.failed.length} 份：${[...byUnit].map(([unit, cases]) => `${unit} ${cases.length} 份（${cases.join('、')}）`).join('；')}。`,
    });
  }
  const totals = cq.problems.filter((p) => (cq.totals[p] ?? 0) > 0).map((p) => `${p} ${cq.totals[p]} 份`);
  blocks.push({
    kind: 'paragraph',
    text: totals.length
      ? `评查发现的问题主要有：${totals.join('、')}（一份案卷可能同时存在几类问题）。各镇街案卷存在的问题如下：`
      : '被评查的案卷均未发现问题。',
  });
  const worst = cq.byTownship
    .map((t) => ({ ...t, total: Object.values(t.counts).reduce((a, b) => a + b, 0) }))
    .filter((t) => t.total > 0)
    .sort((a, b) => b.total - a.total || a.unit.localeCompare(b.unit, 'zh'));
  for (const t of worst) {
    const parts = cq.problems.filter((p) => (t.counts[p] ?? 0) > 0).map((p) => `${p} ${t.counts[p]} 份`);
    blocks.push({ kind: 'item', text: `${t.unit}：评查 ${t.reviewed} 份，${parts.join('、')}。` });
  }
  return blocks;
}

function rankingBlocks(input: BulletinInput): OfficialBlock[] {
  const blocks: OfficialBlock[] = [];
  const sentences = input.rankings.map(rankingSentence).filter((s): s is string => s !== null);
  for (const s of sentences) blocks.push({ kind: 'item', text: s });
  const equal = input.rankings.map(unrankedSentence).filter((s): s is string => s !== null);
  if (equal.length) blocks.push({ kind: 'paragraph', text: equal.join('') });
  if (sentences.length === 0 && equal.length === 0) blocks.push({ kind: 'paragraph', text: '本季度无可排名的指标。' });
  if (sentences.length) blocks.push({ kind: 'paragraph', text: '名次按未经四舍五入的数值排出，数值相同的名次并列；累计整改率为年初至本季度末的累计数。' });
  return blocks;
}

function problemBlocks(input: BulletinInput): { blocks: OfficialBlock[]; dataUnits: string[]; lateUnits: string[] } {
  const blocks: OfficialBlock[] = [{ kind: 'heading2', text: '（一）数据质量方面' }];
  const byUnit = new Map<string, Map<string, number>>();
  for (const f of input.findings) {
    const m = byUnit.get(f.unit) ?? new Map<string, number>();
    m.set(f.ruleLabel, (m.get(f.ruleLabel) ?? 0) + 1);
    byUnit.set(f.unit, m);
  }
  const dataUnits = [...byUnit.keys()];
  if (byUnit.size === 0) {
    blocks.push({ kind: 'paragraph', text: '经核对，本季度各镇街报送的统计表与台账未发现不一致。' });
  } else {
    const list = [...byUnit].map(([unit, m]) => `${unit}（${[...m].map(([label, n]) => `${label} ${n} 处`).join('、')}）`);
    blocks.push({
      kind: 'paragraph',
      text: `经核对，${byUnit.size} 个镇街报送的数据存在不一致：${list.join('；')}。各处明细已列入本通报附表“附录（统计人员）”，送各镇街统计人员核实。`,
    });
  }
  blocks.push({ kind: 'heading2', text: '（二）报送方面' });
  const late = input.lateOrMissing;
  const lateUnits = [...new Set(late.map((x) => x.unit))];
  if (late.length === 0) {
    blocks.push({ kind: 'paragraph', text: '本季度各镇街均按时报送统计表和台账。' });
  } else {
    const parts: string[] = [];
    for (const status of ['missing', 'rejected', 'late']) {
      const items = late.filter((x) => x.status === status);
      if (items.length === 0) continue;
      const byTown = new Map<string, string[]>();
      for (const x of items) byTown.set(x.unit, [...(byTown.get(x.unit) ?? []), `${formName(x.form)}${x.month ? `（${x.month}月）` : ''}`]);
      // Townships with the same reports outstanding are named together: `A、B（统计表、台账）`.
      const byWhat = new Map<string, string[]>();
      for (const [unit, what] of byTown) byWhat.set(what.join('、'), [...(byWhat.get(what.join('、')) ?? []), unit]);
      parts.push(`${[...byWhat].map(([what, units]) => `${units.join('、')}（${what}）`).join('，')}${statusWords[status]}`);
    }
    blocks.push({ kind: 'paragraph', text: `${parts.join('；')}。` });
  }
  return { blocks, dataUnits, lateUnits };
}

function requirementBlocks(input: BulletinInput, dataUnits: readonly string[], lateUnits: readonly string[]): OfficialBlock[] {
  const failedUnits = [...new Set(input.caseQuality.failed.map((f) => f.unit))];
  const due = `每季度结束后 ${townshipStatsForm.dueDays} 日内`;
  return [
    {
      kind: 'paragraph',
      text: `（一）规范案卷制作。${failedUnits.length ? `${joinUnits(failedUnits)}要对评定为不合格的案卷逐卷分析原因、补正完善；` : ''}各镇街要对照评查发现的问题，规范文书填写、调查取证和执法程序，防止同类问题重复出现。`,
    },
    {
      kind: 'paragraph',
      text: `（二）确保数据准确。${dataUnits.length ? `${joinUnits(dataUnits)}要对本通报指出的数据不一致逐项核实，确需更正的，重新报送更正后的报表；` : ''}各镇街报送统计表前要与行政处罚案件台账、火灾隐患整改台账逐项核对，做到账表一致。`,
    },
    {
      kind: 'paragraph',
      text: `（三）按时报送报表。${lateUnits.length ? `${joinUnits(lateUnits)}要严格执行报送时限；` : ''}各镇街须在${due}报送上季度统计表和台账。`,
    },
    { kind: 'paragraph', text: '（四）补齐工作短板。对排名靠后的指标，各镇街要分析原因、制定措施，切实提升消防执法规范化水平。' },
  ];
}

/**
 * The quarter's 通报 as the bureau issues it to the townships: 总体情况 (the quarter's figures and
 * the change on the previous quarter), 案卷评查情况 (合格/基本合格/不合格, the 不合格 cases by case
 * number and township), 主要指标排名 (as `township_ranking` ranks them: ties named or counted, an
 * indicator that does not separate the townships left out), 存在的问题, 工作要求, 落款.
 *
 * Written for a township reader: no file paths, cells, form codes or ISO dates — those go to the
 * statistician's appendix (`附录（统计人员）` of the 通报 workbook). Names only units and case
 * numbers — never parties or people.
 */
export function bulletinDraft(input: BulletinInput): OfficialText {
  const period = `${input.year}年第${quarterNames[input.quarter]}季度`;
  const problems = problemBlocks(input);
  return {
    title: `关于${period}全区镇街消防执法工作情况的通报`,
    recipients: bulletinRecipients,
    issuer: input.issuer,
    date: issueDate(input),
    blocks: [
      { kind: 'paragraph', text: `为推动镇街消防赋权执法、委托执法工作规范开展，现将${period}全区镇街消防执法工作情况通报如下。` },
      { kind: 'heading1', text: '一、总体情况' },
      ...overviewBlocks(input, period),
      { kind: 'heading1', text: '二、案卷评查情况' },
      ...reviewBlocks(input),
      { kind: 'heading1', text: '三、主要指标排名' },
      ...rankingBlocks(input),
      { kind: 'heading1', text: '四、存在的问题' },
      ...problems.blocks,
      { kind: 'heading1', text: '五、工作要求' },
      ...requirementBlocks(input, problems.dataUnits, problems.lateUnits),
    ],
  };
}

/** The 通报 as Markdown (`text/通报-YYYY-Qn.md`). */
export function bulletinText(input: BulletinInput): string {
  return officialMarkdown(bulletinDraft(input));
}
