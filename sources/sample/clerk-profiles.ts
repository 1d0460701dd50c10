import type { B1Style } from './b1-document.js';
import { textDateStyles, type DateStyle, type NumberStyle, type ZeroStyle } from './cell-styles.js';
import { mobileNumber, officeNumber } from './fictitious-names.js';
import type { HeaderStyle } from './form-headers.js';
import type { LedgerStyle } from './ledger-documents.js';
import type { Contact } from './paperwork.js';
import type { Prng } from './prng.js';
import type { SampleUnit } from './sample-records.js';
import type { FileFormat } from './sheet-doc.js';
import type { T1Style } from './t1-document.js';

/**
 * Each unit's clerk has habits that hold all year: the program they save with, how they write
 * headers, dates, numbers and names, how they name files. This is where the sample's variety
 * comes from; every variant is one the parser is meant to read.
 */
export interface TownshipProfile {
  readonly unit: SampleUnit;
  readonly contact: Contact;
  readonly t1Format: FileFormat;
  readonly ledgerFormat: FileFormat;
  readonly t1Style: T1Style;
  readonly ledgerStyle: LedgerStyle;
  /** Files go into the township's own folder under the quarter's folder. */
  readonly ownFolder: boolean;
  /** Which of the usual file-name patterns the clerk uses. */
  readonly naming: 0 | 1 | 2;
  /**
   * How the hazard ledger is re-sent: `carry-open` lists the quarter's new hazards plus those
   * still open from before; `cumulative` lists every hazard of the year so far.
   */
  readonly l2Resend: 'carry-open' | 'cumulative';
}

/** Formats of the 22 townships: most save with Excel, some export from the platform or save CSV. */
const townshipFormats: readonly FileFormat[] = [
  ...Array<FileFormat>(10).fill('xlsx-excel'),
  ...Array<FileFormat>(4).fill('xlsx-export'),
  ...Array<FileFormat>(5).fill('csv-gb18030'),
  ...Array<FileFormat>(3).fill('csv-utf8-bom'),
];

const zeroStyles: readonly (readonly [ZeroStyle, number])[] = [
  ['0', 40],
  ['blank', 30],
  ['-', 10],
  ['/', 10],
  ['—', 5],
  ['无', 5],
];
const numberStyles: readonly (readonly [NumberStyle, number])[] = [
  ['number', 50],
  ['text', 20],
  ['mixed', 20],
  ['fullwidth', 10],
];

function personStyle(rng: Prng, format: FileFormat): HeaderStyle {
  return {
    levels: rng.chance(0.6) ? 'two-level' : 'flat',
    wording: rng.chance(0.5) ? 'canonical' : 'synonyms',
    breaks: format === 'xlsx-excel' ? rng.chance(0.6) : rng.chance(0.2),
    brackets: rng.pick(['full', 'full', 'half', 'none', 'mixed'] as const),
  };
}

const exportHeader: HeaderStyle = { levels: 'flat', wording: 'template', breaks: false, brackets: 'full' };

function t1Style(rng: Prng, format: FileFormat): T1Style {
  const exported = format === 'xlsx-export';
  const rows = rng.chance(0.45) ? 'monthly' : 'quarterly';
  const title = exported
    ? 'none'
    : rng.weighted([
        ['unit-first', 60],
        ['period-first', 20],
        ['none', 20],
      ] as const);
  return {
    header: exported ? { ...exportHeader, levels: rng.chance(0.5) ? 'two-level' : 'flat' } : personStyle(rng, format),
    rows,
    unitColumn: exported
      ? 'full'
      : rng.weighted([
          ['full', 40],
          ['short', 25],
          ['long', 10],
          ['none', 25],
        ] as const),
    periodColumn: rows === 'monthly' ? rng.pick(['full', 'short', 'iso'] as const) : rng.pick(['full', 'short', 'iso', 'none'] as const),
    serialColumn: !exported && rng.chance(0.3),
    title,
    fillIn: !exported && rng.chance(0.4),
    notes: !exported && rng.chance(0.6),
    numbers: exported ? 'number' : format.startsWith('csv') ? rng.weighted(numberStyles.filter(([s]) => s !== 'number')) : rng.weighted(numberStyles),
    zero: exported ? '0' : rng.weighted(zeroStyles),
    // A fill-in date written 2024年4月5日 reads as a month; only a title stating the period outranks it.
    fillDateStyle: title === 'none' ? rng.pick(['dot', 'slash', 'dash', 'iso'] as const) : rng.pick(textDateStyles),
  };
}

function ledgerDateStyle(rng: Prng, format: FileFormat): DateStyle {
  if (format === 'xlsx-export') return rng.pick(['excel', 'iso'] as const);
  if (format === 'xlsx-excel') return rng.pick(['excel', 'excel', 'excel-cjk', 'cjk', 'dot', 'slash', 'dash'] as const);
  return rng.pick(textDateStyles);
}

/** A ledger style for a format (system exports are plain: template headers, no titles or notes). */
export function ledgerStyle(rng: Prng, format: FileFormat, allowNoUnit: boolean): LedgerStyle {
  const exported = format === 'xlsx-export';
  const dateStyle = ledgerDateStyle(rng, format);
  return {
    header: exported ? exportHeader : { ...personStyle(rng, format), levels: 'flat' },
    dateStyle,
    mixedDates: !exported && rng.chance(0.4),
    numbers: exported ? 'number' : format.startsWith('csv') ? 'text' : rng.weighted(numberStyles),
    yesNo: !exported && rng.chance(0.2) ? 'ticks' : 'chinese',
    unitText: exported
      ? 'full'
      : rng.weighted([
          ['full', 50],
          ['short', 30],
          ['none', allowNoUnit ? 20 : 0],
        ] as const),
    choices: exported ? 'canonical' : rng.chance(0.4) ? 'colloquial' : 'canonical',
    title: !exported && rng.chance(0.7),
    fillIn: !exported && rng.chance(0.3),
    notes: !exported && rng.chance(0.5),
    serialColumn: exported || rng.chance(0.6),
    remarksColumn: !exported && rng.chance(0.3),
    blankRows: !exported && rng.chance(0.2),
    otherDateStyles: format.startsWith('csv') ? textDateStyles : [...textDateStyles, 'excel'],
  };
}

/** A fictitious clerk, phone and reviewer. */
export function contactFor(rng: Prng, contacts: readonly string[], index: number): Contact {
  return {
    name: contacts[(index * 2) % contacts.length] ?? '',
    reviewer: contacts[(index * 2 + 1) % contacts.length] ?? '',
    phone: rng.chance(0.7) ? mobileNumber(rng) : officeNumber(rng),
  };
}

/** The 22 townships' clerks. */
export function clerkProfiles(rng: Prng, townships: readonly SampleUnit[], contacts: readonly string[]): TownshipProfile[] {
  const formats = rng.shuffle(townshipFormats);
  return townships.map((unit, i) => {
    const r = rng.fork(`profile/${unit.name}`);
    const t1Format = formats[i % formats.length]!;
    const ledgerFormat = t1Format === 'xlsx-excel' && r.chance(0.4) ? 'xlsx-export' : t1Format;
    return {
      unit,
      contact: contactFor(r, contacts, i),
      t1Format,
      ledgerFormat,
      t1Style: t1Style(r, t1Format),
      ledgerStyle: ledgerStyle(r, ledgerFormat, true),
      ownFolder: r.chance(0.5),
      naming: r.pick([0, 1, 2] as const),
      l2Resend: r.chance(0.6) ? 'carry-open' : 'cumulative',
    };
  });
}

/** How each bureau unit writes its B1. */
export function b1Style(rng: Prng, format: FileFormat): B1Style {
  const title = rng.chance(0.7);
  return {
    header: { ...personStyle(rng, format), levels: rng.chance(0.6) ? 'two-level' : 'flat' },
    unitColumn: rng.weighted([
      ['full', 50],
      ['alias', 30],
      ['none', 20],
    ] as const),
    monthColumn: rng.pick(['full', 'short', 'none'] as const),
    title,
    fillIn: rng.chance(0.5),
    notes: rng.chance(0.6),
    numbers: format.startsWith('csv') ? 'text' : rng.weighted(numberStyles),
    zero: rng.weighted(zeroStyles),
    fillDateStyle: title ? rng.pick(textDateStyles) : rng.pick(['dot', 'slash', 'dash', 'iso'] as const),
  };
}
