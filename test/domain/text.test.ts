import { describe, expect, it } from 'vitest';
import { alreadyPlain, squeeze, tidy } from '../../domain/text.js';
import { Prng } from '../../sources/sample/prng.js';

/** What squeeze and tidy are: the fast path for plain text must give exactly this. */
const whitespace = /[\s\u3000\u00a0\u200b\ufeff]+/g;
const slowSqueeze = (t: string) => t.normalize('NFKC').replace(whitespace, '');
const slowTidy = (t: string) => t.normalize('NFKC').replace(whitespace, ' ').trim();

describe('squeeze and tidy', () => {
  it('take the plain path only for text NFKC leaves as it is, with no whitespace', () => {
    const plainChars: string[] = [];
    for (let c = 0; c <= 0xffff; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      const ch = String.fromCharCode(c);
      if (!alreadyPlain.test(ch)) continue;
      plainChars.push(ch);
      expect(ch.normalize('NFKC'), `U+${c.toString(16)}`).toBe(ch);
      expect(/[\s\u3000\u00a0\u200b\ufeff]/.test(ch), `U+${c.toString(16)}`).toBe(false);
    }
    expect(plainChars).toContain('、');
    expect(plainChars).not.toContain('（');
    // Strings of them too (nothing composes across characters).
    const rng = new Prng(5);
    for (let i = 0; i < 2000; i++) {
      const text = Array.from({ length: 1 + Math.floor(rng.next() * 12) }, () => plainChars[Math.floor(rng.next() * plainChars.length)]!).join('');
      expect(text.normalize('NFKC')).toBe(text);
    }
  });

  it('agree with NFKC and whitespace folding on any text', () => {
    for (const text of [
      '张检查、李复核',
      '灭火器压力不足（第12处）',
      '发现火灾\n隐患（处）',
      ' 龙兴镇　大湾镇 ',
      'ＡＢＣ１２３',
      '《消防法》第六十条',
      '“已整改”',
      'x…y',
      '',
    ]) {
      expect(squeeze(text), text).toBe(slowSqueeze(text));
      expect(tidy(text), text).toBe(slowTidy(text));
    }
  });
});
