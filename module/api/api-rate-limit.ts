import type { Knex } from 'knex';
import type { Clock } from '../host-context.ts';
import { RateLimitedError } from '../errors.ts';

const WINDOW_MS = 60_000;
/** How long counted requests wait in this process before they are added to the shared count. */
const FLUSH_MS = 50;
/** Below this share of the limit a request is counted without a round-trip; above it, at once. */
const FAST_SHARE = 0.8;
const UNSHARED_SHARE = 0.05;

interface KeyWindow {
  start: number;
  /** The shared count (every instance) as last read. */
  shared: number;
  /** Requests this process allowed and has not added yet. */
  pending: number;
  flushing?: Promise<void>;
}

/**
 * Requests per API key per minute, counted in the database so every instance shares one
 * allowance. Far from the limit, a request is counted in memory and the counts are added to the
 * shared row a few at a time (at most 50 ms later, or sooner once a twentieth of the limit is
 * waiting): no write on every request. Near the limit (the last fifth, and always for small
 * limits), each request adds itself and reads the shared count before it is allowed, so the
 * limit holds where it matters; instances that have not yet seen each other's counts may
 * together pass it by at most a twentieth of the limit each.
 */
export class ApiRateLimiter {
  private readonly windows = new Map<number, KeyWindow>();

  /** Deferred additions not yet written: close() waits for them. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly knex: Knex,
    private readonly clock: Clock,
    /** Told when a deferred addition cannot be written (the database is away): the count is kept for the next try. */
    private readonly onFlushError: (error: unknown) => void = () => undefined,
  ) {}

  /** Counts one request for `keyId`, or throws RateLimitedError (429 with Retry-After). */
  async take(keyId: number, limit: number): Promise<void> {
    const now = this.clock.now().getTime();
    const start = now - (now % WINDOW_MS);
    let window = this.windows.get(keyId);
    if (!window || window.start !== start) {
      // A new minute: what this process still owed the last one is added to it first.
      if (window) this.defer(this.flush(keyId, window));
      window = { start, shared: 0, pending: 0 };
      this.windows.set(keyId, window);
      if (this.windows.size > 10_000) this.forgetOld(start);
      // Minutes long past are of no use to anyone.
      await this.knex('dt_api_rate_windows').where({ key_id: keyId }).andWhere('window_start', '<', start - 60 * WINDOW_MS).delete();
      window.shared = await this.read(keyId, start);
    }
    const retryAfter = () => Math.max(1, Math.ceil((start + WINDOW_MS - now) / 1000));
    if (window.shared + window.pending >= limit) throw new RateLimitedError('api:errors.rate_limited', retryAfter());
    // Unshared counts are capped (a twentieth of the limit), which bounds how far instances that
    // have not yet seen each other's requests can go past the limit together.
    if (window.shared + window.pending + 1 <= limit * FAST_SHARE && window.pending < Math.floor(limit * UNSHARED_SHARE)) {
      window.pending++;
      if (!window.flushing) {
        const current = window;
        current.flushing = new Promise<void>((resolve) => setTimeout(resolve, FLUSH_MS)).then(() => this.flush(keyId, current));
        this.defer(current.flushing);
      }
      return;
    }
    // Near the limit: this request is added and the shared count read before it is let through.
    await window.flushing?.catch(() => undefined);
    window.pending++;
    await this.flush(keyId, window);
    if (window.shared > limit) throw new RateLimitedError('api:errors.rate_limited', retryAfter());
  }

  /** Writes what is still counted in memory; the module's stop() calls it before the database closes. */
  async close(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    for (const [keyId, window] of this.windows) if (window.pending > 0) await this.flush(keyId, window).catch((error) => this.onFlushError(error));
  }

  /** A deferred addition is nobody's await: its failure is reported, never left unhandled. */
  private defer(flush: Promise<void>): void {
    const tracked = flush.catch((error) => this.onFlushError(error)).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private async flush(keyId: number, window: KeyWindow): Promise<void> {
    const adding = window.pending;
    window.pending = 0;
    window.flushing = undefined;
    if (adding > 0) {
      try {
        await this.knex('dt_api_rate_windows')
          .insert({ key_id: keyId, window_start: window.start, requests: adding })
          .onConflict(['key_id', 'window_start'])
          .merge({ requests: this.knex.raw('?? + ?', ['dt_api_rate_windows.requests', adding]) });
      } catch (error) {
        // Not written: counted again with the next addition, so no request goes uncounted.
        window.pending += adding;
        throw error;
      }
    }
    window.shared = await this.read(keyId, window.start);
  }

  private async read(keyId: number, start: number): Promise<number> {
    const row = await this.knex('dt_api_rate_windows').where({ key_id: keyId, window_start: start }).first('requests');
    return Number(row?.requests ?? 0);
  }

  private forgetOld(start: number): void {
    for (const [keyId, window] of this.windows) if (window.start !== start && !window.pending) this.windows.delete(keyId);
  }
}
