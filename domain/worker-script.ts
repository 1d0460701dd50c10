/**
 * Starts a `worker_threads` Worker on one of firestat's worker scripts: the compiled `.js` under
 * `dist/` when the caller runs compiled — beside it, or, when the caller is part of the CLI's bundle
 * (`dist/cli/`, see `pipelines/cli/bundle.ts`), in the script's own folder under `dist/`; under the
 * test runner, which runs the TypeScript sources, the `.ts` one through tsx, so a test never runs a
 * stale build.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { packageRoot } from './package-root.js';

/**
 * @param here the calling module's `import.meta.url`
 * @param folder the worker script's folder from the project's root (`pipelines/ingest`)
 * @param name the worker script's name without its extension
 */
export function workerBeside(here: string, folder: string, name: string, options: WorkerOptions = {}): Worker {
  if (here.endsWith('.ts')) {
    const tsx = pathToFileURL(
      createRequire(here)
        .resolve('tsx/esm/api')
        .replace(/\.cjs$/, '.mjs'),
    ).href;
    const script = new URL(`./${name}.ts`, here).href;
    return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(script)}); })`, { ...options, eval: true });
  }
  const beside = fileURLToPath(new URL(`./${name}.js`, here));
  return new Worker(existsSync(beside) ? beside : join(packageRoot(), 'dist', folder, `${name}.js`), options);
}
