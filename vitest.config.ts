import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'bench/**', 'data/**', '.stryker-tmp/**'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // Vitest runs one file fewer than there are cores; on two cores that is one file at a time,
    // while most of a file's time is spent waiting on the database, the registrar stand-ins and
    // timers. Each file has its own database, so two run side by side.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
