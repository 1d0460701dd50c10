import { join } from 'node:path';
import { writeFileAtomic } from '../../domain/atomic-write.js';
import { forms as allForms, type FormDefinition } from '../../domain/forms/index.js';
import type { UnitRegistry } from '../../domain/units.js';
import { writeSelfCheckPage } from './self-check/self-check-page.js';

export { selfCheckFileName } from './self-check/self-check-page.js';
import { buildTemplate } from './template-workbook.js';

export interface WriteTemplatesOptions {
  readonly outDir: string;
  readonly registry: UnitRegistry;
  /** The year in titles and period lists. */
  readonly year: number;
  /** Forms to write (default all five). */
  readonly forms?: readonly FormDefinition[];
  /** Empty rows per template (default 22 for T1/B1, 200 for ledgers). */
  readonly dataRows?: number;
  readonly generatedAt?: Date;
  /** Also write the self-check page `自检.html` (default true). */
  readonly selfCheck?: boolean;
}

/** `T1-镇街消防执法工作统计表-模板.xlsx`: no unit or period in it, so a renamed copy never contradicts its contents. */
export function templateFileName(form: FormDefinition): string {
  return `${form.code}-${form.name}-模板.xlsx`;
}

/**
 * Writes one template per form into `outDir` (each written whole, then renamed into place), and the
 * self-check page `自检.html` townships open to check a filled template before sending it
 * (`self-check/self-check-page.ts`). Returns the templates written.
 */
export async function writeTemplates(options: WriteTemplatesOptions): Promise<{ readonly form: string; readonly path: string }[]> {
  const written: { form: string; path: string }[] = [];
  for (const form of options.forms ?? allForms) {
    const wb = buildTemplate(form, {
      registry: options.registry,
      year: options.year,
      ...(options.dataRows !== undefined ? { dataRows: options.dataRows } : {}),
      ...(options.generatedAt ? { generatedAt: options.generatedAt } : {}),
    });
    const path = join(options.outDir, templateFileName(form));
    await writeFileAtomic(path, new Uint8Array(await wb.xlsx.writeBuffer()));
    written.push({ form: form.code, path });
  }
  if (options.selfCheck !== false) await writeSelfCheckPage(options.outDir, options.registry);
  return written;
}
