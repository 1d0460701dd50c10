import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import { SaxesParser } from 'saxes';
import type { SaxesTagPlain } from 'saxes';
import { describe, expect, it } from 'vitest';
import { Prng } from '../../sources/sample/prng.js';
import { ReadError } from '../../sources/readers/reader.js';
import { XmlBounds, runCapFor } from '../../sources/readers/xlsx-xml-bounds.js';
import { XmlPartParser } from '../../sources/readers/xlsx-xml.js';
import { XmlScanError, XmlScanner } from '../../sources/readers/xml-scanner.js';
import type { XmlScanHandlers } from '../../sources/readers/xml-scanner.js';

/**
 * The scanner against saxes, the parser it replaced: the same events for every well-formed
 * document, a refusal wherever saxes refuses. Both run behind the same XmlBounds, as in the reader.
 */

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Outcome {
  events: string[];
  /** Whether the parser refused the document. */
  refused: boolean;
  fault?: string;
}

function recorder(events: string[]): XmlScanHandlers {
  return {
    open: (name, attributes) =>
      events.push(
        `open:${name}${Object.entries(attributes)
          .map(([k, v]) => ` ${k}=${JSON.stringify(v)}`)
          .join('')}`,
      ),
    close: (name) => events.push(`close:${name}`),
    text: (text) => events.push(`text:${JSON.stringify(text)}`),
    cdata: (text) => events.push(`cdata:${JSON.stringify(text)}`),
  };
}

/** `xml` in pieces cut at `cuts` (character offsets), through XmlBounds into saxes or the scanner. */
function run(kind: 'saxes' | 'scanner', xml: string, cuts: readonly number[]): Outcome {
  const events: string[] = [];
  const handlers = recorder(events);
  let write: (text: string) => void;
  let end: () => void;
  if (kind === 'saxes') {
    const parser = new SaxesParser({ xmlns: false });
    parser.on('opentag', (tag: SaxesTagPlain) => handlers.open(tag.name, tag.attributes));
    parser.on('closetag', (tag: SaxesTagPlain) => handlers.close(tag.name));
    parser.on('text', handlers.text);
    parser.on('cdata', handlers.cdata);
    parser.on('error', (err: Error) => {
      throw new XmlScanError(err.message);
    });
    write = (text) => parser.write(text);
    end = () => parser.close();
  } else {
    const scanner = new XmlScanner(handlers);
    write = (text) => scanner.write(text);
    end = () => scanner.end();
  }
  const bounds = new XmlBounds('part.xml', runCapFor(32_767), { emit: write, cut: () => {} });
  try {
    let at = 0;
    for (const cut of [...cuts, xml.length]) {
      bounds.write(xml.slice(at, cut));
      at = cut;
    }
    bounds.end();
    end();
    return { events, refused: false };
  } catch (err) {
    if (err instanceof XmlScanError || err instanceof ReadError) return { events, refused: true, fault: err.message };
    throw err;
  }
}

function randomCuts(rng: Prng, length: number, count: number): number[] {
  const cuts = Array.from({ length: count }, () => Math.floor(rng.next() * length));
  return [...new Set(cuts)].sort((a, b) => a - b);
}

/** Both parsers agree on `xml`: equal events, or both refuse (events up to the fault may differ). */
function expectAgreement(xml: string, cuts: readonly number[], label: string): Outcome {
  const reference = run('saxes', xml, cuts);
  const scanned = run('scanner', xml, cuts);
  const context = `${label}: saxes ${reference.refused ? `refused (${reference.fault})` : 'read it'}, the scanner ${scanned.refused ? `refused (${scanned.fault})` : 'read it'}\n${xml.slice(0, 600)}`;
  expect(scanned.refused, context).toBe(reference.refused);
  if (!reference.refused) expect(scanned.events, label).toEqual(reference.events);
  return scanned;
}

/** Every XML part of every workbook the tests hold. */
function packageParts(): { name: string; xml: string }[] {
  const parts: { name: string; xml: string }[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.xls[xm]$/i.test(e.name)) {
        let files: Record<string, Uint8Array>;
        try {
          files = unzipSync(fs.readFileSync(p));
        } catch {
          continue; // not a readable zip: the reader's own tests cover its refusal
        }
        for (const [member, bytes] of Object.entries(files)) {
          if (!/\.(xml|rels|vml)$/i.test(member) || bytes.length > 4_000_000) continue;
          const xml = new TextDecoder().decode(bytes);
          parts.push({ name: `${path.relative(repoRoot, p)}!${member}`, xml });
        }
      }
    }
  };
  walk(path.join(repoRoot, 'test/corpus/real-world'));
  walk(path.join(repoRoot, 'test/fixtures'));
  return parts;
}

const SHEET =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n' +
  '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><!-- a comment --><x:sheetData>' +
  '<x:row r="1" spans="1:3"><x:c r="A1" t="inlineStr"><x:is><x:t xml:space="preserve"> 龙兴镇 &amp; 大湾镇 😀 </x:t></x:is></x:c>' +
  '<x:c r="B1" t="inlineStr"><x:is><x:t><![CDATA[a <b> & ]] c]]></x:t></x:is></x:c><x:c r="C1" s=\'2\' note="x > y &quot;q&quot;"><x:v>12.5</x:v></x:c></x:row>\n' +
  '<x:row r="2"><x:c r="A2" t="str"><x:f>IF(A1&gt;0,"&lt;",\'x\')</x:f><x:v>&#x4E2D;&#20013;\r\nline</x:v></x:c></x:row>' +
  '<x:row r="3" note="tab\there\r\nand &#10; ref"/>' +
  '</x:sheetData></x:worksheet>\n';

describe('XmlScanner against saxes', () => {
  it('gives the same events on every XML part of every workbook the tests hold, however the part is cut', () => {
    const parts = packageParts();
    expect(parts.length).toBeGreaterThan(200);
    const rng = new Prng(7);
    let refused = 0;
    for (const { name, xml } of parts) {
      const outcome = expectAgreement(xml, [], name);
      expectAgreement(xml, randomCuts(rng, xml.length, 1 + Math.floor(xml.length / 3000)), `${name} (in pieces)`);
      if (outcome.refused) refused++;
    }
    // The corpus holds hostile files; the point is agreement, but most parts are plain XML.
    expect(refused).toBeLessThan(parts.length / 10);
  });

  it('reads line ends, entities, CDATA, prefixes and attribute normalisation as saxes does, at every cut', () => {
    const whole = run('scanner', SHEET, []);
    expect(whole.refused).toBe(false);
    expect(whole.events).toContain('text:"中中\\nline"');
    expect(whole.events).toContain('open:x:row r="3" note="tab here and \\n ref"');
    expect(whole.events).toContain('cdata:"a <b> & ]] c"');
    for (let cut = 1; cut < SHEET.length; cut++) expectAgreement(SHEET, [cut], `cut at ${cut}`);
  });

  it.each([
    ['mismatched tags', '<a><b></a></b>'],
    ['an unclosed element', '<a><b></b>'],
    ['a close tag with nothing open', '<a></a></b>'],
    ['text before the root', 'x<a/>'],
    ['text after the root', '<a/>x'],
    ['a second root', '<a/><b/>'],
    ['no root', '   '],
    ['"]]>" in text', '<a>x]]>y</a>'],
    ['an undefined entity', '<a>&nbsp;</a>'],
    ['an entity named like an object property', '<a>&constructor;</a>'],
    ['an entity named __proto__ in a value', '<a b="&__proto__;"/>'],
    ['an entity named toString', '<a>&toString;</a>'],
    ['an entity without its semicolon', '<a>AT&T</a>'],
    ['a character reference to NUL', '<a>&#0;</a>'],
    ['a character reference to a surrogate', '<a>&#xD800;</a>'],
    ['a control character in text', '<a>\u0001</a>'],
    ['U+FFFE in an attribute', '<a b="\uFFFE"/>'],
    ['"<" in an attribute value', '<a b="<"/>'],
    ['an unquoted attribute value', '<a b=1/>'],
    ['no whitespace between attributes', '<a b="1"c="2"/>'],
    ['a duplicate attribute', '<a b="1" b="2"/>'],
    ['an attribute without a value', '<a b/>'],
    ['a name starting with a digit', '<1a/>'],
    ['a space after "<"', '< a/>'],
    ['junk in a close tag', '<a></a b>'],
    ['an unfinished tag at the end', '<a><b'],
    ['a CDATA section outside the root', '<![CDATA[x]]><a/>'],
  ])('refuses %s, as saxes does', (_label, xml) => {
    expect(run('saxes', xml, []).refused).toBe(true);
    expect(run('scanner', xml, []).refused).toBe(true);
  });

  it('refuses a lone surrogate in text, a value or a CDATA section, and reads a pair', () => {
    for (const xml of ['<a>\ud800x</a>', '<a>x\udc00</a>', '<a b="\udc00"/>', '<a><![CDATA[\ud83d]]></a>'])
      expect(run('scanner', xml, []).refused, xml).toBe(true);
    expect(run('scanner', '<a b="😀">😀<![CDATA[😀]]></a>', []).events).toEqual(['open:a b="😀"', 'text:"😀"', 'cdata:"😀"', 'close:a']);
  });

  it('reports elements by local name when asked, attributes with their prefixes, and still matches tags by qualified name', () => {
    const events: string[] = [];
    const scanner = new XmlScanner(recorder(events), { localNames: true });
    scanner.write('<x:a r:id="1"><y:c/><c/></x:a>');
    scanner.end();
    expect(events).toEqual(['open:a r:id="1"', 'open:c', 'close:c', 'open:c', 'close:c', 'close:a']);
    const mismatched = new XmlScanner(recorder([]), { localNames: true });
    expect(() => mismatched.write('<x:a></y:a>')).toThrow(XmlScanError);
  });

  it('reads a tag that arrives one character at a time, however long (held pieces are scanned again only once doubled)', () => {
    const value = 'v'.repeat(200_000);
    const xml = `<a b="${value}">x<c/></a>`;
    const events: string[] = [];
    const scanner = new XmlScanner(recorder(events));
    for (const ch of xml) scanner.write(ch);
    scanner.end();
    expect(events).toEqual([`open:a b="${value}"`, 'text:"x"', 'open:c', 'close:c', 'close:a']);
  });

  it('reads, without rescanning it per piece, a tag XmlBounds hands over in a quarter of a million pieces', () => {
    // Each dropped PI splits the tag: before, every piece rescanned all the tag held so far.
    const xml = `<a${' <??>'.repeat(250_000)}/>`;
    expect(expectAgreement(xml, [], 'split tag').events).toEqual(['open:a', 'close:a']);
    // Past the bounds' cap the tag is refused, by XmlBounds.
    expect(run('scanner', `<a${' <??>'.repeat(300_000)}/>`, []).fault).toMatch(/异常长的 XML 标签/);
  });

  it('reads names right when thousands of look-alikes share their first letter', () => {
    const attributes = Array.from({ length: 3000 }, (_, i) => ` c${i}="${i}"`).join('');
    const xml = `<worksheet${attributes}><sheetData><row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row></sheetData></worksheet>`;
    const scanned = run('scanner', xml, [17, 4000, 9000]);
    expect(scanned.refused).toBe(false);
    expect(scanned.events).toEqual(run('saxes', xml, []).events);
    expect(scanned.events.filter((e) => e.startsWith('open:c ')).length).toBe(2);
  });

  it('keeps an attribute named __proto__ as an attribute', () => {
    const events: string[] = [];
    const scanner = new XmlScanner(recorder(events));
    scanner.write('<a __proto__="x" toString="y" constructor="z"/>');
    scanner.end();
    expect(events[0]).toBe('open:a __proto__="x" toString="y" constructor="z"');
    expect(run('saxes', '<a constructor="z"/>', []).refused).toBe(false);
  });

  it('agrees with saxes on thousands of mutated documents (refusing exactly where saxes refuses)', () => {
    const rng = new Prng(20261201);
    const pieces = [
      '<',
      '>',
      '/',
      '/>',
      '"',
      "'",
      '=',
      '&',
      ';',
      '&amp;',
      '&#0;',
      '&#x41;',
      '&#65;',
      '&foo;',
      ' ',
      '\r',
      '\n',
      '\r\n',
      '\t',
      ']]>',
      ']]',
      '<![CDATA[',
      '<!--',
      '-->',
      '<?pi?>',
      '\u0001',
      '\uFFFE',
      'a',
      ':',
      'x:',
      '<a>',
      '</a>',
      '<b/>',
      ' x="1"',
      "y='2'",
      '1',
      '-',
      '.',
      '·',
      '中',
      '😀',
      '<!DOCTYPE a>',
    ];
    const bases = [SHEET, '<sst count="2"><si><t>甲</t></si><si><r><t>乙</t></r><rPh><t>x</t></rPh></si></sst>'];
    let agreedReads = 0;
    for (let i = 0; i < 6000; i++) {
      // Edited by code point: a lone surrogate cannot reach the parsers (TextDecoder never makes one).
      const chars = Array.from(bases[i % bases.length]!);
      const edits = 1 + Math.floor(rng.next() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rng.next() * (chars.length + 1));
        const op = rng.next();
        const piece = Array.from(pieces[Math.floor(rng.next() * pieces.length)]!);
        if (op < 0.45) chars.splice(at, 0, ...piece);
        else if (op < 0.8) chars.splice(at, 1 + Math.floor(rng.next() * 4));
        else chars.splice(at, 1, ...piece);
      }
      const xml = chars.join('');
      const outcome = expectAgreement(xml, randomCuts(rng, xml.length, Math.floor(rng.next() * 4)), `mutation ${i}`);
      if (!outcome.refused) agreedReads++;
    }
    // Both outcomes are exercised: many mutations stay well-formed, many do not.
    expect(agreedReads).toBeGreaterThan(600);
    expect(agreedReads).toBeLessThan(5400);
  });

  it('reports a fault as the reader’s Chinese refusal naming the part', () => {
    const parser = new XmlPartParser('xl/worksheets/sheet1.xml', { open() {}, close() {}, text() {} });
    expect(() => {
      parser.write(Buffer.from('<worksheet><sheetData></worksheet>'));
      parser.end();
    }).toThrowError(/文件已损坏：部件“xl\/worksheets\/sheet1\.xml”不是有效的 XML/);
  });
});
