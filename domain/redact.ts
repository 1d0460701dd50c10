/**
 * Redaction: the one step every published text passes through (DESIGN.md: personal data may live
 * in the warehouse, never in published output). Pure functions, no I/O; the set of personal strings
 * known to the warehouse is loaded elsewhere (`warehouse/personal-data.ts`) and handed in.
 *
 * What is masked, keeping the text readable so a reader sees that something was there:
 *
 * - resident ID numbers: 18 digits (the last may be X) with a valid ISO 7064 MOD 11-2 checksum
 *   and a plausible birth date, 15-digit old IDs with a plausible date, also written in groups
 *   (`500112 19851120 4562`); after a label (`身份证`, `身份证号`, `证件号码`, …) any 15 or 18
 *   digits, checksum or not → `500112********4562`;
 * - mobile numbers: `1[3-9]x` and 11 digits, with or without `+86`/`86`, spaces or dashes
 *   → `138****5678`;
 * - landlines with an area code (`023-67891234`, `(023)6789-1234`, `02367891234`, extension
 *   `转801`), and 7–8 digits after a phone label (`电话：67891234`) → `023-****1234`;
 * - a run of digits cut short by `…` (a quoted value shortened), beyond its first three;
 * - names after a label — 当事人 房东 负责人 法定代表人 户主 业主 租户 填表人 填报人 联系人 审核人
 *   经办人 制表人 (and a few more: `domain/person-labels.ts`), with or without `：`/`:` — 2–4 Chinese characters or a
 *   `·` name → `王**`; a name written right before a phone or ID number (`张三13812345678`);
 * - every string in the given personal set (e.g. the 当事人 of type 个人), wherever it occurs.
 *
 * Never masked: hexadecimal digests (finding ids, SHA-256) and the protected terms (unit names),
 * so a two-character name cannot eat into `王家街道`.
 */

import { personNameLabels } from './person-labels.js';

const HAN = '\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff';
const han = new RegExp(`[${HAN}]`, 'u');

/** Common single-character surnames (those that are also everyday function words left out). */
const singleSurnames = new Set([
  ...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬扈晁芮普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况宿鲜印逯隆茹诸战慕危玉银亢嵇哈湛宾戎勾茅利居揭干尉冶斯束檀衣展阴昝智幸奉植衡富尧闭',
]);
const compoundSurnames = [
  '欧阳',
  '司马',
  '上官',
  '诸葛',
  '东方',
  '皇甫',
  '尉迟',
  '公孙',
  '慕容',
  '长孙',
  '宇文',
  '司徒',
  '夏侯',
  '令狐',
  '端木',
  '轩辕',
  '独孤',
  '南宫',
  '西门',
  '呼延',
  '闻人',
  '万俟',
  '澹台',
  '公冶',
  '宗政',
  '濮阳',
  '淳于',
  '单于',
  '太叔',
  '申屠',
  '钟离',
  '赫连',
];

/** Whether a text starts the way a Chinese name does (a surname). */
function startsWithSurname(text: string): boolean {
  return singleSurnames.has(text[0] ?? '') || compoundSurnames.some((c) => text.startsWith(c));
}

/**
 * Words that, right after a label, are not a name: `业主单位`, `当事人陈述申辩`, `负责人签字`,
 * `联系人电话`, `房东（无）`.
 */
const notANameStart =
  /^(单位|名称|姓名|签字|签名|盖章|陈述|申辩|电话|手机|联系|身份|证件|地址|住址|情况|意见|权利|义务|本人|自行|拒绝|员工|人员|方面|信息|不详|未知|暂无|无|同志|先生|女士|主要|代表|签收|确认)/u;

/** Characters that end a name: `李四未到场`, `王小明私拉电线`, `王小明联系电话`. */
const endsNameAt1 = new Set([...'未不已在的都把被拒擅私说称系均并也将等或及与对向']);
const endsNameAt2 = new Set([...endsNameAt1, ...'家户处和为于自经现仍又要应须需电手身联先女同签住租']);

/** A label after which a person's name is written, then the name. */
const labelName = new RegExp(
  `(?:${personNameLabels.join('|')})(?:姓名)?(?:[（(](?:签字|签名)[)）])?([ \\t\\u3000]*[：:][ \\t\\u3000]*|[ \\t\\u3000]*)([${HAN}]{1,8}[·•・‧][${HAN}]{1,8}|[${HAN}]{2,4})`,
  'gu',
);

/** Labels before a phone or ID number: not a name even when written right before the number. */
const numberLabelEnd = /(电话|座机|固话|手机|手机号|号码|联系方式|方式|身份证|身份证号|证件号|证号|联系|电|号|tel|Tel|TEL)$/u;

/** The middle dots written inside transliterated names: `阿依古丽·买买提`. */
const nameDot = /[·•・‧]/u;

/** Shortens a greedy name capture at the first character that cannot be part of it. */
function trimName(raw: string): string {
  const dot = raw.search(nameDot);
  if (dot >= 0) {
    const tail = [...raw.slice(dot + 1)];
    const cut = tail.findIndex((c, i) => (i >= 1 ? endsNameAt2 : endsNameAt1).has(c));
    return cut === 0 ? raw.slice(0, dot) : raw.slice(0, dot + 1) + (cut > 0 ? tail.slice(0, cut) : tail).join('');
  }
  const chars = [...raw];
  for (let i = 1; i < chars.length; i++) {
    if ((i === 1 ? endsNameAt1 : endsNameAt2).has(chars[i]!)) return chars.slice(0, i).join('');
  }
  return raw;
}

/** `王小明` → `王**`; `阿依古丽·买买提` → `阿***·***`. The first character stays, the rest become `*`. */
function maskName(name: string): string {
  const chars = [...name];
  return chars.map((c, i) => (i === 0 || nameDot.test(c) || /\s/.test(c) ? c : '*')).join('');
}

/** Keeps the first `head` and last `tail` digits of a number (separators dropped). */
function maskDigits(digits: string, head: number, tail: number): string {
  if (digits.length <= head + tail) return '*'.repeat(digits.length);
  return digits.slice(0, head) + '*'.repeat(digits.length - head - tail) + digits.slice(digits.length - tail);
}

const idWeights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

function plausibleDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = [31, year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  return day <= days;
}

/** An 18-character mainland resident ID: plausible birth date and a valid ISO 7064 MOD 11-2 check. */
function isResidentId18(id: string): boolean {
  if (!/^[1-9]\d{16}[\dXx]$/.test(id)) return false;
  const year = Number(id.slice(6, 10));
  if (year < 1880 || year > 2099 || !plausibleDate(year, Number(id.slice(10, 12)), Number(id.slice(12, 14)))) return false;
  const sum = idWeights.reduce((a, w, i) => a + w * Number(id[i]), 0);
  return '10X98765432'[sum % 11] === id[17]!.toUpperCase();
}

/** A 15-digit old resident ID: a plausible birth date (19yy). */
function isResidentId15(id: string): boolean {
  return /^[1-9]\d{14}$/.test(id) && plausibleDate(1900 + Number(id.slice(6, 8)), Number(id.slice(8, 10)), Number(id.slice(10, 12)));
}

/** `500112198511204562` → `500112********4562`; a 15-digit ID → `110101*****7123`. */
function maskIdNumber(id: string): string {
  return maskDigits(id.replace(/[^\dXx]/g, '').toUpperCase(), 6, 4);
}

/** `13812345678` → `138****5678` (separators and a `+86` prefix dropped). */
function maskMobile(number: string): string {
  const digits = number.replace(/\D/g, '').replace(/^(?:00)?86(?=1[3-9]\d{9}$)/, '');
  return maskDigits(digits, 3, 4);
}

// Zero-width scans (`(?=(…))`), so a candidate that fails validation consumes nothing.
const notDigitBefore = '(?<![0-9A-Za-z])';
const notDigitAfter = '(?![0-9A-Za-z]|[.．][0-9])';
const sep = '[ \\t\\u00a0\\u3000-]';
const id18 = new RegExp(
  `${notDigitBefore}(?=(\\d{17}[\\dXx]|\\d{6}${sep}\\d{8}${sep}\\d{3}[\\dXx]|\\d{6}${sep}\\d{4}${sep}\\d{4}${sep}\\d{3}[\\dXx]|\\d{4}${sep}\\d{4}${sep}\\d{4}${sep}\\d{4}${sep}\\d[\\dXx])${notDigitAfter})`,
  'gu',
);
const id15 = new RegExp(`${notDigitBefore}(?=(\\d{15}|\\d{6}${sep}\\d{6}${sep}\\d{3})${notDigitAfter})`, 'gu');
const idLabelled = new RegExp(
  `(?:身份证(?:号码|号)?|公民身份号码|身份号码|证件号(?:码)?)[ \\t\\u3000]*[：:]?[ \\t\\u3000]*((?:\\d${sep}?){17}[\\dXx]|(?:\\d${sep}?){14}\\d)${notDigitAfter}`,
  'gu',
);
const mobile = new RegExp(
  `(?<![0-9A-Za-z+])(?=((?:(?:\\+|＋|00)?86${sep}?|[(（](?:\\+|＋)?86[)）]${sep}?)?1[3-9]\\d(?:${sep}?\\d{4}){2})${notDigitAfter})`,
  'gu',
);
const landline = new RegExp(
  `(?<![0-9A-Za-z])(?=((?:[(（]0\\d{2,3}[)）]${sep}?|0\\d{2,3}${sep}?)[2-9]\\d{2,3}${sep}?\\d{4}(?:(?:${sep}|转|分机|ext\\.?|x)\\d{1,5})?)${notDigitAfter})`,
  'giu',
);
const phoneLabelled = new RegExp(
  `(?:电话|座机|固话|手机|手机号|手机号码|电话号码|联系方式|tel|TEL|Tel)[ \\t\\u3000]*[：:]?[ \\t\\u3000]*(\\d{3,4}${sep}?\\d{4})${notDigitAfter}`,
  'gu',
);
const truncatedNumber = new RegExp(`${notDigitBefore}(\\d(?:${sep}?\\d){5,})(?=…|\\.\\.\\.)`, 'gu');
/** Hexadecimal digests (md5 finding ids, SHA-256): never touched. */
const hexDigest = /(?<![0-9A-Za-z])(?:[0-9a-f]{64}|[0-9a-f]{40}|[0-9a-f]{32})(?![0-9A-Za-z])/g;

/** `023-67891234` → `023-****1234`; `(023)6789-1234` → `(023)****1234`; an extension stays. */
function maskLandline(text: string): string {
  const ext = /((?:[ \t\u00a0\u3000-]|转|分机|ext\.?|x)\d{1,5})$/iu.exec(text);
  // With an extension the local number is what comes before it; without one, all of the rest.
  const body = ext && text.slice(0, ext.index).replace(/\D/g, '').length >= 10 ? text.slice(0, ext.index) : text;
  const tail = body === text ? '' : text.slice(body.length);
  const bracket = /^([(（]0\d{2,3}[)）])(.*)$/u.exec(body);
  if (bracket) return `${bracket[1]}${maskDigits(bracket[2]!.replace(/\D/g, ''), 0, 4)}${tail}`;
  const digits = body.replace(/\D/g, '');
  const separated = /^(0\d{2,3})[ \t\u00a0\u3000-]/u.exec(body);
  // Without a separator: 010 and 02x are three-digit area codes, the others four.
  const area = separated ? separated[1]! : digits.slice(0, /^0[12]/.test(digits) ? 3 : 4);
  return `${area}-${maskDigits(digits.slice(area.length), 0, 4)}${tail}`;
}

interface Span {
  readonly start: number;
  readonly end: number;
  /** null: protected, left as it is. */
  readonly replacement: string | null;
}

/** Names written where a person's name is written: after a label, or right before a phone/ID. */
interface FoundName {
  readonly start: number;
  readonly end: number;
  readonly name: string;
  /** A boundary (not a Chinese character) follows, or a `：` preceded it: the exact name is known. */
  readonly exact: boolean;
}

function labelledNames(text: string): FoundName[] {
  const out: FoundName[] = [];
  for (const m of text.matchAll(labelName)) {
    const colon = /[：:]/.test(m[1]!);
    const raw = m[2]!;
    const name = trimName(raw);
    if ([...name.replace(nameDot, '')].length < 2 || notANameStart.test(name)) continue;
    if (!colon && !startsWithSurname(name)) continue;
    const start = m.index! + m[0].length - raw.length;
    const end = start + name.length;
    const next = text.slice(end, end + 1);
    // Exact when something other than a Chinese character follows, or the capture was cut at a
    // character that ends a name (`王小明私拉电线`).
    out.push({ start, end, name, exact: startsWithSurname(name) && (!han.test(next) || name.length < raw.length) });
  }
  return out;
}

/** A name written right before a number (`张三13812345678`, `王小明 13812345678.xlsx`). */
function nameBefore(text: string, at: number): FoundName | undefined {
  let end = at;
  while (end > 0 && /[ \t\u3000]/.test(text[end - 1]!)) end--;
  let start = end;
  while (start > 0 && han.test(text[start - 1]!)) start--;
  const run = text.slice(start, end);
  if (run.length < 2 || numberLabelEnd.test(run)) return undefined;
  for (const len of run.length <= 4 ? [run.length] : [3, 2, 4]) {
    const cand = run.slice(run.length - len);
    if (startsWithSurname(cand) && !notANameStart.test(cand)) return { start: end - len, end, name: cand, exact: true };
  }
  return undefined;
}

function numberSpans(text: string): Span[] {
  const spans: Span[] = [];
  for (const m of text.matchAll(idLabelled)) {
    const digits = m[1]!.replace(/[^\dXx]/g, '');
    if (digits.length !== 15 && digits.length !== 18) continue;
    const start = m.index! + m[0].length - m[1]!.length;
    spans.push({ start, end: start + m[1]!.length, replacement: maskIdNumber(digits) });
  }
  for (const m of text.matchAll(id18)) {
    if (isResidentId18(m[1]!.replace(/[^\dXx]/g, ''))) spans.push({ start: m.index!, end: m.index! + m[1]!.length, replacement: maskIdNumber(m[1]!) });
  }
  for (const m of text.matchAll(id15)) {
    if (isResidentId15(m[1]!.replace(/\D/g, ''))) spans.push({ start: m.index!, end: m.index! + m[1]!.length, replacement: maskIdNumber(m[1]!) });
  }
  for (const m of text.matchAll(mobile)) {
    const prefix = /^(?:(?:\+|＋|00)?86|[(（](?:\+|＋)?86[)）])/u.exec(m[1]!)?.[0] ?? '';
    spans.push({ start: m.index!, end: m.index! + m[1]!.length, replacement: `${prefix}${prefix ? ' ' : ''}${maskMobile(m[1]!)}` });
  }
  for (const m of text.matchAll(landline)) spans.push({ start: m.index!, end: m.index! + m[1]!.length, replacement: maskLandline(m[1]!) });
  for (const m of text.matchAll(phoneLabelled)) {
    const start = m.index! + m[0].length - m[1]!.length;
    spans.push({ start, end: start + m[1]!.length, replacement: maskDigits(m[1]!.replace(/\D/g, ''), 0, 4) });
  }
  for (const m of text.matchAll(truncatedNumber))
    spans.push({ start: m.index!, end: m.index! + m[1]!.length, replacement: maskDigits(m[1]!.replace(/\D/g, ''), 3, 0) });
  return spans;
}

/**
 * The masks to apply: a mask inside a protected term (a unit name) or touching a digest is
 * dropped; of overlapping masks the first in the order given wins. A protected term that only
 * overlaps a mask (`王家` in `王家伟`) does not protect it.
 */
function resolve(masks: readonly Span[], units: readonly Span[], digests: readonly Span[]): Span[] {
  const taken: Span[] = [];
  for (const s of masks) {
    if (s.end <= s.start) continue;
    if (digests.some((d) => s.start < d.end && d.start < s.end)) continue;
    if (units.some((u) => u.start <= s.start && s.end <= u.end)) continue;
    if (taken.some((t) => s.start < t.end && t.start < s.end)) continue;
    taken.push(s);
  }
  return taken.sort((a, b) => a.start - b.start);
}

function apply(text: string, spans: readonly Span[]): string {
  let out = '';
  let at = 0;
  for (const s of spans) {
    out += text.slice(at, s.start) + (s.replacement ?? text.slice(s.start, s.end));
    at = s.end;
  }
  return out + text.slice(at);
}

/** Placeholders and words that are never treated as a person's name, whatever column they come from. */
const notPersonal = new Set([
  '个人',
  '单位',
  '无',
  '不详',
  '未知',
  '暂无',
  '本人',
  '某某',
  '个体',
  '个体户',
  '个体工商户',
  '自然人',
  '法人',
  '其他',
  '—',
  '-',
  '/',
]);

/**
 * Names a text states as a person's, exactly enough to be masked wherever else they occur: after
 * a label with `：`, or followed by a boundary, and starting with a surname; or written right
 * before a phone or ID number. Used to learn the names that the warehouse's free text gives away,
 * so a clerk named in a fill-in row is masked in the file name too.
 */
export function findPersonNames(text: string): string[] {
  if (!han.test(text)) return [];
  const found = new Set<string>();
  for (const n of labelledNames(text)) if (n.exact) found.add(n.name);
  for (const s of numberSpans(text)) {
    const n = nameBefore(text, s.start);
    if (n) found.add(n.name);
  }
  return [...found].filter((n) => !notPersonal.has(n));
}

/**
 * Parts of a file name standing apart (between brackets, dashes, spaces) that read as a person's
 * name: clerks sign their file names (`统计表（李明）.xlsx` → `李明`). Folders are not looked at.
 */
export function namesInFileName(path: string): string[] {
  const stem = (path.split('/').pop() ?? path).replace(/\.[^.]*$/, '');
  const names: string[] = [];
  for (const part of stem.split(/[\s\-_—–·•.,，、;；:：()（）[\]【】{}<>《》]+/)) {
    // Words of a file's version or kind (`修改版`, `定稿`, `统计表`) are not names.
    if (/^[\u4e00-\u9fff]{2,4}$/.test(part) && !/[版稿表报件]$/.test(part)) names.push(...findPersonNames(`填表人：${part}`));
  }
  return names;
}

/** Options of a {@link Redactor}. */
export interface RedactorOptions {
  /** Strings that are personal wherever they occur (names of people from the warehouse). */
  readonly personal?: Iterable<string>;
  /** Terms never masked, even where a personal string occurs in them (unit names and aliases). */
  readonly protect?: Iterable<string>;
}

/**
 * Masks personal data in text, with a set of personal strings. Deterministic: the same text and
 * set give the same result, so builds stay byte-identical. Masked text is left as it is by a second
 * pass (`138****5678`, `王**` match nothing).
 */
export class Redactor {
  /** Personal strings by first character, longest first. */
  private readonly byFirst = new Map<string, string[]>();
  private readonly protectedByFirst = new Map<string, string[]>();
  private readonly cache = new Map<string, string>();
  /** The personal strings in use (≥ 2 characters, not protected, not a placeholder). */
  readonly personal: readonly string[];

  constructor(options: RedactorOptions = {}) {
    const protect = [...new Set([...(options.protect ?? [])].map((p) => p.trim()).filter((p) => p.length >= 2))];
    const personal = new Set<string>();
    for (const raw of options.personal ?? []) {
      const s = raw.trim();
      if ([...s].length < 2 || notPersonal.has(s) || !/[\p{L}]/u.test(s)) continue;
      // A "name" that is (part of) a unit name is not a person's: never mask 龙兴镇 or 王家街道.
      if (protect.some((p) => p.includes(s))) continue;
      personal.add(s);
    }
    this.personal = [...personal].sort();
    index(this.byFirst, this.personal);
    index(this.protectedByFirst, protect);
  }

  /** The text with every personal datum masked. */
  text(text: string): string {
    if (text.length < 2 || !/[\d\p{L}]/u.test(text)) return text;
    // Whole files (pages, JSON) are redacted once; short texts repeat (reasons, paths) and are cached.
    if (text.length > 2000) return this.redact(text);
    const hit = this.cache.get(text);
    if (hit !== undefined) return hit;
    const result = this.redact(text);
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(text, result);
    return result;
  }

  /**
   * A copy of a JSON-like value (documents) with every string redacted, object keys too; numbers,
   * booleans and null as they are.
   */
  value<T>(value: T): T {
    return this.walk(value) as T;
  }

  private walk(v: unknown): unknown {
    if (typeof v === 'string') return this.text(v);
    if (Array.isArray(v)) return v.map((x) => this.walk(x));
    if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [this.text(k), this.walk(x)]));
    }
    return v;
  }

  private redact(text: string): string {
    const digests: Span[] = [...text.matchAll(hexDigest)].map((m) => ({ start: m.index!, end: m.index! + m[0].length, replacement: null }));
    const units: Span[] = occurrences(text, this.protectedByFirst).map(([start, end]) => ({ start, end, replacement: null }));
    const numbers = numberSpans(text);
    const masks: Span[] = [...numbers];
    for (const s of numbers) {
      const n = nameBefore(text, s.start);
      if (n) masks.push({ start: n.start, end: n.end, replacement: maskName(n.name) });
    }
    for (const [start, end] of occurrences(text, this.byFirst)) masks.push({ start, end, replacement: maskName(text.slice(start, end)) });
    for (const n of labelledNames(text)) masks.push({ start: n.start, end: n.end, replacement: maskName(n.name) });
    const chosen = resolve(masks, units, digests);
    return chosen.length ? apply(text, chosen) : text;
  }
}

function index(map: Map<string, string[]>, strings: readonly string[]): void {
  for (const s of strings) {
    const first = s[0]!;
    const list = map.get(first) ?? [];
    list.push(s);
    map.set(first, list);
  }
  for (const list of map.values()) list.sort((a, b) => b.length - a.length);
}

/** Every non-overlapping occurrence of the indexed strings, longest first at each position. */
function occurrences(text: string, byFirst: ReadonlyMap<string, readonly string[]>): [number, number][] {
  const out: [number, number][] = [];
  if (byFirst.size === 0) return out;
  for (let i = 0; i < text.length; ) {
    const list = byFirst.get(text[i]!);
    const s = list?.find((x) => text.startsWith(x, i));
    if (s) {
      out.push([i, i + s.length]);
      i += s.length;
    } else i++;
  }
  return out;
}
