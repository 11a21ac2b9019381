import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../test/support/test-database.ts';
import { OutageProxy } from '../test/support/outage-proxy.ts';
import { JobQueue } from '../module/jobs/job-queue.ts';
import { systemClock } from '../module/clock.ts';
import { main } from './cli.ts';
import { captureOutput } from '../test/support/capture-output.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dt-cli-worker-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const db = useMigratedDatabase();
const onMysql = Boolean(process.env.DATABASE_URL?.startsWith('mysql'));
const NOWHERE = 'mysql://root@127.0.0.1:1/nothing';
const REFUSED = 'database error: cannot reach MySQL/MariaDB root@127.0.0.1:1/nothing: ECONNREFUSED';

const env = (databaseUrl: string): NodeJS.ProcessEnv => ({ DT_DATA_DIR: path.join(tmp, 'data'), DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' });

async function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await run();
  return { result, ms: Date.now() - started };
}

describe('a worker started while its database does not answer', () => {
  it('keeps trying for the time it was given, saying when it tries next, then exits 2 naming the target', async () => {
    const output = captureOutput();
    const { result, ms } = await timed(() => main(['worker', '--once', '--wait-for-database', '2'], env(NOWHERE), output));
    expect(result).toBe(2);
    expect(ms).toBeGreaterThanOrEqual(2000);
    expect(ms).toBeLessThan(8000);
    expect(output.stderr.length).toBeGreaterThanOrEqual(3);
    expect(output.stderr.at(-1)).toBe(REFUSED);
    for (const line of output.stderr.slice(0, -1)) expect(line).toMatch(new RegExp(`^${REFUSED}; trying again in \\d\\.\\d s \\(gives up [12] s from now\\)$`));
    expect(output.stderr[0]).toContain('trying again in 1.0 s');
    expect(output.stdout).toEqual([]);
  });

  it('with --wait-for-database 0 exits at once with the one line', async () => {
    const output = captureOutput();
    const { result, ms } = await timed(() => main(['worker', '--once', '--wait-for-database', '0'], env(NOWHERE), output));
    expect(result).toBe(2);
    expect(ms).toBeLessThan(1000);
    expect(output.stderr).toEqual([REFUSED]);
  });

  it('stops waiting on SIGTERM', async () => {
    const output = captureOutput();
    const signals = new EventEmitter();
    setTimeout(() => signals.emit('SIGTERM'), 300);
    const { result, ms } = await timed(() => main(['worker', '--wait-for-database', '60'], env(NOWHERE), output, signals));
    expect(result).toBe(2);
    expect(ms).toBeLessThan(1500);
    expect(output.stderr.at(-1)).toBe(REFUSED);
    expect(signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('does not start when told to stop while it opens its database, and does not wait for a second signal', async () => {
    const output = captureOutput();
    const signals = new EventEmitter();
    // The stop arrives as soon as the worker listens for one, while it is still opening.
    let sent = false;
    signals.on('newListener', (event) => {
      if (event !== 'SIGTERM' || sent) return;
      sent = true;
      queueMicrotask(() => signals.emit('SIGTERM'));
    });
    await new JobQueue(db.knex, systemClock, { maxAttempts: 3, backoffBaseMs: 200, backoffCapMs: 1000, leaseMs: 60_000 }).enqueue('SendNotificationsJob', 'early-stop', { messages: [] });
    const { result, ms } = await timed(() => main(['worker', '--wait-for-database', '30'], env(db.url), output, signals));
    expect(result).toBe(0);
    expect(ms).toBeLessThan(10_000);
    expect(output.stdout).toEqual(['worker stopped before it started']);
    expect(signals.listenerCount('SIGTERM')).toBe(0);
    expect(signals.listenerCount('SIGINT')).toBe(0);
    // Nothing was claimed.
    expect(await db.knex('dt_jobs').where({ key: 'early-stop' }).first()).toMatchObject({ status: 'queued', attempts: 0 });
  });

  it('refuses a wait that is not a whole number of seconds', async () => {
    for (const value of ['-1', 'soon', '1.5', '86401']) {
      const output = captureOutput();
      expect(await main(['worker', '--wait-for-database', value], env(NOWHERE), output)).toBe(2);
      expect(output.stderr[0]).toBe('worker: --wait-for-database needs a whole number of seconds from 0 to 86400');
    }
    const missing = captureOutput();
    expect(await main(['worker', '--wait-for-database'], env(NOWHERE), missing)).toBe(2);
    expect(missing.stderr[0]).toBe('worker: --wait-for-database needs a whole number of seconds from 0 to 86400');
  });

  it('does not wait for a database that cannot be opened as written: a bad DATABASE_URL', async () => {
    const output = captureOutput();
    const { result, ms } = await timed(() => main(['worker', '--once'], env('postgres://nope/x'), output));
    expect(result).toBe(2);
    expect(ms).toBeLessThan(1000);
    expect(output.stderr).toHaveLength(1);
    expect(output.stderr[0]).toMatch(/^database error: DATABASE_URL /);
  });

  // MariaDB only: these need a server that comes up late or turns a user away; SQLite opens its
  // file at once. The SQLite run covers the waiting itself above (the refused target is MariaDB's
  // protocol, no server needed).
  describe.skipIf(!onMysql)('on MariaDB', () => {
    it('starts working as soon as the server answers, with no job lost', async () => {
      if (db.target.engine !== 'mysql') throw new Error('MySQL only');
      const proxy = new OutageProxy(db.target);
      await proxy.up();
      await proxy.down(); // its port now refuses, as a server still starting does
      await new JobQueue(db.knex, systemClock, { maxAttempts: 3, backoffBaseMs: 200, backoffCapMs: 1000, leaseMs: 60_000 }).enqueue('SendNotificationsJob', 'wait-1', { messages: [{ to: { kind: 'admins' }, template: 'sync.transfer_completed', params: { domain: 'example.com', expiryDate: '2027-12-03' }, locale: 'en' }] });
      const url = db.url.replace(/@[^/]+\//, `@127.0.0.1:${proxy.port}/`);
      const output = captureOutput();
      const back = new Promise<void>((resolve) => setTimeout(() => void proxy.up().then(resolve), 1500));
      try {
        const { result, ms } = await timed(() => main(['worker', '--once', '--wait-for-database', '30'], env(url), output));
        expect(output.stderr.join('\n')).not.toMatch(/\s+at /);
        expect(result).toBe(0);
        expect(ms).toBeGreaterThanOrEqual(1500);
        expect(output.stderr.length).toBeGreaterThanOrEqual(1);
        for (const line of output.stderr) expect(line).toMatch(/^database error: cannot reach MySQL\/MariaDB .*: ECONNREFUSED; trying again in /);
        expect(output.stdout).toEqual([expect.stringMatching(/^worker .*: 1 job\(s\) processed$/)]);
        expect(await db.knex('dt_jobs').where({ key: 'wait-1' }).first()).toMatchObject({ status: 'done', last_error: null });
      } finally {
        await back;
        await proxy.down();
      }
    });

    it('does not wait for credentials the server turns away', async () => {
      const output = captureOutput();
      const url = db.url.replace(/^mysql:\/\/[^@]+@/, 'mysql://no-such-user:wrong@');
      const { result, ms } = await timed(() => main(['worker', '--once'], env(url), output));
      expect(result).toBe(2);
      expect(ms).toBeLessThan(1000);
      expect(output.stderr).toHaveLength(1);
      expect(output.stderr[0]).toMatch(/^database error: cannot reach MySQL\/MariaDB no-such-user@.*: ER_ACCESS_DENIED_ERROR$/);
    });
  });
});
