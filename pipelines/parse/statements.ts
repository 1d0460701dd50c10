import { findPeriod, periodContains, periodLabel, type Period } from '../../domain/periods.js';
import { squeeze } from '../../domain/text.js';
import type { Unit, UnitRegistry } from '../../domain/units.js';
import type { FormDefinition } from '../../domain/forms/form-definition.js';

/** A place outside the table that states the unit and/or period: a folder, the file name, a sheet name, a title. */
export interface Statement {
  /** Chinese description of where it was said: `文件名“龙兴镇2024Q1.xlsx”`. */
  readonly source: string;
  readonly units: readonly Unit[];
  readonly period?: Period;
  readonly year?: number;
}

/** Reads what a text (folder, file or sheet name, title) says about unit and period. */
export function statementOf(source: string, rawText: string, registry: UnitRegistry, contextYear?: number): Statement {
  // A fill-in line's date (填报日期：2024年4月5日) says when the form was filled, not what it covers.
  const text = rawText.replace(/(填报|报送|填表|制表|打印|上报|统计|审核)(日期|时间)[:：]?\s*[0-9０-９]{4}\s*[年./-]\s*[0-9０-９]{1,2}\s*[月./-]\s*[0-9０-９]{1,2}\s*[日号]?/g, ' ');
  const yearMatch = /(?<![0-9])((?:19|20)\d{2})(?![0-9])|((?:19|20)\d{2})(?=年|Q|q|[-./]|0[1-9]|1[0-2])/.exec(squeeze(text));
  const year = yearMatch ? Number(yearMatch[1] ?? yearMatch[2]) : undefined;
  const period = findPeriod(text, year ?? contextYear);
  const units = registry.findIn(text);
  return { source, units, ...(period ? { period } : {}), ...(year !== undefined ? { year } : {}) };
}

/** A contradiction between two statements, in Chinese. */
export interface Contradiction {
  readonly message: string;
}

/** The one unit all statements agree on, or a contradiction naming two that differ. */
export function agreeOnUnit(statements: readonly Statement[]): { unit?: Unit; source?: string } | Contradiction {
  let chosen: { unit: Unit; source: string } | undefined;
  for (const s of statements) {
    for (const unit of s.units) {
      if (!chosen) chosen = { unit, source: s.source };
      else if (chosen.unit.code !== unit.code) {
        return {
          message: `报送单位前后不一致：${chosen.source}写的是“${chosen.unit.name}”，${s.source}写的是“${unit.name}”。请核对后只保留正确的单位`,
        };
      }
    }
  }
  return chosen ?? {};
}

/**
 * The innermost period of statements that must all nest (a quarter may contain a month; two
 * different quarters contradict each other).
 */
export function agreeOnPeriod(statements: readonly Statement[]): { period?: Period; source?: string } | Contradiction {
  let inner: { period: Period; source: string } | undefined;
  const seen: { period: Period; source: string }[] = [];
  for (const s of statements) {
    if (!s.period) continue;
    for (const other of seen) {
      if (!periodContains(other.period, s.period) && !periodContains(s.period, other.period)) {
        return {
          message: `统计期间前后不一致：${other.source}写的是“${periodLabel(other.period)}”，${s.source}写的是“${periodLabel(s.period)}”。请核对后改正`,
        };
      }
    }
    seen.push({ period: s.period, source: s.source });
    if (!inner || periodContains(inner.period, s.period)) inner = { period: s.period, source: s.source };
  }
  return inner ?? {};
}

export function isContradiction(x: object): x is Contradiction {
  return 'message' in x;
}

/** The first year any statement mentions. */
export function statedYear(statements: readonly Statement[]): number | undefined {
  for (const s of statements) if (s.period) return s.period.year;
  for (const s of statements) if (s.year !== undefined) return s.year;
  return undefined;
}

/**
 * What a file's path alone says (folders and file name): used to file a refused submission under
 * its unit, form and period when its contents could not be read, so the 调度 matrix can show it.
 * Returns only what is stated without contradiction.
 */
export function guessFromPath(path: string, registry: UnitRegistry, forms: readonly FormDefinition[]): { unit?: Unit; period?: Period; form?: FormDefinition } {
  const segments = path.split('/');
  const name = (segments.pop() ?? '').replace(/\.[^.]+$/, '');
  const texts = [...segments, name];
  const first = texts.map((t) => statementOf(t, t, registry));
  const year = statedYear(first);
  const statements = texts.map((t) => statementOf(t, t, registry, year));
  const unit = agreeOnUnit(statements);
  const period = agreeOnPeriod(statements);
  const joined = squeeze(texts.join('/'));
  let form: FormDefinition | undefined;
  let best = 0;
  for (const f of forms) {
    for (const k of f.keywords) {
      if (k.length > best && joined.includes(squeeze(k))) {
        form = f;
        best = k.length;
      }
    }
  }
  return {
    ...(!isContradiction(unit) && unit.unit ? { unit: unit.unit } : {}),
    ...(!isContradiction(period) && period.period ? { period: period.period } : {}),
    ...(form ? { form } : {}),
  };
}
