import type { Knex } from 'knex';
import type { Clock } from '../host-context.ts';
import { RateLimitedError } from '../errors.ts';
import { transactionRetryingDeadlocks } from '../database.ts';

export interface RateLimitRule {
  /** What is counted, e.g. `epp-code:domain:example.com`. At most 191 characters, never a secret. */
  bucket: string;
  limit: number;
  windowMs: number;
}

const BUCKETS = 'dt_rate_limit_buckets';
const HITS = 'dt_rate_limit_hits';

/**
 * A sliding-window rate limit kept in the database, so it holds across every app instance
 * sharing it (an in-memory counter would give each instance its own allowance).
 */
export class DatabaseRateLimiter {
  constructor(
    private readonly knex: Knex,
    private readonly clock: Clock,
  ) {}

  /**
   * Counts one hit against every rule, or none: when any bucket is full nothing is recorded
   * and a RateLimitedError (429, with Retry-After) is thrown.
   */
  async consume(rules: RateLimitRule[], messageKey = 'errors.rate_limited'): Promise<void> {
    if (!rules.length) return;
    const now = this.clock.now().getTime();
    // One lock order for every caller, so two requests sharing buckets cannot wait on each other in a cycle.
    const sorted = [...new Map(rules.map((r) => [r.bucket, r])).values()].sort((a, b) => (a.bucket < b.bucket ? -1 : 1));
    // Created before the transaction: two first-ever attempts would otherwise both hold the
    // duplicate-key check's shared lock and deadlock on the update that follows.
    await this.knex(BUCKETS)
      .insert(sorted.map((r) => ({ bucket: r.bucket, locked_at: now })))
      .onConflict('bucket')
      .ignore();

    const retryAfterMs = await transactionRetryingDeadlocks(this.knex, (trx) => this.tryConsume(trx, sorted, now));
    if (retryAfterMs > 0) throw new RateLimitedError(messageKey, Math.ceil(retryAfterMs / 1000));
  }

  /** Hits still counting in `bucket`'s window (for display). */
  async count(rule: RateLimitRule): Promise<number> {
    const since = this.clock.now().getTime() - rule.windowMs;
    const row = await this.knex(HITS).where('bucket', rule.bucket).where('created_at', '>', since).count({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }

  /** Returns 0 when the hit was recorded, else how long until a slot frees up. */
  private async tryConsume(trx: Knex.Transaction, rules: RateLimitRule[], now: number): Promise<number> {
    // The write comes first: it is what serialises concurrent attempts on the same bucket.
    for (const rule of rules) await trx(BUCKETS).where({ bucket: rule.bucket }).update({ locked_at: now });
    let waitMs = 0;
    for (const rule of rules) {
      await trx(HITS).where('bucket', rule.bucket).where('created_at', '<=', now - rule.windowMs).del();
      const hits: Array<{ created_at: number | string }> = await trx(HITS).where('bucket', rule.bucket).orderBy('created_at', 'asc').select('created_at');
      if (hits.length >= rule.limit) {
        // The hit whose expiry brings the count below the limit again.
        const freeing = Number(hits[hits.length - rule.limit]!.created_at);
        waitMs = Math.max(waitMs, freeing + rule.windowMs - now, 1);
      }
    }
    if (waitMs > 0) return waitMs;
    await trx(HITS).insert(rules.map((r) => ({ bucket: r.bucket, created_at: now })));
    return 0;
  }
}
