/**
 * The labels a person's name or contact is written after, in the sheets the townships send: one
 * list for what redaction looks for (`domain/redact.ts`) and for what unit recognition skips
 * (`domain/unit-registry.ts`: a 填表人's name never names a unit).
 */

/** Labels after which a person's name is written: `填表人：张三`, `法定代表人 李四`. */
export const personNameLabels: readonly string[] = [
  '法定代表人',
  '法人代表',
  '当事人',
  '房东',
  '负责人',
  '户主',
  '业主',
  '租户',
  '承租人',
  '出租人',
  '填表人',
  '填报人',
  '联系人',
  '审核人',
  '审批人',
  '经办人',
  '制表人',
  '签字人',
  '店主',
  '姓名',
  '分管领导',
  '主管领导',
];

/** Labels of a signature or a way to reach a person: `签字：`, `联系电话：`. */
export const personContactLabels: readonly string[] = ['签字', '签名', '联系电话', '电话', '手机', '联系方式'];
