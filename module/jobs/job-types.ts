/** A row of `dt_jobs`, as a worker sees it after claiming. */
export interface ClaimedJob {
  id: number;
  key: string;
  type: string;
  payload: Record<string, unknown>;
  /** The attempt this is: earlier attempts that started, plus this one. */
  attempts: number;
  maxAttempts: number;
  lockedBy: string;
  /** When it became due (epoch ms): its place in the queue. */
  runAt: number;
  /** When its lease ends as far as this worker knows (epoch ms): set by the claim, moved by renewals. */
  leaseExpiresAt: number;
}

export interface JobContext {
  job: ClaimedJob;
  /** True on the last permitted attempt; a handler may record a final failure itself. */
  lastAttempt: boolean;
  /**
   * Hands the worker slot back before the handler returns, once the part that needs a slot
   * (the registrar call) is over and only recording the outcome is left. The worker keeps
   * tracking the job and bounds all jobs in flight, slot or not, to a few per slot.
   */
  releaseSlot(): void;
}

/** Returned by a handler that marked its job done in its own transaction (JobQueue.completeIn). */
export const JOB_COMPLETED = Symbol('job completed');

/**
 * Runs one job. Returning means done. Throwing means "try again later" (with backoff) until
 * max attempts, after which the job is dead and `onDead` runs. A handler that meets a final
 * failure records it and returns: retrying would not help.
 */
export interface JobHandler {
  run(payload: Record<string, unknown>, context: JobContext): Promise<void | typeof JOB_COMPLETED>;
  /**
   * Called as soon as a job is claimed, a moment before it may run, so the handler can start
   * its reads early. `run` must not depend on it having been called.
   */
  prefetch?(job: ClaimedJob): void;
  /** Called once when the job has used its last attempt (the job is dead by then). */
  onDead?(payload: Record<string, unknown>, error: string, job: ClaimedJob): Promise<void>;
}
