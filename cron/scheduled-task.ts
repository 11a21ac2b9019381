/**
 * A scheduled task is a value: an id, a cron schedule with its time zone, and `execute`,
 * which does one run and returns a summary worth storing and showing to an admin.
 */
export interface ScheduledTask<Summary extends object = Record<string, unknown>> {
  id: string;
  schedule: string;
  timezone: string;
  description: string;
  execute(options: { dryRun?: boolean; domain?: string; trigger: 'schedule' | 'catch-up' | 'cli' | 'admin' }): Promise<Summary>;
}
