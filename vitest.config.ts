import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Generous: the CLI suites start processes through tsx, slow on a 2-core machine with other work beside it.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each test has its own SQLite file or PostgreSQL schema, so files could run side by side; they run one
    // at a time because several suites time real servers and child processes on a 2-core machine.
    fileParallelism: false,
  },
});
