import { bureauMonthlyForm, townshipStatsForm } from '../../domain/forms/index.js';
import type { FieldDefinition } from '../../domain/forms/form-definition.js';
import type { YearDocument } from '../data/documents.js';
import { chineseDate, type OfficialText } from './official-text.js';
import { phraseWithUnit } from './report-phrasing.js';

/** A year's figures by metric id. */
export type FigureMap = Readonly<Record<string, number>>;

/** The year's case-file review of the townships' cases (R1): how many, how they were judged, what was found. */
export interface YearCaseReview {
  /** Townships that enforce (the bulletin's addressees). */
  readonly townships: number;
  readonly reviewed: number;
  /** 评查结果 → case files. */
  readonly results: Readonly<Record<string, number>>;
  /** 问题类型 → case files with it, in the form's order. */
  readonly problems: readonly { readonly problem: string; readonly cases: number }[];
}

function field(form: { fields: readonly FieldDefinition[] }, id: string): FieldDefinition {
  const f = form.fields.find((x) => x.id === id);
  if (!f) throw new Error(`unknown field ${id}`);
  return f;
}

function make(figures: FigureMap, form: { fields: readonly FieldDefinition[] }) {
  return (id: string): string => {
    const f = field(form, id);
    return phraseWithUnit(figures[id] ?? 0, f.unit, f.reportRounding);
  };
}

/** A figure after a Chinese word: `10万人次` joins it as the report writes it, `9858 人次` after a space. */
const spaced = (phrase: string) => (/万/.test(phrase) ? phrase : ` ${phrase}`);

/** The quarterly 汇总、调度、通报 sentence, with what the year's case-file review found. */
function reviewSentence(review: YearCaseReview | undefined): string {
  const lead = '我局每季度对全区镇街赋权执法、委托执法行政处罚案卷开展汇总、调度、通报，通报执法案件质量';
  if (!review || review.reviewed === 0) return `${lead}，实施精准细致指导。`;
  const found = review.problems.filter((p) => p.cases > 0 && p.problem !== '其他');
  const failed = review.results['不合格'] ?? 0;
  const judged = `全年共评查镇街行政处罚案卷 ${review.reviewed} 份${failed > 0 ? `，其中不合格 ${failed} 份` : ''}`;
  const focus = found.length
    ? `，聚焦${found.map((p) => p.problem).join('、')}等问题（分别涉及案卷 ${found.map((p) => `${p.cases} 份`).join('、')}），实施精准细致指导。`
    : '，被评查案卷未发现问题。';
  return `${lead}；${judged}${focus}`;
}

/**
 * The year-end report's paragraphs, drafted in its own words from the warehouse's figures, whole
 * and in the report's order: section 一's figures of the bureau; publicity (宣传) and training
 * (培训), each with its subject; 消防管理岗 and 联合执法; the townships' year; and the quarterly
 * 汇总、调度、通报 with the case-quality problems the year's review found.
 */
export function yearParagraphs(year: number, bureau: FigureMap, townships: FigureMap, review?: YearCaseReview): string[] {
  const b = make(bureau, bureauMonthlyForm);
  const t = make(townships, townshipStatsForm);
  const fireTotal = (bureau.fire_investigations_general ?? 0) + (bureau.fire_investigations_simple ?? 0) + (bureau.fire_investigations_minor ?? 0);
  const empowered = (townships.empowered_general_cases ?? 0) + (townships.empowered_simple_cases ?? 0);
  const entrusted = (townships.entrusted_general_cases ?? 0) + (townships.entrusted_simple_cases ?? 0);
  const towns = review?.townships ? `全区 ${review.townships} 个镇街` : '各镇街';
  return [
    `${year} 年，我局累计出动执法人员 ${b('officers_deployed')}，消防监督检查 ${b('inspections')}、发现隐患 ${b('hazards_found')}，督促整改隐患 ${b('hazards_rectified')}，` +
      `下发责令改正通知书 ${b('correction_notices')}，下发重大火灾隐患整改通知书 ${b('major_hazard_notices')}，整改重大火灾隐患 ${b('major_hazards_rectified')}，` +
      `处理投诉 ${b('complaints_handled')}、依法实施行政许可 ${b('licences')}、行政处罚 ${b('penalties')}，责令三停单位 ${b('three_stops')}、责令查封 ${b('seals')}，` +
      `火灾调查共 ${fireTotal} 件（一般程序 ${b('fire_investigations_general')}、简易程序 ${b('fire_investigations_simple')}、轻微火灾 ${b('fire_investigations_minor')}）、出具案件移送通知书 ${b('case_transfers')}。`,
    `我局遵照“谁执法、谁普法”的相关规定，结合119宣传月等重要时间节点，积极开展各项消防宣传普法工作，实现宣传教育${spaced(b('publicity_people'))}。`,
    `我局通过集中培训的方式开展消防行政处罚文书制作专题培训 ${b('trainings')}，强化执法人员的文书制作能力。`,
    `全区在各镇街平安法治板块设立消防管理岗位，共设置消防管理岗人员 ${t('fire_staff')}。全年共会同镇街和公安、市场监管局、应急局等部门开展联合执法检查 ${t('joint_inspections')}，形成执法合力。`,
    `${year} 年，${towns}共计检查社会单位 ${t('units_inspected')}，发现火灾隐患 ${t('hazards_found')}，整改火灾隐患 ${t('hazards_rectified')}，` +
      `共办理消防赋权执法案件 ${empowered} 起，其中一般程序 ${t('empowered_general_cases')}、简易程序 ${t('empowered_simple_cases')}；` +
      `办理消防委托执法案件 ${entrusted} 起，其中一般程序 ${t('entrusted_general_cases')}、简易程序 ${t('entrusted_simple_cases')}。`,
    reviewSentence(review),
  ];
}

/**
 * The year-end text as a document: a title and the paragraphs of {@link yearParagraphs}, signed by
 * the bureau on the data's reference date. What `text/年度执法情况-YYYY.txt` and the `.docx` hold.
 */
export function yearReport(doc: Pick<YearDocument, 'year' | 'asOf' | 'paragraphs'>, issuer: string): OfficialText {
  return {
    title: `关于${doc.year}年行政执法总体情况的报告`,
    subtitle: '（执法数据部分）',
    recipients: null,
    blocks: doc.paragraphs.map((text) => ({ kind: 'paragraph' as const, text })),
    issuer,
    date: chineseDate(doc.asOf),
  };
}

/** A document as plain text: the title, a blank line, the paragraphs, the 落款. */
export function officialPlainText(doc: OfficialText): string {
  const lines = doc.subtitle ? [doc.title, doc.subtitle, ''] : [doc.title, ''];
  if (doc.recipients) lines.push(doc.recipients, '');
  for (const b of doc.blocks) lines.push(b.text, '');
  lines.push(doc.issuer, doc.date, '');
  return lines.join('\n');
}
