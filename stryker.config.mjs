// npm run mutation: Stryker changes the code of the modules that keep the promises (transfer-in,
// jobs, domains, transfer-out) one mutant at a time and runs the tests that cover each change.
// A mutant that no test notices is a promise no test holds. Slow on two cores, so it is kept out
// of CI; bin/mutation.mjs (`npm run mutation [-- jobs]`) runs it one directory at a time and
// keeps each directory's results in test/mutation/, so a later run tests only what changed.
//
// Static mutants (a change to a module-level constant) are left out: each one needs every test
// run in a fresh process, and 91 of them (11%) took 68% of a run's time.
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner', './test/mutation/tested-mutants.reporter.mjs'],
  vitest: { configFile: 'vitest.mutation.config.ts' },
  dryRunTimeoutMinutes: 30,
  coverageAnalysis: 'perTest',
  mutate: [
    'module/transfer-in/**/*.ts',
    'module/jobs/**/*.ts',
    'module/domains/**/*.ts',
    'module/transfer-out/**/*.ts',
    '!**/*.test.ts',
  ],
  concurrency: 2,
  ignoreStatic: true,
  // Added to a mutant's expected time (its tests' time in the first run, times 1.5): enough for a
  // loaded machine, short enough that a mutant that loops costs seconds, not a minute.
  timeoutMS: 10_000,
  reporters: ['clear-text', 'progress', 'html', 'tested-mutants'],
  htmlReporter: { fileName: 'test-artifacts/mutation/index.html' },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['data', 'dist', 'test-artifacts', '.stryker-tmp'],
};
