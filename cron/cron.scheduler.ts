import crypto from 'node:crypto';
import os from 'node:os';
import cron from 'node-cron';
import type { Logger } from 'pino';
import type { Clock } from '../module/host-context.ts';
import { ConflictError } from '../module/errors.ts';
import type { CronRunStore } from './cron-run.store.ts';
import type { SlotRule } from './cron-slots.ts';
import { runWithLease, type LeasedOutcome, type LeaseSettings } from './leased-run.ts';
import type { ScheduledTask, ScheduledTaskRunOptions } from './scheduled-task.ts';

export interface ScheduleEntry {
  task: ScheduledTask<object>;
  slots: SlotRule;
  /** Finished runs older than this are deleted (frequent tasks only). */
  keepRunsMs?: number;
}

export interface TickResult {
  task: string;
  slotAt: Date;
  outcome: LeasedOutcome<object>;
}

export interface ManualRun {
  runId: number | null;
  done: Promise<LeasedOutcome<object> | { runId: null; status: 'succeeded'; summary: object; error: null }>;
}

/** A tick later than this after its slot is a catch-up (the app was down at the time). */
const ON_TIME_MS = 2 * 60_000;

/**
 * Runs each task once per slot across every instance sharing the database. A timer only
 * calls `tick()`; `tick()` reads the injected clock, finds each task's most recent slot and
 * tries to claim it in dt_cron_runs. So an instance that starts after 05:00 (or after three
 * missed days) finds one unclaimed slot, the latest, and runs once.
 */
export class CronScheduler {
  readonly owner: string;
  private readonly busy = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly stopController = new AbortController();
  private timer: { stop(): void | Promise<void>; destroy?(): void | Promise<void> } | undefined;
  private readonly tickHooks: Array<() => Promise<void>> = [];

  constructor(
    private readonly deps: { store: CronRunStore; clock: Clock; logger: Logger; lease: LeaseSettings; owner?: string },
    private readonly entries: ScheduleEntry[],
  ) {
    this.owner = deps.owner ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  }

  /** Extra per-tick work (registry push polling) that shares the scheduler's timer. */
  onTick(hook: () => Promise<void>): void {
    this.tickHooks.push(hook);
  }

  task(id: string): ScheduledTask<object> {
    const entry = this.entries.find((e) => e.task.id === id);
    if (!entry) throw new Error(`no scheduled task ${id}`);
    return entry.task;
  }

  /** When the task's next slot falls, by the injected clock. */
  nextSlot(id: string): Date | null {
    return this.entries.find((e) => e.task.id === id)?.slots.next(this.deps.clock.now()) ?? null;
  }

  /** Claims and runs every due slot; tasks run one after another (05:00 before the pending cadence). */
  async tick(): Promise<TickResult[]> {
    const results: TickResult[] = [];
    for (const entry of this.entries) {
      if (this.stopController.signal.aborted) break;
      const result = await this.track(this.runSlot(entry));
      if (result) results.push(result);
    }
    for (const hook of this.tickHooks) {
      if (this.stopController.signal.aborted) break;
      await this.track(hook()).catch((error) => this.deps.logger.error({ err: error }, 'scheduler tick hook failed'));
    }
    return results;
  }

  private async runSlot(entry: ScheduleEntry): Promise<TickResult | null> {
    const { store, clock, logger } = this.deps;
    const now = clock.now();
    const slotAt = entry.slots.latest(now);
    if (!slotAt || this.busy.has(entry.task.id)) return null;
    const trigger = now.getTime() - slotAt.getTime() <= ON_TIME_MS ? 'schedule' : 'catch-up';
    this.busy.add(entry.task.id);
    try {
      const runId = await store.claimSlot(entry.task.id, slotAt, this.owner, this.deps.lease.leaseMs, trigger);
      if (runId === null) return null;
      logger.info({ task: entry.task.id, slotAt, trigger, runId }, 'cron run started');
      const outcome = await this.leased(runId, (signal, report) => entry.task.execute({ trigger, runId, slotAt, signal, onProgress: report }));
      logger.info({ task: entry.task.id, runId, status: outcome.status }, 'cron run finished');
      if (entry.keepRunsMs) await store.prune(entry.task.id, new Date(now.getTime() - entry.keepRunsMs));
      return { task: entry.task.id, slotAt, outcome };
    } finally {
      this.busy.delete(entry.task.id);
    }
  }

  /**
   * The CLI and the admin button: the same task, outside any slot. A whole-run request is
   * refused while another run of the task holds a live lease; a dry run takes no lease and
   * writes nothing, not even a run row.
   */
  async runNow(taskId: string, options: Omit<ScheduledTaskRunOptions, 'runId' | 'slotAt' | 'signal'>): Promise<ManualRun> {
    const task = this.task(taskId);
    if (options.dryRun) {
      const done = task.execute({ ...options }).then((summary) => ({ runId: null, status: 'succeeded' as const, summary, error: null }));
      return { runId: null, done: this.track(done) };
    }
    if (!options.domain && (await this.deps.store.live(taskId))) throw new ConflictError('sync:already_running');
    const runId = await this.deps.store.startManual(taskId, this.owner, this.deps.lease.leaseMs, options.trigger, options.domain ?? null);
    const done = this.leased(runId, (signal, report) =>
      task.execute({
        ...options,
        runId,
        signal,
        onProgress: (progress) => {
          report(progress);
          options.onProgress?.(progress);
        },
      }),
    );
    return { runId, done: this.track(done) };
  }

  private leased(runId: number, body: (signal: AbortSignal, report: (progress: object) => void) => Promise<object>) {
    const { store, clock, logger, lease } = this.deps;
    return runWithLease({ store, clock, logger, owner: this.owner, settings: lease, stopSignal: this.stopController.signal }, runId, body);
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise)).catch(() => undefined);
    return promise;
  }

  /** A minute timer drives `tick()`; the first tick at start is the catch-up. */
  start(): void {
    if (this.timer) return;
    this.timer = cron.schedule('* * * * *', () => this.tickSafely(), { name: `domain-transfers-${this.owner}`, noOverlap: true, suppressMissedWarning: true });
    this.tickSafely();
  }

  private tickSafely(): void {
    void this.tick().catch((error) => this.deps.logger.error({ err: error }, 'scheduler tick failed'));
  }

  /** Stops the timer and any run in progress (its slot is handed back for another instance). */
  async stop(): Promise<void> {
    const timer = this.timer;
    this.timer = undefined;
    await timer?.stop();
    await timer?.destroy?.();
    this.stopController.abort();
    await Promise.allSettled([...this.inFlight]);
  }
}
