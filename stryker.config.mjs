// npm run mutation: Stryker changes the code of the modules that keep the promises (transfer-in,
// jobs, domains, transfer-out) one mutant at a time and runs the tests that cover each change.
// A mutant that no test notices is a promise no test holds. Slow (hours on two cores), so it is
// kept out of CI; `npm run mutation -- --mutate 'module/jobs/**/*.ts'` narrows it.
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
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
  timeoutMS: 60_000,
  reporters: ['clear-text', 'progress', 'html'],
  htmlReporter: { fileName: 'test-artifacts/mutation/index.html' },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['data', 'dist', 'test-artifacts', '.stryker-tmp'],
};
