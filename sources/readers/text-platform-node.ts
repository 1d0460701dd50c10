import { isAscii } from 'node:buffer';
import iconv from 'iconv-lite';
import type { TextPlatform } from './text-decoding.js';

/** Text decoding on Node: iconv-lite's GB18030 and the native ASCII check. */
export const nodeText: TextPlatform = {
  isAscii: (bytes) => isAscii(bytes),
  gb18030: () => {
    const inner = iconv.getDecoder('gb18030');
    return {
      write: (bytes) => inner.write(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)),
      end: () => inner.end() ?? '',
    };
  },
};
