import { squeeze } from '../../domain/text.js';

/**
 * Reduces a header cell to the key it is matched by: NFKC, no whitespace or line breaks, no
 * bracketed units or hints (`（处）`, `(元)`, `【必填】`), no required-markers or separators.
 * `'发现火灾\n隐患数（处）'` → `'发现火灾隐患数'`.
 */
export function headerKey(text: string): string {
  return squeeze(text)
    .replace(/\([^()]*\)|\[[^[\]]*\]|【[^【】]*】|<[^<>]*>|〔[^〔〕]*〕/g, '')
    .replace(/^[*※★]+|[*※★]+$/g, '')
    .replace(/^\d{1,2}[.、]/, '')
    .replace(/[·•・.\-_/\\|:：、,，;；'"“”‘’]/g, '')
    .toLowerCase();
}
