import { defineConfig } from 'vitest/config';

/**
 * The suites that start Chromium or LibreOffice, run whole nights or the CLI as child processes,
 * or read the shared demo year: `npm run test:slow`. Everything else is the quick suite, `npm test`.
 * `.ci/run` runs both.
 */
const slowTests = [
  'test/run/**/*.test.ts',
  'test/cli/**/*.test.ts',
  'test/notices/**/*.test.ts',
  'test/fuzz/**/*.test.ts',
  'test/dashboards/pages-browser.test.ts',
  'test/dashboards/pages-phone.test.ts',
  'test/dashboards/workbooks-print.test.ts',
  'test/dashboards/bulletin-truth.test.ts',
  'test/dashboards/one-rate.test.ts',
  'test/dashboards/xlsx-publisher.test.ts',
  'test/templates/self-check.test.ts',
  'test/pipelines/no-invented-numbers.test.ts',
  'test/pipelines/ingest-xls.test.ts',
  'test/pipelines/marked-copy.test.ts',
  'test/sample/sample-year.test.ts',
  'test/sources/read-budget.test.ts',
  'test/sources/reader-thread.test.ts',
  'test/trust/read-only.test.ts',
  'test/trust/personal-data.test.ts',
];

export default defineConfig({
  test: {
    // Pinned so golden outputs do not depend on the machine's zone.
    env: { TZ: 'Asia/Shanghai' },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two test files at a time on a 2-core machine (vitest's default is cores − 1 = one): much of the
    // time is spent waiting on Chromium, LibreOffice and CLI child processes.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'quick', include: ['test/**/*.test.ts'], exclude: slowTests, globalSetup: ['test/global-setup-dist.ts'] },
      },
      {
        extends: true,
        test: { name: 'slow', include: slowTests, globalSetup: ['test/global-setup.ts'] },
      },
    ],
  },
});
