import type { FormDefinition } from './form-definition.js';

/** L1 行政处罚案件台账 — townships and bureau, quarterly; one row per case. */
export const penaltyCasesForm: FormDefinition = {
  code: 'L1',
  name: '行政处罚案件台账',
  keywords: ['行政处罚案件台账', '处罚案件台账', '行政处罚台账', '案件台账', '处罚'],
  kind: 'ledger',
  table: 'l1_cases',
  tableComment: 'L1 行政处罚案件台账：每起行政处罚案件一行（按决定日期计入季度）',
  senders: ['township', 'bureau'],
  expectedBureauSenders: ['法制科'],
  frequency: 'quarterly',
  dueDays: 10,
  unitField: 'handling_unit',
  naturalKey: ['case_no'],
  dateField: 'decision_date',
  currentView: {
    name: 'cases',
    comment: '行政处罚案件（现行）：每个案件编号取最新一次报送的记录；decision_year/decision_quarter 为计入的年度和季度',
    periods: [{ field: 'decision_date', as: 'decision' }],
  },
  fields: [
    { id: 'case_no', label: '案件编号', type: 'text', required: true, synonyms: ['案号', '文书编号', '决定书文号', '处罚决定书文号', '编号'] },
    { id: 'handling_unit', label: '承办单位', type: 'unit', required: true, synonyms: ['办案单位', '执法单位', '承办镇街'] },
    { id: 'enforcement_type', label: '执法类型', type: 'choice', required: true, choices: ['赋权执法', '委托执法', '本级执法'], choiceAliases: { 赋权: '赋权执法', 委托: '委托执法', 本级: '本级执法', 局本级: '本级执法' }, synonyms: ['执法方式', '案件类型'] },
    { id: 'procedure', label: '程序类型', type: 'choice', required: true, choices: ['一般程序', '简易程序'], choiceAliases: { 一般: '一般程序', 简易: '简易程序', 当场处罚: '简易程序' }, synonyms: ['适用程序', '程序'] },
    { id: 'party', label: '当事人', type: 'text', required: true, personal: true, synonyms: ['当事人名称', '当事人姓名', '当事人名称姓名', '当事人姓名名称', '被处罚人', '被处罚单位'] },
    { id: 'party_type', label: '当事人类型', type: 'choice', required: true, choices: ['单位', '个人'], choiceAliases: { 法人: '单位', 企业: '单位', 自然人: '个人', 个体: '个人', 个体工商户: '个人' }, synonyms: ['当事人性质', '类型'] },
    { id: 'violation', label: '违法行为', type: 'text', required: true, freeText: true, synonyms: ['违法事实', '案由', '主要违法行为'] },
    { id: 'filed_date', label: '立案日期', type: 'date', required: true, synonyms: ['立案时间'] },
    { id: 'decision_date', label: '决定日期', type: 'date', required: true, synonyms: ['决定时间', '处罚决定日期', '作出决定日期'] },
    { id: 'penalty_kind', label: '处罚种类', type: 'text', required: true, synonyms: ['处罚类型', '处罚内容', '处罚结果'] },
    { id: 'fine_amount', label: '罚款金额', unit: '元', type: 'amount', required: false, synonyms: ['罚款', '罚款数额', '罚款金额元', '罚没金额'] },
    { id: 'legal_review', label: '法制审核', type: 'yesno', required: true, synonyms: ['是否法制审核', '是否经法制审核', '法制审核情况'] },
    { id: 'collective_discussion', label: '集体讨论', type: 'yesno', required: true, synonyms: ['是否集体讨论', '是否经集体讨论', '集体讨论决定'] },
    { id: 'publicized', label: '是否公示', type: 'yesno', required: true, synonyms: ['公示', '公示情况', '是否公开'] },
  ],
};
