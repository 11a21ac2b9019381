#!/usr/bin/env node
// `npm test`: type-check, make sure the end-to-end browser is there, then run the suite on
// the engine DATABASE_URL selects (SQLite when unset).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

if (run('npx', ['tsc', '--noEmit']) !== 0) {
  console.error('type check failed');
  process.exit(1);
}

if (!fs.existsSync(CHROMIUM)) {
  if (process.getuid?.() === 0 && fs.existsSync('/usr/bin/apt-get')) {
    console.log('[domain-transfers] installing Debian chromium for the end-to-end test');
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', 'chromium'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  if (!fs.existsSync(CHROMIUM)) {
    console.error(`[domain-transfers] the end-to-end test needs Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    process.exit(1);
  }
}

process.exit(run('npx', ['vitest', 'run', ...process.argv.slice(2)]));
