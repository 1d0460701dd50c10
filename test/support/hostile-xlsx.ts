import { writeFileSync } from 'node:fs';
import { buildZip, craftXlsx } from '../sources/xlsx-test-zip.js';

/**
 * Workbooks shaped like the file of issue 14: one long run of XML that saxes would build up in
 * memory, inside every configured limit (pseudo-random letters deflate to about a third, far
 * from the compression-ratio guard; the size is the caller's, a few tens of MB at most).
 *
 * - `comment`: `<!---a-q-z…-->` between the rows, the issue's own file: 30 bytes of heap per
 *   character with saxes alone;
 * - `text`: the value of cell A2 (`x⏎x⏎…`);
 * - `attribute`: an attribute of row 2 (`x⏎x⏎…`, never read by firestat);
 * - `cdata`: the inline string of A2 as CDATA (`]x]x…`);
 * - `pi`: a processing instruction between the rows (`?x?x…`).
 */
export type HostileShape = 'comment' | 'text' | 'attribute' | 'cdata' | 'pi';

/** `chars` characters: `unit` repeated, its `x` a pseudo-random letter each time. */
function hostileRun(chars: number, unit: string, seed = 1): string {
  const bytes = Buffer.alloc(chars);
  const pattern = Buffer.from(unit, 'latin1');
  let state = seed >>> 0 || 1;
  for (let i = 0; i < chars; i++) {
    const b = pattern[i % pattern.length]!;
    if (b === 0x78) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      bytes[i] = 0x61 + ((state >>> 16) % 26);
    } else bytes[i] = b;
  }
  return bytes.toString('latin1');
}

/** The children of `<sheetData>`: a title row, the hostile run, and `after` (more rows). */
function hostileRows(shape: HostileShape, chars: number, after = ''): string {
  const title = '<row r="1"><c r="A1" t="inlineStr"><is><t>说明</t></is></c></row>';
  switch (shape) {
    case 'comment':
      return `${title}<!--${hostileRun(chars, '-x')}y-->${after}`;
    case 'pi':
      return `${title}<?note ${hostileRun(chars, '?x')}y?>${after}`;
    case 'text':
      return `${title}<row r="2"><c r="A2" t="str"><v>${hostileRun(chars, 'x\n')}</v></c></row>${after}`;
    case 'attribute':
      return `${title}<row r="2" note="${hostileRun(chars, 'x\n')}"><c r="A2"><v>1</v></c></row>${after}`;
    case 'cdata':
      return `${title}<row r="2"><c r="A2" t="inlineStr"><is><t><![CDATA[${hostileRun(chars, ']x')}]]></t></is></c></row>${after}`;
  }
}

/** Writes an xlsx of one sheet `name` holding the hostile run; returns its size in bytes. */
export function writeHostileXlsx(path: string, shape: HostileShape, chars: number, options: { after?: string; name?: string } = {}): number {
  const zip = buildZip(craftXlsx({ sheets: [{ name: options.name ?? '说明', rows: hostileRows(shape, chars, options.after) }] }));
  writeFileSync(path, zip);
  return zip.length;
}
