export type ScheduledTaskTrigger = 'schedule' | 'catch-up' | 'cli' | 'admin' | 'host';

export interface ScheduledTaskRunOptions {
  dryRun?: boolean;
  domain?: string;
  trigger: ScheduledTaskTrigger;
  /** The dt_cron_runs row this run holds the lease on (absent for a dry run, which writes nothing). */
  runId?: number;
  /** The scheduled slot being run (absent for manual runs). */
  slotAt?: Date;
  /** Aborted when the run's lease is lost or the scheduler stops: stop promptly, return what was done. */
  signal?: AbortSignal;
  /** Called as the run progresses with the summary so far (CLI progress bar). */
  onProgress?: (summary: object) => void;
}

/**
 * A scheduled task is a value: an id, a cron schedule with its time zone, and `execute`,
 * which does one run and returns a summary worth storing and showing to an admin.
 */
export interface ScheduledTask<Summary extends object = object> {
  id: string;
  schedule: string;
  timezone: string;
  description: string;
  execute(options: ScheduledTaskRunOptions): Promise<Summary>;
}
