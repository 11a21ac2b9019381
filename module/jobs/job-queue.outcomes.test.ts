import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { JobQueue } from './job-queue.ts';

const db = useMigratedDatabase();
const options = { maxAttempts: 5, backoffBaseMs: 1000, backoffCapMs: 8000, leaseMs: 60_000 };

async function failedOnce(queue: JobQueue, key: string, error = 'registrar said no') {
  await queue.enqueue('T', key, {});
  const [job] = await queue.claim('worker', 1);
  await queue.start(job!);
  return { job: job!, outcome: await queue.fail(job!, error) };
}

describe('a failed attempt', () => {
  it('waits longer after each attempt, keeps its error to 2,000 characters, and is buried after the last', async () => {
    const clock = new FakeClock();
    const queue = new JobQueue(db.knex, clock, options);
    await queue.enqueue('T', 'k', {});
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      clock.advance(10 * 60_000);
      const [job] = await queue.claim('worker', 1);
      expect(job!.attempts).toBe(attempt);
      await queue.start(job!);
      expect(await queue.fail(job!, `${'e'.repeat(2500)}${attempt}`)).toBe('queued');
      waits.push(Number((await db.knex('dt_jobs').first('run_at')).run_at) - clock.now().getTime());
    }
    // Equal jitter: between half and all of base·2^(attempt-1), capped at 8 s.
    expect(waits.map((w, i) => w >= Math.min(8000, 1000 * 2 ** i) / 2 && w <= Math.min(8000, 1000 * 2 ** i))).toEqual([true, true, true, true]);
    expect(waits[3]).toBeGreaterThanOrEqual(4000);
    expect((await db.knex('dt_jobs').first('last_error')).last_error).toBe('e'.repeat(2000));
    clock.advance(10 * 60_000);
    const [last] = await queue.claim('worker', 1);
    await queue.start(last!);
    expect(await queue.fail(last!, 'final')).toBe('dead');
    expect(await db.knex('dt_jobs').first('status', 'last_error', 'attempts')).toEqual({ status: 'dead', last_error: 'final', attempts: 5 });
  });
});

describe('an admin’s retry and the counts', () => {
  it('gives one dead job a fresh set of attempts, due now, and wakes the workers; anything else is refused quietly', async () => {
    const clock = new FakeClock();
    const queue = new JobQueue(db.knex, clock, { ...options, maxAttempts: 1 });
    const a = await failedOnce(queue, 'a');
    const b = await failedOnce(queue, 'b');
    expect([a.outcome, b.outcome]).toEqual(['dead', 'dead']);
    await queue.enqueue('T', 'waiting', {});
    let wakes = 0;
    queue.onEnqueue(() => void wakes++);
    clock.advance(5000);
    expect(await queue.retry(a.job.id)).toBe(true);
    expect(wakes).toBe(1);
    expect(await db.knex('dt_jobs').orderBy('key').select('key', 'status', 'attempts', 'last_error')).toEqual([
      { key: 'a', status: 'queued', attempts: 0, last_error: null },
      { key: 'b', status: 'dead', attempts: 1, last_error: 'registrar said no' },
      { key: 'waiting', status: 'queued', attempts: 0, last_error: null },
    ]);
    expect(Number((await queue.get(a.job.id))!.run_at)).toBe(clock.now().getTime());
    const waiting = (await db.knex('dt_jobs').where({ key: 'waiting' }).first('id')).id;
    expect(await queue.retry(Number(waiting))).toBe(false);
    expect(await queue.retry(a.job.id)).toBe(false);
    expect(wakes).toBe(1);
    expect(await queue.counts()).toEqual({ queued: 2, running: 0, done: 0, dead: 1 });
  });

  it('counts every state, none as zero', async () => {
    const queue = new JobQueue(db.knex, new FakeClock(), options);
    expect(await queue.counts()).toEqual({ queued: 0, running: 0, done: 0, dead: 0 });
  });
});
