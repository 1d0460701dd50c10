import type { DocumentSet, OutputFile, Publisher } from './publisher.js';

/** Paths of the JSON documents in the output folder (the index and the pages refer to them by these). */
export const jsonFiles = {
  index: 'data/index.json',
  year: (year: number) => `data/year-${year}.json`,
  quarter: (year: number, quarter: number) => `data/quarter-${year}-Q${quarter}.json`,
  dispatch: (year: number, quarter: number) => `data/dispatch-${year}-Q${quarter}.json`,
  bulletin: (year: number, quarter: number) => `data/bulletin-${year}-Q${quarter}.json`,
  township: (code: string, year: number) => `data/township-${code}-${year}.json`,
};

/** `data/*.json`: one document per page and period, as the dashboards read them. */
export class JsonPublisher implements Publisher {
  readonly name = 'JSON 数据';

  async publish(docs: DocumentSet): Promise<readonly OutputFile[]> {
    const json = (x: unknown) => `${JSON.stringify(x, null, 2)}\n`;
    const y = docs.year.year;
    return [
      { path: jsonFiles.index, content: json(docs.index) },
      { path: jsonFiles.year(y), content: json(docs.year) },
      ...docs.quarters.map((d) => ({ path: jsonFiles.quarter(y, d.quarter), content: json(d) })),
      ...docs.dispatch.map((d) => ({ path: jsonFiles.dispatch(y, d.quarter), content: json(d) })),
      ...docs.bulletins.map((d) => ({ path: jsonFiles.bulletin(y, d.quarter), content: json(d) })),
      ...docs.townships.map((d) => ({ path: jsonFiles.township(d.code, y), content: json(d) })),
    ];
  }
}
