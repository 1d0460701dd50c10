import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { demoYear } from '../support/demo-year.js';
import type { SampleManifest } from '../../sources/sample/index.js';
import { filesUnder, zipText } from '../support/files.js';

let published: { file: string; text: string }[];
let manifest: SampleManifest;

beforeAll(async () => {
  const demo = demoYear();
  manifest = demo.manifest;
  published = [];
  for (const f of filesUnder(demo.out)) {
    const text = ['.xlsx', '.docx'].includes(extname(f)) ? await zipText(f) : readFileSync(f, 'utf8');
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
    const leaks = published
      .filter((p) => idNumber.test(p.text) || mobile.test(p.text))
      .map((p) => `${p.file}: ${(idNumber.exec(p.text) ?? mobile.exec(p.text))?.[0]}`);
    expect(leaks).toEqual([]);
  });
});
