import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import yauzl from 'yauzl';

/** Every file below `dir` (absolute paths, sorted within each folder). A missing `dir` throws: fixtures never go missing silently. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? filesUnder(p) : [p];
    });
}

/** Every entry of a zip package (xlsx, docx), each as its name and its bytes decoded as UTF-8 text. */
export async function zipText(path: string): Promise<string> {
  const zip = await new Promise<yauzl.ZipFile>((res, rej) => yauzl.open(path, { lazyEntries: true }, (e, z) => (e || !z ? rej(e) : res(z))));
  const parts: string[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) =>
      zip.openReadStream(entry, (e, s) => {
        if (e || !s) return reject(e);
        const chunks: Buffer[] = [];
        s.on('data', (c: Buffer) => chunks.push(c));
        s.on('end', () => {
          parts.push(`${entry.fileName}\n${Buffer.concat(chunks).toString('utf8')}`);
          zip.readEntry();
        });
      }),
    );
    zip.on('end', resolve);
    zip.readEntry();
  });
  return parts.join('\n');
}
