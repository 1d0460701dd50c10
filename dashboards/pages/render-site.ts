import type { DocumentSet, OutputFile } from '../publisher.js';
import { bulletinPage } from './bulletin-page.js';
import { ChartRenderer } from './charts.js';
import { dispatchPage } from './dispatch-page.js';
import { quarterPage } from './quarter-page.js';
import { siteCss } from './site-css.js';
import { files, siteOf } from './site.js';
import { townshipPage } from './township-page.js';
import { yearPage } from './year-page.js';

/**
 * Every page of the site and its stylesheet, from the documents; `outputs` are the files the
 * build's other publishers wrote, which the pages link to.
 */
export function renderSite(docs: DocumentSet, outputs: readonly string[] = []): OutputFile[] {
  const site = siteOf(docs, outputs);
  const y = site.year;
  const charts = () => new ChartRenderer();
  return [
    { path: files.index, content: yearPage(site, docs, charts()) },
    ...docs.quarters.map((d) => ({ path: files.quarter(y, d.quarter), content: quarterPage(site, d, charts()) })),
    ...docs.dispatch.map((d) => ({ path: files.dispatch(y, d.quarter), content: dispatchPage(site, d, charts()) })),
    ...docs.bulletins.map((d) => ({ path: files.bulletin(y, d.quarter), content: bulletinPage(site, d, charts()) })),
    ...docs.townships.map((d) => ({ path: files.township(d.code), content: townshipPage(site, d, docs.dispatch, charts()) })),
    { path: files.css, content: siteCss },
  ];
}
