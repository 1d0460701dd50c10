import { statusDescriptions, statusLabels } from './format.js';
import { html, join, type Html, type Interpolation } from './html.js';

/** One figure card: a label, the figure as the report writes it, and what lies under it. */
export interface Card {
  readonly label: string;
  /** The figure with its unit, as the report phrases it: `9858 人次`, `10万人次`, `300 余次`. */
  readonly phrase: string;
  readonly detail?: Interpolation;
  /** Where the figure comes from, or where to read more. */
  readonly href?: string;
  readonly tone?: 'good' | 'warn' | 'bad';
}

/** Splits `9858 人次` into the number (large) and the unit (small), keeping the text exactly. */
function phraseParts(phrase: string): Html {
  const m = /^([0-9][0-9.,]*\s*(?:万\s*)?(?:余\s*)?)(.*)$/u.exec(phrase);
  if (!m) return html`<span class="big">${phrase}</span>`;
  return html`<span class="big">${m[1]}</span><span class="unit">${m[2]}</span>`;
}

export function cards(items: readonly Card[]): Html {
  return html`<div class="cards">${items.map(
    (c) => html`<div class="card${c.tone ? ` tone-${c.tone}` : ''}">
<div class="card-label">${c.label}</div>
<div class="card-value">${phraseParts(c.phrase)}</div>
${c.detail !== undefined ? html`<div class="card-detail">${c.detail}</div>` : ''}${c.href ? html`<a class="card-link" href="${c.href}">来源</a>` : ''}
</div>`,
  )}</div>`;
}

/** A status chip (调度): the word and the colour, so it reads in greyscale too. */
export function statusChip(status: string, title?: string): Html {
  return html`<span class="chip st-${status}"${title ? html` title="${title}"` : ''}>${statusLabels[status] ?? status}</span>`;
}

/** The colour legend of the statuses. */
export function statusLegend(counts?: Readonly<Record<string, number>>): Html {
  const order = ['on_time', 'late', 'rejected', 'missing', 'pending'];
  return html`<p class="legend">${join(
    order.map((s) => html`<span class="legend-item">${statusChip(s)} ${statusDescriptions[s]}${counts ? html` <b>${counts[s] ?? 0}</b>` : ''}</span>`),
  )}</p>`;
}

/** A section with a heading and an anchor. */
export function section(id: string, title: string, content: Interpolation, className = ''): Html {
  return html`<section id="${id}"${className ? html` class="${className}"` : ''}>
<h2>${title}</h2>
${content}
</section>`;
}

/** A two-level table header from columns with optional groups (`赋权执法案件` over `一般程序`/`简易程序`). */
export function groupedHeader(
  leading: readonly string[],
  columns: readonly { readonly label: string; readonly group: string | null; readonly unit: string }[],
  trailing: readonly string[] = [],
): Html {
  const hasGroups = columns.some((c) => c.group);
  const withUnit = (c: { label: string; unit: string }) => html`${c.label}${c.unit ? html`<small>（${c.unit}）</small>` : ''}`;
  if (!hasGroups) {
    return html`<thead><tr>${leading.map((l) => html`<th scope="col">${l}</th>`)}${columns.map((c) => html`<th scope="col">${withUnit(c)}</th>`)}${trailing.map((t) => html`<th scope="col">${t}</th>`)}</tr></thead>`;
  }
  const top: Html[] = leading.map((l) => html`<th scope="col" rowspan="2">${l}</th>`);
  const bottom: Html[] = [];
  for (let i = 0; i < columns.length; ) {
    const c = columns[i]!;
    if (!c.group) {
      top.push(html`<th scope="col" rowspan="2">${withUnit(c)}</th>`);
      i++;
      continue;
    }
    let span = 0;
    while (i + span < columns.length && columns[i + span]!.group === c.group) {
      bottom.push(html`<th scope="col">${withUnit(columns[i + span]!)}</th>`);
      span++;
    }
    top.push(html`<th scope="colgroup" colspan="${span}">${c.group}</th>`);
    i += span;
  }
  for (const t of trailing) top.push(html`<th scope="col" rowspan="2">${t}</th>`);
  return html`<thead><tr>${top}</tr><tr>${bottom}</tr></thead>`;
}
