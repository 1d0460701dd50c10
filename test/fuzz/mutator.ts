import yauzl from 'yauzl';
import type { Prng } from '../../sources/sample/prng.js';
import { zip } from '../../sources/sample/zip-writer.js';

/** The kinds of damage the fuzzer does. */
type Mutation = 'flip-bytes' | 'truncate' | 'insert-junk' | 'damage-zip-entry' | 'break-xml' | 'swap-xml-text' | 'duplicate-rows';

function int(rng: Prng, n: number): number {
  return Math.floor(rng.next() * n);
}

async function unzip(bytes: Buffer): Promise<{ name: string; data: Buffer }[]> {
  const zipfile = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (e, z) => (e || !z ? reject(e) : resolve(z))),
  );
  const out: { name: string; data: Buffer }[] = [];
  await new Promise<void>((resolve, reject) => {
    zipfile.on('entry', (entry: yauzl.Entry) => {
      zipfile.openReadStream(entry, (e, stream) => {
        if (e || !stream) return reject(e);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          out.push({ name: entry.fileName, data: Buffer.concat(chunks) });
          zipfile.readEntry();
        });
        stream.on('error', reject);
      });
    });
    zipfile.on('end', () => resolve());
    zipfile.on('error', reject);
    zipfile.readEntry();
  });
  return out;
}

/**
 * Damages a valid file the way disks, networks and people do. Deterministic for a given seed.
 * Returns the mutant and what was done to it (for the failure message).
 */
export async function mutate(original: Buffer, isZip: boolean, rng: Prng): Promise<{ bytes: Buffer; what: string }> {
  const kinds: Mutation[] = isZip
    ? ['flip-bytes', 'truncate', 'insert-junk', 'damage-zip-entry', 'break-xml', 'swap-xml-text']
    : ['flip-bytes', 'truncate', 'insert-junk', 'duplicate-rows'];
  const kind = kinds[int(rng, kinds.length)]!;
  const b = Buffer.from(original);
  switch (kind) {
    case 'flip-bytes': {
      const n = 1 + int(rng, 16);
      for (let i = 0; i < n; i++) {
        const at = int(rng, b.length);
        b[at] = b[at]! ^ (1 << int(rng, 8));
      }
      return { bytes: b, what: `${kind} ×${n}` };
    }
    case 'truncate': {
      const at = int(rng, b.length);
      return { bytes: b.subarray(0, at), what: `${kind} at ${at}/${b.length}` };
    }
    case 'insert-junk': {
      const at = int(rng, b.length);
      const junk = Buffer.from(Array.from({ length: 1 + int(rng, 64) }, () => int(rng, 256)));
      return { bytes: Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]), what: `${kind} ${junk.length} bytes at ${at}` };
    }
    case 'duplicate-rows': {
      const text = b.toString('latin1');
      const lines = text.split('\n');
      const at = int(rng, lines.length);
      lines.splice(at, 0, ...Array.from({ length: 1 + int(rng, 5) }, () => lines[int(rng, lines.length)] ?? ''));
      return { bytes: Buffer.from(lines.join('\n'), 'latin1'), what: `${kind} at line ${at}` };
    }
    default: {
      const entries = await unzip(b);
      const xmlEntries = entries.filter((e) => e.name.endsWith('.xml') || e.name.endsWith('.rels'));
      const target = xmlEntries[int(rng, xmlEntries.length)] ?? entries[0]!;
      let data = target.data;
      if (kind === 'damage-zip-entry') {
        // Keep the zip readable but give one entry garbage content.
        data = Buffer.from(Array.from({ length: 1 + int(rng, 200) }, () => int(rng, 256)));
      } else if (kind === 'break-xml') {
        const s = data.toString('utf8');
        const at = int(rng, s.length);
        const breakers = ['<', '&', '</x>', '<!DOCTYPE a [<!ENTITY b "c">]>', '"', '\u0000', '<row r="-1">', '<c r="ZZZZZZ99999999"><v>1</v></c>'];
        data = Buffer.from(s.slice(0, at) + breakers[int(rng, breakers.length)] + s.slice(at), 'utf8');
      } else {
        // Replace a value: numbers become huge, text becomes odd.
        const s = data.toString('utf8');
        const odd = ['99999999999999999999', '-1', 'NaN', '待统计', '<script>alert(1)</script>', '=HYPERLINK("http://x")', '1e308', ''];
        data = Buffer.from(
          s.replace(/<v>[^<]*<\/v>|<t>[^<]*<\/t>/, (m) =>
            m.startsWith('<v>') ? `<v>${odd[int(rng, odd.length)]}</v>` : `<t>${odd[int(rng, odd.length)]}</t>`,
          ),
          'utf8',
        );
      }
      const rebuilt = zip(entries.map((e) => (e === target ? { name: e.name, data } : e)));
      return { bytes: rebuilt, what: `${kind} in ${target.name}` };
    }
  }
}
