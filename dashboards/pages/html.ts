/**
 * HTML built safe by construction: {@link html} escapes every interpolated value unless it is
 * already {@link Html} (made by `html` itself, or by {@link trusted} for SVG the build rendered).
 * Text from submissions (file names, refusal reasons, finding messages) therefore cannot become
 * markup, whatever it contains.
 */

import { escapeHtml } from '../../domain/html-text.js';

/** A fragment of markup that is safe to insert as is. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** What may be interpolated: text and numbers are escaped, fragments kept, nothing-ish dropped, lists joined. */
export type Interpolation = Html | string | number | null | undefined | false | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map((v: Interpolation) => render(v)).join('');
  return escapeHtml(String(value));
}

/** Tagged template: `html\`<td title="${reason}">${value}</td>\`` — every interpolation escaped. */
export function html(strings: TemplateStringsArray, ...values: readonly Interpolation[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new Html(out);
}

/** Markup the build made itself and vouches for (ECharts' SVG). Never pass submitted text here. */
export function trusted(markup: string): Html {
  return new Html(markup);
}

/** Joins fragments with an (escaped) separator. */
export function join(items: readonly Interpolation[], separator: Interpolation = ''): Html {
  return new Html(items.map((i) => render(i)).join(render(separator)));
}
