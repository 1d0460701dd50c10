import type { DocumentSet, OutputFile, Publisher } from '../publisher.js';

/**
 * The static site: `index.html` (年度总览), per quarter `quarter-`, `dispatch-` and `bulletin-`
 * pages, one `township-` page per township, and `assets/site.css`. Opens from file:// with no
 * network: charts are SVG rendered at build time, data is in the HTML, links are relative.
 */
export class PagesPublisher implements Publisher {
  readonly name = '静态页面';

  async publish(docs: DocumentSet): Promise<readonly OutputFile[]> {
    // Loaded on use: ECharts is large and only a build needs it.
    const { renderSite } = await import('./render-site.js');
    return renderSite(docs);
  }
}
