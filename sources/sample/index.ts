import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { periodKind, type Period } from '../../domain/periods.js';
import { UnitRegistry } from '../../domain/units.js';
import { dueInstant, shanghaiIso } from './calendar.js';
import { planInbox } from './inbox-plan.js';
import type { ExpectedStatus, FormCode } from './planned-file.js';
import { Prng } from './prng.js';
import { messFeatures } from './mess-features.js';
import { renderFile, truncated } from './render-file.js';
import type { FileFormat } from './sheet-doc.js';
import { planYear } from './year-plan.js';

/** Options of {@link writeSampleInbox}. */
export interface SampleOptions {
  /** Folder to write the inbox into (created if missing; existing files of the same names are overwritten). */
  readonly outDir: string;
  /** The year the sample covers. Default 2024 (the seed report's year). */
  readonly year?: number;
  /** Seed of the generator; the same seed writes the same content. Default 1. */
  readonly seed?: number;
  /** The registry whose units the sample uses. Default: the bundled sample registry. */
  readonly registry?: UnitRegistry;
}

/** One file the sample wrote. */
export interface SampleFile {
  /** Path relative to `outDir`, `/`-separated. */
  readonly path: string;
  /** Official name of the sending unit. */
  readonly unit: string;
  readonly form: FormCode;
  /** `2024Q1` for a quarter, `2024-03` for a month. */
  readonly period: string;
  readonly format: FileFormat;
  /** When it arrived (its mtime), Asia/Shanghai: `2024-04-08T10:12:33+08:00`. */
  readonly receivedAt: string;
  /** End of its due day: the 10th day after the period ends. */
  readonly dueAt: string;
  /** Arrived after the due date. */
  readonly late: boolean;
  /** Data rows (not titles, headers, 合计 or notes). */
  readonly rows: number;
  /**
   * What the file plants: `late`; `superseded` (a T1 later replaced by its correction);
   * `resubmission` with `resubmission:correction` or `resubmission:after-refusal`;
   * `refused:text-in-count`, `refused:unit-conflict`, `refused:damaged-workbook`;
   * `breach:over-cap-fine`, `breach:rectified-before-found`, `breach:t1-vs-l2`;
   * `warning:total-mismatch`, `warning:unknown-column`; `duplicate` (same bytes as another file);
   * `resend:carry-open` / `resend:cumulative` (an L2 repeating earlier hazards with their new
   * status); `quarterly-workbook` (a B1 with one sheet per month).
   */
  readonly plants: readonly string[];
  /** What the pipeline should do with it. */
  readonly expected: ExpectedStatus;
  /** The kinds of real-life mess the file shows: `two-level-header`, `date:cjk`, `full-width-digits`, … */
  readonly features: readonly string[];
  readonly bytes: number;
}

/** What {@link writeSampleInbox} wrote. */
export interface SampleManifest {
  readonly year: number;
  readonly seed: number;
  /** Every file, in order of arrival. */
  readonly files: readonly SampleFile[];
  /** The exact 联合执法检查 total the sample picked (the report says 300 余次). */
  readonly jointInspections: number;
  /** Fictitious persons named as parties in case ledgers (personal data: never to be published). */
  readonly personNames: readonly string[];
  /** Fictitious clerks and reviewers named in fill-in and note rows (personal data). */
  readonly contactNames: readonly string[];
  /** Fictitious phone numbers written in note rows (personal data). */
  readonly phoneNumbers: readonly string[];
}

function periodText(p: Period): string {
  return periodKind(p) === 'month' ? `${p.year}-${String(p.fromMonth).padStart(2, '0')}` : `${p.year}Q${Math.ceil(p.toMonth / 3)}`;
}

/**
 * Writes a whole year of realistic submissions into `outDir`: 22 townships' T1, L1 and L2 every
 * quarter, the four bureau units' B1 every month, the bureau's L1 and L2 and 法制科's R1 every
 * quarter — in xlsx (Excel-saved and system-exported), GB18030 CSV and UTF-8-BOM CSV, with
 * titles, merged two-level headers, header variants, 合计 and note rows, numbers as text,
 * full-width digits and every date style — plus planted problems (late, resubmitted, refused and
 * corrected files, breaches of the rules). Each file's mtime is its arrival time. Once loaded, the
 * accepted data add up exactly to the figures of the bureau's 2024 report.
 */
export async function writeSampleInbox(options: SampleOptions): Promise<SampleManifest> {
  const year = options.year ?? 2024;
  const seed = options.seed ?? 1;
  const registry = options.registry ?? UnitRegistry.sample();
  const rng = new Prng(seed, 'firestat-sample');
  const plan = planYear(rng.fork('year'), year, registry);
  const inbox = planInbox(rng.fork('inbox'), plan);

  const written = new Map<string, Buffer>();
  const files: SampleFile[] = [];
  const phones = new Set<string>();
  const clerks = new Set<string>();
  const shortNames = new Set(plan.townships.filter((t) => t.short !== t.name).map((t) => t.short));
  for (const f of inbox.files) {
    let bytes = f.sameBytesAs ? written.get(f.sameBytesAs) : undefined;
    bytes ??= await renderFile(f.doc, f.format);
    written.set(f.path, bytes);
    if (f.truncate) bytes = truncated(bytes);
    const full = join(options.outDir, ...f.path.split('/'));
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, bytes);
    await utimes(full, f.receivedAt, f.receivedAt);
    for (const sheet of f.doc.sheets) {
      for (const row of sheet.rows) {
        for (const cell of row) {
          const m = typeof cell === 'string' ? /^(联系电话|填表人|审核人)：(.+)$/.exec(cell) : null;
          if (m?.[2]) (m[1] === '联系电话' ? phones : clerks).add(m[2]);
        }
      }
    }
    const due = dueInstant(f.period.year, f.period.toMonth);
    files.push({
      path: f.path,
      unit: f.unit,
      form: f.form,
      period: periodText(f.period),
      format: f.format,
      receivedAt: shanghaiIso(f.receivedAt),
      dueAt: shanghaiIso(due),
      late: f.receivedAt.getTime() > due.getTime(),
      rows: f.rows,
      plants: f.plants,
      expected: f.expected,
      features: messFeatures(f.doc, shortNames, f.format.startsWith('csv')),
      bytes: bytes.length,
    });
  }
  return {
    year,
    seed,
    files,
    jointInspections: plan.jointInspections,
    personNames: [...new Set([...plan.townshipCases, ...plan.bureauCases].filter((c) => c.partyType === '个人').map((c) => c.party))].sort(),
    contactNames: [...clerks].sort(),
    phoneNumbers: [...phones].sort(),
  };
}
