import type { Prng } from './prng.js';

/** The words inspectors and case officers write: hazard categories and descriptions, violations. */

const places = ['一楼大厅', '二楼走道', '三楼', '地下车库', '后厨', '仓库', '楼梯间', '后门', '东侧通道', '西侧通道', '配电房', '包房区', '屋顶', '员工宿舍'];
const goods = ['纸箱', '杂物', '货物', '桌椅', '装修材料', '电动自行车', '建筑垃圾', '废旧家具'];

type Template = (rng: Prng) => string;

const n = (rng: Prng) => rng.int(1, 6);
const place = (rng: Prng) => rng.pick(places);
const item = (rng: Prng) => rng.pick(goods);

/** Hazard categories with description templates. */
const hazardTemplates: readonly (readonly [category: string, weight: number, templates: readonly Template[]])[] = [
  [
    '疏散通道、安全出口',
    5,
    [
      (r) => `${place(r)}疏散通道堆放${item(r)}`,
      () => '安全出口被锁闭',
      (r) => `${place(r)}疏散指示标志损坏`,
      (r) => `应急照明灯不亮（${n(r)}处）`,
      (r) => `疏散楼梯间堆放${item(r)}`,
      (r) => `${place(r)}常闭式防火门处于常开状态`,
    ],
  ],
  [
    '消防设施、器材',
    6,
    [
      (r) => `灭火器压力不足（${n(r)}具）`,
      (r) => `灭火器过期未检（${n(r)}具）`,
      (r) => `${place(r)}室内消火栓箱内水带缺失`,
      (r) => `消火栓被${item(r)}遮挡`,
      () => '自动喷水灭火系统末端试水装置压力不足',
      () => '火灾自动报警系统故障未修复',
      (r) => `${place(r)}未按规定配置灭火器`,
    ],
  ],
  [
    '电气线路',
    4,
    [
      (r) => `${place(r)}电气线路私拉乱接`,
      (r) => `${place(r)}电线未穿管保护`,
      () => '配电箱周边堆放可燃物',
      (r) => `${place(r)}使用不合格插线板`,
      () => '大功率电器超负荷使用',
    ],
  ],
  [
    '用火用气',
    3,
    [() => '厨房燃气管道未安装可燃气体报警装置', (r) => `${place(r)}违规使用明火`, () => '液化石油气钢瓶未固定、未设置防倾倒措施', () => '厨房烟道油污未清洗'],
  ],
  ['消防车通道', 2, [() => '消防车通道被车辆占用', () => '消防车通道设置地桩、栅栏等障碍物', () => '消防车登高操作场地被占用']],
  ['电动自行车', 3, [(r) => `电动自行车在${place(r)}停放充电`, () => '楼道内飞线充电', () => '电动自行车集中停放区未配置灭火器']],
  ['建筑防火', 2, [() => '防火卷帘下方堆放物品', (r) => `${place(r)}防火分隔墙体破损`, () => '违规搭建彩钢板临时用房', () => '人员密集场所外窗设置防盗网']],
  [
    '消防安全管理',
    3,
    [
      () => '未制定灭火和应急疏散预案',
      () => '未落实防火巡查并记录',
      () => '员工未经消防安全培训',
      () => '消防安全责任人、管理人未明确',
      () => '消防控制室值班人员未持证上岗',
    ],
  ],
  ['易燃易爆危险品', 1, [() => '仓库超量存放易燃液体', () => '违规储存油漆、稀释剂']],
];

/** A hazard's category and description. */
export function hazardText(rng: Prng): { category: string; description: string } {
  const [category, , templates] = rng.weighted(hazardTemplates.map((t) => [t, t[1]] as const));
  return { category, description: rng.pick(templates)(rng) };
}

/** The category written for 重大火灾隐患 in the bureau's ledger, with its descriptions. */
export const majorHazardCategory = '重大火灾隐患';
const majorDescriptions = [
  '人员密集场所未按规定设置自动喷水灭火系统',
  '高层建筑消防车通道被长期占用，无法通行',
  '地下商业场所疏散通道宽度严重不足',
  '火灾自动报警系统瘫痪，未能恢复',
  '生产车间与员工宿舍设置在同一建筑内，未采取防火分隔',
  '易燃易爆危险品仓库与周边建筑防火间距严重不足',
  '商业综合体室内消火栓系统无水',
];

export function majorHazardDescription(index: number): string {
  return majorDescriptions[index % majorDescriptions.length] as string;
}

/** Violations that end in a penalty; persons mostly commit the first kinds. */
export const entityViolations = [
  '消防设施未保持完好有效',
  '消防通道堵塞',
  '占用、堵塞、封闭疏散通道、安全出口',
  '埋压、圈占、遮挡消火栓',
  '占用、堵塞、封闭消防车通道',
  '未按规定对消防设施进行全面检测',
  '人员密集场所门窗设置影响逃生和灭火救援的障碍物',
  '损坏、挪用或者擅自拆除、停用消防设施、器材',
  '不及时消除火灾隐患',
  '消防安全重点单位未履行消防安全职责',
];

export const personViolations = [
  '消防通道堵塞',
  '占用、堵塞、封闭疏散通道、安全出口',
  '电动自行车在楼道内停放、充电',
  '埋压、圈占、遮挡消火栓',
  '违反规定使用明火作业',
];

/** Case-review findings by problem type (R1 问题描述). */
export const reviewFindings: Readonly<Record<string, readonly string[]>> = {
  文书填写不全面: ['询问笔录未载明询问地点', '处罚决定书未写明履行方式和期限', '送达回证送达日期未填写', '现场检查记录缺少当事人签名'],
  调查取证资料不规范: ['现场照片未标注拍摄时间、地点', '证据材料未经当事人确认', '询问笔录未附执法人员执法证件号码', '检查记录与现场照片内容不一致'],
  执法程序不规范: ['未告知当事人陈述、申辩权利', '法制审核意见晚于决定日期', '罚款缴纳凭证未附卷', '立案审批表未经负责人签批'],
  其他: ['案卷装订顺序不规范', '卷内目录与实际材料不符'],
};
