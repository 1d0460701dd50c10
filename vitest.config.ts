import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Pinned so golden outputs do not depend on the machine's zone.
    env: { TZ: 'Asia/Shanghai' },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two test files at a time on a 2-core machine (vitest's default is cores − 1 = one): much of the
    // time is spent waiting on Chromium, LibreOffice and CLI child processes.
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
  },
});
