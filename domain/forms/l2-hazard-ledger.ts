import type { FormDefinition } from './form-definition.js';

/** L2 火灾隐患整改台账 — townships and bureau, quarterly; one row per hazard. */
export const hazardLedgerForm: FormDefinition = {
  code: 'L2',
  name: '火灾隐患整改台账',
  keywords: ['火灾隐患整改台账', '隐患整改台账', '隐患台账', '隐患'],
  kind: 'ledger',
  table: 'l2_hazards',
  tableComment: 'L2 火灾隐患整改台账：每处火灾隐患一行（按检查日期计入发现季度，按整改完成日期计入整改季度）',
  senders: ['township', 'bureau'],
  expectedBureauSenders: ['防火监督科'],
  frequency: 'quarterly',
  dueDays: 10,
  unitField: 'unit',
  naturalKey: ['unit', 'inspection_date', 'inspected_entity', 'description'],
  dateField: 'inspection_date',
  currentView: {
    name: 'hazards',
    comment: '火灾隐患（现行）：同一单位、检查日期、被检查单位和隐患描述的隐患取最新一次报送的记录；按检查日期计入发现季度，按整改完成日期计入整改季度',
    periods: [
      { field: 'inspection_date', as: 'found', meaning: '发现' },
      { field: 'rectified_date', as: 'rectified', meaning: '整改' },
    ],
  },
  fields: [
    { id: 'unit', label: '镇街/单位', type: 'unit', required: true, synonyms: ['镇街', '单位', '检查单位', '镇街单位', '填报单位'] },
    { id: 'inspection_date', label: '检查日期', type: 'date', required: true, synonyms: ['检查时间', '发现日期', '发现时间'] },
    { id: 'inspected_entity', label: '被检查单位', type: 'text', required: true, freeText: true, synonyms: ['被检查单位名称', '检查对象', '单位名称', '场所名称'] },
    { id: 'category', label: '隐患类别', type: 'text', required: true, synonyms: ['隐患类型', '隐患分类', '类别'] },
    { id: 'description', label: '隐患描述', type: 'text', required: true, freeText: true, synonyms: ['隐患内容', '隐患情况', '存在问题', '具体隐患'] },
    { id: 'deadline', label: '整改期限', type: 'date', required: false, synonyms: ['整改时限', '限改日期', '整改截止日期'], sameAs: { marks: ['当场整改', '立即整改', '当场', '立即', '当日整改', '当天整改', '现场整改'], field: 'inspection_date' } },
    { id: 'rectified_date', label: '整改完成日期', type: 'date', required: false, synonyms: ['整改日期', '完成整改日期', '整改完成时间', '销案日期'], noValueMarks: ['未整改', '尚未整改', '整改中', '正在整改', '待整改', '未完成', '未销案', '逾期未改'] },
    { id: 'status', label: '整改状态', type: 'choice', required: true, choices: ['已整改', '未整改'], choiceAliases: { 已完成: '已整改', 完成: '已整改', 整改完毕: '已整改', 已销案: '已整改', 整改中: '未整改', 正在整改: '未整改', 未完成: '未整改', 逾期未改: '未整改' }, synonyms: ['整改情况', '状态', '是否整改'] },
  ],
};
