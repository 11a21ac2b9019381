import { withRegistrarTimeout } from '../registrar-timeout.ts';
import pLimit, { type LimitFunction } from 'p-limit';
import { isRegistrarError, isRetryable } from '../../registrar-adapters/types.ts';

export interface LaneOptions {
  concurrency: number;
  ratePerSecond: number;
  callTimeoutMs: number;
  /** Extra attempts after the first for transient and rate_limited errors. */
  retries: number;
  retryBackoffMs: number;
  /** Consecutive calls that still failed transiently after their retries before the breaker opens. */
  breakerThreshold: number;
}

/** Thrown instead of calling the registrar once its breaker is open (or the run stopped). */
export class LaneClosedError extends Error {
  constructor(readonly registrarId: string) {
    super(`registrar ${registrarId} is not being called any more in this run`);
    this.name = 'LaneClosedError';
  }
}

/**
 * Every call one run makes to one registrar: bounded concurrency, a rate limit, a timeout
 * per attempt, retries with backoff for transient failures, and a circuit breaker. When the
 * registrar keeps failing, the breaker opens once; the caller skips the rest of its domains.
 */
export class RegistrarLane {
  private readonly limit: LimitFunction;
  private nextSlotAt = 0;
  private consecutiveFailures = 0;
  private open = false;
  private onOpen?: (lastError: unknown) => void;
  lastError: string | null = null;

  constructor(
    readonly registrarId: string,
    private readonly options: LaneOptions,
    private readonly signal?: AbortSignal,
  ) {
    this.limit = pLimit(options.concurrency);
  }

  get isOpen(): boolean {
    return this.open;
  }

  whenOpened(listener: (lastError: unknown) => void): void {
    this.onOpen = listener;
  }

  /** Stops the lane: queued work fails fast with LaneClosedError instead of calling out. */
  close(): void {
    this.open = true;
  }

  /** Runs `task(call)` in a concurrency slot; `task` uses `call` for its registrar calls. */
  run<T>(task: () => Promise<T>): Promise<T> {
    return this.limit(async () => {
      if (this.open || this.signal?.aborted) throw new LaneClosedError(this.registrarId);
      return task();
    });
  }

  /** One registrar operation, with rate limit, timeout, retries and breaker accounting. */
  async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (this.open || this.signal?.aborted) throw new LaneClosedError(this.registrarId);
      await this.takeRateSlot();
      try {
        const result = await withRegistrarTimeout(fn(), this.options.callTimeoutMs, operation, this.registrarId);
        this.consecutiveFailures = 0;
        return result;
      } catch (error) {
        // A refused login will be refused again: no retries, and the breaker opens at once
        // (each further call would be one more failed login against our registrar account).
        if (isRegistrarError(error) && error.code === 'authentication_failed') {
          this.lastError = describe(error);
          this.trip(error);
          throw error;
        }
        const retryable = isRegistrarError(error) && isRetryable(error);
        // Calls already in flight when the breaker opened are part of the same outage: they
        // count as skipped with the rest, not as errors of their own.
        if (retryable && this.open) throw new LaneClosedError(this.registrarId);
        if (retryable && attempt < this.options.retries) {
          await sleep(this.options.retryBackoffMs * 2 ** attempt * (0.5 + Math.random() / 2));
          continue;
        }
        this.lastError = describe(error);
        if (retryable) this.countFailure(error);
        throw error;
      }
    }
  }

  private countFailure(error: unknown): void {
    this.consecutiveFailures++;
    if (this.consecutiveFailures >= this.options.breakerThreshold) this.trip(error);
  }

  /** Opens the breaker, telling the listener once. */
  private trip(error: unknown): void {
    if (this.open) return;
    this.close();
    this.onOpen?.(error);
  }

  /** Calls are spaced 1/rate apart; a burst waits its turn instead of being refused. */
  private async takeRateSlot(): Promise<void> {
    const spacing = 1000 / this.options.ratePerSecond;
    const now = performance.now();
    const at = Math.max(now, this.nextSlotAt);
    this.nextSlotAt = at + spacing;
    if (at - now >= 1) await sleep(at - now);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function describe(error: unknown): string {
  if (isRegistrarError(error)) return `${error.code}: ${error.registrarMessage}`;
  return error instanceof Error ? error.message : String(error);
}
