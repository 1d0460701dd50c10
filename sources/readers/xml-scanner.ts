/**
 * A well-formedness-checking XML tokeniser for package parts, in place of saxes on the hot path.
 *
 * saxes walks every character through a JavaScript state machine; a 200,000-row sheet is ~100 MB
 * of markup and saxes was 40 % of the reading thread's time. Here text and markup are found with
 * `indexOf`, each tag is read by one character loop, names are checked once and then recognised
 * by `startsWith`, and text and values are sliced once.
 * It gives the events saxes gives (`xmlns: false`): one `text` per text node (line ends
 * normalised, entities resolved), `cdata` per section, `open` with the attributes (values
 * normalised as XML says) and `close` (also after a self-closing tag), qualified names unless asked
 * for local ones.
 *
 * It refuses what saxes refuses, on the first fault: mismatched or unclosed tags, text or a second
 * element outside the root, `]]>` in text, characters XML does not allow, undefined or malformed
 * entity references, unquoted or duplicate attributes, missing whitespace between attributes,
 * invalid names. The fault's wording differs from saxes'. (Proved against saxes in
 * `test/sources/xml-scanner.test.ts`, on every part of the corpus and on mutated markup.)
 *
 * It runs behind {@link XmlBounds}: comments and processing instructions reach it only where the
 * bounds' dropping of one splices another together (it skips them, as saxes does), and no run
 * between two `<` is longer than the bounds' cap, so what it holds back waiting for the rest of a
 * tag is bounded.
 */

/** What the scanner reports. Names are qualified (`x:row`) unless the scanner is asked for local names. */
export interface XmlScanHandlers {
  open(name: string, attributes: Readonly<Record<string, string>>): void;
  close(name: string): void;
  text(text: string): void;
  cdata(text: string): void;
}

/** A well-formedness fault; the message is English, like saxes'. */
export class XmlScanError extends Error {}

/** Text needing more than a slice: entities, line ends, `]]>`, characters XML forbids. */
const TEXT_SPECIAL = /[&\r\]\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]/;
/** Characters XML does not allow, lone surrogates among them (TextDecoder never makes one; a test does). */
const FORBIDDEN_CHAR = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;
const NOT_SPACE = /[^ \t\r\n]/;
/** XML 1.0 (fifth edition) names: the spec's ranges (combining marks may follow a start character, never begin a name). */
const NAME_START = String.raw`:A-Z_a-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\u{10000}-\u{EFFFF}`;
const NAME = new RegExp(String.raw`^[${NAME_START}][${NAME_START}\-.0-9\u00B7\u0300-\u036F\u203F-\u2040]*$`, 'u');

/**
 * A tag's attributes: a plain object with no prototype, so that a name such as `toString` or
 * `__proto__` is an attribute like any other, yet (unlike `Object.create(null)`) one V8 keeps in
 * fast mode.
 */
const Attributes = function Attributes(this: Record<string, string>) {} as unknown as new () => Record<string, string>;
Object.setPrototypeOf(Attributes.prototype, null);
// Nor may the prototype's own `constructor` stand in for an attribute of that name.
delete (Attributes.prototype as { constructor?: unknown }).constructor;
const EMPTY: Readonly<Record<string, string>> = Object.freeze(new Attributes());
/** Names remembered per first character (a real part has a few dozen names in all). */
const BUCKET = 16;
/** Local names remembered (`x:row` → `row`). */
const MAX_NAMES = 4096;
const CDATA_OPEN = '<![CDATA[';

/** A Map, not an object: `&constructor;` must be an undefined entity, not `Object` found on a prototype. */
const PREDEFINED: ReadonlyMap<string, string> = new Map([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['quot', '"'],
  ['apos', "'"],
]);

export class XmlScanner {
  /** Unfinished markup or text held back from the last chunk. */
  private carry = '';
  /** Pieces written since an unfinished construct was carried, not yet scanned (see {@link write}). */
  private deferred: string[] = [];
  private deferredLength = 0;
  /** Held length (carry and deferred pieces) at which the carried construct is tried again. */
  private retryAt = 0;
  /** Pieces of the text node in hand (it ends at the next `<`). */
  private pending = '';
  private readonly stack: string[] = [];
  /** Something of the document has been scanned (an XML declaration can only come first). */
  private begun = false;
  /** Some markup has been scanned: whitespace before the root is reported only after markup, as saxes does. */
  private markupSeen = false;
  private closedRoot = false;
  /** Names already checked against {@link NAME}, by their first character's low seven bits. */
  private readonly names: (string[] | undefined)[] = new Array(128).fill(undefined);
  private evictions = 0;

  /** Local names of the prefixed element names met (`x:row` → `row`), when handlers are given local names. */
  private readonly locals: Map<string, string> | undefined;

  /** `localNames`: elements reach the handlers without their prefix (`x:row` as `row`); attributes keep theirs. */
  constructor(
    private readonly handlers: XmlScanHandlers,
    options: { readonly localNames?: boolean } = {},
  ) {
    this.locals = options.localNames ? new Map() : undefined;
  }

  /** The name an element is reported by. */
  private shown(name: string): string {
    const locals = this.locals;
    if (!locals) return name;
    let local = locals.get(name);
    if (local === undefined) {
      const colon = name.indexOf(':');
      local = colon < 0 ? name : name.slice(colon + 1);
      if (locals.size < MAX_NAMES) locals.set(name, local);
    }
    return local;
  }

  /** Scans the next piece of the document. */
  write(chunk: string): void {
    if (this.carry.charCodeAt(0) === 60 /* < */) {
      // An unfinished tag or section is tried again only once what is held has doubled: one that
      // arrives in many small pieces (XmlBounds passes one on each side of every comment or PI it
      // drops) then costs linear time, not a rescan per piece.
      this.deferred.push(chunk);
      this.deferredLength += chunk.length;
      if (this.carry.length + this.deferredLength < this.retryAt) return;
      this.scan(this.takeDeferred());
      return;
    }
    this.scan(chunk);
  }

  private takeDeferred(): string {
    const joined = this.deferred.join('');
    this.deferred = [];
    this.deferredLength = 0;
    return joined;
  }

  private scan(chunk: string): void {
    // Joined, not `+`: a cons string costs every charCodeAt an indirection (2.4× the loops here).
    const s = this.carry ? [this.carry, chunk].join('') : chunk;
    this.carry = '';
    let pos = 0;
    const n = s.length;
    while (pos < n) {
      const lt = s.indexOf('<', pos);
      if (lt < 0) {
        // Text to the end; a final CR may be half of a CR LF.
        const end = s.charCodeAt(n - 1) === 13 ? n - 1 : n;
        this.pending += s.slice(pos, end);
        if (end < n) this.carry = '\r';
        if (end > pos) this.begun = true;
        return;
      }
      if (lt > pos || this.pending) {
        this.flushText(s, pos, lt);
        this.begun = true;
      }
      const next = s.charCodeAt(lt + 1);
      let at: number;
      if (next === 47 /* / */) at = this.closeTag(s, lt);
      else if (next === 33 /* ! */) at = this.bang(s, lt);
      else if (next === 63 /* ? */) at = this.instruction(s, lt);
      else if (Number.isNaN(next)) at = -1;
      else at = this.openTag(s, lt);
      if (at < 0) {
        this.carry = s.slice(lt);
        this.retryAt = 2 * this.carry.length;
        return;
      }
      this.begun = true;
      this.markupSeen = true;
      pos = at;
    }
  }

  /** The document has ended. */
  end(): void {
    if (this.deferred.length > 0) this.scan(this.takeDeferred());
    if (this.carry) {
      if (this.carry === '\r') this.pending += '\n';
      else throw new XmlScanError('unexpected end.');
    }
    if (!this.closedRoot && this.stack.length === 0) throw new XmlScanError('document must contain a root element.');
    if (this.stack.length > 0) throw new XmlScanError(`unclosed tag: ${this.stack[this.stack.length - 1]}`);
    if (this.pending) this.emitText(this.pending);
  }

  /** Text from `from` to the `<` at `to`, with what earlier chunks held of the same node. */
  private flushText(s: string, from: number, to: number): void {
    const slice = s.slice(from, to);
    const text = this.pending ? this.pending + slice : slice;
    this.pending = '';
    if (text) this.emitText(text);
  }

  private emitText(raw: string): void {
    let text = raw;
    if (TEXT_SPECIAL.test(raw)) {
      if (raw.includes(']]>')) throw new XmlScanError('the string "]]>" is disallowed in char data.');
      if (FORBIDDEN_CHAR.test(raw)) throw new XmlScanError('disallowed character.');
      if (raw.includes('\r')) text = text.replace(/\r\n?/g, '\n');
      if (raw.includes('&')) text = resolveEntities(text);
    }
    if (this.stack.length === 0) {
      if (raw.includes('&') || NOT_SPACE.test(raw)) throw new XmlScanError('text data outside of root node.');
      // Whitespace opening the document is skipped, as saxes skips it (after any markup it is reported).
      if (!this.markupSeen) return;
    }
    this.handlers.text(text);
  }

  /** An open or self-closing tag at `lt`; returns where it ends, or -1 when it is not all here. */
  private openTag(s: string, lt: number): number {
    const n = s.length;
    const name = this.nameAt(s, lt + 1);
    if (name === undefined) return -1;
    let i = lt + 1 + name.length;
    let attributes = EMPTY;
    let selfClosing = false;
    for (;;) {
      const before = i;
      let c = s.charCodeAt(i);
      // Whitespace skipped in line, here and below: a call per skip cost this loop a tenth of its time.
      while (c === 32 || c === 10 || c === 9 || c === 13) c = s.charCodeAt(++i);
      if (i >= n) return -1;
      if (c === 62 /* > */) {
        i++;
        break;
      }
      if (c === 47 /* / */) {
        if (i + 1 >= n) return -1;
        if (s.charCodeAt(i + 1) !== 62) throw this.fault(s, lt, 'forward-slash in opening tag not followed by >.');
        selfClosing = true;
        i += 2;
        break;
      }
      if (i === before) throw this.fault(s, lt, 'no whitespace between attributes.');
      const key = this.nameAt(s, i);
      if (key === undefined) return -1;
      i += key.length;
      c = s.charCodeAt(i);
      while (c === 32 || c === 10 || c === 9 || c === 13) c = s.charCodeAt(++i);
      if (i >= n) return -1;
      if (c !== 61 /* = */) throw this.fault(s, lt, 'attribute without value.');
      c = s.charCodeAt(++i);
      while (c === 32 || c === 10 || c === 9 || c === 13) c = s.charCodeAt(++i);
      if (i >= n) return -1;
      if (c !== 34 && c !== 39) throw this.fault(s, lt, 'unquoted attribute value.');
      // The value, noting whether it needs more than a slice.
      let j = i + 1;
      let special = false;
      for (; j < n; j++) {
        const v = s.charCodeAt(j);
        if (v === c) break;
        if (v < 32 || v === 38 || v === 60 || v >= 0xfffe || (v >= 0xd800 && v <= 0xdfff)) {
          if (v === 60) throw this.fault(s, lt, 'disallowed character.');
          special = true;
        }
      }
      if (j >= n) return -1;
      const raw = s.slice(i + 1, j);
      if (attributes === EMPTY) attributes = new Attributes();
      if (attributes[key] !== undefined) throw this.fault(s, lt, `duplicate attribute: ${key}.`);
      (attributes as Record<string, string>)[key] = special ? attributeValue(raw) : raw;
      i = j + 1;
    }
    if (this.closedRoot) throw new XmlScanError('text data outside of root node.');
    if (selfClosing) {
      if (this.stack.length === 0) this.closedRoot = true;
      const shown = this.shown(name);
      this.handlers.open(shown, attributes);
      this.handlers.close(shown);
    } else {
      this.stack.push(name);
      this.handlers.open(this.shown(name), attributes);
    }
    return i;
  }

  /** A close tag at `lt`, which must close the element in hand. */
  private closeTag(s: string, lt: number): number {
    const n = s.length;
    const open = this.stack[this.stack.length - 1];
    let i = lt + 2;
    if (open !== undefined && s.startsWith(open, i)) {
      i += open.length;
    } else {
      if (open !== undefined && n - i < open.length && open.startsWith(s.slice(i))) return -1;
      const name = this.nameAt(s, i);
      if (name === undefined) return -1;
      if (open === undefined) throw new XmlScanError(`unmatched closing tag: ${name}.`);
      throw new XmlScanError(`unexpected close tag: ${name} (open: ${open}).`);
    }
    let c = s.charCodeAt(i);
    while (c === 32 || c === 10 || c === 9 || c === 13) c = s.charCodeAt(++i);
    if (i >= n) return -1;
    if (c !== 62) {
      // `</rowx>` while `row` is open, or junk after the name.
      const name = this.nameAt(s, lt + 2);
      if (name === undefined) return -1;
      if (name !== open) throw new XmlScanError(`unexpected close tag: ${name} (open: ${open}).`);
      throw this.fault(s, lt, 'disallowed character in closing tag.');
    }
    this.stack.pop();
    if (this.stack.length === 0) this.closedRoot = true;
    this.handlers.close(this.shown(open));
    return i + 1;
  }

  /** `<?`: a processing instruction, skipped (as for comments, only XmlBounds' splicing makes one). */
  private instruction(s: string, lt: number): number {
    const close = s.indexOf('?>', lt + 2);
    if (close < 0) return -1;
    const body = s.slice(lt + 2, close);
    const target = /^[^ \t\r\n]*/.exec(body)![0];
    if (!NAME.test(target)) throw new XmlScanError('disallowed character in processing instruction name.');
    // saxes reads a declaration at the very start of the document (XmlBounds drops the real one).
    const declaration = target === 'xml' && lt === 0 && !this.begun;
    if (target.toLowerCase() === 'xml' && !declaration) throw new XmlScanError('the XML declaration must appear at the start of the document.');
    if (FORBIDDEN_CHAR.test(body)) throw new XmlScanError('disallowed character.');
    return close + 2;
  }

  /**
   * The name at `at` (checked once per distinct name, and the same string each time it recurs, so
   * that handlers compare and look up interned strings); undefined when it may go on in the next chunk.
   */
  private nameAt(s: string, at: number): string | undefined {
    const first = s.charCodeAt(at);
    const known = this.names[first & 127];
    if (known) {
      for (const name of known) {
        if (!s.startsWith(name, at)) continue;
        const after = s.charCodeAt(at + name.length);
        if (Number.isNaN(after)) return undefined;
        if (endsName(after)) return name;
      }
    }
    const n = s.length;
    let end = at;
    while (end < n && !endsName(s.charCodeAt(end))) end++;
    if (end >= n) return undefined;
    if (end === at) throw this.fault(s, at - 1, 'missing name.');
    const name = s.slice(at, end);
    if (!NAME.test(name)) throw new XmlScanError(`invalid name: ${JSON.stringify(name.slice(0, 80))}.`);
    // Remembered in a bucket of at most BUCKET names (the order does not matter: the character after
    // a name tells `c` from `cols`); a full bucket gives up a slot in turn, so that a file naming
    // thousands of look-alikes cannot make each tag try them all.
    const slot = first & 127;
    const bucket = this.names[slot] ?? [];
    this.names[slot] = bucket;
    if (bucket.length < BUCKET) bucket.push(name);
    else bucket[this.evictions++ % BUCKET] = name;
    return name;
  }

  private fault(s: string, lt: number, fault: string): XmlScanError {
    return new XmlScanError(`${fault} (${JSON.stringify(s.slice(lt, lt + 80))})`);
  }

  /**
   * `<!`: a CDATA section, or a comment (XmlBounds drops comments; one can only form where
   * XmlBounds dropped something between its `<` and `!`, and saxes reads it as a comment).
   */
  private bang(s: string, lt: number): number {
    const head = s.slice(lt, lt + CDATA_OPEN.length);
    if (head.length < CDATA_OPEN.length && (CDATA_OPEN.startsWith(head) || '<!--'.startsWith(head))) return -1;
    if (head.startsWith('<!--')) {
      const close = s.indexOf('-->', lt + 4);
      if (close < 0) return -1;
      const body = s.slice(lt + 4, close);
      if (body.includes('--') || body.endsWith('-')) throw new XmlScanError('malformed comment.');
      if (FORBIDDEN_CHAR.test(body)) throw new XmlScanError('disallowed character.');
      return close + 3;
    }
    if (head !== CDATA_OPEN) throw new XmlScanError('markup declaration where none is expected.');
    const close = s.indexOf(']]>', lt + CDATA_OPEN.length);
    if (close < 0) return -1;
    if (this.stack.length === 0) throw new XmlScanError('text data outside of root node.');
    const raw = s.slice(lt + CDATA_OPEN.length, close);
    if (FORBIDDEN_CHAR.test(raw)) throw new XmlScanError('disallowed character.');
    this.handlers.cdata(raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw);
    return close + 3;
  }
}

/** Characters that end a name: whitespace, `>`, `/`, `=`, quotes, `<`, `&`. */
function endsName(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13 || c === 62 || c === 47 || c === 61 || c === 34 || c === 39 || c === 60 || c === 38;
}

/** An attribute value as XML normalises it: line ends, then tabs and newlines as spaces, then references. */
function attributeValue(raw: string): string {
  if (FORBIDDEN_CHAR.test(raw)) throw new XmlScanError('disallowed character.');
  const value = raw.replace(/\r\n?/g, '\n').replace(/[\t\n]/g, ' ');
  return value.includes('&') ? resolveEntities(value) : value;
}

/** Resolves the five predefined entities and character references; anything else is a fault. */
function resolveEntities(text: string): string {
  let out = '';
  let pos = 0;
  for (let amp = text.indexOf('&'); amp >= 0; amp = text.indexOf('&', pos)) {
    const semi = text.indexOf(';', amp + 1);
    if (semi < 0) throw new XmlScanError('entity reference without its semicolon.');
    out += text.slice(pos, amp) + resolveEntity(text.slice(amp + 1, semi));
    pos = semi + 1;
  }
  return out + text.slice(pos);
}

function resolveEntity(ref: string): string {
  const predefined = PREDEFINED.get(ref);
  if (predefined !== undefined) return predefined;
  const m = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(ref);
  if (!m) throw new XmlScanError(`undefined entity: ${JSON.stringify(ref.slice(0, 40))}.`);
  const code = m[1] !== undefined ? Number.parseInt(m[1], 16) : Number.parseInt(m[2]!, 10);
  const valid =
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff);
  if (!valid) throw new XmlScanError(`malformed character entity: &${ref};`);
  return String.fromCodePoint(code);
}
