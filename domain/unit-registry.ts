import { z } from 'zod';
import { personContactLabels, personNameLabels } from './person-labels.js';
import { squeeze } from './text.js';
import type { IsoDate } from './dates.js';
import type { UnitKind } from './forms/form-definition.js';

/** A reporting unit: a township (镇街) or a bureau unit (局本级科室). */
export interface Unit {
  /** Stable code: `ZJ03`, `JB01`. */
  readonly code: string;
  /** Official name: `龙兴镇`. */
  readonly name: string;
  readonly kind: UnitKind;
  /** Short names and other ways people write it: `龙兴`, `渝北区龙兴镇`. */
  readonly aliases: readonly string[];
  /** First day it reports (inclusive). */
  readonly validFrom: IsoDate;
  /** Last day it reports (inclusive), or null while it still does. */
  readonly validTo: IsoDate | null;
}

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期应写作 YYYY-MM-DD');

/** The zod schema of the registry file (`domain/units.json` or one named in the config). */
export const unitRegistrySchema = z.object({
  district: z.string().min(1),
  bureau: z.string().min(1),
  units: z
    .array(
      z.object({
        code: z.string().regex(/^[A-Za-z0-9_-]+$/),
        name: z.string().min(1),
        kind: z.enum(['township', 'bureau']),
        aliases: z.array(z.string().min(1)).default([]),
        validFrom: isoDate,
        validTo: isoDate.nullable().default(null),
      }),
    )
    .min(1),
});

/**
 * The dated registry of units, with lookup by any name people write. Pure data and lookups, so the
 * self-check page runs it in the browser; loading it from a file is `units.ts`'s (Node) business.
 */
export class UnitRegistry {
  readonly units: readonly Unit[];
  readonly district: string;
  readonly bureau: string;
  private readonly byKey = new Map<string, Unit>();
  /** Names longest first, so `双龙湖街道` is tried before `龙湖`. */
  private readonly searchKeys: { key: string; unit: Unit; full: boolean }[] = [];

  constructor(data: z.input<typeof unitRegistrySchema>) {
    const parsed = unitRegistrySchema.parse(data);
    this.district = parsed.district;
    this.bureau = parsed.bureau;
    this.units = parsed.units;
    for (const unit of this.units) {
      for (const name of [unit.name, unit.code, ...unit.aliases]) {
        const key = squeeze(name);
        const existing = this.byKey.get(key);
        if (existing && existing.code !== unit.code) {
          throw new Error(`单位名录中“${name}”同时指向 ${existing.name} 和 ${unit.name}`);
        }
        this.byKey.set(key, unit);
        if (name !== unit.code) this.searchKeys.push({ key, unit, full: fullName.test(key) });
      }
    }
    this.searchKeys.sort((a, b) => b.key.length - a.key.length);
  }

  /** The registry's data as its file holds it (what the self-check page is given). */
  data(): z.output<typeof unitRegistrySchema> {
    return { district: this.district, bureau: this.bureau, units: this.units.map((u) => ({ ...u, aliases: [...u.aliases] })) };
  }

  /** The unit a cell value names exactly (after normalization), if any. */
  resolve(text: string): Unit | undefined {
    return this.byKey.get(squeeze(text));
  }

  /**
   * Every distinct unit a text states, with the words that state it (longest names first, no
   * overlaps). A name counts only where a unit is stated, whole: fields that name people
   * (`填表人：王家伟`, `联系电话：…`) are skipped, and a short name without its 镇/街道/科 (`王家`,
   * `宣传`) counts only when it stands at the start of the text, after the district or a
   * `单位：` label, or after a period, and is followed by the end, a non-Chinese character, a period
   * or a word of the report's title (`龙兴2024Q1`, `龙兴执法统计`) — never inside a person's name
   * (`王家伟`) or a phrase (`宣传培训`).
   */
  findStated(text: string): { unit: Unit; text: string }[] {
    let s = squeeze(text).replace(personField, (m) => '\u0000'.repeat(m.length));
    const found: { unit: Unit; text: string }[] = [];
    for (const { key, unit, full } of this.searchKeys) {
      if (key.length < 2) continue;
      let from = 0;
      for (let at = s.indexOf(key, from); at >= 0; at = s.indexOf(key, from)) {
        from = at + 1;
        if (!full && !(shortNameStart(s, at, this.district) && shortNameEnd(s, at + key.length))) continue;
        if (!found.some((f) => f.unit === unit)) found.push({ unit, text: key });
        s = s.slice(0, at) + '\u0000'.repeat(key.length) + s.slice(at + key.length);
        break;
      }
    }
    return found;
  }

  /** Every distinct unit stated in `text` (see {@link findStated}). */
  findIn(text: string): Unit[] {
    return this.findStated(text).map((f) => f.unit);
  }

  /** Units of a kind that report on a given date. */
  active(kind: UnitKind, on: IsoDate): Unit[] {
    return this.units.filter((u) => u.kind === kind && u.validFrom <= on && (u.validTo === null || on <= u.validTo));
  }

  byName(name: string): Unit | undefined {
    return this.units.find((u) => u.name === name);
  }
}

/** A name that carries its own kind (`王家街道`, `宣传科`, `龙兴镇人民政府`) stands on its own. */
const fullName = /(镇|乡|街道|办事处|人民政府|政府|科|处|室|大队|中队|站)$/;

/** Labelled fields naming a person or a phone number: their text never names a unit. */
const personField = new RegExp(`(?:${[...personNameLabels, ...personContactLabels].join('|')})(?:\\(签字\\)|\\(签名\\))?[:：]?[^\\s:：,，;；|]*`, 'g');

const cjk = /[\u3400-\u9fff\uf900-\ufaff]/;

/** Words after which a short unit name may begin: a period, the district, a `单位：` label. */
const shortNameAfter = /(单位|单位名称|报送单位|填报单位|镇街|[区县市]|年度?|季度|月份?|[:：(（【[「《“"'])$/;

/** Words a short unit name may run into: its kind, a period, the title of a report. */
const shortNameBefore =
  /^(镇|乡|街道|街|人民政府|政府|办事处|[0-9]|第|[一二三四]季度|[上下]半年|全年|年度?|季度|月|消防|执法|行政|统计|报表|报送|月报|季报|年报|台账|隐患|火灾|案件|案卷|评查|工作|数据|汇总|情况|表)/;

function shortNameStart(s: string, at: number, district: string): boolean {
  if (at === 0) return true;
  const before = s.slice(0, at);
  if (!cjk.test(before[before.length - 1]!)) return true;
  if (district && (before.endsWith(squeeze(district)) || before.endsWith(squeeze(district).replace(/[区县市]$/, '')))) return true;
  return shortNameAfter.test(before);
}

function shortNameEnd(s: string, end: number): boolean {
  if (end >= s.length) return true;
  const after = s.slice(end);
  if (!cjk.test(after[0]!)) return true;
  return shortNameBefore.test(after);
}
