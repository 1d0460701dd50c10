import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './package-root.js';
import { z } from 'zod';
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

/** The dated registry of units, with lookup by any name people write. */
export class UnitRegistry {
  readonly units: readonly Unit[];
  readonly district: string;
  readonly bureau: string;
  private readonly byKey = new Map<string, Unit>();
  /** Names longest first, so `双龙湖街道` is tried before `龙湖`. */
  private readonly searchKeys: { key: string; unit: Unit }[] = [];

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
        if (name !== unit.code) this.searchKeys.push({ key, unit });
      }
    }
    this.searchKeys.sort((a, b) => b.key.length - a.key.length);
  }

  /** Loads a registry JSON file. */
  static fromFile(path: string): UnitRegistry {
    return new UnitRegistry(JSON.parse(readFileSync(path, 'utf8')) as z.input<typeof unitRegistrySchema>);
  }

  /** The bundled sample registry (DESIGN.md's 22 镇街 and four bureau units). */
  static sample(): UnitRegistry {
    return UnitRegistry.fromFile(join(packageRoot(), 'domain', 'units.json'));
  }

  /** The unit a cell value names exactly (after normalization), if any. */
  resolve(text: string): Unit | undefined {
    return this.byKey.get(squeeze(text));
  }

  /** Every distinct unit named somewhere inside `text` (longest names first, no overlaps). */
  findIn(text: string): Unit[] {
    let s = squeeze(text);
    const found: Unit[] = [];
    for (const { key, unit } of this.searchKeys) {
      if (key.length < 2) continue;
      const at = s.indexOf(key);
      if (at >= 0) {
        if (!found.includes(unit)) found.push(unit);
        s = s.slice(0, at) + '\u0000' + s.slice(at + key.length);
      }
    }
    return found;
  }

  /** Units of a kind that report on a given date. */
  active(kind: UnitKind, on: IsoDate): Unit[] {
    return this.units.filter((u) => u.kind === kind && u.validFrom <= on && (u.validTo === null || on <= u.validTo));
  }

  byName(name: string): Unit | undefined {
    return this.units.find((u) => u.name === name);
  }
}
