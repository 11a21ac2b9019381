import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { JobQueue } from './job-queue.ts';

const db = useMigratedDatabase();
const options = { maxAttempts: 3, backoffBaseMs: 1000, backoffCapMs: 8000, leaseMs: 60_000 };

describe('enqueueing', () => {
  it('wakes in-process workers for a new job outside a transaction only, and stops when they stop listening', async () => {
    const queue = new JobQueue(db.knex, new FakeClock(), options);
    let wakes = 0;
    const stop = queue.onEnqueue(() => void wakes++);
    expect(await queue.enqueue('T', 'a', {})).toBe(true);
    expect(wakes).toBe(1);
    // The same key again: nothing new to run.
    expect(await queue.enqueue('T', 'a', {})).toBe(false);
    expect(wakes).toBe(1);
    // Inside a transaction the job does not exist for a worker until the commit: the writer wakes them after.
    await db.knex.transaction((trx) => queue.enqueue('T', 'b', {}, { trx }));
    expect(wakes).toBe(1);
    stop();
    await queue.enqueue('T', 'c', {});
    expect(wakes).toBe(1);
    expect(await db.knex('dt_jobs').orderBy('key').pluck('key')).toEqual(['a', 'b', 'c']);
  });

  it('adds several in the caller’s transaction, skipping gaps and leaving an existing key as it is', async () => {
    const clock = new FakeClock();
    const queue = new JobQueue(db.knex, clock, options);
    await queue.enqueue('T', 'kept', { first: true });
    const runAt = new Date(clock.now().getTime() + 60_000);
    await db.knex.transaction((trx) =>
      queue.enqueueAll(trx, [undefined, { type: 'T', key: 'kept', payload: { first: false } }, { type: 'U', key: 'new', payload: { n: 1 }, runAt }, undefined]),
    );
    const rows = await db.knex('dt_jobs').orderBy('key').select('key', 'type', 'payload', 'status', 'attempts', 'max_attempts', 'run_at');
    expect(rows.map((r) => ({ ...r, payload: JSON.parse(r.payload), run_at: Number(r.run_at) }))).toEqual([
      { key: 'kept', type: 'T', payload: { first: true }, status: 'queued', attempts: 0, max_attempts: 3, run_at: clock.now().getTime() },
      { key: 'new', type: 'U', payload: { n: 1 }, status: 'queued', attempts: 0, max_attempts: 3, run_at: runAt.getTime() },
    ]);
  });
});
