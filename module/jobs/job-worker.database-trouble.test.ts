import Database from 'better-sqlite3';
import type { Knex } from 'knex';
import { afterEach, describe, expect, it } from 'vitest';
import { createKnex } from '../database.ts';
import { until as untilWithin } from '../../test/support/until.ts';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { createCaptureLogger } from '../../test/support/capture-logger.ts';
import { JobQueue } from './job-queue.ts';
import { JobWorker } from './job-worker.ts';
import type { JobHandler } from './job-types.ts';

const db = useMigratedDatabase();
const onMysql = Boolean(process.env.DATABASE_URL?.startsWith('mysql'));

const until = (check: () => boolean | Promise<boolean>, what: string, ms = 10_000) => untilWithin(check, what, ms);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


type LogLine = { level: number; msg: string; err?: { code?: string; message?: string }; [key: string]: unknown };

// Handlers still waiting are let go first, so a failed test cannot leave its worker hanging.
const gates: Array<() => void> = [];
const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const open of gates.splice(0)) open();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  gates.push(open);
  return { opened, open };
}

/**
 * The worker's own connection gives up on a held write lock after 50 ms instead of the
 * production 10 s, so a lock another process keeps looks like a database that refuses writes.
 */
async function impatientKnex(): Promise<Knex> {
  if (db.target.engine !== 'sqlite') throw new Error('SQLite only');
  const knex = createKnex(db.target);
  await knex.raw('pragma busy_timeout = 50');
  const [{ timeout }] = await knex.raw('pragma busy_timeout');
  expect(timeout).toBe(50);
  cleanups.push(() => knex.destroy());
  return knex;
}

/** Another process's transaction that holds SQLite's write lock until it is given back. */
function writeLock() {
  if (db.target.engine !== 'sqlite') throw new Error('SQLite only');
  const other = new Database(db.target.filename);
  let held = false;
  cleanups.push(() => {
    if (held) other.exec('ROLLBACK');
    other.close();
  });
  return {
    take() {
      other.exec('BEGIN EXCLUSIVE');
      held = true;
    },
    release() {
      other.exec('COMMIT');
      held = false;
    },
  };
}

async function setup(handler: JobHandler, options: { pollIntervalMs?: number; leaseMs?: number; concurrency?: number } = {}) {
  const knex = await impatientKnex();
  const failedWrites: string[] = [];
  knex.on('query-error', (_error: unknown, query: { sql: string }) => failedWrites.push(query.sql));
  const clock = new FakeClock();
  const leaseMs = options.leaseMs ?? 60_000;
  const queue = new JobQueue(knex, clock, { maxAttempts: 3, backoffBaseMs: 1000, backoffCapMs: 8000, leaseMs });
  const log = createCaptureLogger();
  const worker = new JobWorker(queue, { T: handler }, { concurrency: options.concurrency ?? 1, pollIntervalMs: options.pollIntervalMs ?? 20, leaseMs, logger: log.logger, onDead: async () => {} });
  cleanups.push(() => Promise.race([worker.stop(), pause(5000)]));
  const logged = (msg: string) => (log.entries() as LogLine[]).filter((line) => line.msg === msg);
  return { knex, clock, queue, worker, logged, failedWrites };
}

const jobRow = (key: string) => db.knex('dt_jobs').where({ key }).first();

// SQLite only: the refusal is SQLite's file lock held by a second connection. On MariaDB the same
// worker paths are covered by test/jobs/worker-database-outage.test.ts (a server that goes away).
describe.skipIf(onMysql)('a job worker whose SQLite database refuses writes for a while (a lock held by another process)', () => {
  it('waits out refused claims with growing pauses, says so once when it starts and once when it ends, then runs the jobs', async () => {
    const ran: string[] = [];
    const { queue, worker, logged, failedWrites } = await setup({ run: async (payload) => void ran.push(String(payload.name)) });
    await queue.enqueue('T', 'a', { name: 'before' });
    const lock = writeLock();
    lock.take();
    worker.start();
    await pause(1500);
    const refusedClaims = failedWrites.length;
    // The pause doubles from half a poll interval: far fewer tries than one per poll.
    expect(refusedClaims).toBeGreaterThanOrEqual(3);
    expect(refusedClaims).toBeLessThanOrEqual(10);
    expect(ran).toEqual([]);
    lock.release();
    // A job queued while the worker waits between claims is taken too.
    await queue.enqueue('T', 'b', { name: 'during' });
    await until(() => ran.length === 2, 'both jobs to run');
    await worker.stop();

    expect(ran.sort()).toEqual(['before', 'during']);
    expect(await jobRow('a')).toMatchObject({ status: 'done', attempts: 1 });
    expect(await jobRow('b')).toMatchObject({ status: 'done', attempts: 1 });
    const failed = logged('claiming jobs failed; will retry');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ level: 40, err: { code: 'SQLITE_BUSY' } });
    const back = logged('the database answers again; claiming jobs');
    expect(back).toHaveLength(1);
    expect(back[0]).toMatchObject({ level: 30, failedClaims: refusedClaims });
  }, 20_000);

  it('keeps the outcome of a job that finished while the database refused writes, and records it once the database is back', async () => {
    let runs = 0;
    const mayFinish = gate();
    // Between claims the worker sleeps through the outage, so only the outcome is written meanwhile.
    const { queue, worker, logged, failedWrites } = await setup(
      {
        async run() {
          runs++;
          await mayFinish.opened;
        },
      },
      { pollIntervalMs: 10_000 },
    );
    await queue.enqueue('T', 'a', {});
    worker.start();
    await until(async () => Number((await jobRow('a')).attempts) === 1, 'the attempt to be counted');
    const lock = writeLock();
    lock.take();
    mayFinish.open();
    await pause(2500);
    const refusedOutcomes = failedWrites.filter((sql) => sql.includes('finished_at')).length;
    // Tried again and again, with a pause that doubles from 200 ms (jittered down to half): at
    // most 0, 0.15, 0.4, 0.85 and 1.7 s into the outage, where a fixed pause would try 10 times.
    expect(refusedOutcomes).toBeGreaterThanOrEqual(3);
    expect(refusedOutcomes).toBeLessThanOrEqual(5);
    expect((await jobRow('a')).status).toBe('running');
    lock.release();
    await until(async () => (await jobRow('a')).status === 'done', 'the outcome to be recorded');
    await worker.stop();

    expect(runs).toBe(1);
    expect(await jobRow('a')).toMatchObject({ status: 'done', attempts: 1, last_error: null });
    const waiting = logged('the database is unavailable; the job outcome will be written when it is back');
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatchObject({ level: 40, jobType: 'T', attempt: 1, err: { code: 'SQLITE_BUSY' } });
    expect(logged('job outcome could not be recorded; the job runs again once its lease expires')).toEqual([]);
  }, 20_000);

  it('stops without waiting for the database, leaving what it could not write to the leases', async () => {
    const mayFinish = gate();
    const ran: string[] = [];
    const { clock, queue, worker, logged } = await setup({
      async run(payload) {
        ran.push(String(payload.name));
        await mayFinish.opened;
      },
    });
    await queue.enqueue('T', 'a', { name: 'running' }, { runAt: new Date(Date.parse('2026-03-02T09:59:59Z')) });
    await queue.enqueue('T', 'b', { name: 'ready' });
    worker.start();
    await until(async () => Number((await jobRow('a')).attempts) === 1 && (await jobRow('b')).status === 'running', 'one job to run and one to wait');
    const lock = writeLock();
    lock.take();
    const began = Date.now();
    const stopped = worker.stop();
    mayFinish.open();
    await stopped;
    expect(Date.now() - began).toBeLessThan(2000);
    lock.release();

    const handBack = logged('handing back unstarted jobs failed; their leases will expire');
    expect(handBack).toHaveLength(1);
    expect(handBack[0]).toMatchObject({ level: 40, err: { code: 'SQLITE_BUSY' } });
    const unrecorded = logged('job outcome could not be recorded; the job runs again once its lease expires');
    expect(unrecorded).toHaveLength(1);
    expect(unrecorded[0]).toMatchObject({ level: 50, jobType: 'T', err: { code: 'SQLITE_BUSY' } });
    // Nothing is lost: once their leases run out, both jobs are handed out again.
    expect(ran).toEqual(['running']);
    clock.advance(60_001);
    const again = await new JobQueue(db.knex, clock, { maxAttempts: 3, backoffBaseMs: 1000, backoffCapMs: 8000, leaseMs: 60_000 }).claim('next-worker', 5);
    expect(again.map((job) => [job.key, job.attempts]).sort()).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  }, 20_000);

  it('stops at once while it waits between refused claims, and still takes new jobs meanwhile', async () => {
    const { queue, worker, logged, failedWrites } = await setup({ run: async () => {} }, { pollIntervalMs: 10_000 });
    const lock = writeLock();
    lock.take();
    worker.start();
    await until(() => failedWrites.length === 1, 'a claim to be refused');
    lock.release();
    // Its next claim is seconds away; a job queued meanwhile is accepted and kept.
    expect(await queue.enqueue('T', 'queued-while-waiting', {})).toBe(true);
    const began = Date.now();
    await worker.stop();
    expect(Date.now() - began).toBeLessThan(1000);
    expect(logged('claiming jobs failed; will retry')).toHaveLength(1);
    expect(await jobRow('queued-while-waiting')).toMatchObject({ status: 'queued', attempts: 0 });
  });

  it('logs a lease renewal the database refused and renews the lease once it is back', async () => {
    const mayFinish = gate();
    const { clock, queue, worker, logged } = await setup({ run: () => mayFinish.opened }, { leaseMs: 750 });
    await queue.enqueue('T', 'a', {});
    worker.start();
    await until(async () => Number((await jobRow('a')).attempts) === 1, 'the job to start');
    const lock = writeLock();
    lock.take();
    await until(() => logged('lease renewal failed; will try again').length > 0, 'a refused lease renewal');
    lock.release();
    clock.advance(100);
    await until(async () => Number((await jobRow('a')).lease_expires_at) === clock.now().getTime() + 750, 'the lease to be renewed');
    mayFinish.open();
    await until(async () => (await jobRow('a')).status === 'done', 'the job to finish');
    await worker.stop();
    expect(logged('lease renewal failed; will try again')[0]).toMatchObject({ level: 40, err: { code: 'SQLITE_BUSY' } });
    expect(logged('some job leases were lost; those jobs may run elsewhere')).toEqual([]);
  });
});
