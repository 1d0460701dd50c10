import { SaxesParser } from 'saxes';
import type { SaxesTagPlain } from 'saxes';
import { describe, expect, it } from 'vitest';
import { ReadError } from '../../sources/readers/reader.js';
import { MIN_RUN_CHARS, TAG_REST_CHARS, XmlBounds, runCapFor } from '../../sources/readers/xlsx-xml-bounds.js';
import { XmlPartParser } from '../../sources/readers/xlsx-xml.js';
import type { XmlSink } from '../../sources/readers/xlsx-xml.js';

/** What a sink saw, consecutive text joined (saxes splits text at comments and entities). */
interface Seen {
  events: string[];
  cuts: number[];
}

function recorder(): { sink: XmlSink; seen: Seen } {
  const seen: Seen = { events: [], cuts: [] };
  const push = (event: string): void => {
    const last = seen.events.length - 1;
    if (event.startsWith('text:') && seen.events[last]?.startsWith('text:')) seen.events[last] += event.slice(5);
    else seen.events.push(event);
  };
  const sink: XmlSink = {
    open: (name, attributes) =>
      push(
        `open:${name}${Object.entries(attributes)
          .map(([k, v]) => ` ${k}=${v.length > 40 ? `(${v.length})` : v}`)
          .join('')}`,
      ),
    close: (name) => push(`close:${name}`),
    text: (text) => push(`text:${text}`),
    cut: (dropped) => seen.cuts.push(dropped),
  };
  return { sink, seen };
}

/** Parses `xml` through the bounds, its UTF-8 bytes handed over in chunks cut at `cuts` (byte offsets). */
function parse(xml: string, cuts: readonly number[] = [], maxCellChars = 32_767): Seen {
  const { sink, seen } = recorder();
  const parser = new XmlPartParser('xl/worksheets/sheet1.xml', sink, { maxCellChars });
  const bytes = Buffer.from(xml, 'utf8');
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    parser.write(bytes.subarray(at, cut));
    at = cut;
  }
  parser.end();
  return seen;
}

/** The same document through saxes alone, in one piece. */
function reference(xml: string): string[] {
  const { sink, seen } = recorder();
  const parser = new SaxesParser({ xmlns: false });
  parser.on('opentag', (tag: SaxesTagPlain) => sink.open(tag.name, tag.attributes));
  parser.on('closetag', (tag: SaxesTagPlain) => sink.close(tag.name));
  parser.on('text', (text: string) => sink.text(text));
  parser.on('cdata', (text: string) => sink.text(text));
  parser.write(xml).close();
  return seen.events;
}

const SHEET =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n' +
  '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
  '<row r="1" spans="1:3"><c r="A1" t="inlineStr"><is><t xml:space="preserve"> 龙兴镇 &amp; 大湾镇 😀 </t></is></c>' +
  '<c r="B1" t="inlineStr"><is><t><![CDATA[a <b> & ]] c]]></t></is></c><c r="C1" s=\'2\' note="x > y &quot;q&quot;"><v>12.5</v></c></row>\n' +
  '<row r="2"><c r="A2" t="str"><f>IF(A1&gt;0,"&lt;",\'x\')</f><v>&#x4E2D;&#20013;</v></c></row>' +
  '</sheetData></worksheet>';

describe('XmlBounds in front of saxes', () => {
  it('passes a document without comments through unchanged, however it is cut into chunks', () => {
    const expected = reference(SHEET.replace(/^<\?xml[^>]*\?>/, ''));
    expect(parse(SHEET).events).toEqual(expected);
    const bytes = Buffer.byteLength(SHEET);
    for (let cut = 1; cut < bytes; cut++) {
      expect(parse(SHEET, [cut]).events, `cut at ${cut}`).toEqual(expected);
    }
    // Three-way cuts around every markup boundary.
    for (let cut = 1; cut + 2 < bytes; cut += 3) {
      expect(parse(SHEET, [cut, cut + 1, cut + 2]).events, `cuts at ${cut}`).toEqual(expected);
    }
  });

  it('is transparent on random documents cut at random places (comments and PIs aside)', () => {
    let state = 20_240_405;
    const rnd = (n: number): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return (state >>> 8) % n;
    };
    const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)]!;
    const texts = ['龙兴镇', ' ', '\r\n', '&amp;', '&#x4E2D;', '&#20013;', '😀', 'a>b', '"q"', "'", '?', '!', '-', ']]', 'x'];
    const values = ['1', 'A1', 'x &gt; y', '&quot;', "it's", '龙', '😀', '', 'a&amp;b'];
    for (let doc = 0; doc < 200; doc++) {
      const parts: string[] = [];
      const plain: string[] = [];
      const add = (markup: string, kept = markup): void => {
        parts.push(markup);
        plain.push(kept);
      };
      add('<?xml version="1.0"?>', '');
      add('<root>');
      for (let n = rnd(30); n > 0; n--) {
        switch (rnd(6)) {
          case 0:
            add(`<c r="${pick(values)}" t='${pick(values).replace(/'/g, '&apos;')}'>${pick(texts)}</c>`);
            break;
          case 1:
            add(`<v/>`);
            break;
          case 2:
            add(`<![CDATA[${pick(texts)}<x>${pick(texts)}]]>`);
            break;
          case 3:
            add(`<!--${pick(texts).replace(/-/g, '')} -x-y- -->`, '');
            break;
          case 4:
            add(`<?pi ${pick(texts).replace(/\?/g, '')}?>`, '');
            break;
          default:
            add(pick(texts));
        }
      }
      add('</root>');
      const xml = parts.join('');
      const expected = reference(plain.join(''));
      const bytes = Buffer.byteLength(xml);
      const cuts = Array.from({ length: rnd(6) }, () => rnd(bytes)).sort((x, y) => x - y);
      expect(parse(xml, cuts).events, `${xml} cut at ${cuts.join(',')}`).toEqual(expected);
    }
  });

  it('drops comments and processing instructions, also when a chunk ends inside one', () => {
    const xml = '<?xml version="1.0"?><a>x<!-- a -- b - c --->y<?pi ?? >?>z<!---->w</a><!-- after -->';
    const expected = ['open:a', 'text:xyzw', 'close:a'];
    for (let cut = 0; cut <= xml.length; cut++) expect(parse(xml, [cut]).events, `cut at ${cut}`).toEqual(expected);
    // Many comments in one chunk are skipped without searching the chunk again for each.
    expect(parse(`<a>${'x<!--c-->'.repeat(20_000)}</a>`).events).toEqual(['open:a', `text:${'x'.repeat(20_000)}`, 'close:a']);
  });

  it('refuses a DOCTYPE at once, wherever the chunk ends', () => {
    const xml = `<!DOCTYPE lolz [<!ENTITY lol "${'lol'.repeat(1000)}">]><a>&lol;</a>`;
    for (const cut of [1, 2, 5, 9, 20]) {
      const err = (() => {
        try {
          parse(xml, [cut]);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(ReadError);
      expect((err as ReadError).message).toContain('DOCTYPE');
    }
    expect(() => parse('<a><!ELEMENT a ANY></a>')).toThrow(/不允许/);
  });

  it('cuts a text node over the cap and says how much was left out', () => {
    const cap = runCapFor(10);
    expect(cap).toBe(MIN_RUN_CHARS);
    const long = 'x\n'.repeat(cap);
    const xml = `<a><v>${long}</v><w>ok</w></a>`;
    for (const cuts of [[], [5], [cap], [cap + 4, cap + 5], [70_000, 140_000, 200_000]]) {
      const seen = parse(xml, cuts, 10);
      const passed = seen.events[2]!.length - 'text:'.length;
      expect(passed, String(cuts)).toBeLessThanOrEqual(cap);
      expect(passed, String(cuts)).toBeGreaterThan(cap - 8);
      expect(seen.events.slice(0, 2)).toEqual(['open:a', 'open:v']);
      expect(seen.events.slice(3)).toEqual(['close:v', 'open:w', 'text:ok', 'close:w', 'close:a']);
      // Everything of the text node is accounted for: passed on or reported as left out.
      expect(passed + seen.cuts.reduce((a, b) => a + b, 0), String(cuts)).toBe(long.length);
    }
  });

  it('does not split an entity or a surrogate pair where it cuts', () => {
    const cap = MIN_RUN_CHARS;
    for (let shift = 0; shift < 12; shift++) {
      const text = `${'y'.repeat(cap - 7 + shift)}${'&#x4E2D;😀'.repeat(4)}`;
      for (const cuts of [[], [cap - 3], [cap + 1], [cap + 4]]) {
        const seen = parse(`<a>${text}</a>`, cuts, 10);
        expect(seen.events[0]).toBe('open:a');
        expect(seen.events[1]).toMatch(/^text:y+(中|😀)*$/u);
        expect(seen.cuts.length).toBe(1);
        expect(seen.events.at(-1)).toBe('close:a');
      }
    }
  });

  it('cuts a CDATA section over the cap', () => {
    const cap = MIN_RUN_CHARS;
    const xml = `<a><![CDATA[${']x'.repeat(cap)}]]><b/></a>`;
    for (const cuts of [[], [cap], [cap + 11, cap + 12]]) {
      const seen = parse(xml, cuts, 10);
      expect(seen.events[1]!.length - 'text:'.length).toBe(cap);
      expect(seen.cuts).toEqual([cap]);
      expect(seen.events.slice(2)).toEqual(['open:b', 'close:b', 'close:a']);
    }
  });

  it('cuts a long attribute value, keeps the rest of the tag, and refuses a tag that is long outside its values', () => {
    const cap = MIN_RUN_CHARS;
    const seen = parse(`<a><row r="2" sqref="${'A1 '.repeat(cap)}" ht="15"><c r="A2"><v>1</v></c></row></a>`, [1000], 10);
    expect(seen.events[1]).toMatch(/^open:row r=2 sqref=\(\d+\) ht=15$/);
    expect(seen.events.slice(2)).toEqual(['open:c r=A2', 'open:v', 'text:1', 'close:v', 'close:c', 'close:row', 'close:a']);
    // More than TAG_REST_CHARS after a cut value, or a second long value: refused, not cut again.
    const attributes = (n: number): string => Array.from({ length: n }, (_, i) => `b${i}="1"`).join(' ');
    expect(() => parse(`<a><row x="${'y'.repeat(cap)}" ${attributes(TAG_REST_CHARS / 4)}/></a>`, [], 10)).toThrow(/标签/);
    expect(() => parse(`<a><row x="${'y'.repeat(cap)}" z="${'y'.repeat(cap)}"/></a>`, [], 10)).toThrow(/标签/);
    expect(() => parse(`<a><row ${attributes(cap / 8)}/></a>`, [], 10)).toThrow(/标签/);
  });

  it('holds nothing of a long comment: the filter passes on only the markup around it', () => {
    const emitted: string[] = [];
    const bounds = new XmlBounds('p', MIN_RUN_CHARS, { emit: (s) => emitted.push(s), cut: () => {} });
    bounds.write('<a>');
    const piece = '-x'.repeat(32 * 1024);
    bounds.write('<!--');
    for (let i = 0; i < 200; i++) bounds.write(piece);
    bounds.write('-->');
    bounds.write('</a>');
    bounds.end();
    expect(emitted.join('')).toBe('<a></a>');
  });
});
