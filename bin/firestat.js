#!/usr/bin/env node
// The CLI is compiled to dist/ and bundled into dist/cli/ by `npm install` (the `prepare` script) or
// `npm run build` (see pipelines/cli/bundle.ts).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const entry = new URL('../dist/cli/firestat.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('firestat 尚未编译：请先运行 npm install 或 npm run build\n');
  process.exit(2);
}
await import(entry.href);
