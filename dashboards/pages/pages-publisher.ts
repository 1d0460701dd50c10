import type { DocumentSet, OutputFile, Publisher } from '../publisher.js';

/**
 * The static site: `index.html` (年度总览), per quarter `quarter-`, `dispatch-` and `bulletin-`
 * pages, one `township-` page per township, and `assets/site.css`. Opens from file:// with no
 * network: charts are SVG rendered at build time, data is in the HTML, links are relative — also
 * those to the workbooks, documents and text the build wrote beside the pages.
 */
export class PagesPublisher implements Publisher {
  readonly name = '静态页面';
  /** Runs after the other publishers: each page links to the workbooks, documents and text behind it. */
  readonly linksOutputs = true;

  /** `outputs`: the files the other publishers wrote; a page links only to these. */
  async publish(docs: DocumentSet, outputs: readonly string[] = []): Promise<readonly OutputFile[]> {
    // Loaded on use: ECharts is large and only a build needs it.
    const { renderSite } = await import('./render-site.js');
    return renderSite(docs, outputs);
  }
}
