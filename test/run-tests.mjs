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

// The end-to-end tests screenshot every page in Chinese too: without a CJK font it shows boxes.
const CJK_FONT = '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc';
if (!fs.existsSync(CHROMIUM) || !fs.existsSync(CJK_FONT)) {
  if (process.getuid?.() === 0 && fs.existsSync('/usr/bin/apt-get')) {
    console.log('[domain-transfers] installing Debian chromium and fonts-noto-cjk for the end-to-end tests');
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', 'chromium', 'fonts-noto-cjk'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  if (!fs.existsSync(CHROMIUM)) {
    console.error(`[domain-transfers] the end-to-end test needs Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    process.exit(1);
  }
}

process.exit(run('npx', ['vitest', 'run', ...process.argv.slice(2)]));
