import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { createKnex, parseDatabaseUrl } from '../../module/database.ts';
import { JobQueue } from '../../module/jobs/job-queue.ts';
import { JobWorker } from '../../module/jobs/job-worker.ts';
import { systemClock } from '../../module/clock.ts';
import { useMigratedDatabase } from '../support/test-database.ts';
import { OutageProxy } from '../support/outage-proxy.ts';

const db = useMigratedDatabase();
const onMysql = Boolean(process.env.DATABASE_URL?.startsWith('mysql'));

async function until(check: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The worker reaches MariaDB through a proxy that drops every connection and refuses new ones
 * for a few seconds, as a server restart does. The shared server itself is never touched.
 */
// MariaDB only: SQLite has no server to lose; its counterpart is
// module/jobs/job-worker.database-trouble.test.ts (the database file locked by another process).
describe.skipIf(!onMysql)('a worker across a database outage', () => {
  let proxy: OutageProxy;
  let proxied: Knex;
  beforeAll(async () => {
    const target = parseDatabaseUrl(db.url);
    if (target.engine !== 'mysql') throw new Error('MySQL only');
    proxy = new OutageProxy({ host: target.host, port: target.port });
    await proxy.up();
    proxied = createKnex({ ...target, host: '127.0.0.1', port: proxy.port }, { poolMax: 5 });
  });
  afterAll(async () => {
    await proxied?.destroy();
    await proxy?.down();
  });

  it('keeps running, writes the outcomes it held once the database is back, and finishes every job', async () => {
    const queue = new JobQueue(proxied, systemClock, { maxAttempts: 3, backoffBaseMs: 200, backoffCapMs: 1000, leaseMs: 60_000 });
    const ran: string[] = [];
    const worker = new JobWorker(
      queue,
      {
        T: {
          async run(payload) {
            await new Promise((resolve) => setTimeout(resolve, 100));
            ran.push(String(payload.n));
          },
        },
      },
      { concurrency: 4, pollIntervalMs: 50, leaseMs: 60_000, logger: pino({ level: 'silent' }), onDead: async () => {} },
    );
    for (let n = 0; n < 40; n++) await queue.enqueue('T', `job-${n}`, { n });
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      worker.start();
      await until(async () => ran.length >= 4, 'the first jobs to run');
      await proxy.down();
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await proxy.up();
      await until(async () => Number((await db.knex('dt_jobs').where({ status: 'done' }).count({ n: '*' }).first())!.n) === 40, 'every job to be done');
      await worker.stop();
    } finally {
      process.off('unhandledRejection', onRejection);
    }
    expect(rejections).toEqual([]);
    const rows = await db.knex('dt_jobs').select('status', 'attempts');
    expect(rows.every((r) => r.status === 'done')).toBe(true);
    // The outage cost no job an attempt it would be buried for.
    expect(Math.max(...rows.map((r) => Number(r.attempts)))).toBeLessThanOrEqual(2);
  }, 60_000);
});
