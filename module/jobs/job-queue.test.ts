import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { backoffDelayMs, JobQueue } from './job-queue.ts';

const db = useMigratedDatabase();
const options = { maxAttempts: 3, backoffBaseMs: 1000, backoffCapMs: 8000, leaseMs: 60_000 };

describe('the durable job table', () => {
  it('keeps one job per key however often it is enqueued', async () => {
    const queue = new JobQueue(db.knex, new FakeClock(), options);
    const created = await Promise.all(Array.from({ length: 20 }, () => queue.enqueue('T', 'k1', { n: 1 })));
    expect(created.filter(Boolean)).toHaveLength(1);
    expect(await db.knex('dt_jobs').count({ n: '*' }).first()).toMatchObject({ n: expect.anything() });
    expect(Number((await db.knex('dt_jobs').count({ n: '*' }).first())!.n)).toBe(1);
  });

  it('leases a due job to one worker only, even when workers claim at once', async () => {
    const clock = new FakeClock();
    const queue = new JobQueue(db.knex, clock, options);
    for (let i = 0; i < 10; i++) await queue.enqueue('T', `k${i}`, { i });
    const claims = await Promise.all(Array.from({ length: 5 }, (_, w) => queue.claim(`w${w}`, 4)));
    const ids = claims.flat().map((j) => j.id);
    expect(ids).toHaveLength(10);
    expect(new Set(ids).size).toBe(10);
    expect(claims.flat().every((j) => j.attempts === 1)).toBe(true);
  });

  it('does not hand out a job before its run time', async () => {
    const clock = new FakeClock();
    const queue = new JobQueue(db.knex, clock, options);
    await queue.enqueue('T', 'later', {}, { runAt: new Date(clock.now().getTime() + 5000) });
    expect(await queue.claim('w', 5)).toHaveLength(0);
    clock.advance(5000);
    expect(await queue.claim('w', 5)).toHaveLength(1);
  });

  it('retries with capped, jittered exponential backoff, then buries the job', async () => {
    const clock = new FakeClock();
    const queue = new JobQueue(db.knex, clock, options);
    await queue.enqueue('T', 'k', {});
    const start = clock.now().getTime();
    let [job] = await queue.claim('w', 1);
    expect(await queue.start(job!)).toBe(true);
    expect(await queue.fail(job!, 'transient: down')).toBe('queued');
    const row = (await db.knex('dt_jobs').where({ id: job!.id }).first())!;
    expect(Number(row.run_at) - start).toBeGreaterThanOrEqual(500);
    expect(Number(row.run_at) - start).toBeLessThanOrEqual(1000);
    clock.advance(10_000);
    [job] = await queue.claim('w', 1);
    await queue.start(job!);
    expect(await queue.fail(job!, 'transient: down')).toBe('queued');
    clock.advance(10_000);
    [job] = await queue.claim('w', 1);
    expect(job!.attempts).toBe(3);
    await queue.start(job!);
    expect(await queue.fail(job!, 'transient: still down')).toBe('dead');
    clock.advance(100_000);
    expect(await queue.claim('w', 1)).toHaveLength(0);
    expect((await queue.counts()).dead).toBe(1);
  });

  it('computes backoff within its bounds', () => {
    expect(backoffDelayMs(1, 1000, 8000, () => 0)).toBe(500);
    expect(backoffDelayMs(1, 1000, 8000, () => 1)).toBe(1000);
    expect(backoffDelayMs(3, 1000, 8000, () => 1)).toBe(4000);
    expect(backoffDelayMs(10, 1000, 8000, () => 1)).toBe(8000);
  });

  it('re-leases a job whose worker stopped renewing its lease, and fences the old worker out', async () => {
    const clock = new FakeClock();
    const queue = new JobQueue(db.knex, clock, options);
    await queue.enqueue('T', 'k', {});
    const [first] = await queue.claim('dead-worker', 1);
    expect(await queue.start(first!)).toBe(true);
    expect(await queue.claim('w2', 1)).toHaveLength(0);
    clock.advance(options.leaseMs + 1);
    const [second] = await queue.claim('w2', 1);
    expect(second!.id).toBe(first!.id);
    expect(second!.attempts).toBe(2);
    expect(await queue.start(first!)).toBe(false);
    expect(await queue.complete(first!)).toBe(false);
    expect(await queue.complete(second!)).toBe(true);
    expect((await queue.get(first!.id))!.status).toBe('done');
  });

  it('counts an attempt when its handler starts: a job a dead worker only held keeps its attempts', async () => {
    const clock = new FakeClock();
    const queue = new JobQueue(db.knex, clock, { ...options, maxAttempts: 2 });
    await queue.enqueue('T', 'k', {});
    for (let kill = 0; kill < 5; kill++) {
      const [held] = await queue.claim(`killed-${kill}`, 1);
      expect(held!.attempts).toBe(1);
      clock.advance(options.leaseMs + 1);
    }
    expect((await queue.get((await queue.claim('w', 1))[0]!.id))!.attempts).toBe(0);
  });

  it('gives back an attempt that our own database failed (a lock wait, an outage), and never buries on one', async () => {
    const clock = new FakeClock();
    const queue = new JobQueue(db.knex, clock, { ...options, maxAttempts: 1 });
    await queue.enqueue('T', 'k', {});
    for (let i = 0; i < 3; i++) {
      const [job] = await queue.claim('w', 1);
      await queue.start(job!);
      expect(await queue.fail(job!, 'SqliteError: database is locked', { uncounted: true })).toBe('queued');
      expect((await queue.get(job!.id))!.attempts).toBe(0);
      clock.advance(60_000);
    }
    const [job] = await queue.claim('w', 1);
    await queue.start(job!);
    expect(await queue.fail(job!, 'transient: down')).toBe('dead');
  });

  it('lets an admin retry a dead job with fresh attempts', async () => {
    const clock = new FakeClock();
    const queue = new JobQueue(db.knex, clock, { ...options, maxAttempts: 1 });
    await queue.enqueue('T', 'k', {});
    const [job] = await queue.claim('w', 1);
    await queue.start(job!);
    expect(await queue.fail(job!, 'boom')).toBe('dead');
    expect(await queue.retry(job!.id)).toBe(true);
    const [again] = await queue.claim('w', 1);
    expect(again!.attempts).toBe(1);
  });
});
