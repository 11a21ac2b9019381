import { describe, expect, it } from 'vitest';
import { insertRows } from '../database.ts';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { JobQueue } from './job-queue.ts';

const db = useMigratedDatabase();
const options = { maxAttempts: 3, backoffBaseMs: 1000, backoffCapMs: 8000, leaseMs: 60_000 };
const T0 = Date.parse('2026-03-02T10:00:00Z');

/** 120 jobs, k0 oldest; every tenth one dead, the rest done. */
async function seedJobs(): Promise<void> {
  await insertRows(
    db.knex,
    'dt_jobs',
    Array.from({ length: 120 }, (_, i) => ({ key: `k${i}`, type: 'T', payload: '{}', status: i % 10 ? 'done' : 'dead', attempts: 1, max_attempts: 3, run_at: T0, created_at: T0, updated_at: T0 })),
  );
}

describe('listing the job table', () => {
  it('shows the newest 100 jobs unless told how many', async () => {
    await seedJobs();
    const queue = new JobQueue(db.knex, new FakeClock(), options);
    const listed = await queue.list();
    expect(listed.map((job) => job.key)).toEqual(Array.from({ length: 100 }, (_, i) => `k${119 - i}`));
    expect((await queue.list({ limit: 3 })).map((job) => job.key)).toEqual(['k119', 'k118', 'k117']);
  });

  it('shows only the jobs in the state asked for', async () => {
    await seedJobs();
    const queue = new JobQueue(db.knex, new FakeClock(), options);
    const dead = await queue.list({ status: 'dead' });
    expect(dead.map((job) => job.key)).toEqual(['k110', 'k100', 'k90', 'k80', 'k70', 'k60', 'k50', 'k40', 'k30', 'k20', 'k10', 'k0']);
    expect(dead.every((job) => job.status === 'dead')).toBe(true);
    expect(await queue.list({ status: 'queued' })).toEqual([]);
  });
});

describe('claiming no jobs', () => {
  it('leases nothing, without a statement, when asked for none or for fewer than none', async () => {
    const queue = new JobQueue(db.knex, new FakeClock(), options);
    for (let i = 0; i < 3; i++) await queue.enqueue('T', `k${i}`, {});
    const statements: string[] = [];
    const listener = (query: { sql: string }) => statements.push(query.sql);
    db.knex.on('query', listener);
    try {
      expect(await queue.claim('w', 0)).toEqual([]);
      expect(await queue.claim('w', -1)).toEqual([]);
    } finally {
      db.knex.off('query', listener);
    }
    expect(statements).toEqual([]);
    expect(await db.knex('dt_jobs').where({ status: 'queued' }).pluck('key')).toHaveLength(3);
    expect(await queue.claim('w', 5)).toHaveLength(3);
  });
});
