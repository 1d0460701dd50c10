// Reads one file with firestat's compiled readers (dist/, built by the test setup) in a process
// of its own, so that a test can give it a small heap (--max-old-space-size) and see whether it
// survives. Prints one JSON line: { rows, code, message, peakRssMiB }; exits 0 unless the
// process itself dies (a V8 out-of-memory abort is exit 134).
//
//   node --max-old-space-size=256 read-in-child.mjs <file> [--keep-rows] [--deadline-ms N]
//   node read-in-child.mjs --csv-field-mib N     (a CSV whose second line is one field of N MiB, streamed)
import { statSync, createReadStream } from 'node:fs';
import { Readable } from 'node:stream';

const dist = new URL('../../dist/sources/readers/', import.meta.url);
const { defaultReadLimits } = await import(new URL('reader.js', dist).href);

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name) => {
  const at = args.indexOf(name);
  return at < 0 ? undefined : Number(args[at + 1]);
};

let peak = 0;
const sample = () => {
  peak = Math.max(peak, process.memoryUsage().rss);
};
const timer = setInterval(sample, 5);

function csvStream(mib) {
  const chunk = Buffer.alloc(64 * 1024, 'abcdefgh');
  let left = mib * 16;
  return Readable.from(
    (function* () {
      yield Buffer.from('单位,数量\n龙兴镇,');
      while (left-- > 0) yield chunk;
      yield Buffer.from('\n');
    })(),
  );
}

const fieldMib = value('--csv-field-mib');
const file =
  fieldMib !== undefined
    ? { path: 'field.csv', bytes: fieldMib * 1048576, open: () => csvStream(fieldMib) }
    : { path: args[0].split('/').pop(), bytes: statSync(args[0]).size, open: () => createReadStream(args[0]), localPath: args[0] };
const deadlineMs = value('--deadline-ms');
const limits = deadlineMs === undefined ? defaultReadLimits : { ...defaultReadLimits, deadline: Date.now() + deadlineMs };
const csv = /\.(csv|txt)$/i.test(file.path);
const { XlsxReader } = await import(new URL('xlsx-reader.js', dist).href);
const { CsvReader } = await import(new URL('csv-reader.js', dist).href);
const reader = csv ? new CsvReader() : new XlsxReader();

const kept = [];
let rows = 0;
let code;
let message;
const started = Date.now();
try {
  const book = reader.read(file, limits);
  for await (const sheet of book.sheets) {
    for await (const row of sheet.rows) {
      rows++;
      if (flag('--keep-rows')) kept.push(row);
      sample();
    }
  }
} catch (err) {
  code = err.code ?? 'crash';
  message = err.message;
}
kept.length = 0;
sample();
clearInterval(timer);
process.stdout.write(`${JSON.stringify({ rows, code, message, seconds: (Date.now() - started) / 1000, peakRssMiB: Math.round(peak / 1048576) })}\n`);
