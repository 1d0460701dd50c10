/**
 * Where a file states its unit and period outside its table — its folder names, its file name, a
 * sheet's name, the title rows above the header — each read as a {@link Statement}; whether those
 * statements agree ({@link agreeOnUnit}, {@link agreeOnPeriod}); and what a path alone suggests for a
 * refused file ({@link guessFromPath}). (Statements in the plain sense: nothing here is SQL.)
 */
import { findPeriodMention, periodContains, periodLabel, type Period } from '../../domain/periods.js';
import { squeeze } from '../../domain/text.js';
import type { Unit, UnitRegistry } from '../../domain/units.js';
import type { FormDefinition } from '../../domain/forms/form-definition.js';

/** What kind of place a statement comes from. */
type StatementKind = 'folder_name' | 'file_name' | 'sheet_name' | 'title' | 'path';

/** Where a statement was made: its kind and how a message names it (`文件名`, `第 2 级文件夹名`, `表头上方第 2 行`). */
export interface StatementPlace {
  readonly kind: StatementKind;
  readonly label: string;
}

/** One place a contradiction involves: its kind, and the cell when it is a title cell. */
export interface ContradictionPlace {
  readonly kind: StatementKind;
  readonly cell?: string;
}

/** A place outside the table that states the unit and/or period: a folder, the file name, a sheet name, a title. */
export interface Statement {
  readonly kind: StatementKind;
  /** Chinese description of where it was said, without quoting it: `文件名`, `A1 单元格`. */
  readonly source: string;
  /** The cell holding the unit words (titles only), when found. */
  readonly cell?: string;
  /** Where the period was said, when that is more precise than `source` (another cell). */
  readonly periodSource?: string;
  /** The cell holding the period words (titles only), when found. */
  readonly periodCell?: string;
  readonly units: readonly Unit[];
  /** The words that state each unit of `units`, as written. */
  readonly unitTexts: readonly string[];
  /** Where each unit of `units` was said, and its cell (titles). */
  readonly unitPlaces: readonly { readonly source: string; readonly cell?: string }[];
  readonly period?: Period;
  /** The words that state the period, as written. */
  readonly periodText?: string;
  /** A span of days that is not whole months, as written (the file cannot be placed in a period). */
  readonly unaligned?: string;
  readonly year?: number;
}

/**
 * Reads what a text (folder, file or sheet name, title) says about unit and period. `place` says
 * where it was said; `locate` may name the cell holding given words (a title row's cells).
 */
export function statementOf(
  place: StatementPlace | string,
  rawText: string,
  registry: UnitRegistry,
  contextYear?: number,
  locate?: (words: string) => string | undefined,
): Statement {
  const { kind, label } = typeof place === 'string' ? { kind: 'path' as const, label: place } : place;
  // A fill-in line's date (填报日期：2024年4月5日) says when the form was filled, not what it covers.
  const text = rawText.replace(
    /(填报|报送|填表|制表|打印|上报|审核|签发|导出|生成)(日期|时间)[:：]?\s*[0-9０-９]{4}\s*[年./-]\s*[0-9０-９]{1,2}\s*[月./-]\s*[0-9０-９]{1,2}\s*[日号]?/g,
    ' ',
  );
  const yearMatch = /(?<![0-9])((?:19|20)\d{2})(?![0-9])|((?:19|20)\d{2})(?=年|Q|q|[-./]|0[1-9]|1[0-2])/.exec(squeeze(text));
  const year = yearMatch ? Number(yearMatch[1] ?? yearMatch[2]) : undefined;
  const mention = findPeriodMention(text, year ?? contextYear);
  const stated = registry.findStated(text);
  const at = (words: string | undefined): { source: string; cell?: string } => {
    const cell = locate && words ? locate(words) : undefined;
    return cell ? { source: `${cell} 单元格`, cell } : { source: label };
  };
  const first = at(stated[0]?.text ?? mention.text ?? mention.unaligned);
  const periodAt = at(mention.text ?? mention.unaligned);
  return {
    kind,
    source: first.source,
    ...(first.cell ? { cell: first.cell } : {}),
    periodSource: periodAt.source,
    ...(periodAt.cell ? { periodCell: periodAt.cell } : {}),
    units: stated.map((u) => u.unit),
    unitTexts: stated.map((u) => u.text),
    unitPlaces: stated.map((u) => at(u.text)),
    ...(mention.period ? { period: mention.period, periodText: mention.text ?? periodLabel(mention.period) } : {}),
    ...(mention.unaligned ? { unaligned: mention.unaligned } : {}),
    ...(year !== undefined ? { year } : {}),
  };
}

/** `“龙兴”（即龙兴镇）` or `“龙兴镇”`: the words as written, and the unit they name when they differ. */
function quoteUnit(words: string, unit: Unit): string {
  return words === unit.name ? `“${unit.name}”` : `“${words}”（即${unit.name}）`;
}

/** `“2024Q1”（即2024年第一季度）` or `“2024年第一季度”`. */
function quotePeriod(words: string | undefined, period: Period): string {
  const label = periodLabel(period);
  return !words || words === label ? `“${label}”` : `“${words}”（即${label}）`;
}

/** A contradiction between two statements, in Chinese. */
export interface Contradiction {
  readonly message: string;
  /** Problem code when it is not a plain contradiction (`period_unaligned`). */
  readonly code?: string;
  /** The places that state it (two for a contradiction, one for an unaligned span), in the order the message names them. */
  readonly places: readonly ContradictionPlace[];
}

const placeOf = (kind: StatementKind, cell: string | undefined): ContradictionPlace => (cell ? { kind, cell } : { kind });

/** The one unit all statements agree on, or a contradiction naming two that differ. */
export function agreeOnUnit(statements: readonly Statement[]): { unit?: Unit; source?: string; place?: ContradictionPlace } | Contradiction {
  let chosen: { unit: Unit; source: string; words: string; place: ContradictionPlace } | undefined;
  for (const s of statements) {
    for (const [i, unit] of s.units.entries()) {
      const words = s.unitTexts[i] ?? unit.name;
      const at = s.unitPlaces[i] ?? { source: s.source };
      if (!chosen) chosen = { unit, source: at.source, words, place: placeOf(s.kind, at.cell) };
      else if (chosen.unit.code !== unit.code) {
        return {
          message: `报送单位前后不一致：${chosen.source}写的是${quoteUnit(chosen.words, chosen.unit)}，${at.source}写的是${quoteUnit(words, unit)}。请核对后只保留正确的单位`,
          places: [chosen.place, placeOf(s.kind, at.cell)],
        };
      }
    }
  }
  return chosen ? { unit: chosen.unit, source: chosen.source, place: chosen.place } : {};
}

/**
 * The innermost period of statements that must all nest (a quarter may contain a month; two
 * different quarters contradict each other).
 */
export function agreeOnPeriod(statements: readonly Statement[]): { period?: Period; source?: string } | Contradiction {
  let inner: { period: Period; source: string } | undefined;
  const seen: { period: Period; source: string; words?: string; place: ContradictionPlace }[] = [];
  for (const s of statements) {
    const source = s.periodSource ?? s.source;
    const place = placeOf(s.kind, s.periodCell);
    if (s.unaligned) {
      return {
        code: 'period_unaligned',
        message: `${source}写的统计时段“${s.unaligned}”不是完整的月份或季度（应从某月 1 日起，到某月最后一天止），无法确定属于哪个月或哪个季度。请按自然月或季度统计后报送，并在标题中写明，如“2025年第三季度”`,
        places: [place],
      };
    }
    if (!s.period) continue;
    for (const other of seen) {
      if (!periodContains(other.period, s.period) && !periodContains(s.period, other.period)) {
        return {
          message: `统计期间前后不一致：${other.source}写的是${quotePeriod(other.words, other.period)}，${source}写的是${quotePeriod(s.periodText, s.period)}。请核对后改正`,
          places: [other.place, place],
        };
      }
    }
    seen.push({ period: s.period, source, place, ...(s.periodText ? { words: s.periodText } : {}) });
    if (!inner || periodContains(inner.period, s.period)) inner = { period: s.period, source };
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
  const first = texts.map((t) => statementOf('文件路径', t, registry));
  const year = statedYear(first);
  const statements = texts.map((t) => statementOf('文件路径', t, registry, year));
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
