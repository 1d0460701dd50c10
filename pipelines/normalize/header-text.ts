import { forms } from '../../domain/forms/index.js';
import { squeeze } from '../../domain/text.js';

/** Units people put in brackets after a header that no form declares (yet): `(万元)`, `（人次）`. */
const commonUnitWords = ['家', '处', '起', '次', '名', '人', '人次', '份', '件', '场', '场次', '个', '元', '万元', '天', '日', '户', '单位', '家次', '条'];

let unitWordsFor: readonly unknown[] | undefined;
let unitWordsSet = new Set<string>();

/**
 * Units people put in brackets after a header: the common ones and every unit a form declares
 * (a new form's `（张）` is a unit as soon as the form says so). Worked out again when the form list
 * is another (tests that add a form).
 */
function unitWords(): ReadonlySet<string> {
  if (unitWordsFor !== forms) {
    unitWordsFor = forms;
    unitWordsSet = new Set([...commonUnitWords, ...forms.flatMap((f) => f.fields.flatMap((field) => (field.unit ? [field.unit] : [])))]);
  }
  return unitWordsSet;
}

/** Bracketed hints that carry no meaning for matching: `【必填】`, `(选填)`, `（如：2024-03-05）`. */
const hint = /^(必填|选填|可选|非必填|必选|填写说明.*|如[:：].*|例[:：].*|格式.*|yyyy.*|单选|多选|可多选|下拉选择|[是否/]+|.*[/／、].*)$/i;

/** A header split into the key it is matched by and the unit it states, if any. */
export interface HeaderParts {
  readonly key: string;
  readonly unit?: string;
}

/**
 * Reduces a header cell to the key it is matched by — NFKC, no whitespace or line breaks, no
 * required-markers, numbering, `其中：` or separators — and the unit it states in brackets.
 * A bracket that is neither a unit nor a hint keeps its words: `赋权执法案件（一般程序）` is
 * `赋权执法案件一般程序`. `'发现火灾\n隐患数（处）'` → `{ key: '发现火灾隐患数', unit: '处' }`.
 */
export function headerParts(text: string): HeaderParts {
  let unit: string | undefined;
  const s = squeeze(text).replace(/\(([^()]*)\)|\[([^[\]]*)\]|【([^【】]*)】|<([^<>]*)>|〔([^〔〕]*)〕/g, (_m, ...groups: (string | undefined)[]) => {
    const inner = (groups.slice(0, 5).find((g) => g !== undefined) ?? '').replace(/^单位[:：]/, '');
    if (unitWords().has(inner)) {
      unit = inner;
      return '';
    }
    if (hint.test(inner)) return '';
    return inner;
  });
  const key = s
    .replace(/^[*※★]+|[*※★]+$/g, '')
    .replace(/^\d{1,2}[.、]/, '')
    .replace(/其中[:：]?/g, '')
    .replace(/[·•・.\-_/\\|:：、,，;；'"“”‘’]/g, '')
    .toLowerCase();
  return unit === undefined ? { key } : { key, unit };
}

/** The key a header is matched by (see {@link headerParts}). */
export function headerKey(text: string): string {
  return headerParts(text).key;
}
