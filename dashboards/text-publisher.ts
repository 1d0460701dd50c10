import type { DocumentSet, OutputFile, Publisher } from './publisher.js';

/** `text/`: the drafted 通报 of each quarter and the year-end paragraphs. */
export class TextPublisher implements Publisher {
  readonly name = '文字稿';

  async publish(docs: DocumentSet): Promise<readonly OutputFile[]> {
    const y = docs.year.year;
    return [
      { path: `text/年度执法情况-${y}.txt`, content: `${docs.year.paragraphs.join('\n\n')}\n` },
      ...docs.bulletins.map((b) => ({ path: `text/通报-${y}-Q${b.quarter}.md`, content: b.text })),
    ];
  }
}
