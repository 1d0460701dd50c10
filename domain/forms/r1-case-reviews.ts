import type { FormDefinition } from './form-definition.js';

/** R1 案卷评查表 — 法制科, quarterly; one row per reviewed case file. */
export const caseReviewsForm: FormDefinition = {
  code: 'R1',
  name: '案卷评查表',
  keywords: ['案卷评查表', '案卷评查', '评查表', '评查'],
  kind: 'ledger',
  table: 'r1_case_reviews',
  tableComment: 'R1 案卷评查表：法制科每季度评查的每份行政处罚案卷一行',
  senders: ['bureau'],
  senderUnits: ['法制科'],
  frequency: 'quarterly',
  dueDays: 10,
  periodField: 'review_quarter',
  naturalKey: ['case_no', 'review_quarter'],
  rowUnit: '份',
  currentView: { name: 'case_reviews', comment: '案卷评查（现行）：每个案件每个评查季度取最新一次报送的记录' },
  fields: [
    { id: 'case_no', label: '案件编号', type: 'text', required: true, synonyms: ['案号', '文书编号', '决定书文号'] },
    { id: 'handling_unit', label: '承办单位', type: 'unit', required: true, synonyms: ['办案单位', '被评查单位', '承办镇街'] },
    { id: 'review_quarter', label: '评查季度', type: 'period', required: true, synonyms: ['评查期间', '季度', '评查时间'] },
    {
      id: 'result',
      label: '评查结果',
      type: 'choice',
      required: true,
      choices: ['合格', '基本合格', '不合格'],
      choiceAliases: { 优秀: '合格', 良好: '合格' },
      synonyms: ['评查结论', '结果', '评定结果'],
    },
    {
      id: 'problems',
      label: '问题类型',
      type: 'choices',
      required: false,
      choices: ['文书填写不全面', '调查取证资料不规范', '执法程序不规范', '其他'],
      choiceAliases: { 文书不全: '文书填写不全面', 文书填写不规范: '文书填写不全面', 取证不规范: '调查取证资料不规范', 程序不规范: '执法程序不规范', 无: '' },
      synonyms: ['存在问题类型', '问题类别', '问题分类'],
    },
    { id: 'problem_description', label: '问题描述', type: 'text', required: false, freeText: true, synonyms: ['存在问题', '问题说明', '具体问题'] },
  ],
};
