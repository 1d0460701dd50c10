import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { buildDemoYearInto, demoYearKey } from './support/demo-year.js';

/**
 * Once per test run: the compiled `dist/` (tests that run the CLI as a person would need it), and
 * the demo year — sample inbox, warehouse and every output — which the test files share read-only.
 * The year is kept under `test/.tmp/demo-<hash of the sources>` and reused while the sources are
 * unchanged; older copies are removed.
 */
export default async function setup(project: TestProject): Promise<void> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  const tmp = join(root, 'test', '.tmp');
  const name = `demo-${demoYearKey(root)}`;
  const dir = join(tmp, name);
  if (existsSync(tmp)) for (const n of readdirSync(tmp)) if (n.startsWith('demo-') && n !== name) rmSync(join(tmp, n), { recursive: true, force: true });
  if (!existsSync(join(dir, 'done'))) {
    const started = performance.now();
    await buildDemoYearInto(dir);
    process.stdout.write(`shared demo year built in ${((performance.now() - started) / 1000).toFixed(1)} s: ${dir}\n`);
  }
  project.provide('demoYear', { dir });
}
