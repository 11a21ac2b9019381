#!/usr/bin/env node
// `npm run test:package`: the package as a platform installs it. Packs the repository (prepack
// builds it), checks what the tarball holds, installs it in an empty folder beside only
// express, knex and one driver, runs a plain-JavaScript platform against it, and type-checks a
// strict TypeScript platform against the shipped declarations. Uses the npm cache when it can.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HERE = path.dirname(fileURLToPath(import.meta.url));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dt-package-'));
const started = Date.now();

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.status !== 0) {
    process.stderr.write(`${command} ${args.join(' ')} failed (${result.status})\n${result.stdout ?? ''}\n${result.stderr ?? ''}\n`);
    process.exit(1);
  }
  return result.stdout;
}

function step(name) {
  console.log(`[package] ${name} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

try {
  step('npm pack');
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT }));
  const files = packed.files.map((f) => f.path);
  const forbidden = files.filter((f) => /^(host|test|bench|\.ci|data|scratch|node_modules)\//.test(f) || /\.test\.|test-support/.test(f));
  assert.deepEqual(forbidden, [], `the tarball ships files it must not: ${forbidden.join(', ')}`);
  for (const needed of [
    'dist/module/index.js',
    'dist/module/index.d.ts',
    'dist/registrar-adapters/index.js',
    'dist/registrar-adapters/index.d.ts',
    'dist/testing/index.js',
    'dist/testing/index.d.ts',
    'dist/migrations/001_core.js',
    'views/layouts/main.hbs',
    'views/locales/en/common.json',
    'views/locales/zh-CN/common.json',
    'module.manifest.json',
    'bin/domain-transfers.mjs',
    'LICENSE',
  ]) {
    assert.ok(files.includes(needed), `the tarball lacks ${needed}`);
  }
  assert.ok(!files.some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), 'the tarball ships TypeScript sources');
  console.log(`[package] ${packed.filename}: ${files.length} files, ${(packed.size / 1024).toFixed(0)} kB packed; no host/, test/ or bench/ file`);

  step('install beside express, knex and better-sqlite3 only');
  const consumer = path.join(work, 'platform');
  fs.mkdirSync(consumer);
  fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'some-platform', private: true, type: 'module' }, null, 2));
  const install = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
  run('npm', [...install, 'express@5', 'knex@3', 'better-sqlite3@12', path.join(work, packed.filename)], { cwd: consumer });
  const installed = (name) => fs.existsSync(path.join(consumer, 'node_modules', name, 'package.json'));
  for (const absent of ['mysql2', 'express-session', 'nodemailer', 'tsx', 'vitest', 'typescript']) {
    assert.ok(!installed(absent), `installing the package also installed ${absent}`);
  }

  step('a plain JavaScript platform');
  fs.copyFileSync(path.join(HERE, 'consumer', 'platform.mjs'), path.join(consumer, 'platform.mjs'));
  process.stdout.write(run(process.execPath, ['platform.mjs', path.join(work, 'platform.sqlite')], { cwd: consumer }));

  step('the module CLI from the installed package');
  const bin = path.join(consumer, 'node_modules', '.bin', 'domain-transfers');
  const help = spawnSync(bin, ['--help'], { cwd: consumer, encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /--context FILE/);
  const noContext = spawnSync(bin, ['migrate'], { cwd: consumer, encoding: 'utf8' });
  assert.equal(noContext.status, 2);
  assert.match(noContext.stderr, /^migrate: --context FILE is required/);

  step('a strict TypeScript platform against the shipped declarations');
  run('npm', [...install, 'typescript@5.9', '@types/node@20', '@types/express@5', 'vitest@4.1'], { cwd: consumer });
  fs.copyFileSync(path.join(HERE, 'consumer', 'platform-types.ts'), path.join(consumer, 'platform-types.ts'));
  fs.writeFileSync(
    path.join(consumer, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], exactOptionalPropertyTypes: false },
      files: ['platform-types.ts'],
    }),
  );
  process.stdout.write(run(path.join(consumer, 'node_modules', '.bin', 'tsc'), ['-p', '.'], { cwd: consumer }));
  console.log(`[package] ok in ${((Date.now() - started) / 1000).toFixed(0)} s`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
