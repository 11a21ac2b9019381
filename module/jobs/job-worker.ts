import os from 'node:os';
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type { JobQueue } from './job-queue.ts';
import type { ClaimedJob, JobHandler } from './job-types.ts';
import { isRegistrarError } from '../../registrar-adapters/types.ts';

export interface JobWorkerOptions {
  concurrency: number;
  pollIntervalMs: number;
  leaseMs: number;
  logger: Logger;
  /** Alerts someone when a job has used its last attempt. */
  onDead: (job: ClaimedJob, error: string) => Promise<void>;
  workerId?: string;
}

export function describeJobError(error: unknown): string {
  if (isRegistrarError(error)) return `${error.code}: ${error.registrarMessage}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Claims due jobs and runs up to `concurrency` of them at once. Several workers (threads of
 * the host, or `domain-transfers worker` processes) can share one database.
 */
export class JobWorker {
  readonly workerId: string;
  private running = false;
  private loop?: Promise<void>;
  private readonly inFlight = new Set<Promise<void>>();
  private nudge?: () => void;
  private unsubscribe?: () => void;
  private readonly claimBatch: number;

  constructor(
    private readonly queue: JobQueue,
    private readonly handlers: Record<string, JobHandler>,
    private readonly options: JobWorkerOptions,
  ) {
    this.workerId = options.workerId ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
    this.claimBatch = Math.max(1, Math.ceil(options.concurrency / 10));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.queue.onEnqueue(() => this.nudge?.());
    this.loop = this.runLoop();
  }

  /** Stops claiming and waits for the jobs in hand to finish. */
  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.nudge?.();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Runs every due job (and any that become due meanwhile) until none is left. For tests and CLI one-shots. */
  async runUntilIdle(): Promise<number> {
    let processed = 0;
    for (;;) {
      const jobs = await this.queue.claim(this.workerId, this.options.concurrency);
      if (!jobs.length) return processed;
      await Promise.all(jobs.map((job) => this.execute(job)));
      processed += jobs.length;
    }
  }

  private async runLoop(): Promise<void> {
    while (this.running) {
      const free = this.options.concurrency - this.inFlight.size;
      let claimed: ClaimedJob[] = [];
      // Under load, claim a few slots' worth at once: one claim query per finished job would
      // cost as much as the job's own writes.
      if (free > 0 && (this.inFlight.size === 0 || free >= this.claimBatch)) {
        try {
          claimed = await this.queue.claim(this.workerId, free);
        } catch (error) {
          this.options.logger.warn({ err: error }, 'claiming jobs failed; will retry');
        }
      }
      for (const job of claimed) {
        const task = this.execute(job).finally(() => {
          this.inFlight.delete(task);
          this.nudge?.();
        });
        this.inFlight.add(task);
      }
      if (!this.running) break;
      // Claim again at once while there is room and work; otherwise sleep until nudged.
      if (claimed.length && this.options.concurrency - this.inFlight.size >= this.claimBatch) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.options.pollIntervalMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.nudge = done;
      });
      this.nudge = undefined;
    }
  }

  private async execute(job: ClaimedJob): Promise<void> {
    const handler = this.handlers[job.type];
    const log = this.options.logger.child({ jobId: job.id, jobType: job.type, attempt: job.attempts });
    if (!handler) {
      await this.queue.fail({ ...job, attempts: job.maxAttempts }, `no handler for job type ${job.type}`);
      return;
    }
    if (job.attempts > job.maxAttempts) {
      // A worker died holding this job on its last attempt: bury it rather than run it again.
      await this.bury(job, handler, 'lease expired on the last attempt (worker stopped)', log);
      return;
    }
    const heartbeat = setInterval(() => {
      this.queue.heartbeat(job).catch((error) => log.warn({ err: error }, 'lease heartbeat failed'));
    }, Math.max(250, Math.floor(this.options.leaseMs / 3)));
    try {
      await handler.run(job.payload, { job, lastAttempt: job.attempts >= job.maxAttempts });
      clearInterval(heartbeat);
      await this.queue.complete(job);
    } catch (error) {
      clearInterval(heartbeat);
      const message = describeJobError(error);
      const outcome = await this.queue.fail(job, message);
      if (outcome === 'dead') {
        log.error({ error: message }, 'job is dead after its last attempt');
        await this.afterDeath(job, handler, message, log);
      } else {
        log.warn({ error: message, outcome }, 'job attempt failed');
      }
    }
  }

  private async bury(job: ClaimedJob, handler: JobHandler, reason: string, log: Logger): Promise<void> {
    if ((await this.queue.fail({ ...job, attempts: job.maxAttempts }, reason)) === 'dead') {
      await this.afterDeath(job, handler, reason, log);
    }
  }

  private async afterDeath(job: ClaimedJob, handler: JobHandler, message: string, log: Logger): Promise<void> {
    try {
      await handler.onDead?.(job.payload, message);
      await this.options.onDead(job, message);
    } catch (error) {
      log.error({ err: error }, 'dead-job follow-up failed');
    }
  }
}
