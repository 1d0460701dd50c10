import { docxFiles } from '../docx/docx-publisher.js';
import { selfCheckFileName } from '../templates/self-check/file-name.js';
import { jsonFiles } from '../json-publisher.js';
import { textFiles } from '../text-publisher.js';
import { xlsxFiles } from '../xlsx/xlsx-publisher.js';
import { quarterNumeral } from './format.js';
import { html, type Html } from './html.js';
import type { Current } from './layout.js';
import type { Site } from './site.js';

/** A published file a page links to. */
export interface OutputLink {
  /** Relative to the output folder, as the publisher named it (`xlsx/汇总表-2024-Q1.xlsx`). */
  readonly path: string;
  /** What it is, for the reader: `第一季度汇总表`. */
  readonly label: string;
  /** `Excel`, `Word`, `文本`, `JSON`. */
  readonly format: string;
}

/**
 * The files behind one quarter: its 汇总表, 调度表 and 通报 (document, workbook, text) and data.
 * Every path comes from the publisher's own naming function (`docxFiles`, `xlsxFiles`,
 * `textFiles`, `jsonFiles`), never a copy of its spelling.
 *
 * Extension point: a publisher that adds files for a quarter adds its entries here (and in
 * {@link yearOutputs} for the year's), named by its own naming function; the pages then link them
 * wherever the build wrote them.
 */
export function quarterOutputs(year: number, quarter: number, kind: 'quarter' | 'dispatch' | 'bulletin' | 'all'): OutputLink[] {
  const q = `第${quarterNumeral(quarter)}季度`;
  const summary: OutputLink[] = [
    { path: xlsxFiles.summary(year, quarter), label: `${q}汇总表`, format: 'Excel' },
    { path: jsonFiles.quarter(year, quarter), label: `${q}汇总数据`, format: 'JSON' },
  ];
  const dispatch: OutputLink[] = [
    { path: xlsxFiles.dispatch(year, quarter), label: `${q}调度表`, format: 'Excel' },
    { path: jsonFiles.dispatch(year, quarter), label: `${q}调度数据`, format: 'JSON' },
  ];
  const bulletin: OutputLink[] = [
    { path: docxFiles.bulletin(year, quarter), label: `${q}通报`, format: 'Word' },
    { path: xlsxFiles.bulletin(year, quarter), label: `${q}通报（附表）`, format: 'Excel' },
    { path: textFiles.bulletin(year, quarter), label: `${q}通报文字稿`, format: '文本' },
    { path: jsonFiles.bulletin(year, quarter), label: `${q}通报数据`, format: 'JSON' },
  ];
  if (kind === 'quarter') return summary;
  if (kind === 'dispatch') return dispatch;
  if (kind === 'bulletin') return bulletin;
  return [...summary, ...dispatch, ...bulletin];
}

/** The year's own files: the 年度汇总 workbook, the year-end text (document and plain text) and the overview's data. */
function yearOutputs(year: number): OutputLink[] {
  return [
    { path: xlsxFiles.year(year), label: `${year}年度汇总表`, format: 'Excel' },
    { path: docxFiles.year(year), label: `${year}年度执法情况`, format: 'Word' },
    { path: textFiles.year(year), label: `${year}年度执法情况文字稿`, format: '文本' },
    { path: jsonFiles.year(year), label: `${year}年度总览数据`, format: 'JSON' },
  ];
}

/** What a page links to under its heading, before keeping only the files the build wrote. */
function candidates(site: Site, current: Current): OutputLink[] {
  const y = site.year;
  switch (current.kind) {
    case 'index':
      // The self-check page is for the township clerks; leadership forwards it from here.
      return [...yearOutputs(y), { path: selfCheckFileName, label: '报表自检页（镇街填报人员报送前自查，离线可用）', format: '网页' }];
    case 'quarter':
    case 'dispatch':
    case 'bulletin':
      return quarterOutputs(y, current.quarter, current.kind);
    case 'township':
      return [
        ...yearOutputs(y).filter((l) => l.format === 'Excel'),
        ...site.quarters.map((q) => quarterOutputs(y, q, 'quarter')[0]!),
        { path: jsonFiles.township(current.code, y), label: '本镇街数据', format: 'JSON' },
      ];
  }
}

/** The outputs a page links to: only files this build wrote. */
function outputLinks(site: Site, current: Current): OutputLink[] {
  return candidates(site, current).filter((l) => site.outputs.has(l.path));
}

/** A relative link to a published file, from a page in the output folder's root (works from file://). */
function outputHref(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** Links to files, `第一季度汇总表 Excel`; nothing when there are none. */
export function fileLinks(links: readonly OutputLink[]): Html {
  return html`${links.map((l) => html`<a class="file-link" href="${outputHref(l.path)}" data-format="${l.format}">${l.label}<span class="file-format">${l.format}</span></a>`)}`;
}

/** `本页相关文件：…` under a page's heading (screen only: a printed page does not need it). */
export function outputsBar(site: Site, current: Current): Html {
  const links = outputLinks(site, current);
  if (links.length === 0) return html``;
  return html`<nav class="outputs screen-only" aria-label="本页相关文件"><span class="outputs-label">本页相关文件</span>${fileLinks(links)}</nav>`;
}
