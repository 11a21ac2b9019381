import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHost, type Output } from './start-host.ts';

const quiet: Output = { out: () => undefined, err: () => undefined };
const modeOf = (file: string) => fs.statSync(file).mode & 0o777;
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** The standalone host on its default SQLite file in a data directory of its own, as `npm start` runs it. */
async function startOn(dataDir: string) {
  return startHost({ PORT: '0', DT_DATA_DIR: dataDir, LOG_LEVEL: 'silent', LOG_FORMAT: 'json', DEMO_USERS: 'off' }, quiet);
}

function freshDataDir(): string {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'dt-modes-'));
  dirs.push(parent);
  return path.join(parent, 'data');
}

const FILES = ['encryption.key', 'session.secret', 'domain-transfers.sqlite', 'domain-transfers.sqlite-wal', 'domain-transfers.sqlite-shm'];

describe('files the host keeps in its data directory', () => {
  it('are readable by their owner only, the SQLite side files included, in a directory only the owner can enter', async () => {
    const dataDir = freshDataDir();
    const host = await startOn(dataDir);
    try {
      for (const file of FILES) expect(modeOf(path.join(dataDir, file)).toString(8), file).toBe('600');
      expect(modeOf(dataDir).toString(8)).toBe('700');
    } finally {
      await host.stop();
    }
  });

  it('are made owner-only again when an earlier start or a restore left them readable by others', async () => {
    const dataDir = freshDataDir();
    fs.mkdirSync(dataDir);
    fs.writeFileSync(path.join(dataDir, 'encryption.key'), `${Buffer.alloc(32, 3).toString('base64')}\n`);
    fs.writeFileSync(path.join(dataDir, 'session.secret'), 'an-old-session-secret\n');
    fs.writeFileSync(path.join(dataDir, 'domain-transfers.sqlite'), '');
    for (const file of ['encryption.key', 'session.secret', 'domain-transfers.sqlite']) fs.chmodSync(path.join(dataDir, file), 0o644);

    const host = await startOn(dataDir);
    try {
      for (const file of FILES) expect(modeOf(path.join(dataDir, file)).toString(8), file).toBe('600');
      // The secrets were kept, not replaced.
      expect(fs.readFileSync(path.join(dataDir, 'session.secret'), 'utf8')).toBe('an-old-session-secret\n');
    } finally {
      await host.stop();
    }
  });
});
