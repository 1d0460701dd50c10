import { html, type Html } from './html.js';

/**
 * The little Markdown the drafted texts use — `#` and `##` headings, `- ` lists and paragraphs —
 * as HTML. Every line is text (escaped); nothing else is interpreted.
 */
export function markdownToHtml(text: string, headingLevel = 2): Html {
  const out: Html[] = [];
  let list: string[] = [];
  let para: string[] = [];
  const flush = () => {
    if (para.length) out.push(html`<p>${para.join('')}</p>`);
    if (list.length) out.push(html`<ul>${list.map((l) => html`<li>${l}</li>`)}</ul>`);
    para = [];
    list = [];
  };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      const level = Math.min(6, headingLevel + heading[1]!.length - 1);
      const cls = heading[1]!.length === 1 ? 'doc-title' : 'doc-heading';
      const tag = `h${level}`;
      out.push(html`<${tag} class="${cls}">${heading[2]}</${tag}>`);
    } else if (line.startsWith('- ')) {
      if (para.length) {
        out.push(html`<p>${para.join('')}</p>`);
        para = [];
      }
      list.push(line.slice(2));
    } else if (line === '') {
      flush();
    } else {
      if (list.length) flush();
      para.push(line);
    }
  }
  flush();
  return html`${out}`;
}
