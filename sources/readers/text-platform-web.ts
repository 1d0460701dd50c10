import type { TextPlatform } from './text-decoding.js';

/**
 * Text decoding in the browser (the self-check page): the WHATWG GB18030 decoder, which every
 * current browser has, in its replacing mode — the caller refuses any U+FFFD it produces, as it
 * does iconv-lite's on Node.
 */
export const webText: TextPlatform = {
  isAscii: (bytes) => {
    for (let i = 0; i < bytes.length; i++) if ((bytes[i] as number) >= 0x80) return false;
    return true;
  },
  gb18030: () => {
    const inner = new TextDecoder('gb18030');
    return {
      write: (bytes) => inner.decode(bytes, { stream: true }),
      end: () => inner.decode(),
    };
  },
};
