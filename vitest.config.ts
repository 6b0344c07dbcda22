import os from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Starts one throwaway PostgreSQL for the whole run; each test file gets its own database.
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // At least three files at once. Vitest's default (one fewer than the cores) runs a 2-core
    // machine's files one at a time, though most of their time is spent waiting on PostgreSQL,
    // the processes they start and the browser: on the 2-core CI machine the same 1,921 tests
    // took 1,818 s one file at a time, 1,008-1,078 s three at a time and 1,050 s four at a time
    // (so three, which leaves every test more room before its timeout). Each file has its own
    // database on the run's PostgreSQL server, its own temp directories and ports. `--maxWorkers`
    // on the command line overrides it.
    maxWorkers: Math.max(3, os.availableParallelism() - 1),
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
