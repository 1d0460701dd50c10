import { forms as declaredForms } from '../../domain/forms/index.js';
import type { Source } from '../data/documents.js';
import type { DocumentSet } from '../publisher.js';

/** What every page knows about the whole site: the year, its periods, units and files. */
export interface Site {
  readonly year: number;
  readonly quarters: readonly number[];
  readonly townships: readonly { readonly unit: string; readonly code: string }[];
  readonly bureauUnits: readonly string[];
  readonly generatedAt: string;
  readonly asOf: string;
  /** Form code → Chinese name (`T1` → `镇街消防执法工作统计表`). */
  readonly formNames: ReadonlyMap<string, string>;
  /** Paths (relative to the output folder) of the files the build's other publishers wrote: what pages may link to. */
  readonly outputs: ReadonlySet<string>;
}

/** `outputs`: the paths the build's other publishers wrote (workbooks, documents, text, JSON). */
export function siteOf(docs: DocumentSet, outputs: readonly string[] = []): Site {
  const forms = docs.dispatch[0]?.forms ?? [];
  return {
    year: docs.index.year,
    quarters: docs.index.quarters,
    townships: docs.index.townships,
    bureauUnits: docs.quarters[0]?.bureauRows.map((r) => r.unit) ?? [],
    generatedAt: docs.index.generatedAt,
    asOf: docs.index.asOf,
    formNames: new Map([...declaredForms.map((f) => [f.code, f.name] as [string, string]), ...forms.map((f) => [f.code, f.name] as [string, string])]),
    outputs: new Set(outputs),
  };
}

/** Relative file names of the pages (all in the output folder's root, so it can be moved or zipped). */
export const files = {
  index: 'index.html',
  css: 'assets/site.css',
  quarter: (year: number, q: number) => `quarter-${year}-Q${q}.html`,
  dispatch: (year: number, q: number) => `dispatch-${year}-Q${q}.html`,
  bulletin: (year: number, q: number) => `bulletin-${year}-Q${q}.html`,
  township: (code: string) => `township-${code}.html`,
};

/** `T1 镇街消防执法工作统计表`. */
export function formName(site: Site, code: string | null): string {
  if (!code) return '未识别';
  const name = site.formNames.get(code);
  return name ? `${code} ${name}` : code;
}

/** Anchor of a source row on the page (`#src-12`). */
export function sourceAnchor(id: number): string {
  return `src-${id}`;
}

/** The current submission of a unit and form among a page's sources, if any. */
export function sourceFor(sources: readonly Source[], unit: string, form: string): Source | undefined {
  return sources.find((s) => s.unit === unit && s.form === form);
}
