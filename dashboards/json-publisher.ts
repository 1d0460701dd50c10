import type { DocumentSet, OutputFile, Publisher } from './publisher.js';

/** `data/*.json`: one document per page and period, as the dashboards read them. */
export class JsonPublisher implements Publisher {
  readonly name = 'JSON 数据';

  async publish(docs: DocumentSet): Promise<readonly OutputFile[]> {
    const json = (x: unknown) => `${JSON.stringify(x, null, 2)}\n`;
    const y = docs.year.year;
    return [
      { path: 'data/index.json', content: json(docs.index) },
      { path: `data/year-${y}.json`, content: json(docs.year) },
      ...docs.quarters.map((d) => ({ path: `data/quarter-${y}-Q${d.quarter}.json`, content: json(d) })),
      ...docs.dispatch.map((d) => ({ path: `data/dispatch-${y}-Q${d.quarter}.json`, content: json(d) })),
      ...docs.bulletins.map((d) => ({ path: `data/bulletin-${y}-Q${d.quarter}.json`, content: json(d) })),
      ...docs.townships.map((d) => ({ path: `data/township-${d.code}-${y}.json`, content: json(d) })),
    ];
  }
}
