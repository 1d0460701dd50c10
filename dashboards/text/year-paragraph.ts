import { bureauMonthlyForm, townshipStatsForm } from '../../domain/forms/index.js';
import type { FieldDefinition } from '../../domain/forms/form-definition.js';
import { phraseWithUnit } from './report-phrasing.js';

/** A year's figures by metric id. */
export type FigureMap = Readonly<Record<string, number>>;

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

/**
 * The year-end report's paragraphs of section 一, drafted in its own words from the warehouse's
 * figures: the bureau's year, publicity and training, and the townships' year.
 */
export function yearParagraphs(year: number, bureau: FigureMap, townships: FigureMap): string[] {
  const b = make(bureau, bureauMonthlyForm);
  const t = make(townships, townshipStatsForm);
  const fireTotal = (bureau.fire_investigations_general ?? 0) + (bureau.fire_investigations_simple ?? 0) + (bureau.fire_investigations_minor ?? 0);
  const empowered = (townships.empowered_general_cases ?? 0) + (townships.empowered_simple_cases ?? 0);
  const entrusted = (townships.entrusted_general_cases ?? 0) + (townships.entrusted_simple_cases ?? 0);
  return [
    `全年累计出动执法人员 ${b('officers_deployed')}，消防监督检查 ${b('inspections')}、发现隐患 ${b('hazards_found')}，督促整改隐患 ${b('hazards_rectified')}，` +
      `下发责令改正通知书 ${b('correction_notices')}，下发重大火灾隐患整改通知书 ${b('major_hazard_notices')}，整改重大火灾隐患 ${b('major_hazards_rectified')}，` +
      `处理投诉 ${b('complaints_handled')}、依法实施行政许可 ${b('licences')}、行政处罚 ${b('penalties')}，责令三停单位 ${b('three_stops')}、责令查封 ${b('seals')}，` +
      `火灾调查共 ${fireTotal} 件（一般程序 ${b('fire_investigations_general')}、简易程序 ${b('fire_investigations_simple')}、轻微火灾 ${b('fire_investigations_minor')}）、出具案件移送通知书 ${b('case_transfers')}。`,
    `结合119宣传月等重要时间节点，积极开展各项消防宣传普法工作，实现宣传教育${b('publicity_people')}；开展消防行政处罚文书制作专题培训 ${b('trainings')}。`,
    `全区共设置消防管理岗人员 ${t('fire_staff')}。全年共会同镇街和公安、市场监管局、应急局等部门开展联合执法检查 ${t('joint_inspections')}。`,
    `${year} 年各镇街共计检查社会单位 ${t('units_inspected')}，发现火灾隐患 ${t('hazards_found')}，整改火灾隐患 ${t('hazards_rectified')}，` +
      `共办理消防赋权执法案件 ${empowered} 起，其中一般程序 ${t('empowered_general_cases')}、简易程序 ${t('empowered_simple_cases')}；` +
      `办理消防委托执法案件 ${entrusted} 起，其中一般程序 ${t('entrusted_general_cases')}、简易程序 ${t('entrusted_simple_cases')}。`,
  ];
}
