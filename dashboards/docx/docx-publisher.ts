import { UnitRegistry } from '../../domain/units.js';
import type { BulletinDocument } from '../data/documents.js';
import type { DocumentSet, OutputFile, Publisher } from '../publisher.js';
import { indicatorLabel, indicatorNumber, indicatorUnit } from '../text/ranking-text.js';
import { yearReport } from '../text/year-paragraph.js';
import { officialDocx, type DocxAttachment } from './official-docx.js';

/** Paths of the Word documents in the output folder (the pages link to them by these names). */
export const docxFiles = {
  bulletin: (year: number, quarter: number) => `docx/通报-${year}-Q${quarter}.docx`,
  year: (year: number) => `docx/年度执法情况-${year}.docx`,
};

const quarterNames = ['', '一', '二', '三', '四'];

/** 附件1: each township's value and rank on each indicator (`140（1）`), townships in pinyin order. */
function rankingAttachment(doc: BulletinDocument): DocxAttachment | null {
  const rankings = doc.rankings.filter((r) => r.entries.some((e) => e.rank !== null));
  if (rankings.length === 0) return null;
  const units = [...new Set(rankings.flatMap((r) => r.entries.map((e) => e.unit)))].sort((a, b) => a.localeCompare(b, 'zh'));
  const cellOf = (r: (typeof rankings)[number], unit: string) => {
    const e = r.entries.find((x) => x.unit === unit);
    if (!e || e.rank === null) return '—';
    return `${indicatorNumber(r.indicator, e.value)}（${e.rank}）`;
  };
  const unitSuffix = (indicator: string) => (indicatorUnit(indicator) ? `（${indicatorUnit(indicator)}）` : '');
  return {
    title: `${doc.year}年第${quarterNames[doc.quarter]}季度镇街主要指标及排名`,
    table: {
      header: ['镇街', ...rankings.map((r) => `${indicatorLabel(r).replace(/（.*）$/, '')}${unitSuffix(r.indicator)}`)],
      rows: units.map((u) => [u, ...rankings.map((r) => cellOf(r, u))]),
      widths: [1.3, ...rankings.map(() => 1)],
    },
    notes: ['注：括号内为名次，数值相同者名次并列；“—”表示本季度无可计算的数值（如无被评查的案卷），不参加排名。累计整改率为年初至本季度末的累计数。'],
  };
}

/** 附件2: per township, case files reviewed and how many had each kind of problem. */
function reviewAttachment(doc: BulletinDocument): DocxAttachment | null {
  const q = doc.caseQuality;
  if (q.byTownship.length === 0) return null;
  return {
    title: `${doc.year}年第${quarterNames[doc.quarter]}季度镇街行政处罚案卷评查问题统计`,
    table: {
      header: ['镇街', '评查案卷（份）', ...q.problems.map((p) => `${p}（份）`)],
      rows: [
        ...q.byTownship.map((t) => [t.unit, String(t.reviewed), ...q.problems.map((p) => String(t.counts[p] ?? 0))]),
        ['合计', String(q.reviewed), ...q.problems.map((p) => String(q.totals[p] ?? 0))],
      ],
      widths: [1.4, 1, ...q.problems.map(() => 1.2)],
      bold: new Set([q.byTownship.length]),
    },
    notes: ['注：一份案卷可能同时存在几类问题，各类问题之和可大于评查案卷数。'],
  };
}

/**
 * `docx/`: the quarter's 通报 as a Word document a bureau can issue (GB/T 9704 layout, see
 * `official-docx.ts`), with the ranking and case-review tables as attachments, and the year-end text
 * (`年度执法情况-YYYY.docx`). Made from the redacted documents only — the 通报's `draft` and the
 * year's `paragraphs` — like the workbooks; same documents, same bytes.
 */
export class DocxPublisher implements Publisher {
  readonly name = 'Word 文稿';
  private readonly bureau: string;

  /** `bureau`: the 发文机关 (default: the bundled unit registry's). */
  constructor(options: { bureau?: string } = {}) {
    this.bureau = options.bureau ?? UnitRegistry.sample().bureau;
  }

  async publish(docs: DocumentSet): Promise<readonly OutputFile[]> {
    const y = docs.year.year;
    const out: OutputFile[] = [];
    for (const b of docs.bulletins) {
      const attachments = [rankingAttachment(b), reviewAttachment(b)].filter((a): a is DocxAttachment => a !== null);
      const content = await officialDocx({ ...b.draft, issuer: this.bureau }, { generatedAt: b.generatedAt, mark: this.bureau, attachments, subject: '通报' });
      out.push({ path: docxFiles.bulletin(y, b.quarter), content });
    }
    const report = yearReport(docs.year, this.bureau);
    out.push({ path: docxFiles.year(y), content: await officialDocx(report, { generatedAt: docs.year.generatedAt, subject: '年度执法情况' }) });
    return out;
  }
}
