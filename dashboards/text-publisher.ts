import { UnitRegistry } from '../domain/units.js';
import type { DocumentSet, OutputFile, Publisher } from './publisher.js';
import { officialPlainText, yearReport } from './text/year-paragraph.js';

/** Paths of the text files in the output folder (the pages link to them by these names). */
export const textFiles = {
  year: (year: number) => `text/年度执法情况-${year}.txt`,
  bulletin: (year: number, quarter: number) => `text/通报-${year}-Q${quarter}.md`,
};

/**
 * `text/`: the drafted 通报 of each quarter (Markdown, the same words as its `.docx`) and the
 * year-end text — a title, the paragraphs in the report's order, the 落款.
 */
export class TextPublisher implements Publisher {
  readonly name = '文字稿';
  private readonly bureau: string;

  /** `bureau`: who signs the year-end text (default: the bundled unit registry's bureau). */
  constructor(options: { bureau?: string } = {}) {
    this.bureau = options.bureau ?? UnitRegistry.sample().bureau;
  }

  async publish(docs: DocumentSet): Promise<readonly OutputFile[]> {
    const y = docs.year.year;
    return [
      { path: textFiles.year(y), content: officialPlainText(yearReport(docs.year, this.bureau)) },
      ...docs.bulletins.map((b) => ({ path: textFiles.bulletin(y, b.quarter), content: b.text })),
    ];
  }
}
