import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { ApiRateLimiter } from './api-rate-limit.ts';

const db = useMigratedDatabase();

async function attempts(limiter: ApiRateLimiter, keyId: number, limit: number, n: number): Promise<number> {
  let allowed = 0;
  for (let i = 0; i < n; i++) {
    try {
      await limiter.take(keyId, limit);
      allowed++;
    } catch (error) {
      expect((error as { status?: number }).status).toBe(429);
    }
  }
  return allowed;
}

describe('the API rate limit', () => {
  it('lets exactly the limit through in a minute on one instance, counting most requests without a write', async () => {
    const clock = new FakeClock('2026-06-01T09:00:00Z');
    const limiter = new ApiRateLimiter(db.knex, clock);
    expect(await attempts(limiter, 1, 1000, 1200)).toBe(1000);
    const row = await db.knex('dt_api_rate_windows').where({ key_id: 1 }).first('requests');
    expect(Number(row.requests)).toBeGreaterThanOrEqual(1000);
    clock.advance(60_000);
    expect(await attempts(limiter, 1, 1000, 10)).toBe(10);
  });

  it('shares the allowance between instances, exactly near the limit', async () => {
    const clock = new FakeClock('2026-06-01T09:00:00Z');
    const a = new ApiRateLimiter(db.knex, clock);
    const b = new ApiRateLimiter(db.knex, clock);
    let allowed = 0;
    for (let i = 0; i < 10; i++) allowed += await attempts(i % 2 ? a : b, 7, 6, 1);
    expect(allowed).toBe(6);
    // Far from the limit both count in memory, and the shared row catches up within 50 ms.
    expect((await attempts(a, 8, 10_000, 100)) + (await attempts(b, 8, 10_000, 100))).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(Number((await db.knex('dt_api_rate_windows').where({ key_id: 8 }).first('requests')).requests)).toBe(200);
  });

  it('keeps counts it could not write, reports the failure instead of leaving it unhandled, and writes them on close()', async () => {
    const clock = new FakeClock('2026-06-01T09:00:00Z');
    const failures: unknown[] = [];
    const limiter = new ApiRateLimiter(db.knex, clock, (error) => failures.push(error));
    expect(await attempts(limiter, 9, 10_000, 5)).toBe(5);
    await db.knex.schema.renameTable('dt_api_rate_windows', 'dt_api_rate_windows_away');
    try {
      expect(await attempts(limiter, 9, 10_000, 20)).toBe(20);
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(failures.length).toBeGreaterThan(0);
    } finally {
      await db.knex.schema.renameTable('dt_api_rate_windows_away', 'dt_api_rate_windows');
    }
    expect(await attempts(limiter, 9, 10_000, 1)).toBe(1);
    await limiter.close();
    expect(Number((await db.knex('dt_api_rate_windows').where({ key_id: 9 }).first('requests')).requests)).toBe(26);
  });
});
