import { ReadError } from './reader.js';

/**
 * A filter in front of the XML tokeniser (`xml-scanner.ts`; saxes when it was written) that bounds
 * what it can accumulate (issue 14).
 *
 * saxes builds every comment, processing instruction, CDATA section, text node and attribute value
 * as one string, `+=` by `+=`; in a comment such as `<!-- -x-y-z… -->` every `-` costs a new
 * two-character string and a rope node, about 30 bytes of heap per input character. A 16 MB
 * comment took the reader to 570 MB, a 140 MB one (a 40–70 MB xlsx, inside every limit) to the
 * 4 GB heap limit. Not registering a handler does not help: the text is built all the same.
 *
 * So the tokeniser never sees what saxes could pile up (it holds at most one unfinished run itself):
 * - comments and processing instructions (the XML declaration included) are dropped here, and
 *   markup other than CDATA behind `<!` (a DOCTYPE) refuses the part at once, before any of it
 *   is kept;
 * - between two `<` (a text node, or a tag with its attribute values) at most `maxRun` characters
 *   are passed on, and so for each CDATA section. A text node or CDATA section over the cap is
 *   cut and the sink is told ({@link BoundsSink.cut}), so that a cell refuses naming itself and no
 *   other text is silently shortened; an attribute value over the cap is cut short (firestat reads
 *   no long attribute; `sqref` lists are the only long ones real files have) and the rest of its
 *   tag may hold {@link TAG_REST_CHARS} more characters; a tag over the cap outside a quoted value
 *   refuses the part.
 *
 * The common path costs a few native `indexOf` calls per chunk: runs are measured between the
 * first and last `<` of each piece, and a piece is never longer than the smallest cap.
 */

/** Least cap on a run: tags and whitespace of real files stay far below it, whatever maxCellChars is. */
export const MIN_RUN_CHARS = 128 * 1024;
/** Pieces longer than this are handed on in slices, so that a run inside one piece cannot pass the cap unseen. */
const PIECE_CHARS = 64 * 1024;
/** After an attribute value was cut, the rest of its tag may have this many characters. */
export const TAG_REST_CHARS = 4096;
/** Longest entity reference (`&#x10FFFF;`) a cut is moved over so that it does not split one. */
const MAX_ENTITY_CHARS = 12;

/**
 * The cap on one run for cells of at most `maxCellChars` characters: eight raw characters per
 * character leave room for a cell written entirely as `&#x4E2D;` references or `_x4E2D_` escapes.
 */
export function runCapFor(maxCellChars: number): number {
  return Math.max(MIN_RUN_CHARS, maxCellChars * 8 + 64);
}

/** Where the filter receives the text to pass on. */
export interface BoundsSink {
  /** Markup and text for the XML parser. */
  emit(text: string): void;
  /** The text node or CDATA section being passed on was cut; `dropped` characters were left out. */
  cut(dropped: number): void;
}

const NORMAL = 0;
const COMMENT = 1;
const PI = 2;
const CDATA = 3;
const DROP_TEXT = 4;
const DROP_VALUE = 5;

/** Context of the characters since the last `<`: character data, a tag, or a quoted value (the quote's code). */
const TEXT = 0;
const TAG = 1;

const LT = 60;
const GT = 62;
const DQUOTE = 34;
const SQUOTE = 39;
const QUESTION = 63;

export class XmlBounds {
  private mode = NORMAL;
  /** Unprocessed start of a construct split between two pieces (`<`, `<![CDA`, `--`). */
  private carry = '';
  /** Characters passed on since the last `<` passed on. */
  private run = 0;
  private context = TEXT;
  /** Characters of the current CDATA section passed on. */
  private cdata = 0;
  /** Characters left out of the text node, CDATA section or attribute value being cut. */
  private dropped = 0;
  /** The quote that ends the attribute value being cut. */
  private quote = 0;
  /** The tag in hand already had a value cut. */
  private tagCut = false;
  /** Positions of the next `<!` and `<?` in the piece in hand (-1: none after where they were looked for). */
  private bangAt = -1;
  private piAt = -1;
  /** `bangAt` and `piAt` are not yet known for the piece in hand. */
  private fresh = true;

  constructor(
    private readonly partName: string,
    private readonly maxRun: number,
    private readonly sink: BoundsSink,
  ) {}

  /** Filters the next decoded chunk of the part. */
  write(text: string): void {
    if (text.length <= PIECE_CHARS) {
      this.piece(text);
      return;
    }
    let at = 0;
    while (at < text.length) {
      let end = Math.min(text.length, at + PIECE_CHARS);
      if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end++;
      this.piece(text.slice(at, end));
      at = end;
    }
  }

  /** The part has ended: passes on what was held back; an unterminated comment, PI or CDATA section is an error. */
  end(): void {
    const rest = this.carry;
    this.carry = '';
    switch (this.mode) {
      case NORMAL:
        // An incomplete `<`… at the very end: the XML parser reports the document as unfinished.
        if (rest) this.sink.emit(rest);
        return;
      case DROP_TEXT:
        this.sink.cut(this.dropped);
        return;
      default:
        throw new ReadError('corrupt', `文件已损坏：部件“${this.partName}”不是有效的 XML（注释、CDATA 段或属性值没有结束）。`);
    }
  }

  private piece(chunk: string): void {
    const s = this.carry ? this.carry + chunk : chunk;
    this.carry = '';
    this.fresh = true;
    let pos = 0;
    while (pos < s.length) {
      switch (this.mode) {
        case NORMAL:
          pos = this.normal(s, pos);
          break;
        case COMMENT:
          pos = this.skipTo(s, pos, '-->');
          break;
        case PI:
          pos = this.skipTo(s, pos, '?>');
          break;
        case CDATA:
          pos = this.cdataSection(s, pos);
          break;
        case DROP_TEXT:
          pos = this.dropText(s, pos);
          break;
        default:
          pos = this.dropValue(s, pos);
      }
    }
  }

  /** Markup and text up to the next comment, PI, CDATA section or `<!`. */
  private normal(s: string, pos: number): number {
    // Each is searched for again only once passed, so many comments in a piece cost no rescans.
    if (this.fresh || (this.bangAt >= 0 && this.bangAt < pos)) this.bangAt = markupAt(s, '!', pos);
    if (this.fresh || (this.piAt >= 0 && this.piAt < pos)) this.piAt = markupAt(s, '?', pos);
    this.fresh = false;
    const special = this.bangAt < 0 ? this.piAt : this.piAt < 0 ? this.bangAt : Math.min(this.bangAt, this.piAt);
    // A `<` at the very end may open a comment or PI, and an entity reference may go on in the
    // next piece: both wait for it, so that neither is cut in two.
    const stop = special < 0 ? plainEnd(s, pos) : special;
    if (stop > pos) {
      const at = this.pass(s, pos, stop);
      if (at < stop || this.mode !== NORMAL) return at;
    }
    if (special < 0) {
      if (stop < s.length) this.carry = s.slice(stop);
      return s.length;
    }
    return this.markup(s, special);
  }

  /** At `<!` or `<?`. */
  private markup(s: string, at: number): number {
    if (s.charCodeAt(at + 1) === QUESTION) {
      this.mode = PI;
      return at + 2;
    }
    if (s.startsWith('<!--', at)) {
      this.mode = COMMENT;
      return at + 4;
    }
    if (s.length - at < 9) {
      this.carry = s.slice(at);
      return s.length;
    }
    if (s.startsWith('<![CDATA[', at)) {
      this.sink.emit('<![CDATA[');
      this.run = 0;
      this.context = TEXT;
      this.cdata = 0;
      this.dropped = 0;
      this.mode = CDATA;
      return at + 9;
    }
    if (s.startsWith('<!DOCTYPE', at)) {
      // OOXML forbids DTDs; refusing them outright disarms entity expansion and XXE attacks.
      throw new ReadError('corrupt', `文件包含不允许的 XML 文档类型声明（DOCTYPE，部件“${this.partName}”），可能是恶意构造的文件，已拒绝读取。`);
    }
    throw new ReadError('corrupt', `文件已损坏：部件“${this.partName}”不是有效的 XML（不允许的“<!”标记）。`);
  }

  /** Passes on `s[from, to)`, which holds no comment, PI or CDATA; returns how far it got. */
  private pass(s: string, from: number, to: number): number {
    const first = s.indexOf('<', from);
    const runEnd = first < 0 || first >= to ? to : first;
    if (runEnd > from && this.run + (runEnd - from) > this.maxRun) return this.overflow(s, from, runEnd);
    if (runEnd === to) {
      this.run += to - from;
      if (this.context !== TEXT) this.track(s, from, to);
    } else {
      // Runs between two `<` of this piece are shorter than the piece, hence than the cap.
      const last = s.lastIndexOf('<', to - 1);
      this.run = to - last - 1;
      this.context = TAG;
      this.tagCut = false;
      this.track(s, last + 1, to);
    }
    this.sink.emit(from === 0 && to === s.length ? s : s.slice(from, to));
    return to;
  }

  /** Follows tags and quoted values over `s[from, to)`, which holds no `<`. */
  private track(s: string, from: number, to: number): void {
    let c = this.context;
    let i = from;
    while (i < to && c !== TEXT) {
      if (c === TAG) {
        for (; i < to; i++) {
          const ch = s.charCodeAt(i);
          if (ch === GT) {
            c = TEXT;
            break;
          }
          if (ch === DQUOTE || ch === SQUOTE) {
            c = ch;
            break;
          }
        }
        i++;
      } else {
        const close = s.indexOf(c === DQUOTE ? '"' : "'", i);
        if (close < 0 || close >= to) break;
        c = TAG;
        i = close + 1;
      }
    }
    this.context = c;
  }

  /** The run in hand passes the cap inside `s[from, runEnd)`. */
  private overflow(s: string, from: number, runEnd: number): number {
    const over = Math.max(from, from + (this.maxRun - this.run));
    if (this.context !== TEXT) this.track(s, from, over);
    if (this.context === TAG || (this.context !== TEXT && this.tagCut)) {
      throw new ReadError('too_large', `部件“${this.partName}”中有异常长的 XML 标签（超过 ${this.maxRun} 个字符），可能是异常或恶意构造的文件，已拒绝读取。`);
    }
    const cut = safeCut(s, from, over, runEnd);
    if (cut > from) this.sink.emit(s.slice(from, cut));
    this.run += cut - from;
    this.dropped = 0;
    if (this.context === TEXT) {
      this.mode = DROP_TEXT;
    } else {
      this.tagCut = true;
      this.quote = this.context;
      this.mode = DROP_VALUE;
    }
    return cut;
  }

  /** Leaves out the rest of a text node over the cap, up to the next `<`. */
  private dropText(s: string, pos: number): number {
    const lt = s.indexOf('<', pos);
    if (lt < 0) {
      this.dropped += s.length - pos;
      return s.length;
    }
    this.dropped += lt - pos;
    this.sink.cut(this.dropped);
    this.dropped = 0;
    this.mode = NORMAL;
    return lt;
  }

  /** Leaves out the rest of an attribute value over the cap, up to its closing quote. */
  private dropValue(s: string, pos: number): number {
    const close = s.indexOf(this.quote === DQUOTE ? '"' : "'", pos);
    if (close < 0) {
      this.dropped += s.length - pos;
      return s.length;
    }
    // The closing quote is passed on as part of the tag, which may go on a little longer.
    this.mode = NORMAL;
    this.run = this.maxRun - TAG_REST_CHARS;
    return close;
  }

  /** Inside `<![CDATA[`: passes on up to the cap, leaves out the rest, up to `]]>`. */
  private cdataSection(s: string, pos: number): number {
    const close = s.indexOf(']]>', pos);
    // Without the end in sight, the last two characters may begin it: kept for the next piece.
    const stop = close < 0 ? Math.max(pos, s.length - 2) : close;
    const room = this.maxRun - this.cdata;
    let keep = Math.max(0, Math.min(room, stop - pos));
    if (keep < stop - pos && keep > 0 && isHighSurrogate(s.charCodeAt(pos + keep - 1))) keep--;
    if (keep > 0) this.sink.emit(pos === 0 && keep === s.length ? s : s.slice(pos, pos + keep));
    this.cdata += keep;
    this.dropped += stop - pos - keep;
    if (close < 0) {
      this.carry = s.slice(stop);
      return s.length;
    }
    if (this.dropped > 0) this.sink.cut(this.dropped);
    this.dropped = 0;
    this.sink.emit(']]>');
    this.mode = NORMAL;
    this.run = 0;
    this.context = TEXT;
    return close + 3;
  }

  /** Skips a comment or PI up to `end`; nothing of it is passed on. */
  private skipTo(s: string, pos: number, end: string): number {
    const at = s.indexOf(end, pos);
    if (at < 0) {
      this.carry = s.slice(Math.max(pos, s.length - (end.length - 1)));
      return s.length;
    }
    this.mode = NORMAL;
    return at + end.length;
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Position of the next `<` + `mark` in `s` from `pos`, or -1. Found by the rare second character:
 * `<` is every few characters in a sheet, and `indexOf('<!')` stops at each one.
 */
function markupAt(s: string, mark: string, pos: number): number {
  for (let i = s.indexOf(mark, pos + 1); i >= 0; i = s.indexOf(mark, i + 1)) {
    if (s.charCodeAt(i - 1) === LT) return i - 1;
  }
  return -1;
}

/**
 * Where plain markup and text from `pos` to the end of `s` may be passed on now: not a final `<`
 * nor an entity reference still open at the end (entities are a dozen characters at most).
 */
function plainEnd(s: string, pos: number): number {
  const end = s.length;
  if (s.charCodeAt(end - 1) === LT) return Math.max(pos, end - 1);
  for (let amp = s.indexOf('&', Math.max(pos, end - MAX_ENTITY_CHARS)); amp >= 0; amp = s.indexOf('&', amp + 1)) {
    if (s.indexOf(';', amp) < 0) return amp;
  }
  return end;
}

/**
 * Where to cut `s` at or just after `at` (not past `limit`) so that no entity reference or
 * surrogate pair is split: an unfinished `&…` is completed up to its `;` when that is near.
 * An entity never begins before `from` and ends in `s` (see {@link plainEnd}).
 */
function safeCut(s: string, from: number, at: number, limit: number): number {
  let cut = at;
  const amp = s.lastIndexOf('&', at - 1);
  if (amp >= from && at - amp < MAX_ENTITY_CHARS) {
    const semi = s.indexOf(';', amp);
    if (semi >= at && semi < limit && semi - amp < MAX_ENTITY_CHARS) cut = semi + 1;
  }
  if (cut < limit && cut > from && isHighSurrogate(s.charCodeAt(cut - 1))) cut++;
  return cut;
}
