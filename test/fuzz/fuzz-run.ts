import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Prng } from '../../sources/sample/prng.js';
import { mutate } from './mutator.js';
import { filesUnder } from '../support/files.js';

const root = new URL('../../', import.meta.url).pathname;
const bin = join(root, 'bin/firestat.js');

/** The valid fixtures the fuzzer starts from. */
export function fuzzSeeds(): string[] {
  return filesUnder(join(root, 'test/fixtures/inbox')).filter((f) => ['.xlsx', '.csv'].includes(extname(f)));
}

/** What one fuzz round found. */
export interface FuzzOutcome {
  readonly seed: number;
  readonly mutants: number;
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  /** Mutant file names with no submission row. */
  readonly unaccounted: string[];
  readonly statuses: Record<string, number>;
  readonly stderr: string;
  readonly manifest: Record<string, string>;
}

/**
 * Writes `perFile` mutants of every fixture for `seed` into a fresh inbox, ingests them with the
 * real CLI in a child process (bounded by `timeoutMs`), and reports whether each one was
 * accounted for in `submissions`.
 */
export async function fuzzRound(seed: number, perFile: number, dir: string, timeoutMs = 120_000): Promise<FuzzOutcome> {
  const inbox = join(dir, `inbox-${seed}`);
  mkdirSync(inbox, { recursive: true });
  const rng = new Prng(seed, 'fuzz');
  const manifest: Record<string, string> = {};
  let n = 0;
  // Identical bytes under two names are one submission ('unchanged'); keep every mutant distinct.
  const seen = new Set<string>();
  for (const file of fuzzSeeds()) {
    const original = readFileSync(file);
    seen.add(createHash('sha256').update(original).digest('hex'));
    for (let i = 0; i < perFile; i++) {
      let { bytes, what } = await mutate(original, extname(file) === '.xlsx', rng);
      for (let tries = 0; seen.has(createHash('sha256').update(bytes).digest('hex')) && tries < 20; tries++) {
        ({ bytes, what } = await mutate(original, extname(file) === '.xlsx', rng));
      }
      seen.add(createHash('sha256').update(bytes).digest('hex'));
      // Keep the folder that states unit and period, so mutants get as far as parsing.
      const rel = file.slice(join(root, 'test/fixtures/inbox').length + 1);
      const name = `m${String(n++).padStart(4, '0')}-${rel.replaceAll('/', '__')}`;
      const folder = join(inbox, rel.split('/')[0]!);
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, name), bytes);
      manifest[`${rel.split('/')[0]}/${name}`] = what;
    }
  }
  const wh = join(dir, `w-${seed}.duckdb`);
  const r = spawnSync('node', [bin, 'ingest', '--inbox', inbox, '--warehouse', wh, '--quiet'], { encoding: 'utf8', timeout: timeoutMs });
  const timedOut = r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
  let unaccounted: string[] = Object.keys(manifest);
  const statuses: Record<string, number> = {};
  if (r.status === 0) {
    const q = spawnSync('node', [bin, 'sql', '--warehouse', wh, '--format', 'json', 'SELECT path, status FROM submissions'], { encoding: 'utf8' });
    const rows = JSON.parse(q.stdout) as { path: string; status: string }[];
    const seen = new Set(rows.map((x) => x.path));
    unaccounted = Object.keys(manifest).filter((p) => !seen.has(p));
    for (const x of rows) statuses[x.status] = (statuses[x.status] ?? 0) + 1;
  }
  return { seed, mutants: n, exitCode: r.status, timedOut, unaccounted, statuses, stderr: r.stderr, manifest };
}

// `npm run fuzz [rounds] [perFile]`: random seeds; prints the seed of any failure.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const rounds = Number(process.argv[2] ?? 5);
  const perFile = Number(process.argv[3] ?? 30);
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'firestat-fuzz-'));
  let failed = false;
  for (let i = 0; i < rounds; i++) {
    const seed = Math.floor(Math.random() * 2 ** 31);
    const o = await fuzzRound(seed, perFile, dir);
    const bad = o.exitCode !== 0 || o.timedOut || o.unaccounted.length > 0;
    process.stdout.write(
      `seed ${seed}: ${o.mutants} mutants, exit ${o.exitCode}${o.timedOut ? ' (timed out)' : ''}, ${JSON.stringify(o.statuses)}${bad ? ' — FAILED' : ''}\n`,
    );
    if (bad) {
      failed = true;
      process.stdout.write(
        `  reproduce: fuzzRound(${seed}, ${perFile}) — unaccounted: ${o.unaccounted.map((u) => `${u} (${o.manifest[u]})`).join(', ')}\n  ${o.stderr.slice(0, 2000)}\n`,
      );
    }
  }
  process.exit(failed ? 1 : 0);
}
