import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';
import FastestFirstSequencer from './test/mutation/fastest-first.sequencer.ts';

// The tests Stryker runs against each mutant: those of the modules it mutates and the promises
// they keep. The browser, package, command-line, fuzz and render tests check other layers, at a
// cost per mutant that would turn hours into days. The list replaces the base config's (mergeConfig
// would append to it and so run every test).
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      'module/**/*.test.ts',
      'test/transfer-in/**/*.test.ts',
      'test/transfer-out/**/*.test.ts',
      'test/jobs/**/*.test.ts',
      'test/promises/**/*.test.ts',
      'test/sync/**/*.test.ts',
      'test/admin/**/*.test.ts',
      'test/bulk/**/*.test.ts',
      'test/api/**/*.test.ts',
    ],
    exclude: [
      'node_modules/**',
      '.stryker-tmp/**',
      'module/cli/**',
      // Kills worker processes it started: a mutant is active only in the runner's own process.
      'test/transfer-in/worker-kill.test.ts',
    ],
    sequence: { sequencer: FastestFirstSequencer },
    // Mutants are switched at run time, so the module graph need not be loaded afresh for each
    // run: re-importing it per mutant took most of a run's time.
    isolate: false,
  },
});
