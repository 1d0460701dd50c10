/**
 * Starts a `worker_threads` Worker on a script beside the calling module: the compiled `.js` when
 * the caller runs compiled (`dist/`); under the test runner, which runs the TypeScript sources, the
 * `.ts` one through tsx, so a test never runs a stale build.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * @param here the calling module's `import.meta.url`
 * @param name the worker script's name without its extension, in the caller's folder
 */
export function workerBeside(here: string, name: string, options: WorkerOptions = {}): Worker {
  if (here.endsWith('.js')) return new Worker(new URL(`./${name}.js`, here), options);
  const tsx = pathToFileURL(
    createRequire(here)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const script = new URL(`./${name}.ts`, here).href;
  return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(script)}); })`, { ...options, eval: true });
}
