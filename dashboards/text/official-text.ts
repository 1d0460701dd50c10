/**
 * A document as a bureau issues it (公文): title, 主送, body in levels (一、 and （一）), 落款. One
 * shape for every rendering — the Markdown of `text/`, the `.docx` of `docx/`, the printed page —
 * so they say the same words.
 */
export interface OfficialBlock {
  /** `heading1`: `一、总体情况`; `heading2`: `（一）数据质量`; `paragraph`; `item`: one of a list. */
  readonly kind: 'heading1' | 'heading2' | 'paragraph' | 'item';
  readonly text: string;
}

export interface OfficialText {
  readonly title: string;
  /** A line under the title (楷体): `（执法数据部分）`. */
  readonly subtitle?: string;
  /** 主送机关, with its colon: `各镇人民政府、街道办事处：`; `null` for a report without one. */
  readonly recipients: string | null;
  readonly blocks: OfficialBlock[];
  /** 发文机关署名 (落款). */
  readonly issuer: string;
  /** 成文日期 in Chinese: `2025年1月10日`. */
  readonly date: string;
}

export { chineseDate } from '../../domain/dates.js';

/** The document as Markdown: `#` title, `##`/`###` levels, `- ` items, the 落款 as the last two lines. */
export function officialMarkdown(doc: OfficialText): string {
  const lines: string[] = [`# ${doc.title}`, ''];
  if (doc.subtitle) lines.push(doc.subtitle, '');
  if (doc.recipients) lines.push(doc.recipients, '');
  let inList = false;
  for (const b of doc.blocks) {
    if (b.kind === 'item') {
      lines.push(`- ${b.text}`);
      inList = true;
      continue;
    }
    if (inList) lines.push('');
    inList = false;
    if (b.kind === 'heading1') lines.push(`## ${b.text}`, '');
    else if (b.kind === 'heading2') lines.push(`### ${b.text}`, '');
    else lines.push(b.text, '');
  }
  if (inList) lines.push('');
  lines.push(doc.issuer, doc.date, '');
  return lines.join('\n');
}
