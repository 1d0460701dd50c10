import {
  AlignmentType,
  BorderStyle,
  Document,
  Footer,
  LineRuleType,
  Packer,
  PageNumber,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  VerticalAlignTable,
  WidthType,
  type IRunOptions,
} from 'docx';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import type { OfficialText } from '../text/official-text.js';

/**
 * An official document (公文) as a Word file in the layout of GB/T 9704—2012: A4, margins top 37 mm,
 * bottom 35 mm, left 28 mm, right 26 mm; body in 仿宋_GB2312 三号 (16 pt) on a fixed 28.95 pt line
 * (22 lines a page); title in 方正小标宋简体 二号; 一、 headings in 黑体, （一） in 楷体_GB2312; 发文机关
 * 署名 and 成文日期 in Chinese (`2025年1月10日`) at the end; page numbers `— 1 —` in 宋体 四号, odd
 * pages right, even pages left. Fonts are named as Chinese offices have them, each with the name
 * of the font Windows ships as its fallback in the font table (仿宋_GB2312 → 仿宋, 方正小标宋简体 → 宋体),
 * so Word and WPS use the local font either way.
 *
 * The file is deterministic: its creation and modification times and the zip entries' times are
 * the document's `generatedAt`.
 */

/** Fonts, as Chinese offices name them. */
const fonts = {
  title: '方正小标宋简体',
  body: '仿宋_GB2312',
  heading1: '黑体',
  heading2: '楷体_GB2312',
  pageNumber: '宋体',
  latin: 'Times New Roman',
} as const;

/** Each font with the font Word and WPS fall back to where it is not installed (fontTable `w:altName`). */
const fallbacks: readonly { name: string; alt: string; family: string; pitch: string }[] = [
  { name: fonts.body, alt: '仿宋', family: 'modern', pitch: 'fixed' },
  { name: fonts.title, alt: '宋体', family: 'script', pitch: 'variable' },
  { name: fonts.heading1, alt: 'SimHei', family: 'modern', pitch: 'fixed' },
  { name: fonts.heading2, alt: '楷体', family: 'modern', pitch: 'fixed' },
  { name: fonts.pageNumber, alt: 'SimSun', family: 'auto', pitch: 'variable' },
  { name: '仿宋', alt: 'FangSong', family: 'modern', pitch: 'fixed' },
  { name: '楷体', alt: 'KaiTi', family: 'modern', pitch: 'fixed' },
];

/** Points → twips; millimetres → twips. */
const pt = (x: number) => Math.round(x * 20);
const mm = (x: number) => Math.round((x / 25.4) * 1440);

/** 三号 16 pt, 二号 22 pt, 四号 14 pt, 五号 10.5 pt — in half-points, as docx sizes are given. */
const size = { body: 32, title: 44, pageNumber: 28, table: 21, mark: 52 } as const;

/** The fixed line of the body: 22 lines in the 225 mm type area. */
const bodyLine = pt(28.95);
const bodyChar = pt(16);

const font = (eastAsia: string) => ({ eastAsia, ascii: fonts.latin, hAnsi: fonts.latin, cs: fonts.latin });

function run(text: string, options: Omit<IRunOptions, 'text'> & { eastAsia?: string } = {}): TextRun {
  const { eastAsia, ...rest } = options;
  return new TextRun({ text, font: font(eastAsia ?? fonts.body), size: size.body, language: { eastAsia: 'zh-CN' }, ...rest });
}

/** Width of a text in characters of the body font: CJK 1, Latin and digits ½. */
function charWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += (ch.codePointAt(0) ?? 0) > 0x2e7f ? 1 : 0.5;
  return w;
}

const exactLine = { line: bodyLine, lineRule: LineRuleType.EXACT, before: 0, after: 0 } as const;

function blank(): Paragraph {
  return new Paragraph({ spacing: exactLine, children: [] });
}

/** The body's paragraphs: 一、 in 黑体, （一） in 楷体, text indented two characters. */
function bodyParagraphs(doc: OfficialText): Paragraph[] {
  return doc.blocks.map((b) => {
    switch (b.kind) {
      case 'heading1':
        return new Paragraph({
          spacing: exactLine,
          indent: { firstLine: 2 * bodyChar },
          keepNext: true,
          children: [run(b.text, { eastAsia: fonts.heading1 })],
        });
      case 'heading2':
        return new Paragraph({
          spacing: exactLine,
          indent: { firstLine: 2 * bodyChar },
          keepNext: true,
          children: [run(b.text, { eastAsia: fonts.heading2 })],
        });
      default:
        return new Paragraph({ spacing: exactLine, alignment: AlignmentType.JUSTIFIED, indent: { firstLine: 2 * bodyChar }, children: [run(b.text)] });
    }
  });
}

/**
 * 落款: 发文机关署名 right-aligned two characters from the margin, the 成文日期 under it starting two
 * characters right of the name's first character (GB/T 9704—2012 7.3.5.1), or, when the date is
 * the longer, the date two characters from the margin and the name indented to match.
 */
function signature(issuer: string, date: string): Paragraph[] {
  const nameW = charWidth(issuer);
  const dateW = charWidth(date);
  let nameRight = 2;
  let dateRight = nameRight + nameW - 2 - dateW;
  if (dateRight < 2) {
    dateRight = 2;
    nameRight = dateRight + dateW + 2 - nameW;
  }
  const line = (text: string, right: number, keepNext: boolean) =>
    new Paragraph({ spacing: exactLine, alignment: AlignmentType.RIGHT, indent: { right: Math.round(right * bodyChar) }, keepNext, children: [run(text)] });
  return [line(issuer, nameRight, true), line(date, dateRight, false)];
}

/** A table of an attachment: header row repeated on each page, 五号 text. */
interface DocxTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Relative column widths. */
  readonly widths: readonly number[];
  /** Rows (by index) set in bold, such as 合计. */
  readonly bold?: ReadonlySet<number>;
}

/** An attachment after the 落款: `附件1`, its title, its table and notes. */
export interface DocxAttachment {
  readonly title: string;
  readonly table: DocxTable;
  readonly notes?: readonly string[];
}

const typeWidth = mm(210 - 28 - 26);

function cell(text: string, width: number, options: { header?: boolean; bold?: boolean }): TableCell {
  return new TableCell({
    width: { size: width, type: WidthType.DXA },
    verticalAlign: VerticalAlignTable.CENTER,
    margins: { left: 60, right: 60, top: 20, bottom: 20 },
    children: [
      new Paragraph({
        alignment: AlignmentType.CENTER,
        spacing: { line: pt(14), lineRule: LineRuleType.EXACT, before: 0, after: 0 },
        children: [run(text, { size: size.table, eastAsia: options.header ? fonts.heading1 : fonts.body, bold: options.bold })],
      }),
    ],
  });
}

function table(t: DocxTable): Table {
  const total = t.widths.reduce((a, b) => a + b, 0);
  const widths = t.widths.map((w) => Math.floor((w / total) * typeWidth));
  const border = { style: BorderStyle.SINGLE, size: 4, color: '000000' };
  return new Table({
    width: { size: typeWidth, type: WidthType.DXA },
    columnWidths: widths,
    borders: { top: border, bottom: border, left: border, right: border, insideHorizontal: border, insideVertical: border },
    rows: [
      new TableRow({ tableHeader: true, cantSplit: true, children: t.header.map((h, i) => cell(h, widths[i]!, { header: true })) }),
      ...t.rows.map((r, ri) => new TableRow({ cantSplit: true, children: r.map((v, i) => cell(v, widths[i]!, { bold: t.bold?.has(ri) })) })),
    ],
  });
}

function attachmentParts(attachments: readonly DocxAttachment[]): (Paragraph | Table)[] {
  const parts: (Paragraph | Table)[] = [];
  attachments.forEach((a, i) => {
    parts.push(
      new Paragraph({
        pageBreakBefore: true,
        spacing: exactLine,
        children: [run(attachments.length > 1 ? `附件${i + 1}` : '附件', { eastAsia: fonts.heading1 })],
      }),
      blank(),
      new Paragraph({
        alignment: AlignmentType.CENTER,
        spacing: { line: pt(35), lineRule: LineRuleType.EXACT },
        children: [run(a.title, { eastAsia: fonts.title, size: size.title })],
      }),
      blank(),
      table(a.table),
      ...(a.notes ?? []).map(
        (n) => new Paragraph({ spacing: { line: pt(20), lineRule: LineRuleType.EXACT, before: pt(6) }, children: [run(n, { size: 24 })] }),
      ),
    );
  });
  return parts;
}

/** `— 1 —`, 宋体 四号: odd pages at the right, even pages at the left, one character in. */
function pageNumberFooter(side: 'odd' | 'even'): Footer {
  return new Footer({
    children: [
      new Paragraph({
        alignment: side === 'odd' ? AlignmentType.RIGHT : AlignmentType.LEFT,
        spacing: { line: 240, lineRule: LineRuleType.AUTO, before: 0, after: 0 },
        indent: side === 'odd' ? { right: pt(14) } : { left: pt(14) },
        children: [
          new TextRun({
            children: ['— ', PageNumber.CURRENT, ' —'],
            font: { ascii: fonts.pageNumber, hAnsi: fonts.pageNumber, eastAsia: fonts.pageNumber, cs: fonts.pageNumber },
            size: size.pageNumber,
          }),
        ],
      }),
    ],
  });
}

/** What the document is, for its properties. */
export interface DocxOptions {
  /** ISO time: the file's creation and modification time. */
  readonly generatedAt: string;
  /** 发文机关标志 in red above a red line (版头); none for a report without one. */
  readonly mark?: string;
  /** 附件说明 under the body and the attachments after the 落款. */
  readonly attachments?: readonly DocxAttachment[];
  readonly subject?: string;
}

/** The 版头: 发文机关标志 in red 小标宋, and the red separator line under it. */
function letterhead(mark: string): Paragraph[] {
  return [
    new Paragraph({
      alignment: AlignmentType.CENTER,
      spacing: { before: pt(24), after: pt(12), line: pt(48), lineRule: LineRuleType.EXACT },
      border: { bottom: { style: BorderStyle.SINGLE, size: 18, color: 'C00000', space: 12 } },
      children: [run(mark, { eastAsia: fonts.title, size: size.mark, color: 'C00000' })],
    }),
    blank(),
  ];
}

/** `附件：1. …` under the body, the second and later titles aligned under the first. */
function attachmentNote(attachments: readonly DocxAttachment[]): Paragraph[] {
  if (attachments.length === 0) return [];
  if (attachments.length === 1)
    return [blank(), new Paragraph({ spacing: exactLine, indent: { left: 2 * bodyChar }, children: [run(`附件：${attachments[0]!.title}`)] })];
  return [
    blank(),
    ...attachments.map(
      (a, i) =>
        new Paragraph({
          spacing: exactLine,
          indent: { left: 5 * bodyChar, hanging: i === 0 ? 3 * bodyChar : 0 },
          children: [run(`${i === 0 ? '附件：' : ''}${i + 1}. ${a.title}`)],
        }),
    ),
  ];
}

function coreXml(title: string, creator: string, subject: string, at: string): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const when = at.replace(/\.\d+Z$/, 'Z');
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<dc:title>${esc(title)}</dc:title>${subject ? `<dc:subject>${esc(subject)}</dc:subject>` : ''}<dc:creator>${esc(creator)}</dc:creator><cp:lastModifiedBy>${esc(creator)}</cp:lastModifiedBy><cp:revision>1</cp:revision>` +
    `<dcterms:created xsi:type="dcterms:W3CDTF">${when}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">${when}</dcterms:modified>` +
    '</cp:coreProperties>'
  );
}

function fontTableXml(): string {
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
    '<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">' +
    fallbacks
      .map(
        (f) =>
          `<w:font w:name="${f.name}"><w:altName w:val="${f.alt}"/><w:charset w:val="86"/><w:family w:val="${f.family}"/><w:pitch w:val="${f.pitch}"/></w:font>`,
      )
      .join('') +
    `<w:font w:name="${fonts.latin}"><w:charset w:val="00"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>` +
    '</w:fonts>'
  );
}

/**
 * A zip time stamp is local time; the same wall-clock reading (Beijing) on every machine keeps the
 * bytes the same whatever the machine's zone.
 */
function beijingWallClock(iso: string): Date {
  const t = new Date(new Date(iso).getTime() + 8 * 3600_000);
  return new Date(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate(), t.getUTCHours(), t.getUTCMinutes(), t.getUTCSeconds());
}

/** The `.docx` of an official document (see the module comment). */
export async function officialDocx(doc: OfficialText, options: DocxOptions): Promise<Uint8Array> {
  const attachments = options.attachments ?? [];
  const document = new Document({
    title: doc.title,
    creator: doc.issuer,
    lastModifiedBy: doc.issuer,
    evenAndOddHeaderAndFooters: true,
    styles: {
      default: {
        document: {
          run: { font: font(fonts.body), size: size.body, language: { value: 'en-US', eastAsia: 'zh-CN' } },
          paragraph: { spacing: exactLine },
        },
      },
    },
    sections: [
      {
        properties: {
          page: {
            size: { width: mm(210), height: mm(297) },
            margin: { top: mm(37), bottom: mm(35), left: mm(28), right: mm(26), header: mm(15), footer: mm(25) },
          },
        },
        footers: { default: pageNumberFooter('odd'), even: pageNumberFooter('even') },
        children: [
          ...(options.mark ? letterhead(options.mark) : []),
          new Paragraph({
            alignment: AlignmentType.CENTER,
            spacing: { line: pt(35), lineRule: LineRuleType.EXACT, before: 0, after: 0 },
            children: [run(doc.title, { eastAsia: fonts.title, size: size.title })],
          }),
          ...(doc.subtitle
            ? [new Paragraph({ alignment: AlignmentType.CENTER, spacing: exactLine, children: [run(doc.subtitle, { eastAsia: fonts.heading2 })] })]
            : []),
          blank(),
          ...(doc.recipients ? [new Paragraph({ spacing: exactLine, children: [run(doc.recipients)] })] : []),
          ...bodyParagraphs(doc),
          ...attachmentNote(attachments),
          blank(),
          blank(),
          ...signature(doc.issuer, doc.date),
          ...attachmentParts(attachments),
        ],
      },
    ],
  });
  const packed = unzipSync(new Uint8Array(await Packer.toBuffer(document)));
  packed['docProps/core.xml'] = strToU8(coreXml(doc.title, doc.issuer, options.subject ?? '', options.generatedAt));
  packed['word/fontTable.xml'] = strToU8(fontTableXml());
  // [Content_Types].xml first, as Word writes it; then the rest in a fixed order.
  const names = Object.keys(packed).sort((a, b) => (a === '[Content_Types].xml' ? -1 : b === '[Content_Types].xml' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  const mtime = beijingWallClock(options.generatedAt);
  return zipSync(Object.fromEntries(names.map((n) => [n, [packed[n]!, { mtime, level: 6 }]])) as Parameters<typeof zipSync>[0]);
}

/** The text of a `.docx` as a reader sees it: `word/document.xml` (and footers) without tags, paragraph by paragraph. */
export function docxText(bytes: Uint8Array): string {
  const files = unzipSync(bytes, { filter: (f) => f.name === 'word/document.xml' });
  const xml = strFromU8(files['word/document.xml']!);
  return xml
    .replace(/<\/w:p>/g, '\n')
    .replace(/<w:tab\/>/g, '\t')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
