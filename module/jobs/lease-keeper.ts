import type { Logger } from 'pino';
import type { JobQueue } from './job-queue.ts';
import type { ClaimedJob } from './job-types.ts';

/**
 * Renews the leases of every job a worker holds, running or waiting to run, with one
 * statement per renewal instead of a timer per job. Its timer runs only while it holds some.
 */
export class LeaseKeeper {
  private readonly held = new Set<ClaimedJob>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly queue: JobQueue,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  hold(jobs: ClaimedJob[]): void {
    for (const job of jobs) this.held.add(job);
    if (this.held.size && !this.timer) {
      this.timer = setInterval(() => this.renew(), this.intervalMs);
      this.timer.unref();
    }
  }

  drop(job: ClaimedJob): void {
    this.held.delete(job);
    if (!this.held.size && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private renew(): void {
    const jobs = [...this.held];
    this.queue.heartbeat(jobs).then(
      (renewed) => {
        if (renewed < jobs.length) this.logger.warn({ held: jobs.length, renewed }, 'some job leases were lost; those jobs may run elsewhere');
      },
      (error) => this.logger.warn({ err: error }, 'lease renewal failed; will try again'),
    );
  }
}
