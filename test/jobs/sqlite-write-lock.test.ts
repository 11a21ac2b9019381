import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';

const db = useMigratedDatabase();

/**
 * Another process (a second worker) holds SQLite's write lock for a moment. A transaction here
 * that reads and then writes must wait for it, as busy_timeout promises, and not fail with
 * "database is locked": that only holds when transactions take the lock as they begin.
 */
// SQLite only: BEGIN IMMEDIATE and busy_timeout are SQLite's; MariaDB's writers wait on row locks.
describe.skipIf(Boolean(process.env.DATABASE_URL?.startsWith('mysql')))('SQLite writers across processes', () => {
  it('a read-then-write transaction waits for another process that holds the write lock', async () => {
    const filename = db.url.slice('sqlite:'.length);
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const D = require('better-sqlite3'); const c = new D(process.argv[1]); c.pragma('busy_timeout = 10000');
         c.exec('BEGIN IMMEDIATE'); c.prepare("insert into dt_provisioning_log (domain, action, outcome, message, created_at) values ('held.com', 'x', 'ok', 'held', 0)").run();
         process.stdout.write('locked\\n'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600); c.exec('COMMIT'); c.close();`,
        filename,
      ],
      { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
      holder.on('exit', (code) => reject(new Error(`the lock holder exited early (${code})`)));
    });

    await db.knex.transaction(async (trx) => {
      const before = await trx('dt_provisioning_log').count({ n: '*' }).first();
      await trx('dt_provisioning_log').insert({ domain: 'waited.com', action: 'x', outcome: 'ok', message: `saw ${before!.n}`, created_at: 1 });
    });
    await new Promise((resolve) => holder.on('close', resolve));
    const rows = await db.knex('dt_provisioning_log').orderBy('id').select('domain', 'message');
    // It began after the other process committed, so it saw that row.
    expect(rows).toEqual([
      { domain: 'held.com', message: 'held' },
      { domain: 'waited.com', message: 'saw 1' },
    ]);
  });
});
