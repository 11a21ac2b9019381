import os from 'node:os';
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type { JobQueue } from './job-queue.ts';
import { JOB_COMPLETED, type ClaimedJob, type JobHandler } from './job-types.ts';
import { LeaseKeeper } from './lease-keeper.ts';
import { isRegistrarError } from '../../registrar-adapters/types.ts';
import { isDatabaseTrouble } from '../errors.ts';
import { backoffDelayMs } from './job-queue.ts';

/** The longest wait between tries to write a job's outcome while the database is away. */
const DATABASE_RETRY_CAP_MS = 10_000;

const sleep = (ms: number, until: Promise<void>) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    void until.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });

export interface JobWorkerOptions {
  concurrency: number;
  pollIntervalMs: number;
  leaseMs: number;
  logger: Logger;
  /** Alerts someone when a job has used its last attempt. */
  onDead: (job: ClaimedJob, error: string) => Promise<void>;
  workerId?: string;
}

/** One line for the job row and the log; database errors quote whole statements, so it is capped. */
export function describeJobError(error: unknown): string {
  const text = isRegistrarError(error) ? `${error.code}: ${error.registrarMessage}` : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 1000 ? `${text.slice(0, 1000)}…` : text;
}

/**
 * Claimed jobs held per slot, running or ready. Claims happen once a whole `concurrency` of
 * them is missing, so under load one claim query serves that many jobs, and the ready ones
 * cover the slots that free up while it runs.
 */
const HELD_PER_SLOT = 3;

/**
 * How many jobs per slot may be in flight. Jobs that gave their slot back wait for a batched
 * write; letting enough of them queue keeps those batches full while slots stay busy. Measured
 * on both engines: 2 left slots idle waiting for the in-flight cap, 3 and 4 did not.
 */
const FINISHING_PER_SLOT = 4;

/**
 * Claims due jobs and runs up to `concurrency` of them at once. Several workers (threads of
 * the host, or `domain-transfers worker` processes) can share one database.
 *
 * Under load it keeps up to 2 × `concurrency` more claimed jobs ready, so a slot that frees up is
 * refilled at once instead of after a claim query, and their handlers can prefetch meanwhile.
 * A job may give its slot back before it finishes (JobContext.releaseSlot), typically once
 * its slow outside call has answered and only the write is left; at most
 * FINISHING_PER_SLOT × `concurrency` jobs are in flight, holding a slot or not. On stop, ready
 * jobs that never started are handed back.
 */
export class JobWorker {
  readonly workerId: string;
  private running = false;
  private loop?: Promise<void>;
  private readonly inFlight = new Set<Promise<void>>();
  /**
   * Jobs started and not finished. Counted before a job's handler runs: a handler that gives
   * its slot back at once starts the next job before its own task is in `inFlight`.
   */
  private started = 0;
  /** Jobs in flight that still hold a slot. */
  private slotsInUse = 0;
  private ready: ClaimedJob[] = [];
  private nudge?: () => void;
  private unsubscribe?: () => void;
  private readonly leases: LeaseKeeper;
  /** Settles when stop() is called, so waits for the database end at once. */
  private stopped: Promise<void> = new Promise(() => {});
  private signalStopped = () => {};
  /** Claims in a row that failed: the wait before the next grows while the database is away. */
  private claimFailures = 0;

  constructor(
    private readonly queue: JobQueue,
    private readonly handlers: Record<string, JobHandler>,
    private readonly options: JobWorkerOptions,
  ) {
    this.workerId = options.workerId ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
    this.leases = new LeaseKeeper(queue, Math.max(250, Math.floor(options.leaseMs / 3)), options.logger);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopped = new Promise((resolve) => (this.signalStopped = resolve));
    this.unsubscribe = this.queue.onEnqueue(() => this.nudge?.());
    this.loop = this.runLoop();
  }

  /** Stops claiming, hands back jobs that never started, and waits for the jobs in hand to finish. */
  async stop(): Promise<void> {
    this.running = false;
    this.signalStopped();
    this.unsubscribe?.();
    this.nudge?.();
    await this.loop;
    await this.handBack(this.ready.splice(0));
    await Promise.allSettled([...this.inFlight]);
  }

  /** Runs every due job (and any that become due meanwhile) until none is left. For tests and CLI one-shots. */
  async runUntilIdle(): Promise<number> {
    let processed = 0;
    for (;;) {
      const jobs = await this.queue.claim(this.workerId, this.options.concurrency);
      if (!jobs.length) return processed;
      this.leases.hold(jobs);
      await Promise.all(jobs.map((job) => this.execute(job).finally(() => this.leases.drop(job))));
      processed += jobs.length;
    }
  }

  private async runLoop(): Promise<void> {
    const { concurrency } = this.options;
    while (this.running) {
      const wanted = HELD_PER_SLOT * concurrency - this.slotsInUse - this.ready.length;
      let claimed = 0;
      // Under load, claim only once a whole `concurrency` is missing: one query per finished
      // job would cost as much as the job.
      if (wanted >= concurrency || (wanted > 0 && this.slotsInUse === 0)) {
        try {
          const jobs = await this.queue.claim(this.workerId, wanted);
          if (this.claimFailures) this.options.logger.info({ failedClaims: this.claimFailures }, 'the database answers again; claiming jobs');
          this.claimFailures = 0;
          claimed = jobs.length;
          this.leases.hold(jobs);
          if (this.running) {
            for (const job of jobs) this.handlers[job.type]?.prefetch?.(job);
            this.ready.push(...jobs);
          } else {
            await this.handBack(jobs);
          }
        } catch (error) {
          // Logged once per outage, then waited out with a growing, jittered pause.
          if (this.claimFailures++ === 0) this.options.logger.warn({ err: error }, 'claiming jobs failed; will retry');
          await sleep(backoffDelayMs(this.claimFailures, this.options.pollIntervalMs, DATABASE_RETRY_CAP_MS), this.stopped);
          continue;
        }
      }
      this.startReady();
      if (!this.running) break;
      // Claim again at once while the queue gives full batches; otherwise sleep until nudged.
      if (claimed >= concurrency) continue;
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

  private startReady(): void {
    const { concurrency } = this.options;
    while (this.running && this.slotsInUse < concurrency && this.started < FINISHING_PER_SLOT * concurrency && this.ready.length) {
      const job = this.ready.shift()!;
      this.slotsInUse++;
      this.started++;
      let holding = true;
      const releaseSlot = () => {
        if (!holding) return;
        holding = false;
        this.slotsInUse--;
        this.startReady();
        this.nudge?.();
      };
      const task = this.execute(job, releaseSlot).finally(() => {
        this.leases.drop(job);
        this.inFlight.delete(task);
        this.started--;
        if (holding) return releaseSlot();
        // It had given its slot back: its end still makes room under the in-flight cap.
        this.startReady();
        this.nudge?.();
      });
      this.inFlight.add(task);
    }
  }

  private async handBack(jobs: ClaimedJob[]): Promise<void> {
    for (const job of jobs) this.leases.drop(job);
    await this.queue.release(jobs).catch((error) => this.options.logger.warn({ err: error }, 'handing back unstarted jobs failed; their leases will expire'));
  }

  /**
   * Runs one job and records its outcome. Never rejects: a database that cannot be reached
   * while the outcome is written is waited out (see `persist`), and anything else is logged.
   */
  private async execute(job: ClaimedJob, releaseSlot: () => void = () => {}): Promise<void> {
    try {
      await this.attempt(job, releaseSlot);
    } catch (error) {
      this.log(job).error({ err: error }, 'job outcome could not be recorded; the job runs again once its lease expires');
    }
  }

  private async attempt(job: ClaimedJob, releaseSlot: () => void): Promise<void> {
    const handler = this.handlers[job.type];
    if (!handler) {
      await this.persist(job, () => this.queue.fail({ ...job, attempts: job.maxAttempts }, `no handler for job type ${job.type}`));
      return;
    }
    if (job.attempts > job.maxAttempts) {
      // Every attempt started and none reported back (workers killed, leases lost): bury it
      // rather than run it again. onDead asks the outside world what happened before failing.
      await this.bury(job, handler, 'every attempt was interrupted (the worker stopped or lost its lease)');
      return;
    }
    // The attempt counts from here: a job that was only held when its worker died keeps it.
    // The count is one batched write. While the lease is surely ours the handler does not wait
    // for it (a commit per start would add its latency to every job); otherwise the write is
    // also the check that the lease was not lost, and the job runs only if it was not.
    const counted = this.persist(job, () => this.queue.start(job));
    counted.catch(() => {});
    if (!this.queue.holdsFirmly(job) && !(await counted)) return;
    try {
      const outcome = await handler.run(job.payload, { job, lastAttempt: job.attempts >= job.maxAttempts, releaseSlot });
      // Its outcome is written after its count, so a retry scheduled below sees this attempt.
      await counted;
      if (outcome !== JOB_COMPLETED) await this.persist(job, () => this.queue.complete(job));
    } catch (error) {
      await counted.catch(() => {});
      const message = describeJobError(error);
      // Our own database failed the attempt (an outage, a lock wait): not the job's fault.
      const uncounted = isDatabaseTrouble(error);
      const outcome = await this.persist(job, () => this.queue.fail(job, message, { uncounted }));
      if (outcome === 'dead') {
        this.log(job).error({ error: message }, 'job is dead after its last attempt');
        await this.afterDeath(job, handler, message);
      } else {
        this.log(job).warn({ error: message, outcome, uncounted }, 'job attempt failed');
      }
    }
  }

  /**
   * Runs a write about a job until the database takes it: an outage or a restart is waited out
   * with capped, jittered backoff instead of failing the worker. Gives up when the worker
   * stops; the job's lease then expires and it runs again (its handler is safe to repeat).
   */
  private async persist<T>(job: ClaimedJob, write: () => Promise<T>): Promise<T> {
    for (let failures = 0; ; failures++) {
      try {
        return await write();
      } catch (error) {
        if (!isDatabaseTrouble(error) || !this.running) throw error;
        if (failures === 0) this.log(job).warn({ err: error }, 'the database is unavailable; the job outcome will be written when it is back');
        await sleep(backoffDelayMs(failures + 1, 200, DATABASE_RETRY_CAP_MS), this.stopped);
      }
    }
  }

  private log(job: ClaimedJob): Logger {
    return this.options.logger.child({ jobId: job.id, jobType: job.type, attempt: job.attempts });
  }

  private async bury(job: ClaimedJob, handler: JobHandler, reason: string): Promise<void> {
    if ((await this.persist(job, () => this.queue.fail({ ...job, attempts: job.maxAttempts }, reason))) === 'dead') {
      await this.afterDeath(job, handler, reason);
    }
  }

  private async afterDeath(job: ClaimedJob, handler: JobHandler, message: string): Promise<void> {
    try {
      await handler.onDead?.(job.payload, message, job);
      await this.options.onDead(job, message);
    } catch (error) {
      this.log(job).error({ err: error }, 'dead-job follow-up failed');
    }
  }
}
