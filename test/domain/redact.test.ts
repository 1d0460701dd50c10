import { describe, expect, it } from 'vitest';
import { findPersonNames, Redactor } from '../../domain/redact.js';

const patterns = new Redactor();
const r = (text: string) => patterns.text(text);
/** Whether a number standing alone, without a label, is taken for a resident ID (and masked). */
const isId = (digits: string) => r(`编号${digits}`) !== `编号${digits}`;

describe('ID numbers', () => {
  it('checks the ISO 7064 MOD 11-2 checksum and the birth date', () => {
    expect(isId('500112198511204562')).toBe(true);
    expect(isId('51010719920611104X')).toBe(true);
    expect(isId('51010719920611104x')).toBe(true);
    expect(isId('500112198511204563')).toBe(false);
    expect(isId('500112198513204562')).toBe(false);
    expect(isId('110101900307123')).toBe(true);
    expect(isId('110101901307123')).toBe(false);
  });

  it('masks valid IDs, also in groups, and any 15/18 digits after a label', () => {
    expect(r('500112198511204562')).toBe('500112********4562');
    expect(r('店主500112198511204562无照经营')).toBe('店主500112********4562无照经营');
    expect(r('ID 500112 19851120 4562')).toBe('ID 500112********4562');
    expect(r('5001 1219 8511 2045 62')).toBe('500112********4562');
    expect(r('号码51010719920611104X。')).toBe('号码510107********104X。');
    expect(r('旧证110101900307123')).toBe('旧证110101*****7123');
    // A wrong checksum is not an ID on its own…
    expect(r('编号110101199003071234')).toBe('编号110101199003071234');
    // …but is after 身份证.
    expect(r('身份证110101199003071234')).toBe('身份证110101********1234');
    expect(r('身份证号：110101 19900307 1234')).toBe('身份证号：110101********1234');
  });
});

describe('phone numbers', () => {
  it('masks mobiles with +86/86, spaces and dashes', () => {
    expect(r('+86 138-1234-5678')).toBe('+86 138****5678');
    expect(r('手机13812345678')).toBe('手机138****5678');
    expect(r('电话 138 1234 5678。')).toBe('电话 138****5678。');
    expect(r('+8613812345678')).toBe('+86 138****5678');
    expect(r('(+86)139-1234-5678')).toBe('(+86) 139****5678');
    expect(r('0086 13812345678')).toBe('0086 138****5678');
  });

  it('masks landlines with an area code, brackets, an extension, and bare numbers after a phone label', () => {
    expect(r('座机023-67891234')).toBe('座机023-****1234');
    expect(r('（023）6789-1234')).toBe('（023）****1234');
    expect(r('电话02367891234')).toBe('电话023-****1234');
    expect(r('023-67891234转801')).toBe('023-****1234转801');
    expect(r('0797-8123456')).toBe('0797-***3456');
    expect(r('联系电话：6789123')).toBe('联系电话：***9123');
  });

  it('masks a number cut short by …', () => {
    expect(r('填的是“褚**1381234…”')).toBe('填的是“褚**138****…”');
  });

  it('leaves dates, amounts, case numbers, coordinates and digests alone', () => {
    const plain = [
      '2024-03-05 检查发现的“消防设施”类隐患，整改完成日期 2024-03-01 早于检查日期 2024-03-05',
      '罚款 1500 元，合计 13800000 元',
      '渝北龙兴消行罚决字〔2024〕001号 第 12 行',
      '<path d="M138.5 240L1189.5 250.25"/> 13.8 万',
      '3f13812345678abcdef0123456789abcd',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      '2025-01-02 02:00:03',
      'schemaVersion 20240115',
    ];
    for (const t of plain) expect(r(t), t).toBe(t);
  });
});

describe('names', () => {
  it('masks names after the labels, with or without a colon, and · names', () => {
    expect(r('填表人王小明')).toBe('填表人王**');
    expect(r('房东王小明（身份证…）私拉电线')).toBe('房东王**（身份证…）私拉电线');
    expect(r('房东王小明私拉电线')).toBe('房东王**私拉电线');
    expect(r('填表人：王小明 联系电话：13812345678')).toBe('填表人：王** 联系电话：138****5678');
    expect(r('填表人:王小明联系电话13812345678')).toBe('填表人:王**联系电话138****5678');
    expect(r('负责人：欧阳春燕')).toBe('负责人：欧***');
    expect(r('户主阿依古丽·买买提在楼道堆放杂物')).toBe('户主阿***·***在楼道堆放杂物');
    expect(r('法定代表人张伟，经办人：李四')).toBe('法定代表人张*，经办人：李*');
    expect(r('当事人姓名：赵六')).toBe('当事人姓名：赵*');
  });

  it('does not take the words after a label for a name', () => {
    for (const t of ['业主单位未整改', '负责人未到场', '当事人陈述申辩', '联系人电话未填', '房东和租户均不在场', '租户在屋内吸烟']) expect(r(t), t).toBe(t);
  });

  it('masks a name written right before a phone or ID number', () => {
    expect(r('张三13812345678（身份证…）')).toBe('张*138****5678（身份证…）');
    expect(r('2024Q1/龙兴镇/王小明13812345678.xlsx')).toBe('2024Q1/龙兴镇/王**138****5678.xlsx');
    expect(r('龙兴镇王小明 13812345678')).toBe('龙兴镇王** 138****5678');
    expect(r('联系电话13812345678')).toBe('联系电话138****5678');
  });

  it('masks every personal string, but never inside a protected unit name', () => {
    const red = new Redactor({ personal: ['冯建国', '卫东来', '王家', '个人', 'x'], protect: ['王家街道', '龙兴镇'] });
    expect(red.personal).toEqual(['冯建国', '卫东来']);
    expect(red.text('卫东来家楼道堆放杂物；龙兴简易〔2024〕7号冯建国')).toBe('卫**家楼道堆放杂物；龙兴简易〔2024〕7号冯**');
    expect(red.text('王家街道')).toBe('王家街道');
    // A unit name in a label's place stays; a longer name around a protected word does not.
    expect(red.text('联系人：龙兴镇')).toBe('联系人：龙兴镇');
    expect(new Redactor({ protect: ['王家'] }).text('填表人：王家伟')).toBe('填表人：王**');
  });

  it('finds the names a text states exactly, for masking them elsewhere', () => {
    expect(findPersonNames('房东郑秀兰（身份证110101199003071234）私拉电线；填表人：蒋玉梅 张三13812345678；负责人未到场')).toEqual([
      '郑秀兰',
      '蒋玉梅',
      '张三',
    ]);
  });
});

describe('the redactor', () => {
  it('is idempotent: masked text stays as it is', () => {
    const once = r('房东王小明（身份证110101199003071234，手机13812345678）座机（023）6789-1234 户主阿依古丽·买买提');
    expect(r(once)).toBe(once);
  });

  it('redacts every string and key of a document, leaving numbers and booleans', () => {
    const red = new Redactor({ personal: ['冯建国'] });
    expect(red.value({ a: ['冯建国13812345678', 3, true, null], byCategory: { 冯建国: 2 }, n: 1 })).toEqual({
      a: ['冯**138****5678', 3, true, null],
      byCategory: { '冯**': 2 },
      n: 1,
    });
  });
});
