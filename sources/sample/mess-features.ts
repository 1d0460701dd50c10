import type { SampleCell, WorkbookDoc } from './sheet-doc.js';

/**
 * Names the kinds of real-life mess a composed file shows (`two-level-header`, `date:cjk`,
 * `full-width-digits`, …), read off its cells, so the manifest can say what each file exercises
 * and a test can check that the sample as a whole covers every kind.
 */
export function messFeatures(doc: WorkbookDoc, shortNames: ReadonlySet<string>, csv: boolean): string[] {
  const found = new Set<string>();
  if (doc.sheets.length > 1 && !csv) found.add('sheet-per-month');
  for (const sheet of csv ? doc.sheets.slice(0, 1) : doc.sheets) {
    if (sheet.titleRows.length) found.add('title-row');
    if (sheet.headerRows.length > 1) found.add('two-level-header');
    if (sheet.merges.length && !csv) found.add('merged-cells');
    const lastHeader = Math.max(0, ...sheet.headerRows);
    let dataSeen = false;
    let blankInside = false;
    sheet.rows.forEach((cells, i) => {
      const r = i + 1;
      const texts = cells.filter((c): c is string => typeof c === 'string');
      if (r <= lastHeader) {
        if (sheet.headerRows.includes(r)) {
          if (texts.some((t) => t.includes('\n'))) found.add('header-line-break');
          if (texts.some((t) => /\S \S/.test(t))) found.add('header-spaces');
          if (texts.some((t) => t.includes('（'))) found.add('header-full-width-brackets');
          if (texts.some((t) => t.includes('('))) found.add('header-half-width-brackets');
          if (texts[0] === '序号') found.add('serial-column');
        } else if (texts.some((t) => t.startsWith('填报单位：'))) found.add('fill-in-row');
        return;
      }
      if (cells.every((c) => c === null)) {
        if (dataSeen) blankInside = true;
        return;
      }
      if (texts.some((t) => t.startsWith('填表人：'))) found.add('contact-row');
      if (texts.some((t) => t.startsWith('注：'))) found.add('note-row');
      if (texts.includes('合计')) found.add('total-row');
      if (texts.some((t) => /^(填表人|注)：/.test(t)) || texts.includes('合计')) return;
      if (blankInside) found.add('blank-row');
      dataSeen = true;
      for (const cell of cells) cellFeatures(cell, shortNames, csv, found);
    });
  }
  return [...found].sort();
}

function cellFeatures(cell: SampleCell, shortNames: ReadonlySet<string>, csv: boolean, found: Set<string>): void {
  if (cell === null) {
    found.add('empty-cell');
    return;
  }
  if (typeof cell === 'number') return;
  if (typeof cell === 'object') {
    // A CSV holds a date cell as Excel displays it: 2024/3/5.
    found.add(csv ? 'date:slash' : 'date:excel-cell');
    return;
  }
  if (/^[０-９]+$/.test(cell)) found.add('full-width-digits');
  else if (/^\d+$/.test(cell) && cell.length < 8) found.add('number-as-text');
  else if (/^\d{1,3}(,\d{3})+$/.test(cell)) found.add('thousands-separator');
  else if (/^\d+元$/.test(cell)) found.add('amount-with-unit');
  else if (['-', '—', '/', '无'].includes(cell)) found.add('zero-as-mark');
  else if (/^\d{4}年\d{1,2}月\d{1,2}日$/.test(cell)) found.add('date:cjk');
  else if (/^\d{4}\.\d{1,2}\.\d{1,2}$/.test(cell)) found.add('date:dot');
  else if (/^\d{4}\/\d{2}\/\d{2}$/.test(cell)) found.add('date:slash');
  else if (/^\d{4}-\d{2}-\d{2}$/.test(cell)) found.add('date:iso');
  else if (/^\d{4}-\d{1,2}-\d{1,2}$/.test(cell)) found.add('date:dash');
  else if (cell === '√' || cell === '×') found.add('yes-no-ticks');
  else if (shortNames.has(cell)) found.add('short-unit-name');
}
