#!/usr/bin/env node
// `npm run mutation [-- transfer-in jobs …]`: Stryker over each module directory, one source file
// per run. A directory's results are kept in test/mutation/<dir>.json (committed): each run adds
// its file's results to it and keeps the other files', so a stopped run loses at most the file it
// was on, and a later run re-tests only mutants whose code or covering tests changed. A file whose
// source and the test sources are unchanged since its last run is skipped without starting Stryker
// (test/mutation/<dir>.sources.json keeps what each file was tested with). Prints each directory's
// score against the target. Slow on two cores, so it is kept out of CI.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const DIRECTORIES = ['transfer-in', 'jobs', 'domains', 'transfer-out'];
const TARGET = 85;
const KILLED = new Set(['Killed', 'Timeout']);
const COUNTED = new Set(['Killed', 'Timeout', 'Survived', 'NoCoverage']);

// `--mysql URL`: mutants the SQLite run did not kill (code for MySQL/MariaDB only, or an engine
// branch SQLite cannot tell apart) are tried again on that server, as CI's second engine run would.
const args = process.argv.slice(2);
const mysqlAt = args.indexOf('--mysql');
const mysqlUrl = mysqlAt >= 0 ? args[mysqlAt + 1] : undefined;
if (mysqlAt >= 0 && !mysqlUrl?.startsWith('mysql://')) {
  console.error('--mysql needs a URL: --mysql mysql://user@127.0.0.1:3306/test');
  process.exit(2);
}
const requested = mysqlAt >= 0 ? args.filter((_, i) => i !== mysqlAt && i !== mysqlAt + 1) : args;
const unknown = requested.filter((d) => !DIRECTORIES.includes(d));
if (unknown.length) {
  console.error(`unknown directory: ${unknown.join(', ')} (one of ${DIRECTORIES.join(', ')})`);
  process.exit(2);
}

const typescriptFiles = (dir) =>
  fs
    .readdirSync(dir, { recursive: true })
    .map((f) => path.join(dir, String(f)))
    .filter((f) => f.endsWith('.ts'))
    .sort();
const sourcesOf = (dir) => typescriptFiles(dir).filter((f) => !f.endsWith('.test.ts'));
const digest = (files) => {
  const hash = crypto.createHash('sha256');
  for (const f of files) hash.update(f).update('\0').update(fs.readFileSync(f)).update('\0');
  return hash.digest('hex');
};
// Every test file a mutation run may use (vitest.mutation.config.ts) and what they need: a change
// to any of them may change which mutants survive.
const TEST_ROOTS = ['module', 'test', 'host', 'registrar-adapters', 'cron'].filter((d) => fs.existsSync(d));
const testDigest = digest(TEST_ROOTS.flatMap((d) => typescriptFiles(d).filter((f) => f.endsWith('.test.ts') || f.split(path.sep).includes('test'))));

function stryker(mutate, results, tested, env = {}, extra = []) {
  return spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs', '--mutate', mutate, '--incremental', '--incrementalFile', results, ...extra], {
    stdio: 'inherit',
    env: { ...process.env, ...env, STRYKER_TESTED_FILE: tested },
  });
}

/** `file`'s mutants that no test reached or none caught, each as a Stryker range (`file:line:column-line:column`). */
function notKilled(results, file) {
  const mutants = JSON.parse(fs.readFileSync(results, 'utf8')).files[file]?.mutants ?? [];
  return mutants
    .filter((m) => m.status === 'NoCoverage' || m.status === 'Survived')
    // The report counts columns from 1, a range from 0: widened by one so each mutant falls inside.
    .map(({ location: { start, end } }) => `${file}:${start.line}:${start.column - 1}-${end.line}:${end.column}`);
}

function score(file) {
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  const counts = {};
  for (const source of Object.values(report.files)) {
    for (const mutant of source.mutants) counts[mutant.status] = (counts[mutant.status] ?? 0) + 1;
  }
  const counted = Object.entries(counts).filter(([s]) => COUNTED.has(s)).reduce((n, [, c]) => n + c, 0);
  const killed = Object.entries(counts).filter(([s]) => KILLED.has(s)).reduce((n, [, c]) => n + c, 0);
  return { counts, killed, counted, percent: counted ? (100 * killed) / counted : 100, files: Object.keys(report.files) };
}

let failed = false;
for (const directory of requested.length ? requested : DIRECTORIES) {
  const results = `test/mutation/${directory}.json`;
  const testedWith = `test/mutation/${directory}.sources.json`;
  const sources = fs.existsSync(testedWith) ? JSON.parse(fs.readFileSync(testedWith, 'utf8')) : {};
  // Each mutant's result as it is known (test/mutation/tested-mutants.reporter.mjs).
  const tested = `test-artifacts/mutation/${directory}.tested.jsonl`;
  fs.rmSync(tested, { force: true });
  const files = sourcesOf(`module/${directory}`);
  for (const file of files) {
    const fingerprint = `${digest([file])}:${testDigest}`;
    if (sources[file] === fingerprint && fs.existsSync(results)) {
      console.log(`${file}: unchanged since its last run`);
      continue;
    }
    console.log(`\n${file} (${files.indexOf(file) + 1} of ${files.length} in module/${directory})`);
    let run = stryker(file, results, tested);
    const alive = run.status === 0 && mysqlUrl ? notKilled(results, file) : [];
    if (alive.length) {
      console.log(`\n${file}: ${alive.length} mutants the SQLite run did not kill, tried on ${mysqlUrl}`);
      // --force: the SQLite results of these mutants are not to be reused, only replaced.
      run = stryker(alive.join(','), results, tested, { DATABASE_URL: mysqlUrl }, ['--force']);
    }
    if (run.status !== 0 || !fs.existsSync(results)) {
      console.error(`mutation run for ${file} failed`);
      failed = true;
      continue;
    }
    sources[file] = fingerprint;
    // Files since removed drop out of the record with their results.
    for (const known of Object.keys(sources)) if (!files.includes(known)) delete sources[known];
    fs.writeFileSync(testedWith, `${JSON.stringify(sources, null, 2)}\n`);
  }
}
console.log('\nmutation score by directory (killed or timed out / all but ignored and compile errors):');
for (const directory of DIRECTORIES) {
  const results = `test/mutation/${directory}.json`;
  if (!fs.existsSync(results)) {
    console.log(`  module/${directory}: not run`);
    continue;
  }
  const { counts, killed, counted, percent, files } = score(results);
  // A file with nothing to mutate (types and constants only) has no results but was run.
  const testedWith = `test/mutation/${directory}.sources.json`;
  const run = fs.existsSync(testedWith) ? Object.keys(JSON.parse(fs.readFileSync(testedWith, 'utf8'))) : [];
  const missing = sourcesOf(`module/${directory}`).filter((f) => !files.includes(f) && !run.includes(f));
  const detail = Object.entries(counts).map(([s, c]) => `${s} ${c}`).join(', ');
  const verdict = missing.length ? `incomplete: ${missing.join(', ')} not run` : percent >= TARGET ? 'met' : 'MISSED';
  console.log(`  module/${directory}: ${percent.toFixed(1)}% (${killed}/${counted}; target ${TARGET}%) ${verdict}  [${detail}]`);
}
process.exit(failed ? 1 : 0);
