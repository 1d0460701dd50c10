import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Once per run of the quick suite: the compiled `dist/`, which the tests that run the CLI as a
 * person would (`node bin/firestat.js …`) need. The quick suite does not use the shared demo year.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
}
