#!/usr/bin/env node
// `npm run mutation [-- transfer-in jobs …]`: one Stryker run per module directory, each with
// its results kept in test/mutation/<dir>.json (committed), so a later run tests only the
// mutants whose code or covering tests changed. Prints each directory's score against the
// target. Slow on two cores, so it is kept out of CI.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const DIRECTORIES = ['transfer-in', 'jobs', 'domains', 'transfer-out'];
const TARGET = 85;
const KILLED = new Set(['Killed', 'Timeout']);
const COUNTED = new Set(['Killed', 'Timeout', 'Survived', 'NoCoverage']);

const requested = process.argv.slice(2);
const unknown = requested.filter((d) => !DIRECTORIES.includes(d));
if (unknown.length) {
  console.error(`unknown directory: ${unknown.join(', ')} (one of ${DIRECTORIES.join(', ')})`);
  process.exit(2);
}

function score(file) {
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  const counts = {};
  for (const source of Object.values(report.files)) {
    for (const mutant of source.mutants) counts[mutant.status] = (counts[mutant.status] ?? 0) + 1;
  }
  const counted = Object.entries(counts).filter(([s]) => COUNTED.has(s)).reduce((n, [, c]) => n + c, 0);
  const killed = Object.entries(counts).filter(([s]) => KILLED.has(s)).reduce((n, [, c]) => n + c, 0);
  return { counts, killed, counted, percent: counted ? (100 * killed) / counted : 100 };
}

let failed = false;
for (const directory of requested.length ? requested : DIRECTORIES) {
  const results = `test/mutation/${directory}.json`;
  // Each mutant's result as it is known (test/mutation/tested-mutants.reporter.mjs).
  const tested = `test-artifacts/mutation/${directory}.tested.jsonl`;
  fs.rmSync(tested, { force: true });
  const run = spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs', '--mutate', `module/${directory}/**/*.ts,!**/*.test.ts`, '--incremental', '--incrementalFile', results], {
    stdio: 'inherit',
    env: { ...process.env, STRYKER_TESTED_FILE: tested },
  });
  if (run.status !== 0 || !fs.existsSync(results)) {
    console.error(`mutation run for module/${directory} failed`);
    failed = true;
  }
}
console.log('\nmutation score by directory (killed or timed out / all but ignored and compile errors):');
for (const directory of DIRECTORIES) {
  const results = `test/mutation/${directory}.json`;
  if (!fs.existsSync(results)) {
    console.log(`  module/${directory}: not run`);
    continue;
  }
  const { counts, killed, counted, percent } = score(results);
  const detail = Object.entries(counts).map(([s, c]) => `${s} ${c}`).join(', ');
  console.log(`  module/${directory}: ${percent.toFixed(1)}% (${killed}/${counted}; target ${TARGET}%) ${percent >= TARGET ? 'met' : 'MISSED'}  [${detail}]`);
}
process.exit(failed ? 1 : 0);
