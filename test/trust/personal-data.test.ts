import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import yauzl from 'yauzl';
import { beforeAll, describe, expect, it } from 'vitest';
import { demoYear } from '../support/demo-year.js';
import type { SampleManifest } from '../../sources/sample/index.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)) : [join(dir, n)]));
}

/** Every text inside a zip (xlsx): the XML parts, decoded. */
async function zipText(path: string): Promise<string> {
  const zip = await new Promise<yauzl.ZipFile>((res, rej) => yauzl.open(path, { lazyEntries: true }, (e, z) => (e || !z ? rej(e) : res(z))));
  const parts: string[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) =>
      zip.openReadStream(entry, (e, s) => {
        if (e || !s) return reject(e);
        const chunks: Buffer[] = [];
        s.on('data', (c: Buffer) => chunks.push(c));
        s.on('end', () => {
          parts.push(Buffer.concat(chunks).toString('utf8'));
          zip.readEntry();
        });
      }),
    );
    zip.on('end', resolve);
    zip.readEntry();
  });
  return parts.join('\n');
}

let published: { file: string; text: string }[];
let manifest: SampleManifest;

beforeAll(async () => {
  const demo = demoYear();
  manifest = demo.manifest;
  published = [];
  for (const f of filesUnder(demo.out)) {
    const text = extname(f) === '.xlsx' ? await zipText(f) : readFileSync(f, 'utf8');
    published.push({ file: f.slice(demo.out.length + 1), text });
  }
}, 180_000);

describe('personal data never leaves the warehouse', () => {
  it('publishes files of every kind', () => {
    const kinds = new Set(published.map((p) => extname(p.file)));
    for (const k of ['.json', '.md', '.txt', '.xlsx']) expect(kinds).toContain(k);
  });

  it('no party, contact person or phone number from the sample appears in any published file', () => {
    const secrets = [...manifest.personNames, ...manifest.contactNames, ...manifest.phoneNumbers];
    expect(secrets.length).toBeGreaterThan(20);
    const leaks = published.flatMap((p) => secrets.filter((s) => p.text.includes(s)).map((s) => `${p.file}: ${s}`));
    expect(leaks).toEqual([]);
  });

  it('no ID-number or mobile-number pattern appears in any published file', () => {
    const idNumber = /(?<![0-9])[1-9]\d{5}(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9])/;
    const mobile = /(?<![0-9])1[3-9]\d{9}(?![0-9])/;
    const leaks = published.filter((p) => idNumber.test(p.text) || mobile.test(p.text)).map((p) => `${p.file}: ${(idNumber.exec(p.text) ?? mobile.exec(p.text))?.[0]}`);
    expect(leaks).toEqual([]);
  });
});
