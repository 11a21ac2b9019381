import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.ts';

// The tests Stryker runs against each mutant: those of the modules it mutates and the promises
// they keep. The browser, package and command-line tests check other layers, at a cost per
// mutant that would turn hours into days.
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: ['module/**/*.test.ts', 'test/transfer-in/**/*.test.ts', 'test/transfer-out/**/*.test.ts', 'test/jobs/**/*.test.ts', 'test/promises/**/*.test.ts', 'test/sync/**/*.test.ts', 'test/admin/**/*.test.ts'],
      exclude: ['node_modules/**', '.stryker-tmp/**', 'test/e2e/**', 'test/package/**', 'module/cli/**'],
      // Mutants are switched at run time, so the module graph need not be loaded afresh for each
      // run: re-importing it per mutant took most of a run's time.
      isolate: false,
    },
  }),
);
