import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { createKnex } from '../../module/database.ts';
import { RateLimitedError } from '../../module/errors.ts';
import { DatabaseRateLimiter } from '../../module/transfer-out/rate-limit.store.ts';

const db = useMigratedDatabase();
const HOUR = 60 * 60 * 1000;

describe('DatabaseRateLimiter', () => {
  it('admits exactly the limit when 40 attempts race (over two connection pools on MySQL/MariaDB)', async () => {
    const clock = new FakeClock();
    // better-sqlite3 waits for a lock synchronously, so a second SQLite connection in this same
    // process would block the one holding the lock; in-process SQLite callers share one pool.
    const other = db.engine === 'mysql' ? createKnex(db.target) : db.knex;
    try {
      const limiters = [new DatabaseRateLimiter(db.knex, clock), new DatabaseRateLimiter(other, clock)];
      // Every attempt shares the domain bucket; the user buckets differ, so lock orders interleave.
      const outcomes = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) =>
          limiters[i % 2]!.consume([
            { bucket: 'epp-code:domain:race.com', limit: 7, windowMs: HOUR },
            { bucket: `epp-code:client:${i % 5}`, limit: 100, windowMs: HOUR },
          ]),
        ),
      );
      const rejected = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason);
      expect(rejected.every((e) => e instanceof RateLimitedError)).toBe(true);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(7);
      expect(await db.knex('dt_rate_limit_hits').where({ bucket: 'epp-code:domain:race.com' }).count({ n: '*' }).first()).toMatchObject({ n: 7 });
    } finally {
      if (other !== db.knex) await other.destroy();
    }
  });

  it('records nothing in any bucket when one of them is full', async () => {
    const clock = new FakeClock();
    const limiter = new DatabaseRateLimiter(db.knex, clock);
    await limiter.consume([{ bucket: 'full', limit: 1, windowMs: HOUR }]);
    await expect(limiter.consume([{ bucket: 'full', limit: 1, windowMs: HOUR }, { bucket: 'empty', limit: 5, windowMs: HOUR }])).rejects.toBeInstanceOf(RateLimitedError);
    expect(await limiter.count({ bucket: 'empty', limit: 5, windowMs: HOUR })).toBe(0);
    clock.advance(HOUR);
    await limiter.consume([{ bucket: 'full', limit: 1, windowMs: HOUR }, { bucket: 'empty', limit: 5, windowMs: HOUR }]);
    // The expired hit was pruned: a bucket never holds more than its window's hits.
    expect(await db.knex('dt_rate_limit_hits').where({ bucket: 'full' }).count({ n: '*' }).first()).toMatchObject({ n: 1 });
  });

  it('counts a bucket named twice once, counts the hits in the window, and says so in its own words by default', async () => {
    const clock = new FakeClock();
    const limiter = new DatabaseRateLimiter(db.knex, clock);
    const rule = { bucket: 'twice', limit: 2, windowMs: HOUR };
    await limiter.consume([rule, rule]);
    expect(await limiter.count(rule)).toBe(1);
    await limiter.consume([rule]);
    expect(await limiter.count(rule)).toBe(2);
    const refused = limiter.consume([rule]);
    await expect(refused).rejects.toBeInstanceOf(RateLimitedError);
    await expect(refused).rejects.toMatchObject({ messageKey: 'errors.rate_limited', status: 429 });
    await expect(limiter.consume([rule], 'transfer_out:errors.too_many')).rejects.toMatchObject({ messageKey: 'transfer_out:errors.too_many' });
    clock.advance(HOUR);
    expect(await limiter.count(rule)).toBe(0);
  });

  it('does nothing for no rules', async () => {
    const limiter = new DatabaseRateLimiter(db.knex, new FakeClock());
    let queries = 0;
    const count = () => void queries++;
    db.knex.on('query', count);
    try {
      await limiter.consume([]);
    } finally {
      db.knex.off('query', count);
    }
    expect(queries).toBe(0);
  });

  it('locks buckets in one order whatever order the caller names them in', async () => {
    const limiter = new DatabaseRateLimiter(db.knex, new FakeClock());
    const locked: string[] = [];
    const record = (q: { sql: string; bindings?: unknown[] }) => void (/^update [`"]dt_rate_limit_buckets[`"]/.test(q.sql) && locked.push(String(q.bindings?.at(-1))));
    db.knex.on('query', record);
    try {
      await limiter.consume(['c', 'a', 'b'].map((bucket) => ({ bucket, limit: 5, windowMs: HOUR })));
      await limiter.consume(['b', 'c', 'a'].map((bucket) => ({ bucket, limit: 5, windowMs: HOUR })));
    } finally {
      db.knex.off('query', record);
    }
    expect(locked).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });
});
