import type { Prng } from './prng.js';

/**
 * Obviously fictitious names for the sample: every brand and every person's given name carries
 * one of the marker characters 样 例 拟 虚 演 测, so no real firm or person is named, and a test
 * can scan published output for the people's names.
 */

const brands = [
  '样禾',
  '样丰',
  '样瑞',
  '样启',
  '样恒',
  '样信',
  '样盛',
  '样润',
  '例和',
  '例泰',
  '例安',
  '例宏',
  '例远',
  '例锦',
  '例华',
  '例福',
  '拟祥',
  '拟康',
  '拟嘉',
  '拟明',
  '虚丰',
  '虚达',
  '虚鸿',
  '演成',
  '演辉',
  '演鑫',
  '演峰',
  '测泽',
  '测源',
  '测宸',
];

const companyTrades = [
  '商贸',
  '物业管理',
  '餐饮管理',
  '酒店管理',
  '物流',
  '建材',
  '家具',
  '汽车维修',
  '电子科技',
  '食品',
  '印务',
  '仓储服务',
  '装饰工程',
  '机械制造',
];
const shopTrades = [
  '火锅店',
  '小面馆',
  '超市',
  '便利店',
  '宾馆',
  '网吧',
  '棋牌室',
  'KTV',
  '美容院',
  '五金店',
  '家具城',
  '农家乐',
  '烧烤店',
  '茶楼',
  '汽修厂',
  '养老院',
  '托育中心',
  '服装厂',
  '加工厂',
  '菜市场',
];
const bigVenues = ['购物中心', '大酒店', '医院', '商业广场', '写字楼', '物流园', '影城', '体育馆', '学校', '工业园', '酒店式公寓', '数据中心'];

/** Distinct fictitious entities (firms, shops) for one township, tagged with its short name. */
export function townshipEntities(rng: Prng, shortName: string, count: number): string[] {
  const out = new Set<string>();
  let guard = 0;
  while (out.size < count && guard++ < count * 50) {
    const brand = rng.pick(brands);
    if (rng.chance(0.3)) out.add(`重庆${brand}${rng.pick(companyTrades)}有限公司`);
    else out.add(`${brand}${rng.pick(shopTrades)}（${shortName}店）`);
  }
  return [...out];
}

/** Distinct fictitious large venues the bureau inspects itself. */
export function bureauEntities(rng: Prng, count: number): string[] {
  const out = new Set<string>();
  let guard = 0;
  while (out.size < count && guard++ < count * 50) {
    const brand = rng.pick(brands);
    const branch = rng.chance(0.4) ? `${rng.pick(['一', '二', '三', '北', '南', '东'])}期` : '';
    out.add(rng.chance(0.3) ? `重庆${brand}${rng.pick(companyTrades)}有限公司` : `重庆${brand}${rng.pick(bigVenues)}${branch}`);
  }
  return [...out];
}

const surnames = ['张', '王', '李', '赵', '刘', '陈', '杨', '黄', '周', '吴', '徐', '孙', '马', '朱', '胡', '郭'];
const partyGivenNames = ['样明', '例华', '拟强', '虚平', '演芳', '测军', '样斌', '例红'];
const contactGivenNames = ['样丽', '例静', '拟伟', '虚涛', '演敏', '测杰', '样霞', '例刚'];

function people(rng: Prng, given: readonly string[], count: number): string[] {
  const all = surnames.flatMap((s) => given.map((g) => s + g));
  return rng.shuffle(all).slice(0, count);
}

/** Fictitious individuals who are parties to penalty cases (personal data). */
export function partyPeople(rng: Prng, count = 24): string[] {
  return people(rng, partyGivenNames, count);
}

/** Fictitious clerks and reviewers named in fill-in and note rows (personal data). */
export function contactPeople(rng: Prng, count = 40): string[] {
  return people(rng, contactGivenNames, count);
}

/** A fictitious mobile number (138 0023 xxxx). */
export function mobileNumber(rng: Prng): string {
  return `1380023${String(rng.int(0, 9999)).padStart(4, '0')}`;
}

/** A fictitious office number in Yubei (023-6718 xxxx). */
export function officeNumber(rng: Prng): string {
  return `023-6718${String(rng.int(0, 9999)).padStart(4, '0')}`;
}
