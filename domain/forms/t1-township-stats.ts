import type { FormDefinition } from './form-definition.js';

/** T1 镇街消防执法工作统计表 — each township, quarterly (rows per quarter or per month). */
export const townshipStatsForm: FormDefinition = {
  code: 'T1',
  name: '镇街消防执法工作统计表',
  keywords: ['镇街消防执法工作统计表', '消防执法工作统计表', '镇街消防执法', '执法工作统计', '统计表'],
  kind: 'aggregate',
  table: 't1_township_stats',
  tableComment: 'T1 镇街消防执法工作统计表：每个镇街每季度（或每月）一行的执法工作量',
  senders: ['township'],
  frequency: 'quarterly',
  dueDays: 10,
  unitField: 'township',
  periodField: 'period',
  fields: [
    { id: 'township', label: '镇街', type: 'unit', required: true, synonyms: ['镇街名称', '单位', '填报单位', '镇（街道）', '镇街道', '街镇'] },
    { id: 'period', label: '统计期间', type: 'period', required: false, synonyms: ['统计时间', '期间', '月份', '季度', '统计月份', '统计季度', '时间'] },
    { id: 'units_inspected', label: '检查社会单位数', reportLabel: '检查社会单位', unit: '家', type: 'count', required: false, synonyms: ['检查社会单位', '检查单位数', '检查单位', '检查社会单位家数'] },
    { id: 'hazards_found', label: '发现火灾隐患数', reportLabel: '发现火灾隐患', unit: '处', tally: { form: 'L2', dateField: 'inspection_date' }, type: 'count', required: false, synonyms: ['发现火灾隐患', '发现隐患数', '发现隐患'] },
    { id: 'hazards_rectified', label: '整改火灾隐患数', reportLabel: '整改火灾隐患', unit: '处', tally: { form: 'L2', dateField: 'rectified_date' }, type: 'count', required: false, synonyms: ['整改火灾隐患', '整改隐患数', '整改隐患', '已整改隐患'] },
    { id: 'empowered_general_cases', group: '赋权执法案件', label: '一般程序', unit: '起', tally: { form: 'L1', dateField: 'decision_date', where: { enforcement_type: '赋权执法', procedure: '一般程序' } }, type: 'count', required: false, synonyms: ['赋权执法一般程序', '赋权一般程序', '赋权案件一般程序', '赋权执法案件一般程序案件'] },
    { id: 'empowered_simple_cases', group: '赋权执法案件', label: '简易程序', unit: '起', tally: { form: 'L1', dateField: 'decision_date', where: { enforcement_type: '赋权执法', procedure: '简易程序' } }, type: 'count', required: false, synonyms: ['赋权执法简易程序', '赋权简易程序', '赋权案件简易程序', '赋权执法案件简易程序案件'] },
    { id: 'entrusted_general_cases', group: '委托执法案件', label: '一般程序', unit: '起', tally: { form: 'L1', dateField: 'decision_date', where: { enforcement_type: '委托执法', procedure: '一般程序' } }, type: 'count', required: false, synonyms: ['委托执法一般程序', '委托一般程序', '委托案件一般程序', '委托执法案件一般程序案件'] },
    { id: 'entrusted_simple_cases', group: '委托执法案件', label: '简易程序', unit: '起', tally: { form: 'L1', dateField: 'decision_date', where: { enforcement_type: '委托执法', procedure: '简易程序' } }, type: 'count', required: false, synonyms: ['委托执法简易程序', '委托简易程序', '委托案件简易程序', '委托执法案件简易程序案件'] },
    { id: 'joint_inspections', label: '联合执法检查', unit: '次', reportRounding: 'hundreds', type: 'count', required: false, synonyms: ['联合执法检查次数', '联合执法', '联合检查', '联合执法检查数'] },
    { id: 'fire_staff', label: '消防管理岗人员', unit: '名', type: 'count', required: false, measure: 'stock', synonyms: ['消防管理岗', '消防管理岗人数', '消防管理岗人员数', '消防管理人员'] },
  ],
};
