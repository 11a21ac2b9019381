/** A row of `dt_jobs`, as a worker sees it after claiming. */
export interface ClaimedJob {
  id: number;
  key: string;
  type: string;
  payload: Record<string, unknown>;
  attempts: number;
  maxAttempts: number;
  lockedBy: string;
}

export interface JobContext {
  job: ClaimedJob;
  /** True on the last permitted attempt; a handler may record a final failure itself. */
  lastAttempt: boolean;
}

/**
 * Runs one job. Returning means done. Throwing means "try again later" (with backoff) until
 * max attempts, after which the job is dead and `onDead` runs. A handler that meets a final
 * failure records it and returns: retrying would not help.
 */
export interface JobHandler {
  run(payload: Record<string, unknown>, context: JobContext): Promise<void>;
  /** Called once when the job has used its last attempt. */
  onDead?(payload: Record<string, unknown>, error: string): Promise<void>;
}
