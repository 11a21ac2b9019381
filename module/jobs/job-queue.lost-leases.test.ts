import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { JobQueue } from './job-queue.ts';
import type { ClaimedJob } from './job-types.ts';

const db = useMigratedDatabase();
const options = { maxAttempts: 3, backoffBaseMs: 1000, backoffCapMs: 8000, leaseMs: 60_000 };

/**
 * One worker holds two jobs: `kept`, claimed just now, and `lost`, claimed a lease ago and
 * since taken over by another worker. Both are answered in the same batch.
 */
async function oneKeptOneLost() {
  const clock = new FakeClock();
  const queue = new JobQueue(db.knex, clock, options);
  await queue.enqueue('T', 'lost', {}, { runAt: new Date(clock.now().getTime() - 1000) });
  const [lost] = await queue.claim('slow-worker', 1);
  clock.advance(options.leaseMs + 1);
  await queue.enqueue('T', 'kept', {});
  const [kept] = await queue.claim('slow-worker', 1);
  const [takenOver] = await queue.claim('other-worker', 1);
  expect([lost!.key, kept!.key, takenOver!.key]).toEqual(['lost', 'kept', 'lost']);
  return { clock, queue, lost: lost!, kept: kept!, takenOver: takenOver! };
}

const row = (job: ClaimedJob) => db.knex('dt_jobs').where({ id: job.id }).first();

describe('jobs whose lease moved to another worker, answered together with jobs still held', () => {
  it('counts the attempt of the job still held and refuses to start the one taken over', async () => {
    const { queue, lost, kept, takenOver } = await oneKeptOneLost();
    // Started in the same turn, so one statement carries both.
    expect(await Promise.all([queue.start(lost), queue.start(kept)])).toEqual([false, true]);
    expect(await row(kept)).toMatchObject({ status: 'running', attempts: 1 });
    expect(await row(lost)).toMatchObject({ status: 'running', attempts: 0, locked_by: takenOver.lockedBy });
  });

  it('marks the job still held done and leaves the one taken over to its new worker', async () => {
    const { queue, lost, kept, takenOver } = await oneKeptOneLost();
    expect(await Promise.all([queue.complete(lost), queue.complete(kept)])).toEqual([false, true]);
    expect(await row(kept)).toMatchObject({ status: 'done' });
    expect(await row(lost)).toMatchObject({ status: 'running', locked_by: takenOver.lockedBy });
    expect(await queue.complete(takenOver)).toBe(true);
  });

  it('reports a failure of a job taken over as lost, without touching it', async () => {
    const { queue, lost, takenOver } = await oneKeptOneLost();
    expect(await queue.fail(lost, 'timed out')).toBe('lost');
    expect(await row(lost)).toMatchObject({ status: 'running', last_error: null, locked_by: takenOver.lockedBy });
  });

  it('completes nothing, and asks nothing of the database, for an empty batch', async () => {
    const { queue } = await oneKeptOneLost();
    const statements: string[] = [];
    const listener = (query: { sql: string }) => statements.push(query.sql);
    db.knex.on('query', listener);
    try {
      expect(await db.knex.transaction((trx) => queue.completeIn(trx, []))).toEqual([]);
    } finally {
      db.knex.off('query', listener);
    }
    expect(statements.filter((sql) => /dt_jobs/.test(sql))).toEqual([]);
  });
});

describe('a lease at the moment it ends', () => {
  it('still belongs to its worker until it has passed', async () => {
    const clock = new FakeClock();
    const queue = new JobQueue(db.knex, clock, options);
    await queue.enqueue('T', 'held', {});
    const [held] = await queue.claim('first-worker', 1);
    clock.advance(options.leaseMs);
    expect(await queue.claim('second-worker', 1)).toEqual([]);
    clock.advance(1);
    const [taken] = await queue.claim('second-worker', 1);
    expect(taken).toMatchObject({ id: held!.id, key: 'held' });
  });
});

describe('renewing leases', () => {
  it('moves each job’s lease end when every lease was renewed, and holds it firmly again', async () => {
    const clock = new FakeClock();
    const queue = new JobQueue(db.knex, clock, options);
    await queue.enqueue('T', 'a', {});
    await queue.enqueue('T', 'b', {});
    const jobs = await queue.claim('worker', 2);
    expect(jobs.every((job) => queue.holdsFirmly(job))).toBe(true);
    // Exactly half left is no longer firm.
    clock.advance(options.leaseMs / 2 - 1);
    expect(jobs.every((job) => queue.holdsFirmly(job))).toBe(true);
    clock.advance(1);
    expect(jobs.some((job) => queue.holdsFirmly(job))).toBe(false);
    clock.advance(1);
    expect(jobs.some((job) => queue.holdsFirmly(job))).toBe(false);
    expect(await queue.heartbeat(jobs)).toBe(2);
    expect(jobs.map((job) => job.leaseExpiresAt)).toEqual([clock.now().getTime() + options.leaseMs, clock.now().getTime() + options.leaseMs]);
    expect(jobs.every((job) => queue.holdsFirmly(job))).toBe(true);
    expect(await queue.heartbeat([])).toBe(0);
  });

  it('moves no job’s lease end when one lease was lost, since it cannot tell which', async () => {
    const { clock, queue, lost, kept } = await oneKeptOneLost();
    const before = [lost.leaseExpiresAt, kept.leaseExpiresAt];
    clock.advance(1000);
    expect(await queue.heartbeat([lost, kept])).toBe(1);
    expect([lost.leaseExpiresAt, kept.leaseExpiresAt]).toEqual(before);
  });
});
